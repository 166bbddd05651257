"""The one gate every public entry point's numeric inputs pass: units, kinds, masks, shapes.

:func:`as_float_array` turns one argument into float64 numbers in the kernels' unit:

- an astropy ``Quantity`` is converted by its unit (:func:`mwprop_batch.core.units.plain`), a unit
  that does not convert is refused naming the argument, a value without a unit is taken as
  already in the documented unit;
- booleans, dates (``datetime64``) and durations (``timedelta64``), complex numbers and text
  that is not a number are refused (:class:`~mwprop_batch.core.errors.InvalidTypeError` naming the
  argument): their numeric value (0/1, nanoseconds) is never a position, a DM or a distance;
- a NumPy masked array's masked elements become NaN and are reported, so that a row method
  marks their rows bad (``status`` '<argument> masked') instead of computing the hidden value.

:func:`as_float_arrays` does that for several arguments and broadcasts them together.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import units
from .errors import InvalidTypeError, InvalidValueError
from .status import OK

# kinds of NumPy dtype that are numbers of something other than our quantities
_REFUSED_KINDS = {"b": "booleans", "M": "dates (datetime64)", "m": "durations (timedelta64)",
                  "c": "complex numbers"}
_REFUSED_OBJECTS = (bool, np.bool_, datetime.date, datetime.time, datetime.timedelta,
                    np.datetime64, np.timedelta64, complex, np.complexfloating)


def as_float_array(name: str, value: Any, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``value`` as a float64 array of its own shape, and its mask (True where masked).

    ``kind`` (see :data:`mwprop_batch.core.units.UNITS`) converts a value with an astropy unit to
    the kernels' unit; a value with a unit and no kind is refused. Masked elements are NaN.

    Raises
    ------
    InvalidTypeError
        Booleans, dates, durations, complex or non-numeric values, a unit where none is taken.
    astropy.units.UnitConversionError
        A unit that does not convert to ``kind``'s (naming ``name``).
    """
    mask = None
    if np.ma.isMaskedArray(value):
        mask = np.ma.getmaskarray(value)
        value = np.ma.getdata(value)
    if kind is not None:
        value = units.plain(name, value, kind)
    elif units.has_unit(value) or units.is_coordinate(value):
        raise InvalidTypeError(f"{name} takes no unit")
    array = np.asarray(value)
    refused = _REFUSED_KINDS.get(array.dtype.kind)
    if refused is None and array.dtype == object:
        odd = sorted({type(v).__name__ for v in array.ravel() if isinstance(v, _REFUSED_OBJECTS)})
        refused = ", ".join(odd) if odd else None
    if refused is not None:
        raise InvalidTypeError(f"{name} must be real numbers, got {refused}")
    if not np.issubdtype(array.dtype, np.number):
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidTypeError(f"{name} must be numeric, got dtype {array.dtype}") from exc
    array = array.astype(np.float64)  # a copy: masked elements are overwritten below
    if mask is None:
        return array, np.zeros(array.shape, dtype=bool)
    mask = np.broadcast_to(mask, array.shape)
    array[mask] = np.nan
    return array, mask


@dataclass(frozen=True)
class FlatInputs:
    """Inputs broadcast together: their common ``shape``, flat contiguous float64 ``arrays``
    (C order) and, per flat element, the first masked argument's reason ('ok' where none)."""

    shape: tuple[int, ...]
    arrays: list[np.ndarray]
    masked: np.ndarray

    @property
    def any_masked(self) -> bool:
        return bool((self.masked != OK).any())


def as_float_arrays(
    names: tuple[str, ...], *values: Any, kinds: tuple[str | None, ...] | None = None,
    labels: tuple[str | None, ...] | None = None,
) -> FlatInputs:
    """Every value through :func:`as_float_array`, broadcast together like NumPy.

    ``labels`` names each argument in a masked row's reason (default: ``names``), e.g.
    ``"DM masked"``; a None label makes that argument's masked elements plain NaN (missing).
    Raises as :func:`as_float_array`, and InvalidValueError for shapes that do not broadcast.
    """
    kinds = kinds if kinds is not None else (None,) * len(names)
    labels = labels if labels is not None else names
    arrays, masks = [], []
    for name, value, kind in zip(names, values, kinds, strict=True):
        array, mask = as_float_array(name, value, kind)
        arrays.append(array)
        masks.append(mask)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError as exc:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in zip(names, arrays, strict=True))
        raise InvalidValueError(f"input shapes do not broadcast together: {shapes}") from exc

    def flat(a: np.ndarray) -> np.ndarray:  # our own copy where it has the shape already
        return np.ascontiguousarray((a if a.shape == shape else np.broadcast_to(a, shape)).ravel())

    masked = np.full(int(np.prod(shape)), OK, dtype=object)
    for label, mask in reversed(list(zip(labels, masks, strict=True))):
        if label is not None and mask.any():
            masked[flat(mask)] = f"{label} masked"
    return FlatInputs(shape, [flat(a) for a in arrays], masked)
