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

import time

import numba

from .model import Model
from .params import MODEL_NAMES
from .runner import KernelRunner


def compile_kernels(models: tuple[str, ...] = MODEL_NAMES) -> float:
    """Run every kernel once with each model; return the seconds it took.

    The kernels' argument types are the same for every model of a family, so the family's
    first model compiles its kernels (NE2001's for NE2001 and NE2025, YMW16's own); the
    others only build (and cache) their tables. ``mwprop-batch compile`` names each kernel
    group as numba compiles it, with its time.
    """
    start = time.perf_counter()
    for name in models:
        model = Model(name)
        model._run = KernelRunner(interpret_small_calls=False)  # compile, however small
        model.density(0.0, 8.5, 0.0)
        model.dm_to_dist(30.0, 2.0, 100.0)
        model.dist_to_dm(30.0, 2.0, 1.0)
        model.dm_max(30.0, 2.0)
        model.dm_profile(30.0, 2.0, [0.5, 1.0])
    return time.perf_counter() - start


def cache_location() -> str:
    """Where numba keeps the compiled kernels."""
    return numba.config.CACHE_DIR or "__pycache__ beside the package's sources"
