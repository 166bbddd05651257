"""mwprop_batch.compat.pygedm against pygedm itself, measured in one run on the same inputs.

    python benchmarks/pygedm_probe.py [--pygedm-python .oracle-venv/bin/python] \\
        [--rows 100000] [--calls 1000] [--threads 1] [--cores 2]

This process times the drop-in (our environment); the same script, started under
``--pygedm-python`` (an environment with pygedm 3.3.0, as tools/make_pygedm_fixtures.py
builds it), times pygedm on the same seeded inputs, right after. Per method and mode:

* ours on arrays of ``--rows`` all-sky sightlines (DM log-uniform 3-1000 pc cm^-3 for
  DM -> D, D log-uniform 0.05-20 kpc for D -> DM; IGM: DM 100-3000, D 100-5000 Mpc), one call
  each after a warm-up call, on ``--threads`` kernel threads: the wall-clock rate
  (sightlines/s), the CPU time per sightline (process time, every thread of the process, us)
  and what that CPU time gives a machine of ``--cores`` cores (``cores / CPU per
  sightline``: the rate of a machine that is not shared, whatever else runs here now);
* a scalar call in a warm process, ours and pygedm's, ``--calls`` seeded calls each: the median
  wall time per call and the mean CPU time per call (us); pygedm's loop rate by CPU time per
  machine, which is all pygedm 3 offers for arrays (its functions take scalars only), and the
  ratio of our array rate to it.

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
DIRECTIONS = (("dm_to_dist", "dm"), ("dist_to_dm", "dist"))


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


def timed(func, *args, **kwargs) -> tuple[float, float]:
    """(wall s, CPU s of the whole process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    func(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def per_call_us(api, method: str, mode: str, calls: int) -> dict[str, float]:
    """Median wall time and mean CPU time of one scalar call (us), each direction."""
    data = inputs(calls, mode, SEED + 1)
    out = {}
    for name, key in DIRECTIONS:
        func = getattr(api, name)
        walls = []
        cpu = time.process_time()
        for row in zip(data["l"], data["b"], data[key], strict=True):
            lo, bo, value = (float(v) for v in row)
            start = time.perf_counter()
            try:
                func(lo, bo, value, mode=mode, method=method)
            except KeyError:  # pygedm's IGM mode for a DM below the Galaxy's
                pass
            walls.append(time.perf_counter() - start)
        out[f"{name} scalar cpu us"] = 1e6 * (time.process_time() - cpu) / calls
        out[f"{name} scalar us"] = 1e6 * statistics.median(walls)
    return out


def measure_ours(rows: int, calls: int, threads: int) -> dict[str, dict[str, float]]:
    import numba

    from mwprop_batch.compat import pygedm

    numba.set_num_threads(threads)
    results = {}
    for method, mode in JOBS:
        data = inputs(rows, mode)
        key = f"{method} {mode}"
        results[key] = {}
        for name, arg in DIRECTIONS:
            func = getattr(pygedm, name)
            func(data["l"][:1000], data["b"][:1000], data[arg][:1000], mode=mode, method=method)
            wall, cpu = timed(func, data["l"], data["b"], data[arg], mode=mode, method=method)
            results[key][f"{name} array /s"] = rows / wall
            results[key][f"{name} array cpu us"] = 1e6 * cpu / rows
        results[key].update(per_call_us(pygedm, method, mode, calls))
    return results


def measure_pygedm(calls: int) -> dict[str, dict[str, float]]:
    import scipy.integrate

    scipy.integrate.simps = scipy.integrate.simpson  # pygedm 3.3.0 on scipy >= 1.14
    import pygedm

    results = {}
    for method, mode in JOBS:
        if method == "ne2025":
            continue
        results[f"{method} {mode}"] = per_call_us(pygedm, method, mode, calls)
    results["version"] = pygedm.__version__
    return results


def table(ours: dict, theirs: dict, rows: int, threads: int, cores: int) -> str:
    lines = [
        f"| method, mode | direction | ours, {rows:,} rows: wall (/s) | CPU per sightline (us) "
        f"| per {cores}-core machine by CPU (/s) | ours scalar: wall median / CPU (us) "
        f"| pygedm scalar: wall median / CPU (us) | pygedm loop per {cores}-core machine "
        "by CPU (/s) | ours / pygedm |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, row in ours.items():
        other = theirs.get(key)
        for name, _ in DIRECTIONS:
            cpu_us = row[f"{name} array cpu us"]
            ours_rate = cores * 1e6 / cpu_us
            pyg, loop, ratio = "n/a (not in pygedm 3)", "n/a", "n/a"
            if other is not None:
                pyg = f"{other[f'{name} scalar us']:.0f} / {other[f'{name} scalar cpu us']:.0f}"
                loop_rate = cores * 1e6 / other[f"{name} scalar cpu us"]
                loop, ratio = f"{loop_rate:,.0f}", f"{ours_rate / loop_rate:.0f}x"
            lines.append(
                f"| {key} | {name} | {row[f'{name} array /s']:,.0f} | {cpu_us:.1f} "
                f"| {ours_rate:,.0f} | {row[f'{name} scalar us']:.0f} / "
                f"{row[f'{name} scalar cpu us']:.0f} | {pyg} | {loop} | {ratio} |")
    return "\n".join(lines) + f"\n\n(ours on {threads} kernel thread(s))"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pygedm-python", help="python of an environment with pygedm 3.3.0")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="our kernel threads")
    parser.add_argument("--cores", type=int, default=2, help="cores of the machine rated")
    parser.add_argument("--side", choices=("ours", "pygedm"), default="ours")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.side == "pygedm":
        # the C code prints to stdout without newlines: the result goes on a line of its own
        print("\n" + MARK + json.dumps(measure_pygedm(args.calls)))
        return
    ours = measure_ours(args.rows, args.calls, args.threads)
    theirs = {}
    if args.pygedm_python:
        done = subprocess.run([args.pygedm_python, __file__, "--side", "pygedm", "--calls",
                               str(args.calls)], capture_output=True, text=True, check=True)
        line = [x for x in done.stdout.splitlines() if x.startswith(MARK)][-1]
        theirs = json.loads(line[len(MARK):])
        print(f"pygedm {theirs.pop('version')}", file=sys.stderr)
    print(table(ours, theirs, args.rows, args.threads, args.cores))


if __name__ == "__main__":
    main()
