"""Agreement with the reference implementation mwprop (NE2001p, NE2025p).

The fixtures in tests/data/ were made by tools/make_oracle_fixtures.py from mwprop 2.0.5.
Where we differ beyond the stated tolerances, the cause is mwprop's sampling, and the tests
show that ours is the converged value of the same model.
"""

import sys

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, REPO
from helpers import relative, true_arm_distances

from mwprop_batch.families.ne.tables import arm_centrelines

sys.path.insert(0, str(REPO / "tools"))
from adversarial_accuracy import reference  # noqa: E402

EXACT_COMPONENTS = {  # ours: mwprop's
    "ne_thick": "ne_outer",
    "ne_thin": "ne_inner",
    "ne_gc": "ne_gc",
    "ne_lism": "ne_lism",
    "ne_clumps": "ne_clumps",
    "ne_voids": "ne_voids",
}
SCATTERING = ["SM", "SMtau", "SMtheta", "SMiso", "TAU", "SBW", "SCINTIME", "THETA_G",
              "THETA_X", "NU_T", "EM", "DEFFSM2", "TAU_X", "SBW_X"]


def load(name: str) -> dict:
    path = DATA / name
    assert path.exists(), f"{path} is missing: the oracle fixtures are part of the repository"
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def mwprop_total(o: dict) -> np.ndarray:
    """NE2001's combination rule applied to mwprop's own components."""
    in_lism = o["wlism"] > 0
    in_void = o["wvoid"] > 0
    smooth = o["ne_outer"] + o["ne_inner"] + o["ne_arms"] + o["ne_gc"]
    large = np.where(in_lism, o["ne_lism"], smooth)
    return np.where(in_void, o["ne_voids"], large) + o["ne_clumps"]


@pytest.fixture(scope="module", params=["ne2001", "ne2025"])
def density_case(request):
    o = load(f"oracle_density_{request.param}.npz")
    model = request.getfixturevalue(request.param)
    return model, o, model.density(o["x"], o["y"], o["z"])


def test_smooth_and_local_components_are_identical(density_case):
    _, o, ours = density_case
    for mine, theirs in EXACT_COMPONENTS.items():
        assert relative(ours[mine], o[theirs]).max() < 1e-12, mine
    assert (ours["in_lism"].to_numpy() == (o["wlism"] > 0)).all()
    assert (ours["in_ldr"].to_numpy() == (o["wldr"] > 0)).all()
    assert (ours["in_lsb"].to_numpy() == (o["wlsb"] > 0)).all()
    assert (ours["in_lhb"].to_numpy() == (o["wlhb"] > 0)).all()
    assert (ours["in_loop_i"].to_numpy() == (o["wloopI"] > 0)).all()
    assert (ours["void"].to_numpy() == o["hitvoid"]).all()
    assert ((ours["clump"].to_numpy() > 0) == (o["ne_clumps"] > 0)).all()


ROW_MAX = 1e-2  # the largest |ours / mwprop - 1| of any row not listed below by its cause
# Density points where the total differs by more than ROW_MAX: each lies near an arm, and the
# whole difference is the arm term (mwprop's approximate nearest arm point, see below).
TOTAL_EXCEPTIONS = {"ne2001": 2, "ne2025": 4}


def test_arms_and_total_agree_to_stated_tolerances(density_case):
    model, o, ours = density_case
    arms = relative(ours["ne_arms"], o["ne_arms"])
    total = relative(ours["ne"], mwprop_total(o))
    print(f"arms rel diff: median {np.median(arms):.1e} p99 {np.percentile(arms, 99):.1e}")
    print(f"total rel diff: median {np.median(total):.1e} p99 {np.percentile(total, 99):.1e}"
          f" max {total.max():.1e}")
    assert np.median(arms) < 2e-3
    assert np.median(total) < 1e-3
    assert np.mean(ours["arm"].to_numpy() == o["whicharm"]) > 0.99
    beyond = np.nonzero(total > ROW_MAX)[0]
    assert len(beyond) <= TOTAL_EXCEPTIONS[model.name]
    assert total.max() < 0.03
    arm_part = np.abs(ours["ne_arms"].to_numpy() - o["ne_arms"])[beyond]
    total_part = np.abs(ours["ne"].to_numpy() - mwprop_total(o))[beyond]
    np.testing.assert_allclose(arm_part, total_part, rtol=1e-9)


