"""The line-of-sight root finders converge fast where plain Newton or bisection crawl, and land
on the root: a DM target where the density falls to 0 (a limit row's DIST at the thick disk's
edge), an arm-reach crossing, the local hot bubble's surface."""

from fractions import Fraction

import numpy as np
import pytest
from kernel_calls import from_python

from mwprop_batch.families.ne.kernels import crossings, lhb, los, march, panel_quadrature
from mwprop_batch.families.ne.kernels.crossings import ROOT_TOL
from mwprop_batch.families.ne.kernels.layout import P_A1, P_RSUN

# kernels only kernels call (no Python entry point), through compiled callers
panel = from_python(los._panel)
solve_in_panel = from_python(los._solve_in_panel)
arm_gap = from_python(crossings._arm_gap)
arm_crossing = from_python(crossings._arm_crossing)
poly_roots = from_python(lhb.poly_roots)


def unit(l_deg, b_deg):
    lr, br = np.radians(l_deg), np.radians(b_deg)
    return np.array([np.cos(br) * np.sin(lr), -np.cos(br) * np.cos(lr), np.sin(br)])


@pytest.mark.parametrize("share", [1e-6, 1e-9, 1e-11])
def test_a_target_where_the_density_falls_to_zero_is_placed_in_a_few_steps(ne2025, share):
    """Toward the anticentre the thick disk ends at r = A1, its density falling linearly to 0:
    the DM short of the panel's total by ``share`` is reached near a double root, where
    Newton alone halves the distance to it each step (13 to 20 steps here)."""
    T = ne2025.tables
    b_deg = 3.0
    u = unit(180.0, b_deg)
    edge = (T.P[P_A1] - T.P[P_RSUN]) / np.cos(np.radians(b_deg))
    a = edge - 0.45
    total = panel(a, edge, u, *T, panel_quadrature.TAIL)[0]
    need = total * (1.0 - share)
    hit, q, ok = solve_in_panel(a, edge, total, need, u, *T, 10, panel_quadrature.TAIL)
    assert ok and a < hit < edge
    assert q[0] == pytest.approx(need, rel=1e-13, abs=0.0)
    # the root is where it is: the DM a tenth of its distance to the edge before and after
    # it brackets the target
    step = 0.1 * (edge - hit)
    assert panel(a, hit - step, u, *T, panel_quadrature.TAIL)[0] < need
    assert panel(a, hit + step, u, *T, panel_quadrature.TAIL)[0] > need


def test_an_arm_crossing_is_located_in_a_few_steps_and_on_its_far_side(ne2025):
    T = ne2025.tables
    u = unit(30.0, 0.0)
    args = (u, T.P, T.arm_par, T.arm_coef, T.arm_grid)
    s = np.linspace(0.0, 12.0, 121)
    found = 0
    for a in range(T.arm_par.shape[0]):
        gaps = np.array([arm_gap(v, a, *args) for v in s])
        for k in np.flatnonzero(np.diff(np.sign(gaps)) != 0):
            lo, hi = s[k], s[k + 1]
            hit, ok = arm_crossing(lo, hi, a, *args, 6)
            assert ok and lo < hit <= hi
            # on hi's side, and the crossing within ROOT_TOL before it
            assert (arm_gap(hit, a, *args) < 0.0) == (gaps[k + 1] < 0.0)
            assert (arm_gap(hit - ROOT_TOL, a, *args) < 0.0) == (gaps[k] < 0.0)
            found += 1
    assert found >= 4


def _exact_sign(coef, x):
    value = sum(Fraction(float(c)) * Fraction(float(x)) ** k for k, c in enumerate(coef))
    return (value > 0) - (value < 0)


