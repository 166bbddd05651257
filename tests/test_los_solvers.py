"""The line-of-sight root finders converge fast where plain Newton or bisection crawl, and land
on the root: a DM target where the density falls to 0 (a limit row's DIST at the thick disk's
edge), an arm-reach crossing, the local hot bubble's surface."""

from fractions import Fraction

import numpy as np
import pytest

from mwprop_batch.kernels import crossings, los, march
from mwprop_batch.kernels.crossings import ROOT_TOL
from mwprop_batch.kernels.layout import P_A1, P_RSUN
from mwprop_batch.kernels.lhb import poly_roots


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
    total = los._panel(a, edge, u, *T, march.TAIL)[0]
    need = total * (1.0 - share)
    hit, q, ok = los._solve_in_panel(a, edge, total, need, u, *T, 10, march.TAIL)
    assert ok and a < hit < edge
    assert q[0] == pytest.approx(need, rel=1e-13, abs=0.0)
    # the root is where it is: the DM a tenth of its distance to the edge before and after
    # it brackets the target
    step = 0.1 * (edge - hit)
    assert los._panel(a, hit - step, u, *T, march.TAIL)[0] < need
    assert los._panel(a, hit + step, u, *T, march.TAIL)[0] > need


def test_an_arm_crossing_is_located_in_a_few_steps_and_on_its_far_side(ne2025):
    T = ne2025.tables
    u = unit(30.0, 0.0)
    args = (u, T.P, T.arm_par, T.arm_coef, T.arm_grid)
    s = np.linspace(0.0, 12.0, 121)
    found = 0
    for a in range(T.arm_par.shape[0]):
        gaps = np.array([crossings._arm_gap(v, a, *args) for v in s])
        for k in np.flatnonzero(np.diff(np.sign(gaps)) != 0):
            lo, hi = s[k], s[k + 1]
            hit, ok = crossings._arm_crossing(lo, hi, a, *args, 6)
            assert ok and lo < hit <= hi
            # on hi's side, and the crossing within ROOT_TOL before it
            assert (crossings._arm_gap(hit, a, *args) < 0.0) == (gaps[k + 1] < 0.0)
            assert (crossings._arm_gap(hit - ROOT_TOL, a, *args) < 0.0) == (gaps[k] < 0.0)
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
