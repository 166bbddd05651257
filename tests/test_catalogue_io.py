"""Catalogue readers, the atomic Parquet writer, and column detection / position reading."""

import ast
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mwprop_batch.catalogue.formats.catalogue_files import detect_format
from mwprop_batch.catalogue.formats.opened_catalogue import rebatch
from mwprop_batch.catalogue.formats.output_metadata import (
    field_with_doc,
    schema_with_file_metadata,
)
from mwprop_batch.catalogue.storage.atomic_tables import AtomicTableWriter
from mwprop_batch.catalogue.storage.catalogue_readers import open_catalogue, read_file_metadata
from mwprop_batch.coords import ecliptic_to_galactic, equatorial_to_galactic
from mwprop_batch.core.errors import CatalogueError
from mwprop_batch.core.publish import Interrupted, check_not_inside, check_output
from mwprop_batch.positions import (
    NO_POSITION,
    ColumnOverrides,
    MissingColumnError,
    PositionSource,
    find_columns,
    read_inputs,
)

PSRCAT_TEXT = """\
PSRJ     J0001+0001
RAJ      00:00:01.5               3    ref1
DECJ     -00:30:00                     ref1
DM       71.0227                  8    ref2
@-----------------------------------------------------------------
PSRJ     J0002-0002
ELONG    10.5                     2
ELAT     -3.25
DM       12.5                     2
@-----------------------------------------------------------------
"""


def small_table(n: int = 10, start: int = 0) -> pa.Table:
    return pa.table({"id": np.arange(start, start + n), "x": np.linspace(0, 1, n)})


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- formats and readers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.parquet", "parquet"), ("a.PQ", "parquet"), ("a.csv", "csv"), ("a.csv.gz", "csv"),
     ("psrcat.db", "psrcat")],
)
def test_format_from_extension(name, expected):
    assert detect_format(name) == expected


def test_format_of_directory_override_and_unknown(tmp_path):
    assert detect_format(tmp_path) == "parquet"
    assert detect_format(tmp_path / "cat.txt", "csv") == "csv"
    with pytest.raises(CatalogueError, match="--format"):
        detect_format(tmp_path / "cat.txt")
    with pytest.raises(CatalogueError, match="unknown format 'xls'"):
        detect_format(tmp_path / "cat.csv", "xls")


def test_parquet_file_streams_in_order_in_exact_batches(tmp_path):
    path = tmp_path / "cat.parquet"
    pq.write_table(small_table(1000), path, row_group_size=70)
    catalogue = open_catalogue(path)
    assert (catalogue.format, catalogue.num_rows) == ("parquet", 1000)
    batches = list(catalogue.batches(256))
    assert [b.num_rows for b in batches] == [256, 256, 256, 232]
    ids = np.concatenate([b.column("id").to_numpy() for b in batches])
    np.testing.assert_array_equal(ids, np.arange(1000))


