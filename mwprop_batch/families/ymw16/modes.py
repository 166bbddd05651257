"""YMW16's three modes as parameter sets: Galactic, Magellanic Cloud, and the ATNF box rule.

The authors' C code (``ymw16 Gal|MC|IGM``) takes the mode from its caller: Galactic mode ends a
sightline at 25 kpc and has no Clouds; MC mode adds the LMC, 30 Doradus and the SMC beyond
R_g = 35 kpc and ends at 100 kpc, in every direction; IGM mode integrates as MC mode and adds
the intergalactic and host terms (:mod:`mwprop_batch.families.ymw16.igm`).
:class:`~mwprop_batch.Model`
picks the mode per sightline as the ATNF catalogue does: MC inside the box
265 < l < 315 deg, -60 < b < -20 deg, Galactic elsewhere ("auto" here).

The kernels read that box from the parameter vector (``P[MC_L_MIN]`` ...), so a mode is a copy
of the tables with the box emptied (Galactic everywhere) or opened to the whole sky (MC
everywhere): the same kernels, no second code path.

:func:`dm_to_dist_pc`, :func:`dist_to_dm_pc` and :func:`density_pc` run sightlines and points
as the C code answers them (pc; tau in s at 1 GHz; a DM beyond reach placed at the mode's
horizon), plain arrays in and out, for callers that keep the C code's conventions
(:mod:`mwprop_batch.compat.pygedm`); :class:`~mwprop_batch.Model` gives the same numbers in kpc
and ms, with statuses.
"""

from __future__ import annotations

import math

import numpy as np

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.runner import KernelRunner

from .engine import run_sightlines
from .kernels import combination, los
from .kernels import density as K
from .tables import Ymw16Tables

AUTO, GALACTIC, MAGELLANIC = "auto", "gal", "mc"
MODES = (AUTO, GALACTIC, MAGELLANIC)


def tables_for_mode(tables: Ymw16Tables, mode: str) -> Ymw16Tables:
    """``tables`` whose MC box makes every sightline run in ``mode`` (a copy; "auto": as is).

    Raises InvalidValueError for a mode not in :data:`MODES`.
    """
    if mode == AUTO:
        return tables
    if mode not in MODES:
        raise InvalidValueError(f"unknown YMW16 mode {mode!r}; choose one of {', '.join(MODES)}")
    P = tables.P.copy()
    if mode == GALACTIC:  # an empty box: no direction is in it
        P[K.MC_L_MIN] = P[K.MC_L_MAX] = 0.0
    else:  # the whole sky
        P[K.MC_L_MIN], P[K.MC_L_MAX] = -math.inf, math.inf
        P[K.MC_B_MIN], P[K.MC_B_MAX] = -math.inf, math.inf
    return Ymw16Tables(P, tables.arms)


def horizon_pc(tables: Ymw16Tables, mode: str) -> float:
    """Where a sightline ends in ``mode`` (pc): 100 kpc in MC mode, 25 kpc in Galactic mode."""
    return float(tables.P[K.MC_HORIZON if mode == MAGELLANIC else K.GAL_HORIZON])


def dm_to_dist_pc(
    tables: Ymw16Tables, mode: str, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray,
    valid: np.ndarray, run: KernelRunner,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row in ``mode`` (gal or mc): (distance in pc, tau at 1 GHz in s, limit), where
    ``limit`` marks a DM beyond what the sightline reaches, whose distance is then the mode's
    horizon (as the C code). Flat float64 rows (deg, pc cm^-3); rows not ``valid`` give NaN."""
    tables = tables_for_mode(tables, mode)
    raw = run_sightlines(run, tables, los.DM_TO_DIST, l_deg, b_deg, dm[:, None], valid)[0][:, 0, :]
    col = dict(zip(los.DM_TO_DIST_COLUMNS, raw.T, strict=True))
    limit = col["limit"] == 1.0
    return np.where(limit, horizon_pc(tables, mode), col["DIST"]), col["TAU1"], limit


def dist_to_dm_pc(
    tables: Ymw16Tables, mode: str, l_deg: np.ndarray, b_deg: np.ndarray,
    dist_pc: np.ndarray, valid: np.ndarray, run: KernelRunner,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row in ``mode`` (gal or mc): (DM in pc cm^-3, tau at 1 GHz in s) out to
    ``dist_pc``, the sightline ending at the mode's horizon (as the C code); NaN where a row
    is not ``valid``."""
    tables = tables_for_mode(tables, mode)
    ends = np.minimum(dist_pc, horizon_pc(tables, mode))[:, None]
    out = run_sightlines(run, tables, los.PROFILE, l_deg, b_deg, ends, valid)[0][:, 0, :]
    return out[:, 0], out[:, 1]


def density_pc(tables: Ymw16Tables, x: np.ndarray, y: np.ndarray, z: np.ndarray,
               run: KernelRunner) -> np.ndarray:
    """n_e (cm^-3) at Galactocentric points in pc (YMW16's frame; flat float64 arrays)."""
    return run(combination.density_batch, x, y, z, *tables)[:, 0]
