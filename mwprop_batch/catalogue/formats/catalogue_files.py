"""Catalogue files in: streaming readers, and the metadata our outputs carry.

Readers (:func:`open_catalogue`) turn a Parquet file, a directory of Parquet files, a CSV file
or an ATNF ``psrcat.db`` into a :class:`Catalogue`: an Arrow schema (with the file's own
key/value and field metadata), a row count and an iterator of record batches in file order.
Outputs are written by :mod:`mwprop_batch.catalogue.storage.safe_writes`. No physics here: the
columns pass
through as they are. URLs (``s3://``, ``memory://`` ...) are read and written by
:mod:`mwprop_batch.catalogue.storage.remote` (the optional extra ``cloud``), which these functions
call.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import unquote

import pyarrow as pa

from mwprop_batch.core.errors import MwpropBatchError, MwpropBatchWarning

from ..storage.locations import local_path, remote_url
from .csv_files import CsvDialect, csv_batches, csv_schema
from .psrcat import PSRCAT_METADATA, TEXT_KEYS, UNPARSEABLE, read_psrcat

FORMATS = ("parquet", "csv", "psrcat")
DEFAULT_BATCH_ROWS = 65_536
FILE_METADATA_KEY = b"mwprop_batch"
STDIN = "-"  # as INPUT: read standard input (CSV unless a format is given)

_EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet", ".parq": "parquet",
    ".csv": "csv", ".db": "psrcat",
}
PARQUET_MAGIC = b"PAR1"
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # a Hive partition value that means null
_PARQUET_SUFFIXES = tuple(s for s, kind in _EXTENSIONS.items() if kind == "parquet")
_HIVE_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_SKIPPED_SHOWN = 5
_HIDDEN = (".", "_")  # names of entries a dataset leaves out silently
# compressed CSV is read transparently by pyarrow; a gzipped psrcat.db by read_psrcat
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4")


class CatalogueError(MwpropBatchError, ValueError):
    """A catalogue file cannot be read, or an output file cannot be written."""


class SkippedFilesWarning(MwpropBatchWarning):
    """Entries of a dataset directory that are not read (not Parquet, links to directories)."""


@dataclass(frozen=True)
class Catalogue:
    """An opened catalogue: its columns, row count and a way to stream its rows.

    Attributes
    ----------
    path : Path or str
        The file or directory read (a URL, str, for object storage).
    format : str
        One of :data:`FORMATS`.
    schema : pyarrow.Schema
        The columns, in file order, with the types every batch has, the fields' metadata and
        the file's key/value metadata (pandas' included).
    num_rows : int
        Number of rows.
    unparseable : dict
        ``{column: {row: text}}``: values the reader could not read as their column's type
        (psrcat numeric parameters), null in the batches.
    files : tuple of str
        A Parquet catalogue's files, in row order (paths in ``filesystem``).
    partitions : dict
        ``{file: {key: value}}``: the Hive partition values of each of ``files`` (columns of
        the schema that no file holds); empty when the dataset has none.
    filesystem : fsspec file system, or None
        Where ``files`` are; None for the local file system.
    """

    path: Path | str
    format: str
    schema: pa.Schema
    num_rows: int
    _scan: Callable[[int], Iterable[pa.RecordBatch]]
    unparseable: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    _keep: Any = None  # a spooled copy of a pipe, alive as long as the catalogue
    files: tuple[str, ...] = ()
    filesystem: Any = None
    partitions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def batches(self, rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """Record batches of ``rows`` rows (the last may be shorter), in file order.

        Raises :class:`CatalogueError` if the data turn out to be unreadable part-way.
        """
        try:
            yield from rebatch(self._scan(rows), rows, self.schema)
        except (pa.ArrowException, OSError) as exc:
            raise CatalogueError(f"cannot read {self.path}: {one_line(exc)}") from exc


def detect_format(
    path: str | os.PathLike[str], override: str | None = None, *, is_dir: bool | None = None
) -> str:
    """The catalogue format of ``path``: ``override`` if given, else from the name.

    A directory (``is_dir``; by default, whether ``path`` is a local directory) is a Parquet
    dataset; ``.parquet``/``.pq``/``.parq`` are Parquet, ``.csv``
    (optionally compressed, e.g. ``.csv.gz``) is CSV and ``.db`` (or ``.db.gz``) is an ATNF
    psrcat database; ``-`` (standard input) is CSV.
    """
    if override is not None:
        if override not in FORMATS:
            raise CatalogueError(f"unknown format {override!r}; choose one of {', '.join(FORMATS)}")
        return override
    if str(path) == STDIN:
        return "csv"
    path = Path(path)
    if path.is_dir() if is_dir is None else is_dir:
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


def open_catalogue(
    path: str | os.PathLike[str], format: str | None = None, *,
    storage_options: Mapping[str, Any] | None = None, csv: CsvDialect | None = None,
) -> Catalogue:
    """Open a catalogue for streaming (see :class:`Catalogue`).

    Parameters
    ----------
    path : str or path-like
        A Parquet file; a directory of Parquet files, read as one dataset (files in the
        order of their paths, names starting with '.' or '_' skipped, columns the union of
        the files' columns, null where a file lacks one, then Hive partition keys such as
        ``survey=A/`` as columns; other files and links to directories are skipped with a
        warning, see :func:`dataset_directory_files`); a CSV file (see
        :mod:`mwprop_batch.catalogue.formats.csv_files`); a psrcat database; or ``-`` for standard
        input. A
        pipe or standard input is first copied to a temporary file. A URL (``s3://...``)
        is read from object storage: see
        :func:`mwprop_batch.catalogue.storage.remote.open_remote_catalogue`.
    format : {"parquet", "csv", "psrcat"}, optional
        Overrides the format guessed by :func:`detect_format`.
    storage_options : mapping, optional
        For a URL: options of its fsspec file system (e.g. ``endpoint_url``).
    csv : CsvDialect, optional
        A CSV file's delimiter and encoding (default: delimiter detected, UTF-8); refused for
        any other format (:func:`check_dialect`).

    Raises
    ------
    CatalogueError
        If the path does not exist or is not a readable catalogue of that format, if two
        files of a dataset give a column different types, or if ``csv`` is given for a
        catalogue that is not CSV.
    """
    url = remote_url(path)
    if url is not None:
        from ..storage.remote import open_remote_catalogue

        return open_remote_catalogue(url, format, storage_options, csv)
    path = local_path(path)
    kind = detect_format(path, format)
    check_dialect(kind, csv, path)
    spool = None
    if str(path) == STDIN or (Path(path).exists() and _is_stream(Path(path))):
        spool = _spool(path)
        source = Path(spool.name)
    else:
        source = Path(path)
        if not source.exists():
            raise CatalogueError(f"{source}: no such file or directory")
    catalogue = open_local(source, kind, path, csv)
    return dataclasses.replace(catalogue, path=Path(path), _keep=spool)


def check_dialect(kind: str, csv: CsvDialect | None, label: str | os.PathLike[str]) -> None:
    """Raise :class:`CatalogueError` if a CSV dialect ``csv`` is given for the catalogue
    ``label`` of format ``kind`` other than CSV (it would be ignored)."""
    if csv is not None and kind != "csv":
        raise CatalogueError(
            f"{label} is read as {kind}: a delimiter or an encoding (--delimiter, --encoding; "
            f"Python: csv=CsvDialect(...)) is for CSV input only"
        )


def open_local(
    source: Path, kind: str, label: str | os.PathLike[str], csv: CsvDialect | None = None
) -> Catalogue:
    """Open the local file or directory ``source`` as a catalogue of format ``kind`` (a CSV
    file in the ``csv`` dialect); errors name ``label``."""
    try:
        if kind == "csv":
            return _open_csv(source, csv)
        return {"parquet": _open_parquet, "psrcat": _open_psrcat}[kind](source)
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, CatalogueError):
            raise
        raise CatalogueError(f"cannot read {label} as {kind}: {one_line(exc)}") from exc


def _is_stream(path: Path) -> bool:
    """Whether ``path`` is neither a regular file nor a directory (a pipe, a device)."""
    mode = path.stat().st_mode
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _spool(path: str | os.PathLike[str]):
    """A temporary file holding everything ``path`` (or standard input, ``-``) gives."""
    if str(path) == STDIN:
        return spool(sys.stdin.buffer, ".csv")
    with open(path, "rb") as stream:
        return spool(stream, "".join(Path(path).suffixes))


def spool(stream: Any, suffix: str):
    """A named temporary file (deleted when closed) holding what the binary ``stream`` gives;
    its name ends in ``suffix``."""
    copy = tempfile.NamedTemporaryFile(prefix="mwprop-batch-input-", suffix=suffix)
    shutil.copyfileobj(stream, copy)
    copy.flush()
    return copy


def _open_parquet(path: Path) -> Catalogue:
    if not path.is_dir():
        return open_parquet_files(path, [str(path)])
    return open_parquet_files(path, dataset_directory_files(path), base_dir=path)


def dataset_directory_files(root: Path) -> list[str]:
    """The Parquet files of the dataset directory ``root``, in the order of their paths
    (:func:`dataset_parts`).

    Links to files are read like files; links to directories are never followed (no cycles,
    nothing outside the dataset) and are named in the warning.
    """
    return dataset_parts(str(root), _directory_entries(root), open)


def _directory_entries(root: Path) -> Iterator[DatasetEntry]:
    """Every entry under the local directory ``root``, not descending into hidden ones."""
    pending = [root]
    while pending:
        directory = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith(_HIDDEN):
                    continue
                path = Path(entry.path)
                name = path.relative_to(root).as_posix()
                if entry.is_dir():
                    if entry.is_symlink():
                        yield DatasetEntry(name, entry.path, "a link to a directory: not followed")
                    else:
                        pending.append(path)
                elif entry.is_file():
                    yield DatasetEntry(name, entry.path)
                else:
                    yield DatasetEntry(name, entry.path, "not a regular file")


@dataclass(frozen=True)
class DatasetEntry:
    """An entry under a dataset's root: ``name`` relative to the root ('/'-separated), ``path``
    as its file system names it, and ``skipped``: why it is not read (None: a file, read if it
    is Parquet)."""

    name: str
    path: str
    skipped: str | None = None


def dataset_parts(
    root: str, entries: Iterable[DatasetEntry], open_file: Callable[[str, str], Any]
) -> list[str]:
    """The paths of the Parquet parts among ``entries`` (under the dataset ``root``: a local
    directory or an object-storage prefix), sorted: the dataset's row order.

    Entries with a name part starting with '.' or '_' are left out silently (``_SUCCESS``,
    ``_metadata``, our manifest). A file is a part if its name ends in
    ``.parquet``/``.pq``/``.parq`` or its first bytes (read with ``open_file(path, "rb")``)
    are Parquet's ``PAR1`` (Spark's ``part-00000``). Every other entry is named in one
    :class:`SkippedFilesWarning`, which names ``root``.
    """
    files: list[str] = []
    skipped: list[str] = []
    for entry in entries:
        if any(part.startswith(_HIDDEN) for part in entry.name.split("/")):
            continue
        if entry.skipped is None and _is_parquet_part(entry.path, open_file):
            files.append(entry.path)
        else:
            skipped.append(entry.name + (f" ({entry.skipped})" if entry.skipped else ""))
    if skipped:
        shown = ", ".join(sorted(skipped)[:_SKIPPED_SHOWN])
        more = len(skipped) - _SKIPPED_SHOWN
        warnings.warn(
            f"{root}: read no rows from {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'}"
            f" that {'is' if len(skipped) == 1 else 'are'} not a Parquet file: {shown}"
            + (f" and {more} more" if more > 0 else ""),
            SkippedFilesWarning, stacklevel=3,
        )
    return sorted(files)


def _is_parquet_part(path: str, open_file: Callable[[str, str], Any]) -> bool:
    """Whether the file ``path`` is a dataset part: a Parquet name, or Parquet's magic."""
    if PurePath(path).suffix.lower() in _PARQUET_SUFFIXES:
        return True
    with open_file(path, "rb") as stream:
        return stream.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC


