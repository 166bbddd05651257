"""Convert whole catalogues: every input row and column, plus each model's results.

One batch flows: catalogue file (:mod:`mwprop_batch.catalogue.formats.catalogue_files`) -> the
columns to read and
Galactic l, b (:mod:`mwprop_batch.positions`) -> :meth:`Model.dm_to_dist` or
:meth:`Model.dist_to_dm` for each model -> columns ``<MODEL>_<COLUMN>`` (``NE2025_DIST``,
``NE2001_SM`` ...) and one ``status`` -> a row group of the output Parquet file.

The one ``status`` of a row is ``ok`` only if every model's result for it is ok
(:func:`combined_status`): a reason that every model gives (a problem of the input row, such
as 'no position' or 'DM <= 0') stands as it is; otherwise each model that failed is named with
its own reason, joined by '; ' (``'NE2025: scattering not finite: SBW'``,
``'NE2001: not converged: ...; YMW16: ...'``). A catalogue converted before (it has
``<MODEL>_DIST``/``<MODEL>_DM`` columns and ``status``) can be converted again with other
models: its ``status`` moves to the end and combines with the new models' (the new reasons
named by model, after the old ones).

>>> import pandas as pd
>>> from mwprop_batch.convert import convert
>>> out = convert(pd.DataFrame({"GL": [30.0], "GB": [1.0], "DM": [100.0]}), ["ne2001", "ne2025"])
>>> list(out.columns[:5]), out["status"].tolist()
(['GL', 'GB', 'DM', 'NE2001_DIST', 'NE2001_DM'], ['ok'])
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .catalogue.formats.catalogue_files import (
    DEFAULT_BATCH_ROWS,
    FILE_METADATA_KEY,
    Catalogue,
    field_with_doc,
    open_catalogue,
    schema_with_file_metadata,
)
from .catalogue.formats.csv_files import CsvDialect
from .catalogue.formats.output_formats import output_format
from .catalogue.storage.locations import local_path, remote_url
from .catalogue.storage.safe_writes import AtomicTableWriter, check_not_inside, check_output
from .core.errors import ConversionError, InvalidValueError
from .core.input_gate import as_float_array
from .core.input_types import check_input_types, frame_input_types
from .core.parallel import takes_threads
from .core.rows import CORE_COLUMNS, InvalidRowError, check_rows
from .core.runner import INTERPRETED_CALL_ROWS
from .core.scattering import (
    REFERENCE_FREQ_GHZ,
    REFERENCE_VELOCITY_KMS,
    SCATTERING_COLUMNS,
    check_observing,
)
from .core.status import MODEL_REASONS, OK
from .families.ne.params import MODEL_NAMES
from .model import Model
from .positions import (
    DIRECTIONS,
    ColumnOverrides,
    Columns,
    ModelInputs,
    find_columns,
    read_inputs,
)

STATUS = "status"
STATUS_DESCRIPTION = (
    "'ok' when every model's result is, else why not: a problem of the input row (e.g. 'no "
    "position', \"DM unparseable: '11.4x1'\", 'DM <= 0'), or each failed model's reason "
    "('NE2025: scattering not finite: SBW'), joined by '; '"
)
DM_MW_COLUMNS = {
    "DM_MW": ("pc cm^-3", "the model's DM from the Sun to its edge (Model.dm_max): the Milky "
              "Way's share of an extragalactic source's DM"),
    "DM_MW_SIGMA": ("pc cm^-3", "the stated 1-sigma uncertainty of DM_MW (a constant halo's)"),
    "DM_EXCESS": ("pc cm^-3", "the input DM minus DM_MW"),
}
SPREAD = "DM_MW_SPREAD"
SPREAD_DOC = ("pc cm^-3", "the largest minus the smallest <MODEL>_DM_MW of the row")
COLUMN_DOCS = {**CORE_COLUMNS, **SCATTERING_COLUMNS, **DM_MW_COLUMNS}
UNPARSEABLE = "unparseable"  # DataFrame.attrs key: {column: {row: text}} (see io.psrcat)


@functools.cache
def load_model(name: str) -> Model:
    """The process's one :class:`Model` of this name (models are immutable and thread-safe)."""
    return Model(name)


