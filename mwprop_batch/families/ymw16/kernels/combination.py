"""YMW16's n_e at a point: its components combined by the model's rules, and the batch kernel.

:func:`galaxy` combines the components of :mod:`.density` as the authors' code does (each
zero beyond its cut-offs; the Local Bubble, Gum Nebula and Loop I replace the disks where
they are denser, in that order of priority); :func:`point_density` adds the Magellanic
Clouds beyond the Galaxy, and :func:`density_batch` runs it over points (lengths in pc,
densities in cm^-3; the columns are :data:`.density.COLUMNS`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from .density import (
    A2,
    ALL_LOCAL,
    B2,
    COLUMNS,
    CUT,
    DENSITY_RADIUS,
    DISKS,
    GUM,
    HAS_ARMS,
    HAS_GC,
    HAS_GUM,
    HAS_LB,
    HAS_LI,
    HAS_THIN,
    J_FB,
    J_LB,
    K2,
    LOCAL_BUBBLE,
    LOOP_I,
    MAGELLANIC,
    MC_HORIZON,
    N2,
    OUTSIDE,
    R_LB,
    R_SUN,
    R_WARP,
    TWO_PI,
    Z_SUN,
    galactic_centre,
    gum_nebula,
    in_fermi_bubbles,
    in_mc_region,
    lb_axis_distance,
    lmc_frame,
    local_bubble,
    loop_i,
    magellanic,
    scale_height,
    sech2,
    spiral_arms,
    thick_disk,
    warped_z,
)


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def galaxy(x: float, y: float, z: float, gl_deg: float, local: int, P, arms):
    """Galactic n_e and its parts at (x, y, z) pc, seen at longitude gl_deg from the Sun.

    Returns (ne, thick, thin, arms, gc, gum, lb, loop_i, region, fermi, the distance from the
    Local Bubble's axis); components are as
    each would be alone (the thick disk before the Fermi-bubble and Local-Bubble factors).
    ``local`` says which of the local components, the thin disk and the arms (HAS_* bits)
    need evaluating; the others are taken as zero.
    """
    r = math.sqrt(x * x + y * y)
    theta = 0.0  # the azimuth, needed only by the warp (beyond R_warp) and the arms
    if local & HAS_ARMS or r >= P[R_WARP]:
        theta = math.atan2(y, x)
        if theta < 0.0:
            theta += TWO_PI
    zw = warped_z(z, r, theta, P)
    cut = P[CUT]
    thick, gd = thick_disk(zw, r, P)
    thin = 0.0
    if local & HAS_THIN:
        hh = P[K2] * scale_height(r, P)
        if r - P[B2] <= cut * P[A2] and abs(zw) <= cut * hh:
            thin = P[N2] * gd * sech2((r - P[B2]) / P[A2]) * sech2(zw / hh)
    spiral = spiral_arms(zw, r, theta, gd, P, arms) if local & HAS_ARMS else 0.0
    gc = galactic_centre(x, y, z, P) if local & HAS_GC else 0.0
    gum = gum_nebula(x, y, z, P) if local & HAS_GUM else 0.0
    axis_dist = lb_axis_distance(x, y, z, P)
    lb = local_bubble(x, y, z, gl_deg, axis_dist, P) if local & HAS_LB else 0.0
    li = loop_i(x, y, z, P) if local & HAS_LI else 0.0
    fermi = P[J_FB] != 1.0 and in_fermi_bubbles(x, y, z, P)
    n1 = thick * P[J_FB] if fermi else thick
    disk = n1 + max(thin, spiral)
    if axis_dist > P[R_LB]:
        lb_wins = lb > disk and lb > gum
    else:
        lb_wins = lb > disk
        if not lb_wins:
            disk = n1 * P[J_LB] + max(thin, spiral)
    if lb_wins:
        ne, region = lb, LOCAL_BUBBLE
    elif gum > disk:
        ne, region = gum, GUM
    elif li > disk:
        ne, region = li, LOOP_I
    else:
        ne, region = disk + gc, DISKS
    return ne, thick, thin, spiral, gc, gum, lb, li, region, fermi, axis_dist


@nb.njit(cache=True, _nrt=False)
def point_density(x: float, y: float, z: float, P, arms, row) -> None:
    """All COLUMNS at one Galactocentric point (pc) into ``row``.

    Inside R_g = density_radius the Galaxy; beyond, the Magellanic Clouds where the point's
    direction from the Sun is in the MC box (and R_g < mc_horizon); elsewhere zero.
    """
    xs, ys, zs = x, y - P[R_SUN], z - P[Z_SUN]
    d = math.sqrt(xs * xs + ys * ys + zs * zs)
    l_deg = math.degrees(math.atan2(xs, -ys)) % 360.0 if xs != 0.0 or ys != 0.0 else 0.0
    b_deg = math.degrees(math.asin(zs / d)) if d > 0.0 else 0.0
    rg = math.sqrt(x * x + y * y + z * z)
    row[:] = 0.0
    row[9] = OUTSIDE
    if rg <= P[DENSITY_RADIUS]:
        ne, thick, thin, spiral, gc, gum, lb, li, region, _, _ = galaxy(
            x, y, z, l_deg, np.int64(ALL_LOCAL), P, arms)  # int64: one signature
        row[0], row[1], row[2], row[3], row[4] = ne, thick, thin, spiral, gc
        row[5], row[6], row[7], row[9] = gum, lb, li, region
        row[10] = 1.0 if in_fermi_bubbles(x, y, z, P) else 0.0
    elif rg < P[MC_HORIZON] and in_mc_region(l_deg, b_deg, P):
        lr, br = math.radians(l_deg), math.radians(b_deg)
        ne = magellanic(d, lmc_frame(math.sin(br), math.cos(br), lr, P), x, y, z, P)
        row[0] = ne
        row[8] = ne
        row[9] = MAGELLANIC


@nb.njit(cache=True, nogil=True)
def density_batch(x, y, z, P, arms) -> np.ndarray:
    """(n, len(COLUMNS)) for points x, y, z (pc); rows with a non-finite input are NaN."""
    n = x.shape[0]
    out = np.full((n, len(COLUMNS)), np.nan)
    for i in range(n):
        if math.isfinite(x[i]) and math.isfinite(y[i]) and math.isfinite(z[i]):
            point_density(x[i], y[i], z[i], P, arms, out[i])
    return out
