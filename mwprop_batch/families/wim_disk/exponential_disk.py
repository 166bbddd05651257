"""Closed forms of an exponential disk n_e(z) = n0 exp(-|z| / H), the Sun in its mid-plane.

Along a sightline of latitude b the height is z = d sin b, so with s = |sin b| (d, H in kpc;
n0 in cm^-3; DM in pc cm^-3, 1000 pc per kpc):

* DM(d) = 1000 n0 (H / s) (1 - exp(-d s / H)), and DM = 1000 n0 d in the plane (s = 0);
* its inverse d(DM) = -(H / s) ln(1 - DM s / (1000 n0 H)), defined below the DM of an
  infinite path, 1000 n0 H / s.

Written with ``expm1`` and ``log1p`` (no cancellation for a short path) and as one product
of monotone steps along a sightline, so that DM never decreases as d grows, even where it
is flat to rounding far from the plane. Where s < :data:`TINY_SIN_B` the plane's form is
used: there d s / (2 H), the only term it leaves out, is below rounding for any d under
1e134 kpc, while the tilted form would underflow. NumPy only: flat float64 arrays in and out,
no row checks (:mod:`.engine` does those); NaN in, NaN out, without warnings.
"""

from __future__ import annotations

import numpy as np

PC_PER_KPC = 1000.0
TINY_SIN_B = 1e-150  # |sin b| below which a sightline is taken as in the plane


def density(z_kpc: np.ndarray, n0_cm3: float, scale_height_kpc: float) -> np.ndarray:
    """n_e (cm^-3) at heights ``z_kpc`` (kpc) above the mid-plane."""
    with np.errstate(invalid="ignore"):
        return n0_cm3 * np.exp(-np.abs(z_kpc) / scale_height_kpc)


def heights(dist_kpc: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
    """z (kpc) of the points at ``dist_kpc`` from the Sun (kpc) toward latitude ``b_deg``."""
    with np.errstate(invalid="ignore"):
        return dist_kpc * np.sin(np.deg2rad(b_deg))


def dm(dist_kpc: np.ndarray, b_deg: np.ndarray, n0_cm3: float,
       scale_height_kpc: float) -> np.ndarray:
    """DM (pc cm^-3) from the Sun to ``dist_kpc`` (kpc, >= 0) toward latitude ``b_deg``."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s = np.abs(np.sin(np.deg2rad(b_deg)))
        tilted = (scale_height_kpc / s) * -np.expm1(-(dist_kpc * s) / scale_height_kpc)
        return PC_PER_KPC * n0_cm3 * np.where(s < TINY_SIN_B, dist_kpc, tilted)


def distance(dm_pc_cm3: np.ndarray, b_deg: np.ndarray, n0_cm3: float,
             scale_height_kpc: float) -> np.ndarray:
    """Distance (kpc) at which the DM from the Sun toward latitude ``b_deg`` is ``dm_pc_cm3``
    (>= 0 and below the DM of an infinite path; NaN above it)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s = np.abs(np.sin(np.deg2rad(b_deg)))
        path = dm_pc_cm3 / (PC_PER_KPC * n0_cm3)  # kpc of mid-plane density giving this DM
        tilted = (scale_height_kpc / s) * -np.log1p(-(path * s) / scale_height_kpc)
        return np.where(s < TINY_SIN_B, path, tilted)
