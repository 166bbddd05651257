"""Arm events along a sightline: where it enters or leaves an arm's reach, and where the
nearest point of an arm's centreline jumps from one stretch of the curve to another.

The gap (distance to an arm's centreline minus its reach) changes by at most cos b per kpc
along the sightline. A crossing between two points whose reach masks differ is located by
Newton's method (regula falsi where it would leave the bracket); where the masks agree but
the gaps are small enough to allow a graze, the gap's extremum is searched (golden section).
Inside a reach, the arm distance has a kink where the nearest centreline point jumps from one
branch of the curve to another (the curve's medial axis): the nearest parameter then moves by
more than its rate at the panel's ends allows, and bisection on that mismatch locates the jump.
A smaller mismatch from a fast but smooth turn (near a centre of curvature) shortens the panel.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from .arms import arm_distance, arm_nearest, nearest_rate, spline_r
from .flags import NC_BRANCH, NC_CROSSING, NC_DIP
from .layout import ARM_DT, ARM_T0, ARM_W, P_ARMCUT, P_RSUN

ROOT_TOL = 1e-12  # kpc
CROSSING_MAX_ITER = 100  # steps to locate an arm-reach crossing
CROSSING_NUDGE = 0.25 * ROOT_TOL  # kpc: see _arm_crossing
DIP_MAX_ITER = 80  # golden-section steps to bracket an arm-reach dip inside a panel
BRANCH_MAX_ITER = 60  # bisection steps to locate a jump of an arm's nearest branch
BRANCH_TOL = 1e-8  # kpc; a kink this close to a panel end leaves ~1e-16 of its slope jump
# rad: a nearest parameter that moves this much more than its end rates predict (trapezoid
# rule) has jumped to another branch; smaller jumps leave kinks of negligible DM
JUMP_MIN = 0.01
# rad: where it moves smoothly but this much more than predicted (weighted by the arm's
# Gaussian), the panel is shortened (see _fast_turn_end), down to FAST_SPLIT_MIN kpc
FAST_MISMATCH = 1e-3
FAST_SPLIT_MIN = 1e-4
GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))
# kpc: past an arm-reach crossing, its next one is searched from this far on. Near a root the
# gap is only known to a rounding error, and a search from the root itself can find the same
# crossing again (1e-15 kpc on), miss the real one and lose the chord; a chord shorter than
# this holds under 1e-9 pc cm^-3.
FRESH_STEP = 1e-9


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _arm_gaps(
    s: float, need: float, u: np.ndarray, P, arm_par, arm_coef, arm_grid, gap: np.ndarray,
    exact: np.ndarray, nearest: np.ndarray, rate: np.ndarray,
) -> int:
    """Arm-reach gaps at distance s; returns the reach mask (bit a: inside arm a), -1 on NaN.

    ``gap[a]`` is the distance to arm a's centreline minus its reach (kpc, < 0 inside) where
    ``exact[a]`` and ``nearest[a]`` the centreline parameter of the nearest point; otherwise
    the point is surely more than ``need`` beyond the reach, ``gap[a] = need`` is a lower
    bound and ``nearest[a]`` is NaN. ``rate[a]`` is the rate of ``nearest[a]`` along the
    sightline (:func:`.arms.nearest_rate`) within the reach (or ROOT_TOL beyond), else NaN.
    """
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    cut = P[P_ARMCUT]
    mask = 0
    for a in range(arm_par.shape[0]):
        d, t = arm_nearest(x, y, a, P, arm_par, arm_coef, arm_grid, cut + need)
        if math.isnan(d):
            return -1
        nearest[a] = t
        rate[a] = np.nan  # needed in reach only (and at a crossing, just outside it)
        if d < cut + ROOT_TOL:
            rate[a] = nearest_rate(x, y, t, u[0], u[1], arm_par[a, ARM_T0], arm_par[a, ARM_DT],
                                   arm_coef[a])
        if d == np.inf:
            gap[a] = need
            exact[a] = False
        else:
            gap[a] = d - cut
            exact[a] = True
            if d < cut:
                mask |= 1 << a
    return mask


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _arm_gap(s: float, a: int, u: np.ndarray, P, arm_par, arm_coef, arm_grid) -> float:
    """Distance to arm a's centreline minus its reach, at distance s along the sightline."""
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    d = arm_distance(x, y, a, P, arm_par, arm_coef, arm_grid, np.inf)
    return min(d, 1e3) - P[P_ARMCUT]


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _arm_gap_slope(s: float, a: int, u: np.ndarray, P, arm_par, arm_coef, arm_grid
                   ) -> tuple[float, float]:
    """:func:`_arm_gap` at distance s and its rate along the sightline (NaN where unknown)."""
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    d, t = arm_nearest(x, y, a, P, arm_par, arm_coef, arm_grid, np.inf)
    gap = min(d, 1e3) - P[P_ARMCUT]
    if not 0.0 < d < 1e3:
        return gap, np.nan
    r = spline_r(t, arm_par[a, ARM_T0], arm_par[a, ARM_DT], arm_coef[a])[0]
    # t minimises the distance, so its rate is (p - c(t)) . (ux, uy) / d, c(t) fixed
    return gap, ((x + r * math.sin(t)) * u[0] + (y - r * math.cos(t)) * u[1]) / d


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _arm_crossing(
    lo: float, hi: float, a: int, u, P, arm_par, arm_coef, arm_grid,
    max_iter: int = CROSSING_MAX_ITER, f_lo: float = np.nan, f_hi: float = np.nan,
) -> tuple[float, bool]:
    """Where arm a's reach begins or ends between lo and hi (``f_lo``, ``f_hi``: the gaps
    there where already known, else NaN).

    Newton steps on the gap (its slope from :func:`_arm_gap_slope`), each aimed
    CROSSING_NUDGE past the root it predicts, so that once the prediction is that close the
    next two points straddle the root and close the bracket; an Illinois regula falsi step
    wherever Newton would leave the bracket.
    Returns (s on the hi side of the crossing, converged); not converged when the ends do
    not bracket a crossing or ``max_iter`` steps leave the bracket wider than ROOT_TOL.
    """
    if math.isnan(f_lo):
        f_lo = _arm_gap(lo, a, u, P, arm_par, arm_coef, arm_grid)
    if math.isnan(f_hi):
        f_hi = _arm_gap(hi, a, u, P, arm_par, arm_coef, arm_grid)
    if not (f_lo < 0.0) != (f_hi < 0.0) or math.isnan(f_lo + f_hi):
        return hi, False
    side = 0
    mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
    for _ in range(max_iter):
        if hi - lo < ROOT_TOL:
            return hi, True
        if not (lo < mid < hi):
            mid = 0.5 * (lo + hi)
        f_mid, slope = _arm_gap_slope(mid, a, u, P, arm_par, arm_coef, arm_grid)
        if math.isnan(f_mid):
            return hi, False
        if (f_mid < 0.0) == (f_lo < 0.0):
            lo, f_lo = mid, f_mid
            if side == -1:
                f_hi *= 0.5
            side = -1
        else:
            hi, f_hi = mid, f_mid
            if side == 1:
                f_lo *= 0.5
            side = 1
        step = -f_mid / slope if slope != 0.0 else np.nan
        mid += step + math.copysign(CROSSING_NUDGE, step)
        if not lo < mid < hi:  # also where the step is NaN
            mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
    return hi, hi - lo < ROOT_TOL


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _arm_dip(
    lo: float, hi: float, g_lo: float, g_hi: float, slope: float, a: int, u, P, arm_par,
    arm_coef, arm_grid, max_iter: int = DIP_MAX_ITER,
) -> tuple[float, bool]:
    """A point of [lo, hi] on the other side of arm a's reach edge than both ends, if any.

    The gap (``g_lo``, ``g_hi`` at the ends) has one sign at both ends, but they are too
    close to the edge for the bound |d gap / ds| <= ``slope`` to exclude a graze.
    Golden-section search for the extremum of the gap toward the edge, stopping as soon as a
    point crosses (returned), or once the bound proves that no stretch between the points
    known in the bracket reaches the edge (two points at distance h with gaps f1, f2 on the
    ends' side rule out a crossing between them when f1 + f2 > slope h: NaN), or once the
    bracket is below ROOT_TOL (NaN: a graze that narrow holds no measurable DM).
    Returns (point or NaN, converged); not converged after ``max_iter`` steps.
    """
    sign = 1.0 if g_lo >= 0.0 else -1.0
    f_lo, f_hi = sign * g_lo, sign * g_hi
    x1 = lo + GOLDEN * (hi - lo)
    x2 = hi - GOLDEN * (hi - lo)
    f1 = sign * _arm_gap(x1, a, u, P, arm_par, arm_coef, arm_grid)
    f2 = sign * _arm_gap(x2, a, u, P, arm_par, arm_coef, arm_grid)
    for _ in range(max_iter):
        if math.isnan(f1 + f2):
            return np.nan, False
        if f1 < 0.0:
            return x1, True
        if f2 < 0.0:
            return x2, True
        if (f_lo + f1 > slope * (x1 - lo) and f1 + f2 > slope * (x2 - x1)
                and f2 + f_hi > slope * (hi - x2)) or hi - lo < ROOT_TOL:
            return np.nan, True
        if f1 < f2:
            hi, f_hi, x2, f2 = x2, f2, x1, f1
            x1 = lo + GOLDEN * (hi - lo)
            f1 = sign * _arm_gap(x1, a, u, P, arm_par, arm_coef, arm_grid)
        else:
            lo, f_lo, x1, f1 = x1, f1, x2, f2
            x2 = hi - GOLDEN * (hi - lo)
            f2 = sign * _arm_gap(x2, a, u, P, arm_par, arm_coef, arm_grid)
    return np.nan, False


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _earliest(hit: float, a: int, first: float, which: int) -> tuple[float, int]:
    """Keep the nearest crossing and the bits of the arms that cross there."""
    if hit < first:
        first, which = hit, 0
    if hit == first:
        which |= 1 << a
    return first, which


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _next_arm_event(
    s: float, b: float, mask_s: int, mask_b: int, slope: float, gap_s, exact_s, gap_b, exact_b,
    fresh: int, u, P, arm_par, arm_coef, arm_grid,
) -> tuple[float, int, int]:
    """Where the first arm-reach crossing after s lies, if before b.

    Returns (b or the crossing, the mask of arms crossed there, convergence flags).

    An arm whose reach mask differs at s and b is crossed in between (located by
    :func:`_arm_crossing`). Where the masks agree, a chord may still enter and leave within
    the panel; the gap changes at most ``slope`` per kpc along the sightline, so a graze is
    possible only when |gap(s)| + |gap(b)| <= slope (b - s), and only then is it searched
    (:func:`_arm_dip`). Arms in ``fresh`` were crossed at s itself: a chord that has just
    entered (left) a reach leaves (enters) it through the far (same) edge only beyond the
    panel or with a mask change at b, so their grazes are not searched again; their next
    crossing is searched from FRESH_STEP past s.
    """
    first = b
    which = 0
    flags = 0
    need = slope * (b - s)
    for a in range(arm_par.shape[0]):
        if ((mask_s ^ mask_b) >> a) & 1:
            lo = s
            g_lo = gap_s[a] if exact_s[a] else np.nan
            if (fresh >> a) & 1:  # crossed at s: step past the rounding noise of that root
                lo = min(s + FRESH_STEP, b)
                g_lo = _arm_gap(lo, a, u, P, arm_par, arm_coef, arm_grid)
                if (g_lo < 0.0) == ((mask_b >> a) & 1 == 1):
                    continue  # already on b's side: a chord shorter than FRESH_STEP
            hit, ok = _arm_crossing(lo, b, a, u, P, arm_par, arm_coef, arm_grid,
                                    CROSSING_MAX_ITER, g_lo,
                                    gap_b[a] if exact_b[a] else np.nan)
            if not ok:
                flags |= NC_CROSSING
            first, which = _earliest(hit, a, first, which)
            continue
        if (fresh >> a) & 1 or abs(gap_s[a]) + abs(gap_b[a]) > need:
            continue
        if not exact_s[a]:
            gap_s[a] = _arm_gap(s, a, u, P, arm_par, arm_coef, arm_grid)
            exact_s[a] = True
        if not exact_b[a]:
            gap_b[a] = _arm_gap(b, a, u, P, arm_par, arm_coef, arm_grid)
            exact_b[a] = True
        if abs(gap_s[a]) + abs(gap_b[a]) > need:
            continue
        inner, ok = _arm_dip(s, b, gap_s[a], gap_b[a], slope, a, u, P, arm_par, arm_coef,
                             arm_grid)
        if not ok:
            flags |= NC_DIP
        elif not math.isnan(inner):
            hit, ok = _arm_crossing(s, inner, a, u, P, arm_par, arm_coef, arm_grid,
                                    CROSSING_MAX_ITER, gap_s[a], np.nan)
            if not ok:
                flags |= NC_CROSSING
            first, which = _earliest(hit, a, first, which)
    return first, which, flags


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _mismatch(lo: float, hi: float, t_lo: float, t_hi: float, r_lo: float, r_hi: float) -> float:
    """How much more the nearest parameter moved over [lo, hi] than its end rates predict."""
    return abs(t_hi - t_lo - 0.5 * (hi - lo) * (r_lo + r_hi))


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _branch_jump(
    lo: float, hi: float, t_lo: float, t_hi: float, r_lo: float, r_hi: float, a: int, u, P,
    arm_par, arm_coef, arm_grid, max_iter: int = BRANCH_MAX_ITER,
) -> tuple[float, bool]:
    """Where arm a's nearest parameter jumps inside [lo, hi] (its mismatch is over JUMP_MIN),
    or NaN when the mismatch came from a smooth but fast motion.

    Bisection keeps the half with the larger mismatch: a jump keeps its size there, while a
    smooth motion's mismatch shrinks with the interval. Returns (s on the hi side of the
    jump or NaN, converged); not converged when a distance fails or ``max_iter`` halvings
    leave the bracket wider than BRANCH_TOL.
    """
    t0 = arm_par[a, ARM_T0]
    dt = arm_par[a, ARM_DT]
    for _ in range(max_iter):
        if hi - lo < BRANCH_TOL:
            return hi, True
        mid = 0.5 * (lo + hi)
        x, y = mid * u[0], P[P_RSUN] + mid * u[1]
        d, t_mid = arm_nearest(x, y, a, P, arm_par, arm_coef, arm_grid, np.inf)
        if math.isnan(d):
            return hi, False
        r_mid = nearest_rate(x, y, t_mid, u[0], u[1], t0, dt, arm_coef[a])
        left = _mismatch(lo, mid, t_lo, t_mid, r_lo, r_mid)
        right = _mismatch(mid, hi, t_mid, t_hi, r_mid, r_hi)
        if max(left, right) < 0.5 * JUMP_MIN:
            return np.nan, True
        if left >= right:
            hi, t_hi, r_hi = mid, t_mid, r_mid
        else:
            lo, t_lo, r_lo = mid, t_mid, r_mid
    return hi, hi - lo < BRANCH_TOL


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _next_branch_jump(
    s: float, b: float, arms: int, slope: float, gap_s, gap_b, nearest_s, nearest_b, rate_s,
    rate_b, u, P, arm_par, arm_coef, arm_grid,
) -> tuple[float, int]:
    """Where the panel (s, b) must end for the arms in ``arms`` whose nearest parameters at s
    and b are known (not NaN): at the first jump of a nearest branch, or short of a smooth but
    fast motion (:func:`_fast_turn_end`), else at b; and the convergence flags. ``gap_s``,
    ``gap_b``: the arms' gaps at s and b, exact or lower bounds (:func:`_arm_gaps`)."""
    first = b
    flags = 0
    for a in range(arm_par.shape[0]):
        if not (arms >> a) & 1:
            continue
        mismatch = _mismatch(s, b, nearest_s[a], nearest_b[a], rate_s[a], rate_b[a])
        if not mismatch > FAST_MISMATCH:
            continue  # a slow smooth motion, or not known at an end (NaN)
        hit = np.nan
        if mismatch > JUMP_MIN:
            hit, ok = _branch_jump(s, b, nearest_s[a], nearest_b[a], rate_s[a], rate_b[a], a,
                                   u, P, arm_par, arm_coef, arm_grid)
            if not ok:
                flags |= NC_BRANCH
                continue
        if math.isnan(hit):
            # the arm's distance is at least ``near`` over the panel (1-Lipschitz in s)
            near = max(0.5 * (gap_s[a] + gap_b[a] - slope * (b - s)) + P[P_ARMCUT], 0.0)
            hit = _fast_turn_end(s, b, mismatch * math.exp(-((near / arm_par[a, ARM_W]) ** 2)))
        if s + BRANCH_TOL < hit < first:
            first = hit
    return first, flags


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _fast_turn_end(s: float, b: float, weighted: float) -> float:
    """End of a panel (s, b) over which an arm's nearest parameter moves smoothly but by
    ``weighted`` (its mismatch times the arm's Gaussian at its least distance) more than
    predicted: b while that is below FAST_MISMATCH, else short enough for the mismatch
    (which grows as the length cubed) to be about half of it, and no shorter than
    FAST_SPLIT_MIN. Near a centre of curvature of the centreline the nearest point turns
    fast and n_e bends sharply."""
    if not weighted > FAST_MISMATCH or b - s <= FAST_SPLIT_MIN:
        return b
    shrink = min(max((0.5 * FAST_MISMATCH / weighted) ** (1.0 / 3.0), 0.125), 0.5)
    return s + max((b - s) * shrink, FAST_SPLIT_MIN)
