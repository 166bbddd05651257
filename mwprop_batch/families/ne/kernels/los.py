"""Line-of-sight batch kernel: one sightline per row, converged DM and scattering moments.

One kernel, :func:`los_batch`, serves DM -> D, D -> DM (profiles) and DM_max by its mode: numba
links the march (and everything it calls) into every kernel that calls it and optimises and
generates it again there, so one kernel compiles it once, not three times. Each row is marched
alone (:func:`.march.march`, on the cuts of :mod:`.cuts` and the arm-reach
crossings of :mod:`.crossings`), so results do not depend on how rows are batched or how
many threads run. Invalid rows (``valid`` False) give NaN; a row whose march did not converge
gives NaN results and its NC_* bits (:mod:`.convergence`) in its flags.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from .cuts import _unit_vector
from .flags import NC_SOLVE
from .layout import P_MAXDIST
from .march import N_OUT, TRAIL_COLUMNS, march, march_work
from .panel_quadrature import SOLVE_MAX_ITER, _panel, _solve_in_panel

# a limit row's DIST: where the DM is within this fraction of its total; a DM that close to
# the total (whose distance the model does not determine) is a limit row's
LIMIT_FRACTION = 1e-13
TRAIL_PANELS = 256  # panels kept to find a limit row's DIST without integrating again
DM_TO_DIST_COLUMNS = ("DIST", "DM", "limit", "M0", "M1", "M2", "MISO", "DIST_LO", "DIST_HI",
                      "limit_hi", "flags")


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _row_work(arm_par, clump_par, void_par) -> tuple:
    """Scratch for the rows of one batch: (march work, DM targets, their results, the kept
    panels, an empty 1-D array, an empty result array, an empty trail, a limit row's s and
    moments); allocated once per batch, so no row allocates."""
    return (march_work(arm_par, clump_par, void_par), np.empty(3), np.empty((3, N_OUT)),
            np.empty((TRAIL_PANELS, TRAIL_COLUMNS)), np.empty(0), np.empty((0, N_OUT)),
            np.empty((0, TRAIL_COLUMNS)), np.empty(5))


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _limit_distance(
    l_deg: float, b_deg: float, target: float, trail: np.ndarray, n_done: int, row: np.ndarray,
    work: tuple, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> int:
    """Where the DM reaches ``target`` (just below the total): from the kept panels if they
    hold it, else by integrating the sightline again (with ``work`` from :func:`_row_work`,
    whose targets and results it overwrites). Writes s and moments into row[0:5]; returns
    convergence flags (NC_*)."""
    u = _unit_vector(l_deg, b_deg)
    ring = trail.shape[0]
    for back in range(min(n_done, ring)):
        panel = trail[(n_done - 1 - back) % ring]
        if panel[2] < target:
            a, b = panel[0], panel[1]
            mode, order = int(panel[7]), int(panel[8])
            pdm = _panel(a, b, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                         void_par, void_cells, mode, order)[0]
            if panel[2] + pdm < target:
                break  # the target lies in a later panel: not kept exactly, integrate again
            hit, q, ok = _solve_in_panel(a, b, pdm, target - panel[2], u, P, arm_par,
                                         arm_coef, arm_grid, clump_par, clump_cells, void_par,
                                         void_cells, SOLVE_MAX_ITER, mode, order)
            row[0] = hit
            for k in range(4):
                row[1 + k] = panel[3 + k] + q[1 + k]
            return 0 if ok else NC_SOLVE
    targets, edge = work[1][:1], work[2][:1]
    targets[0] = target
    flags = march(l_deg, b_deg, targets, work[4], P[P_MAXDIST], edge, work[5], work[6],
                  work[0], P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                  void_cells)[3]
    for k in range(5):  # element by element: a slice copy compiles a formatted error
        row[k] = edge[0, k]
    return flags


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _dm_to_dist_row(
    l_deg: float, b_deg: float, dm: float, err: float, row: np.ndarray, work: tuple, P,
    arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> None:
    """One DM_TO_DIST row of :func:`los_batch` (see DM_TO_DIST_COLUMNS); ``work`` from
    :func:`_row_work`."""
    with_err = err > 0.0
    if with_err:
        targets, found = work[1], work[2]
        targets[0], targets[1], targets[2] = max(dm - err, 0.0), dm, dm + err
        main = 1
    else:
        targets, found = work[1][:1], work[2][:1]
        targets[0] = dm
        main = 0
    trail = work[3]
    total, _, n_done, flags = march(l_deg, b_deg, targets, work[4], P[P_MAXDIST], found,
                                    work[5], trail, work[0], P, arm_par, arm_coef, arm_grid,
                                    clump_par, clump_cells, void_par, void_cells)
    edge = work[7]
    edge[:] = np.nan
    n_targets = 3 if with_err else 1
    reached = 0  # bit k: target k reached (kept apart: _limit_distance reuses found)
    for k in range(n_targets):
        if found[k, 5] == 1.0:
            reached |= 1 << k
    near = False  # a target reached within LIMIT_FRACTION of the DM where the march stopped
    for k in range(n_targets):
        if (reached >> k) & 1 and targets[k] >= total * (1.0 - LIMIT_FRACTION):
            near = True
    if flags == 0 and near:
        # its distance is not determined if it is that close to the sightline's total (the
        # DM all but stops growing there): a limit row's, like a target beyond the total
        if (reached >> (n_targets - 1)) & 1:  # the march stopped there: go on to the end
            total, _, n_done, flags = march(l_deg, b_deg, work[4], work[4], P[P_MAXDIST],
                                            work[5], work[5], trail, work[0], P, arm_par,
                                            arm_coef, arm_grid, clump_par, clump_cells,
                                            void_par, void_cells)
        for k in range(n_targets):
            if targets[k] >= total * (1.0 - LIMIT_FRACTION):
                reached &= ~(1 << k)
    s_found = (found[0, 0], found[main, 0], found[n_targets - 1, 0])
    m_found = (found[main, 1], found[main, 2], found[main, 3], found[main, 4])
    if flags == 0 and not (reached >> (n_targets - 1)) & 1:  # some target is out of reach
        flags |= _limit_distance(l_deg, b_deg, total * (1.0 - LIMIT_FRACTION), trail, n_done,
                                 edge, work, P, arm_par, arm_coef, arm_grid, clump_par,
                                 clump_cells, void_par, void_cells)
    row[10] = flags
    if flags != 0:
        return
    if (reached >> main) & 1:
        row[0] = s_found[1]
        row[1] = dm
        row[2] = 0.0
        for k in range(4):
            row[3 + k] = m_found[k]
    else:  # the model runs out of electrons: DIST is a lower limit, DM the largest reached
        row[0] = edge[0]
        row[1] = total
        row[2] = 1.0
        for k in range(4):
            row[3 + k] = edge[1 + k]
    if with_err:
        row[7] = s_found[0] if reached & 1 else edge[0]
        reached_hi = (reached >> 2) & 1 == 1
        row[8] = s_found[2] if reached_hi else edge[0]
        row[9] = 0.0 if reached_hi else 1.0
    else:  # no error (or dm_err = 0): the interval is the point
        row[7] = row[0]
        row[8] = row[0]
        row[9] = row[2]


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _ascending_positive(values: np.ndarray, order: np.ndarray) -> int:
    """Indices of the finite, positive ``values`` in ascending order of value, into ``order``
    (insertion sort: rows hold few distances); returns how many."""
    n = 0
    for k in range(values.shape[0]):
        v = values[k]
        if not (math.isfinite(v) and v > 0.0):
            continue
        j = n - 1
        while j >= 0 and values[order[j]] > v:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k
        n += 1
    return n


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _profile_row(
    l_deg: float, b_deg: float, dist: np.ndarray, out: np.ndarray, work: tuple, order, queries,
    found, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
) -> int:
    """One row of a DM_PROFILE :func:`los_batch`: DM and moments at the distances ``dist``
    into ``out`` (m, 5); returns the convergence flags (``order``, ``queries``, ``found``:
    scratch of m entries)."""
    m = dist.shape[0]
    for k in range(m):
        if dist[k] == 0.0:
            out[k, :] = 0.0
    nk = _ascending_positive(dist, order)
    if nk == 0:
        return 0
    for k in range(nk):
        queries[k] = dist[order[k]]
    bad = march(l_deg, b_deg, work[4], queries[:nk], max(P[P_MAXDIST], queries[nk - 1]),
                work[5], found[:nk], work[6], work[0], P, arm_par, arm_coef, arm_grid,
                clump_par, clump_cells, void_par, void_cells)[3]
    if bad != 0:
        out[:, :] = np.nan
        return bad
    for k in range(nk):
        for c in range(5):
            out[order[k], c] = found[k, c]
    return 0


# what los_batch computes: its last argument
DM_TO_DIST, DM_PROFILE, DM_MAX = 0, 1, 2
DM_MAX_COLUMNS = ("DM", "DIST", "flags")


@nb.njit(cache=True, nogil=True)
def los_batch(
    l_deg, b_deg, dm, dm_err, dist, valid, P, arm_par, arm_coef, arm_grid, clump_par,
    clump_cells, void_par, void_cells, mode,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every line-of-sight result of the NE models, one kernel for all (one compile of the
    march): (table, profile, flags) of the rows, by ``mode``:

    * DM_TO_DIST (uses ``dm``, ``dm_err``): table (n, len(DM_TO_DIST_COLUMNS)): distance,
      DM, limit flag, moments, distance interval, whether its upper end is a lower limit,
      convergence flags;
    * DM_PROFILE (uses ``dist``, (n, m) kpc): profile (n, m, 5) DM and moments at each
      distance (0 gives 0; NaN or negative, NaN), and the rows' convergence flags (NaN
      profile where they are not 0);
    * DM_MAX: table (n, 3) (DM_MAX_COLUMNS): DM integrated to the model's edge (pc cm^-3),
      the distance where it stopped, the convergence flags (NaN DM and distance where they
      are not 0).

    The other results have no columns (``dist`` has none but for DM_PROFILE); flags are 0
    but for DM_PROFILE. Invalid rows give NaN.
    """
    n = l_deg.shape[0]
    m = dist.shape[1]
    width = len(DM_TO_DIST_COLUMNS) if mode == DM_TO_DIST else (
        len(DM_MAX_COLUMNS) if mode == DM_MAX else 0)
    table = np.full((n, width), np.nan)
    profile = np.full((n, m, 5), np.nan)
    flags = np.zeros(n, np.int64)
    work = _row_work(arm_par, clump_par, void_par)
    order = np.empty(m, np.int64)
    queries = np.empty(m)
    found = np.empty((m, N_OUT))
    for i in range(n):
        if not valid[i]:
            continue
        if mode == DM_TO_DIST:
            _dm_to_dist_row(l_deg[i], b_deg[i], dm[i], dm_err[i], table[i], work, P, arm_par,
                            arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells)
        elif mode == DM_PROFILE:
            flags[i] = _profile_row(l_deg[i], b_deg[i], dist[i], profile[i], work, order,
                                    queries, found, P, arm_par, arm_coef, arm_grid,
                                    clump_par, clump_cells, void_par, void_cells)
        else:
            total, reached, _, bad = march(l_deg[i], b_deg[i], work[4], work[4], P[P_MAXDIST],
                                           work[5], work[5], work[6], work[0], P, arm_par,
                                           arm_coef, arm_grid, clump_par, clump_cells,
                                           void_par, void_cells)
            table[i, 2] = bad
            if bad == 0:
                table[i, 0] = total
                table[i, 1] = reached
    return table, profile, flags
