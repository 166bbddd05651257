"""The Galactic halo family: what :class:`~mwprop_batch.Model` asks of a halo model.

Models ``yt2020`` (and its parts ``yt2020_sphere``, ``yt2020_disk``), ``pz19`` and ``halo50``
(``data/*.toml``; formulae: docs/halos.md). A model's parameters and its tables are one
:class:`~mwprop_batch.families.halos.halo.HaloModel`. Frame: Galactocentric x, y, z (kpc), Sun
at (0, 8.5, 0) for the shipped models. A halo has no turbulence (no scattering columns), no
spiral arms, and places no source alone. The protocol: :class:`mwprop_batch.family.Family`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mwprop_batch.core.runner import KernelRunner

from . import engine
from .halo import HaloModel
from .kernels import profiles


class HaloFamily:
    """The halo models (see :class:`mwprop_batch.family.Family` for each member)."""

    name = "halos"
    models = ("yt2020", "yt2020_sphere", "yt2020_disk", "pz19", "halo50")
    scattering_columns: tuple[str, ...] = ()
    places_sources = False

    def parameters(self, model: str) -> HaloModel:
        return HaloModel(model)

    def tables(self, parameters: HaloModel) -> HaloModel:
        return engine.build_tables(parameters)

    def density_columns(self, parameters: HaloModel) -> Mapping[str, tuple[str, str]]:
        columns = {"ne": ("cm^-3", "total electron density of the halo")}
        if len(parameters.component_names) > 1:
            columns |= {f"ne_{name}": ("cm^-3", f"{name} component alone")
                        for name in parameters.component_names}
        return columns

    def sun_kpc(self, parameters: HaloModel) -> tuple[float, float, float]:
        first = parameters.parameters.components[0]
        return 0.0, float(first.packed[profiles.SUN]), 0.0

    def horizon_kpc(self, parameters: HaloModel) -> float:
        return parameters.max_distance

    def edge_kpc(self, tables: HaloModel, l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
        return tables.edge_kpc(l_deg, b_deg)

    def arm_curves(self, parameters: HaloModel, samples: int) -> list[tuple[int, np.ndarray]]:
        return []

    def density(self, tables: HaloModel, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                run: KernelRunner) -> pd.DataFrame:
        return engine.density(tables, x, y, z, run)

    def density_along(self, tables: HaloModel, l_deg: np.ndarray, b_deg: np.ndarray,
                      dist: np.ndarray, shape: tuple[int, ...], components: bool,
                      run: KernelRunner) -> np.ndarray | dict[str, np.ndarray]:
        return engine.density_along(tables, l_deg, b_deg, dist, components)

    dm_to_dist = staticmethod(engine.dm_to_dist)
    dist_to_dm = staticmethod(engine.dist_to_dm)
    dm_max = staticmethod(engine.dm_max)
    dm_profile = staticmethod(engine.dm_profile)


FAMILY = HaloFamily()
