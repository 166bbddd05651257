"""Row checks, statuses and result frames that every family's line-of-sight engine shares.

An engine (``families/<name>/engine.py``) checks its input rows here (:func:`check_rows`,
:func:`dm_rows`), turns its kernels' convergence flags into statuses (:func:`flag_rows`) and
builds its result tables (:func:`distance_frame`, :func:`dm_frame`, :func:`with_scattering`),
so that every family marks bad rows and names its columns the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import InvalidValueError, MwpropBatchError
from .scattering import scattering_frame
from .status import CONVERGENCE_REASON, OK, SCATTERING_REASON

ERROR_POLICIES = ("nan", "raise")

# name: (unit, description) of the distance/DM columns
CORE_COLUMNS: dict[str, tuple[str, str]] = {
    "DIST": ("kpc", "distance (a lower limit where limit is True)"),
    "DM": ("pc cm^-3", "dispersion measure (the largest the model reaches where limit is True)"),
    "DMz": ("pc cm^-3", "DM |sin b|, the DM projected on the z axis"),
    "limit": ("", "True when the DM exceeds what the model reaches by its edge (horizon)"),
    "DIST_LO": ("kpc", "distance for DM - dm_err"),
    "DIST_HI": ("kpc", "distance for DM + dm_err (a lower limit where limit_hi is True)"),
    "limit_hi": ("", "True when DM + dm_err exceeds what the model reaches by its edge"),
    "status": ("", "'ok', or why the row has no result"),
}


class InvalidRowError(MwpropBatchError, ValueError):
    """Raised for an invalid input row when ``errors='raise'``."""


class NotConvergedError(InvalidRowError):
    """Raised when ``errors='raise'`` and an iteration along a row's sightline did not converge
    (with ``errors='nan'`` the row gets NaN and ``status`` 'not converged: <where>')."""


def wrap_longitude(l_deg: np.ndarray) -> np.ndarray:
    """Longitudes (deg) in [0, 360); a non-finite one stays NaN, quietly (:func:`check_rows`
    marks its row)."""
    with np.errstate(invalid="ignore"):
        return np.mod(l_deg, 360.0)


def check_rows(
    l_deg: np.ndarray, b_deg: np.ndarray, value: np.ndarray, value_name: str,
    err: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row validity and status text ('ok' or the first reason the row is bad)."""
    reasons = [
        (~(np.isfinite(l_deg) & np.isfinite(b_deg)), "l or b not finite"),
        (np.abs(b_deg) > 90.0, "|b| > 90 deg"),
        (np.isnan(value), f"{value_name} missing"),
        (np.isinf(value), f"{value_name} not finite"),
        (value <= 0.0, f"{value_name} <= 0"),
    ]
    if err is not None:
        reasons.append(((err < 0.0) | np.isinf(err), "dm_err negative or infinite"))
    status = np.full(l_deg.shape, OK, dtype=object)
    for bad, text in reversed(reasons):
        status[bad] = text
    return status == OK, status


def not_converged(flags: np.ndarray, steps: Sequence[tuple[int, str]]) -> np.ndarray:
    """Per-row status text for a family's convergence flags ('' where they are 0): ``steps``
    is its (bit, step name) table, first listed first said."""
    flags = np.nan_to_num(flags, nan=0.0).astype(np.int64)
    text = np.full(flags.shape, "", dtype=object)
    for bit, where in reversed(steps):
        text[(flags & bit) != 0] = f"{CONVERGENCE_REASON}: {where}"
    return text


def flag_rows(status: np.ndarray, flags: np.ndarray, errors: str,
              steps: Sequence[tuple[int, str]]) -> np.ndarray:
    """Rows whose kernel did not converge (``flags``, bits of ``steps``): their status says
    where; raise if asked to."""
    text = not_converged(flags, steps)
    bad = text != ""
    status[bad] = text[bad]
    if errors == "raise" and bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise NotConvergedError(f"row {first}: {status[first]}")
    return bad


