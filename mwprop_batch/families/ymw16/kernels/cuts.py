"""YMW16 sightline geometry (pc): where each local feature may be non-zero, and where the
density jumps or kinks, found analytically (chords of spheres, cylinders and slabs; crossings
of Galactocentric radii and azimuths) or, for the Local Bubble lobe's viewing-angle test, by a
scan and bisection. Used by :mod:`mwprop_batch.families.ymw16.kernels.los`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.roots import quadratic_roots as inlined_roots
from mwprop_batch.kernels.sorting import sort_prefix

from . import density as K

PANEL_PER_SCALE = 3.0  # panel length per local scale length (sech^2 profiles)
PANEL_PER_GAUSSIAN = 2.5  # panel length per 1/e width of a Gaussian shell
MAX_CUTS = 96  # room for the cuts of one sightline (the analytic ones are at most 38)
LOBE1_REACH_MARGIN = 1.0  # pc added to the reach of lobe 1's viewing-angle test
LOBE1_SCAN_STEP = 4.0  # pc
ROOT_TOL = 1e-6  # pc: how closely a viewing-angle switch is located
# bisection steps to locate it: a scan step halves to ROOT_TOL in 22; more happen only where
# doubles are too coarse to close the bracket (then the sightline is flagged)
BISECTION_STEPS = 100
# zones: rows of (start, end); which row is which feature
Z_GC, Z_GUM, Z_LB, Z_LI, Z_LMC, Z_D30, Z_SMC, N_ZONES = range(8)
ZONE_BITS = (K.HAS_GC, K.HAS_GUM, K.HAS_LB, K.HAS_LI, 0, 0, 0)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def quadratic_roots(A: float, B: float, C: float) -> tuple[float, float]:
    """:func:`mwprop_batch.kernels.roots.quadratic_roots`, compiled once for YMW16 (that one is
    inlined into each caller's numba IR, and typed and lowered again at each of its eight
    call sites here)."""
    return inlined_roots(A, B, C)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def along(s: float, u, P) -> tuple[float, float, float]:
    """Galactocentric (x, y, z) pc of the point s pc from the Sun along unit vector u."""
    return s * u[0], P[K.R_SUN] + s * u[1], P[K.Z_SUN] + s * u[2]


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def sightline(l_deg: float, b_deg: float, P):
    """Unit vector (Galactocentric axes), whether it runs in MC mode, its LMC-frame direction
    (both as 3-tuples)."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    cb, sb = math.cos(br), math.sin(br)
    u = (cb * math.sin(lr), -cb * math.cos(lr), sb)
    mc = K.in_mc_region(l_deg, b_deg, P)
    return u, mc, K.lmc_frame(sb, cb, lr, P)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def sphere(cx: float, cy: float, cz: float, radius: float, u, P) -> tuple[float, float]:
    """Chord (s1, s2) of the sightline through a sphere (Galactocentric centre, pc)."""
    wx, wy, wz = -cx, P[K.R_SUN] - cy, P[K.Z_SUN] - cz
    bq = u[0] * wx + u[1] * wy + u[2] * wz
    return quadratic_roots(1.0, 2.0 * bq, wx * wx + wy * wy + wz * wz - radius * radius)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _overlap(a1: float, a2: float, b1: float, b2: float) -> tuple[float, float]:
    """Intersection of two intervals, NaN when empty or either is."""
    lo, hi = max(a1, b1), min(a2, b2)
    if math.isnan(a1) or math.isnan(b1) or not lo < hi:
        return np.nan, np.nan
    return lo, hi


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _slab(z0: float, uz: float, half: float) -> tuple[float, float]:
    """Where |z0 + s uz| <= half."""
    if uz == 0.0:
        return (-np.inf, np.inf) if abs(z0) <= half else (np.nan, np.nan)
    s1, s2 = (-half - z0) / uz, (half - z0) / uz
    return min(s1, s2), max(s1, s2)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def radius_range(s0: float, s1: float, u, P) -> tuple[float, float]:
    """Smallest and largest Galactocentric radius R (pc) on the stretch [s0, s1]."""
    y0 = P[K.R_SUN]
    r0 = math.sqrt((s0 * u[0]) ** 2 + (y0 + s0 * u[1]) ** 2)
    r1 = math.sqrt((s1 * u[0]) ** 2 + (y0 + s1 * u[1]) ** 2)
    r_lo, r_hi = min(r0, r1), max(r0, r1)
    t = -y0 * u[1] / max(u[0] * u[0] + u[1] * u[1], 1e-300)
    if s0 < t < s1:
        r_lo = math.sqrt((t * u[0]) ** 2 + (y0 + t * u[1]) ** 2)
    return r_lo, r_hi


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def lb_axis_line(u, P) -> tuple[float, float]:
    """The Local Bubble's axis offset along the sightline, a0 + a1 s (pc): with the x offset
    s u_x, its length is the distance from the Bubble's (tilted) axis."""
    a0 = (P[K.R_SUN] - P[K.LB_YC]) * P[K.LB_COS] - P[K.LB_SIN] * P[K.Z_SUN]
    return a0, u[1] * P[K.LB_COS] - P[K.LB_SIN] * u[2]


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _thick_floor(s0: float, s1: float, u, P) -> float:
    """A lower bound on the thick disk's n_e (after the Fermi bubbles' factor, before the
    Local Bubble's) over the sightline's stretch [s0, s1] (pc); 0 where it may be cut off.
    It falls with R and |z|: R is largest at an end (it is convex in s), |z| too."""
    if math.isnan(s0):
        return 0.0
    r_hi = radius_range(s0, s1, u, P)[1]
    zw = (max(abs(P[K.Z_SUN] + s0 * u[2]), abs(P[K.Z_SUN] + s1 * u[2]))
          + P[K.GAMMA_W] * max(0.0, r_hi - P[K.R_WARP]))
    return min(1.0, P[K.J_FB]) * K.thick_disk(zw, r_hi, P)[0]


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def zones_of(u, mc: bool, frame, l_deg: float, P, zones) -> np.ndarray:
    """Fill and return ``zones`` (N_ZONES, 3): for each feature the chord (s_in, s_out) where
    it may be non-zero and the longest panel (pc) inside it; NaN rows for features the
    sightline misses."""
    zones[:] = np.nan
    cut = P[K.CUT]
    x0, y0, z0 = 0.0, P[K.R_SUN], P[K.Z_SUN]
    uz = abs(u[2])
    # Galactic centre: cylinder about (XGC, YGC) and a slab in z
    wx, wy = x0 - P[K.XGC], y0 - P[K.YGC]
    rho = cut * P[K.AGC]
    A = u[0] * u[0] + u[1] * u[1]
    c1, c2 = quadratic_roots(A, 2.0 * (wx * u[0] + wy * u[1]), wx * wx + wy * wy - rho * rho)
    s1, s2 = _slab(z0, u[2], cut * P[K.HGC])
    zones[Z_GC, 0], zones[Z_GC, 1] = _overlap(c1, c2, s1, s2)
    # (radially a Gaussian: panels of PANEL_PER_SCALE widths left 5e-6 of the DM straight
    # through it; vertically sech^2)
    zones[Z_GC, 2] = min(PANEL_PER_GAUSSIAN * P[K.AGC],
                         PANEL_PER_SCALE * P[K.HGC] / max(uz, 1e-12))
    # Gum Nebula and Loop I: spheres
    zones[Z_GUM, 0], zones[Z_GUM, 1] = sphere(P[K.XGN], P[K.YGN], P[K.ZGN], P[K.GUM_REACH],
                                               u, P)
    zones[Z_GUM, 2] = PANEL_PER_GAUSSIAN * P[K.WGN]
    zones[Z_LI, 0], zones[Z_LI, 1] = sphere(P[K.XLI], P[K.YLI], P[K.ZLI],
                                             P[K.RLI] + cut * P[K.WLI], u, P)
    zones[Z_LI, 2] = PANEL_PER_GAUSSIAN * P[K.WLI]
    # Local Bubble: a tilted cylinder of its lobes' reach, cut by their z reach; only where
    # the sightline's longitude lies within a lobe's angular reach
    peak1, peak2 = K.lobe_peaks(l_deg, P)
    if peak1 > 0.0 or peak2 > 0.0:
        a0, a1 = lb_axis_line(u, P)
        reach = P[K.R_LB] + cut * max(P[K.WLB1], P[K.WLB2])
        c1, c2 = quadratic_roots(a1 * a1 + u[0] * u[0], 2.0 * a0 * a1, a0 * a0 - reach * reach)
        s1, s2 = _slab(z0, u[2], cut * max(P[K.HLB1], P[K.HLB2]))
        zones[Z_LB, 0], zones[Z_LB, 1] = _overlap(c1, c2, s1, s2)
        rate = math.sqrt(a1 * a1 + u[0] * u[0])
        zones[Z_LB, 2] = PANEL_PER_SCALE * min(min(P[K.WLB1], P[K.WLB2]) / max(rate, 1e-12),
                                               P[K.HLB2] / max(uz, 1e-12))
        if peak1 + peak2 < _thick_floor(zones[Z_LB, 0], zones[Z_LB, 1], u, P):
            # the Bubble governs only where it is denser than the disks: never, here
            zones[Z_LB, 0] = zones[Z_LB, 1] = np.nan
    if mc:
        # LMC disk: a cylinder and a slab in its own frame, where the sightline is a line
        off_y, off_z = -P[K.LMC_D] * P[K.LMC_SIN_I], P[K.LMC_D] * P[K.LMC_COS_I]
        rho = cut * P[K.LMC_A]
        c1, c2 = quadratic_roots(frame[0] ** 2 + frame[1] ** 2, 2.0 * frame[1] * off_y,
                        off_y * off_y - rho * rho)
        s1, s2 = _slab(off_z, frame[2], cut * P[K.LMC_H])
        zones[Z_LMC, 0], zones[Z_LMC, 1] = _overlap(c1, c2, s1, s2)
        zones[Z_LMC, 2] = PANEL_PER_SCALE * min(P[K.LMC_A],
                                                P[K.LMC_H] / max(abs(frame[2]), 1e-12))
        wx, wy, wz = -P[K.D30_X], off_y - P[K.D30_Y], off_z - P[K.D30_Z]
        bq = frame[0] * wx + frame[1] * wy + frame[2] * wz
        rad = cut * P[K.D30_A]
        zones[Z_D30, 0], zones[Z_D30, 1] = quadratic_roots(1.0, 2.0 * bq,
                                                  wx * wx + wy * wy + wz * wz - rad * rad)
        zones[Z_D30, 2] = PANEL_PER_SCALE * P[K.D30_A]
        zones[Z_SMC, 0], zones[Z_SMC, 1] = sphere(P[K.SMC_X], P[K.SMC_Y], P[K.SMC_Z],
                                                   cut * P[K.SMC_A], u, P)
        zones[Z_SMC, 2] = PANEL_PER_SCALE * P[K.SMC_A]
    for k in range(N_ZONES):  # keep only chords ahead of the observer
        if not zones[k, 1] > 0.0:
            zones[k, 0] = zones[k, 1] = np.nan
        else:
            zones[k, 0] = max(zones[k, 0], 0.0)
    return zones


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _lobe1_reach(u, end: float, P) -> float:
    """Farthest s (pc, at most ``end``) where lobe 1's viewing-angle test can flip: it flips
    where a point sees, in the Galactic plane, A = (0, y_ref) and B = (0, y_c(z)) at the
    angle e; every point that sees AB at e or more lies in one of two discs of diameter
    |AB| / sin e through A and B (inscribed angles), so within |AB| / sin e of A. That
    bound is a quadratic in s."""
    k2 = 1.0 / (1.0 - P[K.LB_COS_E] ** 2)  # 1 / sin^2 e
    tilt = P[K.LB_SIN] / P[K.LB_COS]
    d_a = P[K.R_SUN] - P[K.LB_YREF]
    c0, c1 = P[K.LB_YC] - P[K.LB_YREF] + tilt * P[K.Z_SUN], tilt * u[2]  # |AB| = |c0 + c1 s|

    def excess(s):  # > 0 where the point is farther from A than |AB| / sin e
        return (s * u[0]) ** 2 + (d_a + s * u[1]) ** 2 - k2 * (c0 + c1 * s) ** 2

    if excess(end) <= 0.0:
        return end
    r1, r2 = quadratic_roots(u[0] * u[0] + u[1] * u[1] - k2 * c1 * c1,
                    2.0 * (d_a * u[1] - k2 * c0 * c1), d_a * d_a - k2 * c0 * c0)
    reach = 0.0
    for r in (r1, r2):
        if 0.0 < r < end:
            reach = max(reach, r)
    return min(end, reach + LOBE1_REACH_MARGIN) if reach > 0.0 else 0.0


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def lobe1_hidden_at(s: float, u, P) -> bool:
    """Whether lobe 1 is hidden (:func:`ymw16.lb_lobe1_hidden`) s pc along the sightline."""
    x, y, z = along(s, u, P)
    return K.lb_lobe1_hidden(x, y, z, P)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _append(s: float, cuts, n: int) -> int:
    """Put cut s at ``cuts[n]`` if there is room there; the count grows either way (a count
    beyond ``cuts``' length says that cuts were lost)."""
    if n < cuts.shape[0]:
        cuts[n] = s
    return n + 1


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _chord(r1: float, r2: float, end: float, cuts, n: int) -> int:
    """Append the ends of the chord [r1, r2] that fall strictly inside (0, end)."""
    if math.isnan(r1) or r2 <= 0.0 or r1 >= end:
        return n
    if r1 > 0.0:
        n = _append(r1, cuts, n)
    if r2 < end:
        n = _append(r2, cuts, n)
    return n


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _lobe1_switches(u, reach: float, cuts, n: int, P) -> tuple[int, bool]:
    """Append where lobe 1's viewing-angle test flips within ``reach`` (scan, then bisect);
    returns the count and whether every flip was located to ROOT_TOL."""
    steps = max(1, int(math.ceil(reach / LOBE1_SCAN_STEP)))
    step = reach / steps
    s_prev = ROOT_TOL  # (at the Sun itself the test is undefined)
    hidden = lobe1_hidden_at(s_prev, u, P)
    located = True
    for k in range(1, steps + 1):
        s = min(k * step, reach)
        now = lobe1_hidden_at(s, u, P)
        if now != hidden:
            lo, hi = s_prev, s
            for _ in range(BISECTION_STEPS):
                if not hi - lo > ROOT_TOL:
                    break
                mid = 0.5 * (lo + hi)
                if lobe1_hidden_at(mid, u, P) == hidden:
                    lo = mid
                else:
                    hi = mid
            located = located and not hi - lo > ROOT_TOL
            n = _append(hi, cuts, n)
            hidden = now
        s_prev = s
    return n, located


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def cuts_of(u, end: float, zones, arms, P, cuts) -> tuple[np.ndarray, bool]:
    """Sorted places in (0, end) where the density jumps or kinks, and the zone ends: a
    prefix of ``cuts`` (MAX_CUTS,); and whether they are complete (False when they did not
    fit in ``cuts`` or a lobe-1 flip was not located: then the prefix misses some)."""
    n = np.int64(0)  # (not a literal: numba would compile _chord and _append for it too)
    y0 = P[K.R_SUN]
    A = u[0] * u[0] + u[1] * u[1]
    cut = P[K.CUT]
    for radius in (P[K.CARINA_R], P[K.R_WARP], P[K.B2] + cut * P[K.A2], P[K.BD],
                   P[K.BD] + cut * P[K.AD]):
        r1, r2 = quadratic_roots(A, 2.0 * y0 * u[1], y0 * y0 - radius * radius)
        n = _chord(r1, r2, end, cuts, n)
    # azimuths where arms begin or end, the Carina switch, and theta = 0 = 2 pi
    for k in range(arms.shape[0] + 4):
        if k < arms.shape[0]:
            theta = arms[k, K.ARM_THMIN]
        elif k == arms.shape[0]:
            theta = P[K.LOCAL_ARM_END]
        elif k == arms.shape[0] + 1:
            theta = P[K.AZIMUTH_END]
        elif k == arms.shape[0] + 2:
            theta = math.radians(P[K.THETACN])
        else:
            theta = 0.0
        ct, st = math.cos(theta), math.sin(theta)
        den = u[0] * st - u[1] * ct
        if den != 0.0:
            s = y0 * ct / den
            if 0.0 < s < end and s * u[0] * ct + (y0 + s * u[1]) * st > 0.0:
                n = _append(s, cuts, n)
    # the Local Bubble's radius (thick disk scaled by J_LB inside it)
    a0, a1 = lb_axis_line(u, P)
    r1, r2 = quadratic_roots(a1 * a1 + u[0] * u[0], 2.0 * a0 * a1, a0 * a0 - P[K.R_LB] ** 2)
    n = _chord(r1, r2, end, cuts, n)
    # the Gum Nebula's equatorial plane (its shell distance has a kink there)
    if u[2] != 0.0:
        s = (P[K.ZGN] - P[K.Z_SUN]) / u[2]
        if 0.0 < s < min(end, zones[Z_GUM, 1]) and s > zones[Z_GUM, 0]:
            n = _append(s, cuts, n)
    # where Local Bubble lobe 1 switches on or off by its viewing angle (near the Sun)
    located = True
    if zones[Z_LB, 1] > 0.0:
        reach = _lobe1_reach(u, min(end, zones[Z_LB, 1]), P)
        if reach > 0.0:
            n, located = _lobe1_switches(u, reach, cuts, n, P)
    # the edge of the Galaxy
    r1, r2 = sphere(0.0, 0.0, 0.0, P[K.GAL_RADIUS], u, P)
    n = _chord(r1, r2, end, cuts, n)
    for k in range(N_ZONES):
        if not math.isnan(zones[k, 0]):
            n = _chord(zones[k, 0], zones[k, 1], end, cuts, n)
    kept = min(n, cuts.shape[0])
    sort_prefix(cuts, kept)
    return cuts[:kept], located and n == kept
