"""The plane-parallel WIM family (mwprop_batch.families.wim_disk): model g08 of Gaensler et al.

The closed forms are checked against scipy's adaptive quadrature (``scipy.integrate.quad``) of
the density written out again here from the paper, n_e(z) = n0 exp(-|z| / H); then the
properties every family keeps (DM grows with distance, D -> DM -> D, bad rows flagged as the
other families flag them, ``density_along`` equals ``density``), the 50 kpc horizon and its
``limit`` rows, the sum with NE2025, ``convert`` and the registry.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from mwprop_batch import Model, registry
from mwprop_batch.convert import convert
from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.rows import InvalidRowError

# Gaensler, Madsen, Chatterjee & Mao (2008), PASA 25, 184, abstract
N0_CM3 = 0.014
H_KPC = 1.83
HORIZON_KPC = 50.0
QUAD_RTOL = 1e-13  # the closed forms against the adaptive quadrature (its own epsrel), worst
# row; seen: median 1.1e-16, max 5.6e-16 over 66 sightlines


@pytest.fixture(scope="module")
def g08() -> Model:
    return Model("g08")


def reference_dm(l_deg: float, b_deg: float, dist_kpc: float) -> float:
    """DM (pc cm^-3) to ``dist_kpc`` by quadrature of the paper's density along the sightline
    from a Sun in the mid-plane (l does not enter: the disk is plane-parallel)."""
    sin_b = math.sin(math.radians(b_deg))

    def ne(s: float) -> float:
        return N0_CM3 * math.exp(-abs(s * sin_b) / H_KPC)

    value, _ = integrate.quad(ne, 0.0, dist_kpc, epsabs=0.0, epsrel=1e-13, limit=200)
    return 1000.0 * value


def sky(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random all-sky sightlines plus the plane, the poles and latitudes just off the plane."""
    rng = np.random.default_rng(seed)
    l_deg = np.concatenate([rng.uniform(0.0, 360.0, n), [0.0, 90.0, 180.0, 33.0, 270.0, 5.0]])
    b_deg = np.concatenate([np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n))),
                            [0.0, 90.0, -90.0, 1e-9, -1e-6, 0.01]])
    return l_deg, b_deg


def test_the_published_numbers_and_the_frame(g08):
    p = g08.parameters
    assert (p.n0_cm3, p.n0_err_cm3) == (N0_CM3, 0.001)
    assert (p.scale_height_kpc, p.scale_height_plus_kpc, p.scale_height_minus_kpc) == (
        H_KPC, 0.12, 0.25)
    assert g08.family.sun_kpc(p) == (0.0, 8.5, 0.0)
    assert g08.family.horizon_kpc(p) == HORIZON_KPC
    assert "PASA 25, 184" in p.provenance["reference"]
    assert g08.family.scattering_columns == () and g08.family.places_sources
    assert g08.family.arm_curves(p, 50) == []


def test_closed_forms_equal_the_integral_of_the_density(g08):
    """dist_to_dm, dm_profile and dm_max against quadrature: median and worst relative error
    over random sightlines, the plane, the poles and |b| down to 1e-9 deg, 10 pc to 100 kpc."""
    l_deg, b_deg = sky(60, seed=8)
    rng = np.random.default_rng(9)
    dist = np.exp(rng.uniform(np.log(0.01), np.log(100.0), l_deg.size))
    got = g08.dist_to_dm(l_deg, b_deg, dist)["DM"].to_numpy()
    want = np.array([reference_dm(*row) for row in zip(l_deg, b_deg, dist, strict=True)])
    error = np.abs(got / want - 1.0)
    assert np.median(error) < 1e-15, np.median(error)
    assert error.max() < QUAD_RTOL, (error.max(), l_deg[error.argmax()], b_deg[error.argmax()])
    grid = np.array([0.0, 0.3, 1.83, 7.0, HORIZON_KPC])
    profile = g08.dm_profile(l_deg[:8], b_deg[:8], grid)
    want = np.array([[reference_dm(lo, bo, d) for d in grid] for lo, bo in
                     zip(l_deg[:8], b_deg[:8], strict=True)])
    np.testing.assert_allclose(profile, want, rtol=QUAD_RTOL, atol=0.0)
    np.testing.assert_allclose(g08.dm_max(l_deg[:8], b_deg[:8]), want[:, -1], rtol=QUAD_RTOL)


