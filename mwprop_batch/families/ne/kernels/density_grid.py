"""Density on a (sightline x distance) grid: one ``numba.guvectorize`` kernel.

:func:`density_grid` has the core layout ``(),(),(n)->(n, k)`` — Galactic l, b (deg) and n
distances from the Sun (kpc) give k chosen density columns at each of the n points — with the
model's :class:`~mwprop_batch.families.ne.tables.KernelTables` and the arms' reach per start-grid
cell
(:func:`~mwprop_batch.families.ne.kernels.arms.reach_cells`) as further inputs, each with its own
core
dimensions. Being a NumPy gufunc it broadcasts l, b and the distances' leading dimensions and
runs the broadcast sightlines in parallel. :meth:`mwprop_batch.Model.density_along` wraps it.

Each point is evaluated by :func:`~mwprop_batch.families.ne.kernels.density.components`, the
function
:func:`~mwprop_batch.families.ne.kernels.density.density_batch` uses, so the values equal
``density_batch`` at the points :func:`sightline_points` gives, bit for bit. Once per
sightline, :func:`local_spans` finds where along it each local component (clumps, voids,
Galactic centre, local ISM) may be non-zero, from spheres that enclose them with a margin far
above rounding; elsewhere those components are exactly 0 and are not evaluated. Per point,
only the arms whose reach the point's start-grid cell may lie in are looked at.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .arms import ALL_ARMS, start_grid_cell
from .cuts import _local_in
from .density import (
    COLUMNS,
    LHB_TAPER_TIP,
    LOCAL_ALL,
    LOCAL_CLUMPS,
    LOCAL_GC,
    LOCAL_LISM,
    LOCAL_VOIDS,
    components,
)
from .layout import (
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
    P_GC_H,
    P_GC_R,
    P_GC_X,
    P_GC_Y,
    P_GC_Z,
    P_LDR,
    P_LHB_A,
    P_LHB_B,
    P_LHB_C,
    P_LHB_SLANT,
    P_LHB_X,
    P_LHB_Y,
    P_LHB_Z,
    P_LOOP_ROUT,
    P_LOOP_X,
    P_LOOP_Y,
    P_LOOP_Z,
    P_LSB,
    P_RSUN,
    VO_REACH,
    VO_X,
    VO_Y,
    VO_Z,
)

# C-contiguous, as the batch kernels have them: the density kernels the gufunc calls are then
# the batch kernels' own (one signature each; with any-layout tables numba compiled them all
# again). The caller hands the tables in C order (np.ascontiguousarray).
_TABLE_TYPES = (
    "float64[::1], float64[:, ::1], float64[:, :, ::1], float64[:, :, :, ::1], "
    "float64[:, ::1], int64[::1], float64[:, ::1], int64[::1]"
)
_TABLE_DIMS = "(p),(a,q),(a,s,c),(g,h,a,t),(u,v),(w),(x,y),(z)"
# the gufunc's signature: l, b, distances, columns to write, the eight KernelTables arrays,
# then the arms' reach per start-grid cell
# (:func:`~mwprop_batch.families.ne.kernels.arms.reach_cells`)
SIGNATURE = f"(),(),(n),(k),{_TABLE_DIMS},(i,j)->(n,k)"


@nb.njit(cache=True, inline="always")
def _direction(l_deg: float, b_deg: float) -> tuple[float, float, float]:
    """Unit vector (x, y, z) from the Sun toward (l, b) in the Galactocentric frame."""
    lr = l_deg * (math.pi / 180.0)
    br = b_deg * (math.pi / 180.0)
    cb = math.cos(br)
    return cb * math.sin(lr), -cb * math.cos(lr), math.sin(br)


@nb.njit(cache=True, inline="always")
def _valid_sightline(l_deg: float, b_deg: float) -> bool:
    return math.isfinite(l_deg) and math.isfinite(b_deg) and abs(b_deg) <= 90.0


@nb.njit(cache=True)
def sightline_points(
    l_deg: np.ndarray, b_deg: np.ndarray, dist_kpc: np.ndarray, r_sun: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactocentric x, y, z (kpc) of the points :func:`density_grid` evaluates.

    ``l_deg``, ``b_deg`` and ``dist_kpc`` are 1-D arrays of equal length (one point each);
    the arithmetic is the kernel's own, so ``density_batch`` at these points reproduces it.
    """
    n = l_deg.shape[0]
    x, y, z = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        ux, uy, uz = _direction(l_deg[i], b_deg[i])
        d = dist_kpc[i]
        x[i], y[i], z[i] = d * ux, r_sun + d * uy, d * uz
    return x, y, z


