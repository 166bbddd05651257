"""Line-of-sight batch kernels: one sightline per row, converged DM and scattering moments.

Each row is marched alone (:func:`.march.march`, on the cuts of :mod:`.cuts` and the arm-reach
crossings of :mod:`.crossings`), so results do not depend on how rows are batched or how
many threads run. Invalid rows (``valid`` False) give NaN; a row whose march did not converge
gives NaN results and its NC_* bits (:mod:`.convergence`) in its flags.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .convergence import NC_SOLVE
from .cuts import _unit_vector
from .layout import P_MAXDIST
from .march import N_OUT, SOLVE_MAX_ITER, TRAIL_COLUMNS, _panel, _solve_in_panel, march

LIMIT_FRACTION = 1e-13  # a limit row's DIST: where the DM is within this fraction of its total
TRAIL_PANELS = 256  # panels kept to find a limit row's DIST without integrating again
DM_TO_DIST_COLUMNS = ("DIST", "DM", "limit", "M0", "M1", "M2", "MISO", "DIST_LO", "DIST_HI",
                      "limit_hi", "flags")


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