def test_the_limits_of_the_closed_form(g08):
    """DM = n0 d in the plane, and n0 H / |sin b| (1 - exp(-d |sin b| / H)) off it."""
    dm = g08.dist_to_dm([10.0, 10.0, 10.0], [0.0, 90.0, -30.0], [3.0, 3.0, 3.0])["DM"]
    np.testing.assert_allclose(dm, [1000 * N0_CM3 * 3.0,
                                    1000 * N0_CM3 * H_KPC * -math.expm1(-3.0 / H_KPC),
                                    1000 * N0_CM3 * H_KPC * -math.expm1(-1.5 / H_KPC) / 0.5],
                               rtol=1e-14)


def test_dm_grows_with_distance(g08):
    l_deg, b_deg = sky(40, seed=3)
    dist = np.concatenate([[0.0], np.geomspace(1e-4, 200.0, 400)])
    profile = g08.dm_profile(l_deg, b_deg, dist)
    assert (profile[:, 0] == 0.0).all()
    steps = np.diff(profile, axis=1)
    assert (steps >= 0.0).all()  # everywhere, also where DM is flat to rounding far up
    # strictly where each step adds more than rounding: d |sin b| / H < 25
    x = dist[1:] * np.abs(np.sin(np.radians(b_deg)))[:, None] / H_KPC
    assert (steps[x < 25.0] > 0.0).all()
    assert (x >= 25.0).sum() > 500  # and the flat part was reached


def test_distance_to_dm_and_back(g08):
    """D -> DM -> D recovers D to rounding times the problem's condition number,
    (e^x - 1) / x with x = D |sin b| / H (far up, DM hardly changes with D); DM -> D -> DM
    recovers DM to a few ulp. Seen: median 2.2e-16, worst 4.4e-16 times the condition
    number (which reaches 5e9, so 2e-7 absolute, 50 kpc toward the pole)."""
    l_deg, b_deg = sky(80, seed=5)
    rng = np.random.default_rng(6)
    dist = np.exp(rng.uniform(np.log(0.001), np.log(HORIZON_KPC * 0.999), l_deg.size))
    dm = g08.dist_to_dm(l_deg, b_deg, dist)["DM"].to_numpy()
    back = g08.dm_to_dist(l_deg, b_deg, dm)
    assert (back["status"] == "ok").all() and not back["limit"].any()
    x = dist * np.abs(np.sin(np.radians(b_deg))) / H_KPC
    condition = np.where(x > 0, np.expm1(x) / np.where(x > 0, x, 1.0), 1.0)
    error = np.abs(back["DIST"].to_numpy() / dist - 1.0)
    assert (error <= 4e-15 * condition).all(), (error / condition).max()
    assert np.median(error) < 1e-15
    again = g08.dist_to_dm(l_deg, b_deg, back["DIST"])["DM"].to_numpy()
    np.testing.assert_allclose(again, dm, rtol=1e-14)


def test_symmetric_in_l_and_under_b_to_minus_b(g08):
    rng = np.random.default_rng(11)
    b_deg = rng.uniform(-90.0, 90.0, 30)
    dist = rng.uniform(0.1, 40.0, 30)
    base = g08.dist_to_dm(np.zeros(30), b_deg, dist)["DM"].to_numpy()
    for l_deg in (rng.uniform(0.0, 360.0, 30), np.full(30, 720.5), np.full(30, -45.0)):
        assert np.array_equal(g08.dist_to_dm(l_deg, b_deg, dist)["DM"], base)
        assert np.array_equal(g08.dist_to_dm(l_deg, -b_deg, dist)["DM"], base)
    assert np.array_equal(g08.dm_max(rng.uniform(0, 360, 30), -b_deg), g08.dm_max(0.0, b_deg))
    dm = np.full(30, 12.0)
    assert np.array_equal(g08.dm_to_dist(rng.uniform(0, 360, 30), -b_deg, dm)["DIST"],
                          g08.dm_to_dist(0.0, b_deg, dm)["DIST"])


