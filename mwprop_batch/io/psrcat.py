"""Read the ATNF Pulsar Catalogue's native database format (``psrcat.db``) into a DataFrame.

The format (Manchester et al. 2005, AJ 129, 1993): one record per pulsar, records separated by
lines starting with ``@``; each other line is ``KEY VALUE [UNCERTAINTY] [REFERENCE]``, whitespace
separated; lines starting with ``#`` are comments. An integer uncertainty counts units of the
value's last quoted digit; one with a decimal point is already absolute.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

RECORD_SEPARATOR = "@"
COMMENT = "#"
# always text, even when a value looks like a number: RAJ '12' means 12 h, DECJ '+57' is
# sexagesimal (see mwprop_batch.coords.parse_ra/parse_dec)
STRING_KEYS = frozenset({"PSRJ", "PSRB", "RAJ", "DECJ"})
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
        or None (text) where a record lacks the key. A key is float64 when every value parses
        as a number, except the text keys PSRJ, PSRB, RAJ and DECJ; other keys are object
        columns of str. Numeric keys with an uncertainty on any line get ``<KEY>_ERR``
        next to them, in the value's units (NaN where none is given). References are dropped.
        A key repeated within a record keeps its first value and uncertainty: the catalogue's
        derived values agree with the first (v1.59 has 15 repeats; e.g. J1738-3107 has DM
        721.7 then 735, and DIST_DM1 9.21 follows from 721.7). A leading '+' is dropped with
        the rest of the text: on DIST_DM and DIST_DM1 it marks a lower limit (the DM exceeds
        the model's Galactic maximum).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a psrcat database: a line that is not ``KEY VALUE ...``, no records,
        or neither ``@`` separators nor any of :data:`IDENTIFYING_KEYS`.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    entries, n_rows, has_separators = _parse_lines(lines, path)
    if n_rows == 0:
        raise ValueError(f"{path}: not a psrcat database: no pulsar records")
    if not has_separators and IDENTIFYING_KEYS.isdisjoint(entries):
        first = next(n for n, line in enumerate(lines, 1) if line.strip()[:1] not in ("", COMMENT))
        raise ValueError(
            f"{path}, line {first}: not a psrcat database: no '{RECORD_SEPARATOR}' record "
            f"separators and none of the keys {', '.join(sorted(IDENTIFYING_KEYS))}"
        )
    columns: dict[str, pd.Series] = {}
    for key, by_row in entries.items():
        columns.update(_key_columns(key, by_row, n_rows))
    return pd.DataFrame(columns)


def _parse_lines(lines: list[str], path: Path) -> tuple[_Entries, int, bool]:
    """Entries by key and row, the number of (non-empty) records, and whether '@' was seen."""
    entries: _Entries = {}
    row, row_has_entries, has_separators = 0, False, False
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith(COMMENT):
            continue
        if tokens[0].startswith(RECORD_SEPARATOR):
            has_separators = True
            row += row_has_entries
            row_has_entries = False
            continue
        if len(tokens) < 2 or not _KEY.fullmatch(tokens[0]):
            raise ValueError(
                f"{path}, line {lineno}: not a psrcat database line "
                f"('KEY VALUE [UNCERTAINTY] [REFERENCE]'): {line.strip()[:80]!r}"
            )
        key, value, *rest = tokens
        # a third token that is not an unsigned number is the reference
        uncertainty = rest[0] if rest and _UNCERTAINTY.fullmatch(rest[0]) else None
        entries.setdefault(key, {}).setdefault(row, (value, uncertainty))  # first one wins
        row_has_entries = True
    return entries, row + row_has_entries, has_separators


def _key_columns(
    key: str, by_row: dict[int, tuple[str, str | None]], n_rows: int
) -> dict[str, pd.Series]:
    """The column for ``key``, and ``<key>_ERR`` if it is numeric and has uncertainties."""
    rows = np.fromiter(by_row, dtype=np.intp, count=len(by_row))
    texts = [value for value, _ in by_row.values()]
    numbers = None if key in STRING_KEYS else _as_floats(texts)
    if numbers is None:
        column = np.full(n_rows, None, dtype=object)
        column[rows] = texts
        return {key: pd.Series(column, dtype=object)}
    column = np.full(n_rows, np.nan)
    column[rows] = numbers
    result = {key: pd.Series(column)}
    with_err = {r: _absolute_uncertainty(v, u) for r, (v, u) in by_row.items() if u is not None}
    if with_err:
        err = np.full(n_rows, np.nan)
        err[list(with_err)] = list(with_err.values())
        result[f"{key}_ERR"] = pd.Series(err)
    return result


def _as_floats(texts: list[str]) -> np.ndarray | None:
    """The texts as float64, or None if any does not parse as a number."""
    try:
        return np.array(texts, dtype=float)
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
