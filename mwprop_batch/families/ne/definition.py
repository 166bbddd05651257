"""The NE2001 family (NE2001p and NE2025p): what :class:`~mwprop_batch.Model` asks of it.

One engine, two parameter sets (``data/ne2001``, ``data/ne2025``). Frame: Galactocentric x
toward l = 90 deg, y from the Galactic centre toward the Sun, z toward the north Galactic pole,
Sun at (0, 8.5, 0) kpc. The protocol: :class:`mwprop_batch.family.Family`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from importlib import import_module

import numpy as np
import pandas as pd

from mwprop_batch.core.compile_lock import call, first_call
from mwprop_batch.core.parallel import run_gufunc
from mwprop_batch.core.runner import KernelRunner
from mwprop_batch.core.scattering import SCATTERING_COLUMNS

from . import engine
from .columns import DENSITY_COLUMNS, component_arrays, density_frame
from .kernels import density as density_kernels
from .kernels.arms import reach_cells
from .kernels.layout import P_MAXDIST
from .params import ModelParameters, load_parameters
from .tables import KernelTables, arm_centrelines, load_tables

# the arms' reach per start-grid cell of each model's tables (density_along), computed once
_REACH_CELLS: dict[int, np.ndarray] = {}
_REACH_LOCK = threading.Lock()


def _reach_cells(tables: KernelTables) -> np.ndarray:
    key = id(tables.P)
    cells = _REACH_CELLS.get(key)
    if cells is None:
        cells = call(reach_cells, tables.P, tables.arm_par, tables.arm_grid)
        with _REACH_LOCK:
            if key not in _REACH_CELLS:
                _REACH_CELLS[key] = cells
                weakref.finalize(tables.P, _REACH_CELLS.pop, key, None)
            cells = _REACH_CELLS[key]
    return cells


class NeFamily:
    """NE2001 and NE2025 (see :class:`mwprop_batch.family.Family` for each member)."""

    name = "ne"
    models = ("ne2001", "ne2025")
    scattering_columns = tuple(SCATTERING_COLUMNS)
    places_sources = True

    def parameters(self, model: str) -> ModelParameters:
        return load_parameters(model)

    def tables(self, parameters: ModelParameters) -> KernelTables:
        return load_tables(parameters)

    def density_columns(self, parameters: ModelParameters) -> Mapping[str, tuple[str, str]]:
        return DENSITY_COLUMNS

    def sun_kpc(self, parameters: ModelParameters) -> tuple[float, float, float]:
        return 0.0, float(parameters.r_sun), 0.0

    def horizon_kpc(self, parameters: ModelParameters) -> float:
        return float(parameters.max_distance)

    def edge_kpc(self, tables: KernelTables, l_deg: np.ndarray,
                 b_deg: np.ndarray) -> np.ndarray:
        return np.full(np.shape(l_deg), tables.P[P_MAXDIST])

    def arm_curves(self, parameters: ModelParameters,
                   samples: int) -> list[tuple[int, np.ndarray]]:
        """Each arm's TC93 number and the not-a-knot cubic spline r(theta) through its
        centreline samples, as (2, samples) x, y (kpc)."""
        from scipy.interpolate import CubicSpline  # SciPy only for pictures

        theta, radius = arm_centrelines(parameters)
        curves = []
        for tc93, th, r in zip(parameters.arm_tc93, theta, radius, strict=True):
            t = np.linspace(th[0], th[-1], samples)
            rr = CubicSpline(th, r)(t)
            curves.append((int(tc93), np.vstack([-rr * np.sin(t), rr * np.cos(t)])))
        return curves

    def density(self, tables: KernelTables, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                run: KernelRunner) -> pd.DataFrame:
        return density_frame(run(density_kernels.density_batch, x, y, z, *tables))

    def density_along(self, tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray,
                      dist: np.ndarray, shape: tuple[int, ...], components: bool,
                      run: KernelRunner) -> np.ndarray | dict[str, np.ndarray]:
        """One ``numba.guvectorize`` pass over the grid (the sightlines in parallel)."""
        # the gufunc compiles as its module is imported
        grid = first_call("density_grid", lambda: import_module(".kernels.density_grid",
                                                                __package__))
        n_columns = len(density_kernels.COLUMNS)
        columns = np.arange(n_columns, dtype=np.int64) if components else np.zeros(1, np.int64)
        contiguous = [np.ascontiguousarray(t) for t in tables]  # the gufunc's one layout
        with np.errstate(invalid="ignore"):  # NaN written for invalid points is not an error
            raw = run_gufunc(grid.density_grid, l_deg, b_deg, dist, columns, *contiguous,
                             _reach_cells(tables))
        if components:
            return component_arrays(raw.reshape(-1, n_columns), shape)
        return raw[..., 0]

    dm_to_dist = staticmethod(engine.dm_to_dist)
    dist_to_dm = staticmethod(engine.dist_to_dm)
    dm_max = staticmethod(engine.dm_max)
    dm_profile = staticmethod(engine.dm_profile)


FAMILY = NeFamily()
