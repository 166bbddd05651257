"""YMW16's IGM mode: a fast radio burst's DM <-> redshift and distance (``ymw16 IGM``).

As the authors' C code (``dmdtau`` with np = -1, then ``frb_d``): along the sightline the Galaxy
gives DM_Gal, the DM out to where R_g first exceeds 35 kpc; the Magellanic Clouds beyond it give
DM_MC, the rest of the DM out to 100 kpc (MC mode in every direction, zero away from the
Clouds); the host galaxy gives DM_host (pc cm^-3, as observed); the intergalactic medium the
rest, DM_IGM = DM - DM_Gal - DM_MC - DM_host, read through YMW16's uniform IGM of
n_IGM = 0.16 m^-3 in an expanding universe with H0 = 2.1808e-18 s^-1 (67.3 km/s/Mpc):

    z = DM_IGM H0 / (c n_IGM)          (DM_IGM in m^-2),
    D = (c / H0) ln(1 + z)             (the "distance" the C code prints, Mpc),

and back, for a distance D (Mpc): z = exp(D H0 / c) - 1, DM_IGM = z c n_IGM / H0. The
scattering time (s at 1 GHz) is the largest of the four terms' 0.5 tau_YMW16(DM_Gal),
0.5 tau_YMW16(DM_MC), 10^-6.4 DM_IGM^1.3 and 0.5 tau_YMW16(DM_host (1 + z)) / (1 + z)^3, where
tau_YMW16(DM) = 4.1e-11 DM^2.2 (1 + 0.00194 DM^2) s is YMW16's Galactic relation.

The constants are the C code's own (c = 3e8 m/s, 1 Mpc = 3.086e22 m). A DM below
DM_Gal + DM_MC + DM_host has no IGM part: the C code then gives distance 0 and z 0 (its
commented "Warning: DM < (DM_Gal+DM_MC+DM_Host), Dist=0.0"); here such a row says so in its
``status``.

Public: :func:`frb_dm_to_dist` and :func:`frb_dist_to_dm` (rows in, pandas out; YMW16's
tables given, or built here once), and the array functions :func:`galactic_parts`,
:func:`dm_to_redshift`, :func:`redshift_to_dm`, :func:`frb_tau_1ghz` that they and
:mod:`mwprop_batch.compat.pygedm` share. This module runs its kernels through a
:class:`~mwprop_batch.core.runner.KernelRunner` and imports nothing above the family.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from mwprop_batch.core import units
from mwprop_batch.core.errors import InvalidTypeError
from mwprop_batch.core.input_gate import as_float_arrays
from mwprop_batch.core.runner import KernelRunner
from mwprop_batch.core.status import OK

from .engine import run_sightlines
from .kernels import density as K
from .kernels import los
from .modes import MAGELLANIC, tables_for_mode
from .tables import Ymw16Tables, build_ymw16_tables, load_ymw16

C_M_S = 3e8  # speed of light, as the C code rounds it (m/s)
H0_PER_S = 2.1808e-18  # Hubble constant (s^-1): 67.3 km/s/Mpc
N_IGM_M3 = 0.16  # mean electron density of the IGM today (m^-3)
MPC_M = 3.086e22  # megaparsec (m), as the C code rounds it
KPC_PER_MPC = 1000.0
IGM_TAU_A, IGM_TAU_P = 10.0**-6.4, 1.3  # the IGM's tau (s at 1 GHz) = A DM_IGM^P
GALAXY_EDGE_PC = 35000.0  # R_g where DM_Gal ends (the C code's 35 kpc)
TOO_SMALL = "DM below DM_Gal + DM_MC + DM_host"


def galaxy_exit_pc(l_deg: np.ndarray, b_deg: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Distance from the Sun (pc) where each sightline leaves the sphere R_g = 35 kpc."""
    lr, br = np.deg2rad(l_deg), np.deg2rad(b_deg)
    u = np.stack([np.cos(br) * np.sin(lr), -np.cos(br) * np.cos(lr), np.sin(br)])
    sun = np.array([0.0, P[K.R_SUN], P[K.Z_SUN]])
    along = sun @ u
    return -along + np.sqrt(along * along - (sun @ sun - GALAXY_EDGE_PC**2))


