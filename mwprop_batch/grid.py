"""Density on a (sightline x distance) grid: the shapes of :meth:`Model.density_along`.

The inputs pass the unit gate and broadcast here; the model's family computes the values
(:meth:`mwprop_batch.family.Family.density_along`: for NE2001/NE2025 one ``numba.guvectorize``
pass). This module gives them as plain arrays, a dict of every component, or an xarray
``Dataset`` (optional extra ``xarray``), and never asks which family it serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .core.errors import MwpropBatchError
from .core.extras import missing_extra
from .core.input_gate import as_float_array

if TYPE_CHECKING:
    from .model import Model


class GridShapeError(MwpropBatchError, ValueError):
    """The sightline and distance inputs of :meth:`Model.density_along` do not fit together."""


def density_along(
    model: Model, l_deg, b_deg, dist_kpc, components: bool = False, labelled: bool = False,
) -> np.ndarray | dict[str, np.ndarray] | Any:
    """See :meth:`mwprop_batch.Model.density_along`."""
    l_arr = np.mod(as_float_array("l_deg", l_deg, "angle")[0], 360.0)
    b_arr = as_float_array("b_deg", b_deg, "angle")[0]
    dist = as_float_array("dist_kpc", dist_kpc, "length")[0]  # masked elements are NaN
    if dist.ndim == 0:
        raise GridShapeError("dist_kpc must have at least one dimension (the distances)")
    if labelled:
        l_arr, b_arr = np.atleast_1d(l_arr), np.atleast_1d(b_arr)
        if l_arr.ndim != 1 or b_arr.ndim != 1 or dist.ndim != 1:
            raise GridShapeError(
                "labelled=True needs 1-D (or scalar) l_deg and b_deg, the sightlines, and 1-D "
                f"dist_kpc; got shapes {l_arr.shape}, {b_arr.shape}, {dist.shape}"
            )
    try:
        loop_shape = np.broadcast_shapes(l_arr.shape, b_arr.shape, dist.shape[:-1])
    except ValueError as exc:
        raise GridShapeError(
            f"l_deg {l_arr.shape}, b_deg {b_arr.shape} and the leading dimensions of dist_kpc "
            f"{dist.shape} do not broadcast together"
        ) from exc
    shape = loop_shape + dist.shape[-1:]
    values = model.family.density_along(model.tables, l_arr, b_arr, dist, shape, components,
                                        model._run)
    if labelled:
        return _dataset(model, l_arr, b_arr, dist, values)
    return values


def _dataset(model: Model, l_arr, b_arr, dist, values):
    try:
        import xarray as xr
    except ImportError as exc:
        raise missing_extra("labelled=True", "xarray>=2024.1", "xarray") from exc
    n_sight = np.broadcast_shapes(l_arr.shape, b_arr.shape)[0]
    dims = ("sightline", "distance")
    named = values if isinstance(values, dict) else {"ne": values}
    docs = model.family.density_columns(model.parameters)
    data_vars = {
        name: (dims, array.reshape(n_sight, dist.size),
               {"units": docs[name][0], "long_name": docs[name][1]})
        for name, array in named.items()
    }
    coords = {
        "l": ("sightline", np.broadcast_to(l_arr, (n_sight,)), {"units": "deg"}),
        "b": ("sightline", np.broadcast_to(b_arr, (n_sight,)), {"units": "deg"}),
        "distance": ("distance", dist, {"units": "kpc", "long_name": "distance from the Sun"}),
    }
    return xr.Dataset(data_vars, coords, attrs={"model": model.name})
