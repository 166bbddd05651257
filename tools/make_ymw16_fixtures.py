"""Make the YMW16 reference fixtures in tests/data/ from the authors' C code, via pygedm.

Run in a separate environment that has pygedm (it builds the authors' YMW16 C code; Debian
needs ``libf2c2-dev`` for its NE2001 part):

    python -m venv .oracle-venv
    .oracle-venv/bin/pip install numpy scipy astropy setuptools wheel pybind11 healpy
    .oracle-venv/bin/pip install --no-build-isolation pygedm==3.3.0
    .oracle-venv/bin/python tools/make_ymw16_fixtures.py [--out tests/data]

It writes

* ``oracle_ymw16_density.npz``: n_e (cm^-3) at seeded Galactocentric points (x, y, z in pc,
  YMW16 frame): the disk, near the Sun (Local Bubble, Gum Nebula, Loop I), the Galactic
  centre, and the Magellanic Clouds;
* ``oracle_ymw16_los.npz``: DM -> D (``dm``, ``dist_pc``, ``tau_s``) and D -> DM
  (``dist_kpc``, ``dm_out``, ``tau_out_s``) on seeded sightlines: all-sky, the plane
  |b| < 5 deg and the inner Galaxy (|l| < 60, |b| < 8), DM log-uniform in 3-1000 pc cm^-3 and
  D log-uniform in 0.05-20 kpc; ``set`` names the sample;
* ``oracle_ymw16_mc.npz``: the same both ways toward the Magellanic Clouds (DM 3-400,
  D 1-80 kpc).

Each sightline runs in the mode YMW16 gives it, as the ATNF catalogue does: MC mode inside the
box 265 < l < 315 deg, -60 < b < -20 deg (``mode``), Galactic mode elsewhere.

pygedm's results are single precision (the C code returns them as float). About a minute.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import scipy.integrate

# pygedm 3.3.0 imports scipy.integrate.simps, which scipy 1.14 removed
scipy.integrate.simps = scipy.integrate.simpson
import pygedm  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEED = 16
N_PER_SET = 2000


def dm_to_dist(l_deg: float, b_deg: float, dm: float, mode: str) -> tuple[float, float]:
    dist, tau = pygedm.dm_to_dist(l_deg, b_deg, dm, method="ymw16", mode=mode)
    return float(dist.to_value("pc")), float(tau.to_value("s"))


def dist_to_dm(l_deg: float, b_deg: float, dist_pc: float, mode: str) -> tuple[float, float]:
    dm, tau = pygedm.dist_to_dm(l_deg, b_deg, dist_pc, method="ymw16", mode=mode)
    return float(dm.to_value("pc cm^-3")), float(tau.to_value("s"))


def sightline_sets(rng: np.random.Generator, n: int) -> dict[str, tuple[np.ndarray, ...]]:
    return {
        "allsky": (rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))),
        "plane": (rng.uniform(0, 360, n), rng.uniform(-5, 5, n)),
        "inner": (rng.uniform(-60, 60, n) % 360, rng.uniform(-8, 8, n)),
    }


def ymw16_mode(l_deg: float, b_deg: float) -> str:
    """The mode YMW16 (and the ATNF catalogue) uses: MC in the box around the Clouds."""
    return "mc" if 265.0 < l_deg < 315.0 and -60.0 < b_deg < -20.0 else "gal"


def run_sightlines(l_deg, b_deg, dm, dist_kpc) -> dict[str, np.ndarray]:
    modes = np.array([ymw16_mode(lo, bo) for lo, bo in zip(l_deg, b_deg, strict=True)])
    fwd = np.array([dm_to_dist(*row) for row in zip(l_deg, b_deg, dm, modes, strict=True)])
    rev = np.array([dist_to_dm(lo, bo, 1000.0 * d, mode)
                    for lo, bo, d, mode in zip(l_deg, b_deg, dist_kpc, modes, strict=True)])
    return {"l": l_deg, "b": b_deg, "dm": dm, "dist_pc": fwd[:, 0], "tau_s": fwd[:, 1],
            "dist_kpc": dist_kpc, "dm_out": rev[:, 0], "tau_out_s": rev[:, 1], "mode": modes}


def galactic_sightlines(rng: np.random.Generator) -> dict[str, np.ndarray]:
    parts = []
    for name, (l_deg, b_deg) in sightline_sets(rng, N_PER_SET).items():
        dm = 10 ** rng.uniform(np.log10(3), np.log10(1000), N_PER_SET)
        dist = 10 ** rng.uniform(np.log10(0.05), np.log10(20), N_PER_SET)
        out = run_sightlines(l_deg, b_deg, dm, dist)
        out["set"] = np.full(N_PER_SET, name)
        parts.append(out)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def mc_sightlines(rng: np.random.Generator, n: int = 400) -> dict[str, np.ndarray]:
    centres = np.array([[280.5, -32.9], [302.8, -44.3]])  # LMC, SMC
    pick = centres[rng.integers(0, 2, n)]
    l_deg = pick[:, 0] + rng.uniform(-6, 6, n)
    b_deg = pick[:, 1] + rng.uniform(-5, 5, n)
    dm = 10 ** rng.uniform(np.log10(3), np.log10(400), n)
    dist = 10 ** rng.uniform(0, np.log10(80), n)
    return run_sightlines(l_deg, b_deg, dm, dist)


def density_points(rng: np.random.Generator) -> dict[str, np.ndarray]:
    sets = {
        "disk": np.column_stack([rng.uniform(-20e3, 20e3, 3000), rng.uniform(-20e3, 20e3, 3000),
                                 rng.uniform(-2e3, 2e3, 3000)]),
        "local": np.column_stack([rng.uniform(-700, 700, 3000),
                                  8300 + rng.uniform(-700, 700, 3000),
                                  rng.uniform(-500, 500, 3000)]),
        "gc": np.column_stack([rng.uniform(-1000, 1000, 1000), rng.uniform(-1000, 1000, 1000),
                               rng.uniform(-250, 250, 1000)]),
        "lmc": np.column_stack([rng.uniform(-46e3, -36e3, 1000), rng.uniform(-4e3, 6e3, 1000),
                                rng.uniform(-32e3, -22e3, 1000)]),
        "smc": np.column_stack([rng.uniform(-40e3, -31e3, 500), rng.uniform(-20e3, -11e3, 500),
                                rng.uniform(-46e3, -37e3, 500)]),
    }
    xyz = np.concatenate(list(sets.values()))
    names = np.concatenate([np.full(len(v), k) for k, v in sets.items()])
    ne = np.array([float(pygedm.calculate_electron_density_xyz(x, y, z, method="ymw16").value)
                   for x, y, z in xyz])
    return {"x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2], "ne": ne, "set": names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    version = np.array(pygedm.__version__)
    np.savez_compressed(args.out / "oracle_ymw16_density.npz", pygedm=version,
                        **density_points(rng))
    np.savez_compressed(args.out / "oracle_ymw16_los.npz", pygedm=version,
                        **galactic_sightlines(rng))
    np.savez_compressed(args.out / "oracle_ymw16_mc.npz", pygedm=version, **mc_sightlines(rng))


if __name__ == "__main__":
    main()
