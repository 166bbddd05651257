"""Gauss-Legendre panels of one NE sightline, and a DM target placed inside one.

A panel's integrand is the model's n_e and scattering integrand dsm = F n_e^2 with only the
components its mode names (:data:`TAIL`: the thick disk alone; else LOCAL_* bits and, from
bit :data:`ARM_SHIFT`, the arms in reach). Its length follows the smallest scale present
(:func:`_panel_limit`), with fewer points on a panel much shorter than that
(:func:`_panel_order`); a DM target is placed by safeguarded Newton on the panel integral
(:func:`_solve_in_panel`). Used by :mod:`.march` and :mod:`.los`; distances in kpc, DM in
pc cm^-3. Like the march, nothing here allocates or counts references (``_nrt=False``).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import (
    GL_ORDER,
    GL_TABLE_NODES,
    GL_TABLE_WEIGHTS,
    SHORTER_ORDER_FRACTION,
)

from .arms import ALL_ARMS
from .crossings import ROOT_TOL
from .density import LOCAL_ALL, ne_dsm, thick_disk
from .layout import P_F1, P_HZMIN, P_RSUN

PANEL_MAX = 0.75  # kpc, longest Gauss-Legendre panel
SOLVE_NEWTON_STEPS = 20  # safeguarded Newton steps to place a DM target, then bisection
# halvings that bring any bracket a march can hold (a panel lies within the model's 50 kpc,
# or a profile's farthest query) below ROOT_TOL: 2^64 ROOT_TOL is 1.8e7 kpc
SOLVE_BISECTIONS = 64
SOLVE_MAX_ITER = SOLVE_NEWTON_STEPS + SOLVE_BISECTIONS  # steps before a target is not placed
# a DM within this fraction of its target is on it: a panel integral's rounding (measured
# up to ~20 eps) moves its root by far less than ROOT_TOL wherever the density is not ~0
SOLVE_ROUNDING = 16 * GL_ORDER * np.finfo(np.float64).eps
# A panel's integrand mode: the LOCAL_* bits of the local components that may be non-zero on
# it, and from bit ARM_SHIFT on, the mask of the arms whose reach it may be in; or TAIL.
TAIL = 16  # the smooth tail: the thick disk alone
ARM_SHIFT = 8
FULL = LOCAL_ALL | (ALL_ARMS << ARM_SHIFT)  # every component
KPC_TO_PC = 1000.0


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _panel_limit(s0: float, s1: float, uz: float, features, nf: int, P) -> float:
    """Longest Gauss-Legendre panel that resolves everything between s0 and s1."""
    sb = abs(uz)
    limit = PANEL_MAX
    if sb > 0.0:  # one panel per vertical scale height; far from the plane only h1 matters
        limit = min(limit, max(P[P_HZMIN], abs(s0 * uz) / 4.0) / sb)
    mid = 0.5 * (s0 + s1)
    for k in range(nf):
        if features[k, 0] < mid < features[k, 1]:
            limit = min(limit, features[k, 2])
    return limit


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _panel_order(length: float, limit: float) -> int:
    """Gauss-Legendre order for a panel of ``length`` where ``limit`` is the longest one the
    density allows (see quadrature.SHORTER_ORDER_FRACTION)."""
    for k in range(len(SHORTER_ORDER_FRACTION)):
        if length <= SHORTER_ORDER_FRACTION[k] * limit:
            return k + 2
    return GL_ORDER


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _integrand(
    s: float, u, mode: int, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
    void_cells,
) -> tuple[float, float]:
    """n_e (cm^-3) and dsm at distance s: in the smooth tail (``mode`` TAIL) the thick
    disk's alone, else the model's with the local components and arms that ``mode`` names."""
    x, y, z = s * u[0], P[P_RSUN] + s * u[1], s * u[2]
    if mode == TAIL:
        ne = thick_disk(x, y, z, P)
        return ne, P[P_F1] * ne * ne
    ne, dsm, _ = ne_dsm(x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                        void_par, void_cells, mode & LOCAL_ALL, mode >> ARM_SHIFT)
    return ne, dsm


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _panel(
    a: float, b: float, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
    void_cells, mode: int = FULL, order: int = GL_ORDER,
) -> tuple[float, float, float, float, float]:
    """Gauss-Legendre integrals (of ``order``) over [a, b] of the integrand of ``mode`` (see
    _integrand): DM (pc cm^-3), M0, M1, M2, MISO."""
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    dm = m0 = m1 = m2 = miso = 0.0
    for k in range(order):
        s = mid + half * GL_TABLE_NODES[order, k]
        ne, dsm = _integrand(s, u, mode, P, arm_par, arm_coef, arm_grid, clump_par,
                             clump_cells, void_par, void_cells)
        w = GL_TABLE_WEIGHTS[order, k] * half
        dm += w * ne
        wd = w * dsm
        m0 += wd
        m1 += wd * s
        m2 += wd * s * s
        miso += wd * s ** (5.0 / 3.0)
    return KPC_TO_PC * dm, m0, m1, m2, miso


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def _solve_in_panel(
    a: float, b: float, total: float, need: float, u, P, arm_par, arm_coef, arm_grid,
    clump_par, clump_cells, void_par, void_cells, max_iter: int = SOLVE_MAX_ITER,
    mode: int = FULL, order: int = GL_ORDER,
) -> tuple[float, tuple[float, float, float, float, float], bool]:
    """s in [a, b] where the DM integrated from a reaches ``need`` (of ``total`` over [a, b]),
    every integral over [a, s] of the panel's ``order``.

    Safeguarded Newton on the panel integral, its steps taken from the quadratic with the
    slopes (densities) of the last two points: where the density falls linearly to 0 just
    past the root (at the thick disk's edge, where a limit row's DIST lies) the integral is
    that quadratic, while Newton alone only halves the distance to the root each step until
    it is as close as that zero. Every point integrated narrows a bracket [lo, hi] of the
    root (s is always one of its ends); a step that would leave it or land on its other end
    (Newton cycling between two points whose integrals differ only by rounding, or a kink
    inside the panel), and every step after SOLVE_NEWTON_STEPS, bisects it instead, so the
    search ends within SOLVE_MAX_ITER steps on any panel. Also returns the integrals over
    [a, s] (DM, M0, M1, M2, MISO) at the converged s (to within ROOT_TOL), and whether it
    converged within ``max_iter`` steps.
    """
    lo, hi = a, b
    s = a + (b - a) * min(max(need / total, 0.0), 1.0) if total > 0.0 else b
    q = _panel(a, s, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
               void_cells, mode, order)
    s_prev = slope_prev = 0.0
    for it in range(max_iter):
        value = q[0] - need
        if math.isnan(value):
            return s, q, False
        if abs(value) <= SOLVE_ROUNDING * need:
            return s, q, True  # a root to within the rounding of the integral
        if value < 0.0:
            lo = s
        else:
            hi = s
        ne = _integrand(s, u, mode, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                        void_par, void_cells)[0]
        slope = KPC_TO_PC * ne
        s_new = 0.5 * (lo + hi)
        if slope > 0.0:
            s_new = s - value / slope
            if it > 0 and s != s_prev:
                # the root of the quadratic through (s, value) with this slope and the
                # previous one (see the docstring)
                half_curv = 0.5 * (slope - slope_prev) / (s - s_prev)
                step = value / slope  # (no slope^2: it could underflow)
                disc = max(1.0 - 4.0 * half_curv * step / slope, 0.0)
                s_new = s - 2.0 * step / (1.0 + math.sqrt(disc))  # disc 0: its vertex
        s_prev, slope_prev = s, slope
        if not (lo < s_new < hi or s_new == s) or it >= SOLVE_NEWTON_STEPS:
            s_new = 0.5 * (lo + hi)  # (a zero step, s_new == s, is convergence)
        if abs(s_new - s) < ROOT_TOL or hi - lo < ROOT_TOL:
            return s, q, True
        s = s_new
        q = _panel(a, s, u, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                   void_cells, mode, order)
    return s, q, False
