"""No silent wrong number: unconverged iterations are flagged, intervals are honest, and every
discontinuity of the density is cut (checked against a certified reference integral)."""

import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from helpers import true_arm_distance
from kernel_calls import from_python
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq

from mwprop_batch.core import rows
from mwprop_batch.core.rows import NotConvergedError
from mwprop_batch.families.ne import engine as sightlines
from mwprop_batch.families.ne.kernels import arms, crossings, los
from mwprop_batch.families.ne.kernels.flags import NOT_CONVERGED as NE_STEPS
from mwprop_batch.families.ne.kernels.layout import P_ARMCUT, P_RSUN
from mwprop_batch.families.ne.tables import arm_centrelines

sys.path.insert(0, str(REPO / "tools"))
from adversarial_accuracy import reference  # noqa: E402

# kernels only kernels call (no Python entry point), through compiled callers
panel = from_python(los._panel)
solve_in_panel = from_python(los._solve_in_panel)
arm_gap = from_python(crossings._arm_gap)
arm_crossing = from_python(crossings._arm_crossing)
arm_dip = from_python(crossings._arm_dip)
branch_jump = from_python(crossings._branch_jump)
next_branch_jump = from_python(crossings._next_branch_jump)
arm_nearest = from_python(arms.arm_nearest)
nearest_rate = from_python(arms.nearest_rate)
refine_nearest = from_python(arms.refine_nearest)
arm_distance = from_python(arms.arm_distance)
spline_r = from_python(arms.spline_r)
mismatch = from_python(crossings._mismatch)


def unit(l_deg, b_deg):
    lr, br = np.radians(l_deg), np.radians(b_deg)
    return np.array([np.cos(br) * np.sin(lr), -np.cos(br) * np.cos(lr), np.sin(br)])


# --- every iteration that can stop unconverged says so ---------------------------------------

def test_refine_nearest_reports_an_unconverged_search(ne2001):
    T = ne2001.tables
    t0, dt = T.arm_par[3, 0], T.arm_par[3, 1]
    t, f = refine_nearest(3.3, 1.5, 5.05, t0, dt, T.arm_coef[3])
    assert np.isfinite(f)
    t, f = refine_nearest(3.3, 1.5, 5.05, t0, dt, T.arm_coef[3], 1)
    assert np.isnan(f)


def test_refine_nearest_converges_where_the_distance_is_not_convex(ne2001):
    """From its start the squared distance is concave along the arm (Newton's curvature is
    negative): the search must still reach the exact distance (a point on a ne2001 sightline,
    l 25.35, b -7.40)."""
    T = ne2001.tables
    theta, radius = arm_centrelines(ne2001.parameters)
    x, y = 3.295551733804134, 1.5443657770172932
    truth = true_arm_distance(theta[3], radius[3], x, y)
    ours = arm_distance(x, y, 3, T.P, T.arm_par, T.arm_coef, T.arm_grid, np.inf)
    assert ours == pytest.approx(truth, abs=1e-9)


def test_points_on_a_centreline_are_at_distance_zero(ne2025):
    """The Newton model's minimum can dip a rounding error below 0 there: it is clamped."""
    T = ne2025.tables
    for a in range(T.arm_par.shape[0]):
        t0, dt = T.arm_par[a, 0], T.arm_par[a, 1]
        for t in np.linspace(t0, t0 + dt * T.arm_coef.shape[1], 2001)[1:-1]:
            r = spline_r(t, t0, dt, T.arm_coef[a])[0]
            x, y = -r * np.sin(t), r * np.cos(t)
            d = arm_distance(x, y, a, T.P, T.arm_par, T.arm_coef, T.arm_grid, np.inf)
            assert 0.0 <= d < 1e-6, (a, t, d)


