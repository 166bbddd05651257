"""The YMW16 march's callees a second process can compile while the first compiles the rest.

numba compiles :func:`.kernels.sightline_march.march`'s callees one at a time, as it types
each call. Given the kernel tables, :func:`march_callees` names the callees that take longest
to compile, with the argument types the march calls them with. A child process compiles them
into numba's cache while the parent compiles the sightline's zones and cuts, which come first
(:mod:`mwprop_batch.core.compile_ahead`); the parent waits for and loads each when it gets
there, or compiles itself one the child has not started. tests/test_compile_ahead.py checks
that each signature is the one asked for.
"""

from __future__ import annotations

import numba as nb
from numba.core import types

from mwprop_batch.core.interpreted import interpreted

from .kernels.kinks import first_kink
from .kernels.panel_integrals import _solve
from .kernels.panels import segment
from .kernels.row_scratch import march_work
from .kernels.switch import state, state_switch
from .kernels.take_over import SEARCH_EVALUATIONS, first_take_over


def march_callees(P, arms, *_) -> list[tuple[object, tuple]]:
    """(kernel, numba signature) of the slowest callees to compile, in the child's order, for
    these tables (the line-of-sight kernel's arguments after its rows; any further ones
    ignored)."""
    real, integer, boolean = types.float64, types.int64, types.boolean
    direction = types.UniTuple(real, 3)  # the sightline's unit vector, or the LMC frame's
    values = types.Array(real, 1, "C")  # a row of scratch
    matrix = types.Array(real, 2, "C")
    tables = (nb.typeof(P), nb.typeof(arms))
    bounds = types.Tuple((real, real, types.UniTuple(real, 2)))  # from search_bounds
    # the rows' scratch, as the interpreter builds it from the kernel's own source
    work = nb.typeof(interpreted(march_work)())
    return [
        (state, (real, direction, real, integer, *tables, integer)),
        (first_take_over, (real, real, direction, real, integer, *tables, matrix, matrix,
                           bounds, integer, types.Omitted(SEARCH_EVALUATIONS))),
        (segment, (real, real, direction, matrix, boolean, tables[0])),
        (state_switch, (real, real, integer, direction, real, integer, *tables)),
        (first_kink, (real, real, integer, values, values, direction, real, *tables)),
        (_solve, (real, real, real, real, values, direction, real, integer, boolean, direction,
                  *tables, real, work)),
    ]
