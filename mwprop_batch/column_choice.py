"""Choose a catalogue's columns: its position, DM, distance and DM-error columns, by name.

Column names are matched against common conventions (exact name first, then ignoring case and
surrounding spaces) unless given explicitly (exactly, or up to surrounding spaces). A row's
position comes from the first source that gives it:
Galactic l/b, then RA/Dec (J2000), then ecliptic ELONG/ELAT, so a catalogue such as the ATNF's,
where a few pulsars have only ecliptic coordinates, is read row by row.

Cartesian positions (population syntheses) are read when their frame is named
(``ColumnOverrides(xyz="galactocentric" | "heliocentric")``, ``--xyz``): columns x/y/z or
x_kpc/y_kpc/z_kpc (any case; or ``x_col``...), kpc, in the frames of
:func:`mwprop_batch.coords.cartesian_to_galactic`. Heliocentric x, y, z are model-independent;
galactocentric ones are seen from one stated Sun, ``sun_kpc`` (default NE2001/NE2025's
(0, 8.5, 0); YMW16's own frame has (0, 8.3, 0.006)), which defines every model's l, b and
distance in a run. They give the direction (l, b) and, for DM from distance, the distance
|r - r_sun|; for distance from DM only the direction (the DM column as usual).

Reading the chosen columns (numbers, angles, each row's status) is :mod:`mwprop_batch.positions`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from .coords import NE2001_SUN_KPC, XYZ_FRAMES
from .core.errors import InvalidValueError, MwpropBatchError

DIRECTIONS = ("dist", "dm", "dm_mw")  # distance from DM, DM from distance, DM to the edge

# (kind, longitude names, latitude names): name pairs in order of preference
POSITION_CONVENTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("galactic", (("GL", "GB"), ("l", "b"), ("gl", "gb"), ("glon", "glat"))),
    ("equatorial", (("RAJD", "DECJD"), ("RAJ", "DECJ"), ("ra", "dec"))),
    ("ecliptic", (("ELONG", "ELAT"),)),
)
# Cartesian x, y, z (kpc) names, read only when their frame is named (xyz=...)
XYZ_NAMES = (("x", "y", "z"), ("x_kpc", "y_kpc", "z_kpc"))
DM_NAMES = ("DM", "dm")
DIST_NAMES = ("dist", "DIST", "dist_kpc", "DIST_A")
DM_ERR_NAMES = ("DM_ERR", "dm_err")
RA_UNITS = ("deg", "hours")  # units of a bare number in a right-ascension column
# names of right-ascension columns whose bare numbers are hours (case-insensitive)
_HOURS_NAME = re.compile(r"raj|.+_(h|hr|hrs|hours)", re.IGNORECASE)


# how a caller names a column override (a ColumnOverrides field such as "dm_col"): Python's
# convert(columns=...) by default; the accessor's keywords; the command line's flags
SPELLINGS = {
    "python": lambda field: f"columns=ColumnOverrides({field}=...)",
    "keyword": lambda field: f"{field}=...",
    "cli": lambda field: f"--{field.replace('_', '-')}",
}


class MissingColumnError(MwpropBatchError, ValueError):
    """A needed column is missing or an explicitly named one does not exist.

    The message names the column overrides as the caller spells them (``spelling``, a key of
    :data:`SPELLINGS`): ``template`` holds each as ``{dm_col}``; :meth:`spelled` gives the
    same error in another caller's spelling (the command line's ``--dm-col``).
    """

    def __init__(self, template: str, spelling: str = "python") -> None:
        super().__init__(template, spelling)
        self.template, self.spelling = template, spelling

    def __str__(self) -> str:
        spell = SPELLINGS[self.spelling]
        return self.template.format_map({f.name: spell(f.name) for f in fields(ColumnOverrides)})

    def spelled(self, spelling: str) -> MissingColumnError:
        """This error with the overrides spelled for ``spelling`` (a key of SPELLINGS)."""
        return type(self)(self.template, spelling)


def _literal(text: str) -> str:
    """``text`` safe inside a MissingColumnError template (its braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


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
    ra_unit: str | None = None  # "deg" or "hours": a bare RA number's unit; None: by name
    xyz: str | None = None  # "galactocentric" or "heliocentric": positions from x, y, z
    x_col: str | None = None
    y_col: str | None = None
    z_col: str | None = None
    sun_kpc: tuple[float, float, float] | None = None  # galactocentric only

    def __post_init__(self) -> None:
        if self.ra_unit is not None and self.ra_unit not in RA_UNITS:
            raise InvalidValueError(
                f"ra_unit must be 'deg' or 'hours' (the unit of a bare RA number), got "
                f"{self.ra_unit!r}"
            )
        if self.xyz is not None and self.xyz not in XYZ_FRAMES:
            raise InvalidValueError(
                f"xyz must be 'galactocentric' or 'heliocentric' (the frame of x, y, z), got "
                f"{self.xyz!r}"
            )
        if self.xyz is None and any((self.x_col, self.y_col, self.z_col, self.sun_kpc)):
            raise InvalidValueError(
                "x, y, z columns or a Sun position need the frame of x, y, z: "
                "--xyz galactocentric|heliocentric (Python: ColumnOverrides(xyz=...))"
            )
        if self.sun_kpc is not None:
            if self.xyz != "galactocentric":
                raise InvalidValueError("a Sun position (--sun-kpc) is for galactocentric x, y, "
                                        "z only: heliocentric ones have the Sun at 0, 0, 0")
            sun = tuple(float(v) for v in self.sun_kpc)
            if len(sun) != 3 or not all(math.isfinite(v) for v in sun):
                raise InvalidValueError(f"sun_kpc must be three finite numbers (x, y, z kpc), "
                                        f"got {self.sun_kpc!r}")
            object.__setattr__(self, "sun_kpc", sun)


@dataclass(frozen=True)
class PositionSource:
    """A pair of columns giving a position: ``kind`` is galactic, equatorial or ecliptic.

    ``hours``: a bare number in the (equatorial) longitude column is hours, not degrees."""

    kind: str
    lon: str
    lat: str
    hours: bool = False
    z: str | None = None  # galactocentric/heliocentric: lon, lat, z are the x, y, z columns
    sun_kpc: tuple[float, float, float] | None = None  # galactocentric: where the Sun is

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns read, in order."""
        return (self.lon, self.lat) if self.z is None else (self.lon, self.lat, self.z)

    def describe(self) -> list:
        """[kind, columns..., (the Sun, kpc)] for a file's metadata."""
        return [self.kind, *self.columns, *([list(self.sun_kpc)] if self.sun_kpc else [])]


def ra_is_hours(name: str) -> bool:
    """Whether a right-ascension column called ``name`` holds hours when its cells are bare
    numbers: psrcat's ``RAJ`` (hours by the catalogue's definition) and names ending in
    ``_h``, ``_hr``, ``_hrs`` or ``_hours`` (any case)."""
    return _HOURS_NAME.fullmatch(name.strip()) is not None


@dataclass(frozen=True)
class Columns:
    """The columns a conversion reads.

    ``positions`` in order of preference; ``value`` holds the DM (pc cm^-3) when ``to`` is
    "dist", the distance (kpc) when it is "dm" (None: the distance of x, y, z positions);
    ``dm_err`` (pc cm^-3) is optional.
    """

    positions: tuple[PositionSource, ...]
    value: str | None
    to: str
    dm_err: str | None = None

    @property
    def names(self) -> list[str]:
        """Every column read, without repeats."""
        names = [n for s in self.positions for n in s.columns]
        names += [self.value] if self.value else []
        return list(dict.fromkeys(names + ([self.dm_err] if self.dm_err else [])))


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
        raise InvalidValueError(f"to must be 'dist' (from DM), 'dm' (from distance) or 'dm_mw' "
                                f"(DM to the Galaxy's edge), got {to!r}")
    overrides = overrides or ColumnOverrides()
    names = [str(n) for n in names]
    named = {}
    for field in fields(overrides):
        given = getattr(overrides, field.name)
        if field.name.endswith("_col") and given is not None:
            named[field.name] = _named(names, given, field.name)
    overrides = replace(overrides, **named)
    if overrides.xyz is not None:
        return _cartesian_columns(names, to, overrides)
    positions = _position_sources(names, overrides)
    if to == "dist":
        value = overrides.dm_col or _required(names, DM_NAMES, "DM", "dm_col")
        dm_err = overrides.dm_err_col or _detect(names, DM_ERR_NAMES)
    elif to == "dm_mw":  # a DM is optional: with one, the excess over the Milky Way's
        value, dm_err = overrides.dm_col or _detect(names, DM_NAMES), None
    else:
        value = overrides.dist_col or _required(names, DIST_NAMES, "distance", "dist_col")
        dm_err = None
    return Columns(positions, value, to, dm_err)


def _cartesian_columns(names: list[str], to: str, overrides: ColumnOverrides) -> Columns:
    """The columns of x, y, z positions (kpc) in the frame ``overrides.xyz``."""
    others = [f"{{{n}}}" for n in ("l_col", "b_col", "ra_col", "dec_col")
              if getattr(overrides, n) is not None]
    if to == "dm" and overrides.dist_col is not None:
        others.append("{dist_col}")
    if others:
        raise MissingColumnError(
            f"{', '.join(others)} given with {{xyz}}: positions (and, for DM from distance, "
            f"distances) come from x, y, z"
        )
    given = (overrides.x_col, overrides.y_col, overrides.z_col)
    if all(given):
        xyz = given
    else:
        if any(given):
            raise MissingColumnError("give all of {x_col}, {y_col}, {z_col}, or none")
        found = [p for p in (tuple(_detect(names, [n]) for n in pair) for pair in XYZ_NAMES)
                 if all(p)]
        if not found:
            raise MissingColumnError(
                f"no x, y, z columns (looked for {'; '.join('/'.join(p) for p in XYZ_NAMES)}, "
                f"any case; name them with {{x_col}}, {{y_col}}, {{z_col}}); columns: "
                f"{_literal(', '.join(names))}"
            )
        xyz = found[0]
    sun = (overrides.sun_kpc or NE2001_SUN_KPC) if overrides.xyz == "galactocentric" else None
    source = PositionSource(overrides.xyz, xyz[0], xyz[1], z=xyz[2], sun_kpc=sun)
    if to == "dm":
        return Columns((source,), None, to)
    if to == "dm_mw":
        return Columns((source,), overrides.dm_col or _detect(names, DM_NAMES), to)
    value = overrides.dm_col or _required(names, DM_NAMES, "DM", "dm_col")
    return Columns((source,), value, to, overrides.dm_err_col or _detect(names, DM_ERR_NAMES))


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
                raise MissingColumnError(f"{{{given}_col}} given without {{{missing}_col}}")
            if lon is not None:
                sources.append(PositionSource(kind, lon, lat))
        return _with_ra_unit(tuple(sources), overrides.ra_unit)
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
            f"no position columns (looked for {_literal(tried)}; name them with {{l_col}} and "
            f"{{b_col}}, or {{ra_col}} and {{dec_col}}, or read x, y, z (kpc) with {{xyz}} "
            f"galactocentric|heliocentric); columns: {_literal(', '.join(names))}"
        )
    return _with_ra_unit(tuple(sources), overrides.ra_unit)


