"""The plane-parallel WIM's sightline engine: flat arrays in, result tables out.

Row checks, statuses and frames come from :mod:`mwprop_batch.core.rows`, as for every family;
the numbers from the closed forms (:mod:`.exponential_disk`). Angles in degrees, distances in
kpc, DM in pc cm^-3. DM -> D searches up to the model's horizon: a DM at or above the DM there
is a ``limit`` row (``DIST`` the horizon, ``DM`` the DM there). No scattering: the model has
no turbulence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.rows import (
    distance_frame,
    distance_rows,
    dm_frame,
    dm_rows,
)

from . import exponential_disk as disk
from .tables import DiskTables


def valid_sightlines(l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    """Finite l and b with |b| <= 90 deg."""
    return np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0)


def no_scattering(tables: DiskTables) -> None:
    raise InvalidValueError(f"{tables.name} has no turbulence and gives no scattering")


def dm_at(tables: DiskTables, b_deg: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """DM (pc cm^-3) to ``dist`` (kpc) toward latitude ``b_deg``."""
    return disk.dm(dist, b_deg, tables.n0_cm3, tables.scale_height_kpc)


def _distances(tables: DiskTables, b_deg: np.ndarray, target: np.ndarray,
               top_dm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (kpc) and limit flag (1.0 or 0.0) for each ``target`` DM: 0 for a target
    <= 0, the horizon at or above ``top_dm``, NaN where the target is NaN."""
    limit = target >= top_dm
    inside = (target > 0.0) & ~limit
    dist = np.full(target.shape, np.nan)
    found = disk.distance(target[inside], b_deg[inside], tables.n0_cm3, tables.scale_height_kpc)
    dist[inside] = np.minimum(found, tables.horizon_kpc)  # a DM a rounding below the top's
    dist[target <= 0.0] = 0.0
    dist[limit] = tables.horizon_kpc
    return dist, limit.astype(np.float64)


def dm_to_dist(
    tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray,
    dm_err: np.ndarray | None, scattering: bool, freq_ghz, velocity_kms, errors: str,
    run=None,
) -> pd.DataFrame:
    """DIST, DM, DMz, limit (with ``dm_err`` DIST_LO, DIST_HI, limit_hi) and status; the
    columns of :meth:`mwprop_batch.Model.dm_to_dist`."""
    if scattering:
        no_scattering(tables)
    l_deg, valid, status, given, err = dm_rows(l_deg, b_deg, dm, dm_err, errors)
    b_ok = np.where(valid, b_deg, 0.0)
    top_dm = dm_at(tables, b_ok, np.full(b_ok.shape, tables.horizon_kpc))
    dist, limit = _distances(tables, b_ok, np.where(valid, dm, np.nan), top_dm)
    col = {"DIST": dist, "DM": np.where(limit == 1.0, top_dm, np.where(valid, dm, np.nan)),
           "limit": limit}
    if dm_err is not None:
        col["DIST_LO"], _ = _distances(tables, b_ok, np.where(given, dm - err, np.nan), top_dm)
        col["DIST_HI"], col["limit_hi"] = _distances(tables, b_ok,
                                                     np.where(given, dm + err, np.nan), top_dm)
    frame = distance_frame(col, b_deg, None if dm_err is None else given)
    frame["status"] = status
    return frame


def dist_to_dm(
    tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
    scattering: bool, freq_ghz, velocity_kms, errors: str, run=None,
) -> pd.DataFrame:
    """DIST, DM, DMz, limit (never) and status, as :meth:`mwprop_batch.Model.dist_to_dm`."""
    if scattering:
        no_scattering(tables)
    l_deg, valid, status = distance_rows(l_deg, b_deg, dist, errors)
    dm = np.full(dist.shape, np.nan)
    dm[valid] = dm_at(tables, b_deg[valid], dist[valid])
    frame = dm_frame(np.where(valid, dist, np.nan), dm, b_deg)
    frame["status"] = status
    return frame


def dm_max(tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray, run=None) -> np.ndarray:
    """DM (pc cm^-3) to the horizon per sightline; NaN where the sightline is invalid."""
    out = dm_at(tables, b_deg, np.full(b_deg.shape, tables.horizon_kpc))
    out[~valid_sightlines(l_deg, b_deg)] = np.nan
    return out


def dm_profile(tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
               run=None) -> np.ndarray:
    """DM (pc cm^-3) at each distance of each row of the (n, m) array ``dist`` (kpc); NaN
    where the sightline is invalid or a distance is not finite or negative."""
    b_col = np.asarray(b_deg)[:, None]
    out = dm_at(tables, b_col, dist)
    bad = ~(valid_sightlines(np.asarray(l_deg), np.asarray(b_deg))[:, None]
            & np.isfinite(dist) & (dist >= 0.0))
    return np.where(bad, np.nan, out)


def density(tables: DiskTables, x: np.ndarray, y: np.ndarray, z: np.ndarray,
            run=None) -> pd.DataFrame:
    """``ne`` (cm^-3) at Galactocentric x, y, z (kpc); NaN where a coordinate is not finite."""
    ne = disk.density(z, tables.n0_cm3, tables.scale_height_kpc)
    ne[~(np.isfinite(x) & np.isfinite(y) & np.isfinite(z))] = np.nan
    return pd.DataFrame({"ne": ne})


def density_along(tables: DiskTables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
                  shape: tuple[int, ...], components: bool) -> np.ndarray | dict[str, np.ndarray]:
    """n_e (cm^-3) on sightlines x distances (the last axis of ``dist``), of ``shape``; NaN
    where the sightline or the distance is invalid; with ``components`` a dict ``{"ne": ...}``."""
    ll = np.broadcast_to(np.asarray(l_deg)[..., None], shape)
    bb = np.broadcast_to(np.asarray(b_deg)[..., None], shape)
    dd = np.broadcast_to(dist, shape)
    ne = disk.density(disk.heights(dd, bb), tables.n0_cm3, tables.scale_height_kpc)
    ne[~(valid_sightlines(ll, bb) & np.isfinite(dd) & (dd >= 0.0))] = np.nan
    return {"ne": ne} if components else ne