def hive_partitioning(
    files: Iterable[str], base_dir: str | Path
) -> tuple[pa.Schema, dict[str, dict[str, Any]]]:
    """The partition keys of ``files`` under ``base_dir`` (a local directory or an
    object-storage prefix, as the files' paths give it) and each file's values.

    Each ``key=value`` directory (``survey=A/part.parquet``; the value URL-decoded) is a
    column, in order of first appearance, null for a file without it (and for Hive's
    ``__HIVE_DEFAULT_PARTITION__``); int64 if every value is an integer written without
    leading zeros, else string. Returns the keys' schema and ``{file: {key: value}}``.
    """
    texts: dict[str, dict[str, str | None]] = {}
    for name in files:
        found = texts.setdefault(name, {})
        for part in Path(name).relative_to(base_dir).parent.parts:
            key, equals, value = part.partition("=")
            if equals and key:
                found[key] = None if value == HIVE_NULL else unquote(value)
    keys = list(dict.fromkeys(k for found in texts.values() for k in found))
    integer = {
        key: all(_HIVE_INTEGER.fullmatch(found[key]) for found in texts.values()
                 if found.get(key) is not None)
        for key in keys
    }
    schema = pa.schema([pa.field(k, pa.int64() if integer[k] else pa.string()) for k in keys])
    values = {
        name: {k: None if found.get(k) is None else int(found[k]) if integer[k] else found[k]
               for k in keys}
        for name, found in texts.items()
    }
    return schema, values


