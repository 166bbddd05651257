"""CSV catalogues: pyarrow's streaming CSV reader, with column types settled over the whole file.

Inference (one streaming pass over the file, as text, before the rows are read):

* a column is **int64** if every cell is an integer (``[+-]digits``) that fits in 64 bits;
* else **float64** if every cell is a number pyarrow parses (``1.5``, ``-2e3``, ``inf``) and no
  integer cell exceeds 2^53 in magnitude (where float64 would lose digits);
* else **text**, every cell exactly as written (a blank cell is an empty string).

Blank cells and the spellings in :data:`CSV_MISSING` are missing values in numeric columns.
A cell with a leading zero (``00123``, ``-07``) makes its column text: such values are
identifiers, not numbers. Surrounding whitespace is ignored in numeric columns. The header
must name every column once: duplicate or empty names are an error, not renamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import MwpropBatchError

# CSV cells read as missing in numeric columns (pyarrow's list, blank included)
CSV_MISSING = tuple(pacsv.ConvertOptions().null_values)
_BLOCK_BYTES = 1 << 22
_INTEGER = r"^[+-]?[0-9]+$"
_LEADING_ZERO = r"^[+-]?0[0-9]"
_EXACT_IN_FLOAT64 = 2**53


class CsvHeaderError(MwpropBatchError, ValueError):
    """The CSV header has a duplicate or an empty column name."""


def csv_schema(path: Path) -> tuple[pa.Schema, int]:
    """The column types of the CSV file ``path`` (see the module's rules) and its row count."""
    names = _header(path)
    integer = dict.fromkeys(names, True)
    number = dict.fromkeys(names, True)
    big_integer = dict.fromkeys(names, False)
    rows = 0
    for batch in _reader(path, {n: pa.string() for n in names}, missing=False):
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


def csv_batches(path: Path, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The rows of ``path`` as record batches of ``schema``, in file order, streaming."""
    yield from _reader(path, {f.name: f.type for f in schema}, missing=True)


def _header(path: Path) -> list[str]:
    reader = pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
    )
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


def _reader(path: Path, types: dict[str, pa.DataType], missing: bool):
    convert = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=False,
        null_values=list(CSV_MISSING) if missing else [],
    )
    return pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True), convert_options=convert,
    )


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