def test_arm_crossing_reports_an_unconverged_search(ne2025):
    T = ne2025.tables
    u = unit(30.0, 0.0)
    s = np.linspace(0.0, 12.0, 1201)
    gaps = np.array([[arm_gap(v, a, u, T.P, T.arm_par, T.arm_coef, T.arm_grid)
                      for v in s] for a in range(T.arm_par.shape[0])])
    a, k = np.argwhere(np.diff(np.sign(gaps), axis=1) != 0)[0]
    lo, hi = s[k], s[k + 1]
    args = (int(a), u, T.P, T.arm_par, T.arm_coef, T.arm_grid)
    assert arm_crossing(lo, hi, *args)[1]
    assert not arm_crossing(lo, hi, *args, 1)[1]
    assert not arm_crossing(lo, lo + 1e-3 * (hi - lo), *args)[1]  # no bracket


def test_arm_dip_reports_an_unconverged_search(ne2025):
    """A sightline passing 1e-4 kpc outside an arm's reach: proving that it stays outside
    takes ~20 golden-section steps."""
    T = ne2025.tables
    a, p = _tangent_grazes(ne2025, -1e-4)[0]
    dist = float(np.hypot(*p))
    u = unit(float(np.degrees(np.arctan2(p[0], -p[1]))), 0.0)
    lo, hi = dist - 0.25, dist + 0.25
    args = (a, u, T.P, T.arm_par, T.arm_coef, T.arm_grid)
    g_lo, g_hi = arm_gap(lo, *args), arm_gap(hi, *args)
    inner, ok = arm_dip(lo, hi, g_lo, g_hi, 1.0, *args)
    assert ok and np.isnan(inner)
    assert not arm_dip(lo, hi, g_lo, g_hi, 1.0, *args, 1)[1]


def _nearest_along(model, l_deg, b_deg, s):
    """Nearest centreline parameter, its rate and the gap to the reach, per arm, at distance s
    along (l, b)."""
    T = model.tables
    u = unit(l_deg, b_deg)
    x, y = s * u[0], T.P[P_RSUN] + s * u[1]
    d, t = np.array([arm_nearest(x, y, a, T.P, T.arm_par, T.arm_coef, T.arm_grid, np.inf)
                     for a in range(T.arm_par.shape[0])]).T
    rate = np.array([nearest_rate(x, y, t[a], u[0], u[1], T.arm_par[a, 0], T.arm_par[a, 1],
                                  T.arm_coef[a]) for a in range(T.arm_par.shape[0])])
    return u, t, rate, d - T.P[P_ARMCUT]


# NE2025 arm 3 (TC93 arm 4): its nearest point jumps by 0.13 rad at s = 7.6722 kpc on this
# sightline (a bump of the centreline), which kinks the arm distance
KINK_SIGHTLINE = (24.04120214, 0.3123611214)
KINK_AT = 7.672176887


def test_branch_jump_is_located_and_reports_an_unconverged_search(ne2025):
    T = ne2025.tables
    slope = np.cos(np.radians(KINK_SIGHTLINE[1]))
    u, t_lo, r_lo, g_lo = _nearest_along(ne2025, *KINK_SIGHTLINE, 7.5)
    _, t_hi, r_hi, g_hi = _nearest_along(ne2025, *KINK_SIGHTLINE, 8.0)
    grid = (T.P, T.arm_par, T.arm_coef, T.arm_grid)
    hit, flags = next_branch_jump(7.5, 8.0, 31, slope, g_lo, g_hi, t_lo, t_hi, r_lo,
                                             r_hi, u, *grid)
    assert flags == 0 and hit == pytest.approx(KINK_AT, abs=1e-8)
    a = 3
    args = (t_lo[a], t_hi[a], r_lo[a], r_hi[a], a, u, *grid)
    assert branch_jump(7.5, 8.0, *args) == (pytest.approx(KINK_AT, abs=1e-8), True)
    assert not branch_jump(7.5, 8.0, *args, 1)[1]
    # arm 1 moves fast but smoothly over 7.0-7.5 kpc (mismatch 0.04 rad): no jump, but the
    # panel is shortened until the motion is predictable again
    a = 1
    _, t_lo, r_lo, g_lo = _nearest_along(ne2025, *KINK_SIGHTLINE, 7.0)
    _, t_hi, r_hi, g_hi = _nearest_along(ne2025, *KINK_SIGHTLINE, 7.5)
    assert mismatch(7.0, 7.5, t_lo[a], t_hi[a], r_lo[a], r_hi[a]) > 0.03
    args = (t_lo[a], t_hi[a], r_lo[a], r_hi[a], a, u, *grid)
    assert np.isnan(branch_jump(7.0, 7.5, *args)[0])
    b, shorter = 7.5, []
    for _ in range(20):
        _, t_hi, r_hi, g_hi = _nearest_along(ne2025, *KINK_SIGHTLINE, b)
        hit, flags = next_branch_jump(7.0, b, 31, slope, g_lo, g_hi, t_lo, t_hi,
                                                 r_lo, r_hi, u, *grid)
        assert flags == 0 and 7.0 < hit <= b
        if hit == b:
            break
        b = hit
        shorter.append(b)
    assert hit == b and len(shorter) >= 1  # shortened, then accepted