def open_parquet_files(
    label: Path | str, files: Iterable[str], filesystem: Any = None,
    base_dir: str | Path | None = None,
) -> Catalogue:
    """A catalogue of the Parquet ``files`` (paths in ``filesystem``, an fsspec file system;
    None: local), read in this order as one dataset (:func:`union_schema`); ``label`` names
    it. With ``base_dir`` (the dataset's directory or prefix, as the files' paths give it),
    Hive partition keys in the files' paths (:func:`hive_partitioning`) are columns after the
    files' own."""
    import pyarrow.dataset as ds

    files = list(files)
    if not files:
        raise CatalogueError(f"{label}: no Parquet files in this directory")
    schema = union_schema(files, filesystem)
    options: dict[str, Any] = {}
    partitions: dict[str, dict[str, Any]] = {}
    if base_dir is not None:
        keys, partitions = hive_partitioning(files, base_dir)
        clash = [k for k in keys.names if k in schema.names]
        if clash:
            raise CatalogueError(
                f"{label}: partition key {clash[0]!r} (a '{clash[0]}=...' directory) is also "
                f"a column of the files; rename one"
            )
        if not keys.names:
            partitions = {}
        else:
            options = dict(
                partitioning=ds.partitioning(keys, flavor="hive", dictionaries=None),
                partition_base_dir=str(base_dir),
            )
            schema = pa.schema(list(schema) + list(keys), metadata=schema.metadata)
    dataset = ds.dataset(files, schema=schema, format="parquet", filesystem=filesystem,
                         **options)

    # Read on demand: the threaded scanner reads ahead as fast as it can while the models
    # compute (most of a file), and pre-buffering keeps every row group read until the file
    # is closed. Decoding is a small part of the time; memory stays a few batches.
    scan_options = ds.ParquetFragmentScanOptions(pre_buffer=False)

    def scan(rows: int) -> Iterator[pa.RecordBatch]:
        return dataset.to_batches(
            batch_size=rows, batch_readahead=0, fragment_readahead=0,
            fragment_scan_options=scan_options, use_threads=False,
        )

    return Catalogue(label, "parquet", schema, dataset.count_rows(), scan, files=tuple(files),
                     filesystem=filesystem, partitions=partitions)


