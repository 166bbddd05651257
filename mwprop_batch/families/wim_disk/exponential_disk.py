"""Closed forms of an exponential disk n_e(z) = n0 exp(-|z| / H), the Sun in its mid-plane.

Along a sightline of latitude b the height is z = d sin b, so with s = |sin b| and
x = d s / H (d, H in kpc; n0 in cm^-3; DM in pc cm^-3, 1000 pc per kpc):

* DM(d) = 1000 n0 H (1 - exp(-x)) / s = 1000 n0 d g(x), g(x) = (1 - e^-x) / x, g(0) = 1
  (so DM = 1000 n0 d in the plane, b = 0);
* its inverse d(DM) = y L(y s / H), y = DM / (1000 n0), L(u) = -ln(1 - u) / u, L(0) = 1,
  defined for DM < 1000 n0 H / s (the DM of an infinite path).

g and L are written with ``expm1`` and ``log1p`` and their limits at 0, so that no
sightline (b = 0, |b| tiny, d tiny or huge) cancels or divides zero by zero. NumPy only:
flat float64 arrays in and out, no row checks (:mod:`.engine` does those).
"""

from __future__ import annotations

import numpy as np

PC_PER_KPC = 1000.0


def density(z_kpc: np.ndarray, n0_cm3: float, scale_height_kpc: float) -> np.ndarray:
    """n_e (cm^-3) at heights ``z_kpc`` (kpc) above the mid-plane."""
    return n0_cm3 * np.exp(-np.abs(z_kpc) / scale_height_kpc)


def heights(dist_kpc: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    """z (kpc) of the points at ``dist_kpc`` from the Sun (kpc) toward latitude ``b_deg``."""
    return dist_kpc * np.sin(np.deg2rad(b_deg))


def _growth(x: np.ndarray) -> np.ndarray:
    """g(x) = (1 - exp(-x)) / x for x >= 0, 1 at x = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x > 0.0, -np.expm1(-x) / x, 1.0)


def _inverse_growth(u: np.ndarray) -> np.ndarray:
    """L(u) = -log(1 - u) / u for 0 <= u < 1, 1 at u = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(u > 0.0, -np.log1p(-u) / u, 1.0)


def dm(dist_kpc: np.ndarray, b_deg: np.ndarray, n0_cm3: float,
       scale_height_kpc: float) -> np.ndarray:
    """DM (pc cm^-3) from the Sun to ``dist_kpc`` (kpc, >= 0) toward latitude ``b_deg``."""
    s = np.abs(np.sin(np.deg2rad(b_deg)))
    return PC_PER_KPC * n0_cm3 * dist_kpc * _growth(dist_kpc * s / scale_height_kpc)


def distance(dm_pc_cm3: np.ndarray, b_deg: np.ndarray, n0_cm3: float,
             scale_height_kpc: float) -> np.ndarray:
    """Distance (kpc) at which the DM from the Sun toward latitude ``b_deg`` is ``dm_pc_cm3``
    (>= 0 and below the DM of an infinite path; NaN above it)."""
    s = np.abs(np.sin(np.deg2rad(b_deg)))
    path = dm_pc_cm3 / (PC_PER_KPC * n0_cm3)  # kpc of mid-plane density giving this DM
    return path * _inverse_growth(path * s / scale_height_kpc)
