"""Engine throughput: density points/s and sightlines/s for each model (NE2001, NE2025, YMW16).

    python -m pytest benchmarks/test_bench_kernels.py --benchmark-only
    MWPROP_BATCH_BENCH_MILLION=1 python -m pytest benchmarks ...   # adds 1e6 sightlines

Each result records ``per_s`` (points or sightlines per second) in extra_info.
"""

import os

import pytest
from workload import points, record_rate, sky

from mwprop_batch import Model

SIZES = [1_000, 10_000, 100_000] + ([1_000_000] if os.environ.get(
    "MWPROP_BATCH_BENCH_MILLION") else [])


@pytest.fixture(scope="module", params=["ne2001", "ne2025", "ymw16"])
def model(request) -> Model:
    m = Model(request.param)
    m.dm_to_dist(1.0, 1.0, 10.0)
    m.dist_to_dm(1.0, 1.0, 1.0)
    m.density(0.0, 8.5, 0.0)
    return m


def run(benchmark, func, n: int, rounds: int = 3):
    benchmark.pedantic(func, rounds=rounds, iterations=1)
    record_rate(benchmark, n)


def test_density_million_points(benchmark, model):
    x, y, z = points(10**6)
    run(benchmark, lambda: model.density(x, y, z), 10**6)


@pytest.mark.parametrize("scattering", [False, True])
@pytest.mark.parametrize("n", SIZES)
def test_dm_to_dist(benchmark, model, n, scattering):
    l_deg, b_deg, dm, _ = sky(n)
    run(benchmark, lambda: model.dm_to_dist(l_deg, b_deg, dm, scattering=scattering), n,
        rounds=1 if n >= 10**5 else 3)


@pytest.mark.parametrize("scattering", [False, True])
@pytest.mark.parametrize("n", SIZES)
def test_dist_to_dm(benchmark, model, n, scattering):
    l_deg, b_deg, _, dist = sky(n)
    run(benchmark, lambda: model.dist_to_dm(l_deg, b_deg, dist, scattering=scattering), n,
        rounds=1 if n >= 10**5 else 3)
