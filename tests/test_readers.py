"""Readers that neither lose nor invent data (issues 28 and 29): the RA rule, psrcat records,
dataset directories, empty inputs, CSV dialects and Cartesian positions."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mwprop_batch.catalogue.formats.csv_files import CsvDialect
from mwprop_batch.catalogue.formats.parquet_datasets import SkippedFilesWarning
from mwprop_batch.catalogue.formats.psrcat import ROW_PROBLEM, read_psrcat
from mwprop_batch.catalogue.storage.catalogue_readers import open_catalogue, read_file_metadata
from mwprop_batch.cli import main
from mwprop_batch.convert import convert, convert_file
from mwprop_batch.core.errors import CatalogueError
from mwprop_batch.positions import ColumnOverrides, find_columns, read_inputs

REAL_PSRCAT = Path(__file__).parent.parent / "data" / "psrcat-1.59.db"


def positions_of(path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """l, b (deg) and status of every row of the catalogue file ``path``."""
    catalogue = open_catalogue(path)
    frame = pa.Table.from_batches(list(catalogue.batches()), catalogue.schema).to_pandas()
    inputs = read_inputs(frame, find_columns(list(frame.columns)))
    return inputs.l_deg, inputs.b_deg, inputs.status


# --- issue 28.3: a bare RA number is degrees, however the column came to be text -------------


@pytest.mark.parametrize("spoiler", ["005.0", "junk"])
def test_a_text_ra_column_of_degrees_is_read_as_degrees(tmp_path, spoiler):
    clean, spoiled = tmp_path / "clean.csv", tmp_path / "spoiled.csv"
    clean.write_text("RAJD,DECJD,DM\n12.5,-5,30\n5.0,10,30\n123.456789,-45.1,30\n")
    spoiled.write_text(f"RAJD,DECJD,DM\n12.5,-5,30\n{spoiler},10,30\n123.456789,-45.1,30\n")
    assert open_catalogue(spoiled).schema.field("RAJD").type == pa.string()
    l_clean, b_clean, status_clean = positions_of(clean)
    l_spoiled, b_spoiled, status_spoiled = positions_of(spoiled)
    np.testing.assert_allclose([l_clean[0], b_clean[0]], [121.98, -67.87], atol=0.01)
    keep = [0, 2] if spoiler == "junk" else [0, 1, 2]  # bit-identical positions
    np.testing.assert_array_equal(l_spoiled[keep], l_clean[keep])
    np.testing.assert_array_equal(b_spoiled[keep], b_clean[keep])
    assert status_clean.tolist() == ["ok"] * 3
    if spoiler == "junk":
        assert status_spoiled.tolist() == ["ok", "RAJD unparseable: 'junk'", "ok"]


def test_hours_are_said_by_the_text_or_the_column_name():
    frame = pd.DataFrame({
        "ra": ["12:30:00", "12h30m", "12 30 00", "187.5", 187.5],
        "dec": ["+10:00", "10d", "10", 10.0, "10.0"],
        "DM": 30.0,
    })
    inputs = read_inputs(frame, find_columns(list(frame.columns)))
    np.testing.assert_array_equal(inputs.l_deg, np.full(5, inputs.l_deg[0]))
    # psrcat's RAJ (and a name ending in _h/_hours) holds hours; an hours value > 24 is flagged
    hours = pd.DataFrame({"RAJ": [12.5, 83.6, "005.0"], "DECJ": [10.0, 10.0, 10.0], "DM": 30.0})
    inputs = read_inputs(hours, find_columns(list(hours.columns)))
    assert inputs.status.tolist() == ["ok", "RAJ out of range (hours): 83.6", "ok"]
    degrees = pd.DataFrame({"RA": [187.5, 75.0], "DEC": [10.0, 10.0], "DM": 30.0})
    expected = read_inputs(degrees, find_columns(list(degrees.columns)))
    assert inputs.l_deg[0] == expected.l_deg[0] and inputs.l_deg[2] == expected.l_deg[1]
    # the unit of bare numbers can be named
    as_degrees = read_inputs(hours, find_columns(list(hours.columns),
                                                 overrides=ColumnOverrides(ra_unit="deg")))
    assert as_degrees.status.tolist() == ["ok"] * 3
    as_hours = read_inputs(degrees, find_columns(list(degrees.columns),
                                                 overrides=ColumnOverrides(ra_unit="hours")))
    assert as_hours.status.tolist() == [
        "RA out of range (hours): 187.5", "RA out of range (hours): 75.0"]


# --- issue 29: a row without a DM says so ----------------------------------------------------


def test_a_missing_dm_is_missing_and_an_infinite_one_not_finite():
    frame = pd.DataFrame({"GL": 30.0, "GB": 1.0, "DM": [np.nan, None, np.inf, 10.0]})
    assert convert(frame)["status"].tolist() == [
        "DM missing", "DM missing", "DM infinite: inf", "ok"]
    from mwprop_batch.model import Model

    out = Model("ne2025").dm_to_dist([30.0, 30.0], [1.0, 1.0], [np.nan, np.inf])
    assert out["status"].tolist() == ["DM missing", "DM not finite"]


def test_a_csv_with_an_empty_dm_cell(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.parquet"
    source.write_text("GL,GB,DM\n30,1,\n30,1,10\n")
    convert_file(source, target)
    assert pq.read_table(target).column("status").to_pylist() == ["DM missing", "ok"]


# --- issue 28.8: psrcat records cut short or with a repeated key; Hive partitions -----------

PSRCAT = (
    "PSRJ     J0001+0001\nRAJ      00:00:01\nDECJ     +01:00\nDM       30.5   2   ref\n@----\n"
    "PSRJ     J1738-3107\nRAJ      17:38:00\nDECJ     -31:07\nDM       721.7  1   hfs+04\n"
    "DM       735    10  hfs+04\n@----\n"
)


def test_a_psrcat_record_cut_inside_its_dm_line_is_flagged(tmp_path):
    source, target = tmp_path / "cut.db", tmp_path / "out.parquet"
    source.write_text(PSRCAT + "PSRJ J0002+0002\nRAJ 00:00:02\nDECJ +02:00\nDM       6")
    convert_file(source, target)
    out = pq.read_table(target).to_pandas()
    assert out["DM"].iloc[2] == 6.0  # the input passes through as read ...
    assert out["status"].iloc[2].startswith("record cut short (line 15")  # ... but is flagged
    assert np.isnan(out["NE2025_DIST"].iloc[2]) and out["status"].iloc[0] == "ok"
    meta = json.loads(pq.read_schema(target).metadata[b"psrcat"])
    assert meta["cut_short"] == [{"row": 2, "PSRJ": "J0002+0002", "line": 15}]


def test_a_repeated_psrcat_key_keeps_every_line_in_the_metadata(tmp_path):
    source, target = tmp_path / "repeat.db", tmp_path / "out.parquet"
    source.write_text(PSRCAT)
    frame = read_psrcat(source)
    assert frame["DM"].tolist() == [30.5, 721.7]  # the first, as the catalogue's DIST_DM
    convert_file(source, target)
    meta = json.loads(pq.read_schema(target).metadata[b"psrcat"])
    assert meta == {"repeated": [{"row": 1, "PSRJ": "J1738-3107", "key": "DM",
                                  "lines": ["721.7 1 hfs+04", "735 10 hfs+04"], "kept": 0}]}
    assert pq.read_table(target).column("status").to_pylist() == ["ok", "ok"]


def test_the_real_catalogue_is_not_cut_short_and_keeps_its_repeats():
    frame = read_psrcat(REAL_PSRCAT)
    assert ROW_PROBLEM not in frame.attrs["unparseable"]
    repeats = frame.attrs["psrcat"]["repeated"]
    assert len(repeats) == 15
    assert {"row": int(np.flatnonzero(frame["PSRJ"] == "J1738-3107")[0]), "PSRJ": "J1738-3107",
            "key": "DM", "lines": ["721.7 1 hfs+04", "735 10 hfs+04"], "kept": 0} in repeats


def test_hive_partition_keys_are_columns(tmp_path):
    folder, target = tmp_path / "ds", tmp_path / "out.parquet"
    for survey, year, gl in (("A", "2020", 30.0), ("B", "2021", 40.0), ("B", "2022", 50.0)):
        (folder / f"survey={survey}" / f"year={year}").mkdir(parents=True)
        pq.write_table(pa.table({"GL": [gl], "GB": [1.0], "DM": [50.0]}),
                       folder / f"survey={survey}" / f"year={year}" / "part.parquet")
    convert_file(folder, target)
    out = pq.read_table(target)
    assert out.schema.names[:5] == ["GL", "GB", "DM", "survey", "year"]
    assert out.column("survey").to_pylist() == ["A", "B", "B"]
    assert out.column("year").to_pylist() == [2020, 2021, 2022]
    assert out.schema.field("year").type == pa.int64()
    assert out.column("status").to_pylist() == ["ok"] * 3
    # a Dask piece (one row group of one file) gets its file's partition values too
    dask = pytest.importorskip("mwprop_batch.dask")
    from mwprop_batch.convert import Settings, plan_conversion

    settings = Settings.create("ne2025")
    plan = plan_conversion(folder, tmp_path / "dask.parquet", settings)
    parts = []
    for k, piece in enumerate(dask.pieces(list(plan.catalogue.files))):
        parts.append(tmp_path / f"part-{k}.parquet")
        dask._convert_piece(piece, parts[-1], plan.schema, plan.catalogue.schema, ("ne2025",),
                            plan.columns, {}, partition=plan.catalogue.partitions[piece.path])
    pieces = pa.concat_tables(pq.read_table(p) for p in parts)
    assert pieces.drop_columns("status").equals(out.drop_columns("status"))
    assert pieces.column("survey").to_pylist() == ["A", "B", "B"]


# --- issue 29: dataset directories ----------------------------------------------------------


def dataset(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    for k in range(2):
        pq.write_table(pa.table({"GL": [30.0 + k], "GB": [1.0], "DM": [50.0]}),
                       folder / f"part-{k}.parquet")
    return folder


def test_a_zero_byte_part_is_named(tmp_path):
    folder = dataset(tmp_path)
    (folder / "part-2.parquet").write_bytes(b"")
    with pytest.raises(CatalogueError,
                       match=r"cannot read \S*/ds/part-2\.parquet as Parquet: .*0 bytes"):
        open_catalogue(folder)


def test_links_to_directories_are_not_followed(tmp_path):
    folder = dataset(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    pq.write_table(pa.table({"GL": [99.0], "GB": [1.0], "DM": [50.0]}),
                   tmp_path / "elsewhere" / "part.parquet")
    (folder / "up").symlink_to("..")
    (folder / "out").symlink_to(tmp_path / "elsewhere")
    with pytest.warns(SkippedFilesWarning, match="out .a link to a directory: not followed.*up"):
        catalogue = open_catalogue(folder)
    assert catalogue.num_rows == 2
    assert [Path(f).name for f in catalogue.files] == ["part-0.parquet", "part-1.parquet"]


def test_files_that_are_not_parquet_are_skipped_with_one_warning(tmp_path):
    folder = dataset(tmp_path)
    (folder / "README.txt").write_text("the survey's parts\n")
    (folder / "notes.md").write_text("x\n")
    (folder / "_SUCCESS").write_text("")
    spark = folder / "sub" / "part-00000"  # no extension, but Parquet
    spark.parent.mkdir()
    pq.write_table(pa.table({"GL": [32.0], "GB": [1.0], "DM": [50.0]}), spark)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        catalogue = open_catalogue(folder)
    assert len(caught) == 1 and caught[0].category is SkippedFilesWarning
    assert "2 entries" in str(caught[0].message) and "README.txt, notes.md" in str(
        caught[0].message)
    table = pa.Table.from_batches(list(catalogue.batches()))
    assert table.column("GL").to_pylist() == [30.0, 31.0, 32.0]


def test_the_cli_shows_skipped_files_as_one_clean_line(tmp_path, capsys):
    folder = dataset(tmp_path)
    (folder / "README.txt").write_text("the survey's parts\n")
    code = main(["convert", str(folder), str(tmp_path / "out.parquet"), "--quiet"])
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"mwprop-batch: warning: {folder}: read no rows from 1 entry that is not a "
                   "Parquet file: README.txt"]


# --- issue 29: empty in, empty out (with every result column) ------------------------------


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_an_empty_catalogue_gives_an_empty_output_with_every_column(tmp_path, kind):
    source, target = tmp_path / f"in.{kind}", tmp_path / "out.parquet"
    if kind == "csv":
        source.write_text("NAME,RAJ,DECJ,DM,DM_ERR\n")
    else:
        pq.write_table(pa.table({"NAME": pa.array([], pa.string()),
                                 "RAJ": pa.array([], pa.string()),
                                 "DECJ": pa.array([], pa.string()),
                                 "DM": pa.array([], pa.float64()),
                                 "DM_ERR": pa.array([], pa.float64())}), source)
    summary = convert_file(source, target, "ne2001,ymw16", scattering=True)
    out = pq.read_table(target)
    assert summary.rows == 0 and out.num_rows == 0
    one = tmp_path / "one.csv"
    one.write_text("NAME,RAJ,DECJ,DM,DM_ERR\nJ1,05:34:31.97,+22:00:52.1,56.8,0.1\n")
    convert_file(one, tmp_path / "full.parquet", "ne2001,ymw16", scattering=True)
    expected = pq.read_schema(tmp_path / "full.parquet")
    results = [n for n in expected.names if n.startswith(("NE2001_", "YMW16_"))] + ["status"]
    assert out.schema.names == ["NAME", "RAJ", "DECJ", "DM", "DM_ERR", *results]
    for name in results:
        assert out.schema.field(name) == expected.field(name)


def test_convert_of_an_empty_frame():
    frame = pd.DataFrame({"GL": [30.0], "GB": [1.0], "DM": ["50"]}).iloc[:0]
    out = convert(frame, "ne2025,ymw16")
    full = convert(pd.DataFrame({"GL": [30.0], "GB": [1.0], "DM": ["50"]}), "ne2025,ymw16")
    assert len(out) == 0 and out.columns.tolist() == full.columns.tolist()
    assert out.dtypes.tolist() == full.dtypes.tolist()


# --- issue 29: CSV dialects -----------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "given"), [(";", None), ("\t", None), (";", ";"),
                                                  ("\t", "tab"), ("|", "pipe")])
def test_csv_delimiters_given_or_detected(tmp_path, delimiter, given):
    source, target = tmp_path / "in.csv", tmp_path / "out.parquet"
    source.write_text(delimiter.join(["NAME", "GL", "GB", "DM"]) + "\n"
                      + delimiter.join(["a, b", "30", "1", "50"]) + "\n")
    convert_file(source, target, csv=CsvDialect(given))
    out = pq.read_table(target)
    assert out.column("NAME").to_pylist() == ["a, b"]
    assert out.column("status").to_pylist() == ["ok"]


def test_csv_encoding_and_spaces_around_header_names(tmp_path, capsys):
    source, target = tmp_path / "in.csv", tmp_path / "out.parquet"
    source.write_bytes("NAME; GL ; GB;DM \nCafé;30;1;50\n".encode("cp1252"))
    with pytest.raises(CatalogueError, match="not utf-8 text; give the file's encoding"):
        convert_file(source, target)
    convert_file(source, target, csv=CsvDialect(encoding="cp1252"))
    out = pq.read_table(target)
    assert out.schema.names[:4] == ["NAME", " GL ", " GB", "DM "]  # as written
    assert out.column("NAME").to_pylist() == ["Café"]
    assert out.column("status").to_pylist() == ["ok"]
    assert read_file_metadata(target)["columns"]["positions"] == [["galactic", " GL ", " GB"]]
    # the CLI's options
    code = main(["convert", str(source), str(tmp_path / "cli.parquet"), "--encoding", "cp1252",
                 "--delimiter", "semicolon", "--dm-col", "DM", "--quiet"])
    assert code == 0
    assert pq.read_table(tmp_path / "cli.parquet").column("status").to_pylist() == ["ok"]


@pytest.mark.parametrize("kind", ["parquet", "psrcat"])
def test_a_csv_dialect_is_refused_for_an_input_that_is_not_csv(tmp_path, kind, capsys):
    source, target = tmp_path / ("in.parquet" if kind == "parquet" else "in.db"), tmp_path / "o.pq"
    if kind == "parquet":
        pq.write_table(pa.table({"GL": [30.0], "GB": [1.0], "DM": [50.0]}), source)
    else:
        source.write_text(PSRCAT)
    with pytest.raises(CatalogueError, match=f"read as {kind}: a delimiter or an encoding"):
        convert_file(source, target, csv=CsvDialect(";"))
    for option in (["--delimiter", ";"], ["--encoding", "cp1252"],
                   ["--delimiter", "tab", "--scheduler", "local"]):
        assert main(["convert", str(source), str(target), "--quiet", *option]) == 2
        err = capsys.readouterr().err
        assert err.startswith("mwprop-batch convert: error: ") and err.count("\n") == 1
        assert "is for CSV input only" in err
    assert not target.exists()
    assert main(["convert", str(source), str(target), "--quiet"]) == 0  # without: read as ever


# --- issue 29: Cartesian positions ------------------------------------------------------------


def sky(n: int = 12, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"GL": rng.uniform(0, 360, n), "GB": rng.uniform(-30, 30, n),
                         "dist": rng.uniform(0.2, 8.0, n)})


def heliocentric_xyz(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x toward the Galactic centre, y toward l = 90, z north (kpc)."""
    l_rad, b_rad = np.radians(frame["GL"]), np.radians(frame["GB"])
    d = frame["dist"].to_numpy()
    return (d * np.cos(b_rad) * np.cos(l_rad)).to_numpy(), (
        d * np.cos(b_rad) * np.sin(l_rad)).to_numpy(), (d * np.sin(b_rad)).to_numpy()


