"""Run the numba kernels on several threads: work is cut into pieces, one kernel call each.

The batch kernels (``kernels.los.*_batch``, ``kernels.density.density_batch``) and the arm
grid builder are plain ``@njit(nogil=True)`` loops, compiled once. This module gives them
their threads instead of numba's ``parallel=True``, whose parfor passes and extra layers of
generated wrappers (each optimising and compiling the whole kernel again) made the first
compile several times longer. Every row is computed alone, so results do not depend on how
rows are chunked or how many threads run. Pieces are handed out as threads become free, and
they shrink towards the end of a call, which balances rows of unequal cost.

The number of threads is numba's for the calling thread: ``numba.get_num_threads()``, which
is ``NUMBA_NUM_THREADS`` (every core by default) in each thread until that thread calls
``numba.set_num_threads`` (numba keeps the setting per thread: another thread does not see
it). A call's ``threads=`` (:func:`takes_threads`) sets it for that call alone.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import numbers
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

import numba
import numpy as np

from .compile_ahead import compiling_ahead
from .compile_lock import call_key, first_call, is_ready
from .errors import InvalidTypeError, InvalidValueError

FIRST_TABLE_ARGUMENT = "P"  # a batch kernel's row arguments are those before this one
GUIDED_SHARE = 2  # a chunk holds 1 / (GUIDED_SHARE * threads) of the rows not yet handed out
MIN_CHUNK_ROWS = 64  # fewer rows per kernel call would cost more in dispatch than they save
MAX_CHUNK_ROWS = 8192  # about a second of one thread: the caller sees Ctrl-C between chunks
ROW_LAYOUT = ("C_CONTIGUOUS", "ALIGNED", "WRITEABLE")

T = TypeVar("T")
_POOL_LOCK = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _shared_pool() -> ThreadPoolExecutor:
    """One pool per process, as large as numba's thread count can be."""
    global _pool
    with _POOL_LOCK:
        if _pool is None:
            _pool = ThreadPoolExecutor(numba.config.NUMBA_NUM_THREADS,
                                       thread_name_prefix="mwprop_batch")
        return _pool


def map_on_threads(func: Callable[[int], T], n_tasks: int, threads: int) -> list[T]:
    """``[func(0), ..., func(n_tasks - 1)]``, computed by up to ``threads`` threads at once.

    The calling thread takes part; tasks are handed out in order as threads become free.
    If a task fails, the others stop after the task they are running and the error is raised.
    """
    threads = min(threads, n_tasks)
    if threads <= 1:
        return [func(k) for k in range(n_tasks)]
    results: list = [None] * n_tasks
    queue = itertools.count()  # next() is atomic under the GIL: each task is taken once
    failed = threading.Event()

    def work() -> None:
        try:
            for k in queue:
                if k >= n_tasks or failed.is_set():
                    return
                results[k] = func(k)
        except BaseException:
            failed.set()
            raise

    helpers = [_shared_pool().submit(work) for _ in range(threads - 1)]
    try:
        work()
    finally:
        for helper in helpers:
            if not helper.cancel():  # one that never started has nothing to wait for
                helper.result()
    return results


@cache
def row_arguments(kernel) -> int:
    """How many leading arguments of a batch kernel are per-row arrays."""
    names = list(inspect.signature(kernel.py_func).parameters)
    if FIRST_TABLE_ARGUMENT not in names:
        raise InvalidTypeError(f"{kernel.__name__} has no argument {FIRST_TABLE_ARGUMENT!r}: "
                        "not a batch kernel")
    return names.index(FIRST_TABLE_ARGUMENT)