def test_a_jump_of_an_arms_nearest_branch_is_cut(ne2025):
    """Across the jump the arm distance has a kink: a 6-point panel over it erred by 2.2e-5 of
    the DM (0.014 pc cm^-3) before the jump was cut."""
    ends = np.array([7.8, 8.6402, 10.0])
    l_deg, b_deg = (np.full(ends.size, v) for v in KINK_SIGHTLINE)
    ours = ne2025.dist_to_dm(l_deg, b_deg, ends)["DM"].to_numpy()
    ref, _ = reference(ne2025, l_deg, b_deg, ends)
    np.testing.assert_allclose(ours, ref, rtol=1e-7)


def test_solve_in_panel_reports_an_unconverged_search(ne2025):
    T = ne2025.tables
    u = unit(30.0, 1.0)
    total = panel(1.0, 1.5, u, *T)[0]
    hit, _, ok = solve_in_panel(1.0, 1.5, total, 0.37 * total, u, *T)
    assert ok and 1.0 < hit < 1.5
    assert not solve_in_panel(1.0, 1.5, total, 0.37 * total, u, *T, 1)[2]


def test_an_unconverged_row_gets_nan_and_says_where(ne2025):
    T = ne2025.tables
    broken = T._replace(arm_coef=np.full_like(T.arm_coef, np.nan))
    run = lambda kernel, *args: kernel(*args)  # noqa: E731
    l_deg, b_deg = np.array([30.0, 30.0]), np.array([0.5, 89.0])
    args = (l_deg, b_deg, np.array([100.0, 5.0]), np.array([1.0, 1.0]), True, 1.0, 100.0,
            "nan", run)
    assert (sightlines.dm_to_dist(T, *args)["status"] == "ok").all()
    out = sightlines.dm_to_dist(broken, *args)
    assert (out["status"] == "not converged: refine_nearest").all()
    assert out.drop(columns=["status", "limit", "limit_hi"]).isna().all().all()
    dist = sightlines.dist_to_dm(broken, l_deg, b_deg, np.array([3.0, 3.0]), False, 1.0,
                                 100.0, "nan", run)
    assert (dist["status"] == "not converged: refine_nearest").all()
    assert dist["DM"].isna().all()
    with pytest.raises(NotConvergedError, match="row 0: not converged: refine_nearest"):
        sightlines.dm_to_dist(broken, l_deg, b_deg, np.array([100.0, 5.0]), None, False, 1.0,
                              100.0, "raise", run)


def test_flags_map_to_status_text():
    text = rows.not_converged(np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 6.0, np.nan]),
                              NE_STEPS)
    assert text.tolist() == [
        "", "not converged: _arm_crossing", "not converged: _solve_in_panel",
        "not converged: refine_nearest", "not converged: _arm_dip",
        "not converged: _branch_jump", "not converged: _solve_in_panel", "",
    ]


# --- distance intervals ----------------------------------------------------------------------

def test_zero_dm_error_gives_a_point_interval(any_model):
    out = any_model.dm_to_dist([30.0, 45.0], [1.0, 60.0], [150.0, 1e5], [0.0, 0.0])
    np.testing.assert_array_equal(out["DIST_LO"], out["DIST"])
    np.testing.assert_array_equal(out["DIST_HI"], out["DIST"])
    assert out["limit_hi"].tolist() == [False, True]
    assert out["DIST"].notna().all()