def _with_ra_unit(
    sources: tuple[PositionSource, ...], ra_unit: str | None
) -> tuple[PositionSource, ...]:
    """``sources`` with ``hours`` set on the equatorial one: ``ra_unit`` if given, else by
    the column's name (:func:`ra_is_hours`)."""
    return tuple(
        PositionSource(s.kind, s.lon, s.lat,
                       ra_is_hours(s.lon) if ra_unit is None else ra_unit == "hours")
        if s.kind == "equatorial" else s
        for s in sources
    )


def _named(names: list[str], given: str, override: str) -> str:
    """The column ``given`` (the value of the override field ``override``) names: exactly,
    else the one equal to it up to surrounding spaces."""
    if given in names:
        return given
    near = [n for n in names if n.strip() == given.strip()]
    if len(near) != 1:
        raise MissingColumnError(
            f"column {_literal(repr(given))} ({{{override}}}) not found; "
            f"columns: {_literal(', '.join(names))}"
        )
    return near[0]


def _detect(names: list[str], candidates: Sequence[str]) -> str | None:
    """The first candidate present in ``names``: exact spelling first, then ignoring case and
    surrounding spaces (a CSV header ``GL, GB, DM`` has a column ' GB')."""
    for candidate in candidates:
        if candidate in names:
            return candidate
    lowered = {n.strip().lower(): n for n in reversed(names)}  # first of equals wins
    return next((lowered[c.lower()] for c in candidates if c.lower() in lowered), None)


def _detect_pair(names: list[str], pair: tuple[str, str]) -> tuple[str, str] | None:
    lon, lat = _detect(names, pair[:1]), _detect(names, pair[1:])
    return (lon, lat) if lon and lat else None


def _required(names: list[str], candidates: Sequence[str], what: str, override: str) -> str:
    found = _detect(names, candidates)
    if found is None:
        raise MissingColumnError(
            f"no {what} column (looked for {', '.join(candidates)}; name it with "
            f"{{{override}}}); columns: {_literal(', '.join(names))}"
        )
    return found
