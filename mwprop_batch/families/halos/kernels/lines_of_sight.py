"""DM along a sightline through halo components: composite Gauss-Legendre quadrature (numba).

The halo densities are smooth except near one point of a sightline: the Galactic centre for the
spherical kinds (the profiles have a cusp there) and the z axis for the disk (R = 0). Along the
sightline that point is the closest approach s_c, at a distance ``scale`` from it; as seen from
the sightline the density then behaves like f(sqrt((s - s_c)^2 + scale^2)). The integral is split
at s_c and each part is cut into panels that halve in width toward the end nearest s_c, down to
that distance, then into panels of at most ``PANEL_KPC``; each panel gets the same Gauss-Legendre
rule. Distances in kpc, densities in cm^-3, DM in pc cm^-3. Kernels only: no I/O.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .profiles import (
    KIND_MODIFIED_NFW,
    KIND_UNIFORM,
    KIND_YT_DISK,
    KIND_YT_SPHERE,
    SUN,
    edge_distance,
    point_density,
    sightline_density,
)

PANEL_KPC = 8.0  # widest panel
GAUSS_ORDER = 12  # Gauss-Legendre points per panel
MAX_LEVELS = 60  # panel halvings toward the closest approach
PC_PER_KPC = 1000.0



def gauss_rule() -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the Gauss-Legendre rule on [-1, 1] the kernels use."""
    return np.polynomial.legendre.leggauss(GAUSS_ORDER)


@nb.njit(cache=True)
def _panels(kind, p, cl, sl, cb, sb, a, b, nodes, weights) -> float:
    """Integral of n_e over [a, b] (kpc cm^-3) in equal panels no wider than PANEL_KPC."""
    count = max(1, int(math.ceil((b - a) / PANEL_KPC)))
    width = (b - a) / count
    total = 0.0
    for k in range(count):
        mid = a + (k + 0.5) * width
        acc = 0.0
        for i in range(nodes.size):
            acc += weights[i] * sightline_density(kind, p, cl, sl, cb, sb,
                                                  mid + 0.5 * width * nodes[i])
        total += 0.5 * width * acc
    return total


@nb.njit(cache=True)
def _graded(kind, p, cl, sl, cb, sb, a, b, s_c, scale, nodes, weights) -> float:
    """Integral over [a, b], s_c not inside, panels halving toward the end nearest s_c."""
    length = b - a
    if length <= 0.0:
        return 0.0
    near_a = abs(a - s_c) <= abs(b - s_c)
    gap = math.hypot((a if near_a else b) - s_c, scale)
    if gap >= length:
        return _panels(kind, p, cl, sl, cb, sb, a, b, nodes, weights)
    levels = min(MAX_LEVELS, int(math.ceil(math.log2(length / max(gap, 1e-300)))))
    total = 0.0
    outer = length
    for _ in range(levels):
        inner = 0.5 * outer
        if near_a:
            total += _panels(kind, p, cl, sl, cb, sb, a + inner, a + outer, nodes, weights)
        else:
            total += _panels(kind, p, cl, sl, cb, sb, b - outer, b - inner, nodes, weights)
        outer = inner
    if near_a:
        total += _panels(kind, p, cl, sl, cb, sb, a, a + outer, nodes, weights)
    else:
        total += _panels(kind, p, cl, sl, cb, sb, b - outer, b, nodes, weights)
    return total


@nb.njit(cache=True)
def closest_approach(kind, p, cl, sl, cb) -> tuple[float, float]:
    """(s_c, scale) in kpc: where the sightline passes the component's cusp, and how near."""
    sun = p[SUN]
    if kind == KIND_YT_SPHERE or kind == KIND_MODIFIED_NFW:
        mu = cb * cl
        return sun * mu, sun * math.sqrt(max(1.0 - mu * mu, 0.0))
    if kind == KIND_YT_DISK and cb > 1e-12:
        return sun * cl / cb, sun * abs(sl) / cb
    return -1.0, 1e300  # nothing to refine toward


@nb.njit(cache=True)
def component_dm(kind, p, l_rad, b_rad, s0, s1, nodes, weights) -> float:
    """DM (pc cm^-3) of one component between distances s0 <= s1 (kpc) from the Sun."""
    cl, sl, cb, sb = math.cos(l_rad), math.sin(l_rad), math.cos(b_rad), math.sin(b_rad)
    top = min(s1, edge_distance(kind, p, cl, cb))
    if top <= s0:
        return 0.0
    if kind == KIND_UNIFORM:
        return PC_PER_KPC * _panels(kind, p, cl, sl, cb, sb, s0, top, nodes, weights)
    s_c, scale = closest_approach(kind, p, cl, sl, cb)
    if s0 < s_c < top:
        total = _graded(kind, p, cl, sl, cb, sb, s0, s_c, s_c, scale, nodes, weights)
        total += _graded(kind, p, cl, sl, cb, sb, s_c, top, s_c, scale, nodes, weights)
    else:
        total = _graded(kind, p, cl, sl, cb, sb, s0, top, s_c, scale, nodes, weights)
    return PC_PER_KPC * total


@nb.njit(cache=True)
def halo_dm(kinds, packed, l_rad, b_rad, s0, s1, nodes, weights) -> float:
    """DM (pc cm^-3) of every component together between s0 and s1 (kpc)."""
    total = 0.0
    for c in range(kinds.size):
        total += component_dm(kinds[c], packed[c], l_rad, b_rad, s0, s1, nodes, weights)
    return total


@nb.njit(cache=True, parallel=True)
def dist_to_dm(kinds, packed, l_rad, b_rad, dist_kpc, nodes, weights) -> np.ndarray:
    """DM (pc cm^-3) from the Sun to dist_kpc along each (l, b) (radians); NaN in, NaN out."""
    out = np.empty(l_rad.size)
    for i in nb.prange(l_rad.size):
        if not (math.isfinite(l_rad[i]) and math.isfinite(b_rad[i]) and dist_kpc[i] >= 0.0):
            out[i] = np.nan
        else:
            out[i] = halo_dm(kinds, packed, l_rad[i], b_rad[i], 0.0, dist_kpc[i], nodes, weights)
    return out


@nb.njit(cache=True, parallel=True)
def densities_at(kinds, packed, x, y, z) -> np.ndarray:
    """n_e (cm^-3) of each component (columns) at Galactocentric x, y, z (kpc) (rows)."""
    out = np.empty((x.size, kinds.size))
    for i in nb.prange(x.size):
        for c in range(kinds.size):
            out[i, c] = point_density(kinds[c], packed[c], x[i], y[i], z[i])
    return out


@nb.njit(cache=True, parallel=True)
def densities_along(kinds, packed, l_rad, b_rad, dist_kpc) -> np.ndarray:
    """n_e (cm^-3) of each component (columns) at each (l, b, dist) (rows)."""
    out = np.empty((l_rad.size, kinds.size))
    for i in nb.prange(l_rad.size):
        cl, sl = math.cos(l_rad[i]), math.sin(l_rad[i])
        cb, sb = math.cos(b_rad[i]), math.sin(b_rad[i])
        for c in range(kinds.size):
            out[i, c] = sightline_density(kinds[c], packed[c], cl, sl, cb, sb, dist_kpc[i])
    return out