# enclosing spheres are widened by this fraction of their radius plus SPAN_PAD kpc, and the
# spans by SPAN_PAD: far beyond the rounding of the points (~1e-15 kpc) and of the roots
SPAN_GROW = 1e-6
SPAN_PAD = 1e-6  # kpc
MIN_DISTANCES_TO_CULL = 16  # shorter sightlines evaluate every component at every point
MAX_SPANS = 16  # a sightline with more spans evaluates every component everywhere


@nb.njit(cache=True, inline="always")
def _sphere_chord(
    ux: float, uy: float, uz: float, r_sun: float, cx: float, cy: float, cz: float,
    radius: float,
) -> tuple[float, float]:
    """Where (kpc from the Sun) the sightline is inside the sphere, widened by SPAN_GROW and
    SPAN_PAD: (s_in, s_out), NaN when it misses."""
    radius = radius * (1.0 + SPAN_GROW) + SPAN_PAD
    wx, wy, wz = -cx, r_sun - cy, -cz
    half_b = ux * wx + uy * wy + uz * wz
    disc = half_b * half_b - (ux * ux + uy * uy + uz * uz) * (
        wx * wx + wy * wy + wz * wz - radius * radius)
    if not disc > 0.0:  # misses (or NaN)
        return np.nan, np.nan
    root = math.sqrt(disc)
    return -half_b - root - SPAN_PAD, -half_b + root + SPAN_PAD


@nb.njit(cache=True, inline="always")
def _add_span(s_in: float, s_out: float, kind: int, spans: np.ndarray, n: int) -> int:
    """Append (s_in, s_out, kind) when the span reaches s >= 0; count it even when
    ``spans`` is full."""
    if not s_out >= 0.0:  # behind the Sun, or NaN
        return n
    if n < spans.shape[0]:
        spans[n, 0], spans[n, 1], spans[n, 2] = s_in, s_out, kind
    return n + 1


@nb.njit(cache=True, inline="always")
def _hull(lo: float, hi: float, s_in: float, s_out: float) -> tuple[float, float]:
    """The span [lo, hi] extended to cover [s_in, s_out] (ignored when NaN: a miss)."""
    if s_in == s_in:
        return min(lo, s_in), max(hi, s_out)
    return lo, hi


@nb.njit(cache=True)
def local_spans(
    ux: float, uy: float, uz: float, P: np.ndarray, clump_par: np.ndarray,
    void_par: np.ndarray, spans: np.ndarray,
) -> int:
    """Spans of the sightline with unit vector (ux, uy, uz) from the Sun outside which a
    local component is 0: ``spans[k]`` is (s_in, s_out, LOCAL_* bit), in kpc.

    A clump's or void's span is where the sightline is inside the sphere of its reach, the
    Galactic centre's inside a sphere enclosing its spheroid, and the local ISM's one span
    covers those of spheres enclosing each region; every sphere is widened by SPAN_GROW and
    SPAN_PAD. Returns the number of spans; more than ``len(spans)`` means some were not
    written.
    """
    r_sun = P[P_RSUN]
    n = 0
    for c in range(clump_par.shape[0]):
        s_in, s_out = _sphere_chord(ux, uy, uz, r_sun, clump_par[c, CL_X], clump_par[c, CL_Y],
                                    clump_par[c, CL_Z], clump_par[c, CL_REACH])
        n = _add_span(s_in, s_out, LOCAL_CLUMPS, spans, n)
    for v in range(void_par.shape[0]):
        s_in, s_out = _sphere_chord(ux, uy, uz, r_sun, void_par[v, VO_X], void_par[v, VO_Y],
                                    void_par[v, VO_Z], void_par[v, VO_REACH])
        n = _add_span(s_in, s_out, LOCAL_VOIDS, spans, n)
    s_in, s_out = _sphere_chord(ux, uy, uz, r_sun, P[P_GC_X], P[P_GC_Y], P[P_GC_Z],
                                max(P[P_GC_R], P[P_GC_H]))
    n = _add_span(s_in, s_out, LOCAL_GC, spans, n)
    # local ISM: the ellipsoids' enclosing radius is 1 / sqrt(their smallest eigenvalue); the
    # local hot bubble lies in a box of half-sides a (x), b + |slant| c (y), c (z)
    lo, hi = np.inf, -np.inf
    for o in (P_LDR, P_LSB):
        ap, bp, dp = P[o + ELL_AP], P[o + ELL_BP], P[o + ELL_DP]
        smallest = min(0.5 * (ap + bp) - math.hypot(0.5 * (ap - bp), 0.5 * dp), P[o + ELL_CP])
        radius = 1.0 / math.sqrt(smallest) if smallest > 0.0 else np.inf
        s_in, s_out = _sphere_chord(ux, uy, uz, r_sun, P[o + ELL_X], P[o + ELL_Y],
                                    P[o + ELL_Z], radius)
        lo, hi = _hull(lo, hi, s_in, s_out)
    a = max(P[P_LHB_A], LHB_TAPER_TIP)
    b = P[P_LHB_B] + abs(P[P_LHB_SLANT]) * P[P_LHB_C]
    c = P[P_LHB_C]
    s_in, s_out = _sphere_chord(ux, uy, uz, r_sun, P[P_LHB_X],
                                P[P_LHB_Y] + P[P_LHB_SLANT] * P[P_LHB_Z], P[P_LHB_Z],
                                math.sqrt(a * a + b * b + c * c))
    lo, hi = _hull(lo, hi, s_in, s_out)
    s_in, s_out = _sphere_chord(ux, uy, uz, r_sun, P[P_LOOP_X], P[P_LOOP_Y], P[P_LOOP_Z],
                                P[P_LOOP_ROUT])
    lo, hi = _hull(lo, hi, s_in, s_out)
    return _add_span(lo, hi, LOCAL_LISM, spans, n)


