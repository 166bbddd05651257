"""Seeded sightline samples shared by the benchmark tests and ``benchmarks/report.py``."""

import numpy as np

SEED = 0
DM_TO_D, D_TO_DM = "DM->D", "D->DM"
DIRECTIONS = (DM_TO_D, D_TO_DM)


def sky(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whole-sky sightlines: l, b (deg) uniform in sin b, DM 3-1500, distance 0.05-30 kpc.

    DM and distance are log-uniform; any prefix is itself a random sample of the same sky.
    """
    rng = np.random.default_rng(seed)
    l_deg = rng.uniform(0, 360, n)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    dm = 10 ** rng.uniform(np.log10(3), np.log10(1500), n)
    dist = 10 ** rng.uniform(np.log10(0.05), np.log10(30), n)
    return l_deg, b_deg, dm, dist


def points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactocentric x, y uniform in +-20 kpc and z in +-1 kpc."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-20, 20, n), rng.uniform(-20, 20, n), rng.uniform(-1, 1, n)


def latitude_band(n: int, b_abs: float, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """l uniform over 360 deg at b = +-b_abs (random sign)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 360, n), b_abs * rng.choice([-1.0, 1.0], n)
