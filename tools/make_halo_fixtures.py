"""Make the Yamasaki & Totani (2020) halo fixture in tests/data/ from pygedm 3.3.0.

Run in the separate environment that has pygedm (see tools/make_ymw16_fixtures.py for how to
make ``.oracle-venv``; pygedm's build needs ``libf2c2-dev`` on Debian):

    .oracle-venv/bin/python tools/make_halo_fixtures.py [--out tests/data]

It writes ``oracle_yt2020_halo.npz``: pygedm's ``calculate_halo_dm(l, b, component=...)``
(pc cm^-3) for ``spherical`` and ``disk`` on seeded sightlines: all-sky (uniform on the sphere),
the plane (|b| < 5 deg) and toward the Galactic centre (|l|, |b| < 10 deg); ``set`` names the
sample. pygedm's ``component="both"`` is the sum of the two (the same two integrals, added).
pygedm integrates with Simpson's rule on 10,000 points from s = 0.01 kpc (not 0) to the
virial radius. About a minute.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.integrate

# pygedm 3.3.0 imports scipy.integrate.simps, which scipy 1.14 removed
scipy.integrate.simps = scipy.integrate.simpson
import pygedm  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEED = 2020
N_ALLSKY = 2000
N_PLANE = 500
N_CENTRE = 500


def sightlines(rng: np.random.Generator) -> dict[str, np.ndarray]:
    sets = {
        "allsky": (rng.uniform(0, 360, N_ALLSKY),
                   np.degrees(np.arcsin(rng.uniform(-1, 1, N_ALLSKY)))),
        "plane": (rng.uniform(0, 360, N_PLANE), rng.uniform(-5, 5, N_PLANE)),
        "centre": (rng.uniform(-10, 10, N_CENTRE) % 360, rng.uniform(-10, 10, N_CENTRE)),
    }
    l_deg = np.concatenate([v[0] for v in sets.values()])
    b_deg = np.concatenate([v[1] for v in sets.values()])
    names = np.concatenate([np.full(len(v[0]), k) for k, v in sets.items()])
    return {"l": l_deg, "b": b_deg, "set": names}


def halo_dm(l_deg: float, b_deg: float, component: str) -> float:
    return float(pygedm.calculate_halo_dm(l_deg, b_deg, component=component).to_value(
        "pc cm^-3"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data")
    args = parser.parse_args()
    out = sightlines(np.random.default_rng(SEED))
    start = time.perf_counter()
    out["sphere"] = np.array([halo_dm(lo, bo, "spherical")
                              for lo, bo in zip(out["l"], out["b"], strict=True)])
    out["disk"] = np.array([halo_dm(lo, bo, "disk")
                            for lo, bo in zip(out["l"], out["b"], strict=True)])
    seconds = (time.perf_counter() - start) / (2 * out["l"].size)
    print(f"pygedm calculate_halo_dm: {1e3 * seconds:.2f} ms per call")
    np.savez_compressed(args.out / "oracle_yt2020_halo.npz",
                        pygedm=np.array(pygedm.__version__), **out)


if __name__ == "__main__":
    main()
