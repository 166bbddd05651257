"""Convert a catalogue file: open and check it, stream its batches through the models, publish
the output all or nothing, and count what happened (:class:`Summary`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .catalogue.formats.catalogue_files import STDIN
from .catalogue.formats.csv_files import CsvDialect
from .catalogue.formats.opened_catalogue import DEFAULT_BATCH_ROWS, Catalogue
from .catalogue.formats.output_formats import output_format
from .catalogue.formats.output_metadata import FILE_METADATA_KEY, schema_with_file_metadata
from .catalogue.storage.atomic_tables import AtomicTableWriter
from .catalogue.storage.catalogue_readers import open_catalogue
from .catalogue.storage.locations import local_path, remote_url
from .column_choice import ColumnOverrides, Columns, find_columns
from .conversion_settings import Settings
from .core.errors import InvalidValueError
from .core.input_types import check_input_types
from .core.parallel import takes_threads
from .core.publish import check_not_inside, check_output
from .core.runner import INTERPRETED_CALL_ROWS
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from .core.status import OK
from .core.version import VERSION
from .model import Model
from .positions import ModelInputs
from .registry import DEFAULT_MODEL
from .result_columns import (
    STATUS,
    check_new_names,
    check_unique_names,
    compute,
    converted_before,
    earlier_status,
    input_names,
    model_frame,
    result_fields,
)


@dataclass
class Summary:
    """Counts of a conversion: rows, bad rows by reason, limit rows per model, wall time (s)
    and, of that, the start-up (opening, checking, loading or compiling the kernels, s)."""

    models: tuple[str, ...]
    rows: int = 0
    bad: Counter[str] = field(default_factory=Counter)
    limits: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    startup_seconds: float = 0.0
    output: Path | str | None = None

    @property
    def bad_rows(self) -> int:
        return sum(self.bad.values())

    @property
    def rows_per_second(self) -> float:
        """Rows per second once started (the start-up excluded)."""
        working = self.seconds - self.startup_seconds
        return self.rows / working if working > 0 else float("nan")

    def add(self, results: pd.DataFrame) -> None:
        """Count one batch of :func:`~mwprop_batch.result_columns.compute` results."""
        self.rows += len(results)
        status = results[STATUS]
        self.bad.update(status[status != OK].tolist())
        for name in self.models:
            if f"{name}_limit" in results:  # dm_mw has no limit column
                self.limits[name] += int(results[f"{name}_limit"].sum())

    def line(self) -> str:
        """One line: rows, rate, limit rows per model (said what they are), bad rows (with
        the commonest reasons)."""
        limits = ", ".join(f"{name} {self.limits[name]:,}" for name in self.models)
        reasons = ", ".join(f"{why}: {n:,}" for why, n in self.bad.most_common(3))
        bad = f"{self.bad_rows:,}" + (f" ({reasons})" if reasons else "")
        target = f" -> {self.output}" if self.output else ""
        # a dm_mw conversion has no limit rows (the DM to the edge is not a search)
        limits = (f"limits (DM beyond what the model reaches, DIST a lower limit): {limits}; "
                  if self.limits or not self.rows else "")
        return (
            f"{self.rows:,} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s "
            f"after {self.startup_seconds:.1f} s start-up); {limits}bad rows: {bad}{target}"
        )


@takes_threads
def convert_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    models: str | Model | Iterable[str | Model] = (DEFAULT_MODEL,),
    to: str = "dist",
    *,
    scattering: bool = False,
    freq_ghz: float = REFERENCE_FREQ_GHZ,
    velocity_kms: float = REFERENCE_VELOCITY_KMS,
    columns: ColumnOverrides | None = None,
    strict: bool = False,
    format: str | None = None,
    overwrite: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: bool = False,
    command: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    csv: CsvDialect | None = None,
) -> Summary:
    """Stream a catalogue file through the models into a Parquet or CSV file (as ``target``'s
    name says: ``.parquet``/``.pq`` or ``.csv``; CSV holds the values only), in bounded memory.

    Reads ``source`` (see
    :func:`mwprop_batch.catalogue.storage.catalogue_readers.open_catalogue`; ``format``
    overrides the guess from its name) in batches of ``batch_rows`` rows and writes one row
    group per batch to ``target``: the input columns unchanged, in order, then the results as
    in :func:`mwprop_batch.convert.convert`. Units and descriptions are Parquet field metadata;
    the models, their parameter provenance, the package version, the settings and ``command``
    are file metadata
    (:func:`mwprop_batch.catalogue.storage.catalogue_readers.read_file_metadata`). ``target``
    appears only when everything was written. ``progress`` shows a tqdm bar on stderr.

    ``source`` and ``target`` may be URLs (``s3://bucket/key``, any fsspec URL; extra
    ``cloud``): the same conversion, published on object storage as
    :mod:`mwprop_batch.catalogue.storage.remote_writes` describes; ``storage_options`` go to
    their fsspec file system (e.g. ``{"endpoint_url": "http://127.0.0.1:9000"}``). ``csv``
    gives a CSV file's delimiter and encoding
    (:class:`~mwprop_batch.catalogue.formats.csv_files.CsvDialect`).

    ``threads`` (keyword) is as in :func:`mwprop_batch.convert.convert`.

    Raises
    ------
    CatalogueError, MissingColumnError, ConversionError, InvalidRowError (strict)
        With a one-line message; nothing is written.
    """
    start = time.perf_counter()
    settings = Settings.create(
        models, to=to, scattering=scattering, freq_ghz=freq_ghz, velocity_kms=velocity_kms,
        strict=strict,
    )
    if batch_rows < 1:
        raise InvalidValueError(f"batch_rows must be at least 1, got {batch_rows}")
    target = checked_output(target, overwrite, storage_options)
    plan = plan_conversion(source, target, settings, columns, format, command, storage_options,
                           csv)
    catalogue, chosen = plan.catalogue, plan.columns
    summary = Summary(tuple(m.name.upper() for m in settings.models), output=target)
    warm_up(settings, catalogue.num_rows)
    summary.startup_seconds = time.perf_counter() - start
    from tqdm import tqdm  # here, not at import: only a conversion shows a bar

    bar = tqdm(
        total=catalogue.num_rows, unit="row", unit_scale=True, disable=not progress,
        file=sys.stderr, desc=Path(str(catalogue.path)).name,
    )
    output = table_writer(target, plan.schema, overwrite, storage_options)
    with bar, output as writer:
        for batch in catalogue.batches(batch_rows):
            first = writer.rows_written
            computed = compute(
                batch.select(chosen.names).to_pandas(), chosen, settings, first,
                rows_between(catalogue.unparseable, first, first + batch.num_rows),
                earlier_status(batch) if plan.converted_before else None,
            )
            summary.add(computed)
            writer.write(with_results(batch, computed, plan.schema))
            bar.update(batch.num_rows)
    summary.seconds = time.perf_counter() - start
    return summary


def checked_output(
    target: str | os.PathLike[str], overwrite: bool,
    storage_options: Mapping[str, Any] | None = None,
) -> Path | str:
    """``target`` checked as an output file (see
    :func:`~mwprop_batch.core.publish.check_output`) whose name says its format
    (:func:`~mwprop_batch.catalogue.formats.output_formats.output_format`): a local Path, or a URL
    (str).

    Raises CatalogueError (an existing output without ``overwrite``: "use --overwrite").
    """
    url = remote_url(target)
    if url is None:
        checked = check_output(local_path(target), overwrite)
        output_format(target)
        return checked
    from .catalogue.storage.object_store import resolve
    from .catalogue.storage.remote_writes import check_remote_output

    check_remote_output(resolve(url, storage_options), overwrite)
    output_format(url)
    return url


def table_writer(
    target: Path | str, schema: pa.Schema, overwrite: bool = False,
    storage_options: Mapping[str, Any] | None = None, staged: bool = True,
):
    """The all-or-nothing writer for ``target``, of the format its name says (Parquet or CSV,
    :func:`~mwprop_batch.catalogue.formats.output_formats.output_format`): an
    :class:`~mwprop_batch.catalogue.storage.atomic_tables.AtomicTableWriter` for a local path, a
    :class:`~mwprop_batch.catalogue.storage.remote_writes.RemoteTableWriter` for a URL
    (``staged`` as there)."""
    url = remote_url(target)
    format = output_format(url or target)
    if url is None:
        return AtomicTableWriter(local_path(target), schema, overwrite=overwrite, format=format)
    from .catalogue.storage.remote_writes import RemoteTableWriter

    return RemoteTableWriter(url, schema, overwrite=overwrite, storage_options=storage_options,
                             staged=staged, format=format)


@dataclass(frozen=True)
class Plan:
    """A checked conversion: the opened catalogue, what to compute, the output schema."""

    catalogue: Catalogue
    settings: Settings
    columns: Columns
    schema: pa.Schema

    @property
    def converted_before(self) -> bool:
        """Whether the input is an earlier conversion (its status combines with the new)."""
        return converted_before(self.catalogue.schema.names)


def plan_conversion(
    source: str | os.PathLike[str], target: str | os.PathLike[str], settings: Settings,
    columns: ColumnOverrides | None = None, format: str | None = None,
    command: str | None = None, storage_options: Mapping[str, Any] | None = None,
    csv: CsvDialect | None = None,
) -> Plan:
    """Open ``source`` and check everything that can be checked before a row is computed.

    The output schema is the input's columns exactly as they are (types, field metadata, the
    file's key/value metadata) followed by the result columns, with our file metadata added.

    Raises
    ------
    CatalogueError, MissingColumnError, ConversionError (InputTypeError)
        With a one-line message.
    """
    source_url, target_url = remote_url(source), remote_url(target)
    if source_url is None and target_url is None and str(source) != STDIN:
        check_not_inside(Path(local_path(target)), Path(local_path(source)))
    elif source_url is not None and target_url is not None:
        from .catalogue.storage.remote_writes import check_not_inside_remote

        check_not_inside_remote(target_url, source_url)
    catalogue = open_catalogue(source, format, storage_options=storage_options, csv=csv)
    chosen = find_columns(catalogue.schema.names, settings.to, columns)
    check_unique_names(catalogue.schema.names, chosen.names)
    check_input_types({n: catalogue.schema.field(n).type for n in chosen.names})
    results = result_fields(settings, chosen.dm_err is not None, chosen.value is not None)
    check_new_names(catalogue.schema.names, results)
    kept = [catalogue.schema.field(n) for n in input_names(catalogue.schema.names)]
    schema = schema_with_file_metadata(
        pa.schema(kept + results, metadata=catalogue.schema.metadata),
        file_metadata(settings, chosen, catalogue, command),
    )
    return Plan(catalogue, settings, chosen, schema)


def warm_up(settings: Settings, rows: int) -> None:
    """Run every model as the catalogue's first batch will run it (interpreted for a catalogue
    of a few rows, else compiled: :mod:`.runner`), so that loading or compiling the kernels is
    done before the rows are counted."""
    n = max(1, min(rows, INTERPRETED_CALL_ROWS + 1))
    same = ModelInputs(np.full(n, 30.0), np.full(n, 1.0), np.full(n, 1.0), np.full(n, 0.1),
                       np.full(n, OK, dtype=object))
    for model in settings.models:
        model_frame(model, same, settings)


def rows_between(
    cells: Mapping[str, Mapping[int, str]], first: int, stop: int
) -> dict[str, dict[int, str]]:
    """``cells`` (``{column: {row: text}}``) of rows ``first`` to ``stop`` - 1, counted from
    ``first``."""
    return {
        column: {row - first: text for row, text in by_row.items() if first <= row < stop}
        for column, by_row in cells.items()
    }


def with_results(batch: pa.RecordBatch, results: pd.DataFrame, schema: pa.Schema) -> pa.RecordBatch:
    """``batch``'s columns as they are (less an earlier conversion's ``status``), then the
    result columns, as a batch of ``schema``."""
    kept = [c for c, n in zip(batch.columns, batch.schema.names, strict=True)
            if n not in results.columns]
    added = [
        pa.array(results[f.name].to_numpy(), type=f.type)
        for f in schema if f.name in results.columns
    ]
    return pa.RecordBatch.from_arrays(kept + added, schema=schema)


def file_metadata(
    settings: Settings, columns: Columns, catalogue: Catalogue, command: str | None
) -> dict[str, Any]:
    """The file-level metadata of a converted catalogue (stored as JSON under our key).

    ``unparseable`` keeps the text of every cell the reader could not read (``{column:
    {row: text}}``), so that nothing of the input is lost; ``earlier`` keeps the metadata of
    the conversion that made the input, when it is an output of ours converted again.
    """
    earlier = (catalogue.schema.metadata or {}).get(FILE_METADATA_KEY)
    return {
        "package": "mwprop_batch",
        "version": VERSION,
        "models": [m.name for m in settings.models],
        "parameters": {m.name: m.parameters.provenance for m in settings.models},
        "to": settings.to,
        "scattering": settings.scattering,
        "freq_ghz": settings.freq_ghz,
        "velocity_kms": settings.velocity_kms,
        "columns": {
            "positions": [s.describe() for s in columns.positions],
            "value": columns.value,
            "dm_err": columns.dm_err,
        },
        "input": str(catalogue.path),
        "unparseable": {c: {str(r): t for r, t in rows.items()}
                        for c, rows in catalogue.unparseable.items()},
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **({"earlier": json.loads(earlier)} if earlier is not None else {}),
    }
