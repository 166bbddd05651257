"""Find a catalogue's position, DM, distance and DM-error columns and read model inputs.

Column names are matched against common conventions (exact name first, then ignoring case)
unless given explicitly. A row's position comes from the first source that gives it:
Galactic l/b, then RA/Dec (J2000), then ecliptic ELONG/ELAT, so a catalogue such as the ATNF's,
where a few pulsars have only ecliptic coordinates, is read row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .coords import ecliptic_to_galactic, equatorial_to_galactic, parse_dec, parse_ra
from .sightlines import OK

NO_POSITION = "no position"
DIRECTIONS = ("dist", "dm")  # distance from DM, DM from distance

# (kind, longitude names, latitude names): name pairs in order of preference
POSITION_CONVENTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("galactic", (("GL", "GB"), ("l", "b"), ("gl", "gb"), ("glon", "glat"))),
    ("equatorial", (("RAJD", "DECJD"), ("RAJ", "DECJ"), ("ra", "dec"))),
    ("ecliptic", (("ELONG", "ELAT"),)),
)
DM_NAMES = ("DM", "dm")
DIST_NAMES = ("dist", "DIST", "dist_kpc", "DIST_A")
DM_ERR_NAMES = ("DM_ERR", "dm_err")


class MissingColumnError(ValueError):
    """A needed column is missing or an explicitly named one does not exist."""


@dataclass(frozen=True)
class ColumnOverrides:
    """Explicit column names; None means detect. Position overrides disable detection of
    the other position sources."""

    l_col: str | None = None
    b_col: str | None = None
    ra_col: str | None = None
    dec_col: str | None = None
    dm_col: str | None = None
    dist_col: str | None = None
    dm_err_col: str | None = None


@dataclass(frozen=True)
class PositionSource:
    """A pair of columns giving a position: ``kind`` is galactic, equatorial or ecliptic."""

    kind: str
    lon: str
    lat: str


@dataclass(frozen=True)
class Columns:
    """The columns a conversion reads.

    ``positions`` in order of preference; ``value`` holds the DM (pc cm^-3) when ``to`` is
    "dist", the distance (kpc) when it is "dm"; ``dm_err`` (pc cm^-3) is optional.
    """

    positions: tuple[PositionSource, ...]
    value: str
    to: str
    dm_err: str | None = None

    @property
    def names(self) -> list[str]:
        """Every column read, without repeats."""
        names = [n for s in self.positions for n in (s.lon, s.lat)] + [self.value]
        return list(dict.fromkeys(names + ([self.dm_err] if self.dm_err else [])))


@dataclass(frozen=True)
class ModelInputs:
    """Flat float arrays for the engine, and each row's position status."""

    l_deg: np.ndarray
    b_deg: np.ndarray
    value: np.ndarray  # DM (pc cm^-3) or distance (kpc)
    dm_err: np.ndarray | None  # pc cm^-3, NaN where not given
    status: np.ndarray  # 'ok' or NO_POSITION


def find_columns(
    names: Sequence[str], to: str = "dist", overrides: ColumnOverrides | None = None
) -> Columns:
    """Choose the columns to read from a table with column ``names``.

    Parameters
    ----------
    names : sequence of str
        The table's columns.
    to : {"dist", "dm"}
        "dist" reads a DM (and a DM error if there is one), "dm" reads a distance.
    overrides : ColumnOverrides, optional
        Explicit names. Giving any of l, b, ra, dec uses only the position sources named.

    Raises
    ------
    MissingColumnError
        Naming what is missing and listing the columns that exist.
    ValueError
        If ``to`` is not "dist" or "dm".
    """
    if to not in DIRECTIONS:
        raise ValueError(f"to must be 'dist' (from DM) or 'dm' (from distance), got {to!r}")
    overrides = overrides or ColumnOverrides()
    names = [str(n) for n in names]
    for field in fields(overrides):
        given = getattr(overrides, field.name)
        if given is not None and given not in names:
            raise MissingColumnError(
                f"column {given!r} (--{field.name.replace('_', '-')}) not found; "
                f"columns: {', '.join(names)}"
            )
    positions = _position_sources(names, overrides)
    if to == "dist":
        value = overrides.dm_col or _required(names, DM_NAMES, "DM", "--dm-col")
        dm_err = overrides.dm_err_col or _detect(names, DM_ERR_NAMES)
    else:
        value = overrides.dist_col or _required(names, DIST_NAMES, "distance", "--dist-col")
        dm_err = None
    return Columns(positions, value, to, dm_err)


