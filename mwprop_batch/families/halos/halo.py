"""One Galactic halo model, built once: its components, its edge tables and its array methods.

The methods take plain numbers (degrees, kpc) that broadcast together and return numpy arrays of
the broadcast shape; units, pandas and the catalogue columns are the front end's business.
"""

from __future__ import annotations

import threading

import numpy as np

from .kernels import edge_tables, lines_of_sight, profiles
from .names import HALO_FILES
from .params import HaloParameters, load_halo


def _flat(*values) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """The broadcast shape and each value as a flat, contiguous, writeable float64 array (the
    kernels' one signature: a read-only array would compile them again)."""
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in values])
    return arrays[0].shape, [np.require(a.ravel(), np.float64, ("C", "W")) for a in arrays]


class HaloModel:
    """A halo model by name (one of ``HALO_NAMES``); immutable, pickles as its name."""

    def __init__(self, name: str) -> None:
        self._parameters: HaloParameters = load_halo(name)
        self._kinds = np.array([c.kind for c in self._parameters.components], dtype=np.int64)
        self._packed = np.array([c.packed for c in self._parameters.components])
        self._nodes, self._weights = lines_of_sight.gauss_rule()
        self._tables: tuple[np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The model's name."""
        return self._parameters.name

    @property
    def parameters(self) -> HaloParameters:
        """The parameters as read and derived (:class:`HaloParameters`)."""
        return self._parameters

    @property
    def component_names(self) -> tuple[str, ...]:
        """The components' names, in the order of the density columns."""
        return tuple(c.name for c in self._parameters.components)

    @property
    def provenance(self) -> dict[str, str]:
        """Where the numbers come from (as the other families' parameters give it)."""
        p = self._parameters
        return {"title": p.title, "reference": p.reference,
                "file": f"mwprop_batch/families/halos/data/{HALO_FILES[p.name]}.toml"}

    @property
    def max_distance(self) -> float:
        """Distance (kpc) from the Sun to the farthest point of the halo's edge."""
        return float(max(p[profiles.EDGE] + (p[profiles.SUN] if k != profiles.KIND_UNIFORM
                                              else 0.0)
                         for k, p in zip(self._kinds, self._packed, strict=True)))

    @property
    def sigma_dm(self) -> float | None:
        """The stated 1-sigma uncertainty of the DM to the edge (pc cm^-3), or None."""
        return self._parameters.sigma_dm

    def __repr__(self) -> str:
        return f"HaloModel({self.name!r})"

    def __reduce__(self):
        return (HaloModel, (self.name,))

    def edge_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(radial, disk): the DM-to-edge tables, built on first use (about a second)."""
        with self._lock:
            if self._tables is None:
                radial = np.zeros((self._kinds.size, edge_tables.RADIAL_NODES + 1))
                disk = np.zeros((1, 1))
                for c, (kind, packed) in enumerate(zip(self._kinds, self._packed, strict=True)):
                    if kind in profiles.SPHERICAL_KINDS:
                        radial[c] = edge_tables.build_radial(
                            kind, packed, edge_tables.RADIAL_NODES, self._nodes, self._weights)
                    elif kind == profiles.KIND_YT_DISK:
                        disk = edge_tables.build_disk(
                            packed, edge_tables.DISK_L_NODES, edge_tables.DISK_B_NODES,
                            self._nodes, self._weights)
                self._tables = (radial, disk)
            return self._tables

    def density(self, x_kpc, y_kpc, z_kpc) -> np.ndarray:
        """n_e (cm^-3) of each component (last axis) at Galactocentric x, y, z (kpc).

        The Sun is at (0, sun_kpc, 0) (8.5 kpc for the shipped models), z toward the NGP.
        """
        shape, (x, y, z) = _flat(x_kpc, y_kpc, z_kpc)
        out = lines_of_sight.densities_at(self._kinds, self._packed, x, y, z)
        return out.reshape(*shape, self._kinds.size)

    def density_along(self, l_deg, b_deg, dist_kpc) -> np.ndarray:
        """n_e (cm^-3) of each component (last axis) at distance dist_kpc toward (l, b) (deg)."""
        shape, (lr, br, d) = _flat(np.radians(l_deg), np.radians(b_deg), dist_kpc)
        out = lines_of_sight.densities_along(self._kinds, self._packed, lr, br, d)
        return out.reshape(*shape, self._kinds.size)

    def dist_to_dm(self, l_deg, b_deg, dist_kpc) -> np.ndarray:
        """DM (pc cm^-3) from the Sun to dist_kpc toward (l, b) (deg), by quadrature."""
        shape, (lr, br, d) = _flat(np.radians(l_deg), np.radians(b_deg), dist_kpc)
        out = lines_of_sight.dist_to_dm(self._kinds, self._packed, lr, br, d,
                                        self._nodes, self._weights)
        return out.reshape(shape)

    def dm_max(self, l_deg, b_deg) -> np.ndarray:
        """DM (pc cm^-3) from the Sun to the halo's edge toward (l, b) (deg), from the tables."""
        shape, (lr, br) = _flat(np.radians(l_deg), np.radians(b_deg))
        radial, disk = self.edge_tables()
        return edge_tables.dm_max(self._kinds, self._packed, radial, disk, lr, br).reshape(shape)

    def dm_max_by_component(self, l_deg, b_deg) -> np.ndarray:
        """DM to the edge of each component (last axis), as :meth:`dm_max` sums them."""
        shape, (lr, br) = _flat(np.radians(l_deg), np.radians(b_deg))
        radial, disk = self.edge_tables()
        out = np.empty((lr.size, self._kinds.size))
        for c in range(self._kinds.size):
            out[:, c] = edge_tables.dm_max(self._kinds[c:c + 1], self._packed[c:c + 1],
                                           radial[c:c + 1], disk, lr, br)
        return out.reshape(*shape, self._kinds.size)

    def dm_profile(self, l_deg: float, b_deg: float, dist_kpc) -> np.ndarray:
        """Cumulative DM (pc cm^-3) at each of the distances (kpc) along one sightline."""
        d = np.asarray(dist_kpc, dtype=np.float64)
        l_arr = np.full(d.size, float(l_deg))
        b_arr = np.full(d.size, float(b_deg))
        return self.dist_to_dm(l_arr, b_arr, d.ravel()).reshape(d.shape)

    def edge_kpc(self, l_deg, b_deg) -> np.ndarray:
        """Distance (kpc) from the Sun to the farthest component's edge toward (l, b) (deg)."""
        shape, (lr, br) = _flat(np.radians(l_deg), np.radians(b_deg))
        out = np.zeros(lr.size)
        for kind, packed in zip(self._kinds, self._packed, strict=True):
            out = np.maximum(out, [profiles.edge_distance(kind, packed, np.cos(a), np.cos(b))
                                   for a, b in zip(lr, br, strict=True)])
        return out.reshape(shape)