@dataclass(frozen=True)
class Settings:
    """What a conversion computes.

    models : the models, in output column order; to : "dist" (distance from DM) or "dm" (DM
    from distance); scattering, freq_ghz (GHz), velocity_kms (km/s) : as in
    :meth:`Model.dm_to_dist`; strict : the first bad row raises
    :class:`~mwprop_batch.families.ne.engine.InvalidRowError` instead of being marked in ``status``.
    """

    models: tuple[Model, ...]
    to: str = "dist"
    scattering: bool = False
    freq_ghz: float = REFERENCE_FREQ_GHZ
    velocity_kms: float = REFERENCE_VELOCITY_KMS
    strict: bool = False

    def __post_init__(self) -> None:
        if self.to not in DIRECTIONS:
            raise InvalidValueError(f"to must be 'dist' (from DM), 'dm' (from distance) or "
                                    f"'dm_mw' (DM to the Galaxy's edge), got {self.to!r}")
        for name, kind in (("freq_ghz", "frequency"), ("velocity_kms", "velocity")):
            value = as_float_array(name, getattr(self, name), kind)[0]  # by its unit
            if value.ndim:
                raise InvalidValueError(f"{name} of a conversion is one number, got shape "
                                        f"{value.shape}")
            object.__setattr__(self, name, float(value))
        check_observing(self.freq_ghz, self.velocity_kms)

    @classmethod
    def create(
        cls, models: str | Model | Iterable[str | Model] = ("ne2025",), **kwargs: Any
    ) -> Settings:
        """Settings for model names (case-insensitive; a comma-separated string is split)
        or :class:`Model` instances; repeats are dropped."""
        if isinstance(models, Model):
            models = [models]
        elif isinstance(models, str):
            models = [m for m in models.split(",") if m.strip()]
        built = [m if isinstance(m, Model) else load_model(m.strip().lower()) for m in models]
        if not built:
            raise InvalidValueError(f"no model given; choose from {', '.join(MODEL_NAMES)}")
        return cls(tuple(dict.fromkeys(built)), **kwargs)

    def prefix(self, model: Model) -> str:
        return f"{model.name.upper()}_"


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
        """Count one batch of :func:`compute` results."""
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


def dm_mw_sigma(model: Model) -> float | None:
    """The 1-sigma uncertainty of a model's DM to its edge where its data states one (the
    constant halo), its parts' in quadrature for a sum; None where none is stated."""
    sigmas = [p.parameters.sigma_dm for p in getattr(model, "parts", (model,))
              if getattr(p.parameters, "sigma_dm", None) is not None]
    return float(np.hypot.reduce(sigmas)) if sigmas else None


def dm_mw_frame(model: Model, inputs: ModelInputs, with_dm: bool) -> pd.DataFrame:
    """``DM_MW`` (and ``DM_MW_SIGMA``, ``DM_EXCESS`` = DM - DM_MW when the input has a DM).

    A row is ``ok`` only if every column it has is a number: a bad sightline or a DM_MW that
    is not finite (an iteration that did not converge) says so, and with a DM column a
    missing or non-positive DM gives that row no ``DM_EXCESS`` and its reason.
    """
    dm_mw = np.asarray(model.dm_max(inputs.l_deg, inputs.b_deg), dtype=np.float64)
    value = inputs.value if with_dm else np.ones_like(dm_mw)
    _, checked = check_rows(inputs.l_deg, inputs.b_deg, value, "DM")
    status = np.where(inputs.status != OK, inputs.status, checked).astype(object)
    status[(status == OK) & ~np.isfinite(dm_mw)] = "DM_MW not finite"
    out = pd.DataFrame({"DM_MW": dm_mw})
    sigma = dm_mw_sigma(model)
    if sigma is not None:
        out["DM_MW_SIGMA"] = np.where(np.isnan(dm_mw), np.nan, sigma)
    if with_dm:
        out["DM_EXCESS"] = np.where(status == OK, inputs.value - dm_mw, np.nan)
    out[STATUS] = status
    return out


