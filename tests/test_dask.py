"""Scale-out on Dask: a real LocalCluster of worker processes gives the single-process answer."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from helpers import default_interrupt_signals  # noqa: E402

from mwprop_batch.cli import main  # noqa: E402
from mwprop_batch.convert import convert  # noqa: E402
from mwprop_batch.dask import convert as dask_convert  # noqa: E402


def catalogue(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"id": np.arange(n), "GL": rng.uniform(0, 360, n),
                          "GB": rng.uniform(-10, 10, n), "DM": rng.uniform(5, 900, n)})
    frame.loc[::97, "DM"] = -1.0  # some bad rows
    return frame


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_same_answer_as_one_process(client, partitions):
    frame = catalogue(3000, 1)
    single = convert(frame, models="ne2001,ne2025", scattering=True)
    ddf = dd.from_pandas(frame, npartitions=partitions)
    out = dask_convert(ddf, models="ne2001,ne2025", scattering=True).compute()
    pd.testing.assert_frame_equal(out.reset_index(drop=True), single)


def test_dataset_directory_through_the_cli(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    parts = [catalogue(700, seed) for seed in range(3)]
    for k, part in enumerate(parts):
        part.to_parquet(source / f"part-{k}.parquet", index=False)
    out = tmp_path / "out"
    code = main(["convert", str(source), str(out), "--scheduler", "local", "--workers", "2",
                 "--model", "ne2025", "--quiet"])
    assert code == 0
    result = pd.read_parquet(out).reset_index(drop=True)
    expected = convert(pd.concat(parts, ignore_index=True), models="ne2025")
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)
    assert main(["convert", str(source), str(out), "--scheduler", "local", "--quiet"]) == 2


def test_a_killed_worker_does_not_lose_or_repeat_rows(client):
    frame = catalogue(24_000, 7)
    ddf = dd.from_pandas(frame, npartitions=12)
    out = client.persist(dask_convert(ddf, models="ne2001,ne2025"))
    futures = distributed.futures_of(out)
    deadline = time.monotonic() + 300
    busy: dict = {}
    # kill a worker once some partitions are done and it is computing another one
    while time.monotonic() < deadline:
        done = sum(f.done() for f in futures)
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if 0 < done < len(futures) - 2 and busy:
            break
        time.sleep(0.01)
    victim = next(iter(busy))
    pid = client.run(os.getpid, workers=[victim])[victim]
    pending_at_kill = sum(not f.done() for f in futures)
    os.kill(pid, signal.SIGKILL)
    result = out.compute()
    assert pending_at_kill > 0
    # the scheduler saw the worker die while it was computing: those tasks were rerun
    rerun = client.run_on_scheduler(
        lambda dask_scheduler: [str(k) for k, t in dask_scheduler.tasks.items() if t.suspicious]
    )
    assert rerun, "no task was running on the killed worker"
    assert sorted(result["id"]) == list(range(len(frame)))
    expected = convert(frame, models="ne2001,ne2025")
    pd.testing.assert_frame_equal(result.sort_values("id").reset_index(drop=True), expected)


def test_dataset_output_equals_the_single_process_output(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    for k in range(3):
        part = catalogue(400, k)
        part["when"] = pd.date_range("2021-01-01", periods=400, freq="h", tz="UTC")
        part["flag"] = pd.array([None if i % 5 else i for i in range(400)], dtype="Int64")
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), source / f"p{k}.parquet",
                       row_group_size=150)
    single, on_dask = tmp_path / "single.parquet", tmp_path / "dask"
    assert main(["convert", str(source), str(single), "--model", "ne2001,ne2025",
                 "--scattering", "--quiet"]) == 0
    assert main(["convert", str(source), str(on_dask), "--model", "ne2001,ne2025",
                 "--scattering", "--scheduler", "local", "--workers", "2", "--quiet"]) == 0
    expected = pq.read_table(single)
    parts = sorted(on_dask.iterdir())
    assert [p.name for p in parts] == [f"part.{k:06d}.parquet" for k in range(9)]
    for part in parts:
        schema = pq.read_schema(part)
        assert schema.names == expected.schema.names and schema.types == expected.schema.types
        assert [f.metadata for f in schema] == [f.metadata for f in expected.schema]
        assert schema.field("status").type == pa.string()
        assert same_metadata(schema.metadata, expected.schema.metadata)
    got = pa.concat_tables([pq.read_table(p) for p in parts])
    for name in expected.column_names:
        assert same_bits(got.column(name), expected.column(name)), name
    # a second run replaces only a dataset this tool wrote
    assert main(["convert", str(source), str(on_dask), "--scheduler", "local", "--quiet",
                 "--overwrite"]) == 0
    (on_dask / "notes.txt").write_text("mine")
    assert main(["convert", str(source), str(on_dask), "--scheduler", "local", "--quiet",
                 "--overwrite"]) == 2
    assert (on_dask / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask", "in", "single.parquet"]


def same_bits(a: pa.ChunkedArray, b: pa.ChunkedArray) -> bool:
    """Equal nulls and equal values, float columns compared bit for bit (NaN included)."""
    a, b = a.combine_chunks(), b.combine_chunks()
    if a.type != b.type or not a.is_null().equals(b.is_null()):
        return False
    if pa.types.is_floating(a.type):
        bits = [x.fill_null(0.0).to_numpy().view(np.uint64) for x in (a, b)]
        return bool(np.array_equal(*bits))
    return a.equals(b)


def same_metadata(ours: dict, theirs: dict) -> bool:
    """File metadata equal but for when and how the run was started."""
    ours, theirs = dict(ours), dict(theirs)
    a, b = json.loads(ours.pop(b"mwprop_batch")), json.loads(theirs.pop(b"mwprop_batch"))
    for key in ("created", "command"):
        a.pop(key), b.pop(key)
    return ours == theirs and a == b


@pytest.mark.reliability
def test_ctrl_c_on_a_dask_run_is_one_line_and_leaves_nothing(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    for k in range(4):
        catalogue(60_000, k).to_parquet(source / f"p{k}.parquet", index=False,
                                        row_group_size=10_000)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "mwprop_batch.cli", "convert", str(source), str(out),
         "--scheduler", "local", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=default_interrupt_signals,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            staging = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            if staging and any(staging[0].iterdir()):  # some parts written, more to come
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 128 + signal.SIGINT
    # on a cold numba cache the CLI first says it is compiling: that line may come before
    lines = [line for line in err.strip().splitlines()
             if not line.startswith("mwprop-batch: compil")]
    assert lines == ["mwprop-batch: interrupted (SIGINT); nothing written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_dm_mw_on_dask_is_the_single_process_answer(client):
    """--to dm_mw (ISM + halo sums, a spread) on Dask partitions equals one process's."""
    frame = catalogue(600, 5)
    models = "ne2001+yt2020,ymw16+yt2020,halo50"
    single = convert(frame, models=models, to="dm_mw")
    assert {"NE2001+YT2020_DM_MW", "YMW16+YT2020_DM_EXCESS", "DM_MW_SPREAD"} <= set(single)
    out = dask_convert(dd.from_pandas(frame, npartitions=4), models=models, to="dm_mw")
    pd.testing.assert_frame_equal(out.compute().reset_index(drop=True), single)
