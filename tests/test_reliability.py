"""Reliability: hostile catalogues and interrupted runs, end to end through ``mwprop-batch``.

Run alone with ``pytest -m reliability``. Each accepted file must come out with one row per
input row, in order, every input column with its type, values, nulls and metadata; each
refusal is one line on stderr, exit 2, and leaves no output and no temporary file; each
signal (SIGINT, SIGTERM, SIGHUP) mid-run on a million rows leaves nothing either.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import default_interrupt_signals

from mwprop_batch import Model
from mwprop_batch.cli import main
from mwprop_batch.coords import equatorial_to_galactic
from mwprop_batch.core.parallel import interrupts_kept, run_parallel_kernel
from mwprop_batch.core.publish import Interrupted

pytestmark = pytest.mark.reliability

REAL_PSRCAT = Path(__file__).resolve().parents[1] / "data" / "psrcat-1.59.db"


def convert(capsys, *argv) -> tuple[int, str]:
    code = main(["convert", *map(str, argv), "--quiet"])
    return code, capsys.readouterr().err


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name not in keep)


def same_bits(a: pa.ChunkedArray, b: pa.ChunkedArray) -> bool:
    a, b = a.combine_chunks(), b.combine_chunks()
    if a.type != b.type or not a.is_null().equals(b.is_null()):
        return False
    if pa.types.is_floating(a.type):
        bits = [x.fill_null(0.0).to_numpy(zero_copy_only=False).view(np.uint64) for x in (a, b)]
        return bool(np.array_equal(*bits))
    return a.equals(b)


def assert_passed_through(expected: pa.Table, out: pa.Table) -> None:
    """Every column of ``expected`` is in ``out``, first and in order, exactly."""
    assert out.num_rows == expected.num_rows
    assert out.column_names[: expected.num_columns] == expected.column_names
    for field in expected.schema:
        assert out.schema.field(field.name).equals(field, check_metadata=True), field.name
        assert same_bits(out.column(field.name), expected.column(field.name)), field.name
    for key, value in (expected.schema.metadata or {}).items():
        assert out.schema.metadata[key] == value


# --- accepted hostile files --------------------------------------------------------------------


def test_dataset_with_a_late_column_extension_types_and_survey_metadata(capsys, tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    tables = []
    for k in range(3):
        frame = pd.DataFrame({
            "GL": np.linspace(0, 350, 50) + k, "GB": np.linspace(-5, 5, 50),
            "DM": np.linspace(5, 800, 50),
            "flag": pd.array([None if i % 7 == 0 else i for i in range(50)], dtype="Int64"),
            "when": pd.date_range("2024-01-01", periods=50, freq="min", tz="UTC"),
        })
        if k == 2:
            frame["late"] = pd.array([f"s{i}" if i % 3 else None for i in range(50)],
                                     dtype="string")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**table.schema.metadata, b"survey": b"X"})
        pq.write_table(table, folder / f"part-{k}.parquet", row_group_size=20)
        tables.append(table)
    target = tmp_path / "out.parquet"
    code, err = convert(capsys, folder, target, "--batch-rows", "33")
    assert code == 0, err
    out = pq.read_table(target)
    # the files in name order, the union of their columns, nulls where a file lacks one
    expected = pa.concat_tables(tables, promote_options="default")
    assert_passed_through(expected, out)
    assert out.column("late").to_pylist()[:100] == [None] * 100
    back = pd.read_parquet(target)
    assert back["flag"].dtype == "Int64" and back["flag"].isna().sum() == 3 * 8
    assert leftovers(tmp_path, {"ds", "out.parquet"} | {f"part-{k}.parquet" for k in range(3)}) \
        == []


def test_csv_of_every_awkward_kind(capsys, tmp_path):
    source = tmp_path / "hostile.csv"
    source.write_bytes(
        b"name,id,GL,GB,DM,big,note\r\n"
        b"a,00123,30, 1 ,100,9007199254740993,\"comma, inside\"\r\n"
        b"b,00124,45,-2,11.4x1,9007199254740995,\"line\nbreak\"\r\n"
        b"c,00125,60,0.5,,1,NA\r\n"
        b"d,00126,75,2,inf,2,\r\n"
    )
    target = tmp_path / "out.parquet"
    code, err = convert(capsys, source, target)
    assert code == 0, err
    out = pq.read_table(target)
    assert out.column("name").to_pylist() == ["a", "b", "c", "d"]
    assert out.column("id").to_pylist() == ["00123", "00124", "00125", "00126"]
    assert out.column("big").to_pylist() == [9007199254740993, 9007199254740995, 1, 2]
    assert out.column("note").to_pylist() == ["comma, inside", "line\nbreak", "NA", ""]
    assert out.column("DM").to_pylist() == ["100", "11.4x1", "", "inf"]
    assert out.column("status").to_pylist() == [
        "ok", "DM unparseable: '11.4x1'", "DM missing", "DM infinite: inf",
    ]


def test_psrcat_with_a_bad_dm_and_an_hours_ra(capsys, tmp_path):
    lines = REAL_PSRCAT.read_text().splitlines(keepends=True)
    ends = [k for k, line in enumerate(lines) if line.startswith("@")]
    text = "".join(lines[: ends[2] + 1])
    clean, broken = tmp_path / "clean.db", tmp_path / "broken.db"
    clean.write_text(text)
    broken.write_text(text.replace("DM       11.41", "DM       11.4x1", 1)
                      + "PSRJ J1200+0000\nRAJ 12\nDECJ +00\nDM 10\n@\n")
    for path in (clean, broken):
        code, err = convert(capsys, path, path.with_suffix(".parquet"))
        assert code == 0, err
    a, b = pq.read_table(clean.with_suffix(".parquet")), pq.read_table(broken.with_suffix(
        ".parquet"))
    assert a.schema.types == b.schema.types and a.schema.names == b.schema.names
    assert b.column("status").to_pylist()[1] == "DM unparseable: '11.4x1'"
    # RAJ '12' is 12 h = 180 deg, as parse_ra and psrcat read it: l, b of (180, 0)
    row = pd.read_parquet(broken.with_suffix(".parquet")).iloc[-1]
    assert row["status"] == "ok" and row["RAJ"] == "12"
    l_deg, b_deg = equatorial_to_galactic(180.0, 0.0)
    expected = Model("ne2025").dm_to_dist(l_deg, b_deg, 10.0)["DIST"][0]
    assert row["NE2025_DIST"] == pytest.approx(expected, rel=1e-12)


# --- refusals ------------------------------------------------------------------------------


def _write_refused_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (extra arguments, words in the error) of each refused conversion."""
    cases: dict[str, tuple[list[str], str]] = {}
    base = pd.DataFrame({"GL": [10.0, 20.0], "GB": [1.0, 2.0], "DM": [10.0, 20.0]})
    ds = tmp_path / "conflict"
    ds.mkdir()
    pq.write_table(pa.Table.from_pandas(base, preserve_index=False), ds / "a.parquet")
    pq.write_table(pa.Table.from_pandas(base.astype({"DM": str}), preserve_index=False),
                   ds / "b.parquet")
    cases["conflict"] = ([str(ds), str(tmp_path / "o1.parquet")], "b.parquet: column 'DM'")
    (tmp_path / "dup.csv").write_text("GL,GB,DM,DM\n1,2,3,4\n")
    cases["dup.csv"] = ([str(tmp_path / "dup.csv"), str(tmp_path / "o2.parquet")], "twice")
    (tmp_path / "blank.csv").write_text("GL,,DM\n1,2,3\n")
    cases["blank.csv"] = ([str(tmp_path / "blank.csv"), str(tmp_path / "o3.parquet")],
                          "empty column name")
    (tmp_path / "empty.csv").write_text("")
    cases["empty.csv"] = ([str(tmp_path / "empty.csv"), str(tmp_path / "o4.parquet")],
                          "empty.csv")
    for name, values, kind in (("time.parquet", pd.date_range("2020", periods=2), "timestamp"),
                               ("bool.parquet", [True, False], "bool"),
                               ("span.parquet", pd.to_timedelta([1, 2], unit="s"), "duration")):
        base.assign(DM=values).to_parquet(tmp_path / name, index=False)
        cases[name] = ([str(tmp_path / name), str(tmp_path / f"o-{name}")], kind)
    good = tmp_path / "good.parquet"
    base.to_parquet(good, index=False)
    fifo = tmp_path / "fifo.parquet"
    os.mkfifo(fifo)
    cases["fifo"] = ([str(good), str(fifo), "--overwrite"], "FIFO")
    dangling = tmp_path / "dangling.parquet"
    dangling.symlink_to(tmp_path / "elsewhere.parquet")
    cases["dangling"] = ([str(good), str(dangling), "--overwrite"], "symbolic link")
    cases["device"] = ([str(good), "/dev/null", "--overwrite"], "character device")
    inside = tmp_path / "inside"
    inside.mkdir()
    base.to_parquet(inside / "a.parquet", index=False)
    cases["inside"] = ([str(inside), str(inside / "out.parquet")], "inside the input dataset")
    cases["freq"] = ([str(good), str(tmp_path / "o6.parquet"), "--scattering", "--freq-ghz",
                      "-1"], "--freq-ghz")
    return cases


