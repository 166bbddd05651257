"""Each model's result columns for a batch of rows, and the one ``status`` of each row.

A model's columns are ``<MODEL>_<COLUMN>`` (``NE2025_DIST``, ``NE2001_SM`` ...), each with its
unit and description (:data:`COLUMN_DOCS`, :func:`result_fields`). The one ``status`` of a row
is ``ok`` only if every model's result for it is ok (:func:`combined_status`): a reason that
every model gives (a problem of the input row, such as 'no position' or 'DM <= 0') stands as it
is; otherwise each model that failed is named with its own reason, joined by '; '. A catalogue
converted before (``<MODEL>_DIST``/``<MODEL>_DM`` columns and ``status``,
:func:`converted_before`) keeps its ``status``, combined with the new models'.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from .catalogue.formats.output_metadata import field_with_doc
from .column_choice import Columns
from .conversion_settings import Settings
from .core.errors import ConversionError
from .core.rows import CORE_COLUMNS, InvalidRowError, check_rows
from .core.scattering import SCATTERING_COLUMNS
from .core.status import MODEL_REASONS, OK
from .model import Model
from .positions import ModelInputs, read_inputs
from .registry import model_names

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
        f"{m.upper()}_{c}" in present for m in model_names() for c in ("DIST", "DM"))


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


def earlier_status(table: pd.DataFrame | pa.RecordBatch) -> np.ndarray:
    """The ``status`` column of an earlier conversion as an object array (missing: ok); when
    that conversion had one model, its model's reasons are named by it ('NE2025: ...') as a
    conversion with several models names them."""
    column = table[STATUS]
    values = column.to_pandas() if isinstance(column, pa.Array | pa.ChunkedArray) else column
    status = values.astype(object).where(values.notna(), OK).to_numpy(object, copy=True)
    names = [str(n) for n in (table.columns if isinstance(table, pd.DataFrame)
                              else table.schema.names)]
    earlier = [m.upper() for m in model_names()
               if f"{m.upper()}_DIST" in names or f"{m.upper()}_DM" in names]
    if len(earlier) == 1:
        single = from_model(status)
        status[single] = [f"{earlier[0]}: {s}" for s in status[single]]
    return status