def test_poly_roots_finds_every_root_to_root_tol():
    """Each root found lies within 1e-12 of a sign change of the (exactly evaluated)
    polynomial, and none is missed."""
    rng = np.random.default_rng(3)
    out, work = np.empty(4), np.empty(12)
    for _ in range(200):
        roots = -0.3 + np.cumsum(rng.uniform(0.2, 1.0, 4))  # apart: well conditioned
        coef = np.polynomial.polynomial.polyfromroots(roots) * rng.choice([-1.0, 1.0])
        n = poly_roots(coef, 4, 0.0, 5.0, out, work)
        assert n == np.count_nonzero(roots > 0.0)
        for r in out[:n]:
            assert _exact_sign(coef, r - 1e-12) == -_exact_sign(coef, r + 1e-12) != 0


# DM -> D rows that ended NaN "not converged: _solve_in_panel" (issue 28): Newton cycled
# between two points 2e-12 kpc apart whose panel integrals differ only by rounding (so the
# bracket never narrowed), and its bisection fallback never ran (the step counter was
# overwritten by the Newton step). (model, l, b, DM): six of the seeded million NE2025 rows,
# the `mwprop-batch los` row, an NE2001 row of the same draw.
CYCLING_ROWS = [
    ("ne2025", 54.960772028884485, -27.281491696195207, 243.55080920217267),
    ("ne2025", 329.33135924208887, 13.490201820312093, 268.26854625259153),
    ("ne2025", 50.90612004170222, 23.497293285487896, 130.32867122378582),
    ("ne2025", 102.757469655918, 34.206382739524855, 334.3711893918211),
    ("ne2025", 238.74658858634362, -38.4180388796699, 498.46584391680517),
    ("ne2025", 277.3746844836532, 29.20611148679494, 59.03587432573897),
    ("ne2025", 308.7590589593375, 8.343956340916254, 377.1246510691089),
    ("ne2001", 307.658111559806, 13.091366410590998, 174.76279991270388),
]


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("name", ["ne2001", "ne2025"])
def test_rows_where_newton_cycled_are_limit_rows(name, compiled):
    from mwprop_batch import Model
    from mwprop_batch.core.interpreted import interpreted
    from mwprop_batch.core.parallel import run_parallel_kernel, split_rows

    def run_interpreted(kernel, *args):
        rows, tables = split_rows(kernel, args)
        return interpreted(kernel)(*rows, *tables)

    model = Model(name)
    model._run = run_parallel_kernel if compiled else run_interpreted
    rows = np.array([r[1:] for r in CYCLING_ROWS if r[0] == name])
    out = model.dm_to_dist(rows[:, 0], rows[:, 1], rows[:, 2])
    assert (out["status"] == "ok").all() and out["limit"].all()
    assert np.isfinite(out[["DIST", "DM"]].to_numpy()).all()
    np.testing.assert_allclose(out["DM"], model.dm_max(rows[:, 0], rows[:, 1]), rtol=1e-14)
    if name == "ne2025":  # as 6164295 had them
        assert out["DIST"].iat[0] == pytest.approx(23.556, abs=5e-4)
        assert out["DM"].iat[0] == pytest.approx(58.97, abs=5e-3)
        assert out["DM"].iat[6] == pytest.approx(241.57, abs=5e-3)


def test_solve_in_panel_breaks_a_cycle_of_two_points(ne2025):
    """The panel of the first row above, where Newton cycled: placed, on its target."""
    T = ne2025.tables
    u = unit(54.960772028884485, -27.281491696195207)
    a, b = 23.177857879790967, 23.55719209331735
    total, need = 7.308671075371571e-07, 7.308612097745026e-07
    hit, q, ok = solve_in_panel(a, b, total, need, u, *T)
    assert ok and a < hit < b
    assert q[0] == pytest.approx(need, rel=1e-12, abs=0.0)


