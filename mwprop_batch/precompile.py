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

The kernels fall into groups (:data:`GROUPS`: a family's density, DM -> D, D -> DM and
profiles, DM_max), each compiled whole when its entry kernel first runs; NE and YMW16 serve
the last three with one line-of-sight kernel (a mode argument), so after DM -> D the other
two load what it compiled. A family's groups share most of their code (the march, the
density), which one process compiles once for all of them, where processes of their own
would each compile it again. So with ``processes`` above 1 the families
(:func:`mwprop_batch.registry.families`: NE2001 and NE2025; YMW16; the halos; ...) are dealt
into that many processes (:func:`deal`), each compiling its families whole into a private
cache directory, and the processes' files are then copied into the cache under its lock
(:mod:`.compile_lock`): the families share a few callees, and two processes must never write
one function's index at once. Each private cache starts as a copy of the cache, so that what
is there is loaded, not compiled again; only what a process compiled anew is copied back.

The cache is keyed by all kernel sources and the numba and llvmlite versions
(:mod:`.kernels.cache_key`) and by the CPU (``NUMBA_CPU_NAME=generic`` at compile and at use
makes it portable between CPUs), so it belongs to one installation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
from numba.core.caching import UserProvidedCacheLocator

from .core.compile_lock import cache_directory, directory_lock, kernel_cache_directories
from .core.publish import AtomicFile
from .core.runner import KernelRunner
from .kernels.cache_key import KERNEL_DIRS
from .model import Model
from .registry import families, model_names

GROUPS = ("density", "dm_to_dist", "dist_to_dm", "dm_max")  # what each compiles: Model's method


def run_group(group: str, models: tuple[str, ...]) -> None:
    """Run the kernels of ``group`` (one of :data:`GROUPS`) once with each model, compiled."""
    for name in models:
        model = Model(name)
        model._run = KernelRunner(interpret_small_calls=False)  # compile, however small
        if group == "density":
            model.density(0.0, 8.5, 0.0)
            model.density_along(30.0, 2.0, [0.5, 1.0])
        elif group == "dm_to_dist":
            if model.family.places_sources:  # a halo alone does not (nothing to compile)
                model.dm_to_dist(30.0, 2.0, 100.0)
        elif group == "dist_to_dm":  # and dm_profile: one kernel
            model.dist_to_dm(30.0, 2.0, 1.0)
            model.dm_profile(30.0, 2.0, [0.5, 1.0])
        else:
            model.dm_max(30.0, 2.0)


def run_family(models: tuple[str, ...]) -> None:
    """Run every kernel group once with each of ``models`` (of one family), compiled."""
    for group in GROUPS:
        run_group(group, models)