def galactic_parts(
    tables: Ymw16Tables, l_deg: np.ndarray, b_deg: np.ndarray, run,
) -> tuple[np.ndarray, np.ndarray]:
    """(DM_Gal, DM_MC) in pc cm^-3 along each sightline (flat arrays, deg); NaN where the
    sightline is invalid or the integration did not converge."""
    l_deg = np.mod(l_deg, 360.0)
    mc = tables_for_mode(tables, MAGELLANIC)
    valid = np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0)
    ends = np.column_stack([galaxy_exit_pc(l_deg, b_deg, mc.P),
                            np.full(l_deg.shape, mc.P[K.MC_HORIZON])])
    ends[~valid] = 0.0
    dm = run_sightlines(run, mc, los.PROFILE, l_deg, b_deg, np.ascontiguousarray(ends),
                        valid)[0]
    dm_gal, dm_all = dm[:, 0, 0], dm[:, 1, 0]
    return dm_gal, dm_all - dm_gal


def _tau_ymw16(dm, P: np.ndarray):
    return P[K.TAU_A] * dm ** P[K.TAU_P] * (1.0 + P[K.TAU_Q] * dm * dm)


def frb_tau_1ghz(dm_gal, dm_mc, dm_igm, dm_host, z, P: np.ndarray) -> np.ndarray:
    """The C code's tau_FRB (s at 1 GHz): the largest of the four terms (module docstring)."""
    return np.maximum.reduce([
        0.5 * _tau_ymw16(dm_gal, P), 0.5 * _tau_ymw16(dm_mc, P),
        IGM_TAU_A * dm_igm**IGM_TAU_P,
        0.5 * _tau_ymw16(dm_host * (1.0 + z), P) * (1.0 + z) ** -3.0,
    ])