def test_upper_end_beyond_reach_is_the_models_lower_limit(any_model):
    edge = any_model.dm_max(45.0, 60.0)
    out = any_model.dm_to_dist(45.0, 60.0, 0.9 * edge, 0.5 * edge).iloc[0]
    beyond = any_model.dm_to_dist(45.0, 60.0, 1.5 * edge).iloc[0]
    assert not out["limit"] and beyond["limit"]
    assert out["limit_hi"]
    assert out["DIST_HI"] == pytest.approx(beyond["DIST"], rel=1e-12)
    assert out["DIST_HI"] > out["DIST"]
    inside = any_model.dm_to_dist(45.0, 60.0, 0.5 * edge, 0.1 * edge).iloc[0]
    assert not inside["limit_hi"]


def test_dm_profile_is_zero_at_zero_distance(any_model):
    dm = any_model.dm_profile([30.0, 200.0], [1.0, -40.0], [0.0, 1e-9, 1.0])
    np.testing.assert_array_equal(dm[:, 0], 0.0)
    assert (dm[:, 1] > 0).all() and (dm[:, 1] < 1e-5).all()


# --- every discontinuity cut -----------------------------------------------------------------

def _tangent_grazes(model, depth):
    """In-plane sightlines that enter an arm's reach by ``depth`` kpc and leave it again."""
    theta, radius = arm_centrelines(model.parameters)
    cut = model.tables.P[P_ARMCUT]
    sun = np.array([0.0, model.tables.P[P_RSUN]])
    found = []
    for a in range(theta.shape[0]):
        spline = CubicSpline(theta[a], radius[a])

        def frame(t, spline=spline):
            r, dr = spline(t), spline(t, 1)
            c = np.array([-r * np.sin(t), r * np.cos(t)])
            tan = np.array([-dr * np.sin(t) - r * np.cos(t), dr * np.cos(t) - r * np.sin(t)])
            tan /= np.hypot(*tan)
            return c, tan, np.array([-tan[1], tan[0]])

        for side in (-1.0, 1.0):
            def cross(t, side=side):
                c, tan, nrm = frame(t)
                p = c + side * cut * nrm - sun
                return p[0] * tan[1] - p[1] * tan[0]

            ts = np.linspace(theta[a, 1], theta[a, -2], 400)
            values = [cross(t) for t in ts]
            for k in range(len(ts) - 1):
                if np.sign(values[k]) != np.sign(values[k + 1]):
                    t = brentq(cross, ts[k], ts[k + 1], xtol=1e-14)
                    c, _, nrm = frame(t)
                    p = c + side * (cut - depth) * nrm - sun
                    found.append((a, p))
    return found


def test_a_chord_through_an_arm_reach_within_one_panel_is_cut(ne2025):
    """A sightline tangent to an arm's 3 wa reach, 1e-4 kpc inside it, crosses the reach over
    a chord of a few tens of pc: far shorter than a 0.5 kpc panel, so both panel ends lie
    outside. The engine must still find it (the certified reference does)."""
    T = ne2025.tables
    checked = 0
    for a, p in _tangent_grazes(ne2025, 1e-4):
        dist = float(np.hypot(*p))
        l_deg = float(np.degrees(np.arctan2(p[0], -p[1])) % 360.0)
        u = unit(l_deg, 0.0)
        s = np.linspace(dist - 0.1, dist + 0.1, 20001)
        gap = np.array([arm_gap(v, a, u, T.P, T.arm_par, T.arm_coef, T.arm_grid)
                        for v in s])
        inside = s[gap < 0]
        if inside.size == 0 or inside.max() - inside.min() > 0.2:
            continue
        ends = [dist + 0.4, dist + 1.0]
        ours = ne2025.dist_to_dm(l_deg, 0.0, ends)["DM"].to_numpy()
        ref, _ = reference(ne2025, [l_deg] * 2, [0.0] * 2, ends)
        np.testing.assert_allclose(ours, ref, rtol=1e-6)
        checked += 1
    assert checked >= 3


