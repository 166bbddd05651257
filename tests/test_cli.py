"""The command line: convert, los, demo; errors, --strict, --overwrite, interrupts."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mwprop_batch import __version__
from mwprop_batch.cli import main
from mwprop_batch.demo import CATALOGUE_NAME, CONVERTED_NAME, synthetic_catalogue


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


@pytest.fixture
def parquet_input(tmp_path):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"NAME": [f"P{i}" for i in range(50)], "GL": rng.uniform(0, 360, 50),
         "GB": rng.uniform(-10, 10, 50), "DM": rng.uniform(10, 300, 50)}
    )
    frame.loc[4, "DM"] = np.nan
    path = tmp_path / "cat.parquet"
    frame.to_parquet(path, index=False)
    return path


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and __version__ in capsys.readouterr().out
    code, out, _ = run(capsys)
    assert code == 0 and "convert" in out and "examples:" in out
    for command in ("convert", "los", "demo"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0 and "examples:" in capsys.readouterr().out


def test_convert_writes_output_and_one_line_summary(capsys, parquet_input, tmp_path):
    target = tmp_path / "out.parquet"
    code, out, err = run(capsys, "convert", parquet_input, target, "--model", "ne2001,ne2025")
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    assert len(out.strip().splitlines()) == 1
    assert "50 rows" in out and "rows/s" in out and "lower limit): NE2001" in out
    assert "bad rows: 1 (DM missing: 1)" in out
    table = pq.read_table(target)
    assert table.num_rows == 50 and table.column_names[:4] == ["NAME", "GL", "GB", "DM"]
    assert "NE2001_DIST" in table.column_names and "NE2025_DIST" in table.column_names
    meta = json.loads(table.schema.metadata[b"mwprop_batch"])
    assert meta["command"].startswith("mwprop-batch convert ")
    code, out, _ = run(capsys, "convert", parquet_input, tmp_path / "q.parquet", "--quiet")
    assert code == 0 and out == ""


def test_existing_output_needs_overwrite(capsys, parquet_input, tmp_path):
    target = tmp_path / "out.parquet"
    target.write_text("keep me")
    code, _, err = run(capsys, "convert", parquet_input, target)
    assert_one_line_error(code, err, "exists", "--overwrite")
    assert target.read_text() == "keep me"
    code, _, _ = run(capsys, "convert", parquet_input, target, "--overwrite", "--quiet")
    assert code == 0 and pq.read_table(target).num_rows == 50


def test_missing_column_lists_the_columns(capsys, parquet_input, tmp_path):
    code, _, err = run(capsys, "convert", parquet_input, tmp_path / "o.parquet", "--to", "dm")
    assert_one_line_error(code, err, "no distance column", "columns: NAME, GL, GB, DM")
    code, _, err = run(capsys, "convert", parquet_input, tmp_path / "o.parquet", "--dm-col", "X")
    assert_one_line_error(code, err, "'X' (--dm-col) not found")
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("corrupt.parquet", b"garbage", "cannot read"), ("empty.csv", b"", "cannot read"),
     ("bad.db", b"this is not\na psrcat file\n", "not a psrcat database")],
)
def test_bad_inputs(capsys, tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    code, _, err = run(capsys, "convert", source, tmp_path / "out.parquet")
    assert_one_line_error(code, err, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_missing_input_and_unwritable_output(capsys, parquet_input, tmp_path):
    code, _, err = run(capsys, "convert", tmp_path / "nope.csv", tmp_path / "out.parquet")
    assert_one_line_error(code, err, "no such file")
    code, _, err = run(capsys, "convert", parquet_input, tmp_path / "no_dir" / "out.parquet")
    assert_one_line_error(code, err, "does not exist")
    code, _, err = run(capsys, "convert", parquet_input, tmp_path)
    assert_one_line_error(code, err, "is a directory")


def test_strict_stops_at_the_first_bad_row(capsys, parquet_input, tmp_path):
    target = tmp_path / "out.parquet"
    code, _, err = run(capsys, "convert", parquet_input, target, "--strict")
    assert_one_line_error(code, err, "row 4", "DM missing")
    assert not target.exists() and not list(tmp_path.glob("*.tmp")) + list(tmp_path.glob(".*"))


def test_usage_errors_exit_2(capsys, parquet_input, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["convert", str(parquet_input), str(tmp_path / "o.parquet"), "--model", "ne2099"])
    assert exit_.value.code == 2 and "unknown model ne2099" in capsys.readouterr().err


def test_csv_with_format_override_and_named_columns(capsys, tmp_path):
    source = tmp_path / "frbs.txt"
    source.write_text("id,RA_deg,DEC_deg,DM_MW\n1,83.63,22.01,100\n2,266.4,-28.9,500\n")
    target = tmp_path / "out.parquet"
    code, out, err = run(capsys, "convert", source, target, "--format", "csv", "--ra-col",
                         "RA_deg", "--dec-col", "DEC_deg", "--dm-col", "DM_MW")
    assert code == 0, err
    frame = pd.read_parquet(target)
    assert frame["id"].tolist() == [1, 2] and (frame["status"] == "ok").all()


def test_los_table_json_and_bad_sightline(capsys):
    code, out, _ = run(capsys, "los", 45, 2, 100, 1, "--scattering")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "#NE2025 input: 4 parameters"
    assert lines[5] == "#NE2025 output: 17 values"
    dist = next(line for line in lines if "DIST " in line)
    assert dist.split()[1:3] == ["DIST", "(kpc)"]
    code, out, _ = run(capsys, "los", 45, 2, 5, -1, "--model", "ne2001", "--json")
    result = json.loads(out)
    assert result["model"] == "ne2001" and result["input"]["dist_kpc"] == 5.0
    assert result["output"]["DIST"]["value"] == 5.0 and result["output"]["DM"]["unit"] == "pc cm^-3"
    code, out, _ = run(capsys, "los", 45, 2, 1e5, 1)
    assert next(line for line in out.splitlines() if "DIST " in line).startswith(">")
    code, _, err = run(capsys, "los", 45, 95, 100, 1)
    assert_one_line_error(code, err, "|b| > 90")


def test_demo(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--rows", 300, "--out", tmp_path / "demo", "--seed", 3)
    assert code == 0 and "300 rows" in out and "lower limit): NE2001" in out
    converted = pd.read_parquet(tmp_path / "demo" / CONVERTED_NAME)
    pd.testing.assert_frame_equal(
        converted[["NAME", "GL", "GB", "DIST_TRUE", "DM"]], synthetic_catalogue(300, 3)
    )
    assert (tmp_path / "demo" / CATALOGUE_NAME).exists()


def test_synthetic_catalogue_is_seeded_and_galactic():
    first, again, other = synthetic_catalogue(2000, 1), synthetic_catalogue(2000, 1), \
        synthetic_catalogue(2000, 2)
    pd.testing.assert_frame_equal(first, again)
    assert not first["GL"].equals(other["GL"])
    assert first["GL"].between(0, 360).all() and first["GB"].abs().le(90).all()
    assert (first["DM"] > 0).all() and (first["DIST_TRUE"] > 0).all()
    # a disk seen from inside: most pulsars at low latitude, toward the inner Galaxy
    assert first["GB"].abs().median() < 5.0
    assert (np.cos(np.radians(first["GL"])) > 0).mean() > 0.6


# --- issue 12: one-line errors everywhere -----------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [("--freq-ghz", "0"), ("--freq-ghz", "-1"), ("--freq-ghz", "nan"),
     ("--velocity-kms", "-100"), ("--velocity-kms", "inf"), ("--batch-rows", "many")],
)
def test_bad_option_values_are_one_line(capsys, parquet_input, tmp_path, option, value):
    with pytest.raises(SystemExit) as exit_:
        main(["convert", str(parquet_input), str(tmp_path / "o.parquet"), "--scattering",
              option, value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert option in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.parquet"]


BLOCK_AND_RUN = """import sys
for name in {blocked!r}:
    sys.modules[name] = None  # as if the extra were not installed
