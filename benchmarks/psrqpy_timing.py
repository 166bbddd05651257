"""psrqpy's own NE2025 distances for the whole ATNF catalogue, beside ours, with the agreement.

    .venv/bin/python benchmarks/psrqpy_timing.py [data/psrcat-1.59.db]   # about 20 min on 2 cores
    .venv/bin/python benchmarks/report.py --psrqpy                       # as a report section

psrqpy (``QueryATNF(..., include_ne2025_dist=True)``) calls mwprop's ``dmdsm_dm2d`` once per
pulsar in a multiprocessing pool of one process per core. mwprop evaluates whichever model was
last selected in its installation (importing ``mwprop.nemod.NE2025`` or ``NE2001`` rewrites
``params/which_model.inp`` inside the package, and mwprop reads that file when it is
imported). So here, on a private copy of the package (the installed one is never written):
one process selects NE2025 by importing ``mwprop.nemod.NE2025``; a second process, with the
copy first on ``sys.path``, imports psrqpy and times the catalogue load with and without
``include_ne2025_dist``. Which model psrqpy used is read back from the copy and judged from
the numbers: its distances are compared with ours from NE2001 and from NE2025 on the same
pulsars (psrqpy's own GL, GB, DM). Ours is timed on the same rows in this process.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "data" / "psrcat-1.59.db"

SELECT = "import mwprop.nemod.NE2025"  # run with the private copy first on sys.path

PSRQPY_RUN = """
import json, sys, time
from pathlib import Path
private, db, out = sys.argv[1:4]
sys.path.insert(0, private)
import mwprop, psrqpy
from psrqpy import QueryATNF
import mwprop.nemod.dmdsm as dmdsm
assert Path(dmdsm.__file__).is_relative_to(private), dmdsm.__file__
start = time.perf_counter()
plain = QueryATNF(loadfromdb=db)
load = time.perf_counter() - start
start = time.perf_counter()
query = QueryATNF(loadfromdb=db, include_ne2025_dist=True)
total = time.perf_counter() - start
df = query.pandas
which = (Path(private) / "mwprop/nemod/params/which_model.inp").read_text().strip()
json.dump({"load_s": load, "with_ne2025_s": total, "which_model_inp": which,
           "psrqpy": psrqpy.__version__, "PSRJ": df["PSRJ"].tolist(),
           "GL": df["GL"].tolist(), "GB": df["GB"].tolist(), "DM": df["DM"].tolist(),
           "DIST_DM_NE2025": df["DIST_DM_NE2025"].tolist()}, open(out, "w"))
"""


def private_mwprop(where: Path) -> Path:
    """Copy the installed mwprop package under ``where``; return the directory to put on
    sys.path."""
    spec = importlib.util.find_spec("mwprop")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mwprop is not installed (the test extra installs it)")
    shutil.copytree(spec.submodule_search_locations[0], where / "mwprop")
    return where


def run_psrqpy(db: Path, python: str = sys.executable) -> dict:
    """psrqpy's catalogue load and NE2025 distances, with NE2025 selected in a private mwprop."""
    with tempfile.TemporaryDirectory(prefix="psrqpy_mwprop_") as tmp:
        private = private_mwprop(Path(tmp))
        select = f"import sys; sys.path.insert(0, {str(private)!r}); {SELECT}"
        _run([python, "-c", select])
        out = Path(tmp) / "psrqpy.json"
        _run([python, "-c", PSRQPY_RUN, str(private), str(db), str(out)])
        return json.loads(out.read_text())


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{command[:2]} failed:\n{done.stderr[-3000:]}")


def relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.abs(b)


def psrqpy_comparison(db: Path = DEFAULT_DB, python: str = sys.executable) -> dict:
    """Time psrqpy's NE2025 distances and ours on the whole catalogue; compare them."""
    from mwprop_batch import Model

    theirs = run_psrqpy(db, python)
    gl, gb, dm = (np.array(theirs[k], dtype=float) for k in ("GL", "GB", "DM"))
    dist = np.array(theirs["DIST_DM_NE2025"], dtype=float)
    rows = np.isfinite(gl) & np.isfinite(gb) & np.isfinite(dm)
    result = {
        "psrqpy": theirs["psrqpy"], "pulsars": int(rows.sum()), "catalogue": len(dist),
        "which_model_inp": theirs["which_model_inp"], "load_s": theirs["load_s"],
        "psrqpy_ne2025_s": theirs["with_ne2025_s"] - theirs["load_s"],
    }
    for name in ("ne2025", "ne2001"):
        model = Model(name)
        model.dm_to_dist(gl[rows][:10], gb[rows][:10], dm[rows][:10])  # warm up
        start = time.perf_counter()
        ours = model.dm_to_dist(gl[rows], gb[rows], dm[rows])
        result[f"ours_{name}_s"] = time.perf_counter() - start
        usable = (~ours["limit"].to_numpy()) & np.isfinite(dist[rows])
        diff = relative(dist[rows][usable], ours["DIST"].to_numpy()[usable])
        result[f"vs_{name}"] = {
            "compared": int(usable.sum()), "median": float(np.median(diff)),
            "p90": float(np.percentile(diff, 90)), "max": float(diff.max()),
            "within_1pct": float(np.mean(diff < 0.01)),
        }
    nearer = min(("ne2025", "ne2001"), key=lambda n: result[f"vs_{n}"]["median"])
    result["psrqpy_used"] = nearer.upper()
    return result


def summary(result: dict) -> str:
    """A few lines of text for the console."""
    lines = [
        f"psrqpy {result['psrqpy']}: {result['pulsars']:,} pulsars with GL, GB, DM of "
        f"{result['catalogue']:,}; which_model.inp in its mwprop: {result['which_model_inp']}",
        f"psrqpy NE2025 distances: {result['psrqpy_ne2025_s']:.1f} s (catalogue load "
        f"{result['load_s']:.1f} s more); ours: NE2025 {result['ours_ne2025_s']:.2f} s, "
        f"NE2001 {result['ours_ne2001_s']:.2f} s",
    ]
    for name in ("ne2025", "ne2001"):
        v = result[f"vs_{name}"]
        lines.append(f"psrqpy vs our {name.upper()} ({v['compared']:,} non-limit rows): median "
                     f"{v['median']:.2e}, 90% {v['p90']:.2e}, max {v['max']:.2e}, "
                     f"{v['within_1pct']:.1%} within 1%")
    lines.append(f"psrqpy used {result['psrqpy_used']} (nearer our {result['psrqpy_used']})")
    return "\n".join(lines)


if __name__ == "__main__":
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DB
    out = psrqpy_comparison(db)
    print(summary(out))
    print(json.dumps(out, indent=1))
