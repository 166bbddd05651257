"""Which column types a model input (a position, DM or distance column) may have."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputTypeError


def check_input_types(types: dict[str, pa.DataType]) -> None:
    """Raise :class:`InputTypeError` unless every model input column (name: Arrow type) is
    a number (integer, floating point, decimal), text or all-null.

    Timestamps, dates, durations, booleans, binary and nested types are refused, naming the
    column and its type: their numeric value (nanoseconds, 0/1) is never a DM or a position.
    """
    for name, kind in types.items():
        if isinstance(kind, pa.DictionaryType):
            kind = kind.value_type
        accepted = (
            pa.types.is_integer(kind) or pa.types.is_floating(kind)
            or pa.types.is_decimal(kind) or pa.types.is_string(kind)
            or pa.types.is_large_string(kind) or pa.types.is_null(kind)
        )
        if not accepted:
            raise InputTypeError(
                f"column {name!r} has type {kind}: a model input must be numbers or numeric text"
            )


def frame_input_types(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, pa.DataType]:
    """The Arrow types of ``frame``'s columns ``names``; an object column of numbers and
    text is text. Raises :class:`InputTypeError` for an object column holding other values."""
    types = {}
    for name in names:
        column = frame[name]
        if column.dtype != object:
            types[name] = pa.Array.from_pandas(column.iloc[:0]).type
            continue
        odd = sorted({
            type(v).__name__ for v in column.dropna()
            if isinstance(v, bool | np.bool_) or not isinstance(v, str | int | float | np.number)
        })
        if odd:
            raise InputTypeError(
                f"column {name!r} holds {', '.join(odd)} values: a model input must be numbers "
                "or numeric text"
            )
        types[name] = pa.string()
    return types
