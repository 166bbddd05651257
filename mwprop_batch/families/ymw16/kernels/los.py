"""YMW16's line-of-sight batch kernel: DM -> D, D -> DM (profiles) and DM_max, by a mode.

Each row is integrated outward from the Sun by :func:`.sightline_march.march` (distances in
pc inside; its panels planned by :mod:`.panels`, cut where the governing component switches
by :mod:`.switch` and :mod:`.take_over` and where the thin disk and the arms cross by
:mod:`.kinks`, integrated by :mod:`.panel_integrals`), on YMW16's density
(:mod:`.density`, :mod:`.combination`). A limit row's DIST (a lower limit, where the DM
stops growing) is placed from the kept panels (:func:`_limit_distance`).

Sightlines toward the Magellanic Clouds (the box YMW16 uses, 265 < l < 315, -60 < b < -20)
run in YMW16's MC mode: the Galaxy out to R_g = 35 kpc, then the Clouds, to 100 kpc;
all others in Galactic mode, to 25 kpc (YMW16's horizons).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from . import cuts as C
from . import density as K
from .flags import NC_ROOT
from .panel_integrals import _solve
from .row_scratch import (
    T_DM,
    T_END,
    T_PARTS,
    T_PDM,
    T_START,
    T_VALUES,
    W_FOUND,
    W_NO_TRAIL,
    W_NONE,
    W_TARGETS,
    W_TRAIL,
    march_work,
)
from .sightline_march import march

LIMIT_TOL = 0.1  # pc: a limit row's DIST (a lower limit) is located to this
LIMIT_FRACTION = 1e-13  # a limit row's DIST: where the DM is within this fraction of its total


@nb.njit(cache=True, inline="always")
def _limit_distance(l_deg: float, b_deg: float, target: float, end: float, trail,
                    n_done: int, P, arms, work) -> tuple[float, int]:
    """Where the DM reaches ``target`` (just below the total): from the kept panels if they
    hold it, else by integrating the sightline again; and the convergence flags (NC_*) of
    that search."""
    ring = trail.shape[0]
    u, mc, frame = C.sightline(l_deg, b_deg, P)
    for back in range(min(n_done, ring)):
        row = trail[(n_done - 1 - back) % ring]
        dm_a = row[T_DM]
        if dm_a < target:
            if dm_a + row[T_PDM] < target:
                break
            found, placed = _solve(row[T_START], row[T_END], row[T_PDM], target - dm_a,
                                   row[T_VALUES:], u, l_deg, int(row[T_PARTS]), mc, frame, P,
                                   arms, LIMIT_TOL, work)
            return found, 0 if placed else NC_ROOT
    one, found = work[W_TARGETS][:1], work[W_FOUND][:1]
    one[0] = target
    flags = march(l_deg, b_deg, one, work[W_NONE], end, found, work[W_NONE], work[W_NO_TRAIL],
                  P, arms, work)[4]
    return found[0], flags


@nb.njit(cache=True, inline="always")
def horizon(l_deg: float, b_deg: float, P) -> float:
    """YMW16's sightline end (pc): 100 kpc in MC mode, 25 kpc otherwise."""
    return P[K.MC_HORIZON] if K.in_mc_region(l_deg, b_deg, P) else P[K.GAL_HORIZON]


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def tau_1ghz(dm: float, dm_gal: float, beyond: bool, P) -> float:
    """YMW16's scattering time (s at 1 GHz) for a DM; for a source beyond the Galaxy in MC
    mode (dm_gal: the DM where the sightline left it) the larger of half the Galactic and
    half the Cloud value."""

    def tsc(x):
        return P[K.TAU_A] * x ** P[K.TAU_P] * (1.0 + P[K.TAU_Q] * x * x)

    if not beyond or math.isnan(dm_gal):
        return tsc(dm)
    return max(0.5 * tsc(dm_gal), 0.5 * tsc(max(dm - dm_gal, 0.0)))


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def galaxy_exit(l_deg: float, b_deg: float, P) -> float:
    """Distance (pc) where the sightline leaves the Galaxy (R_g = galaxy_radius)."""
    u = C.sightline(l_deg, b_deg, P)[0]
    return C.sphere(0.0, 0.0, 0.0, P[K.GAL_RADIUS], u, P)[1]


# ---------------------------------------------------------------------------------------------
# Batches: one sightline per row, rows in parallel. Invalid rows (``valid`` False) give NaN.

DM_TO_DIST_COLUMNS = ("DIST", "DM", "limit", "DIST_LO", "DIST_HI", "TAU1", "MC", "limit_hi",
                      "flags")
DM_TO_DIST, PROFILE, DM_MAX = range(3)  # the queries (modes) of sightline_batch


