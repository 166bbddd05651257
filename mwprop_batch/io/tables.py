"""Catalogue files in and out: streaming readers and the atomic Parquet writer.

Readers (:func:`open_catalogue`) turn a Parquet file, a directory of Parquet files, a CSV file
or an ATNF ``psrcat.db`` into a :class:`Catalogue`: an Arrow schema, a row count and an
iterator of record batches in file order. The writer (:class:`AtomicParquetWriter`) writes
row groups to a hidden temporary file beside the output and renames it into place only when
everything was written. No physics here: the columns pass through as they are.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from types import FrameType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .psrcat import read_psrcat

FORMATS = ("parquet", "csv", "psrcat")
DEFAULT_BATCH_ROWS = 65_536
FILE_METADATA_KEY = b"mwprop_batch"

_EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet", ".parq": "parquet",
    ".csv": "csv", ".db": "psrcat",
}
# compressed CSV is read transparently by pyarrow
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4")
# CSV column types tried in this order; a column takes the first that every value fits
_CSV_TYPES = (pa.int64(), pa.float64())
# CSV cells read as missing in numeric columns (pyarrow's list, blank included)
CSV_MISSING = pa.array(pacsv.ConvertOptions().null_values, type=pa.string())


class CatalogueError(ValueError):
    """A catalogue file cannot be read, or an output file cannot be written."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or another signal) received while an :class:`AtomicParquetWriter` was open."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class Catalogue:
    """An opened catalogue: its columns, row count and a way to stream its rows.

    Attributes
    ----------
    path : Path
        The file or directory read.
    format : str
        One of :data:`FORMATS`.
    schema : pyarrow.Schema
        The columns, in file order, with the types every batch has.
    num_rows : int
        Number of rows.
    """

    path: Path
    format: str
    schema: pa.Schema
    num_rows: int
    _scan: Callable[[int], Iterable[pa.RecordBatch]]

    def batches(self, rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """Record batches of ``rows`` rows (the last may be shorter), in file order.

        Raises :class:`CatalogueError` if the data turn out to be unreadable part-way.
        """
        try:
            yield from rebatch(self._scan(rows), rows, self.schema)
        except (pa.ArrowException, OSError) as exc:
            raise CatalogueError(f"cannot read {self.path}: {one_line(exc)}") from exc


def detect_format(path: str | os.PathLike[str], override: str | None = None) -> str:
    """The catalogue format of ``path``: ``override`` if given, else from the name.

    A directory is a Parquet dataset; ``.parquet``/``.pq``/``.parq`` are Parquet, ``.csv``
    (optionally compressed, e.g. ``.csv.gz``) is CSV and ``.db`` is an ATNF psrcat database.
    """
    if override is not None:
        if override not in FORMATS:
            raise CatalogueError(f"unknown format {override!r}; choose one of {', '.join(FORMATS)}")
        return override
    path = Path(path)
    if path.is_dir():
        return "parquet"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()
    if suffixes and suffixes[-1] in _EXTENSIONS:
        return _EXTENSIONS[suffixes[-1]]
    raise CatalogueError(
        f"cannot tell the format of {path} from its name; give it with --format "
        f"({', '.join(FORMATS)})"
    )


def open_catalogue(path: str | os.PathLike[str], format: str | None = None) -> Catalogue:
    """Open a catalogue for streaming (see :class:`Catalogue`).

    Parameters
    ----------
    path : str or path-like
        A Parquet file, a directory of Parquet files (read as one dataset, files in name
        order, names starting with '.' or '_' skipped), a CSV file or a psrcat database.
    format : {"parquet", "csv", "psrcat"}, optional
        Overrides the format guessed by :func:`detect_format`.

    Raises
    ------
    CatalogueError
        If the path does not exist or is not a readable catalogue of that format.
    """
    path = Path(path)
    if not path.exists():
        raise CatalogueError(f"{path}: no such file or directory")
    kind = detect_format(path, format)
    opener = {"parquet": _open_parquet, "csv": _open_csv, "psrcat": _open_psrcat}[kind]
    try:
        return opener(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, CatalogueError):
            raise
        raise CatalogueError(f"cannot read {path} as {kind}: {one_line(exc)}") from exc


def _open_parquet(path: Path) -> Catalogue:
    dataset = ds.dataset(path, format="parquet")
    if not dataset.files:
        raise CatalogueError(f"{path}: no Parquet files in this directory")

    # Read on demand: the threaded scanner reads ahead as fast as it can while the models
    # compute (most of a file), and pre-buffering keeps every row group read until the file
    # is closed. Decoding is a small part of the time; memory stays a few batches.
    options = ds.ParquetFragmentScanOptions(pre_buffer=False)

    def scan(rows: int) -> Iterator[pa.RecordBatch]:
        return dataset.to_batches(
            batch_size=rows, batch_readahead=0, fragment_readahead=0,
            fragment_scan_options=options, use_threads=False,
        )

    return Catalogue(path, "parquet", dataset.schema, dataset.count_rows(), scan)


def _open_csv(path: Path) -> Catalogue:
    """A CSV file; one pass over it settles each column's type and counts the rows.

    A column is int64 if every value is an integer, float64 if every value is a number
    (blank cells and the spellings in :data:`CSV_MISSING` count as missing), and text
    otherwise: text columns keep their cells exactly as written, so a numeric column with junk
    in it stays text. The file is read lazily, a chunk at a time, in both passes.
    """
    names = [str(n) for n in pd.read_csv(path, nrows=0).columns]
    candidates = {name: list(_CSV_TYPES) for name in names}
    num_rows = 0
    for chunk in _csv_text(path, DEFAULT_BATCH_ROWS):
        num_rows += chunk.num_rows
        for name, column in zip(names, chunk.columns, strict=True):
            candidates[name] = [t for t in candidates[name] if _converts(column, t)]
    schema = pa.schema(
        [pa.field(name, fits[0] if fits else pa.string()) for name, fits in candidates.items()]
    )

    def scan(rows: int) -> Iterator[pa.RecordBatch]:
        for chunk in _csv_text(path, rows):
            columns = [_from_text(c, f.type) for c, f in zip(chunk.columns, schema, strict=True)]
            yield from pa.Table.from_arrays(columns, schema=schema).to_batches()

    return Catalogue(path, "csv", schema, num_rows, scan)


def _csv_text(path: Path, rows: int) -> Iterator[pa.Table]:
    """The CSV's cells as text, exactly as written, ``rows`` rows at a time."""
    with pd.read_csv(
        path, dtype=str, keep_default_na=False, na_filter=False, chunksize=rows
    ) as reader:
        for chunk in reader:
            yield pa.table({str(n): pa.array(chunk[n], type=pa.string()) for n in chunk})


def _from_text(column: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray:
    """CSV text as type ``to``: trimmed, with blanks and :data:`CSV_MISSING` as null.

    Raises pyarrow.ArrowInvalid if a value does not convert.
    """
    if to == pa.string():
        return column
    trimmed = pc.utf8_trim_whitespace(column)
    missing = pc.is_in(trimmed, value_set=CSV_MISSING)
    return pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), trimmed), to)


