"""Gauss-Legendre DM over one YMW16 panel, and a DM target placed inside one (pc inside).

:func:`_panel` integrates n_e (:func:`_ne`: YMW16's Galaxy, and the Magellanic Clouds in MC
mode) over a panel and keeps its values at the nodes; :func:`_solve` places a DM target in a
panel, starting from the root of the panel's interpolating polynomial
(:func:`_interpolant_root`) and polishing it by safeguarded Newton on the panel integral.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER, GL_WEIGHTS

from . import cuts as C
from . import density as K
from .combination import galaxy
from .row_scratch import W_COEF, W_LEG, W_NONE, W_SCRATCH

LEGENDRE_AT_NODES = np.array(
    [np.polynomial.legendre.legval(GL_NODES, np.eye(GL_ORDER)[j]) for j in range(GL_ORDER)])
SOLVE_STEPS = 60  # safeguarded Newton steps to place a DM target (bisection alone needs ~34)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _ne(s: float, u, l_deg: float, local: int, mc: bool, frame, P,
        arms) -> tuple[float, float]:
    """n_e at distance s (pc) along the sightline, and thin disk minus arms n_e there."""
    x, y, z = C.along(s, u, P)
    if x * x + y * y + z * z <= P[K.GAL_RADIUS] ** 2:
        found = galaxy(x, y, z, l_deg, local, P, arms)
        return found[0], found[2] - found[3]
    if mc:
        return K.magellanic(s, frame, x, y, z, P), 0.0
    return 0.0, 0.0


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _panel(a: float, b: float, u, l_deg: float, local: int, mc: bool, frame, P, arms,
           values, gaps) -> float:
    """Gauss-Legendre DM (pc cm^-3) over [a, b] pc; n_e at the nodes goes to ``values`` and
    thin disk minus arms to ``gaps`` (unless it is empty)."""
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    dm = 0.0
    for k in range(GL_ORDER):
        values[k], gap = _ne(mid + half * GL_NODES[k], u, l_deg, local, mc, frame, P, arms)
        if gaps.shape[0] > 0:
            gaps[k] = gap
        dm += GL_WEIGHTS[k] * values[k]
    return dm * half


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _interpolant_root(values, need_per_half: float, t: float, coef, leg) -> float:
    """t in [-1, 1] where the integral from -1 of the polynomial through the node values
    reaches ``need_per_half`` (Newton from t, on the Legendre series; ``coef`` (GL_ORDER,)
    and ``leg`` (GL_ORDER + 1,) are scratch)."""
    for j in range(GL_ORDER):
        acc = 0.0
        for k in range(GL_ORDER):
            acc += GL_WEIGHTS[k] * values[k] * LEGENDRE_AT_NODES[j, k]
        coef[j] = 0.5 * (2 * j + 1) * acc
    for _ in range(30):
        leg[0], leg[1] = 1.0, t
        for j in range(1, GL_ORDER):
            leg[j + 1] = ((2 * j + 1) * t * leg[j] - j * leg[j - 1]) / (j + 1)
        value = coef[0] * (t + 1.0) - need_per_half
        slope = coef[0]
        for j in range(1, GL_ORDER):
            value += coef[j] * (leg[j + 1] - leg[j - 1]) / (2 * j + 1)
            slope += coef[j] * leg[j]
        if slope <= 0.0:
            break
        step = value / slope
        t = min(1.0, max(-1.0, t - step))
        if abs(step) < 1e-13:
            break
    return t


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _solve(a: float, b: float, total: float, need: float, values, u, l_deg: float,
           local: int, mc: bool, frame, P, arms, tol: float, work) -> tuple[float, bool]:
    """s in [a, b] where the DM from a reaches ``need`` (of ``total`` over [a, b]; ``values``:
    n_e at the panel's nodes). Starts from the panel's interpolant (a starting point only,
    so its own step cap needs no flag), then polishes by safeguarded Newton on the
    Gauss-Legendre integral, to within ``tol`` pc (``work``: from
    :func:`.row_scratch.march_work`).
    Returns s and whether it converged (False after SOLVE_STEPS steps)."""
    lo, hi = a, b
    half = 0.5 * (b - a)
    t0 = -1.0 + 2.0 * min(max(need / total, 0.0), 1.0) if total > 0.0 else 1.0
    s = 0.5 * (a + b) + half * _interpolant_root(values, need / half, t0, work[W_COEF],
                                                 work[W_LEG])
    scratch = work[W_SCRATCH]
    for _ in range(SOLVE_STEPS):
        value = _panel(a, s, u, l_deg, local, mc, frame, P, arms, scratch, work[W_NONE]) - need
        if value < 0.0:
            lo = s
        else:
            hi = s
        slope = _ne(s, u, l_deg, local, mc, frame, P, arms)[0]
        s_new = s - value / slope if slope > 0.0 else 0.5 * (lo + hi)
        if not (lo <= s_new <= hi):
            s_new = 0.5 * (lo + hi)
        if abs(s_new - s) < tol or hi - lo < tol:
            return s_new, True
        s = s_new
    return s, False