def test_every_refusal_is_one_line_and_touches_nothing(capsys, tmp_path):
    cases = _write_refused_inputs(tmp_path)
    before = {p: (p.lstat().st_mode, p.lstat().st_size, p.lstat().st_mtime_ns)
              for p in tmp_path.rglob("*")}
    for name, (argv, words) in cases.items():
        try:
            code, err = convert(capsys, *argv)
        except SystemExit as exit_:  # argparse
            code, err = exit_.code, capsys.readouterr().err
        assert code == 2, name
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (name, err)
        assert words in err, (name, err)
    after = {p: (p.lstat().st_mode, p.lstat().st_size, p.lstat().st_mtime_ns)
             for p in tmp_path.rglob("*")}
    assert after == before  # no output, no temporary file, nothing replaced


# --- signals mid-run on a million rows ------------------------------------------------------


@pytest.fixture(scope="module")
def million(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    n = 1_000_000
    path = tmp_path_factory.mktemp("million") / "million.parquet"
    pq.write_table(pa.table({"id": np.arange(n), "GL": rng.uniform(0, 360, n),
                             "GB": rng.uniform(-5, 5, n), "DM": rng.uniform(100, 1000, n)}),
                   path)
    return path


def wait_for_row_groups(folder: Path, process: subprocess.Popen, size: int = 100_000) -> None:
    """Wait until the run's temporary file holds some row groups (it is well under way)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        temps = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        if temps and temps[0].stat().st_size > size:
            return
        time.sleep(0.05)
    raise AssertionError("the run never wrote row groups")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_run_leaves_nothing(million, tmp_path, signum):
    target = tmp_path / "out.parquet"
    process = subprocess.Popen(
        [sys.executable, "-m", "mwprop_batch.cli", "convert", str(million), str(target),
         "--batch-rows", "5000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_interrupt_signals,
    )
    try:
        wait_for_row_groups(tmp_path, process)
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 128 + signum, err
    assert f"interrupted ({signal.Signals(signum).name})" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_killed_runs_temp_file_is_removed_by_the_next_run(million, tmp_path):
    target = tmp_path / "out.parquet"
    process = subprocess.Popen(
        [sys.executable, "-m", "mwprop_batch.cli", "convert", str(million), str(target),
         "--batch-rows", "5000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_row_groups(tmp_path, process)
    finally:
        process.kill()
        process.wait()
    (leftover,) = list(tmp_path.iterdir())
    assert str(process.pid) in leftover.name and not target.exists()
    small = tmp_path.parent / "small.parquet"
    pq.write_table(pq.read_table(million).slice(0, 1000), small)
    assert main(["convert", str(small), str(target), "--quiet"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]
    assert pq.read_table(target).num_rows == 1000


def _kernel_interrupted_as_it_returns(x, P):
    """A batch kernel that fails as numba's does when a signal handler raises while the
    kernel's result is boxed (numba calls back into Python there)."""
    if x.shape[0]:
        try:
            raise Interrupted(signal.SIGTERM)
        except KeyboardInterrupt as interrupt:
            raise SystemError("CPUDispatcher returned a result with an exception set") \
                from interrupt
    return x


_kernel_interrupted_as_it_returns.py_func = _kernel_interrupted_as_it_returns  # as numba's


def test_a_signal_while_a_kernel_returns_comes_out_as_the_interrupt():
    """SIGTERM mid-run sometimes ended `convert` with a SystemError traceback and exit 1
    instead of 'interrupted (SIGTERM); nothing written' and 143: the signal's exception was
    raised inside numba's boxing of a kernel's result, which wrapped it."""
    with pytest.raises(Interrupted) as caught:
        run_parallel_kernel(_kernel_interrupted_as_it_returns, np.ones(100), 0.0)
    assert caught.value.signum == signal.SIGTERM
    with pytest.raises(SystemError):  # any other SystemError is left alone
        with interrupts_kept():
            raise SystemError("not an interrupt")
