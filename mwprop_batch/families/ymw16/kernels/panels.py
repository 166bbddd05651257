"""How a YMW16 sightline is cut into panels between its cuts (pc): for a stretch, which
components may be non-zero there (each certified zero by the cut-offs of
:func:`mwprop_batch.families.ymw16.kernels.density.galaxy` is skipped), the longest panel its
smallest scale
allows, and whether the density there is surely zero. Used by
:mod:`mwprop_batch.families.ymw16.kernels.los`.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from . import cuts as C
from . import density as K

PANEL_MAX = 600.0  # pc, longest panel where arms or the thin disk may be (widths 300-500 pc)
PANEL_FAR = 1500.0  # pc, longest panel where only the thick disk is left
ARMS_FAR = 25000.0  # pc: beyond this radius the arms are below 1e-4 of their peak (gd factor)
VERTICAL_PER_SCALE = 2.0  # panel height (in z) per vertical scale height
DISK_PARTS = K.HAS_THIN | K.HAS_ARMS  # disk components skipped where certified zero
SWITCHING = K.HAS_GUM | K.HAS_LB | K.HAS_LI  # features that replace the disks
CERTIFY_MARGIN = 1e-6  # pc: slack on the heights and radii that certify a component zero


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def disk_parts(zmin: float, r_lo: float, r_hi: float, P) -> tuple[int, bool]:
    """Of the thin disk and the arms, those (HAS_* bits) that may be non-zero where the height
    above the (unwarped) plane is at least ``zmin`` and the radius in [r_lo, r_hi] (pc), and
    whether the thick disk (and with it every disk component) is zero there: each decided
    by the cut-offs :func:`ymw16.galaxy` applies, with CERTIFY_MARGIN of slack.

    The warp lowers |z| by at most gamma_w (r_hi - R_warp); H(R) is convex (c2 >= 0), so its
    largest value on [r_lo, r_hi] is at an end."""
    cut = P[K.CUT]
    r_lo, r_hi = r_lo - CERTIFY_MARGIN, r_hi + CERTIFY_MARGIN
    zw = zmin - P[K.GAMMA_W] * max(0.0, r_hi - P[K.R_WARP]) - CERTIFY_MARGIN
    h_max = max(K.scale_height(r_lo, P), K.scale_height(r_hi, P))
    thick_off = zw > cut * P[K.H1] or r_lo - P[K.BD] > cut * P[K.AD]
    parts = 0
    if not (thick_off or r_lo - P[K.B2] > cut * P[K.A2] or zw > cut * P[K.K2] * h_max):
        parts |= K.HAS_THIN
    if not (thick_off or zw >= P[K.ARM_Z_MAX] or zw > cut * P[K.KA] * h_max):
        parts |= K.HAS_ARMS
    return parts, thick_off


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def segment(s0: float, s1: float, u, zones, mc: bool,
            P) -> tuple[int, int, float, float, bool, bool]:
    """For the segment [s0, s1] (inside or outside every zone): the local components to
    evaluate, those and the disk components that may be non-zero there (``parts``), the
    longest panel where the disks govern, the longest where a feature that takes over from
    them (SWITCHING) governs, whether the density there is surely zero (beyond the Galaxy),
    and whether it is zero for want of any component (inside it)."""
    mid = 0.5 * (s0 + s1)
    local = 0
    limit = PANEL_MAX
    feature_limit = np.inf
    in_mc_zone = False
    for k in range(C.N_ZONES):
        if zones[k, 0] <= mid <= zones[k, 1]:
            local |= C.ZONE_BITS[k]
            if C.ZONE_BITS[k] & SWITCHING:  # its scale matters only where it governs
                feature_limit = min(feature_limit, zones[k, 2])
            else:
                limit = min(limit, zones[k, 2])
            in_mc_zone = in_mc_zone or k >= C.Z_LMC
    y0, z0 = P[K.R_SUN], P[K.Z_SUN]
    xm, ym, zm = mid * u[0], y0 + mid * u[1], z0 + mid * u[2]
    outside = xm * xm + ym * ym + zm * zm > P[K.GAL_RADIUS] ** 2
    if outside:
        return local, local, limit, feature_limit, not (mc and in_mc_zone), False
    # the smallest vertical scale present: the thin disk's, else the arms', else the thick
    # disk's; panels are shorter where the arms or the thin disk may be present
    r_lo, r_hi = C.radius_range(s0, s1, u, P)
    warp = P[K.GAMMA_W] * max(0.0, r_hi - P[K.R_WARP])
    z_lo = min(abs(z0 + s0 * u[2]), abs(z0 + s1 * u[2]))
    if (z0 + s0 * u[2]) * (z0 + s1 * u[2]) <= 0.0:
        z_lo = 0.0
    disk, thick_off = disk_parts(z_lo, r_lo, r_hi, P)
    zero = thick_off and local == 0 and not (mc and in_mc_zone)
    z_lo = max(0.0, z_lo - warp)
    thin = (z_lo <= P[K.CUT] * P[K.K2] * K.scale_height(r_hi, P)
            and r_lo - P[K.B2] <= P[K.CUT] * P[K.A2])
    spiral = z_lo < P[K.ARM_Z_MAX] and r_lo < ARMS_FAR
    if thin:
        h = P[K.K2] * K.scale_height(r_lo, P)
    elif spiral:
        h = P[K.KA] * K.scale_height(r_lo, P)
    else:
        h = P[K.H1]
        limit = min(PANEL_FAR, limit * PANEL_FAR / PANEL_MAX)
    rate = abs(u[2]) + (P[K.GAMMA_W] if warp > 0.0 else 0.0)
    if rate > 0.0:
        limit = min(limit, VERTICAL_PER_SCALE * max(h, z_lo / 4.0) / rate)
    return local, local | disk, limit, min(limit, feature_limit), False, zero
