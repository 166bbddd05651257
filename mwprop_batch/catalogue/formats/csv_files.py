"""CSV catalogues: pyarrow's streaming CSV reader, with column types settled over the whole file.

Inference (one streaming pass over the file, as text, before the rows are read):

* a column is **int64** if every cell is an integer (``[+-]digits``) that fits in 64 bits;
* else **float64** if every cell is a number pyarrow parses (``1.5``, ``-2e3``, ``inf``) and no
  integer cell exceeds 2^53 in magnitude (where float64 would lose digits);
* else **text**, every cell exactly as written (a blank cell is an empty string).

The dialect (:class:`CsvDialect`): the delimiter is given or detected from the header line
(the commonest of ``,`` ``;`` tab ``|`` in it, a comma if none), and the text is decoded from
the encoding given (UTF-8 by default; e.g. ``cp1252`` for Windows-1252 names).

Blank cells and the spellings in :data:`CSV_MISSING` are missing values in numeric columns.
A cell with a leading zero (``00123``, ``-07``) makes its column text: such values are
identifiers, not numbers. Surrounding whitespace is ignored in numeric columns. The header
must name every column once: duplicate or empty names are an error, not renamed.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mwprop_batch.core.errors import MwpropBatchError

# CSV cells read as missing in numeric columns (pyarrow's list, blank included)
CSV_MISSING = tuple(pacsv.ConvertOptions().null_values)
_BLOCK_BYTES = 1 << 22
_INTEGER = r"^[+-]?[0-9]+$"
_LEADING_ZERO = r"^[+-]?0[0-9]"
_EXACT_IN_FLOAT64 = 2**53


DELIMITERS = (",", ";", "\t", "|")  # what the header line is searched for, in this order
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


class CsvError(MwpropBatchError, ValueError):
    """A CSV file cannot be read with the dialect given."""


class CsvHeaderError(CsvError):
    """The CSV header has a duplicate or an empty column name."""


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: ``delimiter`` (one character, or 'tab', 'semicolon',
    'comma', 'pipe'; None: detected from the header line) and ``encoding`` (a Python codec
    name: 'utf-8', 'cp1252', 'latin-1' ...)."""

    delimiter: str | None = None
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        if self.delimiter is not None:
            named = _DELIMITER_NAMES.get(self.delimiter.lower(), self.delimiter)
            if len(named) != 1 or named in "\r\n\"":
                raise CsvError(
                    f"a CSV delimiter is one character (or tab, semicolon, comma, pipe), got "
                    f"{self.delimiter!r}"
                )
            object.__setattr__(self, "delimiter", named)
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise CsvError(f"unknown text encoding {self.encoding!r} (e.g. utf-8, cp1252, "
                           f"latin-1)") from None

    def resolved(self, path: Path) -> CsvDialect:
        """This dialect with the delimiter detected from ``path``'s header line if not given."""
        if self.delimiter is not None:
            return self
        with pa.input_stream(str(path), compression="detect") as stream:  # .csv.gz too
            line = stream.read(1 << 16).split(b"\n", 1)[0].decode(self.encoding, "replace")
        counts = {d: line.count(d) for d in DELIMITERS}
        best = max(DELIMITERS, key=lambda d: counts[d])  # the first of equals: ',' first
        return CsvDialect(best if counts[best] else ",", self.encoding)


def csv_schema(path: Path, dialect: CsvDialect | None = None) -> tuple[pa.Schema, int]:
    """The column types of the CSV file ``path`` (see the module's rules) and its row count;
    ``dialect`` must have its delimiter (:meth:`CsvDialect.resolved`)."""
    dialect = dialect or CsvDialect(",")
    try:
        return _schema(path, dialect)
    except pa.ArrowInvalid as exc:
        if "UTF8" not in str(exc) and "utf8" not in str(exc).lower():
            raise
        raise CsvError(
            f"{path}: not {dialect.encoding} text; give the file's encoding with --encoding "
            f"(Python: CsvDialect(encoding=...)), e.g. cp1252 for Windows-1252"
        ) from exc


def _schema(path: Path, dialect: CsvDialect) -> tuple[pa.Schema, int]:
    names = _header(path, dialect)
    integer = dict.fromkeys(names, True)
    number = dict.fromkeys(names, True)
    big_integer = dict.fromkeys(names, False)
    rows = 0
    for batch in _reader(path, {n: pa.string() for n in names}, dialect, missing=False):
        rows += batch.num_rows
        for name, column in zip(names, batch.columns, strict=True):
            if not number[name]:
                continue
            cells = pc.utf8_trim_whitespace(column)
            cells = pc.filter(cells, pc.invert(pc.is_in(cells, pa.array(CSV_MISSING))))
            if len(cells) == 0:
                continue
            if pc.any(pc.match_substring_regex(cells, _LEADING_ZERO)).as_py():
                number[name] = integer[name] = False
                continue
            is_integer = pc.match_substring_regex(cells, _INTEGER)
            integer[name] = integer[name] and pc.all(is_integer).as_py() and _fits(cells)
            big_integer[name] = big_integer[name] or _has_big_integer(
                pc.filter(cells, is_integer)
            )
            number[name] = _converts(cells, pa.float64())
    types = {
        name: pa.int64() if integer[name] and number[name]
        else pa.float64() if number[name] and not big_integer[name] else pa.string()
        for name in names
    }
    if rows == 0:
        types = dict.fromkeys(names, pa.string())
    return pa.schema([pa.field(n, t) for n, t in types.items()]), rows


def csv_batches(
    path: Path, schema: pa.Schema, dialect: CsvDialect | None = None
) -> Iterator[pa.RecordBatch]:
    """The rows of ``path`` as record batches of ``schema``, in file order, streaming."""
    yield from _reader(path, {f.name: f.type for f in schema}, dialect or CsvDialect(","),
                       missing=True)


def _options(dialect: CsvDialect) -> dict:
    return dict(
        read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES, encoding=dialect.encoding),
        parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True),
    )


def _header(path: Path, dialect: CsvDialect) -> list[str]:
    reader = pacsv.open_csv(path, **_options(dialect))
    names = reader.schema.names
    empty = [k + 1 for k, name in enumerate(names) if not name.strip()]
    if empty:
        raise CsvHeaderError(f"{path}: empty column name in the header (column {empty[0]})")
    seen: dict[str, int] = {}
    for k, name in enumerate(names, start=1):
        if name in seen:
            raise CsvHeaderError(
                f"{path}: column name {name!r} appears twice in the header "
                f"(columns {seen[name]} and {k}); rename one"
            )
        seen[name] = k
    return names


def _reader(path: Path, types: dict[str, pa.DataType], dialect: CsvDialect, missing: bool):
    convert = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=False,
        null_values=list(CSV_MISSING) if missing else [],
    )
    return pacsv.open_csv(path, convert_options=convert, **_options(dialect))


def _converts(cells: pa.Array, to: pa.DataType) -> bool:
    try:
        pc.cast(cells, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _fits(cells: pa.Array) -> bool:
    """Whether every cell (all integers) fits in int64."""
    return _converts(cells, pa.int64())


def _has_big_integer(integers: pa.Array) -> bool:
    """Whether an integer cell exceeds 2^53 in magnitude (float64 would lose its digits)."""
    if len(integers) == 0:
        return False
    if not _fits(integers):
        return True
    extremes = pc.min_max(pc.cast(integers, pa.int64())).as_py()
    return extremes["max"] > _EXACT_IN_FLOAT64 or extremes["min"] < -_EXACT_IN_FLOAT64