def union_schema(files: Iterable[str], filesystem: Any = None) -> pa.Schema:
    """The columns of all ``files`` in order of first appearance, with the first file's
    key/value metadata and each column's first field metadata.

    A column that is all-null (type null) in one file takes its type from the others.

    Raises
    ------
    CatalogueError
        Naming the file and the column, if two files give a column different types.
    """
    import pyarrow.parquet as pq

    fields: dict[str, pa.Field] = {}
    first_seen: dict[str, str] = {}
    metadata = None
    for k, name in enumerate(files):
        shown = name if filesystem is None else filesystem.unstrip_protocol(name)  # a URL
        try:
            schema = pq.read_schema(name, filesystem=filesystem)
        except (pa.ArrowException, OSError) as exc:
            raise CatalogueError(f"cannot read {shown} as Parquet: {one_line(exc)}") from exc
        if k == 0:
            metadata = schema.metadata
        for new in schema:
            old = fields.get(new.name)
            if old is None or pa.types.is_null(old.type):
                kept = new if old is None or new.metadata else new.with_metadata(old.metadata)
                fields[new.name], first_seen[new.name] = kept, shown
            elif not pa.types.is_null(new.type) and new.type != old.type:
                raise CatalogueError(
                    f"{shown}: column {new.name!r} is {new.type}, but it is {old.type} in "
                    f"{first_seen[new.name]}; give every file of a dataset the same types"
                )
    return pa.schema(list(fields.values()), metadata=metadata)