@nb.njit(cache=True, inline="always")
def _dm_to_dist_row(l_deg: float, b_deg: float, dm: float, err: float, row, P, arms,
                    work) -> None:
    with_err = err > 0.0
    targets = work[W_TARGETS][:3] if with_err else work[W_TARGETS][:1]
    if with_err:
        targets[0], targets[1], targets[2] = max(dm - err, 0.0), dm, dm + err
    else:
        targets[0] = dm
    main = 1 if with_err else 0
    found = work[W_FOUND][:targets.shape[0]]
    end = horizon(l_deg, b_deg, P)
    trail = work[W_TRAIL]
    total, _, dm_gal, n_done, flags = march(l_deg, b_deg, targets, work[W_NONE], end, found,
                                            work[W_NONE], trail, P, arms, work)
    row[6] = 1.0 if K.in_mc_region(l_deg, b_deg, P) else 0.0
    row[8] = flags
    if flags != 0:  # a result that cannot be vouched for is not given (the row stays NaN)
        return
    # (the limit search below reuses the scratch)
    found_lo, found_main, found_hi = found[0], found[main], found[targets.shape[0] - 1]
    reached_hi = not math.isnan(found_hi)
    edge = np.nan  # where the DM stops growing: the model's lower limit on any farther target
    if not reached_hi:
        edge, flags = _limit_distance(l_deg, b_deg, total * (1.0 - LIMIT_FRACTION), end,
                                      trail, n_done, P, arms, work)
        if flags != 0:
            row[8] = flags
            return
    if not math.isnan(found_main):
        row[0], row[1], row[2] = found_main, dm, 0.0
    else:  # the model runs out of electrons: DIST is a lower limit, DM the largest reached
        row[0], row[1], row[2] = edge, total, 1.0
    if with_err:
        row[3] = found_lo if not math.isnan(found_lo) else edge
        row[4] = found_hi if reached_hi else edge
        row[7] = 0.0 if reached_hi else 1.0
    else:  # no error (or dm_err = 0): the interval is the point
        row[3] = row[4] = row[0]
        row[7] = row[2]
    # YMW16 scales tau from the DM asked for, or in MC mode from what the Clouds reached
    beyond = row[2] == 1.0 or row[0] >= galaxy_exit(l_deg, b_deg, P)
    row[5] = tau_1ghz(total if row[2] == 1.0 and not math.isnan(dm_gal) else dm, dm_gal, beyond,
                      P)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _usable_in_order(dist, order) -> int:
    """Indices of the finite, positive entries of ``dist`` into ``order``, sorted by distance
    (stable insertion sort: rows hold a few distances); returns how many."""
    n = 0
    for k in range(dist.shape[0]):
        d = dist[k]
        if math.isfinite(d) and d > 0.0:
            j = n
            while j > 0 and dist[order[j - 1]] > d:
                order[j] = order[j - 1]
                j -= 1
            order[j] = k
            n += 1
    return n


@nb.njit(cache=True, nogil=True)
def sightline_batch(l_deg, b_deg, values, dm_err, valid, P, arms,
                    mode) -> tuple[np.ndarray, np.ndarray]:
    """Every YMW16 line-of-sight query, by ``mode`` (one kernel: the march is compiled and
    linked once, not once per query):

    * DM_TO_DIST: ``values`` (n, 1) DMs, ``dm_err`` (n,) their errors (0: none) -> (n, 1,
      len(DM_TO_DIST_COLUMNS)): distance (pc), DM, limit flag, DM-error interval (pc), tau
      at 1 GHz (s), MC-mode flag, whether the interval's upper end is a lower limit, and the
      convergence flags (NC_*; the results are NaN where they are not 0);
    * PROFILE: ``values`` (n, m) distances (pc) -> (n, m, 2): DM and tau at 1 GHz (s) there
      (0 at distance 0; NaN where a distance is not finite or negative, and where the row's
      flags are not 0);
    * DM_MAX: ``values`` (n, 0) -> (n, 1, 3): DM to YMW16's horizon (pc cm^-3), the distance
      (pc) where it stopped, and the convergence flags (NaN DM and distance where they are
      not 0);

    and each row's convergence flags (n,). ``dm_err`` is read in DM_TO_DIST only."""
    n, m = values.shape
    width = len(DM_TO_DIST_COLUMNS) if mode == DM_TO_DIST else 2 if mode == PROFILE else 3
    out = np.full((n, m if mode == PROFILE else 1, width), np.nan)
    flags = np.zeros(n, np.int64)
    work = march_work()
    none = work[W_NONE]
    order = np.empty(m, np.int64)
    queries = np.empty(m)
    found = np.empty(m)
    for i in range(n):
        if not valid[i]:
            continue
        if mode == DM_TO_DIST:
            _dm_to_dist_row(l_deg[i], b_deg[i], values[i, 0], dm_err[i], out[i, 0], P, arms,
                            work)
            flags[i] = int(out[i, 0, width - 1])
        elif mode == DM_MAX:
            total, reached, _, _, flags[i] = march(l_deg[i], b_deg[i], none, none,
                                                   horizon(l_deg[i], b_deg[i], P), none, none,
                                                   work[W_NO_TRAIL], P, arms, work)
            out[i, 0, 2] = flags[i]
            if flags[i] == 0:
                out[i, 0, 0], out[i, 0, 1] = total, reached
        else:
            for k in range(m):  # nothing lies between the Sun and itself
                if values[i, k] == 0.0:
                    out[i, k, 0] = out[i, k, 1] = 0.0
            n_keep = _usable_in_order(values[i], order)
            if n_keep == 0:
                continue
            for k in range(n_keep):
                queries[k] = values[i, order[k]]
            end = max(horizon(l_deg[i], b_deg[i], P), queries[n_keep - 1])
            _, _, dm_gal, _, flags[i] = march(l_deg[i], b_deg[i], none, queries[:n_keep], end,
                                              none, found[:n_keep], work[W_NO_TRAIL], P, arms,
                                              work)
            if flags[i] != 0:
                out[i, :, :] = np.nan
                continue
            exit_pc = galaxy_exit(l_deg[i], b_deg[i], P)
            for k in range(n_keep):
                out[i, order[k], 0] = found[k]
                out[i, order[k], 1] = tau_1ghz(found[k], dm_gal, queries[k] >= exit_pc, P)
    return out, flags