def test_parquet_directory_is_one_dataset_in_file_name_order(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, name in enumerate(["part-0.parquet", "part-1.parquet", "part-2.parquet"]):
        pq.write_table(small_table(40, start=40 * i), folder / name)
    (folder / "_SUCCESS").write_text("")  # skipped, like '.'-files
    catalogue = open_catalogue(folder)
    assert catalogue.num_rows == 120
    ids = np.concatenate([b.column("id").to_numpy() for b in catalogue.batches(50)])
    np.testing.assert_array_equal(ids, np.arange(120))


def test_csv_column_types_and_junk(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text(
        "name,n,x,DM,note\n"
        "a,1, 2.5,100,hello\n"
        "b,2,3,abc,\n"
        "c,3,,NA,NA\n"
    )
    catalogue = open_catalogue(path)
    assert catalogue.schema.types == [pa.string(), pa.int64(), pa.float64(), pa.string(),
                                      pa.string()]
    (batch,) = catalogue.batches()
    assert batch.column("x").to_pylist() == [2.5, 3.0, None]
    # text columns keep their cells exactly, the junk included
    assert batch.column("DM").to_pylist() == ["100", "abc", "NA"]
    assert batch.column("note").to_pylist() == ["hello", "", "NA"]


def test_csv_header_only_has_no_rows_and_empty_file_is_an_error(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("GL,GB,DM\n")
    assert open_catalogue(header).num_rows == 0
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CatalogueError, match="empty.csv"):
        open_catalogue(empty)


def test_psrcat_file(tmp_path):
    path = tmp_path / "small.db"
    path.write_text(PSRCAT_TEXT)
    catalogue = open_catalogue(path)
    assert catalogue.num_rows == 2
    (batch,) = catalogue.batches()
    assert batch.column("PSRJ").to_pylist() == ["J0001+0001", "J0002-0002"]
    assert batch.schema.field("RAJ").type == pa.string()


@pytest.mark.parametrize(
    ("name", "content"),
    [("corrupt.parquet", b"PAR1 not really parquet"), ("cat.db", b"hello world\nfoo\n"),
     ("ragged.csv", b"a,b\n1,2\n3,4,5\n")],
)
def test_unreadable_files_raise_catalogue_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogueError, match=name):
        open_catalogue(path)


def test_missing_path_and_directory_without_parquet(tmp_path):
    with pytest.raises(CatalogueError, match="no such file"):
        open_catalogue(tmp_path / "nope.parquet")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(CatalogueError, match="no Parquet files"):
        open_catalogue(tmp_path / "empty_dir")


def test_rebatch_regroups_any_sizes_in_order():
    table = small_table(100)
    sizes = [0, 3, 40, 1, 0, 56]
    pieces, start = [], 0
    for size in sizes:
        pieces.append(table.slice(start, size).to_batches()[0] if size else
                      pa.RecordBatch.from_pylist([], schema=table.schema))
        start += size
    out = list(rebatch(pieces, 30, table.schema))
    assert [b.num_rows for b in out] == [30, 30, 30, 10]
    assert pa.Table.from_batches(out).equals(table)


# --- the atomic writer ------------------------------------------------------------------------


def test_writer_renames_into_place_with_metadata(tmp_path):
    out = tmp_path / "out.parquet"
    table = small_table(20)
    schema = schema_with_file_metadata(
        pa.schema([field_with_doc(table.schema.field("id"), "", "row id"),
                   field_with_doc(table.schema.field("x"), "kpc", "a distance")]),
        {"models": ["ne2025"], "command": "test"},
    )
    with AtomicTableWriter(out, schema) as writer:
        for batch in table.to_batches(max_chunksize=8):
            writer.write(batch)
        assert not out.exists() and len(temp_files(tmp_path)) == 1
    assert temp_files(tmp_path) == []
    assert pq.ParquetFile(out).metadata.num_row_groups == 3
    written = pq.read_schema(out)
    assert written.field("x").metadata == {b"unit": b"kpc", b"description": b"a distance"}
    assert read_file_metadata(out) == {"models": ["ne2025"], "command": "test"}


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_writer_leaves_nothing_on_failure(tmp_path, error):
    out = tmp_path / "out.parquet"
    table = small_table(20)
    with pytest.raises(error), AtomicTableWriter(out, table.schema) as writer:
        writer.write(table.to_batches()[0])
        raise error("stop")
    assert list(tmp_path.iterdir()) == []


def test_writer_turns_sigterm_into_interrupted_and_restores_the_handler(tmp_path):
    out = tmp_path / "out.parquet"
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted), AtomicTableWriter(out, small_table().schema):
        os.kill(os.getpid(), signal.SIGTERM)
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_writer_refuses_existing_output_unless_overwrite(tmp_path):
    out = tmp_path / "out.parquet"
    out.write_text("old")
    table = small_table(5)
    with pytest.raises(CatalogueError, match="--overwrite"):
        AtomicTableWriter(out, table.schema)
    assert out.read_text() == "old"
    with AtomicTableWriter(out, table.schema, overwrite=True) as writer:
        writer.write(table.to_batches()[0])
    assert pq.read_table(out).equals(table)


def test_writer_reports_unwritable_output(tmp_path):
    schema = small_table().schema
    with pytest.raises(CatalogueError, match="does not exist"):
        AtomicTableWriter(tmp_path / "no" / "out.parquet", schema)
    with pytest.raises(CatalogueError, match="is a directory"):
        AtomicTableWriter(tmp_path, schema)