def chunk_bounds(rows: int, threads: int) -> list[tuple[int, int]]:
    """[start, stop) of the chunks that ``rows`` rows are cut into for ``threads`` threads.

    Guided: each chunk holds a share of the rows still left (at most :data:`MAX_CHUNK_ROWS`),
    so chunks shrink down to :data:`MIN_CHUNK_ROWS` and the threads finish within a small
    chunk of each other (equal chunks of 1/16 of the rows left one of 2 threads idle for 2-3%
    of a call).
    """
    bounds, start = [], 0
    while start < rows:
        share = -(-(rows - start) // (GUIDED_SHARE * threads))
        size = max(MIN_CHUNK_ROWS, min(MAX_CHUNK_ROWS, share))
        bounds.append((start, min(start + size, rows)))
        start += size
    return bounds


def split_rows(kernel, args: tuple) -> tuple[tuple[np.ndarray, ...], tuple]:
    """A batch kernel's arguments as (row arrays, tables), the rows contiguous and writable:
    one type per kernel, where numba would compile it again for read-only or strided input
    (pandas and pyarrow hand out read-only views)."""
    n_rows = row_arguments(kernel)
    return tuple(np.require(r, requirements=ROW_LAYOUT) for r in args[:n_rows]), args[n_rows:]


def _first_run(kernel, rows: tuple, tables: tuple):
    """``kernel`` on none of ``rows``: loads it, or compiles it with a second core's help
    (:mod:`.compile_ahead`)."""
    with compiling_ahead(kernel, tables):
        return kernel(*(r[:0] for r in rows), *tables)


def run_parallel_kernel(kernel, *args) -> np.ndarray:
    """``kernel(*args)`` for a batch kernel, its rows spread over numba's threads.

    Safe to call from any number of Python threads at once. The kernel's arguments before
    ``P`` hold one entry (1-D) or one row (2-D) per input row; its result (an array, or a
    tuple of arrays) has one row per input row. On one thread too the rows go in chunks
    (:func:`map_on_threads` runs them in turn), so the caller sees Ctrl-C between them.
    """
    with interrupts_kept():
        return _run_in_chunks(kernel, args)


def _run_in_chunks(kernel, args: tuple):
    """:func:`run_parallel_kernel`'s work."""
    rows, tables = split_rows(kernel, args)
    key = call_key(kernel, rows + tables)
    if not is_ready(key):  # loads or compiles it now, on no rows, one process at a time
        first_call(key, lambda: _first_run(kernel, rows, tables))
    total = rows[0].shape[0]
    if total == 0:
        return kernel(*rows, *tables)
    threads = min(numba.get_num_threads(), -(-total // MIN_CHUNK_ROWS))
    bounds = chunk_bounds(total, threads)

    def chunk(k: int) -> np.ndarray:
        start, stop = bounds[k]
        return kernel(*(r[start:stop] for r in rows), *tables)

    pieces = map_on_threads(chunk, len(bounds), threads)
    if len(pieces) == 1:
        return pieces[0]
    if isinstance(pieces[0], tuple):
        return tuple(np.concatenate(part) for part in zip(*pieces, strict=True))
    return np.concatenate(pieces)


def _interrupt_among_causes(error: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (a signal's exception) that ``error`` was raised from, if any."""
    cause = error.__cause__ or error.__context__
    while cause is not None and not isinstance(cause, KeyboardInterrupt):
        cause = cause.__cause__ or cause.__context__
    return cause


@contextlib.contextmanager
def interrupts_kept() -> Iterator[None]:
    """Let a signal's exception out of a kernel call as itself.

    numba calls back into Python as a kernel returns (to unpickle ``np.ndarray``, the class of
    the arrays it hands back); a signal handler that raises there (Ctrl-C's KeyboardInterrupt,
    the CLI's ``Interrupted`` for SIGTERM and SIGHUP) comes out of the call as a
    ``SystemError`` holding it. Here the interrupt itself is raised again.
    """
    try:
        yield
    except SystemError as error:
        interrupt = _interrupt_among_causes(error)
        if interrupt is None:
            raise
        raise interrupt from None


def run_on_threads(func: Callable[[int], T], n_tasks: int) -> list[T]:
    """:func:`map_on_threads` with numba's number of threads."""
    return map_on_threads(func, n_tasks, numba.get_num_threads())


def checked_threads(threads: int) -> int:
    """``threads`` as an int, if a whole number from 1 to ``NUMBA_NUM_THREADS`` (the most
    numba runs; every core unless the environment sets it)."""
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise InvalidTypeError(f"threads must be a whole number, got {threads!r}")
    most = numba.config.NUMBA_NUM_THREADS
    if not 1 <= threads <= most:
        raise InvalidValueError(
            f"threads must be 1 to {most} (NUMBA_NUM_THREADS), got {threads}")
    return int(threads)


@contextlib.contextmanager
def kernel_threads(threads: int | None) -> Iterator[None]:
    """Meanwhile the calling thread's kernel calls use ``threads`` threads (the calling
    thread included; see :func:`checked_threads`); None changes nothing.

    Sets numba's per-thread count (``numba.set_num_threads``), which the row kernels, the
    table builder and numba's parallel gufuncs all follow, and restores it afterwards.
    """
    if threads is None:
        yield
        return
    wanted = checked_threads(threads)
    before = numba.get_num_threads()
    numba.set_num_threads(wanted)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def takes_threads(func: Callable[..., T]) -> Callable[..., T]:
    """``func`` with one more keyword-only argument, ``threads`` (int or None, default None):
    how many threads its kernel calls use (:func:`kernel_threads`); None: numba's count for
    the calling thread (``NUMBA_NUM_THREADS`` unless it called ``numba.set_num_threads``)."""

    @functools.wraps(func)
    def with_threads(*args, threads: int | None = None, **kwargs) -> T:
        with kernel_threads(threads):
            return func(*args, **kwargs)

    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())
    at = len(parameters)
    if parameters and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD:
        at -= 1  # a keyword-only argument goes before **kwargs
    parameters.insert(at, inspect.Parameter("threads", inspect.Parameter.KEYWORD_ONLY,
                                            default=None, annotation="int | None"))
    with_threads.__signature__ = signature.replace(parameters=parameters)
    return with_threads


_GUFUNC_LOCK = threading.Lock()


def run_gufunc(gufunc, *args):
    """Call a ``target="parallel"`` gufunc safely from any Python thread.

    Such a gufunc runs on numba's threading layer; under the "workqueue" layer two launches
    at once abort the process, so there concurrent calls take turns (each uses every core).
    """
    try:
        layer = numba.threading_layer()
    except ValueError:  # nothing has run on the layer yet in this process
        layer = "workqueue"
    if layer == "workqueue":
        with _GUFUNC_LOCK:
            return gufunc(*args)
    return gufunc(*args)
