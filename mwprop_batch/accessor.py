"""The pandas accessor ``df.mwprop``, registered when :mod:`mwprop_batch` is imported.

>>> import pandas as pd
>>> import mwprop_batch.accessor
>>> psrs = pd.DataFrame({"RAJ": ["05:34:31.973"], "DECJ": ["+22:00:52.06"], "DM": [56.77]})
>>> psrs.mwprop.dm_to_dist("ne2001")[["NE2001_DIST", "status"]].round(2).values.tolist()
[[1.74, 'ok']]
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .column_choice import ColumnOverrides, MissingColumnError
from .convert import convert
from .core.errors import InvalidValueError
from .core.rows import ERROR_POLICIES
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from .model import Model
from .registry import DEFAULT_MODEL

Models = str | Model | Iterable[str | Model]


@pd.api.extensions.register_dataframe_accessor("mwprop")
class MwpropAccessor:
    """The models for the rows of a DataFrame: ``df.mwprop.dm_to_dist()``, ``.dist_to_dm()``.

    Columns are found as in :func:`mwprop_batch.positions.find_columns` (Galactic l/b,
    RA/Dec in degrees or sexagesimal, or ecliptic ELONG/ELAT; DM, distance, DM error) unless
    named with the ``*_col`` arguments. Both return :func:`mwprop_batch.convert.convert`'s
    result: a new DataFrame with the frame's columns and index, then ``<MODEL>_<COLUMN>``
    for each model and ``status``.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def dm_to_dist(
        self, model: Models = DEFAULT_MODEL, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan", l_col: str | None = None, b_col: str | None = None,
        ra_col: str | None = None, dec_col: str | None = None, dm_col: str | None = None,
        dm_err_col: str | None = None,
    ) -> pd.DataFrame:
        """Distance (kpc) from each row's DM (pc cm^-3); see :meth:`Model.dm_to_dist`.

        ``model``: "ne2001", "ne2025", "ne2001,ne2025", a list or Model instances. A DM-error
        column, if found, adds ``DIST_LO``/``DIST_HI`` (NaN where it is empty).
        ``errors="raise"`` raises :class:`~mwprop_batch.families.ne.engine.InvalidRowError` at the
        first bad row (no position, non-finite or non-positive DM, ...).
        """
        columns = ColumnOverrides(
            l_col=l_col, b_col=b_col, ra_col=ra_col, dec_col=dec_col, dm_col=dm_col,
            dm_err_col=dm_err_col,
        )
        return self._convert(model, "dist", columns, scattering, freq_ghz, velocity_kms, errors)

    def dist_to_dm(
        self, model: Models = DEFAULT_MODEL, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan", l_col: str | None = None, b_col: str | None = None,
        ra_col: str | None = None, dec_col: str | None = None, dist_col: str | None = None,
    ) -> pd.DataFrame:
        """DM (pc cm^-3) out to each row's distance (kpc); see :meth:`Model.dist_to_dm`."""
        columns = ColumnOverrides(
            l_col=l_col, b_col=b_col, ra_col=ra_col, dec_col=dec_col, dist_col=dist_col
        )
        return self._convert(model, "dm", columns, scattering, freq_ghz, velocity_kms, errors)

    def dm_mw(
        self, model: Models = DEFAULT_MODEL, *, errors: str = "nan", l_col: str | None = None,
        b_col: str | None = None, ra_col: str | None = None, dec_col: str | None = None,
        dm_col: str | None = None,
    ) -> pd.DataFrame:
        """The Milky Way's DM (pc cm^-3) toward each row: ``<MODEL>_DM_MW``, each model's DM
        to its edge (:meth:`Model.dm_max`); with a DM column ``<MODEL>_DM_EXCESS`` = DM -
        DM_MW; with two or more models ``DM_MW_SPREAD``. ``model`` as in :meth:`dm_to_dist`,
        halos and sums too: ``"ne2001,ymw16"``, ``"ne2025+yt2020,ymw16+yt2020"``."""
        columns = ColumnOverrides(l_col=l_col, b_col=b_col, ra_col=ra_col, dec_col=dec_col,
                                  dm_col=dm_col)
        return self._convert(model, "dm_mw", columns, False, REFERENCE_FREQ_GHZ,
                             REFERENCE_VELOCITY_KMS, errors)

    def _convert(
        self, model: Models, to: str, columns: ColumnOverrides, scattering: bool,
        freq_ghz: float, velocity_kms: float, errors: str,
    ) -> pd.DataFrame:
        if errors not in ERROR_POLICIES:
            raise InvalidValueError(f"errors must be one of {ERROR_POLICIES}, got {errors!r}")
        try:
            return convert(
                self._df, model, to, scattering=scattering, freq_ghz=freq_ghz,
                velocity_kms=velocity_kms, columns=columns, strict=errors == "raise",
            )
        except MissingColumnError as exc:  # named by this accessor's keywords (dm_col=...)
            raise exc.spelled("keyword") from None