# --- column detection and positions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "kind", "lon", "lat"),
    [(["GL", "GB"], "galactic", "GL", "GB"), (["l", "b"], "galactic", "l", "b"),
     (["glon", "glat"], "galactic", "glon", "glat"), (["Gl", "Gb"], "galactic", "Gl", "Gb"),
     (["RAJ", "DECJ"], "equatorial", "RAJ", "DECJ"), (["ra", "dec"], "equatorial", "ra", "dec"),
     (["RAJD", "DECJD", "RAJ", "DECJ"], "equatorial", "RAJD", "DECJD"),
     (["ELONG", "ELAT"], "ecliptic", "ELONG", "ELAT")],
)
def test_position_conventions(names, kind, lon, lat):
    columns = find_columns([*names, "DM"])
    assert columns.positions[0] == PositionSource(kind, lon, lat, hours=lon == "RAJ")
    assert columns.value == "DM"


def test_detection_order_value_and_error_columns():
    columns = find_columns(["NAME", "ELONG", "ELAT", "RAJ", "DECJ", "GL", "GB", "dm", "DM_ERR"])
    assert [s.kind for s in columns.positions] == ["galactic", "equatorial", "ecliptic"]
    assert (columns.value, columns.dm_err) == ("dm", "DM_ERR")
    assert columns.names == ["GL", "GB", "RAJ", "DECJ", "ELONG", "ELAT", "dm", "DM_ERR"]
    to_dm = find_columns(["l", "b", "DM", "DM_ERR", "DIST_A"], to="dm")
    assert (to_dm.value, to_dm.dm_err) == ("DIST_A", None)


def test_overrides_replace_detection():
    names = ["GL", "GB", "my_ra", "my_dec", "DM", "dm_obs"]
    columns = find_columns(names, overrides=ColumnOverrides(ra_col="my_ra", dec_col="my_dec",
                                                            dm_col="dm_obs"))
    assert columns.positions == (PositionSource("equatorial", "my_ra", "my_dec"),)
    assert columns.value == "dm_obs"


def test_missing_columns_are_named_with_the_existing_ones():
    with pytest.raises(MissingColumnError, match=r"no DM column.*columns: GL, GB, flux"):
        find_columns(["GL", "GB", "flux"])
    with pytest.raises(MissingColumnError,
                       match=r"no distance column.*columns=ColumnOverrides\(dist_col=\.\.\.\)"):
        find_columns(["GL", "GB", "DM"], to="dm")
    with pytest.raises(MissingColumnError, match=r"no position columns.*columns: DM, flux"):
        find_columns(["DM", "flux"])
    with pytest.raises(MissingColumnError,
                       match=r"'DMX' \(columns=ColumnOverrides\(dm_col=\.\.\.\)\) not found"):
        find_columns(["GL", "GB", "DM"], overrides=ColumnOverrides(dm_col="DMX"))
    with pytest.raises(MissingColumnError,
                       match=r"\(ra_col=\.\.\.\) given without .*\(dec_col=\.\.\.\)"):
        find_columns(["RA", "DEC", "DM"], overrides=ColumnOverrides(ra_col="RA"))


def test_positions_row_by_row_from_the_first_source_that_has_them():
    frame = pd.DataFrame(
        {
            "RAJ": ["05:34:31.973", None, "junk", "5.575548055", None],
            "DECJ": ["+22:00:52.06", None, "+10", "22.0144611", None],
            "ELONG": [np.nan, 10.5, np.nan, np.nan, np.nan],
            "ELAT": [np.nan, -3.25, np.nan, np.nan, np.nan],
            "DM": ["56.77", "12.5", "x", 1.0, "7"],
        }
    )
    inputs = read_inputs(frame, find_columns(list(frame.columns)))
    crab_l, crab_b = equatorial_to_galactic(83.63322083, 22.01446111)
    ecl_l, ecl_b = ecliptic_to_galactic(10.5, -3.25)
    np.testing.assert_allclose(inputs.l_deg[:2], [crab_l, ecl_l], atol=1e-6)
    np.testing.assert_allclose(inputs.b_deg[:2], [crab_b, ecl_b], atol=1e-6)
    # a bare number in a text RA column is hours, as parse_ra reads it
    np.testing.assert_allclose([inputs.l_deg[3], inputs.b_deg[3]], [crab_l, crab_b], atol=1e-6)
    # the status names the actual problem
    assert inputs.status.tolist() == ["ok", "ok", "RAJ unparseable: 'junk'", "ok", NO_POSITION]
    np.testing.assert_array_equal(inputs.value, [56.77, 12.5, np.nan, 1.0, 7.0])


