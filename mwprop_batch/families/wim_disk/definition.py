"""The plane-parallel WIM family: what :class:`~mwprop_batch.Model` asks of it.

Model ``g08`` (Gaensler et al. 2008; ``data/g08.toml``): n_e(z) = n0 exp(-|z| / H). Frame:
Galactocentric x toward l = 90 deg, y from the Galactic centre toward the Sun, z toward the
north Galactic pole, the Sun at (0, 8.5, 0) kpc as NE2001's (the model itself knows only z;
the Sun is in its mid-plane). It places sources (DM -> D) within a 50 kpc horizon, gives no
scattering (no turbulence) and has no arms. In a sum (``Model("ne2025+g08")``) its density
adds to the other part's, which for an ISM model counts the WIM twice: a sum with a halo
(``g08+yt2020``) is the combination it suits. The protocol: :class:`mwprop_batch.family.Family`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mwprop_batch.core.runner import KernelRunner

from . import engine
from .params import MODELS, DiskParameters, load_parameters
from .tables import DiskTables, build_tables


class WimDiskFamily:
    """The plane-parallel WIM (see :class:`mwprop_batch.family.Family` for each member)."""

    name = "wim_disk"
    models = MODELS
    scattering_columns: tuple[str, ...] = ()
    places_sources = True

    def parameters(self, model: str) -> DiskParameters:
        return load_parameters(model)

    def tables(self, parameters: DiskParameters) -> DiskTables:
        return build_tables(parameters)

    def density_columns(self, parameters: DiskParameters) -> Mapping[str, tuple[str, str]]:
        return {"ne": ("cm^-3", "electron density of the plane-parallel WIM")}

    def sun_kpc(self, parameters: DiskParameters) -> tuple[float, float, float]:
        return parameters.sun_kpc

    def horizon_kpc(self, parameters: DiskParameters) -> float:
        return parameters.horizon_kpc

    def edge_kpc(self, tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
        return tables.edge_kpc(l_deg, b_deg)

    def arm_curves(self, parameters: DiskParameters,
                   samples: int) -> list[tuple[int, np.ndarray]]:
        return []

    def density(self, tables: DiskTables, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                run: KernelRunner) -> pd.DataFrame:
        return engine.density(tables, x, y, z)

    def density_along(self, tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray,
                      dist: np.ndarray, shape: tuple[int, ...], components: bool,
                      run: KernelRunner) -> np.ndarray | dict[str, np.ndarray]:
        return engine.density_along(tables, l_deg, b_deg, dist, shape, components)

    dm_to_dist = staticmethod(engine.dm_to_dist)
    dist_to_dm = staticmethod(engine.dist_to_dm)
    dm_max = staticmethod(engine.dm_max)
    dm_profile = staticmethod(engine.dm_profile)


FAMILY = WimDiskFamily()
