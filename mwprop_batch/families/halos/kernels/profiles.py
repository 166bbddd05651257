"""Electron density of the halo components at a point (numba kernels, no I/O).

Frame: Galactocentric x, y, z in kpc with the Sun at (0, P[SUN], 0) and z towards the North
Galactic Pole (NE2001's orientation); a sightline (l, b, s) is the point
x = s cos b sin l, y = P[SUN] - s cos b cos l, z = s sin b. Densities are in cm^-3, and zero
beyond the component's edge: a radius P[EDGE] about the Galactic centre, or about the Sun for
the uniform sphere.

Kinds:

* ``KIND_YT_SPHERE``: n_0 exp(-Upsilon (1 - ln(1 + x) / x)), x = r / r_s (Yamasaki & Totani
  2020, eq. 3);
* ``KIND_YT_DISK``: n_0 exp(-R / R_0 - |z| / z_0) (their eq. 5);
* ``KIND_MODIFIED_NFW``: A y^(alpha-1) / (y0 + y)^(2+alpha), y = (c / r200) r (Prochaska &
  Zheng 2019);
* ``KIND_UNIFORM``: a constant n inside the edge (the constant halo).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

KIND_YT_SPHERE = 0
KIND_YT_DISK = 1
KIND_MODIFIED_NFW = 2
KIND_UNIFORM = 3

# packed slots shared by every kind
SUN = 0  # Galactocentric distance of the Sun, kpc
EDGE = 1  # radius of the edge, kpc
# spherical hot gas (YT2020)
SPH_N0 = 2  # central density, cm^-3
SPH_UPSILON = 3  # depth of the potential, dimensionless
SPH_RS = 4  # NFW scale radius, kpc
# disk-like hot gas (YT2020)
DISK_N0 = 2  # density at R = z = 0, cm^-3
DISK_Z0 = 3  # scale height, kpc
DISK_RD = 4  # scale length, kpc
# modified NFW (PZ19)
NFW_AMP = 2  # A, cm^-3
NFW_SCALE = 3  # c / r200, kpc^-1
NFW_Y0 = 4
NFW_ALPHA = 5
# uniform sphere about the Sun
UNI_N = 2  # cm^-3
N_SLOTS = 6

SPHERICAL_KINDS = (KIND_YT_SPHERE, KIND_MODIFIED_NFW)


@nb.njit(cache=True)
def sphere_shape(x: float, upsilon: float) -> float:
    """exp(-Upsilon (1 - ln(1 + x) / x)): the YT2020 sphere over its central density."""
    if x < 1e-8:
        return math.exp(-upsilon * 0.5 * x)
    return math.exp(-upsilon * (1.0 - math.log1p(x) / x))


@nb.njit(cache=True)
def point_density(kind: int, p: np.ndarray, x: float, y: float, z: float) -> float:
    """n_e (cm^-3) of one component at Galactocentric (x, y, z) in kpc."""
    if kind == KIND_UNIFORM:
        dy = y - p[SUN]
        if x * x + dy * dy + z * z > p[EDGE] * p[EDGE]:
            return 0.0
        return p[UNI_N]
    big_r2 = x * x + y * y
    r = math.sqrt(big_r2 + z * z)
    if r > p[EDGE]:
        return 0.0
    if kind == KIND_YT_SPHERE:
        return p[SPH_N0] * sphere_shape(r / p[SPH_RS], p[SPH_UPSILON])
    if kind == KIND_YT_DISK:
        return p[DISK_N0] * math.exp(-math.sqrt(big_r2) / p[DISK_RD] - abs(z) / p[DISK_Z0])
    yy = p[NFW_SCALE] * r
    alpha = p[NFW_ALPHA]
    return p[NFW_AMP] * yy ** (alpha - 1.0) / (p[NFW_Y0] + yy) ** (2.0 + alpha)


@nb.njit(cache=True)
def sightline_density(kind: int, p: np.ndarray, cl: float, sl: float, cb: float, sb: float,
                      s: float) -> float:
    """n_e (cm^-3) at distance s (kpc) toward the direction with cos/sin of l and b."""
    return point_density(kind, p, s * cb * sl, p[SUN] - s * cb * cl, s * sb)


@nb.njit(cache=True)
def edge_distance(kind: int, p: np.ndarray, cl: float, cb: float) -> float:
    """Distance (kpc) from the Sun to the component's edge along the direction."""
    if kind == KIND_UNIFORM:
        return p[EDGE]
    mu = cb * cl  # cosine of the angle between the sightline and the Galactic centre
    sun = p[SUN]
    return sun * mu + math.sqrt(max(p[EDGE] ** 2 - sun * sun * (1.0 - mu * mu), 0.0))
