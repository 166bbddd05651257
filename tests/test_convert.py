"""Catalogue conversion: the Python API, the accessor and `mwprop-batch convert | los | demo`."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import SHARED_DATA

import mwprop_batch  # noqa: F401  (registers the accessor)
from mwprop_batch.cli import main
from mwprop_batch.convert import convert
from mwprop_batch.sightlines import InvalidRowError


@pytest.fixture
def catalogue() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["a", "b", "c", "d"],
        "GL": [30.0, 200.0, np.nan, 10.0],
        "GB": [2.0, -5.0, 1.0, 95.0],
        "DM": [300.0, 40.0, 50.0, 20.0],
    })


def test_convert_keeps_every_row_and_column_in_order(catalogue, ne2001, ne2025):
    out = convert(catalogue, models="ne2001,ne2025")
    assert out.columns[:4].tolist() == catalogue.columns.tolist()
    pd.testing.assert_frame_equal(out[catalogue.columns], catalogue)
    assert out["status"].tolist() == ["ok", "ok", "no position", "|b| > 90 deg"]
    expected = ne2025.dm_to_dist([30.0, 200.0], [2.0, -5.0], [300.0, 40.0])["DIST"]
    np.testing.assert_array_equal(out["NE2025_DIST"].iloc[:2], expected)
    assert out["NE2001_DIST"].iloc[:2].notna().all() and out["NE2001_DIST"].iloc[2:].isna().all()


def test_accessor_and_strict(catalogue):
    out = catalogue.iloc[:2].mwprop.dm_to_dist("ne2025", scattering=True)
    assert {"NE2025_TAU", "NE2025_SM", "status"} <= set(out.columns)
    with pytest.raises(InvalidRowError, match="row 2: no position"):
        catalogue.mwprop.dm_to_dist(strict=True)
    back = out.rename(columns={"NE2025_DIST": "dist"})[["GL", "GB", "dist"]]
    dm = back.mwprop.dist_to_dm()["NE2025_DM"]
    np.testing.assert_allclose(dm, [300.0, 40.0], rtol=1e-6)


def test_positions_from_equatorial_and_ecliptic():
    frame = pd.DataFrame({"RAJ": ["17:45:40.04", None], "DECJ": ["-29:00:28.1", None],
                          "ELONG": [np.nan, 266.84], "ELAT": [np.nan, -5.61],
                          "DM": [1000.0, 1000.0]})
    out = convert(frame)
    assert out["status"].tolist() == ["ok", "ok"]
    assert out["NE2025_DIST"].notna().all()


def test_missing_column_lists_the_columns():
    with pytest.raises(ValueError, match="no DM .*columns: GL, GB, flux"):
        convert(pd.DataFrame({"GL": [1.0], "GB": [2.0], "flux": [3.0]}))


def run_cli(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "mwprop_batch.cli", *args],
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def test_cli_parquet_dataset_and_metadata(tmp_path, catalogue):
    folder = tmp_path / "set"
    folder.mkdir()
    catalogue.iloc[:2].to_parquet(folder / "part-0.parquet")
    catalogue.iloc[2:].to_parquet(folder / "part-1.parquet")
    out = tmp_path / "out.parquet"
    assert main(["convert", str(folder), str(out), "--model", "ne2001,ne2025", "--quiet"]) == 0
    table = pq.read_table(out)
    assert table.column("name").to_pylist() == ["a", "b", "c", "d"]
    field = table.schema.field("NE2025_DIST")
    assert field.metadata[b"unit"] == b"kpc"
    info = json.loads(table.schema.metadata[b"mwprop_batch"])
    assert info["models"] == ["ne2001", "ne2025"]
    assert main(["convert", str(folder), str(out), "--quiet"]) == 2  # exists, no --overwrite
    assert main(["convert", str(folder), str(out), "--quiet", "--overwrite", "--to", "dm",
                 "--dist-col", "DM"]) == 0


def test_cli_csv_with_junk_values(tmp_path):
    source = tmp_path / "frbs.csv"
    source.write_text("id,RA,DEC,DM_obs\n1,83.6,22.0,300\n2,junk,10,200\n3,10.0,-20.0,abc\n")
    out = tmp_path / "frbs.parquet"
    code = main(["convert", str(source), str(out), "--ra-col", "RA", "--dec-col", "DEC",
                 "--dm-col", "DM_obs", "--quiet"])
    assert code == 0
    frame = pd.read_parquet(out)
    assert frame["status"].tolist() == ["ok", "no position", "DM not finite"]
    assert frame["id"].tolist() == ["1", "2", "3"] or frame["id"].tolist() == [1, 2, 3]
    assert main(["convert", str(source), str(tmp_path / "x.parquet"), "--ra-col", "RA", "--dec-col",
                 "DEC", "--dm-col", "DM_obs", "--strict", "--quiet"]) == 2
    assert not (tmp_path / "x.parquet").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p.write_text(""), "Empty CSV file"),
        (lambda p: p.write_text("a,b\n1,2\n"), "no position columns"),
        (lambda p: p.write_bytes(b"\x00\x01garbage"), "cannot"),
        (None, "no such file"),
    ],
)
def test_cli_bad_inputs_fail_with_one_line(tmp_path, setup, message):
    source = tmp_path / "in.csv"
    if setup is not None:
        setup(source)
    out = tmp_path / "out.parquet"
    code, _, err = run_cli("convert", str(source), str(out))
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_output_not_writable(tmp_path, catalogue):
    source = tmp_path / "in.parquet"
    catalogue.to_parquet(source)
    code, _, err = run_cli("convert", str(source), str(tmp_path / "nowhere" / "out.parquet"))
    assert code == 2 and "does not exist" in err


def test_interrupted_run_leaves_no_output(tmp_path):
    rng = np.random.default_rng(0)
    n = 400_000
    pd.DataFrame({"GL": rng.uniform(0, 360, n), "GB": rng.uniform(-5, 5, n),
                  "DM": rng.uniform(100, 1500, n)}).to_parquet(tmp_path / "big.parquet")
    out = tmp_path / "out.parquet"
    process = subprocess.Popen(
        [sys.executable, "-m", "mwprop_batch.cli", "convert", str(tmp_path / "big.parquet"),
         str(out), "--batch-rows", "20000", "--model", "ne2001,ne2025"],
        stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not any(p.name.startswith(".out") for p in
                                             tmp_path.iterdir()):
        time.sleep(0.2)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    assert code == 130
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["big.parquet"]


def test_cli_los_table_and_json():
    code, text, _ = run_cli("los", "30", "2", "300", "1", "--scattering")
    assert code == 0 and " DIST " in text and "TAU" in text
    code, text, _ = run_cli("los", "30", "2", "5", "-1", "--json", "--model", "ne2001")
    values = json.loads(text)
    assert code == 0 and values["DIST"] == 5.0 and values["DM"] > 100


def test_demo_writes_parquet(tmp_path):
    code, text, _ = run_cli("demo", "--rows", "2000", "--out", str(tmp_path))
    assert code == 0 and "2000 rows" in text
    frame = pd.read_parquet(tmp_path / "synthetic_catalogue_distances.parquet")
    assert len(frame) == 2000 and (frame["status"] == "ok").all()
    assert frame["NE2025_DIST"].notna().all()


def test_real_atnf_catalogue_comes_through(tmp_path):
    source = SHARED_DATA / "psrcat-1.59.db"
    if not source.exists():
        pytest.skip("ATNF catalogue not in ../shared/data")
    out = tmp_path / "atnf.parquet"
    assert main(["convert", str(source), str(out), "--model", "ne2001", "--quiet"]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == 2659
    assert frame["PSRJ"].iloc[0] == "J0002+6216"
    with_dm = frame["DM"].notna()
    assert (frame.loc[with_dm, "status"] == "ok").all()
    ratio = np.abs(np.log(frame["NE2001_DIST"] / frame["DIST_DM1"])).dropna()
    assert np.median(ratio) < 0.005 and np.mean(ratio < 0.05) > 0.97
