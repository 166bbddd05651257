"""Parquet datasets: which files of a directory or prefix are its parts, its Hive partition keys,
and one catalogue of many files.

The same rules hold for a local directory and an object-storage prefix: the file system is an
argument (an fsspec file system, None for local), given by
:mod:`mwprop_batch.catalogue.storage`; nothing here reaches a store itself.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import unquote

import pyarrow as pa

from mwprop_batch.core.errors import CatalogueError, MwpropBatchWarning, one_line

from .opened_catalogue import Catalogue

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
PARQUET_MAGIC = b"PAR1"
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # a Hive partition value that means null
_HIVE_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_SKIPPED_SHOWN = 5
_HIDDEN = (".", "_")  # names of entries a dataset leaves out silently


class SkippedFilesWarning(MwpropBatchWarning):
    """Entries of a dataset directory that are not read (not Parquet, links to directories)."""


def open_parquet_path(path: Path) -> Catalogue:
    """The local Parquet file or dataset directory ``path`` as one catalogue."""
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
    if PurePath(path).suffix.lower() in PARQUET_SUFFIXES:
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
