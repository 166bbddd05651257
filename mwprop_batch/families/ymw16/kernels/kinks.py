"""Where YMW16's n_e kinks inside a panel: the disks' n_e is the thick disk plus the larger of
the thin disk and the arms (:func:`mwprop_batch.families.ymw16.kernels.density.galaxy`), so its
slope jumps
where the two cross. A Gauss-Legendre panel across such a kink errs by up to ~1e-2 pc cm^-3
in the inner Galaxy; :mod:`mwprop_batch.families.ymw16.kernels.los` cuts its panels there, with the
helpers here (numba kernels, pc inside).

The crossing is seen where the sign of thin - arms differs between the panel's start, its
Gauss-Legendre nodes and its end (at the ends, from the line through the two nearest nodes
unless that line nears zero), or at points every KINK_SCAN pc between two nodes where the two
are close (within KINK_NEAR of n_e on the nodes' average) and the polynomial through the
nodes shows a pair of crossings or a near touch between them (FIT_*); it is located by
:func:`secant_point` steps (shared with
:func:`mwprop_batch.families.ymw16.kernels.switch.state_switch`). Two crossings under KINK_SCAN
apart,
between nodes where the two differ by more than that, or that the fit does not show, are not
seen.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER, GL_WEIGHTS

from . import cuts as C
from . import density as K

KINK_TOL = 1e-3  # pc: a kink located to this leaves an error ~ slope jump x KINK_TOL^2
KINK_STEPS = 40  # secant or bisection steps to locate a kink (bisection alone needs ~17)
SLOW_STEPS = 3  # secant steps in a row that fail to halve the bracket before one bisection
# Two crossings can hide between neighbouring nodes (up to ~140 pc apart) where the two are
# close: between two nodes where |thin - arms| adds up to less than KINK_NEAR times n_e's,
# thin - arms is also looked at every KINK_SCAN pc (toward l, b = 351.70, -1.21 the arms
# rise above the thin disk for 104 pc between two nodes near 4.36 kpc; unseen, the DM to
# 9.5 kpc was 4.6e-4 low).
KINK_NEAR = 0.25
KINK_SCAN = 20.0  # pc
# ... but only where the polynomial through thin - arms at the panel's nodes (the fit), looked
# at every FIT_STEP pc, changes sign twice, or touches within FIT_NEAR n_e + FIT_TAIL
# (|c4| + |c5|) of zero without a change of sign (c_j: its Legendre coefficients, whose last
# two estimate its error; in the case above it falls to 1.5e-5 cm^-3 of zero, where n_e is
# 0.11; the largest error of the fit seen where the tail said less, on that sightline, was 2%
# of n_e, with thin - arms still 9% of n_e from zero). A single change of sign is a crossing
# that the nodes show: looking every KINK_SCAN pc next to each took most of the time.
FIT_STEP = 10.0  # pc
FIT_NEAR = 0.02
FIT_TAIL = 2.0
# thin - arms at the nodes -> the fit's coefficients of t^0 ... t^5 (t in [-1, 1] on the panel)
_MONOMIAL = np.linalg.inv(np.vander(GL_NODES, GL_ORDER, increasing=True))
_TAIL = np.array([[0.5 * (2 * j + 1) * GL_WEIGHTS[k]
                   * np.polynomial.legendre.legval(GL_NODES[k], np.eye(GL_ORDER)[j])
                   for k in range(GL_ORDER)] for j in (GL_ORDER - 2, GL_ORDER - 1)])


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def secant_point(lo: float, hi: float, xa: float, ga: float, xb: float, gb: float,
                 slow: int, tol: float) -> tuple[float, int]:
    """The next point at which to look for a sign change of g bracketed by [lo, hi]: the
    secant through the last two points (xb the latest) where it falls inside the bracket,
    else (or after SLOW_STEPS steps in a row that did not halve it) the bisection; a secant
    point within tol/2 of xb is moved tol/2 past it, so the bracket closes. Returns the point
    and the new count of slow steps, to be updated by :func:`slow_steps`."""
    mid = xb - gb * (xb - xa) / (gb - ga) if gb != ga else np.nan
    if not lo < mid < hi or slow >= SLOW_STEPS:
        mid, slow = 0.5 * (lo + hi), 0
    elif abs(mid - xb) < 0.5 * tol:
        mid = xb + math.copysign(0.5 * tol, mid - xb)
    return min(max(mid, lo + 0.5 * tol), hi - 0.5 * tol), slow


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def slow_steps(slow: int, width: float, lo: float, hi: float) -> int:
    """Steps in a row that failed to halve the bracket (``width`` before the step)."""
    return slow + 1 if hi - lo > 0.5 * width else 0


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def thin_over_arms(s: float, u, l_deg: float, P, arms) -> float:
    """Thin disk minus arms n_e (cm^-3) at distance s (pc) along the sightline."""
    x, y, z = C.along(s, u, P)
    r = math.sqrt(x * x + y * y)
    # (as :func:`mwprop_batch.families.ymw16.kernels.density.galaxy` has them)
    theta = math.atan2(y, x)
    if theta < 0.0:
        theta += K.TWO_PI
    zw = K.warped_z(z, r, theta, P)
    gd = K.thick_disk(zw, r, P)[1]
    thin = 0.0
    hh = P[K.K2] * K.scale_height(r, P)
    if r - P[K.B2] <= P[K.CUT] * P[K.A2] and abs(zw) <= P[K.CUT] * hh:
        thin = P[K.N2] * gd * K.sech2((r - P[K.B2]) / P[K.A2]) * K.sech2(zw / hh)
    return thin - K.spiral_arms(zw, r, theta, gd, P, arms)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _crossing(lo: float, hi: float, g_lo: float, g_hi: float, u, l_deg: float, P,
              arms) -> tuple[float, bool]:
    """Where thin - arms changes sign in [lo, hi] (its values there: g_lo, g_hi; NaN where
    not known), to KINK_TOL; the sign at hi is that of g_hi's side. Returns the point and
    whether it was located (False when KINK_STEPS steps left a bracket wider than
    KINK_TOL)."""
    above = g_hi > 0.0
    xa, ga, xb, gb = lo, g_lo, hi, g_hi
    slow = np.int64(0)  # (a literal would compile secant_point and slow_steps twice)
    for _ in range(KINK_STEPS):
        width = hi - lo
        if width <= KINK_TOL:
            break
        if math.isnan(ga) or math.isnan(gb):
            mid, slow = 0.5 * (lo + hi), np.int64(0)
        else:
            mid, slow = secant_point(lo, hi, xa, ga, xb, gb, slow, KINK_TOL)
        g = thin_over_arms(mid, u, l_deg, P, arms)
        if (g > 0.0) == above:
            hi = mid
        else:
            lo = mid
        xa, ga, xb, gb = xb, gb, mid, g
        slow = slow_steps(slow, width, lo, hi)
    return hi, hi - lo <= KINK_TOL


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _end_gap(x_end: float, x1: float, g1: float, x2: float, g2: float, u, l_deg: float, P,
             arms) -> float:
    """thin - arms at a panel's end x_end, next to its nodes x1 (the nearer) and x2: their
    line, unless it crosses zero or halves |g1| before x_end (then it is evaluated). The end
    lies within 3.4% of the panel's length of x1, and the profiles' scales are at least
    three times the node spacing, so the line holds there."""
    if x1 == x2:  # (a panel of no length)
        return g1
    line = g1 + (g1 - g2) * (x_end - x1) / (x1 - x2)
    if (line > 0.0) == (g1 > 0.0) and abs(line) >= 0.5 * abs(g1):
        return line
    return thin_over_arms(x_end, u, l_deg, P, arms)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _fit(gaps) -> tuple[float, float, float, float, float, float]:
    """The fit's coefficients of t^0 ... t^5 (see _MONOMIAL; GL_ORDER is 6)."""
    c0 = c1 = c2 = c3 = c4 = c5 = 0.0
    for k in range(GL_ORDER):
        c0 += _MONOMIAL[0, k] * gaps[k]
        c1 += _MONOMIAL[1, k] * gaps[k]
        c2 += _MONOMIAL[2, k] * gaps[k]
        c3 += _MONOMIAL[3, k] * gaps[k]
        c4 += _MONOMIAL[4, k] * gaps[k]
        c5 += _MONOMIAL[5, k] * gaps[k]
    return c0, c1, c2, c3, c4, c5


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _fit_pair(lo: float, hi: float, mid: float, half: float, fit, margin: float) -> bool:
    """Whether the polynomial through thin - arms at the panel's nodes (``fit``: its
    coefficients from :func:`_fit`, cm^-3; a quintic, GL_ORDER being 6), looked at
    every FIT_STEP pc or less from lo to hi (pc), may
    hide a pair of crossings there: it changes sign twice or more, or it has a minimum of its
    magnitude within ``margin`` (cm^-3) of zero without a change of sign (a near touch; at lo
    and hi too, from one more point outside). ``mid``, ``half``: the panel's middle and half
    length (pc)."""
    c0, c1, c2, c3, c4, c5 = fit
    steps = max(1, int(math.ceil((hi - lo) / FIT_STEP)))
    changes = 0
    p0 = p1 = 0.0
    for j in range(-1, steps + 2):
        t = (lo + (hi - lo) * j / steps - mid) / half
        p2 = c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * c5))))
        if j >= 1:
            if j <= steps and (p1 > 0.0) != (p2 > 0.0):
                changes += 1
            if (abs(p1) < margin and (p0 > 0.0) == (p1 > 0.0) == (p2 > 0.0)
                    and abs(p1) <= abs(p0) and abs(p1) <= abs(p2)):
                return True
        p0, p1 = p1, p2
    return changes >= 2


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def first_kink(a: float, b: float, above_a: int, gaps, values, u, l_deg: float, P,
               arms) -> tuple[float, bool, bool]:
    """The first place in the panel [a, b] where the thin disk and the arms cross, given
    thin - arms and n_e at the panel's nodes (``gaps``, ``values``; cm^-3) and whether the
    thin disk is above at a
    (``above_a``: 1 or 0; -1 when not known: then from the nodes next to a, as at b, see
    :func:`_end_gap`): (b, whether it is above at b) when they do not cross, else (the
    crossing, whether it is above just after); then whether the crossing was located
    (see :func:`_crossing`; True when there is none)."""
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    node0, node1 = mid + half * GL_NODES[0], mid + half * GL_NODES[1]
    g_a = np.nan
    if above_a < 0:
        g_a = _end_gap(a, node0, gaps[0], node1, gaps[1], u, l_deg, P, arms)
        above_a = 1 if g_a > 0.0 else 0
    above = above_a == 1
    tail = 0.0
    for j in range(2):
        c = 0.0
        for k in range(GL_ORDER):
            c += _TAIL[j, k] * gaps[k]
        tail += abs(c)
    fit, fitted = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0), False  # (computed when first needed)
    bend = 0.0
    lo, g_lo = a, g_a
    for k in range(GL_ORDER + 1):
        if k < GL_ORDER:
            hi, g_hi = mid + half * GL_NODES[k], gaps[k]
            if k == 0:  # (the panel's ends are within 3.4% of its length of a node)
                near = abs(g_hi) < KINK_NEAR * values[k]
            else:
                near = abs(g_lo) + abs(g_hi) < KINK_NEAR * (values[k - 1] + values[k])
        else:
            hi = b
            g_hi = _end_gap(b, lo, g_lo, mid + half * GL_NODES[GL_ORDER - 2],
                            gaps[GL_ORDER - 2], u, l_deg, P, arms)
            near = abs(g_lo) < KINK_NEAR * values[k - 1]
        if near:  # close: the fit through the nodes says whether a pair may hide between
            v = values[k] if k == 0 else values[k - 1] if k == GL_ORDER else (
                0.5 * (values[k - 1] + values[k]))
            margin = FIT_NEAR * v + FIT_TAIL * tail
            if not fitted:
                fit = _fit(gaps)
                bend = (2.0 * abs(fit[2]) + 6.0 * abs(fit[3]) + 12.0 * abs(fit[4])
                        + 20.0 * abs(fit[5]))  # >= |the fit's second derivative in t|
                fitted = True
            h = (hi - lo) / half
            # (where the ends agree in sign, the fit stays above the lower end less
            # bend h^2 / 8, which when above margin rules out both a pair and a touch)
            near = (not ((g_lo > 0.0) == (g_hi > 0.0)
                         and min(abs(g_lo), abs(g_hi)) - 0.125 * bend * h * h >= margin)
                    and _fit_pair(lo, hi, mid, half, fit, margin))
        if near:  # a pair of crossings may lie between
            steps = int(math.ceil((hi - lo) / KINK_SCAN))
            x_prev, g_prev = lo, g_lo
            for j in range(1, steps):
                x = lo + (hi - lo) * j / steps
                g = thin_over_arms(x, u, l_deg, P, arms)
                if (g > 0.0) != above:
                    kink, located = _crossing(x_prev, x, g_prev, g, u, l_deg, P, arms)
                    return kink, not above, located
                x_prev, g_prev = x, g
        if (g_hi > 0.0) != above:
            kink, located = _crossing(lo, hi, g_lo, g_hi, u, l_deg, P, arms)
            return kink, not above, located
        lo, g_lo = hi, g_hi
    return b, above, True