def test_where_arms_differ_ours_is_the_exact_distance(density_case):
    """mwprop finds the nearest arm point on a 0.01 rad grid of a spline of sampled squared
    distances; we solve for it exactly. At every point where the arm term differs by more
    than ROW_MAX, our distance to each arm within 2 kpc equals brute force."""
    model, o, ours = density_case
    theta, radius = arm_centrelines(model.parameters)
    T = model.tables
    worst = np.nonzero(relative(ours["ne_arms"], o["ne_arms"]) > ROW_MAX)[0]
    assert 0 < len(worst) < 0.03 * len(o["x"])
    from kernel_calls import from_python

    from mwprop_batch.families.ne.kernels import arms

    arm_distance = from_python(arms.arm_distance)

    for arm in range(theta.shape[0]):
        truth = true_arm_distances(theta[arm], radius[arm], o["x"][worst], o["y"][worst])
        for i, expected in zip(worst, truth, strict=True):
            if expected < 2.0:
                mine = arm_distance(o["x"][i], o["y"][i], arm, T.P, T.arm_par, T.arm_coef,
                                    T.arm_grid, np.inf)
                assert mine == pytest.approx(expected, abs=1e-8)


# D -> DM rows of oracle_los_*.npz (fixture index) beyond ROW_MAX, by cause: sightlines
# shorter than 0.3 kpc whose DM is mostly the local ISM; mwprop samples the small-scale
# components every 2.5 pc, so it places their edges up to 2.5 pc wrong (1-2% of these DMs).
# Ours equals the certified reference integral there (tools/adversarial_accuracy.py).
SHORT_LISM_ROWS = [199, 414, 618, 640, 685, 710]


@pytest.fixture(scope="module", params=["ne2001", "ne2025"])
def los_case(request):
    o = load(f"oracle_los_{request.param}.npz")
    model = request.getfixturevalue(request.param)
    to_dist = o["direction"] > 0
    a = model.dm_to_dist(o["l"][to_dist], o["b"][to_dist], o["input"][to_dist], scattering=True)
    b = model.dist_to_dm(o["l"][~to_dist], o["b"][~to_dist], o["input"][~to_dist],
                         scattering=True)
    a.index, b.index = np.nonzero(to_dist)[0], np.nonzero(~to_dist)[0]
    ref = pd.DataFrame({k: o[k] for k in ["l", "b", "input", "DIST", "DM", *SCATTERING]})
    ref["limit"] = o["limit"].astype(bool)
    return model, a, ref[to_dist], b, ref[~to_dist]


def test_distance_and_dm_meet_the_targets(los_case):
    _, a, ref_a, b, ref_b = los_case
    assert (a["limit"] == ref_a["limit"]).all()
    free = ~a["limit"] & ~ref_a["limit"]
    dist = relative(a["DIST"][free], ref_a["DIST"][free])
    dm = relative(b["DM"], ref_b["DM"])
    print(f"DIST: median {np.median(dist):.1e} p95 {np.percentile(dist, 95):.1e}"
          f" max {dist.max():.1e}")
    print(f"DM: median {np.median(dm):.1e} p95 {np.percentile(dm, 95):.1e} max {dm.max():.1e}")
    assert np.median(dist) <= 1e-3 and np.percentile(dist, 95) <= 1e-2
    assert np.median(dm) <= 1e-3 and np.percentile(dm, 95) <= 1e-2
    assert dist.max() <= ROW_MAX
    listed = b.index.isin(SHORT_LISM_ROWS)
    assert dm[~listed].max() <= ROW_MAX
    assert dm[listed].max() < 0.03


def test_listed_dm_differences_are_mwprops_sampling(los_case):
    """At each listed row ours equals a certified converged integral of the same density."""
    model, _, _, b, ref_b = los_case
    rows = ref_b.loc[SHORT_LISM_ROWS]
    assert (rows["input"] < 0.3).all()
    truth, _ = reference(model, rows["l"], rows["b"], rows["input"])
    np.testing.assert_allclose(b.loc[SHORT_LISM_ROWS, "DM"], truth, rtol=1e-7)
    assert (relative(rows["DM"], truth) > 5e-3).all()  # and mwprop does not


def test_scattering_columns_meet_the_target(los_case):
    _, a, ref_a, b, ref_b = los_case
    free = ~a["limit"] & ~ref_a["limit"]
    for column in SCATTERING:
        rel = np.concatenate([relative(a[column][free], ref_a[column][free]),
                              relative(b[column], ref_b[column])])
        assert np.nanmedian(rel) <= 1e-2, column
