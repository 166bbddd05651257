"""Line-of-sight kernels: converged DM and scattering integrals along many sightlines.

Each sightline from the Sun at Galactic (l, b) is cut at every place where the density is
discontinuous or has a kink: the surfaces of clumps, voids, the Galactic centre and the local
ISM regions (found analytically, as roots of quadratics, or by a fine scan for the tapered
local hot bubble), the radii where the disks end, and the places where it enters or leaves
an arm's reach (found by root finding on the exact arm distance). Between cuts the density
is smooth, and it is integrated with Gauss-Legendre panels whose length follows the smallest
scale present (disk scale heights, Gaussian clump and void sizes). DM -> D is solved by
Newton's method inside the panel that contains the target. Results are independent of how
sightlines are batched or how many threads run (each sightline is computed alone).

Moments returned with every result (s in kpc, dsm = sum F_i n_i^2):
``DM`` (pc cm^-3), ``M0 = int dsm ds``, ``M1 = int s dsm ds``, ``M2 = int s^2 dsm ds``,
``MISO = int s^(5/3) dsm ds``; :mod:`mwprop_batch.scattering` turns them into SM etc.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .arms import ALL_ARMS, arm_distance
from .density import (
    LOCAL_ALL,
    LOCAL_CLUMPS,
    LOCAL_GC,
    LOCAL_LISM,
    LOCAL_VOIDS,
    THIN_DISK_REACH,
    ne_dsm,
    thick_disk,
)
from .layout import (
    ARM_H,
    ARM_NE,
    CL_EDGE,
    CL_RC,
    CL_REACH,
    CL_X,
    CL_Y,
    CL_Z,
    P_A1,
    P_A2,
    P_ARMCUT,
    P_F1,
    P_G1NORM,
    P_GC,
    P_GRIDBOX,
    P_H1,
    P_H2,
    P_HZMIN,
    P_LDR,
    P_LOOP,
    P_LSB,
    P_MAXDIST,
    P_N1,
    P_N2,
    P_RSUN,
    VO_AXES,
    VO_EDGE,
    VO_QMAX,
    VO_ROT,
    VO_X,
    VO_Y,
    VO_Z,
)
from .lhb import lhb_cuts
from .sorting import sort_prefix

GL_ORDER = 6
GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(GL_ORDER)
PANEL_MAX = 0.5  # kpc, longest Gauss-Legendre panel
PANEL_PER_SCALE = 0.5  # panel length per smallest local length scale
ROOT_TOL = 1e-12  # kpc
CROSSING_MAX_ITER = 100  # Illinois steps to locate an arm-reach crossing
SOLVE_MAX_ITER = 60  # safeguarded Newton steps to place a DM target inside a panel
SOLVE_NEWTON_STEPS = 20  # after these, bisect: 40 halvings of a <= 0.5 kpc panel reach ROOT_TOL
DIP_MAX_ITER = 80  # golden-section steps to bracket an arm-reach dip inside a panel
GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))
TAIL_TOL = 1e-14  # stop once what lies beyond is surely below this fraction of the DM
# The smooth tail: once past every local feature, and once what the thin disk and the arms add
# beyond is surely below TAIL_DROP of the DM, only the thick disk is integrated (sech^2 in z
# times a radial factor analytic in r^2), with panels as long as a bound on their error allows.
TAIL_DROP = 1e-17
# Gauss-Legendre error on one panel of length 2 lam of exp(-s / lam) (lam = h1 / (2 |sin b|)),
# relative to its integral: 1.8e-12 (the 2n-th derivative bound), taken 5 times larger; it
# grows as the panel length to the power 2n + 1.
TAIL_PANEL_ERROR = 1e-11
TAIL_ERROR_TOL = 1e-17  # allowed error of one tail panel, as a fraction of the DM
# A panel's integrand mode: the LOCAL_* bits of the local components that may be non-zero on
# it, and from bit ARM_SHIFT on, the mask of the arms whose reach it may be in; or TAIL.
TAIL = 16  # the smooth tail: the thick disk alone
ARM_SHIFT = 8
FULL = LOCAL_ALL | (ALL_ARMS << ARM_SHIFT)  # every component
N_OUT = 6  # per result: s or DM, then M0, M1, M2, MISO, and (for targets) reached flag
TRAIL_COLUMNS = 8  # per kept panel: start, end, DM, M0, M1, M2, MISO at its start, its mode
KPC_TO_PC = 1000.0

# bits of a row's convergence flags: which iterative step stopped before converging
NC_CROSSING = 1  # _arm_crossing: an arm-reach crossing was not located
NC_SOLVE = 2  # _solve_in_panel: a DM target was not placed
NC_NEAREST = 4  # arms.refine_nearest: a nearest centreline point was not found (NaN n_e)
NC_DIP = 8  # _arm_dip: an arm-reach graze inside a panel was not resolved
NOT_CONVERGED = (
    (NC_CROSSING, "_arm_crossing"),
    (NC_SOLVE, "_solve_in_panel"),
    (NC_NEAREST, "refine_nearest"),
    (NC_DIP, "_arm_dip"),
)


@nb.njit(cache=True, inline="always")
def _roots(A: float, B: float, C: float) -> tuple[float, float]:
    """Real roots (r1 <= r2) of A s^2 + B s + C = 0, NaN when there are none."""
    if A == 0.0:
        if B == 0.0:
            return np.nan, np.nan
        r = -C / B
        return r, r
    disc = B * B - 4.0 * A * C
    if disc <= 0.0:
        return np.nan, np.nan
    q = -0.5 * (B + math.copysign(math.sqrt(disc), B))
    r1 = q / A
    r2 = C / q if q != 0.0 else r1
    return min(r1, r2), max(r1, r2)


@nb.njit(cache=True)
def _arm_gaps(
    s: float, need: float, u: np.ndarray, P, arm_par, arm_coef, arm_grid, gap: np.ndarray,
    exact: np.ndarray,
) -> int:
    """Arm-reach gaps at distance s; returns the reach mask (bit a: inside arm a), -1 on NaN.

    ``gap[a]`` is the distance to arm a's centreline minus its reach (kpc, < 0 inside) where
    ``exact[a]``; otherwise the point is surely more than ``need`` beyond the reach and
    ``gap[a] = need`` is a lower bound.
    """
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    cut = P[P_ARMCUT]
    mask = 0
    for a in range(arm_par.shape[0]):
        d = arm_distance(x, y, a, P, arm_par, arm_coef, arm_grid, cut + need)
        if math.isnan(d):
            return -1
        if d == np.inf:
            gap[a] = need
            exact[a] = False
        else:
            gap[a] = d - cut
            exact[a] = True
            if d < cut:
                mask |= 1 << a
    return mask


@nb.njit(cache=True)
def _arm_gap(s: float, a: int, u: np.ndarray, P, arm_par, arm_coef, arm_grid) -> float:
    """Distance to arm a's centreline minus its reach, at distance s along the sightline."""
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    d = arm_distance(x, y, a, P, arm_par, arm_coef, arm_grid, np.inf)
    return min(d, 1e3) - P[P_ARMCUT]


