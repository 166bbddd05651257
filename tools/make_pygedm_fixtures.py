"""Make tests/data/oracle_pygedm.npz: pygedm 3.3.0's answers to seeded calls of its public API.

The reference for :mod:`mwprop_batch.compat.pygedm` (tests/test_pygedm_compat.py). Run in a
separate environment with pygedm 3.3.0, built as tools/make_ymw16_fixtures.py says:

    .oracle-venv/bin/python tools/make_pygedm_fixtures.py [--out tests/data]

Every call goes through pygedm's public functions, one call per row (pygedm 3.3 takes scalars
only). Per function x method x mode, ``N`` seeded rows (keys ``<case>_<field>``):

* ``ymw16_gal``, ``ymw16_mc``: ``dm_to_dist`` and ``dist_to_dm`` in that mode everywhere on
  the sky (DM log-uniform 3-1000 pc cm^-3, D log-uniform 50 pc-20 kpc; MC mode: the Clouds'
  box, D 1-80 kpc), at frequencies ``nu`` log-uniform in 0.3-3 GHz;
* ``ne2001``: the same for the Fortran NE2001 (Galactic mode);
* ``igm``: YMW16's IGM mode, DM 100-3000 pc cm^-3 and D 100-5000 Mpc, all-sky;
* ``xyz_<method>`` and ``lbr_<method>``: ``calculate_electron_density_xyz`` (x, y in
  +-20 kpc, z in +-2 kpc, pc) and ``calculate_electron_density_lbr`` (D 0.05-20 kpc);
* ``examples``: the calls in pygedm's README.

pygedm returns single precision (its C and Fortran codes return float). A few minutes.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import scipy.integrate

# pygedm 3.3.0 imports scipy.integrate.simps, which scipy 1.14 removed
scipy.integrate.simps = scipy.integrate.simpson
import pygedm  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEED = 33
N = 2000


def log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return 10 ** rng.uniform(np.log10(lo), np.log10(hi), n)


def all_sky(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))


def sightlines(rng, l_deg, b_deg, dm, dist, method: str, mode: str) -> dict[str, np.ndarray]:
    """Both directions, with tau at a random frequency."""
    nu = log_uniform(rng, 0.3, 3.0, l_deg.size)
    fwd, rev = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in zip(l_deg, b_deg, dm, dist, nu, strict=True):
            lo, bo, d, x, f = (float(v) for v in row)
            try:
                dist_q, tau = pygedm.dm_to_dist(lo, bo, d, mode=mode, method=method, nu=f)
                fwd.append((complex(dist_q.value), complex(tau.to_value("s"))))
            except KeyError:  # IGM mode, DM below DM_Gal + DM_MC: the C code gives no 'dist'
                fwd.append((complex(np.nan), complex(np.nan)))
            dm_q, tau = pygedm.dist_to_dm(lo, bo, x, mode=mode, method=method, nu=f)
            rev.append((complex(dm_q.to_value("pc cm^-3")), complex(tau.to_value("s"))))
    # pygedm's NE2001 tau is complex where the Fortran's SM_tau is negative (a power 1.2 of
    # a negative number): kept as its real part, and flagged
    fwd, rev = np.array(fwd), np.array(rev)
    return {"l": l_deg, "b": b_deg, "dm": dm, "dist": dist, "nu": nu,
            "dist_out": fwd[:, 0].real, "tau_fwd": fwd[:, 1].real,
            "tau_fwd_complex": fwd[:, 1].imag != 0, "dm_out": rev[:, 0].real,
            "tau_rev": rev[:, 1].real, "tau_rev_complex": rev[:, 1].imag != 0}


def densities(rng: np.random.Generator, method: str) -> dict[str, dict[str, np.ndarray]]:
    x, y = rng.uniform(-20e3, 20e3, N), rng.uniform(-20e3, 20e3, N)
    z = rng.uniform(-2e3, 2e3, N)
    l_deg, b_deg = all_sky(rng, N)
    dist = log_uniform(rng, 50, 20e3, N)
    ne_xyz = [pygedm.calculate_electron_density_xyz(*p, method=method).to_value("cm^-3")
              for p in zip(x, y, z, strict=True)]
    ne_lbr = [pygedm.calculate_electron_density_lbr(*p, method=method).to_value("cm^-3")
              for p in zip(l_deg, b_deg, dist, strict=True)]
    return {f"xyz_{method}": {"x": x, "y": y, "z": z, "ne": np.array(ne_xyz, float)},
            f"lbr_{method}": {"l": l_deg, "b": b_deg, "dist": dist,
                              "ne": np.array(ne_lbr, float)}}


def examples() -> dict[str, np.ndarray]:
    """pygedm's README calls, both methods: (name, method, value) rows."""
    rows = []
    for method in ("ymw16", "ne2001"):
        dm, tau = pygedm.dist_to_dm(204.0, -6.5, 200, method=method)
        rows += [("dist_to_dm(204.0, -6.5, 200).dm", method, dm.value),
                 ("dist_to_dm(204.0, -6.5, 200).tau", method, tau.value)]
        dist, tau = pygedm.dm_to_dist(123.4, 4.0, 200, method=method)
        rows += [("dm_to_dist(123.4, 4.0, 200).dist", method, dist.value),
                 ("dm_to_dist(123.4, 4.0, 200).tau", method, tau.value)]
        rows.append(("calculate_electron_density_xyz(1.0, 2.0, 3.0)", method,
                     pygedm.calculate_electron_density_xyz(1.0, 2.0, 3.0, method=method).value))
        rows.append(("calculate_electron_density_lbr(204.0, -6.5, 3000.0)", method,
                     pygedm.calculate_electron_density_lbr(204.0, -6.5, 3000.0,
                                                           method=method).value))
    return {"call": np.array([r[0] for r in rows]), "method": np.array([r[1] for r in rows]),
            "value": np.array([float(r[2]) for r in rows])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    cases: dict[str, dict[str, np.ndarray]] = {}
    for method, mode in (("ymw16", "gal"), ("ne2001", "gal")):
        l_deg, b_deg = all_sky(rng, N)
        cases[f"{method}_{mode}"] = sightlines(
            rng, l_deg, b_deg, log_uniform(rng, 3, 1000, N), log_uniform(rng, 50, 20e3, N),
            method, mode)
    l_deg, b_deg = rng.uniform(265, 315, N), rng.uniform(-60, -20, N)
    cases["ymw16_mc"] = sightlines(rng, l_deg, b_deg, log_uniform(rng, 3, 1000, N),
                                   log_uniform(rng, 1e3, 80e3, N), "ymw16", "mc")
    l_deg, b_deg = all_sky(rng, N)
    cases["igm"] = sightlines(rng, l_deg, b_deg, log_uniform(rng, 100, 3000, N),
                              log_uniform(rng, 100, 5000, N), "ymw16", "igm")
    for method in ("ymw16", "ne2001"):
        cases.update(densities(rng, method))
    cases["examples"] = examples()
    flat = {f"{case}_{key}": value for case, fields in cases.items()
            for key, value in fields.items()}
    np.savez_compressed(args.out / "oracle_pygedm.npz", pygedm=np.array(pygedm.__version__),
                        **flat)


if __name__ == "__main__":
    main()
