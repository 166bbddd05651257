"""numba's on-disk cache keyed by every kernel source, so that a stale kernel is never loaded.

numba stamps a cached function with a hash of the one file that defines it. A batch kernel in
``los.py`` has the code of ``march.py``, ``cuts.py``, ... compiled into it, and the constants
of ``layout.py`` baked in: after a change to one of those files alone (a ``git pull`` in an
editable install, ``pip install -U``, which leaves numba's files in ``__pycache__``), numba
would load the kernel's old machine code. Here every kernel of the package is stamped with one
hash of all the kernel modules' sources (the ``*.py`` of :data:`KERNEL_DIRS`: this folder and
every family's ``kernels/``, which import nothing but kernels) and
of the numba and llvmlite versions: any change to any of them recompiles every kernel, and
nothing else does.

:func:`install` puts :data:`LOCATORS` in front of numba's own for the functions defined in
:data:`KERNEL_DIRS` (everything else keeps numba's own locators): for compiled functions and
for the code numba caches beside them, a gufunc's wrapper (the loop over the rows), which
calls its kernel by the kernel's symbol name. That name changes whenever the kernel is
compiled anew (numba numbers the functions a process compiles); a wrapper stamped by its own
file alone outlived its kernel, and a process calling it died (``LLVM ERROR: Symbol not
found: __gufunc__...``). Each finds the same cache
directory as the numba locator it extends (``$NUMBA_CACHE_DIR``, ``__pycache__`` beside the
sources, or the user-wide cache) and keeps numba's file names. numba reads
``NUMBA_CACHE_LOCATOR_CLASSES`` before its own list: whoever sets it must name these classes
first to keep the guarantee. The package imports this folder first, before any family's kernel
module is defined.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import llvmlite
import numba
from numba.core.caching import (
    CodeLibraryCacheImpl,
    CompileResultCacheImpl,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
)

KERNEL_DIR = Path(__file__).resolve().parent  # the kernels every family shares
PACKAGE_DIR = KERNEL_DIR.parent
# every folder of numba kernels: this one and each family's ``kernels`` folder
KERNEL_DIRS = (KERNEL_DIR, *sorted(PACKAGE_DIR.glob("families/*/kernels")))


@cache
def sources_stamp() -> str:
    """sha256 (hex) of every kernel module's name and bytes and the numba and llvmlite versions.

    Computed once per process, from the sources as they are when the first kernel is defined
    (the code this process compiles); a file changed later is seen by the next process.
    """
    digest = hashlib.sha256(f"numba {numba.__version__} llvmlite {llvmlite.__version__}".encode())
    for directory in KERNEL_DIRS:
        for path in sorted(directory.glob("*.py")):
            name = path.relative_to(PACKAGE_DIR).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_kernel_source(py_file: str) -> bool:
    """Whether ``py_file`` is a module of one of :data:`KERNEL_DIRS`."""
    return Path(py_file).resolve().parent in KERNEL_DIRS


class _KernelStampMixin:
    """A numba cache locator that answers only for kernel modules, stamped by
    :func:`sources_stamp` instead of the defining file's hash."""

    def get_source_stamp(self) -> str:
        return sources_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if not is_kernel_source(py_file):
            return None
        return super().from_function(py_func, py_file)


class KernelUserProvidedLocator(_KernelStampMixin, UserProvidedCacheLocator):
    """``$NUMBA_CACHE_DIR`` (when set), every kernel source in the stamp."""


class KernelInTreeLocator(_KernelStampMixin, InTreeCacheLocator):
    """``__pycache__`` beside the kernels (when writable), every kernel source in the stamp."""


class KernelUserWideLocator(_KernelStampMixin, UserWideCacheLocator):
    """The user-wide numba cache, every kernel source in the stamp."""


LOCATORS = (KernelUserProvidedLocator, KernelInTreeLocator, KernelUserWideLocator)


def install() -> None:
    """Put :data:`LOCATORS` first in numba's lists for compiled functions and for the code
    libraries cached beside them (gufunc wrappers) (once; idempotent)."""
    for cache_kind in (CompileResultCacheImpl, CodeLibraryCacheImpl):
        current = list(cache_kind._locator_classes)
        if current[: len(LOCATORS)] != list(LOCATORS):
            cache_kind._locator_classes = [*LOCATORS, *current]