@nb.njit(cache=True)
def _arm_crossing(
    lo: float, hi: float, a: int, u, P, arm_par, arm_coef, arm_grid,
    max_iter: int = CROSSING_MAX_ITER,
) -> tuple[float, bool]:
    """Where arm a's reach begins or ends between lo and hi (Illinois regula falsi).

    Returns (s on the hi side of the crossing, converged); not converged when the ends do
    not bracket a crossing or ``max_iter`` steps leave the bracket wider than ROOT_TOL.
    """
    f_lo = _arm_gap(lo, a, u, P, arm_par, arm_coef, arm_grid)
    f_hi = _arm_gap(hi, a, u, P, arm_par, arm_coef, arm_grid)
    if not (f_lo < 0.0) != (f_hi < 0.0) or math.isnan(f_lo + f_hi):
        return hi, False
    side = 0
    for _ in range(max_iter):
        if hi - lo < ROOT_TOL:
            return hi, True
        mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not (lo < mid < hi):
            mid = 0.5 * (lo + hi)
        f_mid = _arm_gap(mid, a, u, P, arm_par, arm_coef, arm_grid)
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
    return hi, hi - lo < ROOT_TOL


@nb.njit(cache=True)
def _arm_dip(
    lo: float, hi: float, g_lo: float, slope: float, a: int, u, P, arm_par,
    arm_coef, arm_grid, max_iter: int = DIP_MAX_ITER,
) -> tuple[float, bool]:
    """A point of [lo, hi] on the other side of arm a's reach edge than both ends, if any.

    The gap has the sign of ``g_lo`` at both ends but they are too close to the edge for the
    bound |d gap / ds| <= ``slope`` to exclude a graze. Golden-section search for the
    extremum of the gap toward the edge, stopping as soon as a point crosses (returned),
    or once the bound proves the extremum stays on the ends' side (NaN), or once the
    bracket is below ROOT_TOL (NaN: a graze that narrow holds no measurable DM).
    Returns (point or NaN, converged); not converged after ``max_iter`` steps.
    """
    sign = 1.0 if g_lo >= 0.0 else -1.0
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
        best = min(f1, f2)
        if best > slope * (hi - lo) or hi - lo < ROOT_TOL:
            return np.nan, True
        if f1 < f2:
            hi, x2, f2 = x2, x1, f1
            x1 = lo + GOLDEN * (hi - lo)
            f1 = sign * _arm_gap(x1, a, u, P, arm_par, arm_coef, arm_grid)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = hi - GOLDEN * (hi - lo)
            f2 = sign * _arm_gap(x2, a, u, P, arm_par, arm_coef, arm_grid)
    return np.nan, False


