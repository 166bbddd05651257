"""A second core compiles part of a kernel's call tree while this process compiles the rest.

numba compiles a kernel's callees one after another, depth first, as it types each call:
on 2 cores, NE's line-of-sight kernel (~14 s to compile in a fresh installation) kept one core
busy and the other idle. A callee can be compiled before its caller reaches it only by whoever
knows its argument types: the family that owns the kernel does, and registers them here
(:func:`register`: a function of the kernel's tables giving ``(callee, signature)`` pairs).

When the kernel's first call in this process is about to compile it (its cache index does not
exist), :func:`compiling_ahead` forks: the child compiles the registered callees into the
cache and exits; the parent compiles the kernel as usual and loads each of those callees from
the cache when it reaches it, waiting for it if the child is still compiling it
(:mod:`.compile_lock`'s kernel locks). A callee the parent reached first (it holds its lock)
the child leaves to it and goes on to the next, so the two share the work whatever their
speeds. What either process compiles is what the other would have compiled: the kernels,
and their results, are the same as without the child. A signature that no longer matches
what the caller asks for costs the child's time only (the parent compiles the callee itself;
tests check the signatures).

It forks only where that is useful: Linux, at least 2 CPUs to run on, a cache directory it can
write, and ``MWPROP_BATCH_COMPILE_AHEAD`` not ``0``. A fork copies only the calling thread;
the child only compiles, and it forks holding numba's compiler lock, so no other thread of
this process is compiling (holding a lock the child needs) at that moment. Otherwise, or if
the plan, the fork or the child fails, the parent compiles everything, as it would alone.
The parent waits for the child before its first call returns (stopping it if the call
failed), so no child outlives the cache lock.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from numba.core.compiler_lock import global_compiler_lock

from .compile_lock import kernel_busy

SWITCH = "MWPROP_BATCH_COMPILE_AHEAD"  # "0": never fork a compiling child

Plan = Callable[..., Sequence[tuple[object, tuple]]]
_plans: dict[object, Plan] = {}  # entry kernel -> its plan (filled as families are imported)


def register(kernel, plan: Plan) -> None:
    """Have ``plan(*tables)`` (the kernel's arguments after its rows) name the callees, each
    with the numba signature its caller will ask for, that a child compiles while this process
    compiles ``kernel``."""
    _plans[kernel] = plan


def enabled() -> bool:
    """Whether this process may fork a compiling child now (see the module's text)."""
    return (os.environ.get(SWITCH, "1") != "0" and sys.platform.startswith("linux")
            and len(os.sched_getaffinity(0)) >= 2)


def _needs_compiling(kernel) -> bool:
    """Whether ``kernel`` will be compiled, not loaded: numba's cache has no index of it,
    in a directory this process can write (where it cannot, the child's work is lost)."""
    cache = getattr(kernel, "_cache", None)
    directory = getattr(cache, "_cache_path", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    return (directory is not None and index is not None and os.access(directory, os.W_OK)
            and not os.path.exists(index))


@contextmanager
def compiling_ahead(kernel, tables: tuple) -> Iterator[None]:
    """Run the body (``kernel``'s first call) with a child compiling its registered callees
    at the same time, where :func:`enabled` and the kernel is to be compiled; else as is."""
    plan = _plans.get(kernel)
    if plan is None or not enabled() or not _needs_compiling(kernel):
        yield
        return
    try:
        work = plan(*tables)
        with global_compiler_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Python >= 3.12: threads
            pid = os.fork()
    except Exception:  # a help, never a cause of failure: compile alone
        pid = None
    if pid is None:
        yield
        return
    if pid == 0:
        _compile_and_exit(work)
    try:
        yield
    except BaseException:
        os.kill(pid, signal.SIGTERM)  # numba writes each cache file whole, by a rename
        raise
    finally:
        os.waitpid(pid, 0)


def _compile_and_exit(work: Sequence[tuple[object, tuple]]) -> None:
    """In the child: compile each callee of ``work`` into the cache, then leave at once
    (``os._exit``: none of the parent's exit handlers, buffers or threads)."""
    code = 0
    try:
        for callee, signature in work:
            if not kernel_busy(callee):
                callee.compile(signature)
    except BaseException:  # the parent compiles whatever is missing
        code = 1
    finally:
        os._exit(code)
