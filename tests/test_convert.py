"""The catalogue conversion: in memory (convert, df.mwprop) and streamed (convert_file)."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import mwprop_batch.accessor  # noqa: F401  (registers df.mwprop)
from mwprop_batch.catalogue.storage.catalogue_readers import read_file_metadata
from mwprop_batch.convert import ConversionError, convert, convert_file
from mwprop_batch.core.errors import CatalogueError
from mwprop_batch.core.rows import InvalidRowError
from mwprop_batch.core.scattering import SCATTERING_COLUMNS
from mwprop_batch.positions import NO_POSITION, ColumnOverrides, MissingColumnError

REAL_DATA = Path(__file__).resolve().parents[1] / "data"

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
    interval = ["DIST_LO", "DIST_HI", "limit_hi"]
    added = [f"{m}_{c}" for m in ("NE2001", "NE2025") for c in [*CORE, *interval]]
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
    with pytest.raises(MissingColumnError, match="name it with dm_col=") as raised:
        frame.drop(columns="DM").mwprop.dm_to_dist()
    assert "--" not in str(raised.value)  # the accessor's keyword, not a command-line flag


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
        "hours,5h34m31.97s,22.01447,56.8\n"
        "degrees,83.63,22.01,56.8\n"
        "bad_hours,25:00:00,22.01,56.8\n"
    )
    summary = convert_file(source, target)
    out = pq.read_table(target)
    # text columns as written
    assert out.column("DM").to_pylist() == ["56.8", "lots", "30", "", "56.8", "56.8", "56.8"]
    # each status names the actual problem
    assert out.column("status").to_pylist() == [
        "ok", "DM unparseable: 'lots'", "ra unparseable: '??'", "DM missing", "ok", "ok",
        "ra unparseable: '25:00:00'",
    ]
    dist = out.column("NE2025_DIST").to_numpy()
    # hours say so ('5h34m...', '05:34:...'); a bare number in a text 'ra' column is degrees
    assert dist[0] == pytest.approx(dist[4], rel=1e-4)
    assert dist[0] == pytest.approx(dist[5], rel=1e-3)
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
    with pytest.raises(CatalogueError, match="is the input"):
        convert_file(source, source, overwrite=True)
    with pytest.raises(CatalogueError, match="exists"):
        convert_file(source, empty)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.parquet", "in.parquet"]


# --- issue 12: nothing lost, nothing silently changed, checked inputs -------------------------


def test_every_input_column_round_trips_exactly(tmp_path):
    frame = catalogue(30)
    frame["when"] = pd.date_range("2020-01-01", periods=30, freq="D", tz="UTC")
    frame["label"] = pd.array([None if i % 4 == 0 else f"x{i}" for i in range(30)],
                              dtype="string")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema = table.schema.with_metadata({**table.schema.metadata, b"survey": b"GPPS DR1"})
    schema = schema.set(1, schema.field("GL").with_metadata({b"unit": b"deg"}))
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table.cast(schema), source)
    convert_file(source, target, batch_rows=7)
    out = pq.read_table(target)
    for field in schema:
        assert out.schema.field(field.name) == field
        assert out.schema.field(field.name).metadata == field.metadata
        assert out.column(field.name).equals(table.column(field.name))
    assert out.schema.metadata[b"survey"] == b"GPPS DR1"
    assert out.schema.metadata[b"pandas"] == table.schema.metadata[b"pandas"]
    back = pd.read_parquet(target)
    assert back["flag"].dtype == "Int64" and back["flag"].isna().sum() == 1
    pd.testing.assert_frame_equal(back[frame.columns], frame)


def test_psrcat_bad_dm_is_named_in_status_and_the_schema_is_unchanged(tmp_path):
    # the first three pulsars of the real catalogue; J0006+1834 has 'DM 11.41 55 bkk+16'
    lines = (REAL_DATA / "psrcat-1.59.db").read_text().splitlines(keepends=True)
    ends = [k for k, line in enumerate(lines) if line.startswith("@")]
    text = "".join(lines[: ends[2] + 1])
    assert "DM       11.41" in text
    clean, broken = tmp_path / "clean.db", tmp_path / "broken.db"
    clean.write_text(text)
    broken.write_text(text.replace("DM       11.41", "DM       11.4x1", 1))
    convert_file(clean, tmp_path / "clean.parquet")
    convert_file(broken, tmp_path / "broken.parquet")
    a, b = pq.read_table(tmp_path / "clean.parquet"), pq.read_table(tmp_path / "broken.parquet")
    assert a.schema.names == b.schema.names and a.schema.types == b.schema.types
    assert "NE2025_DIST_LO" in b.schema.names
    status = b.column("status").to_pylist()
    assert status[1] == "DM unparseable: '11.4x1'"
    assert b.column("DM").to_pylist()[1] is None
    assert read_file_metadata(tmp_path / "broken.parquet")["unparseable"] == {
        "DM": {"1": "11.4x1"}
    }
    differ = [k for k, (x, y) in enumerate(zip(a.column("status").to_pylist(), status,
                                               strict=True)) if x != y]
    assert differ == [1]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.date_range("2020", periods=3), "timestamp"),
        (pd.Series([True, False, True]), "bool"),
        (pd.to_timedelta([1, 2, 3], unit="s"), "duration"),
        (pd.Series([b"1", b"2", b"3"]), "bytes"),
        (pd.Series([1.0, True, 3.0], dtype=object), "bool"),
    ],
)
def test_non_numeric_dm_columns_are_refused(tmp_path, values, kind):
    frame = pd.DataFrame({"GL": [10.0, 20.0, 30.0], "GB": [1.0, 2.0, 3.0], "DM": values})
    with pytest.raises(ConversionError, match=f"column 'DM' (has type|holds).*{kind}"):
        convert(frame)
    if kind == "bytes" or frame["DM"].dtype == object:
        return
    source = tmp_path / "in.parquet"
    frame.to_parquet(source, index=False)
    with pytest.raises(ConversionError, match=f"column 'DM' has type {kind}"):
        convert_file(source, tmp_path / "out.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


@pytest.mark.parametrize(
    "options",
    [dict(freq_ghz=0.0), dict(freq_ghz=-1.0), dict(freq_ghz=float("nan")),
     dict(velocity_kms=-100.0), dict(velocity_kms=float("inf"))],
)
def test_frequency_and_velocity_must_be_finite_and_positive(tmp_path, ne2025, options):
    frame = catalogue(5)
    with pytest.raises(ValueError, match="must be finite and > 0"):
        convert(frame, scattering=True, **options)
    with pytest.raises(ValueError, match="must be finite and > 0"):
        ne2025.dm_to_dist(30.0, 1.0, 100.0, scattering=True, **options)
    source = tmp_path / "in.parquet"
    write_parquet(frame, source)
    with pytest.raises(ValueError, match="must be finite and > 0"):
        convert_file(source, tmp_path / "out.parquet", scattering=True, **options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


BAD_ROWS_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("error")  # a warning fails the run
import numpy as np, pandas as pd
from mwprop_batch.core import parallel, runner
from mwprop_batch.convert import convert

tiers = []  # the tier of every kernel call with rows (result_fields probes with none)
plain_interpreted, plain_map = runner.interpreted, parallel.map_on_threads

def interpreted(kernel):
    run = plain_interpreted(kernel)
    return lambda *args: (len(args[0]) and tiers.append("interpreted")) or run(*args)

runner.interpreted = interpreted
parallel.map_on_threads = lambda *a: tiers.append("compiled") or plain_map(*a)
repeat = int(sys.argv[1])
frame = pd.DataFrame({
    "GL": [np.inf, 30.0, 30.0, 30.0, 30.0] * repeat,
    "GB": [1.0, 1.0, -np.inf, 1.0, 1.0] * repeat,
    "DM": ["10", "1e308", "10", "11.4x1", "nan"] * repeat,
})
out = convert(frame, "ne2001,ne2025", scattering=True)
dist = convert(pd.DataFrame({"GL": [30.0] * repeat, "GB": [1.0] * repeat,
                             "dist": [1e308] * repeat}), to="dm", scattering=True)
print(json.dumps({"status": out["status"].tolist(), "dm_status": dist["status"].tolist(),
                  "dm": dist["NE2025_DM"].tolist(), "tiers": sorted(set(tiers))}))
"""


