"""NE2001/NE2025 density columns: their units and meaning, and the frames and arrays of them.

The point kernel (:func:`~mwprop_batch.families.ne.kernels.density.density_batch`) returns raw
columns (:data:`~mwprop_batch.families.ne.kernels.density.COLUMNS`); :func:`density_frame` makes
them :meth:`Model.density`'s DataFrame and :func:`component_arrays` the same columns as arrays of a
grid's shape (:meth:`Model.density_along` with ``components=True``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwprop_batch.core.constants import SM_FACTOR

from .kernels.density import COLUMNS, LISM_LDR, LISM_LHB, LISM_LOOP_I, LISM_LSB

# Model.density's columns: (unit, description)
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

def density_frame(raw: np.ndarray) -> pd.DataFrame:
    """DataFrame of the per-point kernel output (see :func:`Model.density`)."""
    col = {name: raw[:, i] for i, name in enumerate(COLUMNS)}
    ne, dsm = col["ne"], col["dsm"]
    with np.errstate(invalid="ignore", divide="ignore"):
        effective_f = np.where(ne > 0, dsm / (ne * ne), 0.0)
    effective_f[~np.isfinite(ne)] = np.nan
    valid = np.isfinite(ne)
    lism = np.where(valid, col["lism"], 0).astype(np.int64)

    def flag(bit: int) -> np.ndarray:
        return (lism & bit) != 0

    def integer(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(np.where(valid, values, 0).astype(np.int64), ~valid)

    return pd.DataFrame(
        {
            "ne": ne,
            "F": effective_f,
            "Cn2": SM_FACTOR * dsm,
            "ne_thick": col["ne_thick"],
            "ne_thin": col["ne_thin"],
            "ne_arms": col["ne_arms"],
            "ne_gc": col["ne_gc"],
            "ne_lism": col["ne_lism"],
            "ne_clumps": col["ne_clumps"],
            "ne_voids": col["ne_voids"],
            "arm": integer(col["arm"]),
            "in_lism": lism != 0,
            "in_ldr": flag(LISM_LDR),
            "in_lsb": flag(LISM_LSB),
            "in_lhb": flag(LISM_LHB),
            "in_loop_i": flag(LISM_LOOP_I),
            "clump": integer(col["clump"]),
            "void": integer(col["void"]),
        }
    )


def component_arrays(raw: np.ndarray, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Model.density's columns from the kernel's raw columns, as arrays of ``shape``.

    The rules of :func:`density_frame`, in NumPy: ``arm``, ``clump`` and
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