@pytest.mark.parametrize("sun", [None, (0.0, 8.3, 0.006)])
def test_cartesian_positions_give_direction_and_distance(sun):
    frame = sky()
    hx, hy, hz = heliocentric_xyz(frame)
    helio = pd.DataFrame({"X": hx, "Y": hy, "Z": hz, "DM": 100.0})
    x0, y0, z0 = sun or (0.0, 8.5, 0.0)  # the NE frame: x toward l = 90, y centre -> Sun
    galacto = pd.DataFrame({"x_kpc": x0 + hy, "y_kpc": y0 - hx, "z_kpc": z0 + hz, "DM": 100.0})
    expected = convert(frame, "ne2025,ymw16", to="dm")
    for xyz, data, extra in (("heliocentric", helio, {}),
                             ("galactocentric", galacto, {"sun_kpc": sun} if sun else {})):
        out = convert(data, "ne2025,ymw16", to="dm", columns=ColumnOverrides(xyz=xyz, **extra))
        for name in ("NE2025_DM", "YMW16_DM"):
            np.testing.assert_allclose(out[name], expected[name], rtol=1e-9)
        assert out["status"].tolist() == ["ok"] * len(frame)
        # distance from DM: x, y, z give the direction only
        dist = convert(data, "ne2025", columns=ColumnOverrides(xyz=xyz, **extra))
        reference = convert(frame.assign(DM=100.0), "ne2025")
        np.testing.assert_allclose(dist["NE2025_DIST"], reference["NE2025_DIST"], rtol=1e-9)


