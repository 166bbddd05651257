"""The bounds behind YMW16's certified take-over search (kernels/ymw16_switch.py) hold on
random stretches of random sightlines through the Local Bubble, the Gum Nebula and Loop I, and
a search that runs out of evaluations says so."""

import math

import numpy as np
import pytest
from kernel_calls import from_python

from mwprop_batch.families.ymw16.kernels import combination
from mwprop_batch.families.ymw16.kernels import cuts as C
from mwprop_batch.families.ymw16.kernels import density as K
from mwprop_batch.families.ymw16.kernels import switch as S
from mwprop_batch.families.ymw16.kernels import take_over as T
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER
from mwprop_batch.model import Model

# kernels compiled without a CPython wrapper (ONLY_FROM_KERNELS): called through compiled callers
galaxy, sightline, radius_range = (from_python(f) for f in (combination.galaxy, C.sightline,
                                                              C.radius_range))
disks_at, panel_regions = from_python(S.disks_at), from_python(S.panel_regions)
disk_rate, feature_ceilings = from_python(T.disk_rate), from_python(T.feature_ceilings)
search_bounds, first_take_over = from_python(T.search_bounds), from_python(T.first_take_over)
lobe1_reach = from_python(C._lobe1_reach)

LOCAL = K.HAS_LB | K.HAS_GUM | K.HAS_LI | K.HAS_THIN | K.HAS_ARMS


@pytest.fixture(scope="module")
def tables():
    return Model("ymw16").tables


