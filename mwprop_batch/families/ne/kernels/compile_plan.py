"""The march's callees a second process can compile while the first compiles the rest.

numba compiles :func:`.march`'s callees one at a time, as it types each call. Given the
kernel tables, :func:`march_callees` names the callees that take longest to compile with the
argument types :func:`.march` and :func:`.cuts.sightline_cuts` call them with, in the order
they first do so (after the sightline's cuts, which come first). A child process compiles
them into numba's cache while the parent compiles the cuts (:mod:`mwprop_batch.core.
compile_ahead`); tests/test_compile_ahead.py checks that each signature is the one the march
asks for.
"""

from __future__ import annotations

import numba as nb
from numba.core import types

from .crossings import _arm_gaps, _next_arm_event
from .cuts import _arm_kinks
from .lhb import lhb_cuts
from .panel_quadrature import SOLVE_MAX_ITER, _panel, _solve_in_panel


def march_callees(P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
                  *_) -> list[tuple[object, tuple]]:
    """(kernel, numba signature) of the march's slowest callees to compile, in the order the
    march reaches them, for these tables (the line-of-sight kernel's arguments after its
    rows; any further ones ignored)."""
    real, integer = types.float64, types.int64
    direction = types.UniTuple(real, 3)  # the sightline's unit vector
    values = types.Array(real, 1, "C")  # a row of the march's scratch
    flags = types.Array(types.boolean, 1, "C")
    arms = tuple(nb.typeof(table) for table in (P, arm_par, arm_coef, arm_grid))
    objects = tuple(nb.typeof(table) for table in (clump_par, clump_cells, void_par, void_cells))
    return [
        (lhb_cuts, (direction, real, arms[0], values, values)),
        (_arm_kinks, (direction, real, *arms, values, integer)),
        (_arm_gaps, (real, real, direction, *arms, values, flags, values, values)),
        (_next_arm_event, (real, real, integer, integer, real, values, flags, values, flags,
                           integer, direction, *arms)),
        (_panel, (real, real, direction, *arms, *objects, integer, integer)),
        (_solve_in_panel, (real, real, real, real, direction, *arms, *objects,
                           types.literal(SOLVE_MAX_ITER), integer, integer)),
    ]
