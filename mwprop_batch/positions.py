"""Find a catalogue's position, DM, distance and DM-error columns, and derive Galactic l, b.

Column names are matched case-sensitively first, then case-insensitively, against common
catalogue conventions; explicit names always win. Positions come from Galactic l/b if
present, else equatorial RA/Dec (J2000; degrees or sexagesimal), else ecliptic longitude and
latitude (J2000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .coords import ecliptic_to_galactic, equatorial_to_galactic, parse_dec, parse_ra

CANDIDATES: dict[str, tuple[str, ...]] = {
    "glon": ("GL", "l", "gl", "glon", "GLON", "l_deg", "gal_l"),
    "glat": ("GB", "b", "gb", "glat", "GLAT", "b_deg", "gal_b"),
    "ra": ("RAJ", "ra", "RA", "RAJD", "raj", "ra_deg"),
    "dec": ("DECJ", "dec", "DEC", "DECJD", "decj", "dec_deg"),
    "elon": ("ELONG", "elong", "elon"),
    "elat": ("ELAT", "elat"),
    "dm": ("DM", "dm"),
    "dist": ("dist", "DIST", "dist_kpc", "distance"),
    "dm_err": ("DM_ERR", "dm_err", "e_DM", "DMERR"),
}


class ColumnError(ValueError):
    """A required column is missing or ambiguous; the message lists the columns present."""


@dataclass(frozen=True)
class ColumnChoice:
    """Which input columns hold what (None: absent)."""

    glon: str | None = None
    glat: str | None = None
    ra: str | None = None
    dec: str | None = None
    elon: str | None = None
    elat: str | None = None
    dm: str | None = None
    dist: str | None = None
    dm_err: str | None = None

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.__dict__.items() if v is not None)


def _find(columns: list[str], role: str, explicit: str | None) -> str | None:
    if explicit is not None:
        if explicit not in columns:
            raise ColumnError(
                f"column {explicit!r} (for {role}) not found; columns: {', '.join(columns)}"
            )
        return explicit
    for name in CANDIDATES[role]:
        if name in columns:
            return name
    lowered = {c.lower(): c for c in columns}
    for name in CANDIDATES[role]:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def choose_columns(
    columns: list[str], need: str, overrides: dict[str, str | None] | None = None
) -> ColumnChoice:
    """Pick the columns for a conversion that needs ``need`` ("dm" or "dist").

    Raises :class:`ColumnError` naming what is missing and listing the columns that exist.
    """
    overrides = overrides or {}
    found = {role: _find(columns, role, overrides.get(role)) for role in CANDIDATES}
    choice = ColumnChoice(**found)
    has_position = (
        (choice.glon and choice.glat) or (choice.ra and choice.dec) or (choice.elon and choice.elat)
    )
    listing = ", ".join(columns) if columns else "(none)"
    if not has_position:
        raise ColumnError(
            "no position columns: need Galactic l/b (e.g. GL, GB), RA/Dec (e.g. RAJ, DECJ) "
            f"or ecliptic ELONG/ELAT; columns: {listing}"
        )
    if getattr(choice, need) is None:
        what = "DM (e.g. DM)" if need == "dm" else "distance in kpc (e.g. dist)"
        raise ColumnError(f"no {what} column; columns: {listing}")
    return choice


def numeric(values: pd.Series) -> np.ndarray:
    """Float64 values of a column; junk strings and missing values become NaN."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _angle(values: pd.Series, parse_sexagesimal) -> np.ndarray:
    """Degrees from a column: sexagesimal if any value has ':' or spaces, else numbers."""
    text = values.dropna().astype(str)
    if text.str.contains(r"[:\s]", regex=True).any():
        return parse_sexagesimal(values.to_numpy())
    return numeric(values)


def galactic_positions(frame: pd.DataFrame, choice: ColumnChoice) -> tuple[np.ndarray, ...]:
    """Galactic l, b (deg) per row, taken from the first source that has both values."""
    n = len(frame)
    l_deg = np.full(n, np.nan)
    b_deg = np.full(n, np.nan)
    if choice.glon and choice.glat:
        l_deg, b_deg = numeric(frame[choice.glon]), numeric(frame[choice.glat])
    missing = ~(np.isfinite(l_deg) & np.isfinite(b_deg))
    if missing.any() and choice.ra and choice.dec:
        ra = _angle(frame[choice.ra], parse_ra)[missing]
        dec = _angle(frame[choice.dec], parse_dec)[missing]
        l_deg[missing], b_deg[missing] = equatorial_to_galactic(ra, dec)
        missing = ~(np.isfinite(l_deg) & np.isfinite(b_deg))
    if missing.any() and choice.elon and choice.elat:
        elon = numeric(frame[choice.elon])[missing]
        elat = numeric(frame[choice.elat])[missing]
        l_deg[missing], b_deg[missing] = ecliptic_to_galactic(elon, elat)
    return l_deg, b_deg
