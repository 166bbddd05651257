"""Dask scale-out: rows/s on 1 and 2 worker processes vs one process at the same core count.

    python -m pytest benchmarks/test_bench_dask.py --benchmark-only
"""

import numba
import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from workload import record_rate  # noqa: E402

from mwprop_batch.convert import convert  # noqa: E402
from mwprop_batch.dask import convert as dask_convert  # noqa: E402

ROWS = 100_000


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"GL": rng.uniform(0, 360, ROWS),
                         "GB": np.degrees(np.arcsin(rng.uniform(-1, 1, ROWS))),
                         "DM": 10 ** rng.uniform(0.5, 3.0, ROWS)})


@pytest.mark.parametrize("threads", [1, 2])
def test_single_process(benchmark, catalogue, threads):
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        convert(catalogue.iloc[:10])
        benchmark.pedantic(convert, args=(catalogue,), rounds=3, iterations=1)
    finally:
        numba.set_num_threads(previous)
    record_rate(benchmark, ROWS, "rows_per_s")


@pytest.mark.parametrize("workers", [1, 2])
def test_dask_local_cluster(benchmark, catalogue, workers):
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.run(lambda: numba.set_num_threads(1))
        ddf = dd.from_pandas(catalogue, npartitions=16)
        dask_convert(ddf.partitions[:workers]).compute()  # build the models on every worker
        benchmark.pedantic(lambda: dask_convert(ddf).compute(), rounds=3, iterations=1)
    record_rate(benchmark, ROWS, "rows_per_s")