def synthetic_solver(power: float, root: float):
    """The interpreted _solve_in_panel on the integral sign(s - root) |s - root|^power (its
    density power |s - root|^(power - 1) is infinite at the root)."""
    from types import FunctionType

    from mwprop_batch.core.interpreted import _module_globals

    def integral(s):
        return np.copysign(abs(s - root) ** power, s - root)

    def panel(a, s, *rest):
        return panel_quadrature.KPC_TO_PC * (integral(s) - integral(a)), 0.0, 0.0, 0.0, 0.0

    def integrand(s, *rest):
        return (power * abs(s - root) ** (power - 1.0) if s != root else np.inf), 0.0

    names = {**_module_globals(panel_quadrature.__name__), "_panel": panel, "_integrand": integrand}
    source = panel_quadrature._solve_in_panel.py_func
    solve = FunctionType(source.__code__, names, source.__name__, source.__defaults__)
    total = panel_quadrature.KPC_TO_PC * (integral(0.75) - integral(0.0))
    need = -panel_quadrature.KPC_TO_PC * integral(0.0)
    return lambda: solve(0.0, 0.75, total, need, *[None] * 9)


@pytest.mark.parametrize("power", [0.5, 0.6])
def test_solve_in_panel_bisects_where_newton_cycles_or_crawls(power):
    """Newton on |x|^0.5 jumps from x to -x forever; on |x|^0.6 it shrinks by 2/3 a step,
    too slowly for the step budget: the bracket and the bisection fallback place both."""
    hit, _, ok = synthetic_solver(power, root=0.3)()
    assert ok and abs(hit - 0.3) <= ROOT_TOL


@pytest.mark.parametrize("sightline", [(315.7108538515149, -56.02552240205412),
                                       (225.03436797768012, 39.04277851474599)])
def test_distance_never_decreases_as_dm_grows_through_the_maximum(ne2025, sightline):
    """A DM within LIMIT_FRACTION of the sightline's total is a limit row's (where the DM
    all but stops growing its distance is not determined): at the total itself DIST was
    10 kpc beyond the limit rows' DIST of a DM one ulp larger."""
    eps = np.finfo(np.float64).eps
    shares = np.array([1 - 1e-10, 1 - 1e-12, 1 - 2e-13, 1 - 1e-13, 1 - 1e-14, 1 - 4 * eps,
                       1 - eps, 1.0, 1 + eps, 1 + 4 * eps, 1 + 1e-13, 1 + 1e-10])
    top = ne2025.dm_max(*sightline)
    n = shares.size
    for dm_err in (np.zeros(n), 1e-13 * top * shares):  # and each as the middle of three
        out = ne2025.dm_to_dist(np.full(n, sightline[0]), np.full(n, sightline[1]),
                                top * shares, dm_err)
        assert (out["status"] == "ok").all()
        dist = out["DIST"].to_numpy()
        assert (np.diff(dist) >= -ROOT_TOL).all(), dist
        np.testing.assert_array_equal(out["limit"], shares >= 1 - 1e-13)
        assert (out["DM"][out["limit"]] == top).all()


def _interpreted_run(kernel, *args):
    """A Model's runner, always interpreted (so a lowered cap takes effect)."""
    from mwprop_batch.core.interpreted import interpreted

    return interpreted(kernel)(*args)


@pytest.mark.parametrize("direction", ["dm_to_dist", "dist_to_dm"])
def test_the_ne_march_panel_cap_flags_its_row(model, monkeypatch, direction):
    """A sightline that needs more panels than march.MAX_PANELS is flagged 'not converged:
    march.march' with NaN results, never returned as a partial integral marked ok."""
    from mwprop_batch.core.interpreted import interpreted
    from mwprop_batch.families.ne import engine as sightlines

    args = (model.tables, np.array([30.0]), np.array([1.0]), np.array([300.0 if
            direction == "dm_to_dist" else 8.0]))
    extra = (None,) if direction == "dm_to_dist" else ()
    run = getattr(sightlines, direction)
    ok = run(*args, *extra, False, 1.0, 100.0, "nan", _interpreted_run)
    assert ok["status"].iloc[0] == "ok"
    monkeypatch.setitem(interpreted(march.march).__globals__, "MAX_PANELS", 3)
    capped = run(*args, *extra, False, 1.0, 100.0, "nan", _interpreted_run)
    assert capped["status"].iloc[0] == "not converged: march.march"
    assert np.isnan(capped["DIST" if direction == "dm_to_dist" else "DM"].iloc[0])
