"""Density on a (sightline x distance) grid: the implementation of :meth:`Model.density_along`.

For the NE2001 family the work is one ``numba.guvectorize`` kernel
(:mod:`mwprop_batch.families.ne.kernels.density_grid`, imported on first use); for YMW16 it is
YMW16's point
density at the grid's points (its frame: Sun at (0, R0, z_Sun)). This module shapes the inputs
and outputs: plain arrays, a dict of every component, or an xarray ``Dataset`` (optional extra
``xarray``).
"""

from __future__ import annotations

import weakref
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np

from .core.compile_lock import call, first_call
from .core.constants import PC_PER_KPC, SM_FACTOR
from .core.errors import MwpropBatchError
from .core.extras import missing_extra
from .core.input_gate import as_float_array
from .families.ne.kernels.density import COLUMNS, LISM_LDR, LISM_LHB, LISM_LOOP_I, LISM_LSB
from .families.ne.params import YMW16

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
# YMW16's density columns (see mwprop_batch.families.ymw16.engine.density), as DENSITY_COLUMNS
YMW16_DENSITY_COLUMNS: dict[str, tuple[str, str]] = {
    "ne": ("cm^-3", "total electron density"),
    "ne_thick": ("cm^-3", "thick disk alone"),
    "ne_thin": ("cm^-3", "thin disk alone"),
    "ne_arms": ("cm^-3", "spiral arms alone"),
    "ne_gc": ("cm^-3", "Galactic centre component alone"),
    "ne_gum": ("cm^-3", "Gum Nebula alone"),
    "ne_lb": ("cm^-3", "Local Bubble alone"),
    "ne_loop_i": ("cm^-3", "Loop I alone"),
    "ne_mc": ("cm^-3", "Magellanic Clouds (LMC, 30 Doradus, SMC)"),
    "in_local_bubble": ("", "the Local Bubble governs n_e"),
    "in_gum": ("", "the Gum Nebula governs n_e"),
    "in_loop_i": ("", "Loop I governs n_e"),
    "in_mc": ("", "the Magellanic Clouds give n_e"),
    "in_fermi_bubbles": ("", "inside a Fermi bubble"),
}


def density_docs(model_name: str) -> dict[str, tuple[str, str]]:
    """(unit, description) of each density column of the model named ``model_name``."""
    return YMW16_DENSITY_COLUMNS if model_name == YMW16 else DENSITY_COLUMNS


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
    if model.name == YMW16:
        values = _ymw16_grid(model, l_arr, b_arr, dist, shape, components)
    else:
        from .core.parallel import run_gufunc

        # the gufunc compiles as its module is imported
        grid = first_call("density_grid", lambda: import_module(
            ".families.ne.kernels.density_grid", __package__))

        columns = np.arange(len(COLUMNS), dtype=np.int64) if components else np.zeros(1, np.int64)
        with np.errstate(invalid="ignore"):  # NaN written for invalid points is not an error
            tables = [np.ascontiguousarray(t) for t in model.tables]  # (the gufunc's layout)
            raw = run_gufunc(grid.density_grid, l_arr, b_arr, dist, columns, *tables,
                             _reach_cells(model))
        values = component_arrays(raw.reshape(-1, len(COLUMNS)), shape) if components \
            else raw[..., 0]
    if labelled:
        return _dataset(model, l_arr, b_arr, dist, values)
    return values


_REACH_CELLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _reach_cells(model: Model) -> np.ndarray:
    """The arms' reach per start-grid cell of an NE2001-family model, computed once."""
    cells = _REACH_CELLS.get(model)
    if cells is None:
        from .families.ne.kernels.arms import reach_cells

        t = model.tables
        cells = _REACH_CELLS.setdefault(model, call(reach_cells, t.P, t.arm_par, t.arm_grid))
    return cells