def dm_to_redshift(dm, dm_gal, dm_mc, dm_host) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z, distance in Mpc, DM_IGM) from the total DM and its other parts (pc cm^-3); where
    the DM is below the other parts, z = distance = DM_IGM = 0 (as the C code)."""
    dm_igm = np.maximum(dm - (dm_gal + dm_mc + dm_host), 0.0)
    z = dm_igm * H0_PER_S * MPC_M / (C_M_S * N_IGM_M3)
    return z, (C_M_S / H0_PER_S) * np.log1p(z) / MPC_M, dm_igm


def redshift_to_dm(dist_mpc) -> tuple[np.ndarray, np.ndarray]:
    """(z, DM_IGM in pc cm^-3) of a source at ``dist_mpc`` (the C code's distance, Mpc)."""
    z = np.expm1(dist_mpc * MPC_M * H0_PER_S / C_M_S)
    return z, z * C_M_S * N_IGM_M3 / H0_PER_S / MPC_M


_RUN = KernelRunner()  # as a Model's: a call of a few rows interpreted, larger compiled


@functools.cache
def _package_tables() -> Ymw16Tables:
    """The packaged YMW16 parameters' tables, built on first use (as ``Model("ymw16")``'s)."""
    return build_ymw16_tables(load_ymw16())


def ymw16_tables(model=None) -> Ymw16Tables:
    """YMW16's kernel tables from ``model``: the tables themselves, anything that holds them
    as ``.tables`` (a ``Model("ymw16")``), or None for the packaged model's (built once).

    Raises InvalidTypeError for anything else (another family's model or tables).
    """
    if model is None:
        return _package_tables()
    tables = model if isinstance(model, Ymw16Tables) else getattr(model, "tables", None)
    if not isinstance(tables, Ymw16Tables):
        raise InvalidTypeError(f"YMW16's IGM mode needs YMW16's tables or a model holding "
                               f"them (a Model('ymw16')), got {model!r}")
    return tables


def _frame(l_f, b_f, dm_host, tables, run) -> tuple[dict[str, np.ndarray], np.ndarray]:
    dm_gal, dm_mc = galactic_parts(tables, l_f, b_f, run)
    status = np.full(l_f.shape, OK, dtype=object)
    status[~np.isfinite(dm_gal + dm_mc)] = "l or b invalid, or the Galaxy's DM not converged"
    return {"DM_GAL": dm_gal, "DM_MC": dm_mc, "DM_HOST": dm_host}, status


def frb_dm_to_dist(l_deg, b_deg, dm, dm_host=0.0, *, model=None,
                   run: KernelRunner | None = None) -> pd.DataFrame:
    """An FRB's redshift and distance from its DM through YMW16's IGM mode (``ymw16 IGM``).

    Parameters
    ----------
    l_deg, b_deg : array_like
        Galactic longitude and latitude (deg; astropy values converted by their unit).
    dm : array_like
        Observed DM (pc cm^-3).
    dm_host : array_like
        The host galaxy's DM as observed (pc cm^-3), 0 by default.
    model : Model or Ymw16Tables, optional
        YMW16's tables, or a model holding them as ``.tables`` (a ``Model("ymw16")``); the
        packaged model's otherwise (built once, on first use).
    run : KernelRunner, optional
        How the kernels run (:mod:`mwprop_batch.core.runner`); by default as a Model's
        (a call of a few rows interpreted, larger ones compiled).

    Returns
    -------
    pandas.DataFrame
        One row per element of the broadcast inputs: ``z``, ``DIST_MPC`` (the C code's
        distance, Mpc), ``DM_IGM``, ``DM_GAL``, ``DM_MC``, ``DM_HOST`` (pc cm^-3), ``TAU``
        (s at 1 GHz) and ``status`` ('ok', or why not: a DM below the Galaxy's, Clouds' and
        host's has z = DIST_MPC = 0 as in the C code, and says so).
    """
    tables = ymw16_tables(model)
    flat = as_float_arrays(("l_deg", "b_deg", "dm", "dm_host"), l_deg, b_deg, dm, dm_host,
                           kinds=("angle", "angle", "dm", "dm")).arrays
    cols, status = _frame(flat[0], flat[1], flat[3], tables, run or _RUN)
    z, dist, dm_igm = dm_to_redshift(flat[2], cols["DM_GAL"], cols["DM_MC"], flat[3])
    status[(status == OK) & (flat[2] < cols["DM_GAL"] + cols["DM_MC"] + flat[3])] = TOO_SMALL
    status[(status == OK) & ~np.isfinite(flat[2])] = "DM not finite"
    tau = frb_tau_1ghz(cols["DM_GAL"], cols["DM_MC"], dm_igm, flat[3], z, tables.P)
    return pd.DataFrame({"z": z, "DIST_MPC": dist, "DM_IGM": dm_igm, **cols, "TAU": tau,
                         "status": status})


def frb_dist_to_dm(l_deg, b_deg, dist_mpc, dm_host=0.0, *, model=None,
                   run: KernelRunner | None = None) -> pd.DataFrame:
    """An FRB's DM at a distance (Mpc, the C code's distance) through YMW16's IGM mode.

    Same conventions as :func:`frb_dm_to_dist`; the columns are ``z``, ``DM`` (the total:
    DM_IGM + DM_GAL + DM_MC + DM_HOST), ``DM_IGM``, ``DM_GAL``, ``DM_MC``, ``DM_HOST``,
    ``TAU`` (s at 1 GHz) and ``status``. ``dist_mpc`` with an astropy unit is converted by it.
    """
    tables = ymw16_tables(model)
    if units.has_unit(dist_mpc):  # the unit gate's lengths are in kpc
        dist_mpc = np.asarray(units.plain("dist_mpc", dist_mpc, "length")) / KPC_PER_MPC
    l_f, b_f, dist, host = as_float_arrays(
        ("l_deg", "b_deg", "dist_mpc", "dm_host"), l_deg, b_deg, dist_mpc, dm_host,
        kinds=("angle", "angle", None, "dm")).arrays
    cols, status = _frame(l_f, b_f, host, tables, run or _RUN)
    z, dm_igm = redshift_to_dm(dist)
    status[(status == OK) & ~(np.isfinite(dist) & (dist >= 0.0))] = "distance not finite or < 0"
    tau = frb_tau_1ghz(cols["DM_GAL"], cols["DM_MC"], dm_igm, host, z, tables.P)
    total = dm_igm + cols["DM_GAL"] + cols["DM_MC"] + host
    return pd.DataFrame({"z": z, "DM": total, "DM_IGM": dm_igm, **cols, "TAU": tau,
                         "status": status})
