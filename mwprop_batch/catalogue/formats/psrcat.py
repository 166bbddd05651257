"""Read the ATNF Pulsar Catalogue's native database format (``psrcat.db``) into a DataFrame.

The format (Manchester et al. 2005, AJ 129, 1993): one record per pulsar, records separated by
lines starting with ``@``; each other line is ``KEY VALUE [UNCERTAINTY] [REFERENCE]``, whitespace
separated; lines starting with ``#`` are comments. An integer uncertainty counts units of the
value's last quoted digit; one with a decimal point is already absolute.

Each parameter is typed by the catalogue's definition, never by the values it happens to have:
the text parameters (:data:`TEXT_KEYS`: names, positions, classifications, survey and timing
labels) are text, every other parameter is a number (float64) with its uncertainty beside it
(``<KEY>_ERR``), so a catalogue's columns depend only on the keys it has. A value of a numeric
parameter that is not a number becomes a missing value; its text is kept in
``frame.attrs["unparseable"]`` (see :func:`read_psrcat`).
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mwprop_batch.core.errors import InvalidValueError

RECORD_SEPARATOR = "@"
COMMENT = "#"
# the catalogue's text parameters (psrcat's parameter definitions); always text, even when a
# value looks like a number: RAJ '12' means 12 h and DECJ '+57' 57 deg, both sexagesimal text
# (see mwprop_batch.coords.parse_ra/parse_dec). Every other parameter is numeric.
TEXT_KEYS = frozenset({
    "PSRJ", "PSRB", "NAME", "JNAME", "BNAME", "RAJ", "DECJ", "TYPE", "ASSOC", "ASSOCIATION",
    "SURVEY", "OSURVEY", "BINARY", "BINCOMP", "UNITS", "CLK", "EPHEM",
})
UNPARSEABLE = "unparseable"  # key of DataFrame.attrs: {key: {row: text}}
# a key of the "unparseable" mapping for a problem of the whole row (not of one cell)
ROW_PROBLEM = "@row"
# key of DataFrame.attrs (and, as JSON, of a catalogue's file metadata): what a psrcat
# file held that the columns do not: {"repeated": [...], "cut_short": [...]}
PSRCAT_METADATA = "psrcat"
# at least one of these, or an '@' separator, tells a catalogue from other text
IDENTIFYING_KEYS = frozenset({"PSRJ", "PSRB", "RAJ", "DECJ", "ELONG", "ELAT", "DM", "P0", "F0"})

_KEY = re.compile(r"[A-Z][A-Z0-9_]*")
_UNCERTAINTY = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")

# key -> {row: (value text, uncertainty text or None)}
_Entries = dict[str, dict[int, tuple[str, str | None]]]


def read_psrcat(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a psrcat database file, one row per pulsar in file order.

    Parameters
    ----------
    path : str or path-like
        The database file, e.g. ``psrcat.db`` from the psrcat package.

    Returns
    -------
    pandas.DataFrame
        One column per key present in any record, in order of first appearance; NaN (numeric)
        or None (text) where a record lacks the key. The keys in :data:`TEXT_KEYS` are object
        columns of str; every other key is float64, followed by ``<KEY>_ERR``, its
        uncertainty in the value's units (NaN where none is given). References are dropped.
        A numeric value that does not parse ('11.4x1') is NaN, and its text is recorded in
        ``frame.attrs["unparseable"]`` as ``{key: {row: text}}`` (rows counted from 0).
        A record cut short (a file with '@' separators whose last record has no closing '@'
        line: a truncated download or copy; its last line may be cut, 'DM 6' of 'DM 62.3')
        is recorded there under :data:`ROW_PROBLEM`, so the row's status says so and it gets
        no result. A key repeated within a record keeps its first value and uncertainty (the
        catalogue's derived values agree with the first: v1.59 has 15 repeats, e.g.
        J1738-3107 has DM 721.7 then 735, and DIST_DM1 9.21 follows from 721.7); every line
        of a repeated key is kept in ``frame.attrs["psrcat"]["repeated"]`` (see
        :data:`PSRCAT_METADATA`), which a conversion writes into the output's file metadata.
        A leading '+' is dropped with the rest of the text: on DIST_DM and DIST_DM1 it marks
        a lower limit (the DM exceeds the model's Galactic maximum).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a psrcat database: a line that is not ``KEY VALUE ...``, no records,
        or neither ``@`` separators nor any of :data:`IDENTIFYING_KEYS`.
    """
    path = Path(path)
    lines = _read_text(path).splitlines()
    parsed = _parse_lines(lines, path)
    entries, n_rows = parsed.entries, parsed.n_rows
    if n_rows == 0:
        raise InvalidValueError(f"{path}: not a psrcat database: no pulsar records")
    if not parsed.has_separators and IDENTIFYING_KEYS.isdisjoint(entries):
        first = next(n for n, line in enumerate(lines, 1) if line.strip()[:1] not in ("", COMMENT))
        raise InvalidValueError(
            f"{path}, line {first}: not a psrcat database: no '{RECORD_SEPARATOR}' record "
            f"separators and none of the keys {', '.join(sorted(IDENTIFYING_KEYS))}"
        )
    columns: dict[str, pd.Series] = {}
    unparseable: dict[str, dict[int, str]] = {}
    for key, by_row in entries.items():
        columns.update(_key_columns(key, by_row, n_rows, unparseable))
    frame = pd.DataFrame(columns)
    names = frame["PSRJ"] if "PSRJ" in frame else pd.Series([None] * n_rows)
    metadata: dict[str, list[dict]] = {}
    if parsed.cut_line is not None:
        row = n_rows - 1
        unparseable[ROW_PROBLEM] = {
            row: f"record cut short (line {parsed.cut_line}: the file ends without the "
            f"record's closing '{RECORD_SEPARATOR}' line)"
        }
        metadata["cut_short"] = [{"row": row, "PSRJ": names[row], "line": parsed.cut_line}]
    if parsed.repeated:
        metadata["repeated"] = [
            {"row": row, "PSRJ": names[row], "key": key, "lines": texts, "kept": 0}
            for (row, key), texts in parsed.repeated.items()
        ]
    frame.attrs[UNPARSEABLE] = unparseable
    frame.attrs[PSRCAT_METADATA] = metadata
    return frame