# NE2001 sightlines that graze arm 3's reach (min gap -4.5e-4 kpc, a chord of 0.108 kpc)
GRAZES_NE2001 = np.array([
    [287.72525676633302, -0.54813901807556276, 6.8284181789582465],
    [287.72531280076953, -0.089010530546855066, 11.402495146890937],
    [287.72535874740038, 1.0320430480908585, 9.8190886219797271],
])


def test_the_crossing_after_an_arm_entry_is_not_the_entry_again(ne2001):
    """Right after entering a reach, the gap is known only to a rounding error: a search for
    the exit from the entry itself found the entry again 3e-15 kpc on, read it as the exit,
    and lost the 0.108 kpc chord (the DM was 1.4-2.2e-5 high)."""
    l_deg, b_deg, dist = GRAZES_NE2001.T
    ours = ne2001.dist_to_dm(l_deg, b_deg, dist)["DM"].to_numpy()
    ref, _ = reference(ne2001, l_deg, b_deg, dist)
    np.testing.assert_allclose(ours, ref, rtol=1e-6)


def test_short_local_hot_bubble_chords_are_cut(ne2025):
    """The bubble moved beside the Sun (crafted tables): a sightline clipping the side of its
    cylinder crosses it over a chord well under the 1 pc a scan would step. Its crossings are
    roots of a quartic, so the engine cuts even such chords; the reference finds them by
    sampling membership every 1e-6 kpc."""
    from adversarial_accuracy import _lhb_crossings, reference_batch

    from mwprop_batch.families.ne.kernels.layout import P_LHB

    T = ne2025.tables
    P = T.P.copy()
    x0, a0, bb = 0.3, P[P_LHB + 3], P[P_LHB + 4]
    P[P_LHB], P[P_LHB + 1], P[P_LHB + 2], P[P_LHB + 6] = x0, P[P_RSUN], 0.0, 0.0
    moved = T._replace(P=P)
    # the line y - y_sun = k x tangent to ((x - x0) / a)^2 + ((y - y_sun) / b)^2 = 1
    k = bb * np.sqrt(x0**2 / a0**4 / (x0**2 / a0**2 - 1.0) - 1.0 / a0**2)
    run = lambda kernel, *args: kernel(*args)  # noqa: E731
    checked = 0
    for depth in (1e-7, 1e-6, 1e-5):
        l_deg = float(np.degrees(np.arctan2(1.0, -k * (1.0 - depth))))
        u = unit(l_deg, 0.0)
        chord = np.sort(_lhb_crossings(u[0], u[1], u[2], 0.6, P))
        assert len(chord) == 2 and 0.0 < chord[1] - chord[0] < 1e-3
        ours = sightlines.dist_to_dm(moved, np.array([l_deg]), np.array([0.0]),
                                     np.array([0.6]), False, 1.0, 100.0, "nan", run)["DM"]
        ref, _ = reference_batch(np.array([l_deg]), np.array([0.0]), np.array([0.6]), *moved,
                                 *np.polynomial.legendre.leggauss(10))
        assert ours.iloc[0] == pytest.approx(ref[0], rel=1e-7)
        checked += 1
    assert checked == 3


def test_series_results_do_not_depend_on_the_index_order(ne2025):
    index = pd.Index(["b", "a"])
    out = ne2025.dist_to_dm(pd.Series([30.0, 40.0], index=index), 1.0, 2.0)
    assert out.index.equals(index)


def test_undefined_scattering_never_carries_ok(ne2025):
    """A path too short to scatter gives 0/0 or 1/0 in some columns: never marked ok."""
    out = ne2025.dist_to_dm([30.0, 30.0], [1.0, 1.0], [1e-300, 1.0], scattering=True)
    assert out["status"].iloc[0].startswith("scattering not finite: SBW")
    assert out["status"].iloc[1] == "ok"
    values = out.drop(columns=["status", "limit"]).to_numpy(dtype=float)
    assert np.isfinite(values[1]).all()
