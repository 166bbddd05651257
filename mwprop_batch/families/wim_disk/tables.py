"""What the closed forms take from a plane-parallel WIM model: n0, H and the horizon, by name.

The closed forms (:mod:`.exponential_disk`) need three numbers, so the "tables" are a small
frozen record rather than packed arrays; it also answers where the model's DM stops being
searched along a sightline (:meth:`DiskTables.edge_kpc`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import DiskParameters


@dataclass(frozen=True)
class DiskTables:
    """``n0_cm3`` (cm^-3), ``scale_height_kpc`` (kpc) and ``horizon_kpc`` (kpc) of one model."""

    name: str
    n0_cm3: float
    scale_height_kpc: float
    horizon_kpc: float

    def edge_kpc(self, l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
        """The horizon (kpc) along every sightline: the density never ends, the search does."""
        return np.full(np.broadcast_shapes(np.shape(l_deg), np.shape(b_deg)), self.horizon_kpc)


def build_tables(parameters: DiskParameters) -> DiskTables:
    """The closed forms' numbers of ``parameters``."""
    return DiskTables(parameters.name, parameters.n0_cm3, parameters.scale_height_kpc,
                      parameters.horizon_kpc)
