"""One process at a time fills numba's cache of the kernels: concurrent first use is safe.

numba saves a compiled function as an index file (signature -> data file number) and a data
file. Two processes that compile into one cache at once can each read the index before the
other has written it and pick the same data file for different signatures: the index then
names a file that holds another signature's machine code, and a later load crashes Python
(``LLVM ERROR: Symbol not found``). Several processes also each spend the minute compiling
what one of them could have compiled.

:func:`first_call` holds an exclusive lock (``fcntl.flock``) on a lock file in the kernels'
cache directory while a kernel's first call in this process loads or compiles it: the first
process compiles and saves; the others wait, then load what it saved. Later calls take no
lock. Where no lock can be had (no ``fcntl``, a cache directory that cannot be written,
caching off) the kernel runs without one: the lock is never fatal, nor is a damaged
cache file (the kernels are compiled anew).

Inside that lock a second process may compile part of the same call tree at once
(:mod:`.compile_ahead`). So every kernel of the package is also loaded or compiled holding a
lock of its own (:func:`install_kernel_locks`: a lock file beside its index file): one
process writes a kernel's index at a time, and a process that needs a kernel another is
compiling waits for it and loads it. Both take kernel locks only along their call stacks
(a caller's before its callees'), so neither can wait for the other in a circle.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
from numba.core import dispatcher, sigutils
from numba.core.compiler_lock import global_compiler_lock

from mwprop_batch.kernels.cache_key import is_kernel_source

try:
    import fcntl
except ImportError:  # Windows: no flock; numba's own atomic writes only
    fcntl = None

LOCK_NAME = "mwprop-batch-compile.lock"
KERNEL_LOCK_SUFFIX = ".lock"  # a kernel's lock file: its index file's name and this
DAMAGED_CACHE = (pickle.UnpicklingError, EOFError)  # what numba raises on a damaged file

T = TypeVar("T")

_ready: set[Hashable] = set()  # what this process has loaded or compiled
_process_lock = threading.RLock()  # one thread of this process at a time holds the file lock
_depth = 0  # nesting of first_use in the thread that holds _process_lock


def cache_directory() -> str | None:
    """The directory numba keeps the shared kernels' machine code in, or None (caching off):
    the one whose lock serializes every compile."""
    from mwprop_batch.kernels.sorting import sort_prefix

    return getattr(sort_prefix._cache, "cache_path", None)


def kernel_cache_directories() -> list[str]:
    """The directory of each kernel folder's machine code (the shared kernels' first, then each
    family's), as numba's locators place them: ``__pycache__`` beside the sources, or one
    subdirectory per source folder of ``$NUMBA_CACHE_DIR`` or the user-wide cache."""
    from numba.core.caching import UserProvidedCacheLocator

    from mwprop_batch.kernels.cache_key import KERNEL_DIR, KERNEL_DIRS

    shared = cache_directory()
    if shared is None:
        return []
    if Path(shared) == KERNEL_DIR / "__pycache__":
        return [str(folder / "__pycache__") for folder in KERNEL_DIRS]
    root = Path(shared).parent
    subpath = UserProvidedCacheLocator.get_suitable_cache_subpath
    return [str(root / subpath(str(folder / "__init__.py"))) for folder in KERNEL_DIRS]


@contextmanager
def directory_lock(directory: str | None) -> Iterator[None]:
    """Hold an exclusive flock on ``directory``/LOCK_NAME (blocking); nothing if impossible."""
    with file_lock(None if directory is None else os.path.join(directory, LOCK_NAME)):
        yield


@contextmanager
def file_lock(path: str | None, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive flock on the file ``path`` (created if need be) for the body; nothing
    where impossible (no ``fcntl``, no path, a directory that cannot be written). Yields False
    only where ``wait`` is False and another process holds it now (the body runs without)."""
    if fcntl is None or path is None:
        yield True
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def kernel_lock_path(kernel) -> str | None:
    """The lock file of a numba dispatcher's cache entries (beside its index file), or None
    where it is not one of the package's cached kernels."""
    cache = getattr(kernel, "_cache", None)
    directory = getattr(cache, "_cache_path", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_name", None)
    if directory is None or index is None:
        return None
    if not is_kernel_source(kernel.py_func.__code__.co_filename):
        return None
    return os.path.join(directory, index + KERNEL_LOCK_SUFFIX)


def kernel_busy(kernel) -> bool:
    """Whether another process holds ``kernel``'s lock now (compiling or loading it)."""
    with file_lock(kernel_lock_path(kernel), wait=False) as free:
        return not free


def install_kernel_locks() -> None:
    """Have numba load or compile each of the package's cached kernels holding its lock file
    (:func:`kernel_lock_path`; once per copy of the package: each wraps the compile the one
    before installed; idempotent). Taken inside numba's compiler lock, so threads of one
    process never hold two kernel locks apart; a kernel this process already has takes none."""
    compile_ = dispatcher.Dispatcher.compile
    installed = getattr(compile_, "_mwprop_kernel_locks", ())  # by each copy of the package
    if __name__ in installed:
        return
    held: set[str] = set()  # kernel locks this process holds (under numba's compiler lock)

    def compile_locked(self, sig):
        path = kernel_lock_path(self)
        if path is None or tuple(sigutils.normalize_signature(sig)[0]) in self.overloads:
            return compile_(self, sig)
        with global_compiler_lock:
            if path in held:  # another signature inside its own compile: the lock is ours
                return compile_(self, sig)
            with file_lock(path):
                held.add(path)
                try:
                    return compile_(self, sig)
                finally:
                    held.discard(path)

    compile_locked._mwprop_kernel_locks = (*installed, __name__)
    dispatcher.Dispatcher.compile = compile_locked


def is_ready(key: Hashable) -> bool:
    """Whether ``key`` has been through :func:`first_call` in this process."""
    return key in _ready


def _type_key(value) -> Hashable:
    """What of ``value`` numba's type depends on (dtype, dimensions, layout, writability), cheap
    to find: an array's flags, a scalar's Python type."""
    if isinstance(value, np.ndarray):
        flags = value.flags
        return value.dtype.str, value.ndim, flags.c_contiguous, flags.f_contiguous, \
            flags.writeable
    return type(value)


def call_key(kernel, args: tuple) -> tuple:
    """``kernel`` and what numba's types of ``args`` depend on: what one compiled version
    serves (a few microseconds a call)."""
    return (kernel, *map(_type_key, args))


def call(kernel, *args):
    """``kernel(*args)``, its first call with these types through :func:`first_call`."""
    return first_call(call_key(kernel, args), lambda: kernel(*args))


def drop_index_files() -> None:
    """Remove numba's index files (``*.nbi``) of every kernel folder: every kernel is compiled
    anew."""
    for directory in kernel_cache_directories():
        for path in Path(directory).glob("*.nbi"):
            path.unlink(missing_ok=True)


def first_call(key: Hashable, run: Callable[[], T]) -> T:
    """``run()`` (a kernel's first call, or the import of a module that compiles as it is
    imported) holding the cache directory's lock, unless ``key`` has been through here already
    in this process. A cache file that cannot be read (cut short, overwritten) is never fatal:
    the index files are dropped and ``run()`` runs once more, compiling anew.

    Re-entrant: a first call inside another one (same thread) takes no second lock.
    """
    global _depth
    if key in _ready:
        return run()
    with _process_lock:
        _depth += 1
        try:
            if _depth > 1:
                result = run()
            else:
                directory = cache_directory()
                with directory_lock(directory):
                    try:
                        result = run()
                    except DAMAGED_CACHE:
                        drop_index_files()
                        result = run()
            _ready.add(key)
            return result
        finally:
            _depth -= 1


install_kernel_locks()