@nb.njit(cache=True, inline="always")
def _local_at(d: float, spans: np.ndarray, n_spans: int) -> int:
    """LOCAL_* bits of the spans that hold distance d (every bit when n_spans < 0)."""
    return LOCAL_ALL if n_spans < 0 else _local_in(d, d, spans, n_spans)


@nb.njit(cache=True, inline="always")
def _arms_at(x: float, y: float, P: np.ndarray, arm_grid: np.ndarray, reach: np.ndarray) -> int:
    """Mask of the arms whose reach (x, y) may lie in (``reach``: see
    :func:`~mwprop_batch.families.ne.kernels.arms.reach_cells`)."""
    i, j, _, _ = start_grid_cell(x, y, P, arm_grid.shape[0])
    if i < 0:
        return 0
    mask = int(reach[i, j])
    return ALL_ARMS if mask == 255 else mask


@nb.guvectorize(
    [f"void(float64, float64, float64[:], int64[:], {_TABLE_TYPES}, uint8[:, :], "
     "float64[:, :])"],
    SIGNATURE, target="parallel", cache=True, nopython=True,
)
def density_grid(
    l_deg, b_deg, dist_kpc, columns, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells, reach, out,
):  # pragma: no cover - compiled
    """out[i, j]: density column ``COLUMNS[columns[j]]`` at distance ``dist_kpc[i]`` (kpc)
    toward (l_deg, b_deg) (deg). NaN where the sightline is invalid (non-finite, |b| > 90)
    or the distance is not finite and >= 0. ``reach``: ``reach_cells`` of the tables."""
    n = dist_kpc.shape[0]
    k = columns.shape[0]
    if not _valid_sightline(l_deg, b_deg):
        out[:, :] = np.nan
        return
    ux, uy, uz = _direction(l_deg, b_deg)
    r_sun = P[P_RSUN]
    spans = np.empty((MAX_SPANS, 3))
    n_spans = -1  # every component everywhere
    if n >= MIN_DISTANCES_TO_CULL:
        n_spans = local_spans(ux, uy, uz, P, clump_par, void_par, spans)
        if n_spans > MAX_SPANS:
            n_spans = -1
    for i in range(n):
        d = dist_kpc[i]
        if not (math.isfinite(d) and d >= 0.0):
            out[i, :] = np.nan
            continue
        x, y, z = d * ux, r_sun + d * uy, d * uz
        values = components(x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                            void_par, void_cells, _local_at(d, spans, n_spans),
                            _arms_at(x, y, P, arm_grid, reach))
        for j in range(k):
            out[i, j] = values[columns[j]]


N_COLUMNS = len(COLUMNS)
