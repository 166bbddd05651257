"""xarray in, labelled results out: the DataArray forms of :class:`~mwprop_batch.Model`'s methods.

``Model.density``, ``dm_to_dist``, ``dist_to_dm``, ``dm_max``, ``dm_profile`` and ``density_along``
come here when an input is an ``xarray.DataArray`` (:func:`is_labelled`). Inputs broadcast by
dimension name (``xarray.apply_ufunc``); the result is an ``xarray.Dataset`` with the inputs' dims
and coords and one variable per result column, its unit in ``attrs["units"]``.
Dask-backed inputs give lazy results computed chunk by chunk (``dask="parallelized"``); each
chunk goes through the NumPy method, so they equal the eager result.

xarray is the optional extra ``xarray``; it is imported only when an input is a DataArray.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .core.errors import MwpropBatchError
from .core.rows import CORE_COLUMNS
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS, SCATTERING_COLUMNS

if TYPE_CHECKING:
    import xarray as xr

    from .model import Model

COLUMN_DOCS: dict[str, tuple[str, str]] = {
    **CORE_COLUMNS, **SCATTERING_COLUMNS,
    "ne": ("cm^-3", "total electron density"),
    "DM_MAX": ("pc cm^-3", "DM to the model's 50 kpc edge (DM_MW)"),
}


class LabelledInputError(MwpropBatchError, TypeError):
    """Labelled (xarray) and unlabelled array inputs mixed, or a core dimension misplaced."""


def is_labelled(*values: Any) -> bool:
    """Whether any value is an xarray object (checked without importing xarray)."""
    return any(type(v).__module__.partition(".")[0] == "xarray" for v in values)


def _xarray():
    import xarray

    return xarray


def _check_inputs(named: dict[str, Any]) -> dict[str, Any]:
    """Drop None; refuse unlabelled arrays beside DataArrays (they have no dim names)."""
    out = {}
    for name, value in named.items():
        if value is None:
            continue
        if not is_labelled(value) and np.ndim(value) > 0:
            raise LabelledInputError(
                f"{name} is an unlabelled array beside xarray inputs: make it an "
                "xarray.DataArray with named dims (or a scalar)"
            )
        out[name] = value
    return out


def _dataset(
    outputs, columns: list[str], attrs: dict[str, Any],
    docs: dict[str, tuple[str, str]] = COLUMN_DOCS,
) -> xr.Dataset:
    xr = _xarray()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    variables = {}
    for name, array in zip(columns, outputs, strict=True):
        unit, description = docs[name]
        variables[name] = array.assign_attrs(units=unit, long_name=description)
    return xr.Dataset(variables, attrs=attrs)


def _apply_rows(
    method: Callable[..., pd.DataFrame], named: dict[str, Any], options: dict[str, Any],
    attrs: dict[str, Any], docs: dict[str, tuple[str, str]] = COLUMN_DOCS,
) -> xr.Dataset:
    """Apply a row-wise Model method (one DataFrame row per broadcast element) by name."""
    xr = _xarray()
    named = _check_inputs(named)
    names = list(named)
    probe = method(**{n: np.zeros(0) for n in names}, **options)
    columns = list(probe.columns)

    def block(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
        frame = method(**dict(zip(names, arrays, strict=True)), **options)
        return tuple(frame[c].to_numpy().reshape(shape) for c in columns)

    outputs = xr.apply_ufunc(
        block, *named.values(), output_core_dims=[[] for _ in columns], dask="parallelized",
        output_dtypes=[probe[c].to_numpy().dtype for c in columns],
    )
    return _dataset(outputs, columns, attrs, docs)


def density(model: Model, x, y, z) -> xr.Dataset:
    """:meth:`Model.density` by dimension name: a Dataset of its columns (``arm``, ``clump``
    and ``void`` as float, NaN at invalid points, as in :meth:`Model.density_along`)."""

    def method(x, y, z):
        frame = model.density(x, y, z)
        integers = [c for c in frame.columns if isinstance(frame[c].dtype, pd.Int64Dtype)]
        return frame.astype({c: np.float64 for c in integers})

    named = {"x": x, "y": y, "z": z}
    return _apply_rows(method, named, {}, _attrs(model, {}), _density_docs(model))


def dm_to_dist(model: Model, l_deg, b_deg, dm, dm_err=None, **options) -> xr.Dataset:
    """:meth:`Model.dm_to_dist` by dimension name; returns a Dataset (see module doc)."""

    def method(l_deg, b_deg, dm, dm_err=None, **kw):
        return model.dm_to_dist(l_deg, b_deg, dm, dm_err, **kw)

    named = {"l_deg": l_deg, "b_deg": b_deg, "dm": dm, "dm_err": dm_err}
    return _apply_rows(method, named, options, _attrs(model, options))


def dist_to_dm(model: Model, l_deg, b_deg, dist_kpc, **options) -> xr.Dataset:
    """:meth:`Model.dist_to_dm` by dimension name; returns a Dataset (see module doc)."""
    named = {"l_deg": l_deg, "b_deg": b_deg, "dist_kpc": dist_kpc}
    return _apply_rows(model.dist_to_dm, named, options, _attrs(model, options))


def dm_max(model: Model, l_deg, b_deg) -> xr.Dataset:
    """:meth:`Model.dm_max` by dimension name: a Dataset with the variable ``DM_MAX``."""
    xr = _xarray()
    named = _check_inputs({"l_deg": l_deg, "b_deg": b_deg})
    out = xr.apply_ufunc(model.dm_max, *named.values(), dask="parallelized",
                         output_dtypes=[np.float64])
    return _dataset(out, ["DM_MAX"], _attrs(model, {}))


def _core_dim(dist_kpc, others: dict[str, Any]) -> str:
    """The distances' dimension: the last dim of ``dist_kpc``, in no other input."""
    if not is_labelled(dist_kpc) or dist_kpc.ndim == 0:
        raise LabelledInputError("dist_kpc must be a DataArray whose last dim holds the distances")
    core = dist_kpc.dims[-1]
    clash = [n for n, v in others.items() if is_labelled(v) and core in v.dims]
    if clash:
        raise LabelledInputError(
            f"dist_kpc's last dim {core!r} holds the distances, but {', '.join(clash)} "
            "has it too"
        )
    return core