def _converts(column: pa.ChunkedArray, to: pa.DataType) -> bool:
    """Whether every value of the text ``column`` converts to type ``to``."""
    try:
        _from_text(column, to)
    except pa.ArrowInvalid:
        return False
    return True


def _open_psrcat(path: Path) -> Catalogue:
    table = pa.Table.from_pandas(read_psrcat(path), preserve_index=False)
    table = table.replace_schema_metadata(None)
    return Catalogue(
        path, "psrcat", table.schema, table.num_rows,
        lambda rows: table.to_batches(max_chunksize=rows),
    )


def rebatch(
    batches: Iterable[pa.RecordBatch], rows: int, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """Regroup record batches of any sizes into batches of exactly ``rows`` rows, in order.

    The last batch holds the remainder; empty input batches are dropped.
    """
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending, schema)
            yield table.slice(0, rows).combine_chunks().to_batches()[0]
            rest = table.slice(rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending, schema).combine_chunks().to_batches()[0]


def check_output(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Check that ``path`` can be created (or replaced, with ``overwrite``); return it.

    Raises :class:`CatalogueError` naming the problem: the file exists, it is a directory,
    or its directory does not exist or is not writable.
    """
    path = Path(path)
    if path.is_dir():
        raise CatalogueError(f"output {path} is a directory")
    if path.exists() and not overwrite:
        raise CatalogueError(f"output {path} exists; use --overwrite to replace it")
    parent = path.parent
    if not parent.is_dir():
        raise CatalogueError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CatalogueError(f"cannot write {path}: directory {parent} is not writable")
    return path


def field_with_doc(field: pa.Field, unit: str, description: str) -> pa.Field:
    """``field`` with Parquet field metadata ``unit`` and ``description``."""
    return field.with_metadata({b"unit": unit.encode(), b"description": description.encode()})


def schema_with_file_metadata(schema: pa.Schema, metadata: Mapping[str, Any]) -> pa.Schema:
    """``schema`` whose only file metadata is ``metadata``, as JSON under b"mwprop_batch"."""
    return schema.with_metadata({FILE_METADATA_KEY: json.dumps(metadata).encode()})


def read_file_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata :func:`schema_with_file_metadata` stored in a Parquet file."""
    raw = pq.read_schema(path).metadata or {}
    if FILE_METADATA_KEY not in raw:
        raise CatalogueError(f"{path}: no {FILE_METADATA_KEY.decode()} metadata")
    return json.loads(raw[FILE_METADATA_KEY])


class AtomicParquetWriter:
    """Write a Parquet file all or nothing.

    Row groups go to a hidden temporary file in the output's directory; on a clean exit from
    the ``with`` block it is flushed to disk (fsync) and renamed to ``path``. On any exception,
    KeyboardInterrupt included, the temporary file is removed and ``path`` is left as it was.
    While open in the main thread, SIGTERM raises :class:`Interrupted` (a KeyboardInterrupt)
    so that it cleans up too; the previous handler is restored on exit.

    Parameters
    ----------
    path : str or path-like
        The output file.
    schema : pyarrow.Schema
        Schema of every batch written, with its metadata.
    overwrite : bool
        Replace an existing file (otherwise :class:`CatalogueError`).

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
        self.schema = schema
        self.overwrite = overwrite
        self.rows_written = 0
        self._temp: Path | None = None
        self._writer: pq.ParquetWriter | None = None
        self._previous_sigterm: Any = None

    def __enter__(self) -> AtomicParquetWriter:
        self._catch_sigterm()
        try:
            self._temp = _new_file(self.path.parent / f".{self.path.name}.{token_hex(6)}.tmp")
            self._writer = pq.ParquetWriter(self._temp, self.schema)
        except BaseException as exc:
            self._abort()
            if isinstance(exc, OSError):
                raise CatalogueError(f"cannot write {self.path}: {one_line(exc)}") from exc
            raise
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        """Append ``batch`` as one row group."""
        assert self._writer is not None, "use AtomicParquetWriter in a with block"
        self._writer.write_batch(batch)
        self.rows_written += batch.num_rows

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            self._commit()
        except BaseException:
            self._abort()
            raise

    def _commit(self) -> None:
        assert self._writer is not None and self._temp is not None
        self._writer.close()
        self._writer = None
        _fsync(self._temp)
        if self.path.exists() and not self.overwrite:  # appeared while we were writing
            raise CatalogueError(f"output {self.path} exists; use --overwrite to replace it")
        os.replace(self._temp, self.path)
        self._temp = None
        _fsync(self.path.parent)
        self._restore_sigterm()

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
        self._restore_sigterm()

    def _catch_sigterm(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupted)

    def _restore_sigterm(self) -> None:
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None


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


def one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__
