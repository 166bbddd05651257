"""The NE march's callees a second process can compile while the first compiles the rest.

numba compiles :func:`.kernels.march.march`'s callees one at a time, as it types each call.
Given the kernel tables, :func:`march_callees` names the callees that take longest to compile,
with the argument types their callers call them with. A child process compiles them into
numba's cache while the parent compiles the rest (:mod:`mwprop_batch.core.compile_ahead`):
first the two the sightline's cuts call (the parent reaches them within a second), then the
panel and its solver (the parent's last), then the arm crossings, which the parent compiles
itself when it gets there first, and last the profile row, once the parent has compiled the
march. tests/test_compile_ahead.py checks that each signature is the one asked for.
"""

from __future__ import annotations

import numba as nb
from numba.core import types

from mwprop_batch.core.interpreted import interpreted

from .kernels.crossings import _arm_gaps, _next_arm_event, _next_branch_jump
from .kernels.cuts import _arm_kinks
from .kernels.lhb import lhb_cuts
from .kernels.los import _profile_row, _row_work
from .kernels.panel_quadrature import SOLVE_MAX_ITER, _panel, _solve_in_panel


def march_callees(P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
                  *_) -> list[tuple[object, tuple]]:
    """(kernel, numba signature) of the slowest callees to compile, in the child's order, for
    these tables (the line-of-sight kernel's arguments after its rows; any further ones
    ignored)."""
    real, integer = types.float64, types.int64
    direction = types.UniTuple(real, 3)  # the sightline's unit vector
    values = types.Array(real, 1, "C")  # a row of scratch or of input
    matrix = types.Array(real, 2, "C")
    flags = types.Array(types.boolean, 1, "C")
    arms = tuple(nb.typeof(table) for table in (P, arm_par, arm_coef, arm_grid))
    objects = tuple(nb.typeof(table) for table in (clump_par, clump_cells, void_par, void_cells))
    # the rows' scratch, as the interpreter builds it from the kernel's own source
    row_work = nb.typeof(interpreted(_row_work)(arm_par, clump_par, void_par))
    return [
        (lhb_cuts, (direction, real, arms[0], values, values)),
        (_arm_kinks, (direction, real, *arms, values, integer)),
        (_panel, (real, real, direction, *arms, *objects, integer, integer)),
        (_solve_in_panel, (real, real, real, real, direction, *arms, *objects,
                           types.literal(SOLVE_MAX_ITER), integer, integer)),
        (_arm_gaps, (real, real, direction, *arms, values, flags, values, values)),
        (_next_arm_event, (real, real, integer, integer, real, values, flags, values, flags,
                           integer, direction, *arms)),
        (_next_branch_jump, (real, real, integer, real, *(values,) * 6, direction, *arms)),
        # after the march, which the parent compiles (the child waits for it and loads it)
        (_profile_row, (real, real, values, matrix, row_work, types.Array(integer, 1, "C"),
                        values, matrix, *arms, *objects)),
    ]