# --- issue 12: exact pass-through, safe writes ----------------------------------------------


def test_dataset_takes_the_union_of_its_files_columns(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"GL": [1.0, 2.0], "DM": [10.0, 20.0]}), folder / "a.parquet")
    pq.write_table(pa.table({"GL": [3.0], "DM": [30.0], "late": ["x"]}), folder / "b.parquet")
    catalogue = open_catalogue(folder)
    assert catalogue.schema.names == ["GL", "DM", "late"]
    table = pa.Table.from_batches(list(catalogue.batches()))
    assert table.column("late").to_pylist() == [None, None, "x"]
    assert table.column("GL").to_pylist() == [1.0, 2.0, 3.0]


def test_dataset_type_conflict_names_the_file_and_the_column(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"GL": [1.0], "DM": [10.0]}), folder / "a.parquet")
    pq.write_table(pa.table({"GL": [2.0], "DM": ["20"]}), folder / "b.parquet")
    with pytest.raises(CatalogueError, match=r"b\.parquet: column 'DM' is string.*double.*a\."):
        open_catalogue(folder)


def test_file_and_field_metadata_are_kept(tmp_path):
    table = pa.table({"GL": [1.0], "DM": [10.0]})
    schema = pa.schema(
        [table.schema.field("GL").with_metadata({b"unit": b"deg"}), table.schema.field("DM")],
        metadata={b"survey": b"GPPS", b"pandas": b"{}"},
    )
    pq.write_table(table.cast(schema), tmp_path / "a.parquet")
    catalogue = open_catalogue(tmp_path / "a.parquet")
    assert catalogue.schema.metadata[b"survey"] == b"GPPS"
    assert catalogue.schema.field("GL").metadata == {b"unit": b"deg"}


@pytest.mark.parametrize("overwrite", [False, True])
def test_output_must_be_new_or_a_regular_file(tmp_path, overwrite):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling.parquet"
    dangling.symlink_to(tmp_path / "nowhere.parquet")
    regular = tmp_path / "real.parquet"
    regular.write_bytes(b"keep")
    link = tmp_path / "link.parquet"
    link.symlink_to(regular)
    cases = [(fifo, "FIFO"), (dangling, "symbolic link"), (link, "symbolic link"),
             (Path("/dev/null"), "character device"), (tmp_path, "directory")]
    for path, words in cases:
        with pytest.raises(CatalogueError, match=words):
            check_output(path, overwrite=overwrite)
    assert fifo.is_fifo() and dangling.is_symlink() and not (tmp_path / "nowhere.parquet").exists()
    assert regular.read_bytes() == b"keep"
    if overwrite:
        assert check_output(regular, overwrite=True) == regular
    else:
        with pytest.raises(CatalogueError, match="exists"):
            check_output(regular)


def test_output_inside_the_input_dataset_is_refused(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"GL": [1.0]}), folder / "a.parquet")
    for target in (folder / "out.parquet", folder / "sub" / ".." / "x.parquet"):
        with pytest.raises(CatalogueError, match="inside the input dataset"):
            check_not_inside(target, folder)
    check_not_inside(tmp_path / "out.parquet", folder)  # beside it is fine


def test_a_dead_runs_temp_file_is_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out.parquet"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    host = socket.gethostname().replace(".", "_")
    leftover = tmp_path / f".out.parquet.{host}.{pid}.abcd1234.mwprop-batch.tmp"
    leftover.write_bytes(b"partial")
    alive = tmp_path / f".out.parquet.{host}.{os.getpid()}.abcd1234.mwprop-batch.tmp"
    alive.write_bytes(b"someone is writing")
    other = tmp_path / ".other.parquet.tmp"
    other.write_bytes(b"not ours")
    table = small_table()
    with AtomicTableWriter(out, table.schema) as writer:
        writer.write(table.to_batches()[0])
    assert not leftover.exists()
    assert alive.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, other.name, "out.parquet"])


def test_writer_turns_sighup_into_interrupted(tmp_path):
    out = tmp_path / "out.parquet"
    ignored = signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal, not nohup
    try:
        with pytest.raises(Interrupted) as caught, AtomicTableWriter(out, small_table().schema):
            os.kill(os.getpid(), signal.SIGHUP)
        assert caught.value.signum == signal.SIGHUP
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, ignored)
    assert list(tmp_path.iterdir()) == []


