"""Convert whole catalogues: every input row and column, plus each model's results.

One batch flows: catalogue file (:mod:`mwprop_batch.catalogue.storage.catalogue_readers`) ->
the columns to read and Galactic l, b (:mod:`mwprop_batch.positions`) ->
:meth:`Model.dm_to_dist` or :meth:`Model.dist_to_dm` for each model -> columns
``<MODEL>_<COLUMN>`` (``NE2025_DIST``, ``NE2001_SM`` ...) and one ``status``
(:mod:`mwprop_batch.result_columns`) -> a row group of the output Parquet file
(:mod:`mwprop_batch.file_conversion`). This module holds :func:`convert` (a DataFrame) and
the names users import (:func:`convert_file`, :class:`Summary`, :data:`COLUMN_DOCS` ...).

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

from collections.abc import Iterable

import pandas as pd

from .column_choice import ColumnOverrides, find_columns
from .conversion_settings import Settings, load_model
from .core.errors import ConversionError
from .core.input_types import check_input_types, frame_input_types
from .core.parallel import takes_threads
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from .file_conversion import Summary, convert_file, plan_conversion
from .model import Model
from .registry import DEFAULT_MODEL
from .result_columns import (
    COLUMN_DOCS,
    UNPARSEABLE,
    check_new_names,
    check_unique_names,
    combined_status,
    compute,
    converted_before,
    earlier_status,
    input_names,
    result_fields,
)

__all__ = [  # the names users and the command line import from here
    "COLUMN_DOCS", "ColumnOverrides", "ConversionError", "Settings", "Summary",
    "combined_status", "compute", "convert", "convert_file", "load_model", "plan_conversion",
]


@takes_threads
def convert(
    df: pd.DataFrame,
    models: str | Model | Iterable[str | Model] = (DEFAULT_MODEL,),
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
