"""mwprop_batch.compat.pygedm against pygedm itself, measured in one run on the same inputs.

    python benchmarks/pygedm_probe.py --pygedm-python .oracle-venv/bin/python \\
        [--rows 100000] [--calls 1000]

This process times the drop-in (our environment); the same script, started under
``--pygedm-python`` (an environment with pygedm 3.3.0, as tools/make_pygedm_fixtures.py
builds it), times pygedm on the same seeded inputs, right after. Per method and mode:

* ours on arrays of ``--rows`` all-sky sightlines (DM log-uniform 3-1000 pc cm^-3 for
  DM -> D, D log-uniform 0.05-20 kpc for D -> DM; IGM: DM 100-3000, D 100-5000 Mpc), one call
  each after a warm-up call: sightlines per second;
* a scalar call in a warm process, ours and pygedm's, ``--calls`` seeded calls each: the median
  time per call (us), and pygedm's loop rate (sightlines per second), which is all pygedm 3
  offers for arrays (its functions take scalars only).

Prints a Markdown table (docs/pygedm.md). Kernels load from numba's cache (or compile first).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

JOBS = (("ymw16", "gal"), ("ymw16", "mc"), ("ymw16", "igm"), ("ne2001", "gal"),
        ("ne2025", "gal"))
SEED = 33
MARK = "PYGEDM-PROBE "


def inputs(n: int, mode: str, seed: int = SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    l_deg = rng.uniform(0, 360, n)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    if mode == "igm":
        dm, dist = 10 ** rng.uniform(2, np.log10(3000), n), 10 ** rng.uniform(2, np.log10(5e3), n)
    else:
        dm = 10 ** rng.uniform(np.log10(3), 3, n)
        dist = 10 ** rng.uniform(np.log10(50), np.log10(20e3), n)
    return {"l": l_deg, "b": b_deg, "dm": dm, "dist": dist}


def per_call_us(api, method: str, mode: str, calls: int) -> dict[str, float]:
    """Median time of one scalar call (us), each direction."""
    data = inputs(calls, mode, SEED + 1)
    out = {}
    for name, key in (("dm_to_dist", "dm"), ("dist_to_dm", "dist")):
        func = getattr(api, name)
        times = []
        for row in zip(data["l"], data["b"], data[key], strict=True):
            lo, bo, value = (float(v) for v in row)
            start = time.perf_counter()
            try:
                func(lo, bo, value, mode=mode, method=method)
            except KeyError:  # pygedm's IGM mode for a DM below the Galaxy's
                pass
            times.append(time.perf_counter() - start)
        out[name] = 1e6 * statistics.median(times)
    return out


def measure_ours(rows: int, calls: int) -> dict[str, dict[str, float]]:
    from mwprop_batch.compat import pygedm

    results = {}
    for method, mode in JOBS:
        data = inputs(rows, mode)
        key = f"{method} {mode}"
        results[key] = {}
        for name, arg in (("dm_to_dist", "dm"), ("dist_to_dm", "dist")):
            func = getattr(pygedm, name)
            func(data["l"][:1000], data["b"][:1000], data[arg][:1000], mode=mode, method=method)
            start = time.perf_counter()
            func(data["l"], data["b"], data[arg], mode=mode, method=method)
            results[key][f"{name} array /s"] = rows / (time.perf_counter() - start)
        for name, us in per_call_us(pygedm, method, mode, calls).items():
            results[key][f"{name} scalar us"] = us
    return results


def measure_pygedm(calls: int) -> dict[str, dict[str, float]]:
    import scipy.integrate

    scipy.integrate.simps = scipy.integrate.simpson  # pygedm 3.3.0 on scipy >= 1.14
    import pygedm

    results = {}
    for method, mode in JOBS:
        if method == "ne2025":
            continue
        results[f"{method} {mode}"] = {f"{name} scalar us": us for name, us in
                                       per_call_us(pygedm, method, mode, calls).items()}
    results["version"] = pygedm.__version__
    return results


def table(ours: dict, theirs: dict, rows: int) -> str:
    lines = [
        f"| method, mode | ours DM->D, {rows:,} rows (/s) | ours D->DM (/s) | ours scalar DM->D "
        "/ D->DM (us) | pygedm scalar DM->D / D->DM (us) | pygedm loop DM->D (/s) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, row in ours.items():
        other = theirs.get(key)
        pyg = ("n/a (not in pygedm 3)" if other is None else
               f"{other['dm_to_dist scalar us']:.0f} / {other['dist_to_dm scalar us']:.0f}")
        loop = "n/a" if other is None else f"{1e6 / other['dm_to_dist scalar us']:,.0f}"
        lines.append(
            f"| {key} | {row['dm_to_dist array /s']:,.0f} | {row['dist_to_dm array /s']:,.0f} "
            f"| {row['dm_to_dist scalar us']:.0f} / {row['dist_to_dm scalar us']:.0f} "
            f"| {pyg} | {loop} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pygedm-python", help="python of an environment with pygedm 3.3.0")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--side", choices=("ours", "pygedm"), default="ours")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.side == "pygedm":
        # the C code prints to stdout without newlines: the result goes on a line of its own
        print("\n" + MARK + json.dumps(measure_pygedm(args.calls)))
        return
    ours = measure_ours(args.rows, args.calls)
    theirs = {}
    if args.pygedm_python:
        done = subprocess.run([args.pygedm_python, __file__, "--side", "pygedm", "--calls",
                               str(args.calls)], capture_output=True, text=True, check=True)
        line = [x for x in done.stdout.splitlines() if x.startswith(MARK)][-1]
        theirs = json.loads(line[len(MARK):])
        print(f"pygedm {theirs.pop('version')}", file=sys.stderr)
    print(table(ours, theirs, args.rows))


if __name__ == "__main__":
    main()