def _position_sources(names: list[str], overrides: ColumnOverrides) -> tuple[PositionSource, ...]:
    explicit = {
        "galactic": (overrides.l_col, overrides.b_col),
        "equatorial": (overrides.ra_col, overrides.dec_col),
    }
    if any(n is not None for pair in explicit.values() for n in pair):
        sources = []
        for kind, (lon, lat) in explicit.items():
            if (lon is None) != (lat is None):
                given, missing = ("l", "b") if kind == "galactic" else ("ra", "dec")
                if lon is None:
                    given, missing = missing, given
                raise MissingColumnError(f"--{given}-col given without --{missing}-col")
            if lon is not None:
                sources.append(PositionSource(kind, lon, lat))
        return tuple(sources)
    sources = []
    for kind, pairs in POSITION_CONVENTIONS:
        pair = next((p for p in (_detect_pair(names, pair) for pair in pairs) if p), None)
        if pair is not None:
            sources.append(PositionSource(kind, *pair))
    if not sources:
        tried = "; ".join(
            f"{kind}: " + ", ".join(f"{a}/{b}" for a, b in pairs)
            for kind, pairs in POSITION_CONVENTIONS
        )
        raise MissingColumnError(
            f"no position columns (looked for {tried}; name them with --l-col/--b-col or "
            f"--ra-col/--dec-col); columns: {', '.join(names)}"
        )
    return tuple(sources)


def _detect(names: list[str], candidates: Sequence[str]) -> str | None:
    """The first candidate present in ``names``: exact spelling first, then ignoring case."""
    for candidate in candidates:
        if candidate in names:
            return candidate
    lowered = {n.lower(): n for n in reversed(names)}  # first of equal lower-case names wins
    return next((lowered[c.lower()] for c in candidates if c.lower() in lowered), None)


def _detect_pair(names: list[str], pair: tuple[str, str]) -> tuple[str, str] | None:
    lon, lat = _detect(names, pair[:1]), _detect(names, pair[1:])
    return (lon, lat) if lon and lat else None


def _required(names: list[str], candidates: Sequence[str], what: str, option: str) -> str:
    found = _detect(names, candidates)
    if found is None:
        raise MissingColumnError(
            f"no {what} column (looked for {', '.join(candidates)}; name it with {option}); "
            f"columns: {', '.join(names)}"
        )
    return found


def read_inputs(frame: pd.DataFrame, columns: Columns) -> ModelInputs:
    """The engine's inputs from a DataFrame holding (at least) ``columns.names``.

    Numbers in text columns are parsed and junk becomes NaN (the engine then reports the
    row as bad). A row's l, b (deg) come from its first position source with both values;
    rows with none get NaN and the status :data:`NO_POSITION`.
    """
    n = len(frame)
    l_deg, b_deg = np.full(n, np.nan), np.full(n, np.nan)
    for source in columns.positions:
        missing = ~(np.isfinite(l_deg) & np.isfinite(b_deg))
        if not missing.any():
            break
        lon, lat = galactic(frame.loc[missing, [source.lon, source.lat]], source)
        l_deg[missing], b_deg[missing] = lon, lat
    status = np.full(n, OK, dtype=object)
    status[~(np.isfinite(l_deg) & np.isfinite(b_deg))] = NO_POSITION
    dm_err = numbers(frame[columns.dm_err]) if columns.dm_err else None
    return ModelInputs(l_deg, b_deg, numbers(frame[columns.value]), dm_err, status)


def galactic(frame: pd.DataFrame, source: PositionSource) -> tuple[np.ndarray, np.ndarray]:
    """Galactic l, b (deg) from the two columns of ``source`` in ``frame``."""
    lon, lat = frame[source.lon], frame[source.lat]
    if source.kind == "galactic":
        return numbers(lon), numbers(lat)
    if source.kind == "ecliptic":
        return ecliptic_to_galactic(numbers(lon), numbers(lat))
    return equatorial_to_galactic(angles(lon, parse_ra), angles(lat, parse_dec))


def numbers(values: pd.Series) -> np.ndarray:
    """float64 values; text that is not a number (and missing values) becomes NaN."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def angles(values: pd.Series, parse) -> np.ndarray:
    """Angles in degrees: plain numbers as degrees, other text by ``parse`` (sexagesimal).

    A bare number is degrees even in a text column, so a column of degrees with a few junk
    cells still reads as degrees; write hours of right ascension as 'hh:mm:ss' or 'hh mm ss'.
    """
    degrees = numbers(values).copy()
    text = np.isnan(degrees) & values.notna().to_numpy()
    if text.any():
        degrees[text] = parse(values[text].to_numpy(dtype=object))
    return parse(degrees)