def test_cartesian_positions_on_the_command_line(tmp_path, capsys):
    frame = sky(5)
    hx, hy, hz = heliocentric_xyz(frame)
    source, target = tmp_path / "pop.csv", tmp_path / "pop.parquet"
    pd.DataFrame({"id": range(5), "gx": hy, "gy": 8.5 - hx, "gz": hz}).to_csv(
        source, sep="\t", index=False)
    code = main(["convert", str(source), str(target), "--to", "dm", "--xyz", "galactocentric",
                 "--x-col", "gx", "--y-col", "gy", "--z-col", "gz", "--quiet"])
    assert code == 0
    out = pq.read_table(target).to_pandas()
    np.testing.assert_allclose(out["NE2025_DM"], convert(frame, to="dm")["NE2025_DM"],
                               rtol=1e-9)
    meta = read_file_metadata(target)["columns"]
    assert meta["positions"] == [["galactocentric", "gx", "gy", "gz", [0.0, 8.5, 0.0]]]
    # x, y, z are read only when their frame is named
    no_frame = tmp_path / "xyz.csv"
    no_frame.write_text("x,y,z,DM\n1,2,0,10\n")
    assert main(["convert", str(no_frame), str(tmp_path / "o.parquet")]) == 2
    assert "--xyz galactocentric|heliocentric" in capsys.readouterr().err
    with pytest.raises(ValueError, match="need the frame of x, y, z"):
        ColumnOverrides(x_col="x", y_col="y", z_col="z")
    at_sun = convert(pd.DataFrame({"x": [0.0], "y": [8.5], "z": [0.0]}), to="dm",
                     columns=ColumnOverrides(xyz="galactocentric"))
    assert at_sun["status"].tolist() == ["x, y, z at the Sun (no direction)"]


def test_a_compressed_csv_has_its_delimiter_detected(tmp_path):
    import gzip

    source, target = tmp_path / "in.csv.gz", tmp_path / "out.parquet"
    source.write_bytes(gzip.compress(b"GL;GB;DM\n30;1;50\n"))
    convert_file(source, target)
    assert pq.read_table(target).column("status").to_pylist() == ["ok"]
