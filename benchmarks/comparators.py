"""Time a reference code per call on given sightlines; run by ``benchmarks/report.py``.

    python benchmarks/comparators.py mwprop ne2025 sightlines.npz out.npz
    python benchmarks/comparators.py pygedm ne2001 sightlines.npz out.npz
    python benchmarks/comparators.py pygedm ymw16 sightlines.npz out.npz

Runs in the comparator's own interpreter and needs only numpy and that code. The input holds
``l``, ``b`` (deg), ``value`` (DM in pc cm^-3 or distance in kpc), ``ndir`` (1: DM -> D,
-1: D -> DM) and ``scattering`` (mwprop's ``dmd_only=False``; pygedm always computes its
scattering time). The output holds ``seconds`` (wall time of each call, after one untimed
warm-up call), ``result`` (distance in kpc or DM in pc cm^-3) and ``version``.

mwprop selects its model by rewriting a file inside its package when NE2001 or NE2025 is
imported, so it is imported from a private copy of the package (``tools/mwprop_oracle.py``);
one model per process.
"""

from __future__ import annotations

import importlib.metadata
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

Call = Callable[[float, float, float, int, bool], float]


def mwprop_call(model: str) -> Call:
    """mwprop's NE2001p or NE2025p entry point, imported from a private copy of the package."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from mwprop_oracle import call as oracle_call
    from mwprop_oracle import import_model

    entry = import_model(model)

    def call(l_deg: float, b_deg: float, value: float, ndir: int, scattering: bool) -> float:
        values = oracle_call(entry, l_deg, b_deg, value, ndir, scattering)
        return float(values["DIST"] if ndir >= 0 else values["DM"])

    return call


def pygedm_call(model: str) -> Call:
    """pygedm's Fortran NE2001 or the authors' C++ YMW16 in Galactic mode (degrees in;
    distances in pc, converted here to kpc)."""
    import scipy.integrate

    if not hasattr(scipy.integrate, "simps"):  # removed in SciPy 1.14; pygedm still imports it
        scipy.integrate.simps = scipy.integrate.simpson
    import pygedm

    warnings.simplefilter("ignore")

    def call(l_deg: float, b_deg: float, value: float, ndir: int, scattering: bool) -> float:
        if ndir >= 0:
            dist_pc, _ = pygedm.dm_to_dist(l_deg, b_deg, value, method=model)
            return float(dist_pc.value) / 1000.0
        dm, _ = pygedm.dist_to_dm(l_deg, b_deg, value * 1000.0, method=model)
        return float(dm.value)

    return call


CODES: dict[str, Callable[[str], Call]] = {"mwprop": mwprop_call, "pygedm": pygedm_call}


def time_calls(call: Call, rows: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-call wall time (s) and result of every row, after one untimed warm-up call."""
    args = [(float(rows["l"][i]), float(rows["b"][i]), float(rows["value"][i]),
             int(rows["ndir"][i]), bool(rows["scattering"][i])) for i in range(len(rows["l"]))]
    call(*args[0])
    seconds, result = np.empty(len(args)), np.empty(len(args))
    for i, row in enumerate(args):
        start = time.perf_counter()
        result[i] = call(*row)
        seconds[i] = time.perf_counter() - start
    return seconds, result


def main(argv: list[str]) -> None:
    code, model, source, target = argv
    call = CODES[code](model)
    with np.load(source) as data:
        rows = {key: data[key] for key in data.files}
    seconds, result = time_calls(call, rows)
    np.savez(target, seconds=seconds, result=result, version=importlib.metadata.version(code))


if __name__ == "__main__":
    main(sys.argv[1:])