from mwprop_batch.cli import main
sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize(
    ("blocked", "argv", "pip"),
    [
        (["matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"],
         ["faceon", "{out}/f.png"], "pip install 'matplotlib>=3.8'"),
        (["astropy_healpix"], ["skymap", "{out}/s.png", "--nside", "2"],
         "pip install 'astropy-healpix>=1.0'"),
        (["dask", "dask.dataframe", "distributed"],
         ["convert", "{src}", "{out}/o", "--scheduler", "local"],
         "pip install 'dask[distributed]>=2024.1'"),
    ],
)
def test_missing_extras_are_one_line_with_a_pip_command(parquet_input, tmp_path, blocked, argv,
                                                        pip):
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.format(out=out, src=parquet_input) for a in argv]
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_AND_RUN.format(blocked=blocked, argv=argv)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("mwprop-batch: "
                                                                                "compiling")]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert pip in lines[0] and "which is not installed" in lines[0]
    assert list(out.iterdir()) == []


def test_debug_shows_the_traceback(parquet_input, tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        main(["--debug", "convert", str(tmp_path / "nope.csv"), str(tmp_path / "o.parquet")])


def test_overwrite_never_replaces_a_fifo_or_a_symlink(capsys, parquet_input, tmp_path):
    fifo = tmp_path / "fifo.parquet"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "convert", parquet_input, fifo, "--overwrite")
    assert_one_line_error(code, err, "FIFO")
    assert fifo.is_fifo()
    dangling = tmp_path / "dangling.parquet"
    dangling.symlink_to(tmp_path / "elsewhere.parquet")
    code, _, err = run(capsys, "convert", parquet_input, dangling)
    assert_one_line_error(code, err, "symbolic link")
    assert dangling.is_symlink() and not (tmp_path / "elsewhere.parquet").exists()


def test_output_inside_the_input_dataset_is_refused(capsys, tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pd.DataFrame({"GL": [1.0, 2.0], "GB": [0.5, 0.5], "DM": [10.0, 20.0]}).to_parquet(
        folder / "a.parquet", index=False)
    code, _, err = run(capsys, "convert", folder, folder / "out.parquet")
    assert_one_line_error(code, err, "inside the input dataset")
    assert [p.name for p in folder.iterdir()] == ["a.parquet"]


def test_csv_from_standard_input(tmp_path):
    target = tmp_path / "out.parquet"
    text = "GL,GB,DM\n30,1,100\n45,-2,50\n"
    done = subprocess.run(
        [sys.executable, "-m", "mwprop_batch.cli", "convert", "-", str(target), "--quiet"],
        input=text, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = pq.read_table(target)
    assert out.column("DM").to_pylist() == [100, 50]
    assert out.column("status").to_pylist() == ["ok", "ok"]
