"""The YMW16 family (Yao, Manchester & Wang 2017): what :class:`~mwprop_batch.Model` asks of it.

One model, ``ymw16`` (``data/model.toml``). Frame: Galactocentric x toward l = 90 deg, y from
the Galactic centre toward the Sun, Sun at (0, 8.3, 0.006) kpc (pc inside the kernels). Its
one scattering column is ``TAU``; it integrates to its horizon, 25 kpc (100 kpc toward the
Magellanic Clouds). The protocol: :class:`mwprop_batch.family.Family`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mwprop_batch.core.constants import PC_PER_KPC
from mwprop_batch.core.runner import KernelRunner

from . import arm_curves, engine
from .columns import YMW16_DENSITY_COLUMNS, density_on_grid
from .kernels import density as K
from .tables import Ymw16Parameters, Ymw16Tables, build_ymw16_tables, load_ymw16


class Ymw16Family:
    """YMW16 (see :class:`mwprop_batch.family.Family` for each member)."""

    name = "ymw16"
    models = ("ymw16",)
    scattering_columns = ("TAU",)
    places_sources = True

    def parameters(self, model: str) -> Ymw16Parameters:
        return load_ymw16()

    def tables(self, parameters: Ymw16Parameters) -> Ymw16Tables:
        return build_ymw16_tables(parameters)

    def density_columns(self, parameters: Ymw16Parameters) -> Mapping[str, tuple[str, str]]:
        return YMW16_DENSITY_COLUMNS

    def sun_kpc(self, parameters: Ymw16Parameters) -> tuple[float, float, float]:
        frame = parameters["frame"]
        return 0.0, frame["r_sun"] / PC_PER_KPC, frame["z_sun"] / PC_PER_KPC

    def horizon_kpc(self, parameters: Ymw16Parameters) -> float:
        return parameters["frame"]["gal_horizon"] / PC_PER_KPC

    def edge_kpc(self, tables: Ymw16Tables, l_deg: np.ndarray,
                 b_deg: np.ndarray) -> np.ndarray:
        """25 kpc; 100 kpc where the direction is in the Magellanic Cloud box."""
        l_mod = np.mod(l_deg, 360.0)
        in_box = np.array([K.in_mc_region(lon, lat, tables.P)
                           for lon, lat in zip(l_mod.ravel(), np.ravel(b_deg), strict=True)],
                          dtype=bool).reshape(np.shape(l_deg))
        return np.where(in_box, tables.P[K.MC_HORIZON], tables.P[K.GAL_HORIZON]) / PC_PER_KPC

    def arm_curves(self, parameters: Ymw16Parameters,
                   samples: int) -> list[tuple[int, np.ndarray]]:
        return arm_curves.arm_curves(parameters, samples)

    def density(self, tables: Ymw16Tables, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                run: KernelRunner) -> pd.DataFrame:
        return engine.density(tables, x, y, z, run)

    def density_along(self, tables: Ymw16Tables, l_deg: np.ndarray, b_deg: np.ndarray,
                      dist: np.ndarray, shape: tuple[int, ...], components: bool,
                      run: KernelRunner) -> np.ndarray | dict[str, np.ndarray]:
        return density_on_grid(tables, l_deg, b_deg, dist, shape, components)

    dm_to_dist = staticmethod(engine.dm_to_dist)
    dist_to_dm = staticmethod(engine.dist_to_dm)
    dm_max = staticmethod(engine.dm_max)
    dm_profile = staticmethod(engine.dm_profile)


FAMILY = Ymw16Family()