def model_frame(
    model: Model, inputs: ModelInputs, settings: Settings, with_dm: bool = True
) -> pd.DataFrame:
    """One model's result columns for ``inputs``, ``status`` including position problems.

    A missing (NaN) DM error does not make a row bad: its ``DIST_LO``/``DIST_HI`` are NaN.
    ``with_dm``: for ``to="dm_mw"``, whether the input has a DM (then ``DM_EXCESS``).
    """
    if settings.to == "dm_mw":
        return dm_mw_frame(model, inputs, with_dm)
    options = dict(
        scattering=settings.scattering, freq_ghz=settings.freq_ghz,
        velocity_kms=settings.velocity_kms,
    )
    if settings.to == "dm":
        out = model.dist_to_dm(inputs.l_deg, inputs.b_deg, inputs.value, **options)
    elif inputs.dm_err is None:
        out = model.dm_to_dist(inputs.l_deg, inputs.b_deg, inputs.value, **options)
    else:
        given = ~np.isnan(inputs.dm_err)
        err = np.where(given, inputs.dm_err, 0.0)
        out = model.dm_to_dist(inputs.l_deg, inputs.b_deg, inputs.value, err, **options)
        out.loc[~given, ["DIST_LO", "DIST_HI"]] = np.nan
    out[STATUS] = np.where(inputs.status != OK, inputs.status, out[STATUS].to_numpy(object))
    return out


def combined_status(
    statuses: Mapping[str, np.ndarray], earlier: np.ndarray | None = None
) -> np.ndarray:
    """One status per row from each model's (``{MODEL: status array}``, in column order).

    ``ok`` only where every model's is ``ok``. A problem of the input row, which every model
    gives ('no position', 'DM <= 0'), stands as it is, and so does the reason of a single
    model; otherwise each model that failed is named with its reason, joined by '; ':
    ``'NE2025: scattering not finite: SBW; YMW16: not converged: ...'``. ``earlier`` is the
    status of an earlier conversion of the same rows (None: none): a row is ``ok`` only if
    it was and the new models' results are, and the new models' reasons (named by model)
    follow the earlier one unless they repeat it.
    """
    names = list(statuses)
    table = np.column_stack([np.asarray(statuses[n], dtype=object) for n in names])

    def named(row: int) -> str:
        return "; ".join(f"{n}: {s}" for n, s in zip(names, table[row], strict=True) if s != OK)

    out = table[:, 0].copy()
    if len(names) > 1:
        for row in np.flatnonzero((table != table[:, :1]).any(axis=1) | from_model(out)):
            out[row] = named(row)
    if earlier is None:
        return out
    earlier = np.asarray(earlier, dtype=object)
    was_bad = earlier != OK
    for row in np.flatnonzero((out != OK) & (out != earlier)):
        out[row] = f"{earlier[row]}; {named(row)}" if was_bad[row] else named(row)
    out[(out == OK) & was_bad] = earlier[(out == OK) & was_bad]
    return out


def from_model(status: np.ndarray) -> np.ndarray:
    """Where a status is a reason from a model's result (not converged, scattering not
    finite) rather than from the input row."""
    return np.array([str(s).startswith(MODEL_REASONS) for s in status], dtype=bool)


def compute(
    frame: pd.DataFrame, columns: Columns, settings: Settings, first_row: int = 0,
    unparseable: Mapping[str, Mapping[int, str]] | None = None,
    earlier: np.ndarray | None = None,
) -> pd.DataFrame:
    """Result columns ``<MODEL>_<COLUMN>`` for every model, then ``status``, for ``frame``.

    ``first_row`` is the position of ``frame``'s first row in the whole catalogue (for the
    error message of a strict run); ``unparseable`` gives cells the reader could not read
    (``{column: {row position in frame: text}}``, see :func:`read_inputs`); ``earlier`` is
    the status of an earlier conversion of these rows (see :func:`combined_status`). The
    result has ``frame``'s index.
    """
    inputs = read_inputs(frame, columns, unparseable)
    parts, statuses = [], {}
    for model in settings.models:
        out = model_frame(model, inputs, settings, columns.value is not None)
        statuses[model.name.upper()] = out.pop(STATUS).to_numpy(object)
        parts.append(out.add_prefix(settings.prefix(model)))
    status = combined_status(statuses, earlier)
    if has_spread(settings):
        dm_mw = np.column_stack([p[f"{settings.prefix(m)}DM_MW"]
                                 for m, p in zip(settings.models, parts, strict=True)])
        parts.append(pd.DataFrame({SPREAD: dm_mw.max(axis=1) - dm_mw.min(axis=1)}))
    results = pd.concat(parts, axis=1).set_axis(frame.index)
    results[STATUS] = pd.Series(status, index=frame.index, dtype="str")
    if settings.strict:
        raise_on_bad_row(status, first_row)
    return results


