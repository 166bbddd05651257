"""The halo family's line-of-sight engine: flat arrays in, result tables out (as sightlines.py).

:class:`mwprop_batch.Model` calls these with its ``tables``, which for a halo model is the
:class:`~mwprop_batch.families.halos.HaloModel` itself. Angles in degrees, distances in kpc, DM in
pc cm^-3. A halo has no turbulence: it gives no scattering, and no DM -> distance on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.rows import distance_rows, dm_frame

from .halo import HaloModel

SCATTERS = False  # halos carry no turbulence: no scattering columns


def build_tables(halo: HaloModel) -> HaloModel:
    """A halo model's tables are the model itself (its edge tables are built on first use)."""
    return halo


def valid_sightlines(l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    return np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0)


def density(halo: HaloModel, x, y, z, run=None) -> pd.DataFrame:
    """``ne`` and, with more than one component, ``ne_<component>`` (cm^-3) at x, y, z (kpc)."""
    parts = halo.density(x, y, z)
    columns = {"ne": parts.sum(axis=-1)}
    if parts.shape[-1] > 1:
        columns |= {f"ne_{name}": parts[:, c] for c, name in enumerate(halo.component_names)}
    return pd.DataFrame(columns)


def dm_to_dist(halo: HaloModel, *args, **kwargs) -> pd.DataFrame:
    """Refused: a halo alone does not place a source (add it to an ISM model)."""
    raise InvalidValueError(
        f"{halo.name} is a halo model: DM -> distance needs an ISM model with it, "
        f"e.g. Model('ne2025+{halo.name}')")


def no_scattering(halo: HaloModel) -> None:
    raise InvalidValueError(f"{halo.name} is a halo model and gives no scattering")


def dist_to_dm(
    halo: HaloModel, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
    scattering: bool, freq_ghz, velocity_kms, errors: str, run=None,
) -> pd.DataFrame:
    """DIST, DM, DMz, limit (never) and status, as
    :func:`mwprop_batch.families.ne.engine.dist_to_dm`."""
    if scattering:
        no_scattering(halo)
    l_deg, valid, status = distance_rows(l_deg, b_deg, dist, errors)
    dm = np.full(l_deg.shape, np.nan)
    dm[valid] = halo.dist_to_dm(l_deg[valid], b_deg[valid], dist[valid])
    frame = dm_frame(np.where(valid, dist, np.nan), dm, b_deg)
    frame["status"] = status
    return frame


def dm_max(halo: HaloModel, l_deg: np.ndarray, b_deg: np.ndarray, run=None) -> np.ndarray:
    """DM to the halo's edge per sightline (NaN where l, b is invalid)."""
    out = halo.dm_max(l_deg, b_deg)
    out[~valid_sightlines(l_deg, b_deg)] = np.nan
    return out


def dm_profile(halo: HaloModel, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
               run=None) -> np.ndarray:
    """DM at each distance of each row of the (n, m) array ``dist``; NaN where invalid."""
    n, m = dist.shape
    ll, bb = np.repeat(l_deg, m), np.repeat(b_deg, m)
    flat = np.ascontiguousarray(dist).ravel()
    out = halo.dist_to_dm(ll, bb, flat)
    out[~(valid_sightlines(ll, bb) & np.isfinite(flat) & (flat >= 0))] = np.nan
    return out.reshape(n, m)


def density_along(halo: HaloModel, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
                  components: bool):
    """n_e on sightlines x distances (the last axis of ``dist``), NaN where invalid; with
    ``components`` a dict: ``ne`` and ``ne_<component>``."""
    shape = np.broadcast_shapes(l_deg.shape, b_deg.shape, dist.shape[:-1]) + dist.shape[-1:]
    ll = np.broadcast_to(np.asarray(l_deg)[..., None], shape)
    bb = np.broadcast_to(np.asarray(b_deg)[..., None], shape)
    dd = np.broadcast_to(dist, shape)
    parts = halo.density_along(ll, bb, dd)
    bad = ~(valid_sightlines(ll, bb) & np.isfinite(dd) & (dd >= 0))
    parts[bad] = np.nan
    total = parts.sum(axis=-1)
    if not components:
        return total
    out = {"ne": total}
    if parts.shape[-1] > 1:
        out |= {f"ne_{name}": parts[..., c] for c, name in enumerate(halo.component_names)}
    return out