def _ymw16_grid(
    model: Model, l_arr: np.ndarray, b_arr: np.ndarray, dist: np.ndarray,
    shape: tuple[int, ...], components: bool,
) -> np.ndarray | dict[str, np.ndarray]:
    """YMW16's :meth:`Model.density` at the grid's points (l, b deg; distances kpc), as arrays
    of ``shape``; NaN where the sightline or the distance is invalid."""
    from .core.parallel import run_parallel_kernel
    from .families.ymw16.kernels import combination
    from .families.ymw16.kernels import density as K

    # the trigonometry once per sightline, the products per point
    l_one, b_one = l_arr[..., None], b_arr[..., None]
    r_sun, z_sun = model.tables.P[K.R_SUN] / PC_PER_KPC, model.tables.P[K.Z_SUN] / PC_PER_KPC
    with np.errstate(invalid="ignore"):  # invalid points become NaN: not an error
        valid = (np.isfinite(l_one) & np.isfinite(b_one) & (np.abs(b_one) <= 90.0)
                 & np.isfinite(dist) & (dist >= 0.0))
        l_rad, b_rad = np.deg2rad(l_one), np.deg2rad(b_one)
        in_plane = np.where(valid, dist * np.cos(b_rad), np.nan)
        x = np.broadcast_to(in_plane * np.sin(l_rad), shape).ravel()
        y = np.broadcast_to(r_sun - in_plane * np.cos(l_rad), shape).ravel()
        z = np.broadcast_to(z_sun + np.where(valid, dist * np.sin(b_rad), np.nan), shape).ravel()
    raw = run_parallel_kernel(combination.density_batch, x * PC_PER_KPC, y * PC_PER_KPC,
                              z * PC_PER_KPC, *model.tables)
    # the columns by the rules of ymw16_sightlines.density, in NumPy (no DataFrame)
    col = {name: raw[:, i].reshape(shape) for i, name in enumerate(K.COLUMNS)}
    if not components:
        return np.ascontiguousarray(col["ne"])
    valid = np.isfinite(col["ne"])
    region = np.where(valid, col["region"], K.OUTSIDE).astype(np.int64)
    flags = {"in_local_bubble": region == K.LOCAL_BUBBLE, "in_gum": region == K.GUM,
             "in_loop_i": region == K.LOOP_I, "in_mc": region == K.MAGELLANIC,
             "in_fermi_bubbles": col["fermi"] == 1.0}
    return {name: valid & flags[name] if name in flags else col[name]
            for name in YMW16_DENSITY_COLUMNS}


def component_arrays(raw: np.ndarray, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Model.density's columns from the kernel's raw columns, as arrays of ``shape``.

    The rules of :func:`mwprop_batch.model.density_frame`, in NumPy: ``arm``, ``clump`` and
    ``void`` are float64 here (NaN where n_e is not finite, as the frame's missing values),
    the flags bool (False there).
    """
    def column(name: str) -> np.ndarray:
        return raw[:, COLUMNS.index(name)].reshape(shape)

    ne, dsm = column("ne"), column("dsm")
    valid = np.isfinite(ne)
    with np.errstate(invalid="ignore", divide="ignore"):
        effective_f = np.where(ne > 0, dsm / (ne * ne), 0.0)
    effective_f[~valid] = np.nan
    lism = np.where(valid, column("lism"), 0).astype(np.int64)
    out = {"ne": ne, "F": effective_f, "Cn2": SM_FACTOR * dsm}
    for name in DENSITY_COLUMNS:
        if name in ("arm", "clump", "void"):
            out[name] = np.where(valid, column(name), np.nan)
        elif name.startswith("ne_"):
            out[name] = column(name)
    out["in_lism"] = lism != 0
    for name, bit in (("in_ldr", LISM_LDR), ("in_lsb", LISM_LSB), ("in_lhb", LISM_LHB),
                      ("in_loop_i", LISM_LOOP_I)):
        out[name] = (lism & bit) != 0
    return {name: out[name] for name in DENSITY_COLUMNS}


def _dataset(model: Model, l_arr, b_arr, dist, values):
    try:
        import xarray as xr
    except ImportError as exc:
        raise missing_extra("labelled=True", "xarray>=2024.1", "xarray") from exc
    n_sight = np.broadcast_shapes(l_arr.shape, b_arr.shape)[0]
    dims = ("sightline", "distance")
    named = values if isinstance(values, dict) else {"ne": values}
    docs = density_docs(model.name)
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
