"""Kernel tables kept on disk, so a new process loads a model's tables instead of building them.

Building a model's tables (:func:`mwprop_batch.families.ne.tables.build_tables`) takes about half a
second, most of it the spiral-arm start grid; loading them takes a few tens of milliseconds
and needs neither SciPy nor the grid kernel. A table file is named by a hash of everything
the tables depend on: the model's parameters, the source of the modules that build them, and
the versions of the libraries they use. A changed parameter or a new version is a new file;
a file that cannot be read is rebuilt.

The directory is ``$MWPROP_BATCH_CACHE_DIR``, else ``mwprop_batch/`` inside
``$NUMBA_CACHE_DIR`` (where the compiled kernels go), else ``~/.cache/mwprop_batch``
(``$XDG_CACHE_HOME``). ``MWPROP_BATCH_CACHE_DIR=off`` turns the cache off. Each file is about
13 MB.

The cache is never fatal: with no home directory (no ``$HOME``, a uid without a passwd
entry) there is no cache; where the directory cannot be written, tables are built each time;
an entry that cannot be read for any reason (empty, truncated, damaged) is built again and
replaced. A file is written through the package's one atomic-publish path
(:class:`~mwprop_batch.core.publish.AtomicFile`: a temporary file, fsynced, renamed, the
directory fsynced), so concurrent writers each publish a whole file. Temporary files
(``*.tmp``) older than :data:`STALE_TEMP_SECONDS` (an interrupted save's; a save takes well
under a second) are removed (:func:`~mwprop_batch.core.publish.remove_stale_temp_files`), and
so are at once those of dead processes on this host.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np

from .errors import MwpropBatchError
from .publish import AtomicFile, remove_stale_temp_files

Tables = TypeVar("Tables", bound=NamedTuple)
ENV_DIR = "MWPROP_BATCH_CACHE_DIR"
OFF = "off"
LIBRARIES = ("numpy", "scipy", "numba", "llvmlite")
STALE_TEMP_SECONDS = 3600.0  # a temporary file this old (s) is an interrupted save's


def cache_dir() -> Path | None:
    """Where table files go (see the module docstring); None when the cache is off."""
    chosen = os.environ.get(ENV_DIR)
    if chosen:
        return None if chosen.lower() == OFF else Path(chosen)
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    if numba_dir:
        return Path(numba_dir) / "mwprop_batch"
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = Path.home() / ".cache"
        except (RuntimeError, KeyError, OSError):  # no $HOME and no passwd entry: no cache
            return None
    return Path(base) / "mwprop_batch"


def table_key(parameters: object, sources: Sequence[Path]) -> str:
    """Hash of the parameters (any picklable record), the bytes of ``sources`` (the modules
    whose code decides the tables' values) and the library versions."""
    digest = hashlib.sha256(pickle.dumps(parameters, protocol=5))
    for source in sources:
        digest.update(Path(source).read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library}={metadata.version(library)};".encode())
    return digest.hexdigest()[:32]


def load_or_build(name: str, parameters: object, build: Callable[[], Tables],
                  table_type: type[Tables], sources: Sequence[Path]) -> Tables:
    """A model's tables (a NamedTuple of arrays, ``table_type``), from the cache when there,
    else ``build()`` (then stored). ``name`` starts the file's name; ``parameters`` and
    ``sources`` key it (:func:`table_key`)."""
    folder = cache_dir()
    if folder is None:
        return build()
    remove_stale_temp_files(folder, STALE_TEMP_SECONDS)
    path = folder / f"{name}-{table_key(parameters, sources)}.npz"
    tables = _load(path, table_type)
    if tables is None:
        tables = build()
        _store(path, tables)
    return tables


def _load(path: Path, table_type: type[Tables]) -> Tables | None:
    """The tables stored at ``path``; None if it is missing or cannot be read for any reason."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return table_type(*(stored[name] for name in table_type._fields))
    except Exception:  # never fatal: whatever is wrong, the tables are rebuilt
        return None


def _store(path: Path, tables: NamedTuple) -> None:
    """Publish the table file atomically; give up where the directory is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with AtomicFile(path, overwrite=True, signals=False) as temp, open(temp, "wb") as out:
            np.savez(out, **tables._asdict())
    except (OSError, MwpropBatchError):
        pass  # a read-only or full place: the tables are built in each process