def _profile_block(model: Model) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    def block(l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray) -> np.ndarray:
        loop = np.broadcast_shapes(np.shape(l_deg), np.shape(b_deg), dist.shape[:-1])
        n = int(np.prod(loop))
        ll = np.broadcast_to(l_deg, loop).reshape(n)
        bb = np.broadcast_to(b_deg, loop).reshape(n)
        dd = np.broadcast_to(dist, loop + dist.shape[-1:]).reshape(n, dist.shape[-1])
        return model.dm_profile(ll, bb, dd).reshape(loop + dist.shape[-1:])

    return block


def _apply_core(block, model: Model, l_deg, b_deg, dist_kpc, n_out: int, dtypes):
    xr = _xarray()
    named = _check_inputs({"l_deg": l_deg, "b_deg": b_deg})
    core = _core_dim(dist_kpc, named)
    if dist_kpc.chunks is not None:
        dist_kpc = dist_kpc.chunk({core: -1})
    return xr.apply_ufunc(
        block, *named.values(), dist_kpc,
        input_core_dims=[[] for _ in named] + [[core]],
        output_core_dims=[[core] for _ in range(n_out)], dask="parallelized",
        output_dtypes=dtypes,
    )


def dm_profile(model: Model, l_deg, b_deg, dist_kpc) -> xr.Dataset:
    """:meth:`Model.dm_profile` by dimension name: the last dim of ``dist_kpc`` holds the
    distances (kpc); a Dataset with the variable ``DM`` over the broadcast dims and it."""
    out = _apply_core(_profile_block(model), model, l_deg, b_deg, dist_kpc, 1, [np.float64])
    return _dataset(out, ["DM"], _attrs(model, {}))


def density_along(model: Model, l_deg, b_deg, dist_kpc, components: bool = False) -> xr.Dataset:
    """:meth:`Model.density_along` by dimension name: the last dim of ``dist_kpc`` holds the
    distances (kpc); a Dataset with ``ne`` (and every component when asked)."""
    if not components:
        def block(l_deg, b_deg, dist):
            return model.density_along(l_deg, b_deg, dist)

        out = _apply_core(block, model, l_deg, b_deg, dist_kpc, 1, [np.float64])
        return _dataset(out, ["ne"], _attrs(model, {}))
    probe = model.density_along(0.0, 0.0, np.zeros(1), components=True)
    columns = list(probe)  # the model's own components (YMW16's differ from NE2001's)

    def block_all(l_deg, b_deg, dist):
        values = model.density_along(l_deg, b_deg, dist, components=True)
        return tuple(values[c] for c in columns)

    out = _apply_core(block_all, model, l_deg, b_deg, dist_kpc, len(columns),
                      [probe[c].dtype for c in columns])
    return _dataset(out, columns, _attrs(model, {}), _density_docs(model))


def _density_docs(model: Model) -> dict[str, tuple[str, str]]:
    """(unit, description) of each density column of ``model`` (its family's; a sum's total
    and parts)."""
    parts = getattr(model, "parts", None)
    if parts is None:
        return dict(model.family.density_columns(model.parameters))
    return {"ne": COLUMN_DOCS["ne"]} | {
        f"ne_{part.name}": ("cm^-3", f"{part.name} alone") for part in parts}


def _attrs(model: Model, options: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {"model": model.name}
    if options.get("scattering"):
        attrs["freq_ghz"] = options.get("freq_ghz", REFERENCE_FREQ_GHZ)
        attrs["velocity_kms"] = options.get("velocity_kms", REFERENCE_VELOCITY_KMS)
    return attrs
