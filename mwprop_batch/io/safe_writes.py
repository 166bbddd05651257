"""Safe writes: an output is published whole or not at all, and never where it should not be.

:func:`check_output` refuses what must not be overwritten (symlinks, FIFOs, devices,
directories, a file without ``overwrite``); :class:`AtomicParquetWriter` writes row groups to
a hidden temporary file beside the output and renames it into place only when everything was
written, removing it on any error or on SIGTERM/SIGHUP (:class:`Interrupted`); the next run to
the same output removes what a killed run left (:func:`remove_dead_temp_files`).
:class:`AllOrNothingWriter` is what this writer and the object-store writer
(:mod:`mwprop_batch.io.remote`) share.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from secrets import token_hex
from types import FrameType
from typing import TYPE_CHECKING, Any, Self

import pyarrow as pa

if TYPE_CHECKING:
    import pyarrow.parquet as pq

from .catalogue_files import STDIN, CatalogueError, one_line

# signals that abort a write cleanly: the temporary file is removed, OUTPUT left as it was
ABORT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_TEMP_TAG = "mwprop-batch.tmp"  # temp files: .<output name>.<host>.<pid>.<random>.<tag>


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP received while an :class:`AtomicParquetWriter` was open."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def check_output(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Check that ``path`` can be created (or replaced, with ``overwrite``); return it.

    OUTPUT must be a new path or, with ``overwrite``, a regular file. Symbolic links (even
    dangling ones), directories, device nodes, FIFOs and sockets are refused whatever
    ``overwrite`` says, so nothing but a file this tool could have written is ever replaced.

    Raises :class:`CatalogueError` naming the problem.
    """
    path = Path(path)
    kind = _existing_kind(path)
    if kind == "a regular file" and not overwrite:
        raise CatalogueError(f"output {path} exists; use --overwrite to replace it")
    if kind not in (None, "a regular file"):
        raise CatalogueError(f"output {path} is {kind}; give the path of a new or regular file")
    parent = path.parent
    if not parent.is_dir():
        raise CatalogueError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CatalogueError(f"cannot write {path}: directory {parent} is not writable")
    return path


