"""Density on a (sightline x distance) grid: one ``numba.guvectorize`` kernel.

:func:`density_grid` has the core layout ``(),(),(n)->(n, k)`` — Galactic l, b (deg) and n
distances from the Sun (kpc) give k chosen density columns at each of the n points — with the
model's :class:`~mwprop_batch.tables.KernelTables` as further inputs, each with its own core
dimensions. Being a NumPy gufunc it broadcasts l, b and the distances' leading dimensions and
runs the broadcast sightlines in parallel. :meth:`mwprop_batch.Model.density_along` wraps it.

Each point is evaluated by :func:`~mwprop_batch.kernels.density.components`, the function
:func:`~mwprop_batch.kernels.density.density_batch` uses, so the values equal
``density_batch`` at the points :func:`sightline_points` gives, bit for bit.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .density import COLUMNS, components
from .layout import P_RSUN

_TABLE_TYPES = (
    "float64[:], float64[:, :], float64[:, :, :], float64[:, :, :, :], float64[:, :], "
    "int64[:], float64[:, :], int64[:]"
)
_TABLE_DIMS = "(p),(a,q),(a,s,c),(g,h,a,t),(u,v),(w),(x,y),(z)"
# the gufunc's signature: l, b, distances, columns to write, then the eight KernelTables arrays
SIGNATURE = f"(),(),(n),(k),{_TABLE_DIMS}->(n,k)"


@nb.njit(cache=True, inline="always")
def _direction(l_deg: float, b_deg: float) -> tuple[float, float, float]:
    """Unit vector (x, y, z) from the Sun toward (l, b) in the Galactocentric frame."""
    lr = l_deg * (math.pi / 180.0)
    br = b_deg * (math.pi / 180.0)
    cb = math.cos(br)
    return cb * math.sin(lr), -cb * math.cos(lr), math.sin(br)


@nb.njit(cache=True, inline="always")
def _valid_sightline(l_deg: float, b_deg: float) -> bool:
    return math.isfinite(l_deg) and math.isfinite(b_deg) and abs(b_deg) <= 90.0


@nb.njit(cache=True)
def sightline_points(
    l_deg: np.ndarray, b_deg: np.ndarray, dist_kpc: np.ndarray, r_sun: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactocentric x, y, z (kpc) of the points :func:`density_grid` evaluates.

    ``l_deg``, ``b_deg`` and ``dist_kpc`` are 1-D arrays of equal length (one point each);
    the arithmetic is the kernel's own, so ``density_batch`` at these points reproduces it.
    """
    n = l_deg.shape[0]
    x, y, z = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        ux, uy, uz = _direction(l_deg[i], b_deg[i])
        d = dist_kpc[i]
        x[i], y[i], z[i] = d * ux, r_sun + d * uy, d * uz
    return x, y, z


@nb.guvectorize(
    [f"void(float64, float64, float64[:], int64[:], {_TABLE_TYPES}, float64[:, :])"],
    SIGNATURE, target="parallel", cache=True, nopython=True,
)
def density_grid(
    l_deg, b_deg, dist_kpc, columns, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells, out,
):  # pragma: no cover - compiled
    """out[i, j]: density column ``COLUMNS[columns[j]]`` at distance ``dist_kpc[i]`` (kpc)
    toward (l_deg, b_deg) (deg). NaN where the sightline is invalid (non-finite, |b| > 90)
    or the distance is not finite and >= 0."""
    n = dist_kpc.shape[0]
    k = columns.shape[0]
    if not _valid_sightline(l_deg, b_deg):
        out[:, :] = np.nan
        return
    ux, uy, uz = _direction(l_deg, b_deg)
    r_sun = P[P_RSUN]
    for i in range(n):
        d = dist_kpc[i]
        if not (math.isfinite(d) and d >= 0.0):
            out[i, :] = np.nan
            continue
        x, y, z = d * ux, r_sun + d * uy, d * uz
        values = components(x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                            void_par, void_cells)
        for j in range(k):
            out[i, j] = values[columns[j]]


N_COLUMNS = len(COLUMNS)
