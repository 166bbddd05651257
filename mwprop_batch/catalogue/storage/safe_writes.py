"""Safe writes: an output is published whole or not at all, and never where it should not be.

:func:`check_output` refuses what must not be overwritten (symlinks, FIFOs, devices,
directories, an existing file without ``overwrite``: :class:`OutputExistsError`).
:class:`AtomicFile` is the one publish path of every local file this package writes (tables,
pictures, FITS maps, reports, the table cache): the file is written under a hidden temporary
name beside the output, flushed to disk (fsync), the output checked again, and renamed into
place; on any error or on SIGTERM/SIGHUP (:class:`Interrupted`) the temporary file is removed
and the output left as it was; the next writer to the same output removes what a killed run
left (:func:`remove_dead_temp_files`). Errors name the user's output, never the temporary
file. :class:`AtomicTableWriter` streams Parquet or CSV row groups through it;
:class:`AllOrNothingWriter` is what it and the object-store writer
(:mod:`mwprop_batch.catalogue.storage.remote`) share.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from secrets import token_hex
from types import FrameType
from typing import Any, Self

import pyarrow as pa

from mwprop_batch.core.errors import MwpropBatchError

from ..formats.catalogue_files import STDIN, CatalogueError, one_line
from ..formats.output_formats import open_table_writer

# signals that abort a write cleanly: the temporary file is removed, OUTPUT left as it was
ABORT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_TEMP_TAG = "mwprop-batch.tmp"  # temp files: .<output name>.<host>.<pid>.<random>.<tag>
ASIDE_TAG = "mwprop-batch.old"  # a replaced output kept aside until its successor is in place


class OutputExistsError(CatalogueError, FileExistsError):
    """The output exists and ``overwrite`` was not given (also a ``FileExistsError``)."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP received while an :class:`AtomicTableWriter` was open."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def check_output(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Check that ``path`` can be created (or replaced, with ``overwrite``); return it.

    OUTPUT must be a new path or, with ``overwrite``, a regular file. Symbolic links (even
    dangling ones), directories, device nodes, FIFOs and sockets are refused whatever
    ``overwrite`` says, so nothing but a file this tool could have written is ever replaced.

    Raises :class:`CatalogueError` naming the problem (:class:`OutputExistsError` for an
    existing file without ``overwrite``).
    """
    path = Path(path)
    kind = _existing_kind(path)
    if kind == "a regular file" and not overwrite:
        raise OutputExistsError(f"output {path} exists; use --overwrite to replace it")
    if kind not in (None, "a regular file"):
        raise CatalogueError(f"output {path} is {kind}; give the path of a new or regular file")
    parent = path.parent
    if not parent.is_dir():
        raise CatalogueError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CatalogueError(f"cannot write {path}: directory {parent} is not writable")
    return path


def check_outputs(
    paths: Iterable[str | os.PathLike[str] | None], overwrite: bool = False
) -> list[Path]:
    """:func:`check_output` for each of ``paths`` (None skipped), before any work is done;
    two of them naming the same file is an error too. Returns them as Paths."""
    checked: list[Path] = []
    for path in paths:
        if path is None:
            continue
        path = check_output(path, overwrite)
        if any(os.path.abspath(path) == os.path.abspath(p) for p in checked):
            raise CatalogueError(f"output {path} is named twice; give each output its own name")
        checked.append(path)
    return checked


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
    """What every all-or-nothing table writer shares: batches go to a temporary place
    (opened by ``__enter__``); a clean exit publishes them (``_commit``), an exception or a
    failed publication throws them away (``_abort``) and leaves the output as it was."""

    target: str  # the output, as the user named it (for messages)
    rows_written: int
    _writer: Any  # the format's Arrow writer (output_formats.open_table_writer), None if closed
    _previous_handlers: dict[int, Any]  # signal handlers replaced while open

    def __enter__(self) -> Self:
        self._previous_handlers = catch_abort_signals()
        self._all_or_nothing(self._open)
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        """Append ``batch`` (one Parquet row group); an error names the output."""
        assert self._writer is not None, f"use {type(self).__name__} in a with block"
        try:
            self._writer.write_batch(batch)
        except (OSError, pa.ArrowException) as error:  # a full disk, a lost connection
            raise write_error(self.target, error) from error
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
            if isinstance(error, OSError | pa.ArrowException) and \
                    not isinstance(error, MwpropBatchError):
                raise write_error(self.target, error) from error
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


class AtomicFile:
    """One local output file, published whole or not at all: the publish path of every writer.

    ``with AtomicFile(path) as temp:`` gives the path of a new, empty, hidden temporary file
    beside ``path`` (``.<name>.<host>.<pid>.<random>.mwprop-batch.tmp``), to be written by
    name. On a clean exit from the block it is flushed to disk (fsync), ``path`` is checked
    again (:func:`check_output`: nothing else appeared there meanwhile) and the file renamed to
    ``path``, then the directory flushed. On any exception, KeyboardInterrupt included, the
    temporary file is removed and ``path`` left as it was. With ``signals`` (in the main
    thread), SIGTERM and SIGHUP raise :class:`Interrupted` meanwhile, unless the process
    ignores them (``nohup``). A run killed outright leaves its temporary file: the next writer
    to the same ``path`` removes those of processes on this host that no longer exist.

    Errors are :class:`CatalogueError` naming ``path`` as given, never the temporary file
    (``cannot write out.png: No space left on device``). ``open``, ``commit`` and ``abort``
    are the steps of the ``with`` block, for writers that stream (:class:`AtomicTableWriter`).

    Examples
    --------
    >>> with AtomicFile("map.png", overwrite=True) as temp:  # doctest: +SKIP
    ...     figure.savefig(temp, format="png")
    """

    def __init__(
        self, path: str | os.PathLike[str], *, overwrite: bool = False, signals: bool = True
    ) -> None:
        self.path = check_output(path, overwrite)
        self.target = str(path)
        self.overwrite = overwrite
        self.signals = signals
        self.temp: Path | None = None
        self._previous_handlers: dict[int, Any] = {}

    def __enter__(self) -> Path:
        return self.open()

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.commit()
            return
        self.abort()
        if isinstance(exc, OSError | pa.ArrowException) and not isinstance(exc, MwpropBatchError):
            raise write_error(self.target, exc) from exc

    def open(self) -> Path:
        """Create the temporary file; return its path."""
        if self.signals:
            self._previous_handlers = catch_abort_signals()
        try:
            remove_dead_temp_files(self.path)
            self.temp = _new_file(temp_path(self.path))
        except BaseException as error:
            self.abort()
            if isinstance(error, OSError):
                raise CatalogueError(
                    f"cannot write {self.target}: cannot create a file in "
                    f"{self.path.parent}: {error_reason(error)}"
                ) from error
            raise
        return self.temp

    def commit(self) -> None:
        """Publish the (closed) temporary file at ``path``."""
        assert self.temp is not None, "commit() after open()"
        try:
            fsync_path(self.temp)
            check_output(self.path, self.overwrite)  # nothing else appeared there meanwhile
            os.replace(self.temp, self.path)
            self.temp = None
            fsync_path(self.path.parent)
        except BaseException as error:
            self.abort()
            if isinstance(error, OSError) and not isinstance(error, MwpropBatchError):
                raise write_error(self.target, error) from error
            raise
        restore_signals(self._previous_handlers)
        self._previous_handlers = {}

    def abort(self) -> None:
        """Remove the temporary file, if any (never raises an OSError)."""
        if self.temp is not None:
            try:
                self.temp.unlink(missing_ok=True)
            except OSError:
                pass  # left under its recognisable name, removed by a later writer
            self.temp = None
        restore_signals(self._previous_handlers)
        self._previous_handlers = {}


class AtomicTableWriter(AllOrNothingWriter):
    """Write a Parquet or CSV file all or nothing, batch by batch, through :class:`AtomicFile`.

    Each batch is a row group (Parquet) or a block of lines (CSV) of the temporary file; a
    clean exit from the ``with`` block publishes it at ``path``; any exception, SIGTERM or
    SIGHUP (:class:`Interrupted`) included, removes it and leaves ``path`` as it was.

    Parameters
    ----------
    path : str or path-like
        The output file (see :func:`check_output`).
    schema : pyarrow.Schema
        Schema of every batch written, with its metadata (kept in Parquet only).
    overwrite : bool
        Replace an existing regular file (otherwise :class:`OutputExistsError`).
    format : {"parquet", "csv"}
        What to write (:mod:`mwprop_batch.catalogue.formats.output_formats`).

    Examples
    --------
    >>> with AtomicTableWriter(out, schema) as writer:  # doctest: +SKIP
    ...     for batch in batches:
    ...         writer.write(batch)
    """

    def __init__(
        self, path: str | os.PathLike[str], schema: pa.Schema, *, overwrite: bool = False,
        format: str = "parquet",
    ) -> None:
        self._file = AtomicFile(path, overwrite=overwrite, signals=False)  # ours catch them
        self.path = self._file.path
        self.target = self._file.target
        self.schema = schema
        self.format = format
        self.rows_written = 0
        self._writer: Any = None
        self._previous_handlers: dict[int, Any] = {}

    def _open(self) -> None:
        self._writer = open_table_writer(self._file.open(), self.schema, self.format)

    def _commit(self) -> None:
        assert self._writer is not None
        self._writer.close()
        self._writer = None
        self._file.commit()
        self._restore_signals()

    def _abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except (pa.ArrowException, OSError):
                pass  # the file is being thrown away
            self._writer = None
        self._file.abort()
        self._restore_signals()


def write_error(target: str, error: BaseException) -> CatalogueError:
    """``cannot write TARGET: reason`` for ``error``, met while writing ``target``."""
    return CatalogueError(f"cannot write {target}: {error_reason(error)}")


def error_reason(error: BaseException) -> str:
    """Why ``error`` happened, in one line, without the file name an OSError carries (ours is
    a temporary name the user never gave)."""
    if isinstance(error, OSError) and error.strerror:
        return one_line(OSError(error.errno, error.strerror))
    return one_line(error)


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


def temp_name(name: str, tag: str = _TEMP_TAG) -> str:
    """A new temporary name for an output named ``name``, naming this host and process:
    ``.<name>.<host>.<pid>.<random>.<tag>`` (``tag``: mwprop-batch.tmp, or
    :data:`ASIDE_TAG` for an old output set aside)."""
    host = socket.gethostname().replace(".", "_")
    return f".{name}.{host}.{os.getpid()}.{token_hex(4)}.{tag}"


def is_dead_temp(name: str, candidate: str, tag: str = _TEMP_TAG) -> bool:
    """Whether ``candidate`` is a :func:`temp_name` (with ``tag``) for ``name`` made on this
    host by a process that no longer exists."""
    start = f".{name}.{socket.gethostname().replace('.', '_')}."
    if not (candidate.startswith(start) and candidate.endswith(f".{tag}")):
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


def fsync_path(path: Path) -> None:
    """Flush a file's or a directory's contents to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
