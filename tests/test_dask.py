"""Scale-out on Dask: a real LocalCluster of worker processes gives the single-process answer."""

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

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
    ddf = dd.from_pandas(frame, npartitions=24)
    future = client.compute(dask_convert(ddf, models="ne2001,ne2025"))
    time.sleep(1.5)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    out = future.result(timeout=300)
    assert sorted(out["id"]) == list(range(len(frame)))
    expected = convert(frame, models="ne2001,ne2025")
    pd.testing.assert_frame_equal(out.sort_values("id").reset_index(drop=True), expected)
