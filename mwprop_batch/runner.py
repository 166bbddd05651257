"""How a :class:`~mwprop_batch.Model` runs its batch kernels: interpreted or compiled.

numba compiles a kernel the first time an installation calls it (about a minute for the
line-of-sight kernels on 2 cores) and later processes load it from numba's cache, after
about half a second of numba start-up. The interpreter runs the same Python source at a few
hundredths of a second per sightline (:mod:`mwprop_batch.interpreted`). So a model's first
few small calls are interpreted: a one-sightline ``mwprop-batch los``, or the first call of
a script, answers at once; once the model has interpreted :data:`INTERPRETED_ROWS` rows, and
for any call of more than :data:`INTERPRETED_CALL_ROWS` rows, the compiled kernels run (and
are compiled then if the cache is empty). The choice depends only on the rows a model has
been asked for, never on timing, so a program gives the same results every time it runs.
"""

from __future__ import annotations

import threading

import numpy as np

from .interpreted import interpreted
from .parallel import run_parallel_kernel, split_rows

INTERPRETED_CALL_ROWS = 16  # larger calls always run compiled
INTERPRETED_ROWS = 64  # rows a model interprets before it uses only the compiled kernels


class KernelRunner:
    """Calls batch kernels for one model: its first small calls interpreted, the rest compiled.

    Thread-safe: the count of rows left to interpret is taken under a lock.
    """

    def __init__(self, interpreted_rows: int = INTERPRETED_ROWS) -> None:
        self._rows_left = interpreted_rows
        self._lock = threading.Lock()

    def __call__(self, kernel, *args):
        """``kernel(*args)`` for a batch kernel (see :func:`.parallel.run_parallel_kernel`)."""
        if self._take(len(args[0]), kernel):
            rows, tables = split_rows(kernel, args)
            with np.errstate(all="ignore"):  # IEEE results without warnings, as compiled
                return interpreted(kernel)(*rows, *tables)
        return run_parallel_kernel(kernel, *args)

    def _take(self, rows: int, kernel) -> bool:
        """Whether to interpret ``rows`` rows of ``kernel`` (counting them if so): not once it
        is compiled in this process, nor beyond the call and model limits."""
        if kernel.signatures or rows > INTERPRETED_CALL_ROWS:
            return False
        with self._lock:
            if rows > self._rows_left:
                self._rows_left = 0
                return False
            self._rows_left -= rows
            return True