def test_a_dm_beyond_the_horizon_is_a_limit_row(g08):
    """dm_max is the DM to 50 kpc, finite everywhere (n0 d in the plane); a DM at or above it
    is a limit row: DIST the horizon, DM the DM there; just below it, a distance under 50."""
    b_deg = np.array([90.0, 30.0, 5.0, 0.0])
    top = g08.dm_max(0.0, b_deg)
    assert np.isfinite(top).all()
    np.testing.assert_array_equal(top, g08.dist_to_dm(0.0, b_deg, HORIZON_KPC)["DM"])
    assert top[-1] == pytest.approx(1000 * N0_CM3 * HORIZON_KPC, rel=1e-15)
    dm = np.concatenate([top, 2 * top, top * (1 - 1e-6)])
    out = g08.dm_to_dist(0.0, np.tile(b_deg, 3), dm)
    assert (out["status"] == "ok").all()
    assert list(out["limit"]) == [True] * 8 + [False] * 4
    np.testing.assert_array_equal(out["DIST"][:8], HORIZON_KPC)
    np.testing.assert_array_equal(out["DM"][:8], np.tile(top, 2))
    assert (out["DIST"][8:] < HORIZON_KPC).all()
    np.testing.assert_array_equal(out["DM"][8:], dm[8:])
    # the interval: DM - err <= 0 gives 0, DM + err beyond the horizon a limit_hi
    err = g08.dm_to_dist([0.0, 0.0, 0.0], [30.0, 30.0, 30.0], [5.0, 5.0, 5.0],
                         dm_err=[6.0, 1.0, 1000.0])
    np.testing.assert_array_equal(err["DIST_LO"], [0.0, g08.dm_to_dist(0, 30, 4.0)["DIST"][0],
                                                   0.0])
    assert list(err["limit_hi"]) == [False, False, True] and err["DIST_HI"][2] == HORIZON_KPC
    assert not err["limit"].any()


def test_bad_rows_are_flagged_as_the_other_families_flag_them(g08, ne2025):
    l_deg = np.array([np.nan, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, np.inf])
    b_deg = np.array([5.0, 95.0, 5.0, 5.0, 5.0, 5.0, -90.0, 5.0])
    value = np.array([10.0, 10.0, np.nan, np.inf, 0.0, -3.0, 10.0, 10.0])
    for method in ("dm_to_dist", "dist_to_dm"):
        ours, theirs = (getattr(m, method)(l_deg, b_deg, value) for m in (g08, ne2025))
        assert list(ours["status"]) == list(theirs["status"]), method
        assert list(ours.columns) == list(theirs.columns)
        bad = ours["status"] != "ok"
        assert bad.sum() == 7 and ours.loc[bad, ["DIST", "DM", "DMz"]].isna().all().all()
        with pytest.raises(InvalidRowError, match="row 0: l or b not finite"):
            getattr(g08, method)(l_deg, b_deg, value, errors="raise")
    with pytest.raises(InvalidRowError, match="dm_err negative"):
        g08.dm_to_dist(10.0, 5.0, 10.0, dm_err=-1.0, errors="raise")
    with pytest.raises(InvalidValueError, match="errors must be one of"):
        g08.dist_to_dm(10.0, 5.0, 1.0, errors="ignore")
    assert np.isnan(g08.dm_max([np.nan, 1.0, 1.0], [1.0, 91.0, np.inf])).all()
    profile = g08.dm_profile([1.0, 1.0], [95.0, 10.0], [0.0, 1.0, -1.0, np.nan, np.inf])
    assert np.isnan(profile[0]).all() and np.isnan(profile[1, 2:]).all()
    assert np.isfinite(profile[1, :2]).all()


def test_scattering_is_refused(g08):
    with pytest.raises(InvalidValueError, match="no scattering"):
        g08.dm_to_dist(10.0, 5.0, 10.0, scattering=True)
    with pytest.raises(InvalidValueError, match="no scattering"):
        g08.dist_to_dm(10.0, 5.0, 1.0, scattering=True)


def test_density_is_the_published_profile(g08):
    z = np.array([0.0, H_KPC, -H_KPC, 5.0, np.nan, 1.0])
    x = np.array([0.0, 3.0, -7.0, 100.0, 0.0, np.inf])
    frame = g08.density(x, 8.5, z)
    assert list(frame.columns) == ["ne"]
    np.testing.assert_allclose(frame["ne"][:4], N0_CM3 * np.exp(-np.abs(z[:4]) / H_KPC),
                               rtol=1e-15)
    assert frame["ne"][0] == N0_CM3 and frame["ne"][1] == frame["ne"][2]
    assert frame["ne"][4:].isna().all()


