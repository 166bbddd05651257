"""The FRB Milky Way DM budget: halo DM to the edge (sightlines/s) and convert --to dm_mw (rows/s).

    python -m pytest benchmarks/test_bench_halos.py --benchmark-only
    MWPROP_BATCH_BENCH_MILLION=1 python -m pytest benchmarks/test_bench_halos.py --benchmark-only

pygedm's ``calculate_halo_dm`` (one sightline per call) is measured when pygedm is importable
(the oracle environment of tools/make_halo_fixtures.py, which prints its per-call time too).
Each result records ``per_s`` in extra_info.
"""

import os

import numpy as np
import pandas as pd
import pytest
from workload import record_rate, sky

from mwprop_batch import Model
from mwprop_batch.convert import convert

MILLION = 1_000_000
FRB_ROWS = [600] + ([MILLION] if os.environ.get("MWPROP_BATCH_BENCH_MILLION") else [100_000])


@pytest.fixture(scope="module", params=["yt2020", "pz19", "halo50"])
def halo(request) -> Model:
    m = Model(request.param)
    m.dm_max(1.0, 1.0)  # compile and build the edge tables
    return m


def test_halo_dm_max_million(benchmark, halo):
    l_deg, b_deg, _, _ = sky(MILLION)
    benchmark.pedantic(lambda: halo.dm_max(l_deg, b_deg), rounds=3, iterations=1)
    record_rate(benchmark, MILLION)


def test_pygedm_halo_one_call_at_a_time(benchmark):
    pytest.importorskip("scipy.integrate").simps = __import__("scipy.integrate").integrate.simpson
    pygedm = pytest.importorskip("pygedm")
    l_deg, b_deg, _, _ = sky(20)
    benchmark.pedantic(lambda: [pygedm.calculate_halo_dm(lo, bo)
                                for lo, bo in zip(l_deg, b_deg, strict=True)],
                       rounds=1, iterations=1)
    record_rate(benchmark, 20)


@pytest.mark.parametrize("rows", FRB_ROWS)
def test_convert_dm_mw_frb_population(benchmark, rows):
    """Three ISM models plus the YT2020 halo, DM_MW, excess and spread for an FRB catalogue."""
    rng = np.random.default_rng(31)
    frame = pd.DataFrame({"ra": rng.uniform(0, 360, rows),
                          "dec": np.degrees(np.arcsin(rng.uniform(-0.5, 1, rows))),
                          "DM": 10 ** rng.uniform(2, 3.5, rows)})
    models = "ne2001+yt2020,ne2025+yt2020,ymw16+yt2020"
    convert(frame.head(10), models, "dm_mw")  # start-up: compile, tables
    benchmark.pedantic(lambda: convert(frame, models, "dm_mw"), rounds=1, iterations=1)
    record_rate(benchmark, rows)
