"""The scratch arrays one thread's YMW16 rows share: their layout and :func:`march_work`.

Allocated once per batch (so that no row allocates): the zones and cuts of a sightline, the
n_e at a panel's nodes, the solver's and interpolant's scratch, the kept panels (``trail``,
columns T_*), DM targets and their distances, empty arrays, and the take-over search's disk
values and interval stack. Indices W_* name the entries of the tuple.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_ORDER

from . import cuts as C
from .take_over import STACK_DEPTH

TRAIL_PANELS = 64  # panels kept to find a limit row's DIST without integrating again
# The kept panels (``trail``): start, end, DM at start, components (local | parts), panel DM,
# then n_e at its GL_ORDER nodes.
T_START, T_END, T_DM, T_PARTS, T_PDM, T_VALUES = range(6)
TRAIL_COLUMNS = T_VALUES + GL_ORDER
# Scratch for :func:`~.sightline_march.march` and its helpers (see march_work).
(W_ZONES, W_CUTS, W_VALUES, W_SCRATCH, W_COEF, W_LEG, W_TRAIL, W_TARGETS, W_FOUND, W_NONE,
 W_NO_TRAIL, W_DISKS, W_STACK, W_GAPS) = range(14)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
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