def raise_on_bad_row(status: np.ndarray, first_row: int = 0) -> None:
    """Raise InvalidRowError for the first row whose status is not 'ok'."""
    bad = np.flatnonzero(status != OK)
    if bad.size:
        raise InvalidRowError(f"row {first_row + bad[0]} (counting from 0): {status[bad[0]]}")


def has_spread(settings: Settings) -> bool:
    """Whether the results have DM_MW_SPREAD (``to="dm_mw"`` with two or more models)."""
    return settings.to == "dm_mw" and len(settings.models) > 1


def result_fields(settings: Settings, with_dm_err: bool, with_dm: bool = True) -> list[pa.Field]:
    """Arrow fields of the result columns, with units and descriptions as field metadata.

    ``with_dm``: for ``to="dm_mw"``, whether the input has a DM column."""
    fields = []
    for model in settings.models:
        probe = model_frame(model, _empty_inputs(with_dm_err), settings,
                            with_dm).drop(columns=STATUS)
        for name, dtype in probe.dtypes.items():
            kind = pa.bool_() if dtype == np.bool_ else pa.float64()
            unit, description = COLUMN_DOCS[name]
            field_ = pa.field(settings.prefix(model) + name, kind)
            fields.append(field_with_doc(field_, unit, f"{model.name.upper()}: {description}"))
    if has_spread(settings):
        fields.append(field_with_doc(pa.field(SPREAD, pa.float64()), *SPREAD_DOC))
    fields.append(field_with_doc(pa.field(STATUS, pa.string()), "", STATUS_DESCRIPTION))
    return fields


def _empty_inputs(with_dm_err: bool) -> ModelInputs:
    empty = np.empty(0)
    return ModelInputs(empty, empty, empty, empty if with_dm_err else None, np.empty(0, object))


def converted_before(names: Sequence[str]) -> bool:
    """Whether columns ``names`` are those of an earlier conversion: a ``status`` column
    beside a model's ``<MODEL>_DIST`` or ``<MODEL>_DM``; its ``status`` then combines with the
    new models' (:func:`combined_status`) instead of clashing."""
    present = set(names)
    return STATUS in present and any(
        f"{m.upper()}_{c}" in present for m in MODEL_NAMES for c in ("DIST", "DM"))


def input_names(names: Sequence[str]) -> list[str]:
    """The input columns an output keeps: all, less the ``status`` of an earlier conversion
    (the new ``status`` replaces it, at the end)."""
    return [n for n in names if n != STATUS] if converted_before(names) else list(names)


def check_new_names(existing: Sequence[str], fields: Iterable[pa.Field]) -> None:
    """Raise ConversionError if a result column would replace an input column (the
    ``status`` of an earlier conversion is combined, not replaced)."""
    kept = set(input_names(existing))
    clash = [f.name for f in fields if f.name in kept]
    if clash:
        again = [n for n in clash if n != STATUS]
        why = (" (converted with that model already)" if again and converted_before(existing)
               else "")
        raise ConversionError(
            f"the input already has column(s) {', '.join(clash)}{why}; rename them first"
        )


