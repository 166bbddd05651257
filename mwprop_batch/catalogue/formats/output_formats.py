"""What an output file's name says it holds, and the Arrow writer of each format.

An output's format comes from its name, never from a guess: ``.parquet`` or ``.pq`` is
Parquet, ``.csv`` is CSV (comma-separated, a header line of column names, values only: the
units, descriptions and provenance live only in Parquet metadata). Any other name, and a name
ending in ``/`` (a directory), is refused with a message that says what to give instead. A
dataset directory (a Dask run's output) is Parquet parts, so it may not be named ``*.csv``.
"""

from __future__ import annotations

import os
from typing import Any

import pyarrow as pa

from mwprop_batch.core.errors import CatalogueError

# file name suffix (lower case) -> format
OUTPUT_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
TABLE_FORMATS = ("parquet", "csv")


def output_format(target: str | os.PathLike[str]) -> str:
    """The format ("parquet" or "csv") the name of the output file ``target`` says.

    >>> output_format("out.parquet"), output_format("s3://bucket/OUT.CSV")
    ('parquet', 'csv')

    Raises :class:`CatalogueError` for a name ending in '/' (a directory) or with another
    suffix, naming ``target``.
    """
    text = os.fspath(target)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if text.endswith(("/", os.sep)):
        raise CatalogueError(
            f"output {text} ends in '/', a directory: give a file name ending in .parquet or "
            ".csv (a directory of Parquet parts is written by a Dask run, --scheduler)"
        )
    name = text.rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]
    suffix = name[name.rfind("."):].lower() if "." in name.lstrip(".") else ""
    if suffix not in OUTPUT_SUFFIXES:
        raise CatalogueError(
            f"output {text}: its name does not say a format; end it in .parquet (or .pq) "
            "for Parquet or .csv for CSV"
        )
    return OUTPUT_SUFFIXES[suffix]


def check_dataset_name(target: str | os.PathLike[str]) -> None:
    """Refuse a dataset (a directory of Parquet parts) named like a CSV file (``out.csv/``):
    its name would say a format it does not hold. Raises :class:`CatalogueError`."""
    name = os.fspath(target).rstrip("/").rsplit("/", 1)[-1]
    if OUTPUT_SUFFIXES.get(name[name.rfind("."):].lower()) == "csv":
        raise CatalogueError(
            f"output {target}: a Dask run writes a directory of Parquet parts; give it a name "
            "that does not end in .csv"
        )


def open_table_writer(sink: Any, schema: pa.Schema, format: str) -> Any:
    """An Arrow writer of ``format`` (see :data:`TABLE_FORMATS`) on ``sink`` (a path or a
    writable stream): it has ``write_batch(batch)`` and ``close()``.

    Raises pyarrow's error for a schema the format cannot hold (e.g. a list column in CSV).
    """
    if format == "parquet":
        import pyarrow.parquet as pq  # here, not at import: most processes never write

        return pq.ParquetWriter(sink, schema)
    if format == "csv":
        import pyarrow.csv as csv

        return csv.CSVWriter(sink, schema)
    raise CatalogueError(f"unknown output format {format!r}; one of {', '.join(TABLE_FORMATS)}")
