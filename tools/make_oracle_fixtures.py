"""Make the reference fixtures in tests/data/ from mwprop, the reference NE2001p/NE2025p.

Run with a Python that has mwprop and what it needs (it declares none of it):

    pip install mwprop==2.0.5 scipy matplotlib astropy mpmath
    python tools/make_oracle_fixtures.py [--only density|los|atnf] [--out tests/data]

It writes, for each model (ne2001, ne2025):

* ``oracle_density_<model>.npz``: every density component at seeded points (the whole disk,
  near the arms, in the local ISM, at the Galactic centre, in and around clumps and voids),
  from mwprop's own per-point functions;
* ``oracle_los_<model>.npz``: full NE2001p/NE2025p results (DM -> D and D -> DM with all
  scattering quantities) on seeded sightlines: all-sky, the plane |b| < 5 and the inner Galaxy;

and ``oracle_atnf.csv``: mwprop's DM -> D for every pulsar of the ATNF catalogue with a DM,
keyed by name (the catalogue itself is data/psrcat-1.59.db; tests join it there).

mwprop selects its model by rewriting a file inside its package when NE2001 or NE2025 is
imported, so each model runs in its own worker process on a private copy of the package
(``mwprop_oracle.py``).
Slow: about 10 minutes for density and sightlines, 20 more for the ATNF catalogue.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from mwprop_oracle import MODELS, call, import_model, quiet

REPO = Path(__file__).resolve().parents[1]
PSRCAT = REPO / "data" / "psrcat-1.59.db"
SCATTERING_KEYS = ("DIST", "DM", "DMz", "SM", "SMtau", "SMtheta", "SMiso", "TAU", "SBW",
                   "SCINTIME", "THETA_G", "THETA_X", "NU_T", "EM", "DEFFSM2", "TAU_X", "SBW_X")
N_SIGHTLINES = 120  # per set and direction


# ---------------------------------------------------------------------------------------------
# worker side: runs inside a process that imported one mwprop model


def density_points(rng: np.random.Generator, config) -> tuple[np.ndarray, np.ndarray]:
    """Seeded points (n, 3) in kpc and their category names."""
    parts, names = [], []

    def add(name: str, xyz: np.ndarray) -> None:
        parts.append(xyz)
        names.extend([name] * len(xyz))

    add("disk", np.column_stack([rng.uniform(-20, 20, 2000), rng.uniform(-20, 20, 2000),
                                 rng.uniform(-2, 2, 2000)]))
    arm = rng.integers(0, 5, 2000)
    k = rng.integers(0, config.armarray.shape[2], 2000)
    offset = rng.uniform(-2.2, 2.2, (2000, 2))
    add("arms", np.column_stack([config.armarray[0, arm, k] + offset[:, 0],
                                 config.armarray[1, arm, k] + offset[:, 1],
                                 rng.uniform(-0.6, 0.6, 2000)]))
    add("lism", np.column_stack([rng.uniform(-1.5, 3.0, 1500), rng.uniform(6.5, 10.2, 1500),
                                 rng.uniform(-0.8, 0.8, 1500)]))
    direction = rng.normal(size=(500, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    add("lism", np.array([0.0, 8.5, 0.0]) + direction * rng.uniform(0, 0.6, (500, 1)))
    add("gc", np.column_stack([rng.uniform(-0.3, 0.3, 500), rng.uniform(-0.3, 0.3, 500),
                               -0.02 + rng.uniform(-0.08, 0.08, 500)]))
    c = rng.integers(0, len(config.xc), 1500)
    direction = rng.normal(size=(1500, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    radius = rng.uniform(0, 3, (1500, 1)) * config.rc[c][:, None]
    add("clumps", np.column_stack([config.xc[c], config.yc[c], config.zc[c]]) + direction * radius)
    v = rng.integers(0, len(config.xv), 1000)
    half = 1.8 * np.maximum(np.maximum(config.aav, config.bbv), config.ccv)[v][:, None]
    add("voids", np.column_stack([config.xv[v], config.yv[v], config.zv[v]])
        + rng.uniform(-1, 1, (1000, 3)) * half)
    return np.concatenate(parts), np.array(names)


def run_density(model: str, out: Path) -> None:
    import_model(model)
    from mwprop.nemod import config_nemod as config
    from mwprop.nemod.density_components import ne_gc, ne_inner, ne_outer
    from mwprop.nemod.ne_arms import ne_arms_ne2001p
    from mwprop.nemod.ne_lism import ne_lism
    from mwprop.nemod.neclumpN_fast import neclumpN
    from mwprop.nemod.nevoidN import nevoidN

    xyz, category = density_points(np.random.default_rng(2025), config)
    names = ("ne_outer", "F_outer", "ne_inner", "F_inner", "ne_arms", "F_arms", "whicharm",
             "ne_gc", "F_gc", "ne_lism", "F_lism", "wlism", "wldr", "wlhb", "wlsb", "wloopI",
             "ne_clumps", "F_clumps", "hitclump", "ne_voids", "F_voids", "hitvoid", "wvoid")
    rows = []
    with quiet():
        for x, y, z in xyz:
            rows.append([*ne_outer(x, y, z), *ne_inner(x, y, z),
                         *ne_arms_ne2001p(x, y, z, Ncoarse=config.Ncoarse), *ne_gc(x, y, z),
                         *ne_lism(x, y, z), *neclumpN(x, y, z)[:3], *nevoidN(x, y, z)])
    values = np.array(rows, dtype=np.float64)
    np.savez_compressed(out, x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], category=category,
                        **{name: values[:, i] for i, name in enumerate(names)})


def sightlines(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Seeded sightline sets, each with N DM -> D and N D -> DM rows."""
    n = N_SIGHTLINES
    sets = {
        "allsky": lambda: (rng.uniform(0, 360, 2 * n),
                           np.degrees(np.arcsin(rng.uniform(-1, 1, 2 * n)))),
        "plane": lambda: (rng.uniform(0, 360, 2 * n), rng.uniform(-5, 5, 2 * n)),
        "inner": lambda: (rng.uniform(-60, 60, 2 * n) % 360, rng.uniform(-8, 8, 2 * n)),
    }
    cols: dict[str, list] = {"set": [], "direction": [], "l": [], "b": [], "input": []}
    for name, draw in sets.items():
        l_deg, b_deg = draw()
        dm = 10 ** rng.uniform(np.log10(3), np.log10(1500), n)
        dist = 10 ** rng.uniform(np.log10(0.05), np.log10(30), n)
        cols["set"] += [name] * (2 * n)
        cols["direction"] += [1] * n + [-1] * n
        cols["l"] += list(l_deg)
        cols["b"] += list(b_deg)
        cols["input"] += list(dm) + list(dist)
    return {k: np.array(v) for k, v in cols.items()}


