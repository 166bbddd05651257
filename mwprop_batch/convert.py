"""Catalogue conversion: rows in, every input column out unchanged plus the models' results.

Data path of one row: file batch (:mod:`mwprop_batch.io.tables`) -> column choice and
Galactic l, b (:mod:`mwprop_batch.positions`) -> :meth:`Model.dm_to_dist` or
:meth:`Model.dist_to_dm` per model -> columns ``<MODEL>_<COLUMN>`` and ``status`` -> a row
group of the output Parquet file.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from . import __version__
from .io.tables import (
    AtomicParquetWriter,
    check_output,
    field_with_doc,
    open_catalogue,
    schema_with_file_metadata,
)
from .model import Model
from .positions import ColumnChoice, choose_columns, galactic_positions, numeric
from .scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS, SCATTERING_COLUMNS
from .sightlines import CORE_COLUMNS, OK, InvalidRowError

DIRECTIONS = ("dist", "dm")
DEFAULT_BATCH_ROWS = 65_536
NO_POSITION = "no position"


@dataclass(frozen=True)
class Options:
    """What a conversion computes."""

    models: tuple[str, ...] = ("ne2025",)
    to: str = "dist"
    scattering: bool = False
    freq_ghz: float = REFERENCE_FREQ_GHZ
    velocity_kms: float = REFERENCE_VELOCITY_KMS
    strict: bool = False

    def __post_init__(self) -> None:
        if self.to not in DIRECTIONS:
            raise ValueError(f"to must be 'dist' (from DM) or 'dm' (from distance): {self.to!r}")
        if not self.models:
            raise ValueError("at least one model is needed")


@dataclass
class Summary:
    """Counts of a conversion run."""

    rows: int = 0
    bad_rows: int = 0
    limits: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, results: pd.DataFrame, models: Iterable[Model]) -> None:
        self.rows += len(results)
        self.bad_rows += int((results["status"] != OK).sum())
        for model in models:
            key = model.name.upper()
            self.limits[key] = self.limits.get(key, 0) + int(results[f"{key}_limit"].sum())

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else float("nan")
        limits = ", ".join(f"{k} {v}" for k, v in self.limits.items())
        return (f"{self.rows} rows in {self.seconds:.1f} s ({rate:,.0f} rows/s); "
                f"limits: {limits}; bad rows: {self.bad_rows}")


def model_results(
    frame: pd.DataFrame, choice: ColumnChoice, models: Iterable[Model], options: Options
) -> pd.DataFrame:
    """The result columns (``<MODEL>_<COLUMN>``, ``status``) for one batch of rows."""
    l_deg, b_deg = galactic_positions(frame, choice)
    no_position = ~(np.isfinite(l_deg) & np.isfinite(b_deg))
    columns: dict[str, np.ndarray] = {}
    status = None
    for model in models:
        common = dict(scattering=options.scattering, freq_ghz=options.freq_ghz,
                      velocity_kms=options.velocity_kms)
        if options.to == "dist":
            err = numeric(frame[choice.dm_err]) if choice.dm_err else None
            if err is not None:
                err = np.where(np.isfinite(err), err, 0.0)
            out = model.dm_to_dist(l_deg, b_deg, numeric(frame[choice.dm]), err, **common)
        else:
            out = model.dist_to_dm(l_deg, b_deg, numeric(frame[choice.dist]), **common)
        status = out.pop("status").to_numpy()
        for name, values in out.items():
            columns[f"{model.name.upper()}_{name}"] = values.to_numpy()
    status = np.where(no_position, NO_POSITION, status)
    if options.strict and (status != OK).any():
        first = int(np.flatnonzero(status != OK)[0])
        raise InvalidRowError(f"row {first}: {status[first]}")
    return pd.DataFrame(columns, index=frame.index).assign(
        status=pd.Series(status, index=frame.index, dtype="str")
    )


def convert(
    df: pd.DataFrame, models: Iterable[str | Model] | str = ("ne2025",), to: str = "dist",
    scattering: bool = False, freq_ghz: float = REFERENCE_FREQ_GHZ,
    velocity_kms: float = REFERENCE_VELOCITY_KMS, columns: dict[str, str] | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """A copy of ``df`` with each model's results added as ``<MODEL>_<COLUMN>`` and ``status``.

    Parameters
    ----------
    df : DataFrame
        A catalogue with a position (Galactic l/b, RA/Dec or ecliptic longitude/latitude)
        and a DM (``to="dist"``) or distance in kpc (``to="dm"``) column; names are detected
        (see :data:`mwprop_batch.positions.CANDIDATES`) or given in ``columns`` with the keys
        glon, glat, ra, dec, elon, elat, dm, dist, dm_err.
    models : "ne2001", "ne2025", both ("ne2001,ne2025"), or already built Model objects
    to : {"dist", "dm"}
        Distance from DM, or DM from distance.
    scattering, freq_ghz, velocity_kms :
        As in :meth:`Model.dm_to_dist`.
    strict : bool
        Raise on the first bad row instead of marking it in ``status``.
    """
    if isinstance(models, str):
        models = models.split(",")
    built = [m if isinstance(m, Model) else Model(m.strip()) for m in models]
    options = Options(models=tuple(m.name for m in built), to=to, scattering=scattering,
                      freq_ghz=freq_ghz, velocity_kms=velocity_kms, strict=strict)
    choice = choose_columns(list(map(str, df.columns)), _need(options.to), columns)
    return pd.concat([df, model_results(df, choice, built, options)], axis=1)


def _need(to: str) -> str:
    return "dm" if to == "dist" else "dist"


def column_doc(name: str) -> tuple[str, str] | None:
    """(unit, description) of a result column such as ``NE2025_DIST`` or ``status``."""
    model, _, base = name.partition("_")
    if model not in ("NE2001", "NE2025"):
        model, base = "", name
    described = {**CORE_COLUMNS, **SCATTERING_COLUMNS}.get(base)
    if described is None:
        return None
    unit, description = described
    return unit, f"{model}: {description}" if model else description


def run_metadata(models: list[Model], options: Options, command: str) -> dict:
    """What the output file records about how it was made."""
    return {
        "package": f"mwprop_batch {__version__}",
        "models": [m.name for m in models],
        "parameters": {m.name: m.parameters.provenance for m in models},
        "to": options.to,
        "scattering": options.scattering,
        "freq_ghz": options.freq_ghz,
        "velocity_kms": options.velocity_kms,
        "command": command,
    }


def output_schema(table: pa.Table, result_names: list[str], metadata: dict) -> pa.Schema:
    """The table's schema with units on the result columns and the run in the file metadata."""
    fields = []
    for f in table.schema:
        doc = column_doc(f.name) if f.name in result_names else None
        fields.append(field_with_doc(f, *doc) if doc else f.remove_metadata())
    return schema_with_file_metadata(pa.schema(fields), metadata)


