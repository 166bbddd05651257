"""Line-of-sight engine: converged integrals, round trips, invariances and bad rows."""

import numba
import numpy as np
import pandas as pd
import pytest
from helpers import brute_force, distance_is_unique
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mwprop_batch.core.rows import InvalidRowError

longitude = st.floats(min_value=0.0, max_value=360.0)
latitude = st.floats(min_value=-90.0, max_value=90.0)


# sightlines where mwprop's fixed sampling misses sharp local structure (see README):
# the Loop I shell, local-ISM edges and clump edges within a few hundred pc
SHARP_SIGHTLINES = [
    ("ne2025", 346.20, 23.32, 0.177),
    ("ne2025", 9.92, 26.78, 2.856),
    ("ne2001", 297.97, -52.01, 0.140),
    ("ne2001", 29.36, -3.72, 0.192),
]


@pytest.mark.parametrize(("name", "l_deg", "b_deg", "dist"), SHARP_SIGHTLINES)
def test_engine_equals_a_converged_brute_force_integral(request, name, l_deg, b_deg, dist):
    model = request.getfixturevalue(name)
    (dm_true, dm_bound), (sm_true, sm_bound) = brute_force(model, l_deg, b_deg, dist)
    ours = model.dist_to_dm(l_deg, b_deg, dist, scattering=True).iloc[0]
    assert abs(ours["DM"] - dm_true) <= dm_bound
    assert abs(ours["SM"] - sm_true) <= sm_bound


def test_random_sightlines_match_brute_force(model):
    rng = np.random.default_rng(11)
    for _ in range(6):
        l_deg, b_deg = rng.uniform(0, 360), rng.uniform(-10, 10)
        dist = rng.uniform(0.5, 12.0)
        (dm_true, dm_bound), (sm_true, sm_bound) = brute_force(model, l_deg, b_deg, dist)
        ours = model.dist_to_dm(l_deg, b_deg, dist, scattering=True).iloc[0]
        assert abs(ours["DM"] - dm_true) <= dm_bound
        assert abs(ours["SM"] - sm_true) <= sm_bound


