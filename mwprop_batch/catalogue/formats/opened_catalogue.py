"""An opened catalogue: its columns, row count and a stream of record batches in file order.

What every reader (:mod:`.catalogue_files`, :mod:`.parquet_datasets`) returns and every
conversion consumes; :func:`rebatch` regroups a reader's batches into batches of a chosen size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from mwprop_batch.core.errors import CatalogueError, one_line

FORMATS = ("parquet", "csv", "psrcat")
DEFAULT_BATCH_ROWS = 65_536


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
