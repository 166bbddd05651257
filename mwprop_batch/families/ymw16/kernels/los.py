"""YMW16 line-of-sight kernels: converged DM integrals along many sightlines (pc inside).

The same engine as :mod:`mwprop_batch.families.ne.kernels.march` (its Gauss-Legendre rule from
:mod:`~mwprop_batch.kernels.quadrature`, and its chord and root helpers through
:mod:`~mwprop_batch.families.ymw16.kernels.cuts`), applied to YMW16's density
(:mod:`mwprop_batch.families.ymw16.kernels.density`); panels are planned by
:mod:`~mwprop_batch.families.ymw16.kernels.panels`, and cut where the governing component switches
by
:mod:`~mwprop_batch.families.ymw16.kernels.switch`. Each sightline is cut where the density jumps
or has a
kink: the Galactocentric radii and azimuths where arms begin and end, the warp and the disks'
radial edges start, the Carina enhancement switches, the Local Bubble's axis distance reaches
its radius (the thick-disk factor J_LB), and the edge of the Galaxy (R_g = 35 kpc); and,
found inside a panel, where a disk component reaches its cut-off height, a local feature
takes over or hands back (:mod:`~mwprop_batch.families.ymw16.kernels.switch`), and the thin disk and
the arms cross (:mod:`~mwprop_batch.families.ymw16.kernels.kinks`). The local features (Local
Bubble,
Gum Nebula, Loop I, Galactic centre) and, in Magellanic Cloud mode, the LMC, 30 Doradus and
SMC are zones bounded analytically; inside a zone the panels follow its smallest scale where
it governs (the Galactic centre, which adds to the disks, everywhere), and outside it the
feature is not evaluated. DM -> D starts from the panel's interpolating polynomial and is
polished by safeguarded Newton on the panel integral.

Sightlines toward the Magellanic Clouds (the box YMW16 uses, 265 < l < 315, -60 < b < -20)
run in YMW16's MC mode: the Galaxy out to R_g = 35 kpc, then the Clouds, to 100 kpc;
all others in Galactic mode, to 25 kpc (YMW16's horizons).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.convergence import (
    NC_CUTS,
    NC_KINK,
    NC_PANELS,
    NC_ROOT,
    NC_SWITCH,
    NC_TAKE_OVER,
)
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER, GL_WEIGHTS

from . import cuts as C
from . import density as K
from .kinks import first_kink
from .panels import DISK_PARTS, SWITCHING, segment
from .switch import (
    REGION_SHIFT,
    STACK_DEPTH,
    SWITCH_TOL,
    first_take_over,
    panel_regions,
    search_bounds,
    state,
    state_switch,
)

LEGENDRE_AT_NODES = np.array(
    [np.polynomial.legendre.legval(GL_NODES, np.eye(GL_ORDER)[j]) for j in range(GL_ORDER)])

ROOT_TOL = 1e-4  # pc: Newton stops when its step is below this (the root is then far closer)
LIMIT_TOL = 0.1  # pc: a limit row's DIST (a lower limit) is located to this
LIMIT_FRACTION = 1e-13  # a limit row's DIST: where the DM is within this fraction of its total
TRAIL_PANELS = 64  # panels kept to find a limit row's DIST without integrating again
SOLVE_STEPS = 60  # safeguarded Newton steps to place a DM target (bisection alone needs ~34)
MAX_PANELS = 10_000  # panels one sightline may take (30,000 seeded ones to the horizon: <= 93)
# The kept panels (``trail``): start, end, DM at start, components (local | parts), panel DM,
# then n_e at its GL_ORDER nodes.
T_START, T_END, T_DM, T_PARTS, T_PDM, T_VALUES = range(6)
TRAIL_COLUMNS = T_VALUES + GL_ORDER


@nb.njit(cache=True, inline="always")
def _ne(s: float, u, l_deg: float, local: int, mc: bool, frame, P,
        arms) -> tuple[float, float]:
    """n_e at distance s (pc) along the sightline, and thin disk minus arms n_e there."""
    x, y, z = C.along(s, u, P)
    if x * x + y * y + z * z <= P[K.GAL_RADIUS] ** 2:
        found = K.galaxy(x, y, z, l_deg, local, P, arms)
        return found[0], found[2] - found[3]
    if mc:
        return K.magellanic(s, frame, x, y, z, P), 0.0
    return 0.0, 0.0


@nb.njit(cache=True)
def _panel(a: float, b: float, u, l_deg: float, local: int, mc: bool, frame, P, arms,
           values, gaps) -> float:
    """Gauss-Legendre DM (pc cm^-3) over [a, b] pc; n_e at the nodes goes to ``values`` and
    thin disk minus arms to ``gaps`` (unless it is empty)."""
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    dm = 0.0
    for k in range(GL_ORDER):
        values[k], gap = _ne(mid + half * GL_NODES[k], u, l_deg, local, mc, frame, P, arms)
        if gaps.shape[0] > 0:
            gaps[k] = gap
        dm += GL_WEIGHTS[k] * values[k]
    return dm * half


@nb.njit(cache=True)
def _interpolant_root(values, need_per_half: float, t: float, coef, leg) -> float:
    """t in [-1, 1] where the integral from -1 of the polynomial through the node values
    reaches ``need_per_half`` (Newton from t, on the Legendre series; ``coef`` (GL_ORDER,)
    and ``leg`` (GL_ORDER + 1,) are scratch)."""
    for j in range(GL_ORDER):
        acc = 0.0
        for k in range(GL_ORDER):
            acc += GL_WEIGHTS[k] * values[k] * LEGENDRE_AT_NODES[j, k]
        coef[j] = 0.5 * (2 * j + 1) * acc
    for _ in range(30):
        leg[0], leg[1] = 1.0, t
        for j in range(1, GL_ORDER):
            leg[j + 1] = ((2 * j + 1) * t * leg[j] - j * leg[j - 1]) / (j + 1)
        value = coef[0] * (t + 1.0) - need_per_half
        slope = coef[0]
        for j in range(1, GL_ORDER):
            value += coef[j] * (leg[j + 1] - leg[j - 1]) / (2 * j + 1)
            slope += coef[j] * leg[j]
        if slope <= 0.0:
            break
        step = value / slope
        t = min(1.0, max(-1.0, t - step))
        if abs(step) < 1e-13:
            break
    return t


@nb.njit(cache=True)
def _solve(a: float, b: float, total: float, need: float, values, u, l_deg: float,
           local: int, mc: bool, frame, P, arms, tol: float, work) -> tuple[float, bool]:
    """s in [a, b] where the DM from a reaches ``need`` (of ``total`` over [a, b]; ``values``:
    n_e at the panel's nodes). Starts from the panel's interpolant (a starting point only,
    so its own step cap needs no flag), then polishes by safeguarded Newton on the
    Gauss-Legendre integral, to within ``tol`` pc (``work``: from :func:`march_work`).
    Returns s and whether it converged (False after SOLVE_STEPS steps)."""
    lo, hi = a, b
    half = 0.5 * (b - a)
    t0 = -1.0 + 2.0 * min(max(need / total, 0.0), 1.0) if total > 0.0 else 1.0
    s = 0.5 * (a + b) + half * _interpolant_root(values, need / half, t0, work[W_COEF],
                                                 work[W_LEG])
    scratch = work[W_SCRATCH]
    for _ in range(SOLVE_STEPS):
        value = _panel(a, s, u, l_deg, local, mc, frame, P, arms, scratch, work[W_NONE]) - need
        if value < 0.0:
            lo = s
        else:
            hi = s
        slope = _ne(s, u, l_deg, local, mc, frame, P, arms)[0]
        s_new = s - value / slope if slope > 0.0 else 0.5 * (lo + hi)
        if not (lo <= s_new <= hi):
            s_new = 0.5 * (lo + hi)
        if abs(s_new - s) < tol or hi - lo < tol:
            return s_new, True
        s = s_new
    return s, False


@nb.njit(cache=True)
def _nothing_beyond(s: float, u, mc: bool, zones, P) -> bool:
    """True when the density is zero everywhere beyond s (Galactic part only, or no MC)."""
    for k in range(C.N_ZONES):
        if zones[k, 1] > s:
            return False
    x, y, z = C.along(s, u, P)
    outgoing = x * u[0] + y * u[1] + z * u[2] >= 0.0
    if x * x + y * y + z * z > P[K.GAL_RADIUS] ** 2 and outgoing:
        return not mc
    # beyond |z| = 6 H1 + the largest warp, every Galactic component is cut off
    z_edge = P[K.CUT] * P[K.H1] + P[K.GAMMA_W] * (P[K.GAL_RADIUS] - P[K.R_WARP])
    return abs(z) > z_edge and z * u[2] > 0.0 and not mc


# Scratch for :func:`march` and its helpers, allocated once per batch (see march_work).
(W_ZONES, W_CUTS, W_VALUES, W_SCRATCH, W_COEF, W_LEG, W_TRAIL, W_TARGETS, W_FOUND, W_NONE,
 W_NO_TRAIL, W_DISKS, W_STACK, W_GAPS) = range(14)


@nb.njit(cache=True)
def march_work() -> tuple:
    """Scratch for one thread's rows: zones, cuts, node values, solver and interpolant
    scratch, the kept panels, DM targets and their distances, empty arrays, and the
    take-over search's disk values at the nodes and interval stack, and thin disk minus arms
    at the nodes."""
    return (np.empty((C.N_ZONES, 3)), np.empty(C.MAX_CUTS), np.empty(GL_ORDER),
            np.empty(GL_ORDER), np.empty(GL_ORDER), np.empty(GL_ORDER + 1),
            np.empty((TRAIL_PANELS, TRAIL_COLUMNS)), np.empty(3), np.empty(3), np.empty(0),
            np.empty((0, TRAIL_COLUMNS)), np.empty((GL_ORDER, 2)), np.empty((STACK_DEPTH, 6)),
            np.empty(GL_ORDER))


@nb.njit(cache=True)
def march(l_deg: float, b_deg: float, dm_targets: np.ndarray, d_queries: np.ndarray,
          end: float, out_targets: np.ndarray, out_queries: np.ndarray, trail: np.ndarray,
          P, arms, work) -> tuple[float, float, float, int, int]:
    """Integrate one sightline outward from the Sun (distances in pc).

    ``dm_targets`` (ascending): where the DM reaches each goes to ``out_targets[k]`` (NaN if
    not by ``end``); ``d_queries`` (ascending, pc): the DM there goes to ``out_queries[k]``.
    The last panels go to the ring buffer ``trail`` (rows: see T_*). ``work``: from
    :func:`march_work` (its zones, cuts and node values are used here).
    Returns (DM reached, distance reached, DM where the sightline left the Galaxy or NaN,
    number of panels, convergence flags NC_*); once a flag is set the march stops and its
    outputs are not to be used. At most MAX_PANELS panels are integrated (NC_PANELS).
    """
    u, mc, frame = C.sightline(l_deg, b_deg, P)
    zones = C.zones_of(u, mc, frame, l_deg, P, work[W_ZONES])
    cuts, complete = C.cuts_of(u, end, zones, arms, P, work[W_CUTS])
    gal_exit = C.sphere(0.0, 0.0, 0.0, P[K.GAL_RADIUS], u, P)[1]
    nt, nq = dm_targets.shape[0], d_queries.shape[0]
    it = iq = 0
    dm = 0.0
    dm_gal = np.nan
    s = 0.0
    icut = 0
    n_done = 0
    state_s = state(SWITCH_TOL, u, l_deg, 0, P, arms)
    local_s = 0
    flags = 0 if complete else NC_CUTS
    n_panels_done = 0  # every panel, empty ones too (n_done: those kept in the trail)
    reach = 0.0  # where the features that take over from the disks end
    for k in (C.Z_GUM, C.Z_LB, C.Z_LI):
        if zones[k, 1] > reach:
            reach = zones[k, 1]
    bounds = search_bounds(min(reach, end), u, l_deg, P, arms)
    values, gaps, none = work[W_VALUES], work[W_GAPS], work[W_NONE]
    thin_above = -1  # whether the thin disk is above the arms at s (-1: not known)
    while flags == 0 and s < end and (it < nt or iq < nq or (nt == 0 and nq == 0)):
        if n_panels_done == MAX_PANELS:
            flags |= NC_PANELS
            break
        n_panels_done += 1
        while icut < cuts.shape[0] and cuts[icut] <= s:
            icut += 1
        seg_end = cuts[icut] if icut < cuts.shape[0] else end
        local, parts, limit, feature_limit, empty, zero = segment(s, seg_end, u, zones, mc, P)
        both = parts & DISK_PARTS == DISK_PARTS  # the thin disk and the arms may cross
        if not both:
            thin_above = -1
        if empty:
            b, pdm = seg_end, 0.0
        elif zero:  # no component reaches it: the panels would all be zero
            b, pdm = seg_end, 0.0
            state_s = -1
        else:
            if local != local_s or state_s < 0:  # (-1: not known past a cut)
                state_s = state(s + SWITCH_TOL, u, l_deg, local | DISK_PARTS, P, arms)
                local_s = local
            if state_s >> REGION_SHIFT != K.DISKS:  # a feature governs: follow its scale
                limit = feature_limit
            n_panels = max(1, math.ceil((seg_end - s) / limit - 1e-9))
            b = seg_end if n_panels == 1 else s + (seg_end - s) / n_panels
            probe = b  # at a cut n_e may jump: look at the state on this panel's side of it
            if b == seg_end and b - s > 2.0 * SWITCH_TOL:
                probe = b - SWITCH_TOL
            state_b = state(probe, u, l_deg, parts, P, arms, state_s)
            if state_b != state_s:  # a component switches on or off, or takes over
                b, located = state_switch(s, probe, state_s, u, l_deg, parts, P, arms)
                if not located:
                    flags |= NC_SWITCH
                state_b = state(b, u, l_deg, parts, P, arms)
            elif probe != b:  # at a cut: the state past it is looked up when needed
                state_b = -1
            if parts & SWITCHING:  # a local feature may take over and hand back inside
                pdm, taken = panel_regions(s, b, u, l_deg, parts, P, arms, values,
                                           work[W_DISKS], gaps, state_s >> REGION_SHIFT)
                after = s
                inner = b  # where a feature governs: the node found, else b
                if taken < GL_ORDER:
                    inner = 0.5 * (s + b) + 0.5 * (b - s) * GL_NODES[taken]
                if state_s >> REGION_SHIFT == K.DISKS:  # the first take-over: between nodes?
                    after, inner, unsure = first_take_over(s, b, u, l_deg, parts, P, arms,
                                                           work[W_DISKS], work[W_STACK],
                                                           bounds, taken)
                    if unsure:
                        flags |= NC_TAKE_OVER
                if inner < b:  # (a crossing of the thin disk and arms here is not sought)
                    b, located = state_switch(after, inner, state_s, u, l_deg, parts, P, arms)
                    if not located:
                        flags |= NC_SWITCH
                    state_b = state(b, u, l_deg, parts, P, arms)
                    pdm = _panel(s, b, u, l_deg, parts, mc, frame, P, arms, values, none)
                    both, thin_above = False, -1
            else:
                pdm = _panel(s, b, u, l_deg, parts, mc, frame, P, arms, values, gaps)
            if both:  # n_e kinks where the thin disk and the arms cross: cut there
                kink, above, located = first_kink(s, b, thin_above, gaps, values, u, l_deg, P,
                                                  arms)
                if not located:
                    flags |= NC_KINK
                thin_above = 1 if above else 0
                if kink < b:  # (the state does not change before b)
                    b, state_b = kink, state_s
                    pdm = _panel(s, b, u, l_deg, parts, mc, frame, P, arms, values, none)
            state_s = state_b
        while it < nt and dm + pdm >= dm_targets[it]:
            out_targets[it], placed = _solve(s, b, pdm, dm_targets[it] - dm, values, u, l_deg,
                                             parts, mc, frame, P, arms, ROOT_TOL, work)
            if not placed:
                flags |= NC_ROOT
            it += 1
        while iq < nq and d_queries[iq] <= b:
            q = max(d_queries[iq], s)
            out_queries[iq] = dm + (_panel(s, q, u, l_deg, parts, mc, frame, P, arms,
                                           work[W_SCRATCH], none)
                                    if not (empty or zero) else 0.0)
            iq += 1
        if trail.shape[0] > 0 and pdm > 0.0:
            row = trail[n_done % trail.shape[0]]
            row[T_START], row[T_END], row[T_DM], row[T_PARTS], row[T_PDM] = s, b, dm, parts, pdm
            row[T_VALUES:] = values
            n_done += 1
        dm += pdm
        s = b
        if math.isnan(dm_gal) and s >= gal_exit:
            dm_gal = dm
        if _nothing_beyond(s, u, mc, zones, P):
            break
    for k in range(iq, nq):
        out_queries[k] = dm
    for k in range(it, nt):
        out_targets[k] = np.nan
    return dm, s, dm_gal, n_done, flags


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def tau_1ghz(dm: float, dm_gal: float, beyond: bool, P) -> float:
    """YMW16's scattering time (s at 1 GHz) for a DM; for a source beyond the Galaxy in MC
    mode (dm_gal: the DM where the sightline left it) the larger of half the Galactic and
    half the Cloud value."""

    def tsc(x):
        return P[K.TAU_A] * x ** P[K.TAU_P] * (1.0 + P[K.TAU_Q] * x * x)

    if not beyond or math.isnan(dm_gal):
        return tsc(dm)
    return max(0.5 * tsc(dm_gal), 0.5 * tsc(max(dm - dm_gal, 0.0)))


@nb.njit(cache=True)
def galaxy_exit(l_deg: float, b_deg: float, P) -> float:
    """Distance (pc) where the sightline leaves the Galaxy (R_g = galaxy_radius)."""
    u = C.sightline(l_deg, b_deg, P)[0]
    return C.sphere(0.0, 0.0, 0.0, P[K.GAL_RADIUS], u, P)[1]


# ---------------------------------------------------------------------------------------------
# Batches: one sightline per row, rows in parallel. Invalid rows (``valid`` False) give NaN.

DM_TO_DIST_COLUMNS = ("DIST", "DM", "limit", "DIST_LO", "DIST_HI", "TAU1", "MC", "limit_hi",
                      "flags")


@nb.njit(cache=True)
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


@nb.njit(cache=True, nogil=True)
def dm_to_dist_batch(l_deg, b_deg, dm, dm_err, valid, P, arms) -> np.ndarray:
    """(n, len(DM_TO_DIST_COLUMNS)): distance (pc), DM, limit flag, DM-error interval (pc),
    tau at 1 GHz (s), MC-mode flag, whether the interval's upper end is a lower limit, and
    the convergence flags (NC_*; the results are NaN where they are not 0)."""
    n = l_deg.shape[0]
    out = np.full((n, len(DM_TO_DIST_COLUMNS)), np.nan)
    work = march_work()
    for i in range(n):
        if valid[i]:
            _dm_to_dist_row(l_deg[i], b_deg[i], dm[i], dm_err[i], out[i], P, arms, work)
    return out


@nb.njit(cache=True)
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
def dm_profile_batch(l_deg, b_deg, dist, valid, P, arms) -> tuple[np.ndarray, np.ndarray]:
    """(n, m, 2): DM and tau at 1 GHz (s) at the m distances (pc) of each row of ``dist``
    (0 at distance 0; NaN where a distance is not finite or negative), and (n,) convergence
    flags (NC_*; a row whose flags are not 0 is NaN)."""
    n, m = dist.shape
    out = np.full((n, m, 2), np.nan)
    flags = np.zeros(n, np.int64)
    work = march_work()
    order = np.empty(m, np.int64)
    queries = np.empty(m)
    found = np.empty(m)
    for i in range(n):
        if not valid[i]:
            continue
        for k in range(m):  # nothing lies between the Sun and itself
            if dist[i, k] == 0.0:
                out[i, k, 0] = out[i, k, 1] = 0.0
        n_keep = _usable_in_order(dist[i], order)
        if n_keep == 0:
            continue
        for k in range(n_keep):
            queries[k] = dist[i, order[k]]
        end = max(horizon(l_deg[i], b_deg[i], P), queries[n_keep - 1])
        _, _, dm_gal, _, flags[i] = march(l_deg[i], b_deg[i], work[W_NONE], queries[:n_keep],
                                          end, work[W_NONE], found[:n_keep], work[W_NO_TRAIL],
                                          P, arms, work)
        if flags[i] != 0:
            out[i, :, :] = np.nan
            continue
        exit_pc = galaxy_exit(l_deg[i], b_deg[i], P)
        for k in range(n_keep):
            out[i, order[k], 0] = found[k]
            out[i, order[k], 1] = tau_1ghz(found[k], dm_gal, queries[k] >= exit_pc, P)
    return out, flags


@nb.njit(cache=True, nogil=True)
def dm_max_batch(l_deg, b_deg, valid, P, arms) -> np.ndarray:
    """(n, 3): DM to YMW16's horizon (pc cm^-3), the distance (pc) where it stopped, and the
    convergence flags (NaN DM and distance where they are not 0)."""
    n = l_deg.shape[0]
    out = np.full((n, 3), np.nan)
    work = march_work()
    none = work[W_NONE]
    for i in range(n):
        if valid[i]:
            total, reached, _, _, bad = march(l_deg[i], b_deg[i], none, none,
                                              horizon(l_deg[i], b_deg[i], P), none, none,
                                              work[W_NO_TRAIL], P, arms, work)
            out[i, 2] = bad
            if bad == 0:
                out[i, 0], out[i, 1] = total, reached
    return out
