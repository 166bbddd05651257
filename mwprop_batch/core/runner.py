"""How a :class:`~mwprop_batch.Model` runs its batch kernels: interpreted or compiled.

numba compiles a kernel the first time an installation calls it (about 9 s for NE2025's
line-of-sight kernel on 2 cores) and later processes load it from numba's cache, after
about half a second of numba start-up. The interpreter runs the same Python source at a few
hundredths of a second per sightline (:mod:`mwprop_batch.core.interpreted`). So a call of at most
:data:`INTERPRETED_CALL_ROWS` rows is interpreted: a one-sightline ``mwprop-batch los``, or
the first call of a script, answers at once; any larger call runs the compiled kernels (and
compiles them then if the cache is empty).

Which tier runs a call depends only on that call's number of rows: never on what else the
process, its other threads or other models have run, nor on timing. The two tiers agree to
1e-12 relative, with the same statuses (tests/test_tiers.py); a call gives the same numbers
wherever and whenever it runs.
"""

from __future__ import annotations

import numpy as np

from .interpreted import interpreted
from .parallel import run_parallel_kernel, split_rows

INTERPRETED_CALL_ROWS = 16  # calls of at most this many rows run interpreted, larger compiled


class KernelRunner:
    """Calls batch kernels: a call of at most INTERPRETED_CALL_ROWS rows interpreted (unless
    ``interpret_small_calls`` is False: every call compiled, as :mod:`.precompile` needs),
    any other compiled. Holds no state that calls change: thread-safe."""

    def __init__(self, interpret_small_calls: bool = True) -> None:
        self._interpret = interpret_small_calls

    def __call__(self, kernel, *args):
        """``kernel(*args)`` for a batch kernel (see :func:`.parallel.run_parallel_kernel`)."""
        if self._interpret and len(args[0]) <= INTERPRETED_CALL_ROWS:
            rows, tables = split_rows(kernel, args)
            with np.errstate(all="ignore"):  # IEEE results without numpy's warnings, as compiled
                return interpreted(kernel)(*rows, *tables)
        return run_parallel_kernel(kernel, *args)