def run_los(model: str, out: Path) -> None:
    entry = import_model(model)
    rows = sightlines(np.random.default_rng(2001))
    result: dict[str, list] = {key: [] for key in (*SCATTERING_KEYS, "limit", "seconds")}
    for l_deg, b_deg, value, ndir in zip(rows["l"], rows["b"], rows["input"],
                                         rows["direction"], strict=True):
        start = time.perf_counter()
        values = call(entry, l_deg, b_deg, value, ndir, scattering=True)
        result["seconds"].append(time.perf_counter() - start)
        result["limit"].append(values["limdist"] == ">")
        for key in SCATTERING_KEYS:
            result[key].append(float(values[key]))
    np.savez_compressed(out, **rows, **{k: np.array(v) for k, v in result.items()})


def run_atnf(model: str, positions: Path, out: Path) -> None:
    entry = import_model(model)
    table = json.loads(positions.read_text())
    results = []
    for l_deg, b_deg, dm in zip(table["gl"], table["gb"], table["DM"], strict=True):
        values = call(entry, l_deg, b_deg, dm, 1, scattering=False)
        results.append([float(values["DIST"]), values["limdist"] == ">"])
    out.write_text(json.dumps(results))


# ---------------------------------------------------------------------------------------------
# driver side


def atnf_positions() -> dict[str, list]:
    """Name, Galactic position (astropy) and DM of every ATNF pulsar with a DM."""
    import astropy.units as u
    from astropy.coordinates import BarycentricMeanEcliptic, SkyCoord

    sys.path.insert(0, str(REPO))
    from mwprop_batch.catalogue.formats.psrcat import read_psrcat

    cat = read_psrcat(PSRCAT)
    cat = cat[cat["DM"].notna()].reset_index(drop=True)
    has_eq = cat["RAJ"].notna() & cat["DECJ"].notna()
    gl = np.full(len(cat), np.nan)
    gb = np.full(len(cat), np.nan)
    eq = SkyCoord(cat.loc[has_eq, "RAJ"].tolist(), cat.loc[has_eq, "DECJ"].tolist(),
                  unit=(u.hourangle, u.deg), frame="icrs").galactic
    gl[has_eq], gb[has_eq] = eq.l.deg, eq.b.deg
    ecl = SkyCoord(cat.loc[~has_eq, "ELONG"].to_numpy() * u.deg,
                   cat.loc[~has_eq, "ELAT"].to_numpy() * u.deg,
                   frame=BarycentricMeanEcliptic(equinox="J2000")).galactic
    gl[~has_eq], gb[~has_eq] = ecl.l.deg, ecl.b.deg
    return {
        "PSRJ": cat["PSRJ"].fillna(cat.get("PSRB")).tolist(),
        "gl": gl.tolist(), "gb": gb.tolist(), "DM": cat["DM"].tolist(),
    }


