"""Galactocentric positions of points seen from the Sun: the frame the families and pictures
share (x toward l = 90 deg, y from the Galactic centre toward the Sun, z toward the north
Galactic pole; kpc)."""

from __future__ import annotations

import numpy as np


def sky_to_galactocentric(
    l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray, r_sun: float
) -> np.ndarray:
    """(n, 3) Galactocentric x, y, z (kpc) of objects at (l, b, distance from the Sun), the Sun
    at (0, ``r_sun``, 0): x toward l = 90 deg, y from the Galactic centre toward the Sun."""
    l_rad = np.deg2rad(l_deg)
    b_rad = np.deg2rad(b_deg)
    in_plane = dist * np.cos(b_rad)
    return np.column_stack(
        [in_plane * np.sin(l_rad), r_sun - in_plane * np.cos(l_rad), dist * np.sin(b_rad)]
    )
