"""Integrate one NE sightline outward from the Sun: panels between cuts, targets, queries, tail.

Between cuts (:mod:`.cuts`) and arm-reach crossings (:mod:`.crossings`) the density is
smooth, and it is integrated with the Gauss-Legendre panels of :mod:`.panel_quadrature`,
whose length follows the smallest scale present (disk scale heights, Gaussian clump and void
sizes). A DM target is placed by Newton's method inside the panel that holds it. Past every
local feature, once the thin disk and the arms add less than TAIL_DROP of the DM, the rest
(the thick disk's smooth tail) is integrated with long panels sized by a bound on their error.

Moments returned with every result (s in kpc, dsm = sum F_i n_i^2):
``DM`` (pc cm^-3), ``M0 = int dsm ds``, ``M1 = int s dsm ds``, ``M2 = int s^2 dsm ds``,
``MISO = int s^(5/3) dsm ds``; :mod:`mwprop_batch.core.scattering` turns them into SM etc.

Like the density kernels, every kernel a row runs (here and in :mod:`.crossings`,
:mod:`.cuts`, :mod:`.lhb`, :mod:`.panel_quadrature`) borrows its arrays: compiled with
``_nrt=False``, it counts no references to them (numba's counts are atomic, on counters all
threads share); none allocates or returns an array.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_ORDER

from .crossings import _arm_gaps, _next_arm_event, _next_branch_jump
from .cuts import _local_in, _unit_vector, cuts_work, sightline_cuts
from .density import THIN_DISK_REACH
from .flags import NC_MARCH_PANELS, NC_NEAREST, NC_SOLVE
from .layout import (
    ARM_H,
    ARM_NE,
    P_A1,
    P_A2,
    P_G1NORM,
    P_GRIDBOX,
    P_H1,
    P_H2,
    P_N1,
    P_N2,
    P_RSUN,
)
from .panel_quadrature import (
    ARM_SHIFT,
    KPC_TO_PC,
    SOLVE_MAX_ITER,
    TAIL,
    _panel,
    _panel_limit,
    _panel_order,
    _solve_in_panel,
)

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
MAX_PANELS = 20_000  # panels one sightline may take before it is flagged (NC_MARCH_PANELS)
N_OUT = 6  # per result: s or DM, then M0, M1, M2, MISO, and (for targets) reached flag
# per kept panel: start, end, DM, M0, M1, M2, MISO at its start, its mode and order
TRAIL_COLUMNS = 9


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _thick_bound(s: float, uz: float, P) -> float:
    """Upper bound on the DM (pc cm^-3) the thick disk adds beyond s (for b != 0)."""
    sb = abs(uz)
    if sb == 0.0:
        return np.inf
    h = P[P_H1]
    return KPC_TO_PC * P[P_N1] * P[P_G1NORM] * 2.0 * h * math.exp(-2.0 * s * sb / h) / sb


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
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


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _tail_panel(s: float, uz: float, dm: float, P) -> float:
    """Length (kpc) of the next panel of the smooth tail: its Gauss-Legendre error, at most
    TAIL_PANEL_ERROR (length / 2 lam)^(2n + 1) of the thick disk's DM beyond s, stays below
    TAIL_ERROR_TOL of ``dm``."""
    lam = 0.5 * P[P_H1] / abs(uz)
    share = _thick_bound(s, uz, P) / dm
    return 2.0 * lam * (TAIL_ERROR_TOL / (TAIL_PANEL_ERROR * share)) ** (1.0 / (2 * GL_ORDER + 1))


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _empty_beyond(s: float, u, P) -> bool:
    """True when no disk or arm reaches the sightline beyond s (its radius only grows)."""
    x, y = s * u[0], P[P_RSUN] + s * u[1]
    if x * u[0] + y * u[1] < 0.0:  # still approaching the Galactic axis
        return False
    outer = max(P[P_A1], P[P_A2] + THIN_DISK_REACH, P[P_GRIDBOX])
    return math.sqrt(x * x + y * y) > outer


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _store(row, first: float, m0: float, m1: float, m2: float, miso: float, done: float):
    """One result row: distance or DM, the four moments, and whether it was reached."""
    row[0] = first
    row[1] = m0
    row[2] = m1
    row[3] = m2
    row[4] = miso
    row[5] = done


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def march_work(arm_par, clump_par, void_par) -> tuple:
    """Scratch for :func:`march`, allocated once per batch of rows: (cuts work, arm gaps at
    both panel ends, whether they are exact, nearest centreline parameters there and their
    rates)."""
    narm = arm_par.shape[0]
    return (cuts_work(clump_par.shape[0] + void_par.shape[0], narm), np.empty((2, narm)),
            np.empty((2, narm), np.bool_), np.empty((2, narm)), np.empty((2, narm)))


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def march(
    l_deg: float, b_deg: float, dm_targets: np.ndarray, d_queries: np.ndarray, end: float,
    out_targets: np.ndarray, out_queries: np.ndarray, trail: np.ndarray, work: tuple, P,
    arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> tuple[float, float, int, int]:
    """Integrate one sightline outward from the Sun (``work``: from :func:`march_work`).

    ``dm_targets`` (ascending, pc cm^-3): for each, the distance where the DM reaches it and
    the moments there go to ``out_targets[k]`` = (s, M0, M1, M2, MISO, reached).
    ``d_queries`` (ascending, kpc): DM and moments at each distance go to ``out_queries[k]``.
    Integration stops once every target and query is answered, at ``end`` (kpc), or where
    what lies beyond is surely negligible. The last panels are kept in the ring buffer
    ``trail`` (rows: start, end, then DM, M0, M1, M2, MISO at the start, and the panel's
    integrand mode).
    Returns (DM reached, distance reached, number of panels, convergence flags NC_*); when
    the flags are not 0 the march stopped there and the outputs are not to be used. At most
    MAX_PANELS panels are integrated (NC_MARCH_PANELS).
    """
    u = _unit_vector(l_deg, b_deg)
    slope = math.sqrt(u[0] * u[0] + u[1] * u[1])  # |d gap / ds| <= cos b
    n_cuts, nf, last_feature, n_spans = sightline_cuts(
        u, end, P, clump_par, void_par, arm_par, arm_coef, arm_grid, work[0])
    cuts, features, spans = work[0][0], work[0][1], work[0][2]
    nt = dm_targets.shape[0]
    nq = d_queries.shape[0]
    narm = arm_par.shape[0]
    it = 0
    iq = 0
    dm = m0 = m1 = m2 = miso = 0.0
    s = 0.0
    icut = 0
    flags = 0
    gap_s, gap_b = work[1][0], work[1][1]
    exact_s, exact_b = work[2][0], work[2][1]
    near_s, near_b = work[3][0], work[3][1]
    rate_s, rate_b = work[4][0], work[4][1]
    mask_s = _arm_gaps(0.0, 0.0, u, P, arm_par, arm_coef, arm_grid, gap_s, exact_s, near_s,
                       rate_s)
    fresh = np.int64(0)  # not a literal 0: numba would compile _next_arm_event for it too
    if mask_s < 0:
        flags |= NC_NEAREST
    n_panels_done = 0
    tail = False  # in the smooth tail: the thick disk alone, long panels, no arm events
    fresh_s = 0
    while flags == 0 and s < end and (it < nt or iq < nq or (nt == 0 and nq == 0)):
        if n_panels_done == MAX_PANELS:
            flags |= NC_MARCH_PANELS
            break
        while icut < n_cuts and cuts[icut] <= s:
            icut += 1
        seg_end = cuts[icut] if icut < n_cuts else end
        order = GL_ORDER
        if tail:
            b = min(seg_end, s + _tail_panel(s, u[2], dm, P))
        else:
            limit = _panel_limit(s, seg_end, u[2], features, nf, P)
            n_panels = max(1, math.ceil((seg_end - s) / limit - 1e-9))
            b = seg_end if n_panels == 1 else s + (seg_end - s) / n_panels
            mask_b = _arm_gaps(b, slope * (b - s), u, P, arm_par, arm_coef, arm_grid, gap_b,
                               exact_b, near_b, rate_b)
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
                                   gap_b, exact_b, near_b, rate_b)
                if mask_b < 0:
                    flags |= NC_NEAREST
                    break
            # inside a reach, the arm distance has a kink where its nearest branch jumps
            switch, bad = _next_branch_jump(s, b, mask_s | mask_b, slope, gap_s, gap_b, near_s,
                                            near_b, rate_s, rate_b, u, P, arm_par, arm_coef,
                                            arm_grid)
            if bad:
                flags |= bad
                break
            if switch < b:  # a branch jump or a fast turn (n_e bends sharply): full order
                b = switch
                fresh = 0
                mask_b = _arm_gaps(b, slope * (b - s), u, P, arm_par, arm_coef, arm_grid,
                                   gap_b, exact_b, near_b, rate_b)
                if mask_b < 0:
                    flags |= NC_NEAREST
                    break
            else:
                order = _panel_order(b - s, limit)
        # no arm's reach begins or ends inside the panel: those out of reach at both ends are
        # out of reach throughout, but for those crossed at s (whose grazes are not searched)
        mode = TAIL if tail else _local_in(s, b, spans, n_spans) | (
            (mask_s | mask_b | fresh_s) << ARM_SHIFT)
        if it == nt and iq < nq and d_queries[nq - 1] <= b:
            # every query left lies in this panel and no target does: integrate up to each
            # query only (the same integrals as below), never the whole panel
            for k in range(iq, nq):
                q = _panel(s, max(d_queries[k], s), u, P, arm_par, arm_coef, arm_grid,
                           clump_par, clump_cells, void_par, void_cells, mode, order)
                if math.isnan(q[0]):
                    flags |= NC_NEAREST
                    break
                _store(out_queries[k], dm + q[0], m0 + q[1], m1 + q[2], m2 + q[3],
                       miso + q[4], 1.0)
            iq = nq
            if flags == 0:
                s = max(d_queries[nq - 1], s)
                dm = out_queries[nq - 1, 0]
            break
        pdm, p0, p1, p2, piso = _panel(s, b, u, P, arm_par, arm_coef, arm_grid, clump_par,
                                       clump_cells, void_par, void_cells, mode, order)
        if math.isnan(pdm):
            flags |= NC_NEAREST
            break
        while it < nt and dm + pdm >= dm_targets[it]:
            hit, q, ok = _solve_in_panel(s, b, pdm, dm_targets[it] - dm, u, P, arm_par,
                                         arm_coef, arm_grid, clump_par, clump_cells, void_par,
                                         void_cells, SOLVE_MAX_ITER, mode, order)
            if not ok:
                flags |= NC_SOLVE
            _store(out_targets[it], hit, m0 + q[1], m1 + q[2], m2 + q[3], miso + q[4], 1.0)
            it += 1
        while iq < nq and d_queries[iq] <= b:
            q = _panel(s, max(d_queries[iq], s), u, P, arm_par, arm_coef, arm_grid, clump_par,
                       clump_cells, void_par, void_cells, mode, order)
            _store(out_queries[iq], dm + q[0], m0 + q[1], m1 + q[2], m2 + q[3], miso + q[4],
                   1.0)
            iq += 1
        if trail.shape[0] > 0:
            row = trail[n_panels_done % trail.shape[0]]
            row[0], row[1], row[2], row[3], row[4], row[5], row[6] = s, b, dm, m0, m1, m2, miso
            row[7] = mode
            row[8] = order
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
                near_s[a] = near_b[a]
                rate_s[a] = rate_b[a]
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
