"""The pandas accessor ``df.mwprop``: the models applied to a DataFrame's own columns.

>>> import pandas as pd, mwprop_batch
>>> df = pd.DataFrame({"GL": [30.0], "GB": [2.0], "DM": [300.0]})
>>> round(float(df.mwprop.dm_to_dist("ne2025")["NE2025_DIST"].iloc[0]), 2)
6.62
"""

from __future__ import annotations

import pandas as pd

from .convert import convert


@pd.api.extensions.register_dataframe_accessor("mwprop")
class MwpropAccessor:
    """``df.mwprop.dm_to_dist(...)`` and ``df.mwprop.dist_to_dm(...)``.

    Columns are found as in :func:`mwprop_batch.convert.convert` (or named with
    ``columns={"dm": "DM_obs", ...}``); the result is a new DataFrame with the input columns,
    the ``<MODEL>_<COLUMN>`` results and ``status``.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def dm_to_dist(self, models="ne2025", **options) -> pd.DataFrame:
        """Distances from the DM column (see :func:`mwprop_batch.convert.convert`)."""
        return convert(self._frame, models=models, to="dist", **options)

    def dist_to_dm(self, models="ne2025", **options) -> pd.DataFrame:
        """DMs from the distance column in kpc (see :func:`mwprop_batch.convert.convert`)."""
        return convert(self._frame, models=models, to="dm", **options)
