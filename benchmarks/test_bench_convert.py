"""Catalogue conversion: end-to-end speed and peak memory against the engine alone.

    .venv/bin/pytest benchmarks/test_bench_convert.py -s [--benchmark-json out.json]

``MWPROP_BENCH_ROWS`` sets the catalogue size (default 1,000,000 rows; about three minutes
per benchmark on 2 cores). The catalogue is the demo's exponential disk of pulsars with
DM = 30 pc cm^-3 per kpc of distance times a lognormal scatter (no model call needed to make
it). End to end is ``mwprop-batch convert`` in a fresh process, Parquet in and out, NE2025,
distance from DM: it includes interpreter start-up, loading numba's cache, reading, column
detection, writing and the fsync; the engine alone is ``Model.dm_to_dist`` on the same rows
already in memory. The subprocess reports its peak resident memory (VmHWM).
"""

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from workload import run_cli, write_catalogue

from mwprop_batch import Model
from mwprop_batch.demo import galactic_disk, heliocentric

ROWS = int(os.environ.get("MWPROP_BENCH_ROWS", "1000000"))
MAX_PEAK_RSS_MB = 1500.0


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Path:
    rng = np.random.default_rng(42)
    l_deg, b_deg, dist = heliocentric(galactic_disk(ROWS, rng))
    dm = 30.0 * dist * 10.0 ** rng.normal(0.0, 0.2, ROWS)
    return write_catalogue(tmp_path_factory.mktemp("bench") / "catalogue.parquet",
                           l_deg, b_deg, dm)


def test_end_to_end(benchmark, catalogue):
    target = catalogue.with_name("converted.parquet")
    command = ("convert", str(catalogue), str(target), "--model", "ne2025", "--quiet",
               "--overwrite")
    seconds, peak_mb = benchmark.pedantic(run_cli, command, rounds=1, iterations=1)
    rate = ROWS / seconds
    benchmark.extra_info.update(rows=ROWS, rows_per_s=rate, peak_rss_mb=peak_mb)
    print(f"\nend to end: {ROWS:,} rows, {rate:,.0f} rows/s, peak RSS {peak_mb:,.0f} MB")
    assert pq.ParquetFile(target).metadata.num_rows == ROWS
    assert peak_mb < MAX_PEAK_RSS_MB


def test_engine_in_memory(benchmark, catalogue):
    table = pq.read_table(catalogue, columns=["GL", "GB", "DM"])
    l_deg, b_deg, dm = (table.column(n).to_numpy() for n in ("GL", "GB", "DM"))
    model = Model("ne2025")
    model.dm_to_dist(l_deg[:100], b_deg[:100], dm[:100])  # tables built, numba cache loaded

    def engine() -> tuple[pd.DataFrame, float]:
        start = time.perf_counter()
        return model.dm_to_dist(l_deg, b_deg, dm), time.perf_counter() - start

    result, seconds = benchmark.pedantic(engine, rounds=1, iterations=1)
    rate = ROWS / seconds
    benchmark.extra_info.update(rows=ROWS, rows_per_s=rate)
    print(f"\nengine in memory: {ROWS:,} rows, {rate:,.0f} rows/s")
    assert len(result) == ROWS
