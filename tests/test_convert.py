"""The catalogue conversion: in memory (convert, df.mwprop) and streamed (convert_file)."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import mwprop_batch.accessor  # noqa: F401  (registers df.mwprop)
from mwprop_batch.convert import ConversionError, convert, convert_file
from mwprop_batch.io.tables import CatalogueError, read_file_metadata
from mwprop_batch.positions import NO_POSITION, ColumnOverrides, MissingColumnError
from mwprop_batch.scattering import SCATTERING_COLUMNS
from mwprop_batch.sightlines import InvalidRowError

CORE = ["DIST", "DM", "DMz", "limit"]


def catalogue(n: int = 40, seed: int = 1) -> pd.DataFrame:
    """Random sightlines with a few bad rows, and pass-through columns of several types."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "NAME": [f"PSR{i:03d}" for i in range(n)],
            "GL": rng.uniform(0.0, 360.0, n),
            "GB": rng.uniform(-20.0, 20.0, n),
            "DM": rng.uniform(5.0, 400.0, n),
            "DM_ERR": rng.uniform(0.0, 2.0, n),
            "flag": pd.array(rng.integers(0, 3, n), dtype="Int64"),
        }
    )
    frame.loc[3, "GL"] = np.nan  # no position
    frame.loc[5, "DM"] = -1.0  # DM <= 0
    frame.loc[7, "GB"] = 95.0  # |b| > 90
    frame.loc[9, "DM_ERR"] = np.nan  # no error: still a result, no DIST_LO/HI
    frame.loc[11, "flag"] = pd.NA
    return frame


def test_convert_adds_prefixed_columns_after_the_input(ne2001, ne2025):
    frame = catalogue().set_axis(np.arange(100, 140))
    out = convert(frame, ["ne2001", "ne2025"])
    added = [f"{m}_{c}" for m in ("NE2001", "NE2025") for c in [*CORE, "DIST_LO", "DIST_HI"]]
    assert list(out.columns) == [*frame.columns, *added, "status"]
    assert out.index.equals(frame.index)
    pd.testing.assert_frame_equal(out[frame.columns], frame)
    for model, prefix in ((ne2001, "NE2001_"), (ne2025, "NE2025_")):
        err = frame["DM_ERR"].fillna(0.0)
        direct = model.dm_to_dist(frame["GL"], frame["GB"], frame["DM"], err)
        for name in ["DIST", "DM", "limit"]:
            np.testing.assert_array_equal(out[prefix + name], direct[name])


def test_status_combines_position_and_engine_reasons():
    out = convert(catalogue(), "ne2025")
    assert out["status"][3] == NO_POSITION
    assert out["status"][5] == "DM <= 0"
    assert out["status"][7] == "|b| > 90 deg"
    assert (out["status"].drop([3, 5, 7]) == "ok").all()
    assert out.loc[[3, 5, 7], "NE2025_DIST"].isna().all()
    assert np.isfinite(out.loc[9, "NE2025_DIST"])
    assert out.loc[9, ["NE2025_DIST_LO", "NE2025_DIST_HI"]].isna().all()


def test_convert_to_dm_with_scattering(ne2025):
    frame = pd.DataFrame({"l": [30.0, 200.0], "b": [1.0, -5.0], "dist_kpc": [3.0, 1.5]})
    out = convert(frame, "ne2025", to="dm", scattering=True, freq_ghz=0.4)
    expected = [f"NE2025_{c}" for c in [*CORE, *SCATTERING_COLUMNS]]
    assert list(out.columns) == [*frame.columns, *expected, "status"]
    direct = ne2025.dist_to_dm([30.0, 200.0], [1.0, -5.0], [3.0, 1.5], scattering=True,
                               freq_ghz=0.4)
    np.testing.assert_array_equal(out["NE2025_DM"], direct["DM"])
    np.testing.assert_array_equal(out["NE2025_TAU"], direct["TAU"])


def test_strict_raises_with_the_row_number():
    with pytest.raises(InvalidRowError, match=r"row 3 .*no position"):
        convert(catalogue(), strict=True)


def test_existing_result_column_is_an_error():
    frame = catalogue().assign(status="mine")
    with pytest.raises(ConversionError, match="already has column"):
        convert(frame)


def test_accessor_is_convert_on_the_frame():
    frame = catalogue()
    out = frame.mwprop.dm_to_dist("ne2001", scattering=True)
    pd.testing.assert_frame_equal(out, convert(frame, "ne2001", scattering=True))
    back = frame.assign(D=out["NE2001_DIST"]).mwprop.dist_to_dm(["ne2001"], dist_col="D")
    ok = (out["status"] == "ok") & ~out["NE2001_limit"]
    np.testing.assert_allclose(back["NE2001_DM"][ok], frame["DM"][ok], rtol=1e-6)
    with pytest.raises(InvalidRowError, match="row 3"):
        frame.mwprop.dm_to_dist(errors="raise")
    with pytest.raises(MissingColumnError, match="--dm-col"):
        frame.drop(columns="DM").mwprop.dm_to_dist()