def _read_text(path: Path) -> str:
    """The file's text; a name ending in '.gz' is gunzipped."""
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as stream:
            return stream.read()
    return path.read_text(encoding="utf-8", errors="replace")


@dataclass
class _Parsed:
    """What :func:`_parse_lines` found: entries by key and row, the number of (non-empty)
    records, whether '@' was seen, the line where an unclosed last record ends (None: every
    record closed, or no separators), and every line of a key repeated within a record
    (``{(row, key): ["value [uncertainty] [reference]", ...]}``)."""

    entries: _Entries = field(default_factory=dict)
    n_rows: int = 0
    has_separators: bool = False
    cut_line: int | None = None
    repeated: dict[tuple[int, str], list[str]] = field(default_factory=dict)


def _parse_lines(lines: list[str], path: Path) -> _Parsed:
    parsed = _Parsed()
    entries = parsed.entries
    lines_of: dict[tuple[int, str], list[str]] = {}  # the current record's lines by key
    row, row_has_entries, last_entry = 0, False, 0
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith(COMMENT):
            continue
        if tokens[0].startswith(RECORD_SEPARATOR):
            parsed.has_separators = True
            row += row_has_entries
            row_has_entries = False
            continue
        if len(tokens) < 2 or not _KEY.fullmatch(tokens[0]):
            raise InvalidValueError(
                f"{path}, line {lineno}: not a psrcat database line "
                f"('KEY VALUE [UNCERTAINTY] [REFERENCE]'): {line.strip()[:80]!r}"
            )
        key, value, *rest = tokens
        # a third token that is not an unsigned number is the reference
        uncertainty = rest[0] if rest and _UNCERTAINTY.fullmatch(rest[0]) else None
        entries.setdefault(key, {}).setdefault(row, (value, uncertainty))  # first one wins
        lines_of.setdefault((row, key), []).append(" ".join(tokens[1:]))
        row_has_entries, last_entry = True, lineno
    parsed.n_rows = row + row_has_entries
    if parsed.has_separators and row_has_entries:
        parsed.cut_line = last_entry
    parsed.repeated = {where: texts for where, texts in lines_of.items() if len(texts) > 1}
    return parsed


def _key_columns(
    key: str, by_row: dict[int, tuple[str, str | None]], n_rows: int,
    unparseable: dict[str, dict[int, str]],
) -> dict[str, pd.Series]:
    """The column for ``key`` and, for a numeric key, ``<key>_ERR``.

    Values of a numeric key that do not parse are NaN and go into ``unparseable[key]``.
    """
    rows = np.fromiter(by_row, dtype=np.intp, count=len(by_row))
    texts = [value for value, _ in by_row.values()]
    if key in TEXT_KEYS:
        column = np.full(n_rows, None, dtype=object)
        column[rows] = texts
        return {key: pd.Series(column, dtype=object)}
    column = np.full(n_rows, np.nan)
    err = np.full(n_rows, np.nan)
    for row, (value, uncertainty) in by_row.items():
        number = _number(value)
        if number is None:
            unparseable.setdefault(key, {})[row] = value
            continue
        column[row] = number
        if uncertainty is not None:
            err[row] = _absolute_uncertainty(value, uncertainty)
    return {key: pd.Series(column), f"{key}_ERR": pd.Series(err)}


def _number(text: str) -> float | None:
    """``text`` as a float, or None if it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _absolute_uncertainty(value: str, uncertainty: str) -> float:
    """An uncertainty in the value's units.

    An integer counts units of the value's last quoted digit ('71.0227', '8' -> 0.0008;
    '1.2e-3', '5' -> 0.0005); anything else ('19.9') is already absolute.
    """
    if not uncertainty.isdigit():
        return float(uncertainty)
    mantissa, _, exponent = value.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(f"{uncertainty}e{int(exponent or 0) - decimals}")
