"""The NE2001/NE2025 line-of-sight engine: flat arrays in, result tables out.

Used by :class:`mwprop_batch.Model` through the family (:mod:`mwprop_batch.families.ne`); see
its methods for the public documentation. Row checks and result frames:
:mod:`mwprop_batch.core.rows`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwprop_batch.core import compile_ahead
from mwprop_batch.core.rows import (
    distance_frame,
    distance_rows,
    dm_frame,
    dm_rows,
    flag_rows,
    with_scattering,
    wrap_longitude,
)

from .compile_plan import march_callees
from .kernels import density as density_kernels
from .kernels import los
from .kernels.flags import NOT_CONVERGED
from .tables import KernelTables

# while a fresh installation compiles the line-of-sight kernel, a child compiles the march's
# slowest callees (on a second core)
compile_ahead.register(los.los_batch, march_callees)


def _los(
    run, tables: KernelTables, mode: int, l_deg: np.ndarray, b_deg: np.ndarray,
    valid: np.ndarray, dm: np.ndarray | None = None, dm_err: np.ndarray | None = None,
    dist: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``los.los_batch`` in ``mode`` on checked rows: the arrays that mode does not use are
    zeros (``dist``: no columns), so that every mode calls one compiled kernel."""
    n = len(l_deg)
    zeros = np.zeros(n)
    return run(los.los_batch, l_deg, b_deg, zeros if dm is None else dm,
               zeros if dm_err is None else dm_err, np.empty((n, 0)) if dist is None else dist,
               valid, *tables, mode)


def dm_to_dist_columns(
    tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray,
    dm_err: np.ndarray, valid: np.ndarray, run,
) -> dict[str, np.ndarray]:
    """The DM -> D kernel's columns by name (``los.DM_TO_DIST_COLUMNS``: ``DIST`` in kpc,
    ``DM``, ``limit``, the path moments ``M0``, ``M1``, ``M2``, ``MISO``, ``flags``, ...) of
    rows already checked (``l_deg`` in [0, 360), ``valid`` as :func:`check_rows` gives it):
    what the frames are made of, and plain arrays for a caller that needs microseconds a call
    (the pygedm drop-in)."""
    raw = _los(run, tables, los.DM_TO_DIST, l_deg, b_deg, valid, dm=dm, dm_err=dm_err)[0]
    return {name: raw[:, i] for i, name in enumerate(los.DM_TO_DIST_COLUMNS)}


def dist_to_dm_columns(
    tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
    valid: np.ndarray, run,
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 5) DM and the path moments M0, M1, M2, MISO at ``dist`` (kpc) of checked rows, and
    the kernel's convergence flags per row (as :func:`dm_to_dist_columns`)."""
    _, out, flags = _los(run, tables, los.DM_PROFILE, l_deg, b_deg, valid, dist=dist[:, None])
    return out[:, 0, :], flags


def dm_to_dist(
    tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray,
    dm_err: np.ndarray | None, scattering: bool, freq_ghz, velocity_kms, errors: str,
    run,
) -> pd.DataFrame:
    """Flat-array implementation of :meth:`Model.dm_to_dist`."""
    l_deg, valid, status, given, err = dm_rows(l_deg, b_deg, dm, dm_err, errors)
    col = dm_to_dist_columns(tables, l_deg, b_deg, dm, err, valid, run)
    status = status.copy()
    flag_rows(status, col["flags"], errors, NOT_CONVERGED)
    frame = distance_frame(col, b_deg, None if dm_err is None else given)
    frame["status"] = status
    if scattering:
        moments = np.column_stack([col["M0"], col["M1"], col["M2"], col["MISO"]])
        frame = with_scattering(frame, moments, freq_ghz, velocity_kms)
    return frame


def dist_to_dm(
    tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
    scattering: bool, freq_ghz, velocity_kms, errors: str, run,
) -> pd.DataFrame:
    """Flat-array implementation of :meth:`Model.dist_to_dm`."""
    l_deg, valid, status = distance_rows(l_deg, b_deg, dist, errors)
    raw, flags = dist_to_dm_columns(tables, l_deg, b_deg, dist, valid, run)
    status = status.copy()
    bad = flag_rows(status, flags, errors, NOT_CONVERGED)
    frame = dm_frame(np.where(valid & ~bad, dist, np.nan), raw[:, 0], b_deg)
    frame["status"] = status
    if scattering:
        frame = with_scattering(frame, raw[:, 1:5], freq_ghz, velocity_kms)
    return frame


def dm_profile(
    tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray, run
) -> np.ndarray:
    """DM (pc cm^-3) at each distance of each row of the 2-D array ``dist`` (kpc); NaN rows
    where the sightline is invalid or an iteration did not converge."""
    l_deg = wrap_longitude(l_deg)
    valid = np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0)
    return _los(run, tables, los.DM_PROFILE, l_deg, b_deg, valid, dist=dist)[1][:, :, 0]


def dm_max(tables: KernelTables, l_deg: np.ndarray, b_deg: np.ndarray, run) -> np.ndarray:
    """DM (pc cm^-3) integrated to the model's edge along each sightline (NaN where invalid
    or where an iteration did not converge)."""
    l_deg = wrap_longitude(l_deg)
    valid = np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0)
    return _los(run, tables, los.DM_MAX, l_deg, b_deg, valid)[0][:, 0]


def electron_density(tables: KernelTables, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                     run) -> np.ndarray:
    """n_e (cm^-3) alone at Galactocentric points (kpc): the first column of the point
    kernel, without the frame of :meth:`Model.density` (NaN where a coordinate is not
    finite)."""
    return run(density_kernels.density_batch, x, y, z, *tables)[:, 0]