def convert_file(
    source: Path, target: Path, options: Options, *, fmt: str | None = None,
    columns: dict[str, str] | None = None, batch_rows: int = DEFAULT_BATCH_ROWS,
    overwrite: bool = False, progress: bool | None = None, command: str = "",
) -> Summary:
    """Stream ``source`` through the models into the Parquet file ``target``; bounded memory.

    ``target`` appears only when the whole job succeeds. ``progress`` None shows a bar only
    when stderr is a terminal.
    """
    from tqdm.auto import tqdm

    check_output(target, overwrite)
    catalogue = open_catalogue(source, fmt)
    if catalogue.num_rows == 0:
        raise ValueError(f"{source}: no rows")
    choice = choose_columns(catalogue.schema.names, _need(options.to), columns)
    models = [Model(name) for name in options.models]
    metadata = run_metadata(models, options, command)
    summary = Summary(limits={m.name.upper(): 0 for m in models})
    start = time.perf_counter()
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=catalogue.num_rows, unit="rows", disable=not show, file=sys.stderr)
    with bar, contextlib.ExitStack() as stack:
        writer = None
        for batch in catalogue.batches(batch_rows):
            results = model_results(batch.to_pandas(), choice, models, options)
            summary.add(results, models)
            out = pa.Table.from_batches([batch])
            for name in results.columns:
                out = out.append_column(name, pa.array(results[name].to_numpy()))
            if writer is None:
                schema = output_schema(out, list(results.columns), metadata)
                writer = stack.enter_context(
                    AtomicParquetWriter(target, schema, overwrite=overwrite)
                )
            writer.write(out.cast(writer.schema).combine_chunks().to_batches()[0])
            bar.update(batch.num_rows)
    summary.seconds = time.perf_counter() - start
    return summary
