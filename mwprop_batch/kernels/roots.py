"""Real roots of a quadratic, as the kernels find where a sightline crosses a surface."""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always", _nrt=False)
def quadratic_roots(A: float, B: float, C: float) -> tuple[float, float]:
    """Real roots (r1 <= r2) of A s^2 + B s + C = 0, NaN when there are none."""
    if A == 0.0:
        if B == 0.0:
            return np.nan, np.nan
        r = -C / B
        return r, r
    disc = B * B - 4.0 * A * C
    if disc <= 0.0:
        return np.nan, np.nan
    q = -0.5 * (B + math.copysign(math.sqrt(disc), B))
    r1 = q / A
    r2 = C / q if q != 0.0 else r1
    return min(r1, r2), max(r1, r2)