def stretches(seed: int, n: int):
    """Random sightlines (l deg, unit vector) and stretches [s0, s1] (pc) within 700 pc of the
    Sun, 0.01-200 pc long, with 40 points inside each."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        l_deg, b_deg = rng.uniform(0, 360), math.degrees(math.asin(rng.uniform(-1, 1)))
        length = 10 ** rng.uniform(-2, math.log10(200))
        s0 = rng.uniform(0, 700 - length)
        yield l_deg, b_deg, s0, s0 + length, np.linspace(s0, s0 + length, 40)


def components(s, u, l_deg, P, arms):
    x, y, z = s * u[0], P[K.R_SUN] + s * u[1], P[K.Z_SUN] + s * u[2]
    return galaxy(x, y, z, l_deg, LOCAL, P, arms)


def lobe1_hidden(s, u, P) -> bool:
    return K.lb_lobe1_hidden(s * u[0], P[K.R_SUN] + s * u[1], P[K.Z_SUN] + s * u[2], P)


def test_feature_ceilings_bound_the_features(tables):
    """On stretches where the Local Bubble's lobe 1 is shown or hidden throughout (the engine
    cuts its panels where that flips; ymw16_cuts._lobe1_switches)."""
    P, arms = tables
    checked = 0
    for l_deg, b_deg, s0, s1, points in stretches(1, 1500):
        u = sightline(l_deg, b_deg, P)[0]
        if len({lobe1_hidden(s, u, P) for s in points}) > 1:
            continue
        lobes = search_bounds(700.0, u, l_deg, P, arms)[2]
        lb_ceiling, other_ceiling = feature_ceilings(s0, s1, u, lobes, LOCAL, P)
        for s in points:
            found = components(s, u, l_deg, P, arms)
            assert found[6] <= lb_ceiling * (1 + 1e-12) + 1e-300, (l_deg, b_deg, s0, s1, s)
            assert max(found[5], found[7]) <= other_ceiling * (1 + 1e-12) + 1e-300, (
                l_deg, b_deg, s0, s1, s)
            checked += found[6] > 0 or found[5] > 0 or found[7] > 0
    assert checked > 5000  # the sample reaches the features


def test_disk_rate_bounds_how_fast_the_disks_change(tables):
    """|ln D(s) - ln D(s')| <= rate |s - s'| between points of a stretch, for both disk values
    (up to an arm's cut-off drop, at most ~3e-5 of its peak, which the rate leaves out); the
    dimmed value on stretches that stay on one side of the Local Bubble's radius (the engine
    cuts its panels there: J_LB applies inside)."""
    P, arms = tables
    worst = 0.0
    for l_deg, b_deg, s0, s1, points in stretches(2, 1500):
        u = sightline(l_deg, b_deg, P)[0]
        r_lo, r_hi = radius_range(s0, s1, u, P)
        z_max = max(abs(P[K.Z_SUN] + s0 * u[2]), abs(P[K.Z_SUN] + s1 * u[2]))
        rate, step = disk_rate(r_lo, r_hi, z_max, u, LOCAL, P, arms)
        assert step == 0.0  # J_FB = 1: no Fermi-bubble edge
        disks = np.array([disks_at(s, u, l_deg, LOCAL, P, arms)[:2] for s in points])
        inside = {components(s, u, l_deg, P, arms)[10] <= P[K.R_LB] for s in points}
        for j in range(1 if len(inside) > 1 else 2):
            d = disks[:, j]
            spread = np.abs(np.log(d[:, None]) - np.log(d[None, :]))
            allowed = rate * np.abs(points[:, None] - points[None, :]) + 3e-5 / d.min()
            assert (spread <= allowed).all(), (l_deg, b_deg, s0, s1)
            worst = max(worst, float((spread / np.maximum(allowed, 1e-300)).max()))
    assert worst > 0.2  # the bound is not vacuous on this sample (0.28 measured)


def test_a_search_out_of_evaluations_is_reported(tables):
    """The take-over toward (222.048, -77.612) near s = 286 pc is found with the normal
    budget; with 3 evaluations the search stops, unproved, and says so."""
    P, arms = tables
    l_deg, b_deg, a, b = 222.048, -77.612, 223.2672713929542, 293.16296773167375
    u = sightline(l_deg, b_deg, P)[0]
    values, disks = np.empty(GL_ORDER), np.empty((GL_ORDER, 2))
    _, first = panel_regions(a, b, u, l_deg, 52, P, arms, values, disks, np.empty(GL_ORDER),
                               K.DISKS)
    assert first == GL_ORDER  # every node is in the disks' region
    bounds = search_bounds(400.0, u, l_deg, P, arms)
    stack = np.empty((T.STACK_DEPTH, 6))
    lo, hi, exhausted = first_take_over(a, b, u, l_deg, 52, P, arms, disks, stack, bounds)
    assert not exhausted and a < lo < hi < b
    assert disks_at(lo, u, l_deg, 52, P, arms)[2] <= 0.0 < disks_at(hi, u, l_deg, 52, P,
                                                                          arms)[2]
    assert 280.0 < hi < 292.0 and not (a + (b - a) * (1 + GL_NODES) / 2 == hi).any()
    _, _, exhausted = first_take_over(a, b, u, l_deg, 52, P, arms, disks, stack, bounds,
                                        budget=3)
    assert exhausted


def test_a_take_over_before_the_first_node_a_feature_governs_is_found(tables):
    """Toward (263.184, -13.540) a 447 pc panel where the disks govern at its start crosses
    the Gum Nebula's near wall (s = 300.5-372 pc) between nodes 2 and 3 and its far wall at
    node 5: the search starts from the nodes before node 5 and finds the near wall first."""
    P, arms = tables
    l_deg, b_deg, a, b = 263.1838685228308, -13.53999377572922, 210.91, 658.14
    local = K.HAS_GUM | K.HAS_THIN | K.HAS_ARMS
    u = sightline(l_deg, b_deg, P)[0]
    values, disks = np.empty(GL_ORDER), np.empty((GL_ORDER, 2))
    _, first = panel_regions(a, b, u, l_deg, local, P, arms, values, disks,
                               np.empty(GL_ORDER), K.DISKS)
    assert first == 4  # (s = 582.4 pc)
    bounds = search_bounds(700.0, u, l_deg, P, arms)
    stack = np.empty((T.STACK_DEPTH, 6))
    lo, hi, exhausted = first_take_over(a, b, u, l_deg, local, P, arms, disks, stack, bounds,
                                          first)
    assert not exhausted and 286.0 < lo < hi < 372.0
    assert disks_at(lo, u, l_deg, local, P, arms)[2] <= 0.0 < disks_at(hi, u, l_deg, local,
                                                                           P, arms)[2]


def test_lobe_1_flips_only_within_its_reach(tables):
    """Every flip of the Local Bubble lobe 1's viewing-angle test that a 0.25 pc scan finds
    out to 1 kpc, on 300 random sightlines, lies within C._lobe1_reach; flips beyond 300 pc
    occur (so a fixed 300 pc reach would fail)."""
    P, _ = tables
    rng = np.random.default_rng(7)
    s = np.arange(0.25, 1000.0, 0.25)
    farthest = 0.0
    for _ in range(300):
        l_deg, b_deg = rng.uniform(0, 360), math.degrees(math.asin(rng.uniform(-1, 1)))
        u = sightline(l_deg, b_deg, P)[0]
        x, y, z = s * u[0], P[K.R_SUN] + s * u[1], P[K.Z_SUN] + s * u[2]
        hidden = np.array([K.lb_lobe1_hidden(*p, P) for p in zip(x, y, z, strict=True)])
        flips = s[1:][hidden[1:] != hidden[:-1]]
        if flips.size:
            assert flips.max() <= lobe1_reach(u, 1000.0, P), (l_deg, b_deg)
            farthest = max(farthest, flips.max())
    assert farthest > 300.0
