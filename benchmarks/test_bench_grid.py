"""Density on a (sightline x distance) grid: grid points per second of Model.density_along.

    python -m pytest benchmarks/test_bench_grid.py --benchmark-only

1,000 whole-sky sightlines (``workload.sky``) x 1,000 distances from the Sun, out to 20 kpc
(the disk) or to the model's 50 kpc edge; n_e alone, or every component. Each result records
``per_s`` (grid points per second) in extra_info.
"""

import numpy as np
import pytest
from workload import record_rate, sky

from mwprop_batch import Model

SIGHTLINES, DISTANCES = 1_000, 1_000


@pytest.fixture(scope="module", params=["ne2001", "ne2025", "ymw16"])
def model(request) -> Model:
    m = Model(request.param)
    m.density_along(1.0, 1.0, np.linspace(0.0, 1.0, 3), components=True)
    return m


@pytest.mark.parametrize("components", [False, True])
@pytest.mark.parametrize("reach_kpc", [20.0, 50.0])
def test_density_along(benchmark, model, reach_kpc, components):
    l_deg, b_deg, _, _ = sky(SIGHTLINES)
    dist = np.linspace(0.0, reach_kpc, DISTANCES)
    benchmark.pedantic(
        lambda: model.density_along(l_deg[:, None], b_deg[:, None], dist, components=components),
        rounds=3, iterations=1,
    )
    record_rate(benchmark, SIGHTLINES * DISTANCES)
