"""Spiral-arm geometry kernels: exact distance from a point to each arm centreline.

An arm centreline is the curve (x, y) = (-r(t) sin t, r(t) cos t) for t in [t0, t0 + extent],
with r(t) a cubic spline on uniformly spaced knots. The distance from a point to the curve is
found by Newton's method on the squared distance, started from a precomputed grid
(:func:`build_arm_grid`) that stores the global nearest parameter at every grid node.
The per-point kernels are compiled with ``_nrt=False``, as in :mod:`.density`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from .layout import (
    ARM_DT,
    ARM_H,
    ARM_NE,
    ARM_T0,
    ARM_TAPER,
    ARM_TAPER_FLOOR,
    ARM_TAPER_POWER,
    ARM_TAPER_SPAN,
    ARM_TAPER_START,
    ARM_TC93,
    ARM_W,
    P_AA,
    P_ARMCUT,
    P_GRIDBOX,
    P_GRIDSTEP,
)

ALL_ARMS = (1 << 30) - 1  # a mask of every arm
NEWTON_MAX_ITER = 30
NEWTON_TOL = 1e-5  # rad
COARSE_SAMPLES = 600  # samples per arm when building the start grid
SMALL_ANGLE = 0.01  # rad: see _turned
LIPSCHITZ_CELL = 0.7072  # > half the diagonal of a start-grid cell, in grid steps


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def spline_r(t: float, t0: float, dt: float, coef: np.ndarray) -> tuple[float, float, float]:
    """r, dr/dt, d2r/dt2 of an arm spline at t (clamped to the arm's extent)."""
    nseg = coef.shape[0]
    k = int((t - t0) / dt)
    if k < 0:
        k = 0
    elif k >= nseg:
        k = nseg - 1
    u = t - (t0 + k * dt)
    c0, c1, c2, c3 = coef[k, 0], coef[k, 1], coef[k, 2], coef[k, 3]
    r = ((c0 * u + c1) * u + c2) * u + c3
    dr = (3.0 * c0 * u + 2.0 * c1) * u + c2
    d2r = 6.0 * c0 * u + 2.0 * c1
    return r, dr, d2r


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _dsq_derivs(
    x: float, y: float, t: float, sin_t: float, cos_t: float, t0: float, dt: float,
    coef: np.ndarray,
) -> tuple[float, float, float]:
    """Squared distance from (x, y) to the curve point at t, and its first two t-derivatives
    (``sin_t``, ``cos_t``: the sine and cosine of t)."""
    r, dr, d2r = spline_r(t, t0, dt, coef)
    s, c = sin_t, cos_t
    cx, cy = -r * s, r * c
    dx1 = -dr * s - r * c
    dy1 = dr * c - r * s
    dx2 = -d2r * s - 2.0 * dr * c + r * s
    dy2 = d2r * c - 2.0 * dr * s - r * c
    ex, ey = cx - x, cy - y
    f = ex * ex + ey * ey
    g = 2.0 * (ex * dx1 + ey * dy1)
    h = 2.0 * (dx1 * dx1 + dy1 * dy1 + ex * dx2 + ey * dy2)
    return f, g, h


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _turned(t: float, sin_t: float, cos_t: float, step: float) -> tuple[float, float]:
    """Sine and cosine of t + step from those of t: for a step below SMALL_ANGLE by the angle
    sum with the series of the step's (each to under 1e-23), else from libm."""
    if abs(step) >= SMALL_ANGLE:
        return math.sin(t + step), math.cos(t + step)
    q = step * step
    sin_d = step * (1.0 - q / 6.0 * (1.0 - q / 20.0 * (1.0 - q / 42.0)))
    cos_d = 1.0 - q / 2.0 * (1.0 - q / 12.0 * (1.0 - q / 30.0 * (1.0 - q / 56.0)))
    return sin_t * cos_d + cos_t * sin_d, cos_t * cos_d - sin_t * sin_d


# called, not inlined: inlined into every caller of the nearest-point search (the density
# and five crossing and cut helpers), it doubled the line-of-sight kernel's code and its
# final optimisation and code generation took 3.0 s of a fresh installation's first call
# instead of 1.7 s, for no throughput gained (benchmarks/speed_probe.py)
@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def refine_nearest(
    x: float, y: float, t_start: float, t0: float, dt: float, coef: np.ndarray,
    max_iter: int = NEWTON_MAX_ITER,
) -> tuple[float, float]:
    """Local minimum of the squared distance near t_start: (t, squared distance >= 0).

    Newton steps, each at most one knot spacing long (a full knot spacing downhill where the
    squared distance is not convex) and halved until it lowers the squared distance, stop
    once a step is below NEWTON_TOL. The returned squared distance is the Newton model's
    minimum there: as the squared distance is stationary at the minimum, its error is of order
    NEWTON_TOL^3 times its third t-derivative (~1e-14 kpc^2 at most on the models' arms), far
    below the error in t (clamped at 0: on a centreline the model can dip a rounding error
    below it).
    When ``max_iter`` steps do not converge, the squared distance is NaN.
    """
    t_end = t0 + dt * coef.shape[0]
    t = min(max(t_start, t0), t_end)
    sin_t, cos_t = math.sin(t), math.cos(t)
    f, g, h = _dsq_derivs(x, y, t, sin_t, cos_t, t0, dt, coef)
    for _ in range(max_iter):
        step = min(max(-g / h, -dt), dt) if h > 0.0 else math.copysign(dt, -g)
        step = min(max(t + step, t0), t_end) - t
        if abs(step) < NEWTON_TOL:
            return t + step, max(f + step * (g + 0.5 * max(h, 0.0) * step), 0.0)
        sin_n, cos_n = _turned(t, sin_t, cos_t, step)
        f_new, g_new, h_new = _dsq_derivs(x, y, t + step, sin_n, cos_n, t0, dt, coef)
        while f_new > f and abs(step) >= NEWTON_TOL:
            step *= 0.5
            sin_n, cos_n = _turned(t, sin_t, cos_t, step)
            f_new, g_new, h_new = _dsq_derivs(x, y, t + step, sin_n, cos_n, t0, dt, coef)
        t += step
        sin_t, cos_t = sin_n, cos_n
        f, g, h = f_new, g_new, h_new
    return t, np.nan


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def nearest_rate(
    x: float, y: float, t: float, ux: float, uy: float, t0: float, dt: float, coef: np.ndarray,
) -> float:
    """Rate (rad per kpc) at which the nearest centreline parameter ``t`` of (x, y) moves as
    the point moves along the plane direction (ux, uy): from d/dt (c(t) - p).c'(t) = 0.

    0 at the ends of the arm (the nearest point stays there) and where the nearest point is
    degenerate (zero curvature of the squared distance).
    """
    if t <= t0 or t >= t0 + dt * coef.shape[0]:
        return 0.0
    r, dr, d2r = spline_r(t, t0, dt, coef)
    s, c = math.sin(t), math.cos(t)
    dx1 = -dr * s - r * c
    dy1 = dr * c - r * s
    dx2 = -d2r * s - 2.0 * dr * c + r * s
    dy2 = d2r * c - 2.0 * dr * s - r * c
    curvature = dx1 * dx1 + dy1 * dy1 + (-r * s - x) * dx2 + (r * c - y) * dy2
    if not curvature > 0.0:
        return 0.0
    return (ux * dx1 + uy * dy1) / curvature


@nb.njit(cache=True, nogil=True)
def build_arm_grid(arm_par: np.ndarray, coef: np.ndarray, box: float, step: float) -> np.ndarray:
    """Global nearest centreline parameter and distance at every node of a plane grid.

    The grid covers [-box, box]^2 in x and y (kpc) with spacing ``step``; the result has
    shape (n, n, narm, 2). Every discrete local minimum of a dense sampling of the arm is
    refined by Newton's method and the best is kept.
    """
    n = int(round(2.0 * box / step)) + 1
    narm = arm_par.shape[0]
    grid = np.empty((n, n, narm, 2))
    for a in range(narm):
        t0 = arm_par[a, ARM_T0]
        dt = arm_par[a, ARM_DT]
        extent = dt * coef.shape[1]
        ts = np.empty(COARSE_SAMPLES)
        xs = np.empty(COARSE_SAMPLES)
        ys = np.empty(COARSE_SAMPLES)
        for k in range(COARSE_SAMPLES):
            t = t0 + extent * k / (COARSE_SAMPLES - 1)
            r = spline_r(t, t0, dt, coef[a])[0]
            ts[k] = t
            xs[k] = -r * math.sin(t)
            ys[k] = r * math.cos(t)
        for i in nb.prange(n):
            x = -box + i * step
            dsq = np.empty(COARSE_SAMPLES)
            for j in range(n):
                y = -box + j * step
                for k in range(COARSE_SAMPLES):
                    dsq[k] = (xs[k] - x) ** 2 + (ys[k] - y) ** 2
                best_t = ts[0]
                best_f = np.inf
                for k in range(COARSE_SAMPLES):
                    left = dsq[k - 1] if k > 0 else np.inf
                    right = dsq[k + 1] if k < COARSE_SAMPLES - 1 else np.inf
                    if dsq[k] <= left and dsq[k] <= right:
                        t_loc, f_loc = refine_nearest(x, y, ts[k], t0, dt, coef[a])
                        if not f_loc == f_loc:  # unconverged: keep the sampled minimum
                            t_loc, f_loc = ts[k], dsq[k]
                        if f_loc < best_f:
                            best_f = f_loc
                            best_t = t_loc
                grid[i, j, a, 0] = best_t
                grid[i, j, a, 1] = math.sqrt(best_f)
    return grid


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def start_grid_cell(x: float, y: float, P: np.ndarray, n: int) -> tuple[int, int, float, float]:
    """Cell (i, j) of the n x n start grid that holds (x, y), and where in it (u, v in [0, 1));
    i = -1 outside the grid."""
    box = P[P_GRIDBOX]
    step = P[P_GRIDSTEP]
    fi = (x + box) / step
    fj = (y + box) / step
    if not (fi >= 0.0 and fj >= 0.0 and fi < n - 1 and fj < n - 1):
        return -1, -1, 0.0, 0.0
    i = int(fi)
    j = int(fj)
    return i, j, fi - i, fj - j


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _cell_lower_bound(i: int, j: int, a: int, step: float, arm_grid: np.ndarray) -> float:
    """No point of start-grid cell (i, j) is nearer arm a than this (kpc): the distance is
    1-Lipschitz, and the cell's corners are within LIPSCHITZ_CELL * step of its points."""
    d00 = arm_grid[i, j, a, 1]
    d10 = arm_grid[i + 1, j, a, 1]
    d01 = arm_grid[i, j + 1, a, 1]
    d11 = arm_grid[i + 1, j + 1, a, 1]
    return min(min(d00, d10), min(d01, d11)) - LIPSCHITZ_CELL * step


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _cell_nearest(
    x: float, y: float, i: int, j: int, u: float, v: float, a: int, P: np.ndarray,
    arm_par: np.ndarray, arm_coef: np.ndarray, arm_grid: np.ndarray, lower_cut: float,
) -> tuple[float, float]:
    """:func:`arm_nearest` for a point at (u, v) in start-grid cell (i, j)
    (:func:`start_grid_cell`)."""
    if _cell_lower_bound(i, j, a, P[P_GRIDSTEP], arm_grid) >= lower_cut:
        return np.inf, np.nan
    t00 = arm_grid[i, j, a, 0]
    t10 = arm_grid[i + 1, j, a, 0]
    t01 = arm_grid[i, j + 1, a, 0]
    t11 = arm_grid[i + 1, j + 1, a, 0]
    t0 = arm_par[a, ARM_T0]
    dt = arm_par[a, ARM_DT]
    coef = arm_coef[a]
    lo = min(min(t00, t10), min(t01, t11))
    hi = max(max(t00, t10), max(t01, t11))
    if hi - lo < 0.05:
        start = (1 - u) * (1 - v) * t00 + u * (1 - v) * t10 + (1 - u) * v * t01 + u * v * t11
        t, f = refine_nearest(x, y, start, t0, dt, coef)
        return math.sqrt(f), t
    # the cell straddles a change of nearest branch: try every corner's branch
    best_t, best_f = refine_nearest(x, y, t00, t0, dt, coef)
    for start in (t10, t01, t11):
        t, f = refine_nearest(x, y, start, t0, dt, coef)
        if math.isnan(f):
            return np.nan, np.nan
        if f < best_f:
            best_t, best_f = t, f
    return math.sqrt(best_f), best_t


@nb.njit(cache=True, nogil=True)
def reach_cells(P: np.ndarray, arm_par: np.ndarray, arm_grid: np.ndarray) -> np.ndarray:
    """Per start-grid cell, the mask of the arms whose reach its points may lie in (uint8).

    Bit a of ``cells[i, j]`` is clear where :func:`arm_distance` surely returns inf for arm a
    (its test on the cell's corners, with the arms' reach as the cut); 255 stands for every
    arm, and is what models with more than 8 arms get everywhere.
    """
    n = arm_grid.shape[0]
    cells = np.full((n - 1, n - 1), 255, dtype=np.uint8)
    if arm_par.shape[0] > 8:
        return cells
    step = P[P_GRIDSTEP]
    cut = P[P_ARMCUT]
    for i in range(n - 1):
        for j in range(n - 1):
            mask = 0
            for a in range(arm_par.shape[0]):
                if not _cell_lower_bound(i, j, a, step, arm_grid) >= cut:
                    mask |= 1 << a
            cells[i, j] = mask
    return cells


# called, not inlined, by the crossing and cut helpers: one copy of the Newton search in the
# march's code instead of one per helper (compile time)
@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def arm_nearest(
    x: float, y: float, a: int, P: np.ndarray, arm_par: np.ndarray, arm_coef: np.ndarray,
    arm_grid: np.ndarray, lower_cut: float,
) -> tuple[float, float]:
    """Exact distance (kpc) from (x, y) to arm ``a`` and the centreline parameter (rad) of
    the nearest point; (inf, NaN) when surely beyond ``lower_cut``.

    The distance is NaN when the Newton refinement does not converge (the caller must not
    read it as "far").
    """
    i, j, u, v = start_grid_cell(x, y, P, arm_grid.shape[0])
    if i < 0:
        return np.inf, np.nan
    return _cell_nearest(x, y, i, j, u, v, a, P, arm_par, arm_coef, arm_grid, lower_cut)


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def arm_distance(
    x: float, y: float, a: int, P: np.ndarray, arm_par: np.ndarray, arm_coef: np.ndarray,
    arm_grid: np.ndarray, lower_cut: float,
) -> float:
    """Exact distance (kpc) from (x, y) to arm ``a``; inf when surely beyond ``lower_cut``
    (NaN when unconverged: see :func:`arm_nearest`)."""
    return arm_nearest(x, y, a, P, arm_par, arm_coef, arm_grid, lower_cut)[0]


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def sech2(u: float) -> float:
    """sech^2(u), safe for any u."""
    a = abs(u)
    if a > 350.0:
        return 0.0
    e = math.exp(-2.0 * a)
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def arms_density(
    x: float, y: float, z: float, P: np.ndarray, arm_par: np.ndarray, arm_coef: np.ndarray,
    arm_grid: np.ndarray, arms: int = ALL_ARMS,
) -> tuple[float, int, int]:
    """Spiral-arm n_e (cm^-3), TC93 number of the nearest arm in reach (0: none), reach mask.

    Bit ``a`` of the mask is set when the point lies within the reach of arm ``a``. Only the
    arms of the mask ``arms`` are looked at (the caller knows the others are out of reach).
    """
    i, j, u, v = start_grid_cell(x, y, P, arm_grid.shape[0])
    if i < 0:  # beyond the start grid: no arm reaches
        return 0.0, 0, 0
    cut = P[P_ARMCUT]
    rr = math.sqrt(x * x + y * y)
    radial = sech2((rr - P[P_AA]) / 2.0) if rr > P[P_AA] else 1.0
    phi = -1.0  # Galactocentric azimuth (deg), found when a tapered arm first needs it
    ne = 0.0
    which = 0
    mask = 0
    nearest = np.inf
    for a in range(arm_par.shape[0]):
        if not (arms >> a) & 1:
            continue
        d = _cell_nearest(x, y, i, j, u, v, a, P, arm_par, arm_coef, arm_grid, cut)[0]
        if math.isnan(d):  # unconverged distance: poison the density rather than drop the arm
            ne = np.nan
            continue
        if not d < cut:
            continue
        mask |= 1 << a
        if d <= nearest:
            nearest = d
            which = int(arm_par[a, ARM_TC93])
        g = math.exp(-((d / arm_par[a, ARM_W]) ** 2)) * radial * sech2(z / arm_par[a, ARM_H])
        if arm_par[a, ARM_TAPER] > 0.0:
            if phi < 0.0:
                phi = math.degrees(math.atan2(-x, y))
                if phi < 0.0:
                    phi += 360.0
            offset = phi - arm_par[a, ARM_TAPER_START]
            if offset < 0.0:
                offset += 360.0
            span = arm_par[a, ARM_TAPER_SPAN]
            if offset < span:
                floor = arm_par[a, ARM_TAPER_FLOOR]
                base = 1.0 + floor + (1.0 - floor) * math.cos(2.0 * math.pi * offset / span)
                g *= (0.5 * base) ** arm_par[a, ARM_TAPER_POWER]
        ne += g * arm_par[a, ARM_NE]
    return ne, which, mask