# --- files ------------------------------------------------------------------------------------


def write_parquet(frame: pd.DataFrame, path, **kwargs) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, **kwargs)


def test_convert_file_passes_every_input_column_through_unchanged(tmp_path):
    frame = catalogue(300)
    table = pa.Table.from_pandas(frame, preserve_index=False).append_column(
        "when", pa.array([dt.datetime(2020, 1, 1)] * 300, type=pa.timestamp("ms"))
    )
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table, source, row_group_size=77)
    summary = convert_file(source, target, ["ne2001", "ne2025"], batch_rows=64, command="x y")
    out = pq.read_table(target)
    assert out.select(table.column_names).equals(table.replace_schema_metadata(None))
    assert out.column_names[-1] == "status"
    assert pq.ParquetFile(target).metadata.num_row_groups == 5  # 4 x 64 + 44
    # batching does not change a result
    in_memory = convert(frame, ["ne2001", "ne2025"])
    for name in ["NE2001_DIST", "NE2025_DIST_HI", "status"]:
        np.testing.assert_array_equal(out.column(name).to_numpy(zero_copy_only=False),
                                      in_memory[name].to_numpy())
    assert (summary.rows, summary.bad_rows) == (300, 3)
    assert summary.limits["NE2025"] == int(in_memory["NE2025_limit"].sum())
    assert "300 rows" in summary.line() and "bad rows: 3" in summary.line()


def test_convert_file_metadata(tmp_path):
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    write_parquet(catalogue(10), source)
    convert_file(source, target, "ne2025,ne2001", scattering=True, command="mwprop-batch x")
    schema = pq.read_schema(target)
    assert schema.field("NE2025_DIST").metadata[b"unit"] == b"kpc"
    assert schema.field("NE2001_TAU").metadata[b"unit"] == b"ms"
    assert b"NE2001" in schema.field("NE2001_SM").metadata[b"description"]
    assert schema.field("NAME").metadata is None  # input fields as they were
    meta = read_file_metadata(target)
    assert meta["models"] == ["ne2025", "ne2001"]
    assert meta["parameters"]["ne2001"]["model"] == "NE2001"
    assert meta["command"] == "mwprop-batch x"
    assert meta["scattering"] is True and meta["version"]


def test_convert_file_dataset_directory_keeps_file_order(tmp_path):
    frame = catalogue(90)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(3):
        write_parquet(frame.iloc[30 * i: 30 * (i + 1)], folder / f"part-{i}.parquet")
    target = tmp_path / "out.parquet"
    convert_file(folder, target, batch_rows=40)
    out = pq.read_table(target).to_pandas()
    assert out["NAME"].tolist() == frame["NAME"].tolist()


def test_convert_file_csv_with_junk(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.parquet"
    source.write_text(
        "name,ra,dec,DM\n"
        "crab,05:34:31.97,+22:00:52.1,56.8\n"
        "junk_dm,05:34:31.97,22.01,lots\n"
        "junk_pos,??,22.01,30\n"
        "empty_dm,05:34:31.97,22.01,\n"
        "hours,5.575547,22.01447,56.8\n"
        "degrees,83.63,22.01,56.8\n"
    )
    summary = convert_file(source, target)
    out = pq.read_table(target)
    # text columns as written
    assert out.column("DM").to_pylist() == ["56.8", "lots", "30", "", "56.8", "56.8"]
    # each status names the actual problem
    assert out.column("status").to_pylist() == [
        "ok", "DM unparseable: 'lots'", "ra unparseable: '??'", "DM not finite", "ok",
        "ra out of range (hours): '83.63'",
    ]
    dist = out.column("NE2025_DIST").to_numpy()
    # a bare number in a text RA column is hours, as in parse_ra and psrcat's RAJ
    assert dist[0] == pytest.approx(dist[4], rel=1e-4)
    assert summary.bad_rows == 4


def test_convert_file_errors_leave_no_output(tmp_path):
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    write_parquet(catalogue(30), source)
    with pytest.raises(InvalidRowError, match="row 3"):
        convert_file(source, target, strict=True, batch_rows=8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]
    with pytest.raises(MissingColumnError, match="columns: NAME, GL"):
        convert_file(source, target, columns=ColumnOverrides(dm_col="nope"))
    empty = tmp_path / "empty.parquet"
    write_parquet(catalogue(30).iloc[:0], empty)
    with pytest.raises(ConversionError, match="no rows: nothing written"):
        convert_file(empty, target)
    with pytest.raises(CatalogueError, match="is the input"):
        convert_file(source, source, overwrite=True)
    with pytest.raises(CatalogueError, match="exists"):
        convert_file(source, empty)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.parquet", "in.parquet"]