def apply_error_policy(valid: np.ndarray, status: np.ndarray, errors: str) -> None:
    if errors not in ERROR_POLICIES:
        raise InvalidValueError(f"errors must be one of {ERROR_POLICIES}, got {errors!r}")
    if errors == "raise" and not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        raise InvalidRowError(f"row {first}: {status[first]}")


def distance_rows(
    l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray, errors: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked D -> DM input rows: (l in [0, 360), valid, status); raises for a bad row when
    ``errors='raise'``."""
    l_deg = wrap_longitude(l_deg)
    valid, status = check_rows(l_deg, b_deg, dist, "distance")
    apply_error_policy(valid, status, errors)
    return l_deg, valid, status


def dm_rows(
    l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray, dm_err: np.ndarray | None, errors: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked DM -> D input rows: (l in [0, 360), valid, status, whether an error is given,
    the error or 0); raises for a bad row when ``errors='raise'``."""
    l_deg = wrap_longitude(l_deg)
    valid, status = check_rows(l_deg, b_deg, dm, "DM", dm_err)
    apply_error_policy(valid, status, errors)
    given = np.zeros(dm.shape, bool) if dm_err is None else valid & np.isfinite(dm_err)
    err = np.where(given, dm_err, 0.0) if dm_err is not None else np.zeros_like(dm)
    return l_deg, valid, status, given, err


def distance_frame(
    col: dict[str, np.ndarray], b_deg: np.ndarray, given: np.ndarray | None, unit: float = 1.0
) -> pd.DataFrame:
    """DIST, DM, DMz, limit (and, where ``given`` is not None, DIST_LO, DIST_HI, limit_hi)
    from a DM -> D kernel's columns by name; distances are divided by ``unit`` (its length
    unit in kpc^-1: 1000 for pc)."""
    frame = pd.DataFrame(
        {
            "DIST": col["DIST"] / unit,
            "DM": col["DM"],
            "DMz": col["DM"] * np.abs(np.sin(np.deg2rad(b_deg))),
            "limit": col["limit"] == 1.0,
        }
    )
    if given is not None:  # a missing (NaN) error gives no interval
        frame["DIST_LO"] = np.where(given, col["DIST_LO"] / unit, np.nan)
        frame["DIST_HI"] = np.where(given, col["DIST_HI"] / unit, np.nan)
        frame["limit_hi"] = given & (col["limit_hi"] == 1.0)
    return frame


def dm_frame(dist: np.ndarray, dm: np.ndarray, b_deg: np.ndarray) -> pd.DataFrame:
    """DIST, DM, DMz and limit (never) of a D -> DM result."""
    return pd.DataFrame(
        {
            "DIST": dist,
            "DM": dm,
            "DMz": dm * np.abs(np.sin(np.deg2rad(b_deg))),
            "limit": np.zeros(dm.shape, dtype=bool),
        }
    )


def with_scattering(
    frame: pd.DataFrame, moments: np.ndarray, freq_ghz, velocity_kms
) -> pd.DataFrame:
    """Add the scattering columns; an ``ok`` row where one of them is not finite (a path
    too short to scatter gives zero over zero or one over zero, an absurdly long one
    overflows) says so in its status."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scat = scattering_frame(
            frame["DIST"].to_numpy(), *moments.T, freq_ghz=freq_ghz, velocity_kms=velocity_kms
        )
    status = scattering_status(frame.pop("status").to_numpy(), scat)
    return pd.concat([frame, scat], axis=1).assign(status=status)


def scattering_status(status: np.ndarray, scat: pd.DataFrame) -> np.ndarray:
    """A copy of ``status`` where each ``ok`` row with a scattering column (of ``scat``) that
    is not finite says which: 'scattering not finite: SBW, SCINTIME'. Every family's
    scattering columns pass here: no row with an infinite or NaN result is ``ok``."""
    status = status.copy()
    undefined = ~np.isfinite(scat.to_numpy(dtype=np.float64)) & (status == OK)[:, None]
    for row in np.flatnonzero(undefined.any(axis=1)):
        names = ", ".join(scat.columns[undefined[row]])
        status[row] = f"{SCATTERING_REASON}: {names}"
    return status


