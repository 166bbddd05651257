"""Where a sightline must be cut: every discontinuity and kink of the density along it.

The surfaces of clumps, voids, the Galactic centre and the local-ISM regions (roots of
quadratics; the tapered local hot bubble by :mod:`.lhb`), the radii where the disks end and
where the arms start to fall off, and the arms' own kinks (:func:`_arm_kinks`). Also the
Gaussian features met (their size limits the panel length) and the spans of the local
components (outside them a component is exactly 0). Arm-reach crossings and jumps of an arm's
nearest branch are found while marching (:mod:`.crossings`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.roots import quadratic_roots
from mwprop_batch.kernels.sorting import sort_prefix

from .arms import arm_distance, spline_r
from .density import LOCAL_CLUMPS, LOCAL_GC, LOCAL_LISM, LOCAL_VOIDS, THIN_DISK_REACH
from .layout import (
    ARM_DT,
    ARM_T0,
    ARM_TAPER,
    ARM_TAPER_SPAN,
    ARM_TAPER_START,
    CL_EDGE,
    CL_RC,
    CL_REACH,
    CL_X,
    CL_Y,
    CL_Z,
    ELL_AP,
    ELL_BP,
    ELL_CP,
    ELL_DP,
    ELL_X,
    ELL_Y,
    ELL_Z,
    P_A1,
    P_A2,
    P_AA,
    P_ARMCUT,
    P_GC_H,
    P_GC_R,
    P_GC_X,
    P_GC_Y,
    P_GC_Z,
    P_LDR,
    P_LOOP_RIN,
    P_LOOP_ROUT,
    P_LOOP_X,
    P_LOOP_Y,
    P_LOOP_Z,
    P_LSB,
    P_RSUN,
    VO_AXES,
    VO_EDGE,
    VO_QMAX,
    VO_ROT,
    VO_X,
    VO_Y,
    VO_Z,
)
from .lhb import LHB_WORK, MAX_CANDIDATES, lhb_cuts

PANEL_PER_SCALE = 0.5  # panel length per smallest local length scale
# cuts besides the objects' (2 each): the Galactic centre, LDR, LSB (2 each), Loop I's sphere
# and shell (4), the local hot bubble (MAX_CANDIDATES at most), the disks' and the arms' radii
# (4 circles)
FIXED_CUTS = 10 + MAX_CANDIDATES + 8
CUTS_PER_ARM = 4  # the normals at its two ends, the two edges of its taper


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def cuts_work(n_objects: int, n_arms: int) -> tuple:
    """Scratch for :func:`sightline_cuts` on a model with ``n_objects`` clumps and voids and
    ``n_arms`` arms: (cuts, features, spans, local hot bubble scratch); allocated once per
    batch of rows."""
    return (np.empty(2 * n_objects + FIXED_CUTS + CUTS_PER_ARM * n_arms),
            np.empty((n_objects, 3)), np.empty((n_objects + 2, 3)), np.empty(LHB_WORK))


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _unit_vector(l_deg: float, b_deg: float) -> tuple[float, float, float]:
    """Direction (ux, uy, uz) of Galactic (l, b) in the Galactocentric frame (x toward
    l = 90 deg)."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    return math.cos(br) * math.sin(lr), -math.cos(br) * math.cos(lr), math.sin(br)


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _add_chord(r1: float, r2: float, end: float, cuts: np.ndarray, n: int) -> int:
    """Append the ends of the chord [r1, r2] that fall strictly inside (0, end)."""
    if math.isnan(r1) or r2 <= 0.0 or r1 >= end:
        return n
    if r1 > 0.0:
        cuts[n] = r1
        n += 1
    if r2 < end:
        cuts[n] = r2
        n += 1
    return n


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _add_span(r1: float, r2: float, end: float, kind: int, spans: np.ndarray, n: int) -> int:
    """Record that local component ``kind`` may be non-zero on [r1, r2] (within [0, end])."""
    spans[n, 0] = max(r1, 0.0)
    spans[n, 1] = min(r2, end)
    spans[n, 2] = kind
    return n + 1


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _arm_kinks(u, end: float, P, arm_par, arm_coef, arm_grid, cuts: np.ndarray, n: int) -> int:
    """Append where the sightline crosses a kink of an arm's density within the arm's reach.

    n_e of an arm is continuous with its first derivative, but not its second, across
    * the normal to the centreline at each end of the arm: beyond it the nearest point stays
      at the end, and the distance to the curve becomes the distance to that point;
    * the rays from the Galactic centre at the azimuths where an arm's taper starts and ends.
    Both are straight lines in the plane, each met at most once.
    """
    ux, uy = u[0], u[1]
    oy = P[P_RSUN]
    cut = P[P_ARMCUT]
    for a in range(arm_par.shape[0]):
        t0 = arm_par[a, ARM_T0]
        dt = arm_par[a, ARM_DT]
        for t in (t0, t0 + dt * arm_coef.shape[1]):
            r, dr, _ = spline_r(t, t0, dt, arm_coef[a])
            sin_t, cos_t = math.sin(t), math.cos(t)
            ex, ey = r * sin_t, oy - r * cos_t  # from the arm's end to the Sun
            tx, ty = -dr * sin_t - r * cos_t, dr * cos_t - r * sin_t  # its tangent there
            along = ux * tx + uy * ty
            if along != 0.0:
                s = -(ex * tx + ey * ty) / along
                if 0.0 < s < end and math.hypot(ex + s * ux, ey + s * uy) < cut:
                    cuts[n] = s
                    n += 1
        if arm_par[a, ARM_TAPER] > 0.0:
            start = arm_par[a, ARM_TAPER_START]
            for phi in (start, start + arm_par[a, ARM_TAPER_SPAN]):
                # the ray (x, y) = rho (-sin phi, cos phi), rho > 0
                sin_p, cos_p = math.sin(math.radians(phi)), math.cos(math.radians(phi))
                across = ux * cos_p + uy * sin_p
                if across == 0.0:
                    continue
                s = -oy * sin_p / across
                x, y = s * ux, oy + s * uy
                if (0.0 < s < end and y * cos_p - x * sin_p > 0.0
                        and not arm_distance(x, y, a, P, arm_par, arm_coef, arm_grid, cut) >= cut):
                    cuts[n] = s
                    n += 1
    return n


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def sightline_cuts(
    u, end: float, P, clump_par, void_par, arm_par, arm_coef, arm_grid, work: tuple
) -> tuple[int, int, float, int]:
    """Cut points in (0, end), Gaussian features met, where the last local feature ends, and
    the spans of the local components, written into ``work`` = (cuts, features, spans, ...)
    (:func:`cuts_work`).

    Returns (n_cuts, n_features, last_feature, n_spans): ``cuts[:n_cuts]`` ascending;
    ``features[k]`` is (s_in, s_out, longest panel) of a Gaussian clump or void on the
    sightline; ``spans[k]`` is (s_in, s_out, LOCAL_* bit): outside every span of its kind a
    local component is 0 (span ends are cuts).
    """
    ux, uy, uz = u[0], u[1], u[2]
    n_cl = clump_par.shape[0]
    n_vo = void_par.shape[0]
    cuts, features, spans, lhb_work = work
    n = np.int64(0)  # not a literal 0: numba would compile _add_chord and sort_prefix for it
    nf = 0
    ns = 0
    last = 0.0
    oy = P[P_RSUN]
    for c in range(n_cl):  # clumps: spheres of their reach
        wx, wy, wz = -clump_par[c, CL_X], oy - clump_par[c, CL_Y], -clump_par[c, CL_Z]
        bq = ux * wx + uy * wy + uz * wz
        r1, r2 = quadratic_roots(
            1.0, 2.0 * bq, wx * wx + wy * wy + wz * wz - clump_par[c, CL_REACH] ** 2)
        if math.isnan(r1) or r2 <= 0.0 or r1 >= end:
            continue
        n = _add_chord(r1, r2, end, cuts, n)
        ns = _add_span(r1, r2, end, LOCAL_CLUMPS, spans, ns)
        last = max(last, min(r2, end))
        if clump_par[c, CL_EDGE] == 0.0:
            features[nf, 0], features[nf, 1] = r1, r2
            features[nf, 2] = PANEL_PER_SCALE * clump_par[c, CL_RC]
            nf += 1
    for v in range(n_vo):  # voids: ellipsoids q = qmax
        wx, wy, wz = -void_par[v, VO_X], oy - void_par[v, VO_Y], -void_par[v, VO_Z]
        A = 0.0
        B = 0.0
        C = -void_par[v, VO_QMAX]
        for r in range(3):
            o = VO_ROT + 3 * r
            ax2 = void_par[v, VO_AXES + r] ** 2
            pu = void_par[v, o] * ux + void_par[v, o + 1] * uy + void_par[v, o + 2] * uz
            pw = void_par[v, o] * wx + void_par[v, o + 1] * wy + void_par[v, o + 2] * wz
            A += pu * pu / ax2
            B += 2.0 * pu * pw / ax2
            C += pw * pw / ax2
        r1, r2 = quadratic_roots(A, B, C)
        if math.isnan(r1) or r2 <= 0.0 or r1 >= end:
            continue
        n = _add_chord(r1, r2, end, cuts, n)
        ns = _add_span(r1, r2, end, LOCAL_VOIDS, spans, ns)
        last = max(last, min(r2, end))
        if void_par[v, VO_EDGE] == 0.0:
            features[nf, 0], features[nf, 1] = r1, r2
            features[nf, 2] = PANEL_PER_SCALE * min(
                void_par[v, VO_AXES], min(void_par[v, VO_AXES + 1], void_par[v, VO_AXES + 2])
            )
            nf += 1
    # Galactic centre spheroid
    ex, ey, ez = -P[P_GC_X], oy - P[P_GC_Y], -P[P_GC_Z]
    ir2, ih2 = 1.0 / P[P_GC_R] ** 2, 1.0 / P[P_GC_H] ** 2
    r1, r2 = quadratic_roots(
        (ux * ux + uy * uy) * ir2 + uz * uz * ih2,
        2.0 * (ex * ux + ey * uy) * ir2 + 2.0 * ez * uz * ih2,
        (ex * ex + ey * ey) * ir2 + ez * ez * ih2 - 1.0,
    )
    if not (math.isnan(r1) or r2 <= 0.0 or r1 >= end):
        n = _add_chord(r1, r2, end, cuts, n)
        ns = _add_span(r1, r2, end, LOCAL_GC, spans, ns)
        last = max(last, min(r2, end))
    lism = 0.0  # where the last local-ISM region ends
    for o in (P_LDR, P_LSB):  # local-ISM ellipsoids
        ex, ey, ez = -P[o + ELL_X], oy - P[o + ELL_Y], -P[o + ELL_Z]
        ap, bp, cp, dp = P[o + ELL_AP], P[o + ELL_BP], P[o + ELL_CP], P[o + ELL_DP]
        r1, r2 = quadratic_roots(
            ap * ux * ux + bp * uy * uy + cp * uz * uz + dp * ux * uy,
            2.0 * (ap * ex * ux + bp * ey * uy + cp * ez * uz) + dp * (ex * uy + ey * ux),
            ap * ex * ex + bp * ey * ey + cp * ez * ez + dp * ex * ey - 1.0,
        )
        if not (math.isnan(r1) or r2 <= 0.0 or r1 >= end):
            n = _add_chord(r1, r2, end, cuts, n)
            lism = max(lism, min(r2, end))
    if uz >= 0.0:  # Loop I: sphere and shell, absent below the plane (b < 0)
        ex, ey, ez = -P[P_LOOP_X], oy - P[P_LOOP_Y], -P[P_LOOP_Z]
        bq = ux * ex + uy * ey + uz * ez
        for radius in (P[P_LOOP_RIN], P[P_LOOP_ROUT]):
            r1, r2 = quadratic_roots(1.0, 2.0 * bq, ex * ex + ey * ey + ez * ez - radius * radius)
            if not (math.isnan(r1) or r2 <= 0.0 or r1 >= end):
                n = _add_chord(r1, r2, end, cuts, n)
                lism = max(lism, min(r2, end))
    # local hot bubble: tapered and slanted; its crossings are roots of a quartic in s
    n_lhb = lhb_cuts(u, end, P, cuts[n:], lhb_work)
    if n_lhb > 0:
        lism = max(lism, cuts[n + n_lhb - 1])
    n += n_lhb
    if lism > 0.0:
        ns = _add_span(0.0, lism, end, LOCAL_LISM, spans, ns)
        last = max(last, lism)
    # radii where the thick disk ends (a kink), the thin disk is cut off (a step) and the
    # arms start to fall off (a kink)
    A = ux * ux + uy * uy
    B = 2.0 * oy * uy
    for radius in (P[P_A1], P[P_A2] + THIN_DISK_REACH, P[P_A2] - THIN_DISK_REACH, P[P_AA]):
        if radius > 0.0:
            r1, r2 = quadratic_roots(A, B, oy * oy - radius * radius)
            n = _add_chord(r1, r2, end, cuts, n)
    n = _arm_kinks(u, end, P, arm_par, arm_coef, arm_grid, cuts, n)
    sort_prefix(cuts, n)
    return n, nf, last, ns


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _local_in(a: float, b: float, spans: np.ndarray, n_spans: int) -> int:
    """LOCAL_* bits of the local components that may be non-zero in the panel [a, b]."""
    mid = 0.5 * (a + b)
    local = 0
    for k in range(n_spans):
        if spans[k, 0] <= mid <= spans[k, 1]:
            local |= int(spans[k, 2])
    return local
