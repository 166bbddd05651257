"""Catalogue files in: tell a file's format and open a local Parquet, CSV or psrcat catalogue.

Readers turn a Parquet file, a directory of Parquet files (:mod:`.parquet_datasets`), a CSV
file (:mod:`.csv_files`) or an ATNF ``psrcat.db`` (:mod:`.psrcat`) into a
:class:`~.opened_catalogue.Catalogue`: an Arrow schema (with the file's own key/value and field
metadata), a row count and an iterator of record batches in file order. No physics here: the
columns pass through as they are. A path or a URL (``s3://``, ``memory://`` ...) is opened by
:func:`mwprop_batch.catalogue.storage.catalogue_readers.open_catalogue`, which calls these.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from mwprop_batch.core.errors import CatalogueError, one_line

from .csv_files import CsvDialect, csv_batches, csv_schema
from .opened_catalogue import FORMATS, Catalogue
from .parquet_datasets import PARQUET_SUFFIXES, open_parquet_path
from .psrcat import PSRCAT_METADATA, TEXT_KEYS, UNPARSEABLE, read_psrcat

STDIN = "-"  # as INPUT: read standard input (CSV unless a format is given)
_EXTENSIONS = {**dict.fromkeys(PARQUET_SUFFIXES, "parquet"), ".csv": "csv", ".db": "psrcat"}
# compressed CSV is read transparently by pyarrow; a gzipped psrcat.db by read_psrcat
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4")


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


def open_local_catalogue(
    path: str | os.PathLike[str], format: str | None = None, csv: CsvDialect | None = None
) -> Catalogue:
    """Open the local catalogue ``path`` (``-``: standard input) for streaming; see
    :func:`mwprop_batch.catalogue.storage.catalogue_readers.open_catalogue`. A pipe or standard
    input is first copied to a temporary file (deleted with the catalogue)."""
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
        return {"parquet": open_parquet_path, "psrcat": _open_psrcat}[kind](source)
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