@nb.njit(cache=True)
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


@nb.njit(cache=True, inline="always")
def _add_span(r1: float, r2: float, end: float, kind: int, spans: np.ndarray, n: int) -> int:
    """Record that local component ``kind`` may be non-zero on [r1, r2] (within [0, end])."""
    spans[n, 0] = max(r1, 0.0)
    spans[n, 1] = min(r2, end)
    spans[n, 2] = kind
    return n + 1


@nb.njit(cache=True)
def sightline_cuts(
    u: np.ndarray, end: float, P, clump_par, void_par
) -> tuple[np.ndarray, np.ndarray, int, float, np.ndarray, int]:
    """Cut points in (0, end), Gaussian features met, where the last local feature ends, and
    the spans of the local components.

    Returns (cuts sorted ascending, features, n_features, last_feature, spans, n_spans);
    ``features[k]`` is (s_in, s_out, longest panel) of a Gaussian clump or void on the
    sightline; ``spans[k]`` is (s_in, s_out, LOCAL_* bit): outside every span of its kind a
    local component is 0 (span ends are cuts).
    """
    ux, uy, uz = u[0], u[1], u[2]
    n_cl = clump_par.shape[0]
    n_vo = void_par.shape[0]
    cuts = np.empty(2 * (n_cl + n_vo) + 48)
    features = np.empty((n_cl + n_vo, 3))
    spans = np.empty((n_cl + n_vo + 2, 3))
    n = 0
    nf = 0
    ns = 0
    last = 0.0
    oy = P[P_RSUN]
    for c in range(n_cl):  # clumps: spheres of their reach
        wx, wy, wz = -clump_par[c, CL_X], oy - clump_par[c, CL_Y], -clump_par[c, CL_Z]
        bq = ux * wx + uy * wy + uz * wz
        r1, r2 = _roots(1.0, 2.0 * bq, wx * wx + wy * wy + wz * wz - clump_par[c, CL_REACH] ** 2)
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
        r1, r2 = _roots(A, B, C)
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
    g = P_GC
    ex, ey, ez = -P[g], oy - P[g + 1], -P[g + 2]
    ir2, ih2 = 1.0 / P[g + 3] ** 2, 1.0 / P[g + 4] ** 2
    r1, r2 = _roots(
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
        ex, ey, ez = -P[o], oy - P[o + 1], -P[o + 2]
        r1, r2 = _roots(
            P[o + 3] * ux * ux + P[o + 4] * uy * uy + P[o + 5] * uz * uz + P[o + 6] * ux * uy,
            2.0 * (P[o + 3] * ex * ux + P[o + 4] * ey * uy + P[o + 5] * ez * uz)
            + P[o + 6] * (ex * uy + ey * ux),
            P[o + 3] * ex * ex + P[o + 4] * ey * ey + P[o + 5] * ez * ez + P[o + 6] * ex * ey
            - 1.0,
        )
        if not (math.isnan(r1) or r2 <= 0.0 or r1 >= end):
            n = _add_chord(r1, r2, end, cuts, n)
            lism = max(lism, min(r2, end))
    if uz >= 0.0:  # Loop I: sphere and shell, absent below the plane (b < 0)
        o = P_LOOP
        ex, ey, ez = -P[o], oy - P[o + 1], -P[o + 2]
        bq = ux * ex + uy * ey + uz * ez
        for radius in (P[o + 3], P[o + 4]):
            r1, r2 = _roots(1.0, 2.0 * bq, ex * ex + ey * ey + ez * ez - radius * radius)
            if not (math.isnan(r1) or r2 <= 0.0 or r1 >= end):
                n = _add_chord(r1, r2, end, cuts, n)
                lism = max(lism, min(r2, end))
    # local hot bubble: tapered and slanted; its crossings are roots of a quartic in s
    n_lhb = lhb_cuts(u, end, P, cuts[n:])
    if n_lhb > 0:
        lism = max(lism, cuts[n + n_lhb - 1])
    n += n_lhb
    if lism > 0.0:
        ns = _add_span(0.0, lism, end, LOCAL_LISM, spans, ns)
        last = max(last, lism)
    # radii where the thick disk ends (a kink) and the thin disk is cut off (a step)
    A = ux * ux + uy * uy
    B = 2.0 * oy * uy
    for radius in (P[P_A1], P[P_A2] + THIN_DISK_REACH, P[P_A2] - THIN_DISK_REACH):
        if radius > 0.0:
            r1, r2 = _roots(A, B, oy * oy - radius * radius)
            n = _add_chord(r1, r2, end, cuts, n)
    return sort_prefix(cuts, n), features, nf, last, spans, ns


@nb.njit(cache=True)
def _local_in(a: float, b: float, spans: np.ndarray, n_spans: int) -> int:
    """LOCAL_* bits of the local components that may be non-zero in the panel [a, b]."""
    mid = 0.5 * (a + b)
    local = 0
    for k in range(n_spans):
        if spans[k, 0] <= mid <= spans[k, 1]:
            local |= int(spans[k, 2])
    return local


@nb.njit(cache=True)
def _panel_limit(s0: float, s1: float, uz: float, features, nf: int, P) -> float:
    """Longest Gauss-Legendre panel that resolves everything between s0 and s1."""
    sb = abs(uz)
    limit = PANEL_MAX
    if sb > 0.0:  # one panel per vertical scale height; far from the plane only h1 matters
        limit = min(limit, max(P[P_HZMIN], abs(s0 * uz) / 4.0) / sb)
    mid = 0.5 * (s0 + s1)
    for k in range(nf):
        if features[k, 0] < mid < features[k, 1]:
            limit = min(limit, features[k, 2])
    return limit


@nb.njit(cache=True, forceinline=True)
def _integrand(
    s: float, u, mode: int, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
    void_cells,
) -> tuple[float, float]:
    """n_e (cm^-3) and dsm at distance s: in the smooth tail (``mode`` TAIL) the thick
    disk's alone, else the model's with the local components and arms that ``mode`` names."""
    x, y, z = s * u[0], P[P_RSUN] + s * u[1], s * u[2]
    if mode == TAIL:
        ne = thick_disk(x, y, z, P)
        return ne, P[P_F1] * ne * ne
    ne, dsm, _ = ne_dsm(x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                        void_par, void_cells, mode & LOCAL_ALL, mode >> ARM_SHIFT)
    return ne, dsm


@nb.njit(cache=True)
def _panel(
    a: float, b: float, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
    void_cells, mode: int = FULL,
) -> tuple[float, float, float, float, float]:
    """Gauss-Legendre integrals over [a, b] of the integrand of ``mode`` (see _integrand):
    DM (pc cm^-3), M0, M1, M2, MISO."""
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    dm = m0 = m1 = m2 = miso = 0.0
    for k in range(GL_ORDER):
        s = mid + half * GL_NODES[k]
        ne, dsm = _integrand(s, u, mode, P, arm_par, arm_coef, arm_grid, clump_par,
                             clump_cells, void_par, void_cells)
        w = GL_WEIGHTS[k] * half
        dm += w * ne
        wd = w * dsm
        m0 += wd
        m1 += wd * s
        m2 += wd * s * s
        miso += wd * s ** (5.0 / 3.0)
    return KPC_TO_PC * dm, m0, m1, m2, miso


@nb.njit(cache=True)
def _solve_in_panel(
    a: float, b: float, total: float, need: float, u, P, arm_par, arm_coef, arm_grid,
    clump_par, clump_cells, void_par, void_cells, max_iter: int = SOLVE_MAX_ITER,
    mode: int = FULL,
) -> tuple[float, tuple[float, float, float, float, float], bool]:
    """s in [a, b] where the DM integrated from a reaches ``need`` (of ``total`` over [a, b]).

    Safeguarded Newton on the panel integral; also returns the integrals over [a, s]
    (DM, M0, M1, M2, MISO) at the converged s (to within ROOT_TOL), and whether it
    converged within ``max_iter`` steps.
    """
    lo, hi = a, b
    s = a + (b - a) * min(max(need / total, 0.0), 1.0) if total > 0.0 else b
    q = _panel(a, s, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
               void_cells, mode)
    for step in range(max_iter):
        value = q[0] - need
        if math.isnan(value):
            return s, q, False
        if value < 0.0:
            lo = s
        else:
            hi = s
        ne = _integrand(s, u, mode, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                        void_par, void_cells)[0]
        slope = KPC_TO_PC * ne
        s_new = s - value / slope if slope > 0.0 else 0.5 * (lo + hi)
        if not (lo <= s_new <= hi) or step >= SOLVE_NEWTON_STEPS:
            s_new = 0.5 * (lo + hi)  # Newton cycling (a kink inside the panel): bisect
        if abs(s_new - s) < ROOT_TOL or hi - lo < ROOT_TOL:
            return s, q, True
        s = s_new
        q = _panel(a, s, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                   void_cells, mode)
    return s, q, False


@nb.njit(cache=True)
def _thick_bound(s: float, uz: float, P) -> float:
    """Upper bound on the DM (pc cm^-3) the thick disk adds beyond s (for b != 0)."""
    sb = abs(uz)
    if sb == 0.0:
        return np.inf
    h = P[P_H1]
    return KPC_TO_PC * P[P_N1] * P[P_G1NORM] * 2.0 * h * math.exp(-2.0 * s * sb / h) / sb


@nb.njit(cache=True)
def _others_bound(s: float, uz: float, P, arm_par) -> float:
    """Upper bound on the DM (pc cm^-3) the thin disk and the arms add beyond s (b != 0)."""
    sb = abs(uz)
    if sb == 0.0:
        return np.inf
    z = s * sb
    total = P[P_N2] * 2.0 * P[P_H2] * math.exp(-2.0 * z / P[P_H2])
    for a in range(arm_par.shape[0]):
        h = arm_par[a, ARM_H]
        total += arm_par[a, ARM_NE] * 2.0 * h * math.exp(-2.0 * z / h)
    return KPC_TO_PC * total / sb


@nb.njit(cache=True)
def _tail_panel(s: float, uz: float, dm: float, P) -> float:
    """Length (kpc) of the next panel of the smooth tail: its Gauss-Legendre error, at most
    TAIL_PANEL_ERROR (length / 2 lam)^(2n + 1) of the thick disk's DM beyond s, stays below
    TAIL_ERROR_TOL of ``dm``."""
    lam = 0.5 * P[P_H1] / abs(uz)
    share = _thick_bound(s, uz, P) / dm
    return 2.0 * lam * (TAIL_ERROR_TOL / (TAIL_PANEL_ERROR * share)) ** (1.0 / (2 * GL_ORDER + 1))


@nb.njit(cache=True)
def _empty_beyond(s: float, u, P) -> bool:
    """True when no disk or arm reaches the sightline beyond s (its radius only grows)."""
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    if x * u[0] + y * u[1] < 0.0:  # still approaching the Galactic axis
        return False
    outer = max(P[P_A1], P[P_A2] + THIN_DISK_REACH, P[P_GRIDBOX])
    return math.sqrt(x * x + y * y) > outer


@nb.njit(cache=True, inline="always")
def _store(row, first: float, m0: float, m1: float, m2: float, miso: float, done: float):
    """One result row: distance or DM, the four moments, and whether it was reached."""
    row[0] = first
    row[1] = m0
    row[2] = m1
    row[3] = m2
    row[4] = miso
    row[5] = done


@nb.njit(cache=True)
def _unit_vector(l_deg: float, b_deg: float) -> np.ndarray:
    """Direction of Galactic (l, b) in the Galactocentric frame (x toward l = 90 deg)."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    return np.array([math.cos(br) * math.sin(lr), -math.cos(br) * math.cos(lr), math.sin(br)])


@nb.njit(cache=True, inline="always")
def _earliest(hit: float, a: int, first: float, which: int) -> tuple[float, int]:
    """Keep the nearest crossing and the bits of the arms that cross there."""
    if hit < first:
        first, which = hit, 0
    if hit == first:
        which |= 1 << a
    return first, which


@nb.njit(cache=True)
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
    panel or with a mask change at b, so their grazes are not searched again.
    """
    first = b
    which = 0
    flags = 0
    need = slope * (b - s)
    for a in range(arm_par.shape[0]):
        if ((mask_s ^ mask_b) >> a) & 1:
            hit, ok = _arm_crossing(s, b, a, u, P, arm_par, arm_coef, arm_grid)
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
        inner, ok = _arm_dip(s, b, gap_s[a], slope, a, u, P, arm_par, arm_coef, arm_grid)
        if not ok:
            flags |= NC_DIP
        elif not math.isnan(inner):
            hit, ok = _arm_crossing(s, inner, a, u, P, arm_par, arm_coef, arm_grid)
            if not ok:
                flags |= NC_CROSSING
            first, which = _earliest(hit, a, first, which)
    return first, which, flags


@nb.njit(cache=True)
def march(
    l_deg: float, b_deg: float, dm_targets: np.ndarray, d_queries: np.ndarray, end: float,
    out_targets: np.ndarray, out_queries: np.ndarray, trail: np.ndarray, P, arm_par, arm_coef,
    arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> tuple[float, float, int, int]:
    """Integrate one sightline outward from the Sun.

    ``dm_targets`` (ascending, pc cm^-3): for each, the distance where the DM reaches it and
    the moments there go to ``out_targets[k]`` = (s, M0, M1, M2, MISO, reached).
    ``d_queries`` (ascending, kpc): DM and moments at each distance go to ``out_queries[k]``.
    Integration stops once every target and query is answered, at ``end`` (kpc), or where
    what lies beyond is surely negligible. The last panels are kept in the ring buffer
    ``trail`` (rows: start, end, then DM, M0, M1, M2, MISO at the start, and the panel's
    integrand mode).
    Returns (DM reached, distance reached, number of panels, convergence flags NC_*); when
    the flags are not 0 the march stopped there and the outputs are not to be used.
    """
    u = _unit_vector(l_deg, b_deg)
    slope = math.sqrt(u[0] * u[0] + u[1] * u[1])  # |d gap / ds| <= cos b
    cuts, features, nf, last_feature, spans, n_spans = sightline_cuts(u, end, P, clump_par,
                                                                      void_par)
    n_cuts = cuts.shape[0]
    nt = dm_targets.shape[0]
    nq = d_queries.shape[0]
    narm = arm_par.shape[0]
    it = 0
    iq = 0
    dm = m0 = m1 = m2 = miso = 0.0
    s = 0.0
    icut = 0
    flags = 0
    gap_s = np.empty(narm)
    gap_b = np.empty(narm)
    exact_s = np.empty(narm, np.bool_)
    exact_b = np.empty(narm, np.bool_)
    mask_s = _arm_gaps(0.0, 0.0, u, P, arm_par, arm_coef, arm_grid, gap_s, exact_s)
    fresh = 0
    if mask_s < 0:
        flags |= NC_NEAREST
    n_panels_done = 0
    tail = False  # in the smooth tail: the thick disk alone, long panels, no arm events
    fresh_s = 0
    while flags == 0 and s < end and (it < nt or iq < nq or (nt == 0 and nq == 0)):
        while icut < n_cuts and cuts[icut] <= s:
            icut += 1
        seg_end = cuts[icut] if icut < n_cuts else end
        if tail:
            b = min(seg_end, s + _tail_panel(s, u[2], dm, P))
        else:
            limit = _panel_limit(s, seg_end, u[2], features, nf, P)
            n_panels = max(1, math.ceil((seg_end - s) / limit - 1e-9))
            b = seg_end if n_panels == 1 else s + (seg_end - s) / n_panels
            mask_b = _arm_gaps(b, slope * (b - s), u, P, arm_par, arm_coef, arm_grid, gap_b,
                               exact_b)
            if mask_b < 0:
                flags |= NC_NEAREST
                break
            first, crossed, bad = _next_arm_event(s, b, mask_s, mask_b, slope, gap_s, exact_s,
                                                  gap_b, exact_b, fresh, u, P, arm_par,
                                                  arm_coef, arm_grid)
            if bad:
                flags |= bad
                break
            fresh_s = fresh
            fresh = 0
            if first < b:  # an arm's reach begins or ends: stop the panel there
                b = first
                fresh = crossed
                mask_b = _arm_gaps(b, slope * (b - s), u, P, arm_par, arm_coef, arm_grid,
                                   gap_b, exact_b)
                if mask_b < 0:
                    flags |= NC_NEAREST
                    break
        # no arm's reach begins or ends inside the panel: those out of reach at both ends are
        # out of reach throughout, but for those crossed at s (whose grazes are not searched)
        mode = TAIL if tail else _local_in(s, b, spans, n_spans) | (
            (mask_s | mask_b | fresh_s) << ARM_SHIFT)
        pdm, p0, p1, p2, piso = _panel(s, b, u, P, arm_par, arm_coef, arm_grid, clump_par,
                                       clump_cells, void_par, void_cells, mode)
        if math.isnan(pdm):
            flags |= NC_NEAREST
            break
        while it < nt and dm + pdm >= dm_targets[it]:
            hit, q, ok = _solve_in_panel(s, b, pdm, dm_targets[it] - dm, u, P, arm_par,
                                         arm_coef, arm_grid, clump_par, clump_cells, void_par,
                                         void_cells, SOLVE_MAX_ITER, mode)
            if not ok:
                flags |= NC_SOLVE
            _store(out_targets[it], hit, m0 + q[1], m1 + q[2], m2 + q[3], miso + q[4], 1.0)
            it += 1
        while iq < nq and d_queries[iq] <= b:
            q = _panel(s, max(d_queries[iq], s), u, P, arm_par, arm_coef, arm_grid, clump_par,
                       clump_cells, void_par, void_cells, mode)
            _store(out_queries[iq], dm + q[0], m0 + q[1], m1 + q[2], m2 + q[3], miso + q[4],
                   1.0)
            iq += 1
        if trail.shape[0] > 0:
            row = trail[n_panels_done % trail.shape[0]]
            row[0], row[1], row[2], row[3], row[4], row[5], row[6] = s, b, dm, m0, m1, m2, miso
            row[7] = mode
        n_panels_done += 1
        dm += pdm
        m0 += p0
        m1 += p1
        m2 += p2
        miso += piso
        s = b
        if not tail:
            mask_s = mask_b
            for a in range(narm):
                gap_s[a] = gap_b[a]
                exact_s[a] = exact_b[a]
        if s >= last_feature:
            others = _others_bound(s, u[2], P, arm_par)
            if _thick_bound(s, u[2], P) + others < TAIL_TOL * dm or _empty_beyond(s, u, P):
                break
            tail = tail or others < TAIL_DROP * dm
    # nothing measurable lies beyond where the march stopped
    for k in range(iq, nq):
        _store(out_queries[k], dm, m0, m1, m2, miso, 1.0)
    for k in range(it, nt):
        _store(out_targets[k], s, m0, m1, m2, miso, 0.0)
    return dm, s, n_panels_done, flags


@nb.njit(cache=True)
def _limit_distance(
    l_deg: float, b_deg: float, target: float, trail: np.ndarray, n_done: int, row: np.ndarray,
    P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> int:
    """Where the DM reaches ``target`` (just below the total): from the kept panels if they
    hold it, else by integrating the sightline again. Writes s and moments into row[0:5];
    returns convergence flags (NC_*)."""
    u = _unit_vector(l_deg, b_deg)
    ring = trail.shape[0]
    for back in range(min(n_done, ring)):
        panel = trail[(n_done - 1 - back) % ring]
        if panel[2] < target:
            a, b = panel[0], panel[1]
            mode = int(panel[7])
            pdm = _panel(a, b, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                         void_par, void_cells, mode)[0]
            if panel[2] + pdm < target:
                break  # the target lies in a later panel: not kept exactly, integrate again
            hit, q, ok = _solve_in_panel(a, b, pdm, target - panel[2], u, P, arm_par,
                                         arm_coef, arm_grid, clump_par, clump_cells, void_par,
                                         void_cells, SOLVE_MAX_ITER, mode)
            row[0] = hit
            for k in range(4):
                row[1 + k] = panel[3 + k] + q[1 + k]
            return 0 if ok else NC_SOLVE
    edge = np.empty((1, N_OUT))
    flags = march(l_deg, b_deg, np.array([target]), np.empty(0), P[P_MAXDIST], edge,
                  np.empty((0, N_OUT)), np.empty((0, TRAIL_COLUMNS)), P, arm_par, arm_coef,
                  arm_grid, clump_par, clump_cells, void_par, void_cells)[3]
    for k in range(5):  # element by element: a slice copy compiles a formatted error
        row[k] = edge[0, k]
    return flags


# ---------------------------------------------------------------------------------------------
# Batches: one sightline per row, rows in parallel. Invalid rows (``valid`` False) give NaN.
# A row whose march did not converge gives NaN results and its NC_* bits in column "flags".

LIMIT_FRACTION = 1e-13  # a limit row's DIST: where the DM is within this fraction of its total
TRAIL_PANELS = 256  # panels kept to find a limit row's DIST without integrating again
DM_TO_DIST_COLUMNS = ("DIST", "DM", "limit", "M0", "M1", "M2", "MISO", "DIST_LO", "DIST_HI",
                      "limit_hi", "flags")


@nb.njit(cache=True)
def _dm_to_dist_row(
    l_deg: float, b_deg: float, dm: float, err: float, row: np.ndarray, P, arm_par, arm_coef,
    arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> None:
    """One row of :func:`dm_to_dist_batch` (see DM_TO_DIST_COLUMNS)."""
    with_err = err > 0.0
    if with_err:
        targets = np.array([max(dm - err, 0.0), dm, dm + err])
        main = 1
    else:
        targets = np.array([dm])
        main = 0
    found = np.empty((targets.shape[0], N_OUT))
    trail = np.empty((TRAIL_PANELS, TRAIL_COLUMNS))
    total, _, n_done, flags = march(l_deg, b_deg, targets, np.empty(0), P[P_MAXDIST], found,
                                    np.empty((0, N_OUT)), trail, P, arm_par, arm_coef,
                                    arm_grid, clump_par, clump_cells, void_par, void_cells)
    edge = np.full(5, np.nan)
    if flags == 0 and found[targets.shape[0] - 1, 5] != 1.0:  # some target is out of reach
        flags |= _limit_distance(l_deg, b_deg, total * (1.0 - LIMIT_FRACTION), trail, n_done,
                                 edge, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                                 void_par, void_cells)
    row[10] = flags
    if flags != 0:
        return
    if found[main, 5] == 1.0:
        row[0] = found[main, 0]
        row[1] = dm
        row[2] = 0.0
        for k in range(4):
            row[3 + k] = found[main, 1 + k]
    else:  # the model runs out of electrons: DIST is a lower limit, DM the largest reached
        row[0] = edge[0]
        row[1] = total
        row[2] = 1.0
        for k in range(4):
            row[3 + k] = edge[1 + k]
    if with_err:
        row[7] = found[0, 0] if found[0, 5] == 1.0 else edge[0]
        reached_hi = found[2, 5] == 1.0
        row[8] = found[2, 0] if reached_hi else edge[0]
        row[9] = 0.0 if reached_hi else 1.0
    else:  # no error (or dm_err = 0): the interval is the point
        row[7] = row[0]
        row[8] = row[0]
        row[9] = row[2]


@nb.njit(cache=True, nogil=True)
def dm_to_dist_batch(
    l_deg, b_deg, dm, dm_err, valid, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells,
) -> np.ndarray:
    """(n, len(DM_TO_DIST_COLUMNS)): distance, DM, limit flag, moments, distance interval,
    whether its upper end is a lower limit, convergence flags."""
    n = l_deg.shape[0]
    out = np.full((n, len(DM_TO_DIST_COLUMNS)), np.nan)
    for i in range(n):
        if valid[i]:
            _dm_to_dist_row(l_deg[i], b_deg[i], dm[i], dm_err[i], out[i], P, arm_par, arm_coef,
                            arm_grid, clump_par, clump_cells, void_par, void_cells)
    return out


@nb.njit(cache=True, nogil=True)
def dm_profile_batch(
    l_deg, b_deg, dist, valid, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells,
) -> tuple[np.ndarray, np.ndarray]:
    """(n, m, 5) DM and moments at the m distances of each row of ``dist``, and (n,) flags.

    A distance of 0 gives 0; a NaN or negative one, NaN. A row that did not converge gives
    NaN and its NC_* bits in the flags.
    """
    n, m = dist.shape
    out = np.full((n, m, 5), np.nan)
    flags = np.zeros(n, np.int64)
    none = np.empty(0)
    for i in range(n):
        if not valid[i]:
            continue
        for k in range(m):
            if dist[i, k] == 0.0:
                out[i, k, :] = 0.0
        order = np.argsort(dist[i])
        keep = order[np.isfinite(dist[i][order]) & (dist[i][order] > 0.0)]
        if keep.shape[0] == 0:
            continue
        queries = dist[i][keep].copy()
        found = np.empty((keep.shape[0], N_OUT))
        unused = np.empty((0, N_OUT))
        bad = march(l_deg[i], b_deg[i], none, queries, max(P[P_MAXDIST], queries[-1]), unused,
                    found, np.empty((0, TRAIL_COLUMNS)), P, arm_par, arm_coef, arm_grid, clump_par,
                    clump_cells, void_par, void_cells)[3]
        flags[i] = bad
        if bad != 0:
            out[i, :, :] = np.nan
            continue
        for k in range(keep.shape[0]):
            for c in range(5):
                out[i, keep[k], c] = found[k, c]
    return out, flags


@nb.njit(cache=True, nogil=True)
def dm_max_batch(
    l_deg, b_deg, valid, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
    void_cells,
) -> np.ndarray:
    """(n, 3): DM integrated to the model's edge (pc cm^-3), the distance where it stopped,
    and the convergence flags (NaN DM and distance where they are not 0)."""
    n = l_deg.shape[0]
    out = np.full((n, 3), np.nan)
    none = np.empty(0)
    for i in range(n):
        if valid[i]:
            unused = np.empty((0, N_OUT))
            total, reached, _, bad = march(l_deg[i], b_deg[i], none, none, P[P_MAXDIST],
                                           unused, unused, np.empty((0, TRAIL_COLUMNS)), P, arm_par,
                                           arm_coef, arm_grid, clump_par, clump_cells,
                                           void_par, void_cells)
            out[i, 2] = bad
            if bad == 0:
                out[i, 0] = total
                out[i, 1] = reached
    return out