@pytest.mark.parametrize(("tier", "repeat"), [("interpreted", 1), ("compiled", 20)])
def test_bad_rows_raise_no_warning_and_name_their_problem(tier, repeat):
    """In a fresh process (a user's first call, whatever this suite compiled before) the 5
    rows run interpreted, and 100 (20 of them valid) compiled (more than
    runner.INTERPRETED_CALL_ROWS); neither tier warns."""
    out = subprocess.run([sys.executable, "-c", BAD_ROWS_SCRIPT, str(repeat)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.splitlines()[-1])
    assert got["tiers"] == [tier]
    assert got["status"] == [
        "GL infinite: inf", "ok", "GB infinite: -inf", "DM unparseable: '11.4x1'",
        "DM missing",
    ] * repeat
    # the DM is fine, but s^(5/3) moments overflow on a 1e308 kpc path: flagged, never ok
    assert all(s.startswith("scattering not finite: ") for s in got["dm_status"])
    assert all(0 < dm < 1e4 for dm in got["dm"])


def test_summary_rate_leaves_out_the_start_up(tmp_path):
    source = tmp_path / "in.parquet"
    write_parquet(catalogue(40), source)
    summary = convert_file(source, tmp_path / "out.parquet")
    assert 0 < summary.startup_seconds < summary.seconds
    assert summary.rows_per_second == pytest.approx(
        summary.rows / (summary.seconds - summary.startup_seconds))
    assert "start-up" in summary.line()