def _open_csv(path: Path, dialect: CsvDialect | None = None) -> Catalogue:
    dialect = (dialect or CsvDialect()).resolved(path)
    schema, num_rows = csv_schema(path, dialect)
    return Catalogue(path, "csv", schema, num_rows,
                     lambda rows: csv_batches(path, schema, dialect))


def _open_psrcat(path: Path) -> Catalogue:
    frame = read_psrcat(path)
    schema = pa.schema([
        pa.field(name, pa.string() if name in TEXT_KEYS else pa.float64())
        for name in frame.columns
    ])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    found = frame.attrs[PSRCAT_METADATA]  # repeated keys, a record cut short: kept
    table = table.replace_schema_metadata(
        {PSRCAT_METADATA: json.dumps(found)} if found else None
    )
    return Catalogue(
        path, "psrcat", table.schema, table.num_rows,
        lambda rows: table.to_batches(max_chunksize=rows),
        unparseable=frame.attrs[UNPARSEABLE],
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


def field_with_doc(field: pa.Field, unit: str, description: str) -> pa.Field:
    """``field`` with Parquet field metadata ``unit`` and ``description``."""
    return field.with_metadata({b"unit": unit.encode(), b"description": description.encode()})


def schema_with_file_metadata(schema: pa.Schema, metadata: Mapping[str, Any]) -> pa.Schema:
    """``schema`` with ``metadata`` added, as JSON under b"mwprop_batch", to the file
    metadata it already has (the input's, pandas' included, kept as they are)."""
    kept = dict(schema.metadata or {})
    kept[FILE_METADATA_KEY] = json.dumps(metadata).encode()
    return schema.with_metadata(kept)


def read_file_metadata(
    path: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The metadata :func:`schema_with_file_metadata` stored in a Parquet file (a local path
    or a URL; ``storage_options`` as in :func:`open_catalogue`)."""
    import pyarrow.parquet as pq

    url = remote_url(path)
    if url is not None:
        from ..storage.remote import resolve

        location = resolve(url, storage_options)
        raw = pq.read_schema(location.path, filesystem=location.fs).metadata or {}
    else:
        raw = pq.read_schema(local_path(path)).metadata or {}
    if FILE_METADATA_KEY not in raw:
        raise CatalogueError(f"{path}: no {FILE_METADATA_KEY.decode()} metadata")
    return json.loads(raw[FILE_METADATA_KEY])


def one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__