def test_a_signal_the_process_ignores_stays_ignored_while_writing(tmp_path):
    """Under nohup (SIGHUP ignored) a conversion must outlive its terminal, not stop when the
    writer opens; SIGTERM, not ignored, still cleans up."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    term = signal.getsignal(signal.SIGTERM)
    try:
        with AtomicTableWriter(tmp_path / "out.parquet", small_table().schema):
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not term
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is term
    finally:
        signal.signal(signal.SIGHUP, previous)


@pytest.mark.parametrize(
    ("header", "message"),
    [("DM,GL,DM\n", "'DM' appears twice.*columns 1 and 3"), ("GL,,DM\n", "empty column name")],
)
def test_csv_duplicate_or_empty_header_is_an_error(tmp_path, header, message):
    path = tmp_path / "bad.csv"
    path.write_text(header + "1,2,3\n")
    with pytest.raises(CatalogueError, match=message):
        open_catalogue(path)


def test_csv_identifiers_and_big_integers_keep_every_digit(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text(
        "id,big,mixed,x\n"
        "00123,9007199254740993,9007199254740993,1\n"
        "00456,-9223372036854775807,0.5,2.5\n"
    )
    catalogue = open_catalogue(path)
    assert catalogue.schema.types == [pa.string(), pa.int64(), pa.string(), pa.float64()]
    (batch,) = catalogue.batches()
    assert batch.column("id").to_pylist() == ["00123", "00456"]
    assert batch.column("big").to_pylist() == [9007199254740993, -9223372036854775807]
    assert batch.column("mixed").to_pylist() == ["9007199254740993", "0.5"]


def test_csv_from_a_pipe(tmp_path):
    fifo = tmp_path / "stream.csv"
    os.mkfifo(fifo)
    text = "GL,GB,DM\n" + "".join(f"{i},1.5,{10 + i}\n" for i in range(1000))
    writer = subprocess.Popen([sys.executable, "-c",
                               f"open({str(fifo)!r}, 'w').write({text!r})"])
    catalogue = open_catalogue(fifo)
    writer.wait(timeout=60)
    assert catalogue.num_rows == 1000
    table = pa.Table.from_batches(list(catalogue.batches(300)))
    assert table.column("DM").to_pylist() == [10 + i for i in range(1000)]


def test_psrcat_bad_value_is_null_and_noted(tmp_path):
    path = tmp_path / "bad.db"
    path.write_text(PSRCAT_TEXT.replace("DM       12.5", "DM       12.5x1"))
    catalogue = open_catalogue(path)
    assert catalogue.schema.field("DM").type == pa.float64()
    assert "DM_ERR" in catalogue.schema.names
    assert catalogue.unparseable == {"DM": {1: "12.5x1"}}
    (batch,) = catalogue.batches()
    assert batch.column("DM").to_pylist() == [71.0227, None]


# --- 30: catalogue I/O is layered: formats below storage, nothing above the catalogue -----------

PACKAGE = Path(__file__).resolve().parents[1] / "mwprop_batch"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (absolute names)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def catalogue_imports_of(forbidden: tuple[str, ...], folder: str) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in sorted(imported_modules(path))
        if name == "mwprop_batch" or name.startswith(forbidden)
    ]


def test_catalogue_formats_never_import_storage_nor_the_catalogue_anything_above():
    assert catalogue_imports_of(("mwprop_batch.catalogue.storage",), "catalogue/formats") == []
    above = tuple(f"mwprop_batch.{m}" for m in (
        "families", "kernels", "model", "convert", "file_conversion", "result_columns",
        "conversion_settings", "dask", "cli", "pictures"))
    assert catalogue_imports_of(above, "catalogue") == []
    assert catalogue_imports_of(("mwprop_batch.catalogue",), "core") == []


def test_the_import_scan_sees_relative_and_lazy_imports():
    module = PACKAGE / "catalogue" / "formats" / "catalogue_files.py"
    names = imported_modules(module)
    assert "mwprop_batch.catalogue.formats.csv_files" in names  # from .csv_files import ...
    assert "mwprop_batch.core.errors" in names
    lazy = PACKAGE / "catalogue" / "storage" / "catalogue_readers.py"
    assert "mwprop_batch.catalogue.storage.remote" in imported_modules(lazy)  # in a function
