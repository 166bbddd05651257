"""YMW16 line-of-sight queries: validate rows, run the YMW16 kernels, assemble result tables.

The same row checks, error policy and columns as :mod:`mwprop_batch.families.ne.engine` (distances
in
kpc here, pc inside the kernels). With ``scattering=True`` the one scattering column is YMW16's
``TAU`` (ms), from its DM-tau relation scaled as freq^-4; the other scattering columns
(SM, SBW, SCINTIME, THETA_*, NU_T, EM, ...) belong to the NE2001 family only.
``limit`` is True where the DM is not reached by YMW16's horizon (25 kpc; 100 kpc toward the
Magellanic Clouds, where ``MC`` is True).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwprop_batch.core import compile_ahead
from mwprop_batch.core.constants import PC_PER_KPC
from mwprop_batch.core.rows import (
    distance_frame,
    distance_rows,
    dm_frame,
    dm_rows,
    flag_rows,
    scattering_status,
    wrap_longitude,
)

from .compile_plan import march_callees
from .kernels import combination, los
from .kernels import density as K
from .kernels.flags import NOT_CONVERGED
from .tables import Ymw16Tables

# while a fresh installation compiles the line-of-sight kernel, a child compiles the march's
# slowest callees (on a second core)
compile_ahead.register(los.sightline_batch, march_callees)

MS_PER_S = 1000.0


def _tau_ms(tau_1ghz_s: np.ndarray, freq_ghz) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):  # extreme frequency: flagged in status
        return MS_PER_S * tau_1ghz_s * np.asarray(freq_ghz, dtype=np.float64) ** -4.0


def run_sightlines(
    run, tables: Ymw16Tables, mode: int, l_deg: np.ndarray, b_deg: np.ndarray,
    values: np.ndarray | None, valid: np.ndarray, dm_err: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``los.sightline_batch`` in ``mode`` on checked rows: (table, flags). ``values``: the
    DMs (pc cm^-3, shape (n, 1)) for ``los.DM_TO_DIST``, the distances (pc, (n, k)) for
    ``los.PROFILE``, None for ``los.DM_MAX``; ``dm_err`` (pc cm^-3) zeros unless given."""
    n = len(l_deg)
    return run(los.sightline_batch, l_deg, b_deg, np.empty((n, 0)) if values is None else values,
               np.zeros(n) if dm_err is None else dm_err, valid, *tables, mode)


def dm_to_dist(
    tables: Ymw16Tables, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray,
    dm_err: np.ndarray | None, scattering: bool, freq_ghz, velocity_kms, errors: str, run,
) -> pd.DataFrame:
    """Flat-array implementation of :meth:`Model.dm_to_dist` for YMW16.

    Same signature as :func:`mwprop_batch.families.ne.engine.dm_to_dist`; ``velocity_kms`` enters
    only the NE2001 family's scintillation columns, so YMW16 does not use it."""
    l_deg, valid, status, given, err = dm_rows(l_deg, b_deg, dm, dm_err, errors)
    raw = run_sightlines(run, tables, los.DM_TO_DIST, l_deg, b_deg, dm[:, None], valid,
                         err)[0][:, 0, :]
    col = {name: raw[:, i] for i, name in enumerate(los.DM_TO_DIST_COLUMNS)}
    status = status.copy()
    flag_rows(status, col["flags"], errors, NOT_CONVERGED)
    frame = distance_frame(col, b_deg, None if dm_err is None else given, PC_PER_KPC)
    if scattering:
        frame["TAU"] = _tau_ms(col["TAU1"], freq_ghz)
        status = scattering_status(status, frame[["TAU"]])
    frame["status"] = status
    return frame


def dist_to_dm(
    tables: Ymw16Tables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
    scattering: bool, freq_ghz, velocity_kms, errors: str, run,
) -> pd.DataFrame:
    """Flat-array implementation of :meth:`Model.dist_to_dm` for YMW16."""
    l_deg, valid, status = distance_rows(l_deg, b_deg, dist, errors)
    pc = (dist * PC_PER_KPC)[:, None]
    out, flags = run_sightlines(run, tables, los.PROFILE, l_deg, b_deg, pc, valid)
    raw = out[:, 0, :]
    status = status.copy()
    bad = flag_rows(status, flags, errors, NOT_CONVERGED)
    frame = dm_frame(np.where(valid & ~bad, dist, np.nan), raw[:, 0], b_deg)
    if scattering:
        frame["TAU"] = _tau_ms(raw[:, 1], freq_ghz)
        status = scattering_status(status, frame[["TAU"]])
    frame["status"] = status
    return frame


def _valid_sightlines(l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    return np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0)


def dm_profile(
    tables: Ymw16Tables, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray, run
) -> np.ndarray:
    """DM (pc cm^-3) at each distance (kpc) of each row of the 2-D array ``dist``; NaN rows
    where the sightline is invalid or a search did not converge."""
    l_deg = wrap_longitude(l_deg)
    pc = np.ascontiguousarray(dist * PC_PER_KPC)
    return run_sightlines(run, tables, los.PROFILE, l_deg, b_deg, pc,
                          _valid_sightlines(l_deg, b_deg))[0][:, :, 0]


def dm_max(tables: Ymw16Tables, l_deg: np.ndarray, b_deg: np.ndarray, run) -> np.ndarray:
    """DM (pc cm^-3) to YMW16's horizon along each sightline (NaN where invalid or where a
    search did not converge)."""
    l_deg = wrap_longitude(l_deg)
    return run_sightlines(run, tables, los.DM_MAX, l_deg, b_deg, None,
                          _valid_sightlines(l_deg, b_deg))[0][:, 0, 0]


def density(tables: Ymw16Tables, x, y, z, run) -> pd.DataFrame:
    """YMW16 n_e and its parts at Galactocentric points given in kpc (see Model.density)."""
    raw = run(combination.density_batch, x * PC_PER_KPC, y * PC_PER_KPC, z * PC_PER_KPC, *tables)
    col = {name: raw[:, i] for i, name in enumerate(K.COLUMNS)}
    valid = np.isfinite(col["ne"])
    region = np.where(valid, col["region"], K.OUTSIDE).astype(np.int64)
    frame = pd.DataFrame({name: col[name] for name in K.COLUMNS[:9]})
    frame["in_local_bubble"] = valid & (region == K.LOCAL_BUBBLE)
    frame["in_gum"] = valid & (region == K.GUM)
    frame["in_loop_i"] = valid & (region == K.LOOP_I)
    frame["in_mc"] = valid & (region == K.MAGELLANIC)
    frame["in_fermi_bubbles"] = valid & (col["fermi"] == 1.0)
    return frame
