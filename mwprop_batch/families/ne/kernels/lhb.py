"""Where a sightline crosses the local hot bubble's surface, found analytically.

The bubble (:func:`~mwprop_batch.families.ne.kernels.density.in_lhb`) is a slab |z - zc| <= c cut
by an
elliptic cylinder slanted in y with z, whose x semi-axis tapers linearly to ~0 below z = 0.
Along a sightline every coordinate is linear in s, so inside each part of the slab
(tapered or not) the cylinder condition ``X^2 + A^2 (Y^2 / b^2 - 1) <= 0`` is a polynomial
of degree <= 4 in s. Its real roots, found by isolating them between the roots of its
derivatives, are exact to ROOT_TOL however short the chord.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.sorting import sort_prefix

from .density import LHB_TAPER_TIP, in_lhb
from .layout import P_LHB_A, P_LHB_B, P_LHB_C, P_LHB_SLANT, P_LHB_X, P_LHB_Y, P_LHB_Z, P_RSUN

ROOT_TOL = 1e-13  # kpc
MAX_DEGREE = 4
MAX_CANDIDATES = 2 * (2 + MAX_DEGREE)  # per part of the slab: its ends and the roots
# scratch lhb_cuts needs: candidates, sorted inner candidates, coefficients, roots, and the
# brackets and roots of poly_roots
LHB_WORK = 2 * MAX_CANDIDATES + (MAX_DEGREE + 1) + 3 * (MAX_DEGREE + 2)


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _horner(c: np.ndarray, m: int, deg: int, s: float) -> float:
    """The m-th derivative of sum_k c[k] s^k (degree ``deg``) at s."""
    v = 0.0
    for k in range(deg, m - 1, -1):
        f = 1.0
        for j in range(k - m + 1, k + 1):
            f *= j
        v = v * s + c[k] * f
    return v


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def poly_roots(
    c: np.ndarray, deg: int, lo: float, hi: float, out: np.ndarray, work: np.ndarray
) -> int:
    """Real roots in [lo, hi] of sum_k c[k] s^k (degree <= 4): writes them ascending, returns n.

    The m-th derivative is monotone between consecutive roots of the (m+1)-th, so each level
    is found on the brackets the level above provides, by Newton's method kept inside the
    bracket by bisection (a fixed number of steps, enough for bisection alone).
    ``work``: scratch of 2 (MAX_DEGREE + 2) values.
    """
    breaks = work[: MAX_DEGREE + 2]
    roots = work[MAX_DEGREE + 2 : 2 * (MAX_DEGREE + 2)]
    breaks[0], breaks[1] = lo, hi
    nb_ = 2
    nr = 0
    for m in range(deg - 1, -1, -1):
        nr = 0
        for k in range(nb_ - 1):
            a, b = breaks[k], breaks[k + 1]
            fa = _horner(c, m, deg, a)
            fb = _horner(c, m, deg, b)
            if fa == 0.0:
                roots[nr] = a
                nr += 1
                continue
            if (fa < 0.0) == (fb < 0.0):
                continue
            x = a - fa * (b - a) / (fb - fa)
            for _ in range(200):
                if b - a <= ROOT_TOL:
                    break
                if not a < x < b:
                    x = 0.5 * (a + b)
                fx = _horner(c, m, deg, x)
                if fx == 0.0:
                    a = b = x
                    break
                if (fx < 0.0) == (fa < 0.0):
                    a, fa = x, fx
                else:
                    b = x
                # Newton, aimed a quarter of ROOT_TOL past its root: once that close, the
                # next two points straddle the root and close the bracket
                slope = _horner(c, m + 1, deg, x)
                step = -fx / slope if slope != 0.0 else np.nan
                x += step + math.copysign(0.25 * ROOT_TOL, step)
            roots[nr] = 0.5 * (a + b)
            nr += 1
        breaks[0] = lo
        for k in range(nr):
            breaks[1 + k] = roots[k]
        breaks[nr + 1] = hi
        nb_ = nr + 2
    for k in range(nr):
        out[k] = roots[k]
    return nr


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _z_to_s(z1: float, z2: float, uz: float, end: float) -> tuple[float, float]:
    """The s-interval within [0, end] where z = s uz lies in [z1, z2] (lo > hi: empty)."""
    if z1 > z2:
        return 1.0, 0.0
    if uz == 0.0:
        return (0.0, end) if z1 <= 0.0 <= z2 else (1.0, 0.0)
    a, b = z1 / uz, z2 / uz
    if a > b:
        a, b = b, a
    return max(a, 0.0), min(b, end)


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def lhb_cuts(u, end: float, P: np.ndarray, out: np.ndarray, work: np.ndarray) -> int:
    """Distances in (0, end) where the sightline u enters or leaves the bubble; returns n.

    ``out`` needs room for MAX_CANDIDATES values; ``work`` is scratch of LHB_WORK values.
    """
    ux, uy, uz = u[0], u[1], u[2]
    x0, y0, zc = P[P_LHB_X], P[P_LHB_Y], P[P_LHB_Z]
    a0, bb, cc, slant = P[P_LHB_A], P[P_LHB_B], P[P_LHB_C], P[P_LHB_SLANT]
    bottom, top = zc - cc, zc + cc
    X0, X1 = -x0, ux
    Y0, Y1 = P[P_RSUN] - y0, uy - slant * uz
    cand = work[:MAX_CANDIDATES]
    inner = work[MAX_CANDIDATES : 2 * MAX_CANDIDATES]
    coef = work[2 * MAX_CANDIDATES : 2 * MAX_CANDIDATES + MAX_DEGREE + 1]
    found = work[2 * MAX_CANDIDATES + MAX_DEGREE + 1 : LHB_WORK - 2 * (MAX_DEGREE + 2)]
    roots_work = work[LHB_WORK - 2 * (MAX_DEGREE + 2) : LHB_WORK]
    nc = 0
    for part in range(2):  # 0: tapered (bottom <= z <= 0), 1: full width (0 <= z <= top)
        if part == 0:
            lo, hi = _z_to_s(bottom, min(0.0, top), uz, end)
            A0, A1 = a0, -(a0 - LHB_TAPER_TIP) * uz / bottom if bottom != 0.0 else 0.0
        else:
            lo, hi = _z_to_s(max(0.0, bottom), top, uz, end)
            A0, A1 = a0, 0.0
        if lo > hi:
            continue
        # X^2 + A^2 (Y^2 / b^2 - 1), with X = X0 + X1 s, Y = Y0 + Y1 s, A = A0 + A1 s
        q0, q1, q2 = Y0 * Y0 / (bb * bb) - 1.0, 2.0 * Y0 * Y1 / (bb * bb), Y1 * Y1 / (bb * bb)
        p0, p1, p2 = A0 * A0, 2.0 * A0 * A1, A1 * A1
        coef[0] = X0 * X0 + p0 * q0
        coef[1] = 2.0 * X0 * X1 + p0 * q1 + p1 * q0
        coef[2] = X1 * X1 + p0 * q2 + p1 * q1 + p2 * q0
        coef[3] = p1 * q2 + p2 * q1
        coef[4] = p2 * q2
        deg = 4
        while deg > 0 and coef[deg] == 0.0:
            deg -= 1
        cand[nc] = lo
        cand[nc + 1] = hi
        nc += 2
        if deg > 0:
            nr = poly_roots(coef, deg, lo, hi, found, roots_work)
            for k in range(nr):
                cand[nc] = found[k]
                nc += 1
    if nc == 0:
        return 0
    # membership is constant between consecutive candidates: cut where it changes
    m = np.int64(0)  # not a literal 0: numba would compile sort_prefix for it too
    for k in range(nc):
        if 0.0 < cand[k] < end:
            inner[m] = cand[k]
            m += 1
    sort_prefix(inner, m)
    oy = P[P_RSUN]
    n = 0
    left = 0.0
    prev = -1  # membership of the last non-empty gap, -1 before the first
    for k in range(m + 1):
        right = inner[k] if k < m else end
        if right > left:
            mid = 0.5 * (left + right)
            inside = 1 if in_lhb(mid * ux, oy + mid * uy, mid * uz, P) else 0
            if prev >= 0 and inside != prev:
                out[n] = left
                n += 1
            prev = inside
            left = right
    return n