def families_of(models: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``models`` by family (those of each family that are among them), in order."""
    grouped = [tuple(m for m in family.models if m in models) for family in families()]
    return [family for family in grouped if family]


def compile_kernels(models: tuple[str, ...] | None = None, processes: int = 1) -> float:
    """Compile every kernel group of ``models`` and store their tables; return the seconds.

    The kernels' argument types are the same for every model of a family, so the family's
    first model compiles its kernels (NE2001's for NE2001 and NE2025, YMW16's own); the
    others only build (and cache) their tables. ``processes`` above 1 deals the families
    into that many processes at once (see the module's text). ``mwprop-batch compile`` names each
    kernel group as numba compiles it, with its time. ``models``: all of the registry's by
    default.
    """
    start = time.perf_counter()
    models = model_names() if models is None else tuple(models)
    work = families_of(models)
    target = cache_directory()
    if processes <= 1 or len(work) == 1 or target is None:
        for family in work:
            run_family(family)
    else:  # each process builds (and caches) its own families' tables
        _compile_in_processes(deal(work, processes), processes, Path(target))
    return time.perf_counter() - start


def deal(work: list[tuple[str, ...]], processes: int) -> list[tuple[str, ...]]:
    """The families of ``work`` dealt round-robin into at most ``processes`` batches of models
    (in the registry's order the two largest families, NE and YMW16, land in different
    processes and the smaller ones join them: no process waits for a free core)."""
    batches = min(processes, len(work))
    return [tuple(m for family in work[k::batches] for m in family) for k in range(batches)]


def _compile_in_processes(work: list[tuple[str, ...]], processes: int, target: Path) -> None:
    """Each batch of models of ``work`` in a process of its own with a private numba
    cache, seeded with ``target``'s files (what is there is loaded, not compiled again), at
    most ``processes`` at once; then every private cache's files into ``target``."""
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_compile_") as root:
        private = [Path(root, str(k)) for k in range(len(work))]
        with directory_lock(str(target)):
            for directory in private:
                for shared, own in zip(kernel_folders(target), kernels_subdirectories(directory),
                                       strict=True):
                    copy_functions(shared, own)
            seeded = index_files(private)

        def compile_family(k: int) -> None:
            env = {**os.environ, "NUMBA_CACHE_DIR": str(private[k])}
            code = ("from numba.core.event import install_listener\n"
                    "from mwprop_batch.cli.compile_notice import CompileNotice\n"
                    "from mwprop_batch.precompile import run_family\n"
                    "with install_listener('numba:compile', CompileNotice()):\n"
                    f"    run_family({work[k]!r})\n")
            subprocess.run([sys.executable, "-c", code], env=env, check=True)

        with ThreadPoolExecutor(processes) as pool:
            list(pool.map(compile_family, range(len(work))))
        with directory_lock(str(target)):
            for directory in private:
                for own, shared in zip(kernels_subdirectories(directory), kernel_folders(target),
                                       strict=True):
                    copy_functions(own, shared, unchanged=seeded)


def kernel_folders(target: Path) -> list[Path]:
    """Each kernel folder's directory in this process's numba cache (``target`` the shared
    kernels' one, as :func:`~mwprop_batch.core.compile_lock.cache_directory` gives it)."""
    folders = [Path(folder) for folder in kernel_cache_directories()]
    return folders if folders else [target]


def kernels_subdirectories(cache: Path) -> list[Path]:
    """Where numba keeps each kernel folder's functions in the cache ``cache`` (a
    ``NUMBA_CACHE_DIR``)."""
    return [cache / UserProvidedCacheLocator.get_suitable_cache_subpath(
        str(folder / "__init__.py")) for folder in KERNEL_DIRS]


def index_files(caches: list[Path]) -> dict[Path, bytes]:
    """The bytes of every numba index file (``*.nbi``) under the directories ``caches``."""
    return {path: path.read_bytes() for cache in caches for path in cache.rglob("*.nbi")}


def copy_functions(source: Path, target: Path, unchanged: dict[Path, bytes] | None = None
                   ) -> None:
    """Copy the numba files in the directory ``source`` into ``target``, one function at a
    time: its data files first, then its index, each by an atomic rename, so that an index
    never names a data file of another process. A function in both keeps ``source``'s files,
    except one whose index is as ``unchanged`` holds it (what ``source`` was seeded with and
    did not compile again: another process's new files of that function stay)."""
    target.mkdir(parents=True, exist_ok=True)
    unchanged = unchanged or {}
    for index in source.glob("*.nbi"):
        if index in unchanged and index.read_bytes() == unchanged[index]:
            continue
        base = index.name[: -len(".nbi")]
        for data in source.glob(f"{base}.*.nbc"):
            _copy_atomic(data, target / data.name)
        _copy_atomic(index, target / index.name)


def _copy_atomic(source: Path, target: Path) -> None:
    """``source``'s bytes published at ``target`` through the one publish path."""
    with AtomicFile(target, overwrite=True, signals=False) as temporary:
        shutil.copyfile(source, temporary)


def cache_location() -> str:
    """Where numba keeps the compiled kernels."""
    return numba.config.CACHE_DIR or "__pycache__ beside the package's sources"
