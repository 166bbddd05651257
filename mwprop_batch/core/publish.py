"""The one publish protocol: every output appears whole or not at all, never where it should not.

Every local file this package writes (tables, pictures, FITS maps, reports, the table cache,
merged kernel-cache files) is published by :class:`AtomicFile`: written under a hidden
temporary name beside the output (:func:`temp_name`:
``.<name>.<host>.<pid>.<random>.mwprop-batch.tmp``), flushed to disk (fsync), the output
checked again (:func:`check_output`) and renamed into place, the directory flushed. A
directory of parts (a Dask run's dataset) is published by :func:`swap_in_directory`, which
keeps the old one whole until the new one is in place. On any error, or on SIGTERM/SIGHUP
(:class:`Interrupted`), the temporary file is removed and the output left as it was; what a
killed run left is removed by the next writer to the same output
(:func:`remove_dead_temp_files`, :func:`dead_set_asides`).

The object-store writers (:mod:`mwprop_batch.catalogue.storage.remote_writes`) cannot rename
atomically; they use the same temporary names and dead-temporary rule (:func:`temp_name`,
:func:`is_dead_temp`) and publish in an order that is all-or-nothing there.

:func:`check_output` refuses what must not be overwritten (symbolic links, FIFOs, devices,
directories; an existing file without ``overwrite``: :class:`OutputExistsError`). Errors are
:class:`~mwprop_batch.core.errors.CatalogueError` naming the user's output, never the
temporary file. Nothing here knows a file format.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from secrets import token_hex
from types import FrameType
from typing import Any

from .errors import CatalogueError, MwpropBatchError, one_line

# signals that abort a write cleanly: the temporary file is removed, OUTPUT left as it was
ABORT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
TEMP_TAG = "mwprop-batch.tmp"  # temp files: .<output name>.<host>.<pid>.<random>.<tag>
ASIDE_TAG = "mwprop-batch.old"  # a replaced output kept aside until its successor is in place


class OutputExistsError(CatalogueError, FileExistsError):
    """The output exists and ``overwrite`` was not given (also a ``FileExistsError``)."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP received while an output was being written."""

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
    where, what = Path(os.path.abspath(target)), Path(os.path.realpath(source))
    real_parent = Path(os.path.realpath(where.parent)) / where.name
    if source.is_dir() and (real_parent == what or what in real_parent.parents):
        raise CatalogueError(
            f"output {target} is inside the input dataset {source}; write it elsewhere"
        )
    if real_parent == what:
        raise CatalogueError(f"output {target} is the input file")


class AtomicFile:
    """One local output file, published whole or not at all: the publish path of every writer.

    ``with AtomicFile(path) as temp:`` gives the path of a new, empty, hidden temporary file
    beside ``path`` (:func:`temp_name`), to be written by name. On a clean exit from the block
    it is flushed to disk (fsync), ``path`` is checked again (:func:`check_output`: nothing
    else appeared there meanwhile) and the file renamed to ``path``, then the directory
    flushed. On any exception, KeyboardInterrupt included, the temporary file is removed and
    ``path`` left as it was. With ``signals`` (in the main thread), SIGTERM and SIGHUP raise
    :class:`Interrupted` meanwhile, unless the process ignores them (``nohup``). A run killed
    outright leaves its temporary file: the next writer to the same ``path`` removes those of
    processes on this host that no longer exist.

    Errors are :class:`CatalogueError` naming ``path`` as given, never the temporary file
    (``cannot write out.png: No space left on device``). ``open``, ``commit`` and ``abort``
    are the steps of the ``with`` block, for writers that stream
    (:class:`~mwprop_batch.catalogue.storage.atomic_tables.AtomicTableWriter`).

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
        if isinstance(exc, OSError) and not isinstance(exc, MwpropBatchError):
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


def new_temp_directory(target: Path) -> Path:
    """A new, empty temporary directory beside ``target`` (:func:`temp_path`), where the
    parts of a dataset are written before :func:`swap_in_directory`; the dead temporaries of
    earlier writers to ``target`` are removed first."""
    remove_dead_temp_files(target)
    staging = temp_path(target)
    staging.mkdir()
    return staging


def swap_in_directory(staging: Path, target: Path) -> Path | None:
    """Rename the complete directory ``staging`` to ``target``; return where an existing
    ``target`` was set aside (``.<name>.<host>.<pid>.<random>.mwprop-batch.old``, for the
    caller to empty and remove), None if there was none.

    At every moment either the old output or the new one is whole at ``target``: if the
    second rename fails or is interrupted, the old one is put back. A process killed between
    the two renames leaves the old output set aside (see :func:`dead_set_asides`).
    """
    if not os.path.lexists(target):
        os.rename(staging, target)
        fsync_path(target.parent)
        return None
    aside = target.parent / temp_name(target.name, ASIDE_TAG)
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(aside, target)
        raise
    fsync_path(target.parent)
    return aside


def dead_set_asides(target: Path) -> list[Path]:
    """The directories :func:`swap_in_directory` set aside for ``target`` in processes on
    this host that no longer exist (killed between its two renames)."""
    host = socket.gethostname().replace(".", "_")
    return [p for p in target.parent.glob(f".{target.name}.{host}.*.*.{ASIDE_TAG}")
            if is_dead_temp(target.name, p.name, ASIDE_TAG) and not p.is_symlink()
            and p.is_dir()]


def put_back(aside: Path, target: Path) -> bool:
    """Rename the set-aside ``aside`` back to ``target`` if nothing is there; return whether
    it was."""
    if os.path.lexists(target):
        return False
    os.rename(aside, target)
    fsync_path(target.parent)
    return True


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


def temp_name(name: str, tag: str = TEMP_TAG) -> str:
    """A new temporary name for an output named ``name``, naming this host and process:
    ``.<name>.<host>.<pid>.<random>.<tag>`` (``tag``: :data:`TEMP_TAG`, or
    :data:`ASIDE_TAG` for an old output set aside)."""
    host = socket.gethostname().replace(".", "_")
    return f".{name}.{host}.{os.getpid()}.{token_hex(4)}.{tag}"


def is_dead_temp(name: str, candidate: str, tag: str = TEMP_TAG) -> bool:
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
    for temp in path.parent.glob(f".{path.name}.{host}.*.*.{TEMP_TAG}"):
        if not is_dead_temp(path.name, temp.name) or temp.is_symlink():
            continue
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            temp.unlink(missing_ok=True)
        removed.append(temp)
    return removed


def remove_stale_temp_files(folder: Path, max_age_s: float) -> list[Path]:
    """Remove the temporary files (``*.tmp``: ours, whatever host made them, and an earlier
    version's) in ``folder`` last modified more than ``max_age_s`` seconds ago; return them.
    For a folder only this package writes (a cache, perhaps shared by several hosts, whose
    processes :func:`remove_dead_temp_files` cannot see). A writer still filling one renews
    its time, so concurrent writers keep theirs; a file that vanishes meanwhile is
    skipped."""
    removed = []
    now = time.time()
    try:
        candidates = list(folder.glob("*.tmp"))  # hidden names too
    except OSError:
        return removed
    for temp in candidates:
        try:
            if temp.is_file() and now - temp.lstat().st_mtime > max_age_s:
                temp.unlink()
                removed.append(temp)
        except OSError:
            pass  # gone already, or not ours to remove
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
