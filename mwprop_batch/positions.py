"""Read model inputs from a catalogue's chosen columns: each row's Galactic l, b, its DM or
distance and DM error, and its status.

The columns are chosen by :mod:`mwprop_batch.column_choice` (its names are importable from
here too). A row's position comes from the first source that gives it: Galactic l/b, then
RA/Dec (J2000), then ecliptic ELONG/ELAT, so a catalogue such as the ATNF's, where a few pulsars
have only ecliptic coordinates, is read row by row; Cartesian x, y, z (kpc) give the direction
and, for DM from distance, the distance.

One rule for angles everywhere (as :func:`mwprop_batch.coords.parse_ra`/``parse_dec``), the same
for a numeric column and a text one, so a zero-padded cell ('005.0') or one junk cell that makes
a column text changes no position: a *bare* number (5.0, '12.5', '005.0') is degrees, except in
a right-ascension column whose name says hours (:func:`~mwprop_batch.column_choice.ra_is_hours`:
psrcat's ``RAJ``, or a name ending in ``_h``/``_hr``/``_hrs``/``_hours``) or with
``ColumnOverrides(ra_unit="hours")``; text that marks its fields is sexagesimal, right ascension
in *hours* ('12:30', '12 30 00.5', '12h30m') and declination in degrees ('-05:30', '-5d30m'). A
bare number out of range (an 'hours' RA of 83.6) flags the row, never a silent x 15. A text cell
that gives no angle, or an angle out of range, makes the row's status name the column and the
text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue.formats.csv_files import CSV_MISSING
from .catalogue.formats.psrcat import ROW_PROBLEM
from .column_choice import (
    DIRECTIONS,
    ColumnOverrides,
    Columns,
    MissingColumnError,
    PositionSource,
    find_columns,
)
from .coords import (
    NE2001_SUN_KPC,
    cartesian_to_galactic,
    ecliptic_to_galactic,
    equatorial_to_galactic,
    parse_dec,
    parse_ra,
)
from .core.status import OK

__all__ = [  # the column choice's names, imported from here by users and the command line
    "DIRECTIONS", "NO_POSITION", "ColumnOverrides", "Columns", "MissingColumnError",
    "ModelInputs", "PositionSource", "find_columns", "read_inputs",
]

NO_POSITION = "no position"
# text cells that mean "no value" (lower case): CSV's missing-value spellings and NaN
_MISSING = frozenset(m.lower() for m in CSV_MISSING) | {"nan", "+nan", "-nan"}


@dataclass(frozen=True)
class ModelInputs:
    """Flat float arrays for the engine, and each row's position status."""

    l_deg: np.ndarray
    b_deg: np.ndarray
    value: np.ndarray  # DM (pc cm^-3) or distance (kpc)
    dm_err: np.ndarray | None  # pc cm^-3, NaN where not given
    status: np.ndarray  # 'ok', NO_POSITION or which input cell is bad and why


def read_inputs(
    frame: pd.DataFrame, columns: Columns,
    unparseable: Mapping[str, Mapping[int, str]] | None = None,
) -> ModelInputs:
    """The engine's inputs from a DataFrame holding (at least) ``columns.names``.

    Numbers in text columns are parsed; a row's l, b (deg) come from its first position
    source with both values. A row's status names its first problem: a position cell that
    does not parse (``"RAJ unparseable: '25:61:00'"``), :data:`NO_POSITION` when no source
    has both values, then the value's or the DM error's cell (``"DM unparseable: 'abc'"``).
    ``unparseable`` maps a column to ``{row position in frame: text}`` for cells the reader
    already could not read (null in ``frame``), e.g. a psrcat ``DM 11.4x1``; under
    :data:`~mwprop_batch.catalogue.formats.psrcat.ROW_PROBLEM`, problems of whole rows (a psrcat
    record cut
    short), which become those rows' status, with no result.
    """
    frame = frame.reset_index(drop=True)  # row positions as the index
    n = len(frame)
    problems = _Problems(n, unparseable or {})
    l_deg, b_deg = np.full(n, np.nan), np.full(n, np.nan)
    dist = None
    for source in columns.positions:
        missing = ~(np.isfinite(l_deg) & np.isfinite(b_deg))
        if not missing.any():
            break
        if source.z is not None:  # x, y, z: the only source
            l_deg, b_deg, dist = cartesian(frame[list(source.columns)], source, problems)
            continue
        lon, lat = galactic(frame.loc[missing, [source.lon, source.lat]], source, problems)
        l_deg[missing], b_deg[missing] = lon, lat
    status = np.full(n, OK, dtype=object)
    no_position = ~(np.isfinite(l_deg) & np.isfinite(b_deg))
    l_deg[no_position] = b_deg[no_position] = np.nan  # no infinities for the engine
    status[no_position] = NO_POSITION
    problems.fill(status, no_position, [n for s in columns.positions for n in s.columns])
    if columns.value is None:  # the distance of x, y, z (NaN where they are bad)
        value = dist if dist is not None and columns.to == "dm" else np.full(n, np.nan)
    else:
        value = numbers(frame[columns.value], problems)
        problems.fill(status, status == OK, [columns.value])
    dm_err = None
    if columns.dm_err:
        dm_err = numbers(frame[columns.dm_err], problems)
        problems.fill(status, status == OK, [columns.dm_err])
    whole_row = problems.by_column.get(ROW_PROBLEM)
    if whole_row is not None:  # e.g. a psrcat record cut short: no result, whatever it has
        bad = whole_row != None  # noqa: E711  (elementwise)
        status[bad] = whole_row[bad]
        l_deg[bad] = b_deg[bad] = np.nan
        value = np.where(bad, np.nan, value)
    return ModelInputs(l_deg, b_deg, value, dm_err, status)


