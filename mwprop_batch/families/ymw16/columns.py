"""YMW16's density columns: their units and meaning, and its density on a grid of sightlines.

:func:`density_on_grid` evaluates YMW16's point density (:mod:`.kernels.density`) at a grid's
points in its own frame (Sun at (0, R0, z_Sun)) and gives the columns of :func:`.engine.density`
as arrays (no DataFrame).
"""

from __future__ import annotations

import numpy as np

from mwprop_batch.core.constants import PC_PER_KPC
from mwprop_batch.core.parallel import run_parallel_kernel

from .kernels import combination
from .kernels import density as K
from .tables import Ymw16Tables

# YMW16's density columns (see .engine.density): (unit, description)
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



def density_on_grid(
    tables: Ymw16Tables, l_arr: np.ndarray, b_arr: np.ndarray, dist: np.ndarray,
    shape: tuple[int, ...], components: bool,
) -> np.ndarray | dict[str, np.ndarray]:
    """YMW16's :meth:`Model.density` at the grid's points (l, b deg; distances kpc), as arrays
    of ``shape``; NaN where the sightline or the distance is invalid."""
    # the trigonometry once per sightline, the products per point
    l_one, b_one = l_arr[..., None], b_arr[..., None]
    r_sun, z_sun = tables.P[K.R_SUN] / PC_PER_KPC, tables.P[K.Z_SUN] / PC_PER_KPC
    with np.errstate(invalid="ignore"):  # invalid points become NaN: not an error
        valid = (np.isfinite(l_one) & np.isfinite(b_one) & (np.abs(b_one) <= 90.0)
                 & np.isfinite(dist) & (dist >= 0.0))
        l_rad, b_rad = np.deg2rad(l_one), np.deg2rad(b_one)
        in_plane = np.where(valid, dist * np.cos(b_rad), np.nan)
        x = np.broadcast_to(in_plane * np.sin(l_rad), shape).ravel()
        y = np.broadcast_to(r_sun - in_plane * np.cos(l_rad), shape).ravel()
        z = np.broadcast_to(z_sun + np.where(valid, dist * np.sin(b_rad), np.nan), shape).ravel()
    raw = run_parallel_kernel(combination.density_batch, x * PC_PER_KPC, y * PC_PER_KPC,
                              z * PC_PER_KPC, *tables)
    # the columns by the rules of engine.density, in NumPy (no DataFrame)
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