def spawn(task: str, model: str, out: Path, extra: list[str] | None = None) -> subprocess.Popen:
    command = [sys.executable, __file__, "--worker", task, model, str(out), *(extra or [])]
    return subprocess.Popen(command)


def run_both(task: str, outputs: dict[str, Path], extra: list[str] | None = None) -> None:
    """One worker per model, both at once (each on its own copy of mwprop)."""
    workers = [spawn(task, model, outputs[model], extra) for model in MODELS]
    for worker in workers:
        if worker.wait() != 0:
            raise SystemExit(f"{task} worker failed with exit code {worker.returncode}")


def make_atnf(out_dir: Path) -> None:
    table = atnf_positions()
    with tempfile.TemporaryDirectory() as scratch:
        positions = Path(scratch) / "positions.json"
        positions.write_text(json.dumps(table))
        outputs = {m: Path(scratch) / f"{m}.json" for m in MODELS}
        run_both("atnf", outputs, [str(positions)])
        results = {m: json.loads(outputs[m].read_text()) for m in MODELS}
    with (out_dir / "oracle_atnf.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["PSRJ", "NE2001P_DIST", "NE2001P_limit", "NE2025P_DIST",
                         "NE2025P_limit"])
        for i, name in enumerate(table["PSRJ"]):
            writer.writerow([name, repr(results["ne2001"][i][0]), results["ne2001"][i][1],
                             repr(results["ne2025"][i][0]), results["ne2025"][i][1]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("density", "los", "atnf"))
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task, model, out, *extra = args.worker
        if task == "density":
            run_density(model, Path(out))
        elif task == "los":
            run_los(model, Path(out))
        else:
            run_atnf(model, Path(extra[0]), Path(out))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for task in ("density", "los", "atnf"):
        if args.only in (None, task):
            start = time.perf_counter()
            if task == "atnf":
                make_atnf(args.out)
            else:
                run_both(task, {m: args.out / f"oracle_{task}_{m}.npz" for m in MODELS})
            print(f"{task}: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
