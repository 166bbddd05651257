"""How a Model method's arguments become flat arrays: pandas indexes, sky coordinates, masks.

Used by :class:`~mwprop_batch.Model` and :class:`~mwprop_batch.model_sum.ModelSum` before they
ask a family for numbers; the units and kinds themselves pass :mod:`.input_gate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import units
from .errors import InvalidTypeError, MwpropBatchError
from .input_gate import FlatInputs, as_float_array
from .rows import InvalidRowError
from .status import OK


class IndexAlignmentError(MwpropBatchError, ValueError):
    """pandas inputs whose indexes differ (they are never combined by position)."""


def common_index(names: tuple[str, ...], *values) -> pd.Index | None:
    """The index shared by the pandas Series among ``values`` (None when there are none).

    Raises IndexAlignmentError when two Series have different indexes: inputs are never
    paired by position behind the user's back (align them first, e.g. with ``Series.align``).
    """
    index = None
    first = ""
    for name, value in zip(names, values, strict=True):
        if isinstance(value, pd.Series):
            if index is None:
                index, first = value.index, name
            elif not value.index.equals(index):
                raise IndexAlignmentError(
                    f"{name} and {first} are pandas Series with different indexes; align them "
                    "first (e.g. a, b = a.align(b)) or pass arrays"
                )
    return index


def with_index(frame: pd.DataFrame, index: pd.Index | None) -> pd.DataFrame:
    """The result frame indexed like the Series inputs, when their length matches."""
    if index is not None and len(index) == len(frame):
        frame.index = index
    return frame


def expand_sky(l_deg, b_deg, rest: list, method: str, names: tuple[str, ...]) -> tuple:
    """(l, b, *rest) with a sky coordinate in ``l_deg`` expanded to (l, b).

    With a coordinate, one positional value after it is taken as the first of ``rest``
    (``dm_to_dist(coord, 300.0)``); anything that would shift further is refused
    (``dm_to_dist(coord, 2.0, 300.0)`` would read 2.0 as the DM): give the rest by keyword.
    """
    if not units.is_coordinate(l_deg):
        return (l_deg, b_deg, *rest)
    l_gal, b_gal, _ = units.galactic(l_deg)
    if b_deg is None:
        return (l_gal, b_gal, *rest)
    if not rest:
        raise InvalidTypeError(f"{method}(): a sky coordinate stands in for (l_deg, b_deg); "
                               "pass no b_deg with it")
    if rest[0] is not None:
        given = ", ".join(f"{n}=..." for n in names)
        raise InvalidTypeError(
            f"{method}(): a sky coordinate stands in for (l_deg, b_deg), so its next positional "
            f"argument is {names[0]} and the one after would shift; with a coordinate give "
            f"them by keyword: {method}(coord, {given})"
        )
    return (l_gal, b_gal, b_deg, *rest[1:])


def raise_if_masked(inputs: FlatInputs, errors: str) -> None:
    """With ``errors='raise'``, a masked input element is a bad row: raise for the first."""
    if errors == "raise" and inputs.any_masked:
        first = int(np.flatnonzero(inputs.masked != OK)[0])
        raise InvalidRowError(f"row {first}: {inputs.masked[first]}")


def with_masked(frame: pd.DataFrame, inputs: FlatInputs) -> pd.DataFrame:
    """A masked input element's row is bad (its values are NaN): its status says which."""
    if inputs.any_masked:
        masked = inputs.masked != OK
        frame["status"] = np.where(masked, inputs.masked, frame["status"].to_numpy(object))
    return frame


def observing(freq_ghz, velocity_kms) -> tuple:
    """Observing frequency (GHz) and transverse speed (km/s), converted by their units."""
    freq = as_float_array("freq_ghz", freq_ghz, "frequency")[0]
    speed = as_float_array("velocity_kms", velocity_kms, "velocity")[0]
    return (float(freq) if freq.ndim == 0 else freq), (float(speed) if speed.ndim == 0 else speed)