class _Problems:
    """The first problem text of each input column's cells, by row position."""

    def __init__(self, n: int, unparseable: Mapping[str, Mapping[int, str]]) -> None:
        self.n = n
        self.by_column: dict[str, np.ndarray] = {}
        for column, cells in unparseable.items():
            for row, text in cells.items():
                self.note(column, np.array([row]), text if column == ROW_PROBLEM
                          else f"{column} unparseable: {text!r}")

    def note(self, column: str, rows: np.ndarray, texts) -> None:
        """Record ``texts`` (one, or one per row) for ``rows`` of ``column``, unless noted."""
        notes = self.by_column.setdefault(column, np.full(self.n, None, dtype=object))
        fresh = notes[rows] == None  # noqa: E711  (elementwise)
        notes[rows[fresh]] = texts if isinstance(texts, str) else np.asarray(texts)[fresh]

    def fill(self, status: np.ndarray, rows: np.ndarray, columns: Sequence[str]) -> None:
        """Where ``rows`` (mask), put the first noted problem of ``columns`` in ``status``."""
        for column in reversed(columns):
            notes = self.by_column.get(column)
            if notes is not None:
                noted = rows & (notes != None)  # noqa: E711
                status[noted] = notes[noted]


def galactic(
    frame: pd.DataFrame, source: PositionSource, problems: _Problems | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Galactic l, b (deg) from the two columns of ``source`` in ``frame``."""
    lon, lat = frame[source.lon], frame[source.lat]
    if source.kind == "galactic":
        return numbers(lon, problems), numbers(lat, problems)
    if source.kind == "ecliptic":
        return ecliptic_to_galactic(numbers(lon, problems), numbers(lat, problems))
    ra = angles(lon, lambda v: parse_ra(v, hours=source.hours), problems,
                "hours" if source.hours else "deg")
    return equatorial_to_galactic(ra, angles(lat, parse_dec, problems))


def cartesian(
    frame: pd.DataFrame, source: PositionSource, problems: _Problems | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactic l, b (deg) and distance from the Sun (kpc) of the x, y, z (kpc) columns of
    ``source`` (:func:`~mwprop_batch.coords.cartesian_to_galactic`); a position at the Sun
    has no direction (noted on the x column)."""
    x, y, z = (numbers(frame[c], problems) for c in source.columns)
    l_deg, b_deg, dist = cartesian_to_galactic(x, y, z, source.kind,
                                               source.sun_kpc or NE2001_SUN_KPC)
    if problems is not None:
        here = np.flatnonzero(dist == 0.0)
        problems.note(source.lon, frame.index.to_numpy()[here],
                      f"{', '.join(source.columns)} at the Sun (no direction)")
    return l_deg, b_deg, dist


def numbers(values: pd.Series, problems: _Problems | None = None) -> np.ndarray:
    """float64 values; text that is not a number (and missing values) becomes NaN.

    With ``problems``, text that is not a number is noted there (``values.name`` and the
    text) for the rows it is at; ``values``' index must be row positions.
    """
    parsed = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if problems is not None:
        if not _is_numeric(values):
            _note_junk(values, parsed, problems)
        infinite = np.flatnonzero(np.isinf(parsed))
        problems.note(str(values.name), values.index.to_numpy()[infinite],
                      [f"{values.name} infinite: {parsed[k]:g}" for k in infinite])
    return parsed


def angles(
    values: pd.Series, parse, problems: _Problems | None = None, unit: str = "deg"
) -> np.ndarray:
    """Angles in degrees by ``parse`` (e.g. :func:`~mwprop_batch.coords.parse_dec`), whose
    bare numbers are in ``unit`` (see the module's rule).

    With ``problems``, cells that give no angle (junk, out of range) are noted there.
    """
    if _is_numeric(values):
        degrees = parse(numbers(values))
        if problems is not None:
            given = values.notna().to_numpy() & np.isnan(degrees)
            texts = [f"{values.name} out of range ({unit}): {v}" for v in values.to_numpy(float)]
            problems.note(str(values.name), values.index.to_numpy()[given],
                          np.asarray(texts, dtype=object)[given])
        return degrees
    degrees = parse(values.to_numpy(dtype=object))
    if problems is not None:
        _note_junk(values, degrees, problems, f"out of range ({unit})")
    return degrees


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )


def _note_junk(
    values: pd.Series, parsed: np.ndarray, problems: _Problems, if_number: str = "unparseable"
) -> None:
    """Note the cells of a text column that hold something but gave NaN (not a spelling of
    missing, :data:`~mwprop_batch.catalogue.formats.csv_files.CSV_MISSING`, nor 'nan'):
    ``<column> unparseable: '<text>'``, or ``<column> <if_number>: '<text>'`` for a number."""
    objects = values.to_numpy(dtype=object)
    junk = np.flatnonzero(values.notna().to_numpy() & np.isnan(parsed))
    junk = [k for k in junk if str(objects[k]).strip().lower() not in _MISSING]
    if junk:
        is_number = pd.to_numeric(pd.Series(objects[junk]), errors="coerce").notna().to_numpy()
        texts = [
            f"{values.name} {if_number if number else 'unparseable'}: {objects[k]!r}"
            for k, number in zip(junk, is_number, strict=True)
        ]
        problems.note(str(values.name), values.index.to_numpy()[junk], texts)