def _existing_kind(path: Path) -> str | None:
    """What is at ``path`` (not following a symbolic link), in words; None if nothing."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    kinds = [
        (stat.S_ISLNK, "a symbolic link"), (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ]
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def check_not_inside(target: Path, source: Path) -> None:
    """Raise :class:`CatalogueError` if ``target`` would lie inside the directory ``source``
    (a later run would read its own output back in) or is the file ``source``."""
    source = Path(source)
    if str(source) == STDIN:
        return
    where, what = Path(os.path.abspath(target)), Path(os.path.realpath(source))
    real_parent = Path(os.path.realpath(where.parent)) / where.name
    if source.is_dir() and (real_parent == what or what in real_parent.parents):
        raise CatalogueError(
            f"output {target} is inside the input dataset {source}; write it elsewhere"
        )
    if real_parent == what:
        raise CatalogueError(f"output {target} is the input file")


class AllOrNothingWriter(ABC):
    """What every all-or-nothing Parquet writer shares: row groups go to a temporary place
    (opened by ``__enter__``); a clean exit publishes them (``_commit``), an exception or a
    failed publication throws them away (``_abort``) and leaves the output as it was."""

    target: str  # the output, as the user named it (for messages)
    rows_written: int
    _writer: pq.ParquetWriter | None
    _previous_handlers: dict[int, Any]  # signal handlers replaced while open

    def __enter__(self) -> Self:
        self._previous_handlers = catch_abort_signals()
        self._all_or_nothing(self._open)
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        """Append ``batch`` as one row group."""
        assert self._writer is not None, f"use {type(self).__name__} in a with block"
        self._writer.write_batch(batch)
        self.rows_written += batch.num_rows

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            self._abort()
            return
        self._all_or_nothing(self._commit)

    def _all_or_nothing(self, step) -> None:
        """Run ``step``; if it fails, throw the output away and say why in one line."""
        try:
            step()
        except BaseException as error:
            self._abort()
            if isinstance(error, OSError | pa.ArrowException):
                raise CatalogueError(f"cannot write {self.target}: {one_line(error)}") from error
            raise

    @abstractmethod
    def _open(self) -> None:
        """Create the temporary place and ``self._writer`` (called by ``__enter__``)."""

    @abstractmethod
    def _commit(self) -> None:
        """Publish the output (called on a clean exit)."""

    @abstractmethod
    def _abort(self) -> None:
        """Throw the temporary output away (never raises)."""

    def _restore_signals(self) -> None:
        restore_signals(self._previous_handlers)
        self._previous_handlers = {}


class AtomicParquetWriter(AllOrNothingWriter):
    """Write a Parquet file all or nothing.

    Row groups go to a hidden temporary file in the output's directory,
    ``.<name>.<host>.<pid>.<random>.mwprop-batch.tmp``; on a clean exit from the ``with``
    block it is flushed to disk (fsync) and renamed to ``path``. On any exception, KeyboardInterrupt
    included, the temporary file is removed and ``path`` is left as it was. While open in the
    main thread, SIGTERM and SIGHUP raise :class:`Interrupted` (a KeyboardInterrupt) so that
    it cleans up too, unless the process ignores them (``nohup``); the previous handlers are
    restored on exit. A run killed outright (SIGKILL, power loss) leaves its temporary file:
    the next writer to the same ``path`` removes the leftovers of runs on this host whose
    process no longer exists.

    Parameters
    ----------
    path : str or path-like
        The output file (see :func:`check_output`).
    schema : pyarrow.Schema
        Schema of every batch written, with its metadata.
    overwrite : bool
        Replace an existing regular file (otherwise :class:`CatalogueError`).

    Examples
    --------
    >>> with AtomicParquetWriter(out, schema) as writer:  # doctest: +SKIP
    ...     for batch in batches:
    ...         writer.write(batch)
    """

    def __init__(
        self, path: str | os.PathLike[str], schema: pa.Schema, *, overwrite: bool = False
    ) -> None:
        self.path = check_output(path, overwrite)
        self.target = str(path)
        self.schema = schema
        self.overwrite = overwrite
        self.rows_written = 0
        self._temp: Path | None = None
        self._writer: pq.ParquetWriter | None = None
        self._previous_handlers: dict[int, Any] = {}

    def _open(self) -> None:
        remove_dead_temp_files(self.path)
        import pyarrow.parquet as pq  # here, not at import: most processes never write

        self._temp = _new_file(temp_path(self.path))
        self._writer = pq.ParquetWriter(self._temp, self.schema)

    def _commit(self) -> None:
        assert self._writer is not None and self._temp is not None
        self._writer.close()
        self._writer = None
        _fsync(self._temp)
        check_output(self.path, self.overwrite)  # nothing else appeared there meanwhile
        os.replace(self._temp, self.path)
        self._temp = None
        _fsync(self.path.parent)
        self._restore_signals()

    def _abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except (pa.ArrowException, OSError):
                pass  # the file is being thrown away
            self._writer = None
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None
        self._restore_signals()



def catch_abort_signals() -> dict[int, Any]:
    """In the main thread, make SIGTERM and SIGHUP raise :class:`Interrupted`; return the
    previous handlers (for :func:`restore_signals`). A signal this process was started to
    ignore stays ignored: under ``nohup`` a run outlives its terminal."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in ABORT_SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, _raise_interrupted)
    return previous


def restore_signals(previous: Mapping[int, Any]) -> None:
    """Put back the handlers :func:`catch_abort_signals` replaced."""
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def temp_path(path: Path) -> Path:
    """A new temporary file name for ``path``, naming this host and process."""
    return path.parent / temp_name(path.name)


def temp_name(name: str) -> str:
    """A new temporary name for an output named ``name``, naming this host and process:
    ``.<name>.<host>.<pid>.<random>.mwprop-batch.tmp``."""
    host = socket.gethostname().replace(".", "_")
    return f".{name}.{host}.{os.getpid()}.{token_hex(4)}.{_TEMP_TAG}"


def is_dead_temp(name: str, candidate: str) -> bool:
    """Whether ``candidate`` is a :func:`temp_name` for ``name`` made on this host by a process
    that no longer exists."""
    start = f".{name}.{socket.gethostname().replace('.', '_')}."
    if not (candidate.startswith(start) and candidate.endswith(f".{_TEMP_TAG}")):
        return False
    pid = candidate[len(start):].split(".")[0]
    return pid.isdigit() and not _process_exists(int(pid))


def remove_dead_temp_files(path: Path) -> list[Path]:
    """Remove the temporary files (or directories, of a Dask run) of earlier writers to
    ``path`` whose process on this host no longer exists (see :func:`temp_path`); return
    them."""
    host = socket.gethostname().replace(".", "_")
    removed = []
    for temp in path.parent.glob(f".{path.name}.{host}.*.*.{_TEMP_TAG}"):
        if not is_dead_temp(path.name, temp.name) or temp.is_symlink():
            continue
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            temp.unlink(missing_ok=True)
        removed.append(temp)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def _new_file(path: Path) -> Path:
    """Create ``path``, which must not exist, with the permissions the umask gives new files."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return path


def _fsync(path: Path) -> None:
    """Flush a file's or a directory's contents to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
