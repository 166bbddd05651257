"""Integrate one YMW16 sightline outward from the Sun: panels between cuts, targets, queries.

Each sightline is cut (:mod:`.cuts`) where the density jumps or has a kink, and panels are
planned by :mod:`.panels`. The local features (Local Bubble, Gum Nebula, Loop I, Galactic
centre) and, in Magellanic Cloud mode, the LMC, 30 Doradus and SMC are zones bounded
analytically; inside a zone the panels follow its smallest scale where it governs. Found
inside a panel, where a disk component reaches its cut-off
height, a local feature takes over or hands back (:mod:`.switch`, :mod:`.take_over`), and
the thin disk and the arms cross (:mod:`.kinks`), the panel is cut there. Panels are
integrated and DM targets placed by :mod:`.panel_integrals`. Distances in pc.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER

from . import cuts as C
from . import density as K
from .flags import (
    NC_CUTS,
    NC_KINK,
    NC_PANELS,
    NC_ROOT,
    NC_SWITCH,
    NC_TAKE_OVER,
)
from .kinks import first_kink
from .panel_integrals import _panel, _solve
from .panels import DISK_PARTS, SWITCHING, segment
from .row_scratch import (
    T_DM,
    T_END,
    T_PARTS,
    T_PDM,
    T_START,
    T_VALUES,
    W_CUTS,
    W_DISKS,
    W_GAPS,
    W_NONE,
    W_SCRATCH,
    W_STACK,
    W_VALUES,
    W_ZONES,
)
from .switch import REGION_SHIFT, SWITCH_TOL, panel_regions, state, state_switch
from .take_over import first_take_over, search_bounds

ROOT_TOL = 1e-4  # pc: Newton stops when its step is below this (the root is then far closer)
MAX_PANELS = 10_000  # panels one sightline may take (30,000 seeded ones to the horizon: <= 93)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
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


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def march(l_deg: float, b_deg: float, dm_targets: np.ndarray, d_queries: np.ndarray,
          end: float, out_targets: np.ndarray, out_queries: np.ndarray, trail: np.ndarray,
          P, arms, work) -> tuple[float, float, float, int, int]:
    """Integrate one sightline outward from the Sun (distances in pc).

    ``dm_targets`` (ascending): where the DM reaches each goes to ``out_targets[k]`` (NaN if
    not by ``end``); ``d_queries`` (ascending, pc): the DM there goes to ``out_queries[k]``.
    The last panels go to the ring buffer ``trail`` (rows: see T_*). ``work``: from
    :func:`.row_scratch.march_work` (its zones, cuts and node values are used here).
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
    # (int64 values, not literals: numba would compile a callee for each literal too)
    state_s = state(SWITCH_TOL, u, l_deg, np.int64(0), P, arms, np.int64(-1))
    local_s = 0
    flags = 0 if complete else NC_CUTS
    n_panels_done = 0  # every panel, empty ones too (n_done: those kept in the trail)
    reach = 0.0  # where the features that take over from the disks end
    for k in (C.Z_GUM, C.Z_LB, C.Z_LI):
        if zones[k, 1] > reach:
            reach = zones[k, 1]
    bounds = search_bounds(min(reach, end), u, l_deg, P, arms)
    values, gaps, none = work[W_VALUES], work[W_GAPS], work[W_NONE]
    thin_above = np.int64(-1)  # whether the thin disk is above the arms at s (-1: not known)
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
            thin_above = np.int64(-1)
        if empty:
            b, pdm = seg_end, 0.0
        elif zero:  # no component reaches it: the panels would all be zero
            b, pdm = seg_end, 0.0
            state_s = -1
        else:
            if local != local_s or state_s < 0:  # (-1: not known past a cut)
                state_s = state(s + SWITCH_TOL, u, l_deg, local | DISK_PARTS, P, arms,
                                np.int64(-1))
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
                state_b = state(b, u, l_deg, parts, P, arms, np.int64(-1))
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
                    state_b = state(b, u, l_deg, parts, P, arms, np.int64(-1))
                    pdm = _panel(s, b, u, l_deg, parts, mc, frame, P, arms, values, none)
                    both, thin_above = False, np.int64(-1)
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
            for node in range(GL_ORDER):  # (a slice assignment compiles its error message)
                row[T_VALUES + node] = values[node]
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
