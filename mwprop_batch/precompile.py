"""Compile every numba kernel once, into numba's on-disk cache (``mwprop-batch compile``).

numba compiles a kernel the first time it runs in an installation and keeps the machine code
in its cache: ``__pycache__`` beside the package's sources, or ``$NUMBA_CACHE_DIR`` when set.
Every later process loads it in a fraction of a second. :func:`compile_kernels` runs each
kernel once on one sightline so that nothing is left to compile:

* after ``pip install``, in a container image build, or in a CI job's setup step;
* for a read-only installation, with ``NUMBA_CACHE_DIR`` set to a writable directory, which
  every later process must also be given;
* on a cluster, with ``NUMBA_CACHE_DIR`` on a file system every node sees: compile once
  from one node, and every Dask worker loads the kernels instead of compiling them
  (``client.run(compile_kernels)`` also warms the workers of a running cluster).

numba keys its cache by the source file's path and modification time, so the cache belongs
to one installation; it cannot be shipped inside the repository or a wheel.
"""

from __future__ import annotations

import argparse
import time

import numba

from .model import Model
from .params import MODEL_NAMES
from .tablecache import cache_dir


def compile_kernels(models: tuple[str, ...] = MODEL_NAMES) -> float:
    """Run every kernel once with each model; return the seconds it took.

    The kernels' argument types are the same for every model, so the first model compiles
    them all; the others only build (and cache) their tables.
    """
    start = time.perf_counter()
    for name in models:
        model = Model(name)
        model.density(0.0, 8.5, 0.0)
        model.dm_to_dist(30.0, 2.0, 100.0)
        model.dist_to_dm(30.0, 2.0, 1.0)
        model.dm_max(30.0, 2.0)
        model.dm_profile(30.0, 2.0, [0.5, 1.0])
    return time.perf_counter() - start


def cache_location() -> str:
    """Where numba keeps the compiled kernels."""
    return numba.config.CACHE_DIR or "__pycache__ beside the package's sources"


def register_cli(subparsers) -> None:
    """Add ``compile`` to the ``mwprop-batch`` subcommands."""
    p = subparsers.add_parser(
        "compile", help="compile every numba kernel now, into numba's cache",
        description="Compile every kernel once into numba's on-disk cache and store both "
        "models' tables, so that no later run compiles: for images, CI, read-only "
        "installations (set NUMBA_CACHE_DIR) and clusters (NUMBA_CACHE_DIR on a shared file "
        "system). See docs/performance.md.",
    )
    p.set_defaults(run=run_compile)


def run_compile(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``compile`` (``command``, the command line, is not used)."""
    seconds = compile_kernels()
    print(f"kernels ready in {seconds:.1f} s; numba cache: {cache_location()}; "
          f"table cache: {cache_dir() or 'off'}")
    return 0