def check_unique_names(names: Sequence[str], read: Iterable[str]) -> None:
    """Raise ConversionError naming the columns the conversion reads (or ``status``) that
    the input has more than once: which of them is meant is ambiguous."""
    counts = Counter(names)
    repeated = [n for n in dict.fromkeys([*read, STATUS]) if counts[n] > 1]
    if repeated:
        raise ConversionError(
            "the input has several columns named "
            + ", ".join(f"{n!r} ({counts[n]}x)" for n in repeated)
            + "; rename or drop the duplicates first"
        )


@takes_threads
def convert(
    df: pd.DataFrame,
    models: str | Model | Iterable[str | Model] = ("ne2025",),
    to: str = "dist",
    *,
    scattering: bool = False,
    freq_ghz: float = REFERENCE_FREQ_GHZ,
    velocity_kms: float = REFERENCE_VELOCITY_KMS,
    columns: ColumnOverrides | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """A new DataFrame: ``df``'s columns and index, then each model's results and ``status``.

    ``status`` is ``ok`` only where every model's result is; otherwise it gives the input
    row's problem as it is, or each failed model's reason named by the model, joined by '; '
    (:func:`combined_status`). A ``df`` that is itself an output of ours (``status`` beside
    ``<MODEL>_DIST``/``<MODEL>_DM`` columns) may be converted again with other models: its
    ``status`` moves to the end and combines with theirs.

    Parameters
    ----------
    df : pandas.DataFrame
        A catalogue with a position (Galactic l/b, RA/Dec J2000 in degrees or sexagesimal,
        or ecliptic ELONG/ELAT, deg) and a DM (pc cm^-3; ``to="dist"``) or a distance (kpc;
        ``to="dm"``). Columns are detected by name (see :mod:`mwprop_batch.positions`) or
        named in ``columns``. A DM-error column (pc cm^-3) adds ``DIST_LO``/``DIST_HI``.
    models : "ne2001", "ne2025", "ymw16", several (a list or "ne2001,ymw16") or Model instances
    to : {"dist", "dm", "dm_mw"}
        Distance from DM, DM from distance, or the Milky Way's DM toward each row
        (``<MODEL>_DM_MW``; ``<MODEL>_DM_EXCESS`` with a DM column; ``DM_MW_SPREAD`` with two
        or more models; ``<MODEL>_DM_MW_SIGMA`` for a constant halo).
    scattering, freq_ghz, velocity_kms
        As in :meth:`Model.dm_to_dist` (GHz, km/s; one number each, or an astropy Quantity
        converted by its unit).
    columns : ColumnOverrides, optional
        Column names that detection would not find, e.g.
        ``columns=ColumnOverrides(dm_col="DM_obs")``.
    strict : bool
        Raise :class:`~mwprop_batch.families.ne.engine.InvalidRowError` for the first bad row
        instead of giving NaN results and the reason in ``status``.
    threads : int, optional
        Threads for the models' kernels, 1 to ``NUMBA_NUM_THREADS`` (default: numba's count
        for the calling thread, every core unless it called ``numba.set_num_threads``).

    Raises
    ------
    ValueError
        ``freq_ghz`` or ``velocity_kms`` not finite and > 0; :class:`InputTypeError` for an
        input column of timestamps, booleans, ...; MissingColumnError (naming the
        ``columns=ColumnOverrides(...)`` keyword to use); ConversionError (a result column
        that exists already, a column read that appears twice).
    """
    settings = Settings.create(
        models, to=to, scattering=scattering, freq_ghz=freq_ghz, velocity_kms=velocity_kms,
        strict=strict,
    )
    names = [str(c) for c in df.columns]
    chosen = find_columns(names, to, columns)
    check_unique_names(names, chosen.names)
    check_new_names(names, result_fields(settings, chosen.dm_err is not None,
                                         chosen.value is not None))
    named = df.set_axis(names, axis=1)
    inputs = named[chosen.names]
    check_input_types(frame_input_types(inputs, chosen.names))
    earlier = earlier_status(named) if converted_before(names) else None
    computed = compute(inputs, chosen, settings, unparseable=df.attrs.get(UNPARSEABLE),
                       earlier=earlier)
    kept = df.iloc[:, [k for k, n in enumerate(names) if n in set(input_names(names))]]
    return pd.concat([kept, computed.set_axis(df.index)], axis=1)


def earlier_status(table: pd.DataFrame | pa.RecordBatch) -> np.ndarray:
    """The ``status`` column of an earlier conversion as an object array (missing: ok); when
    that conversion had one model, its model's reasons are named by it ('NE2025: ...') as a
    conversion with several models names them."""
    column = table[STATUS]
    values = column.to_pandas() if isinstance(column, pa.Array | pa.ChunkedArray) else column
    status = values.astype(object).where(values.notna(), OK).to_numpy(object, copy=True)
    names = [str(n) for n in (table.columns if isinstance(table, pd.DataFrame)
                              else table.schema.names)]
    earlier = [m.upper() for m in MODEL_NAMES
               if f"{m.upper()}_DIST" in names or f"{m.upper()}_DM" in names]
    if len(earlier) == 1:
        single = from_model(status)
        status[single] = [f"{earlier[0]}: {s}" for s in status[single]]
    return status


@takes_threads
def convert_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    models: str | Model | Iterable[str | Model] = ("ne2025",),
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

    Reads ``source`` (see :func:`mwprop_batch.catalogue.formats.catalogue_files.open_catalogue`;
    ``format``
    overrides the guess from its name) in batches of ``batch_rows`` rows and writes one row
    group per batch to ``target``: the input columns unchanged, in order, then the results as
    in :func:`convert`. Units and descriptions are Parquet field metadata; the models, their
    parameter provenance, the package version, the settings and ``command`` are file metadata
    (:func:`mwprop_batch.catalogue.formats.catalogue_files.read_file_metadata`). ``target`` appears
    only when
    everything was written. ``progress`` shows a tqdm bar on stderr.

    ``source`` and ``target`` may be URLs (``s3://bucket/key``, any fsspec URL; extra
    ``cloud``): the same conversion, published on object storage as
    :mod:`mwprop_batch.catalogue.storage.remote` describes; ``storage_options`` go to their fsspec
    file
    system (e.g. ``{"endpoint_url": "http://127.0.0.1:9000"}``). ``csv`` gives a CSV
    file's delimiter and encoding (:class:`~mwprop_batch.catalogue.formats.csv_files.CsvDialect`).

    ``threads`` (keyword) is as in :func:`convert`.

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
    :func:`~mwprop_batch.catalogue.storage.safe_writes.check_output`) whose name says its format
    (:func:`~mwprop_batch.catalogue.formats.output_formats.output_format`): a local Path, or a URL
    (str).

    Raises CatalogueError (an existing output without ``overwrite``: "use --overwrite").
    """
    url = remote_url(target)
    if url is None:
        checked = check_output(local_path(target), overwrite)
        output_format(target)
        return checked
    from .catalogue.storage.remote import check_remote_output, resolve

    check_remote_output(resolve(url, storage_options), overwrite)
    output_format(url)
    return url


def table_writer(
    target: Path | str, schema: pa.Schema, overwrite: bool = False,
    storage_options: Mapping[str, Any] | None = None, staged: bool = True,
):
    """The all-or-nothing writer for ``target``, of the format its name says (Parquet or CSV,
    :func:`~mwprop_batch.catalogue.formats.output_formats.output_format`): an
    :class:`~mwprop_batch.catalogue.storage.safe_writes.AtomicTableWriter` for a local path, a
    :class:`~mwprop_batch.catalogue.storage.remote.RemoteTableWriter` for a URL (``staged`` as
    there)."""
    url = remote_url(target)
    format = output_format(url or target)
    if url is None:
        return AtomicTableWriter(local_path(target), schema, overwrite=overwrite, format=format)
    from .catalogue.storage.remote import RemoteTableWriter

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
    if source_url is None and target_url is None:
        check_not_inside(Path(local_path(target)), Path(local_path(source)))
    elif source_url is not None and target_url is not None:
        from .catalogue.storage.remote import check_not_inside_remote

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
    from . import __version__

    earlier = (catalogue.schema.metadata or {}).get(FILE_METADATA_KEY)
    return {
        "package": "mwprop_batch",
        "version": __version__,
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
