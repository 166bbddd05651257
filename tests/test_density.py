"""Model.density: shapes, bad inputs, physical properties, and exact arm geometry."""

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from helpers import true_arm_distance
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_calls import from_python

from mwprop_batch import Model
from mwprop_batch.families.ne.kernels import arms
from mwprop_batch.families.ne.tables import arm_centrelines

COMPONENTS = ["ne_thick", "ne_thin", "ne_arms", "ne_gc", "ne_lism", "ne_clumps", "ne_voids"]
# a kernel only kernels call (no Python entry point), through a compiled caller
arm_distance = from_python(arms.arm_distance)
coordinate = st.floats(min_value=-50.0, max_value=50.0, allow_nan=False)


def test_sun_is_inside_the_local_hot_bubble(model):
    row = model.density(0.0, 8.5, 0.0).iloc[0]
    assert row["in_lhb"] and row["in_lism"]
    assert row["ne"] == pytest.approx(0.005)
    assert row["F"] == pytest.approx(0.01)


def test_galactic_centre_value(model):
    row = model.density(-0.01, 0.0, -0.02).iloc[0]
    assert row["ne_gc"] == 10.0
    if row["void"] == 0:  # NE2025 puts a void over the centre
        assert row["ne"] >= 10.0


def test_broadcasting_and_row_order(model):
    x = np.linspace(-10, 10, 5)[:, None]
    y = np.array([3.0, 8.0])
    frame = model.density(x, y, 0.1)
    assert len(frame) == 10
    single = model.density(x[3, 0], y[1], 0.1)
    assert frame.iloc[7]["ne"] == single.iloc[0]["ne"]


def test_non_finite_points_give_nan_rows(model):
    frame = model.density([np.nan, np.inf, 1.0], [8.0, 8.0, -np.inf], [0.0, 0.0, 0.0])
    assert frame["ne"].isna().all()
    assert frame["arm"].isna().all()
    assert not frame["in_lism"].any()


def test_bad_inputs_are_clear_errors(model):
    with pytest.raises(TypeError, match="x must be numeric"):
        model.density(["a"], [1.0], [0.0])
    with pytest.raises(ValueError, match="do not broadcast"):
        model.density(np.zeros(3), np.zeros(4), 0.0)
    with pytest.raises(TypeError, match="must be real"):
        model.density(1j, 0.0, 0.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate, coordinate), min_size=1, max_size=50))
def test_density_is_finite_and_non_negative_everywhere(ne2001, ne2025, points):
    x, y, z = np.array(points).T
    for model in (ne2001, ne2025):
        frame = model.density(x, y, z)
        values = frame[["ne", "F", "Cn2", *COMPONENTS]].to_numpy()
        assert np.isfinite(values).all()
        assert (values >= 0).all()


@settings(max_examples=40, deadline=None)
@given(coordinate, coordinate, st.floats(min_value=-3.0, max_value=3.0))
def test_disks_are_axisymmetric_and_all_smooth_parts_mirror_in_z(ne2025, x, y, z):
    model = ne2025
    angle = 0.7
    xr, yr = x * np.cos(angle) - y * np.sin(angle), x * np.sin(angle) + y * np.cos(angle)
    frame = model.density([x, xr, x], [y, yr, y], [z, z, -z])
    for column in ("ne_thick", "ne_thin"):
        np.testing.assert_allclose(frame[column], frame[column].iloc[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(frame["ne_arms"].iloc[2], frame["ne_arms"].iloc[0], rtol=1e-12)


def test_components_combine_by_the_ne2001_rule(model):
    rng = np.random.default_rng(5)
    x, y, z = rng.uniform(-12, 12, 4000), rng.uniform(-12, 12, 4000), rng.uniform(-1, 1, 4000)
    f = model.density(x, y, z)
    plain = ~f["in_lism"] & (f["void"] == 0)
    expected = f[["ne_thick", "ne_thin", "ne_arms", "ne_gc", "ne_clumps"]].sum(axis=1)
    np.testing.assert_allclose(f["ne"][plain], expected[plain], rtol=1e-14)


def test_model_pickles_as_a_recipe():
    model = Model("ne2001")
    payload = pickle.dumps(model)
    assert len(payload) < 200
    clone = pickle.loads(payload)
    assert clone == model and clone.name == "ne2001"


def test_threads_agree_with_serial(ne2025):
    rng = np.random.default_rng(9)
    chunks = [rng.uniform(-15, 15, (3, 20000)) for _ in range(6)]
    serial = [ne2025.density(*c)["ne"].to_numpy() for c in chunks]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda c: ne2025.density(*c)["ne"].to_numpy(), chunks))
    for a, b in zip(serial, threaded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_arm_distance_is_exact(ne2001):
    """Our nearest-point search finds the true distance to each spline centreline."""
    theta, radius = arm_centrelines(ne2001.parameters)
    T = ne2001.tables
    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(40):
        x, y = rng.uniform(-14, 14, 2)
        for arm in range(theta.shape[0]):
            truth = true_arm_distance(theta[arm], radius[arm], x, y)
            if truth < 3.0:
                ours = arm_distance(x, y, arm, T.P, T.arm_par, T.arm_coef, T.arm_grid, np.inf)
                worst = max(worst, abs(ours - truth))
    assert worst < 1e-9
