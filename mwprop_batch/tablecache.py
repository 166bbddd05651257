"""Kernel tables kept on disk, so a new process loads a model's tables instead of building them.

Building a model's tables (:func:`mwprop_batch.tables.build_tables`) takes about half a
second, most of it the spiral-arm start grid; loading them takes a few tens of milliseconds
and needs neither SciPy nor the grid kernel. A table file is named by a hash of everything
the tables depend on: the model's parameters, the source of the modules that build them, and
the versions of the libraries they use. A changed parameter or a new version is a new file;
a file that cannot be read is rebuilt.

The directory is ``$MWPROP_BATCH_CACHE_DIR``, else ``mwprop_batch/`` inside
``$NUMBA_CACHE_DIR`` (where the compiled kernels go), else ``~/.cache/mwprop_batch``
(``$XDG_CACHE_HOME``). Where it cannot be written, tables are built each time, as without it.
``MWPROP_BATCH_CACHE_DIR=off`` turns the cache off. Each file is about 13 MB.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

from .params import ModelParameters

ENV_DIR = "MWPROP_BATCH_CACHE_DIR"
OFF = "off"
# the modules whose code decides the tables' values
BUILDERS = ("tables.py", "kernels/arms.py", "kernels/layout.py", "parallel.py", "params.py")
LIBRARIES = ("numpy", "scipy", "numba", "llvmlite")


def cache_dir() -> Path | None:
    """Where table files go (see the module docstring); None when the cache is off."""
    chosen = os.environ.get(ENV_DIR)
    if chosen:
        return None if chosen.lower() == OFF else Path(chosen)
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    if numba_dir:
        return Path(numba_dir) / "mwprop_batch"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mwprop_batch"


def table_key(parameters: ModelParameters) -> str:
    """Hash of the parameters, the builders' source and the library versions."""
    digest = hashlib.sha256(pickle.dumps(parameters, protocol=5))
    package = Path(__file__).parent
    for name in BUILDERS:
        digest.update((package / name).read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library}={metadata.version(library)};".encode())
    return digest.hexdigest()[:32]


def load_or_build(parameters: ModelParameters):
    """The model's :class:`~mwprop_batch.tables.KernelTables`, from the cache when there."""
    from .tables import KernelTables, build_tables  # SciPy only when tables are built

    folder = cache_dir()
    if folder is None:
        return build_tables(parameters)
    path = folder / f"{parameters.name}-{table_key(parameters)}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return KernelTables(*(stored[name] for name in KernelTables._fields))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        pass  # not there yet, or unreadable: build it
    tables = build_tables(parameters)
    _store(path, tables)
    return tables


def _store(path: Path, tables) -> None:
    """Write the table file atomically; give up where the directory is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return  # a read-only place: the tables are built in each process
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **tables._asdict())
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
