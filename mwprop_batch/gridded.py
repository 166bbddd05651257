"""Density on a (sightline x distance) grid: the implementation of :meth:`Model.density_along`.

The work is one ``numba.guvectorize`` kernel (:mod:`mwprop_batch.kernels.grid`, imported on
first use); this module shapes its inputs and outputs: plain arrays, a dict of every
component, or an xarray ``Dataset`` (optional extra ``xarray``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import InvalidTypeError, MwpropBatchError
from .kernels.density import COLUMNS

if TYPE_CHECKING:
    from .model import Model

# Model.density's columns: (unit, description) as attrs of the labelled form
DENSITY_COLUMNS: dict[str, tuple[str, str]] = {
    "ne": ("cm^-3", "total electron density"),
    "F": ("", "effective fluctuation parameter (F ne^2 is the scattering integrand)"),
    "Cn2": ("m^-20/3", "C_n^2, strength of the electron-density fluctuations"),
    "ne_thick": ("cm^-3", "thick disk alone"),
    "ne_thin": ("cm^-3", "thin disk alone"),
    "ne_arms": ("cm^-3", "spiral arms alone"),
    "ne_gc": ("cm^-3", "Galactic centre component alone"),
    "ne_lism": ("cm^-3", "local ISM alone"),
    "ne_clumps": ("cm^-3", "clumps alone"),
    "ne_voids": ("cm^-3", "voids alone"),
    "arm": ("", "TC93 number of the nearest arm in reach (0 none; NaN at invalid points)"),
    "in_lism": ("", "inside a local-ISM region"),
    "in_ldr": ("", "inside the low-density region"),
    "in_lsb": ("", "inside the local superbubble"),
    "in_lhb": ("", "inside the local hot bubble"),
    "in_loop_i": ("", "inside Loop I"),
    "clump": ("", "1-based number of the governing clump (0 none; NaN at invalid points)"),
    "void": ("", "1-based number of the governing void (0 none; NaN at invalid points)"),
}


class GridShapeError(MwpropBatchError, ValueError):
    """The sightline and distance inputs of :meth:`Model.density_along` do not fit together."""


def _floats(name: str, value: Any) -> np.ndarray:
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)) \
            or np.iscomplexobj(array):
        raise InvalidTypeError(f"{name} must be real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def density_along(
    model: Model, l_deg, b_deg, dist_kpc, components: bool = False, labelled: bool = False,
) -> np.ndarray | dict[str, np.ndarray] | Any:
    """See :meth:`mwprop_batch.Model.density_along`."""
    from .kernels.grid import density_grid
    from .parallel import run_gufunc

    l_arr = np.mod(_floats("l_deg", l_deg), 360.0)
    b_arr = _floats("b_deg", b_deg)
    dist = _floats("dist_kpc", dist_kpc)
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
    columns = np.arange(len(COLUMNS), dtype=np.int64) if components else np.zeros(1, np.int64)
    with np.errstate(invalid="ignore"):  # NaN written for invalid points is not an error
        raw = run_gufunc(density_grid, l_arr, b_arr, dist, columns, *model.tables)
    if not components:
        values: np.ndarray | dict[str, np.ndarray] = raw[..., 0]
    else:
        values = component_arrays(raw.reshape(-1, len(COLUMNS)), loop_shape + dist.shape[-1:])
    if labelled:
        return _dataset(model, l_arr, b_arr, dist, values)
    return values


def component_arrays(raw: np.ndarray, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Model.density's columns from the kernel's raw columns, as arrays of ``shape``.

    ``arm``, ``clump`` and ``void`` are float64 here (NaN at invalid points), the flags bool.
    """
    from .model import density_frame

    frame = density_frame(raw)
    out = {}
    for name in DENSITY_COLUMNS:
        column = frame[name]
        if isinstance(column.dtype, pd.Int64Dtype):
            column = column.to_numpy(dtype=np.float64, na_value=np.nan)
        out[name] = np.asarray(column).reshape(shape)
    return out


def _dataset(model: Model, l_arr, b_arr, dist, values):
    try:
        import xarray as xr
    except ImportError as exc:
        raise ImportError("labelled=True needs xarray: pip install 'mwprop_batch[xarray]'") from exc
    n_sight = np.broadcast_shapes(l_arr.shape, b_arr.shape)[0]
    dims = ("sightline", "distance")
    named = values if isinstance(values, dict) else {"ne": values}
    data_vars = {
        name: (dims, array.reshape(n_sight, dist.size),
               {"units": DENSITY_COLUMNS[name][0], "long_name": DENSITY_COLUMNS[name][1]})
        for name, array in named.items()
    }
    coords = {
        "l": ("sightline", np.broadcast_to(l_arr, (n_sight,)), {"units": "deg"}),
        "b": ("sightline", np.broadcast_to(b_arr, (n_sight,)), {"units": "deg"}),
        "distance": ("distance", dist, {"units": "kpc", "long_name": "distance from the Sun"}),
    }
    return xr.Dataset(data_vars, coords, attrs={"model": model.name})