def test_density_along_equals_density_at_the_same_points(g08):
    l_deg, b_deg = sky(30, seed=2)
    l_deg, b_deg = np.append(l_deg, [10.0, np.nan]), np.append(b_deg, [95.0, 0.0])
    dist = np.array([0.0, 0.01, 0.5, 1.83, 10.0, 49.0, 120.0, -1.0, np.nan, np.inf])
    along = g08.density_along(l_deg, b_deg, dist, components=True)
    assert set(along) == {"ne"}
    lr, br = np.radians(l_deg)[:, None], np.radians(b_deg)[:, None]
    with np.errstate(invalid="ignore"):  # inf * 0 at the pole and in the plane
        x = dist * np.cos(br) * np.sin(lr)
        y = 8.5 - dist * np.cos(br) * np.cos(lr)
        z = dist * np.sin(np.deg2rad(b_deg)[:, None])
    points = g08.density(x, y, z)["ne"].to_numpy().reshape(along["ne"].shape)
    good = ((np.isfinite(dist) & (dist >= 0.0))
            & (np.isfinite(l_deg) & (np.abs(b_deg) <= 90.0))[:, None])
    assert np.array_equal(along["ne"][good], points[good])
    assert np.isnan(along["ne"][~good]).all()
    assert np.array_equal(g08.density_along(l_deg, b_deg, dist),
                          along["ne"], equal_nan=True)


def test_a_sum_with_ne2025_adds_the_densities_and_the_dms(g08, ne2025):
    """A sum adds its parts' densities whatever they are (model_sum.py does not ask whether a
    part places sources): NE2025 + g08 counts the WIM twice, but every number is the sum's."""
    both = Model("ne2025+g08")
    l_deg, b_deg = np.array([30.0, 200.0, 0.0]), np.array([60.0, -5.0, 45.0])
    dist = np.array([2.0, 3.0, 0.5])
    d2d = both.dist_to_dm(l_deg, b_deg, dist, components=True)
    np.testing.assert_array_equal(d2d["DM_G08"], g08.dist_to_dm(l_deg, b_deg, dist)["DM"])
    np.testing.assert_allclose(d2d["DM"], d2d["DM_G08"] + d2d["DM_NE2025"], rtol=1e-15)
    found = both.dm_to_dist(l_deg, b_deg, d2d["DM"])
    assert (found["status"] == "ok").all() and not found["limit"].any()
    np.testing.assert_allclose(found["DIST"], dist, rtol=1e-8)
    top = both.dm_max(l_deg, b_deg)
    np.testing.assert_allclose(top, ne2025.dm_max(l_deg, b_deg) + g08.dm_max(l_deg, b_deg))
    assert both.dm_to_dist(l_deg, b_deg, top * 1.5)["limit"].all()
    frame = both.density([0.0, 1.0], [8.5, 4.0], [0.0, 1.0])
    np.testing.assert_array_equal(frame["ne_g08"], g08.density([0.0, 1.0], [8.5, 4.0],
                                                               [0.0, 1.0])["ne"])
    np.testing.assert_allclose(frame["ne"], frame["ne_g08"] + frame["ne_ne2025"], rtol=1e-15)


def test_convert_a_small_frame_with_g08(g08):
    frame = pd.DataFrame({"NAME": ["A", "B", "C", "D"], "GL": [30.0, 200.0, np.nan, 10.0],
                          "GB": [60.0, -5.0, 1.0, 45.0], "DM": [20.0, 5000.0, 10.0, -2.0]})
    out = convert(frame, "g08")
    direct = g08.dm_to_dist(frame["GL"], frame["GB"], frame["DM"])
    np.testing.assert_array_equal(out["G08_DIST"][[0, 1]], direct["DIST"][[0, 1]])
    assert list(out["G08_limit"]) == [False, True, False, False]
    assert out["status"][0] == "ok" and out["status"][1] == "ok"
    assert out["status"][2] != "ok" and out["status"][3] == "DM <= 0"
    to_dm = convert(frame.assign(DIST=[1.0, 2.0, 3.0, 4.0]).drop(columns="DM"), "g08", to="dm")
    np.testing.assert_array_equal(to_dm["G08_DM"][[0, 1, 3]],
                                  g08.dist_to_dm(frame["GL"], frame["GB"],
                                                 [1.0, 2.0, 3.0, 4.0])["DM"][[0, 1, 3]])
    dm_mw = convert(frame, "g08", to="dm_mw")
    np.testing.assert_array_equal(dm_mw["G08_DM_MW"][[0, 1]],
                                  g08.dm_max(frame["GL"], frame["GB"])[[0, 1]])


def test_the_registry_lists_g08():
    assert "g08" in registry.model_names()
    assert registry.BUILT_IN["mwprop_batch.families.wim_disk.definition"] == ("g08",)
    assert registry.family_of("g08").name == "wim_disk"
    assert registry.is_model_name("ne2025+g08")
    assert Model("G08") == Model("g08")