@settings(max_examples=40, deadline=None)
@given(longitude, latitude, st.floats(min_value=0.05, max_value=30.0))
def test_distance_dm_distance_round_trip(ne2025, l_deg, b_deg, dist):
    dm = ne2025.dist_to_dm(l_deg, b_deg, dist)["DM"].iloc[0]
    back = ne2025.dm_to_dist(l_deg, b_deg, dm).iloc[0]
    assume(not back["limit"])  # DM at the model's asymptote
    dm_again = ne2025.dist_to_dm(l_deg, b_deg, back["DIST"])["DM"].iloc[0]
    assert dm_again == pytest.approx(dm, rel=1e-6)
    if distance_is_unique(ne2025, l_deg, b_deg, dist, dm):
        assert back["DIST"] == pytest.approx(dist, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(longitude, latitude, st.floats(min_value=1.0, max_value=2000.0))
def test_dm_distance_dm_round_trip(ne2001, l_deg, b_deg, dm):
    forward = ne2001.dm_to_dist(l_deg, b_deg, dm).iloc[0]
    back = ne2001.dist_to_dm(l_deg, b_deg, forward["DIST"])["DM"].iloc[0]
    assert back == pytest.approx(forward["DM"], rel=1e-6)
    assert forward["limit"] == (dm > ne2001.dm_max(l_deg, b_deg))


@settings(max_examples=30, deadline=None)
@given(longitude, latitude)
def test_dm_is_non_decreasing_with_distance(ne2025, l_deg, b_deg):
    grid = np.concatenate([np.geomspace(1e-3, 50.0, 400), [60.0]])
    dm = ne2025.dm_profile(l_deg, b_deg, grid)[0]
    assert (dm >= 0).all()
    assert (np.diff(dm) >= -1e-12 * dm[-1]).all()


def test_limit_rows(model):
    l_deg, b_deg = np.array([45.0, 180.0, 10.0]), np.array([60.0, 0.5, -30.0])
    edge = model.dm_max(l_deg, b_deg)
    out = model.dm_to_dist(l_deg, b_deg, edge * 1.5)
    assert out["limit"].all()
    np.testing.assert_allclose(out["DM"], edge, rtol=1e-9)
    assert (out["DIST"] <= 50.0).all() and (out["DIST"] > 1.0).all()
    below = model.dm_to_dist(l_deg, b_deg, edge * 0.5)
    assert not below["limit"].any()


def test_dm_error_gives_a_distance_interval(model):
    out = model.dm_to_dist([30.0, 200.0], [1.0, -4.0], [150.0, 60.0], [10.0, 70.0])
    lo = model.dm_to_dist([30.0, 200.0], [1.0, -4.0], [140.0, 1e-300])["DIST"]
    hi = model.dm_to_dist([30.0, 200.0], [1.0, -4.0], [160.0, 130.0])["DIST"]
    assert out["DIST_LO"].iloc[0] == pytest.approx(lo.iloc[0], rel=1e-12)
    assert out["DIST_LO"].iloc[1] == 0.0  # DM - dm_err <= 0
    np.testing.assert_allclose(out["DIST_HI"], hi, rtol=1e-12)
    assert (out["DIST_LO"] <= out["DIST"]).all() and (out["DIST"] <= out["DIST_HI"]).all()
    partial = model.dm_to_dist([30.0, 30.0], [1.0, 1.0], [150.0, 150.0], [np.nan, -1.0])
    assert partial["status"].tolist() == ["ok", "dm_err negative or infinite"]
    assert partial["DIST"].iloc[0] == out["DIST"].iloc[0]
    assert partial[["DIST_LO", "DIST_HI"]].isna().all().all()


def test_bad_rows_give_nan_and_a_reason(model):
    out = model.dm_to_dist(
        [10.0, np.nan, 10.0, 10.0, 10.0, 10.0], [5.0, 5.0, 91.0, 5.0, 5.0, 5.0],
        [50.0, 50.0, 50.0, -1.0, 0.0, np.inf],
    )
    assert out["status"].tolist() == [
        "ok", "l or b not finite", "|b| > 90 deg", "DM <= 0", "DM <= 0", "DM not finite",
    ]
    assert out["DIST"].iloc[1:].isna().all() and out["DIST"].iloc[:1].notna().all()
    dist = model.dist_to_dm([10.0, 10.0], [5.0, 5.0], [-2.0, 3.0])
    assert dist["status"].tolist() == ["distance <= 0", "ok"]
    with pytest.raises(InvalidRowError, match="row 1: DM <= 0"):
        model.dm_to_dist([10.0, 10.0], [5.0, 5.0], [50.0, -1.0], errors="raise")


def test_longitude_is_taken_modulo_360(ne2025):
    out = ne2025.dm_to_dist([10.0, 370.0, -350.0], 3.0, 200.0)
    assert out["DIST"].nunique() == 1


def test_results_do_not_depend_on_batching_order_or_threads(ne2025):
    rng = np.random.default_rng(2)
    n = 600
    l_deg, b_deg = rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    dm = 10 ** rng.uniform(0.5, 3.0, n)
    whole = ne2025.dm_to_dist(l_deg, b_deg, dm, scattering=True)
    order = rng.permutation(n)
    shuffled = ne2025.dm_to_dist(l_deg[order], b_deg[order], dm[order], scattering=True)
    pd.testing.assert_frame_equal(shuffled.reset_index(drop=True),
                                  whole.iloc[order].reset_index(drop=True))
    parts = pd.concat([ne2025.dm_to_dist(l_deg[i:i + 7], b_deg[i:i + 7], dm[i:i + 7],
                                         scattering=True) for i in range(0, n, 7)])
    pd.testing.assert_frame_equal(parts.reset_index(drop=True), whole)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = ne2025.dm_to_dist(l_deg, b_deg, dm, scattering=True)
    finally:
        numba.set_num_threads(threads)
    pd.testing.assert_frame_equal(single, whole)


def test_frequency_and_velocity_scaling(ne2001):
    ref = ne2001.dist_to_dm(45.0, 2.0, 4.0, scattering=True).iloc[0]
    scaled = ne2001.dist_to_dm(45.0, 2.0, 4.0, scattering=True, freq_ghz=0.4,
                               velocity_kms=50.0).iloc[0]
    assert scaled["TAU"] == pytest.approx(ref["TAU"] * 0.4**-4.4, rel=1e-12)
    assert scaled["SCINTIME"] == pytest.approx(ref["SCINTIME"] * 0.4**1.2 * 2.0, rel=1e-12)
    assert scaled["THETA_X"] == pytest.approx(ref["THETA_X"] * 0.4**-2.2, rel=1e-12)
    assert scaled["SM"] == ref["SM"] and scaled["NU_T"] == ref["NU_T"]


def test_broadcasting_shapes(ne2025):
    out = ne2025.dm_to_dist(np.array([[10.0], [20.0]]), 5.0, np.array([30.0, 60.0, 90.0]))
    assert len(out) == 6
    assert ne2025.dm_max(np.zeros((2, 3)), 10.0).shape == (2, 3)
    assert ne2025.dm_profile([10.0, 20.0], 5.0, [1.0, 2.0, 3.0]).shape == (2, 3)
    with pytest.raises(ValueError, match="one row per sightline"):
        ne2025.dm_profile([10.0, 20.0], 5.0, np.ones((3, 2)))
