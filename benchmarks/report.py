"""Performance report: ours against mwprop and pygedm, scaling curves, first-call times.

    .venv/bin/python benchmarks/report.py [--quick] [--start-up]

In one run, on the same seeded sightlines (``workload.sky``): the cost per sightline of
mwprop's NE2001p and NE2025p and of pygedm's Fortran NE2001 and C++ YMW16 (the authors' code),
each in its own interpreter and timed per call there (``comparators.py``), and mwprop_batch's
throughput for NE2001, NE2025 and YMW16; how our time scales
with the number of sightlines, the DM (path length) and the number of threads; the first call
in a fresh process with a cold and a warm numba cache, and the first ``mwprop-batch los`` after
installation; NE2025 on the demo's disk population. ``--start-up`` measures only those and
prints them. Writes ``docs/performance.md`` and
``docs/img/performance.png`` (``render.py``). The full run takes 25-45 minutes on 2 cores
(its two 1e7-row points, one call and one ``convert``, about 15), ``--quick`` about 4.

mwprop is taken from this interpreter (``--mwprop-python`` to change); pygedm needs its own
environment (steps in docs/performance.md), named by ``--pygedm-python`` or ``PYGEDM_PYTHON``.
A comparator that cannot run is reported, with the reason, instead of measured.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import product
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from psrqpy_timing import psrqpy_comparison
from render import write_report
from workload import (
    D_TO_DM,
    DIRECTIONS,
    DM_TO_D,
    latitude_band,
    points,
    run_cli,
    sky,
    write_catalogue,
)

import mwprop_batch
from mwprop_batch import Model
from mwprop_batch.core.parallel import run_parallel_kernel
from mwprop_batch.core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from mwprop_batch.demo import synthetic_catalogue
from mwprop_batch.families.ne import engine as sightlines
from mwprop_batch.families.ymw16 import engine as ymw16_sightlines

ROOT = Path(__file__).resolve().parents[1]
COMPARATORS = Path(__file__).with_name("comparators.py")
DEFAULT_PYGEDM_PYTHON = "/tmp/venv-pygedm/bin/python"
MODELS = ("ne2001", "ne2025", "ymw16")
MWPROP_MODELS = ("ne2001", "ne2025")  # mwprop has no YMW16
PYGEDM_MODELS = ("ne2001", "ymw16")
NDIR = {DM_TO_D: 1, D_TO_DM: -1}
RESULT = {DM_TO_D: "DIST", D_TO_DM: "DM"}  # the column compared with the other codes
LADDER = (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000,
          10_000_000)
CONVERT_LADDER = (1, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
LATITUDES = (0.0, 30.0)
QUIET = 0.1  # cores: other processes' load below which a timed call counts as undisturbed
PATIENCE = 10.0  # seconds: how long to keep repeating a call that ran beside other load
MEASURABLE = 0.1  # seconds: shorter calls are repeated anyway, and their load is not measured
FIRST_CALL = """
import json, sys, time
start = time.perf_counter()
import numpy as np
from mwprop_batch import Model
imported = time.perf_counter()
model = Model("ne2025")
model.tables
built = time.perf_counter()
rows = int(sys.argv[1])  # 1: interpreted (mwprop_batch.core.runner); 1,000: the compiled kernels
model.dm_to_dist(np.linspace(30.0, 60.0, rows), np.full(rows, 2.0), np.full(rows, 300.0))
done = time.perf_counter()
print(json.dumps({"import": imported - start, "build": built - imported,
                  "first_call": done - built}))
"""


@dataclass(frozen=True)
class Plan:
    """How much to measure."""

    mwprop_rows: int  # sightlines per direction and scattering mode, per mwprop model
    pygedm_rows: int  # sightlines per direction for pygedm
    rows: int  # our throughput sample
    thread_rows: int  # sightlines in the threads test
    curve_max: int  # largest number of sightlines on the scaling curves...
    main_curve_max: int  # ...and on that of the main job, NE2025 DM -> D
    dm_values: int  # points on the DM curve
    dm_rows: int  # sightlines per point of the DM curve
    density_points: int
    warm_runs: int  # fresh processes with a warm cache
    convert_max: int  # largest catalogue converted on the memory curve


QUICK = Plan(5, 500, 20_000, 20_000, 100_000, 100_000, 6, 500, 200_000, 2, 100_000)
FULL = Plan(20, 2_000, 100_000, 50_000, 1_000_000, 10_000_000, 12, 2_000, 1_000_000, 3,
            10_000_000)
MAIN_JOB = ("ne2025", DM_TO_D)
FIRST_BATCH_ROWS = 1_000  # more than the interpreted calls take (mwprop_batch.core.runner)


class Unavailable(RuntimeError):
    """A comparator could not run here."""


@dataclass(frozen=True)
class Sample:
    """Seeded whole-sky sightlines; every measurement uses a prefix of them."""

    l_deg: np.ndarray
    b_deg: np.ndarray
    inputs: dict[str, np.ndarray]  # per direction: DM (pc cm^-3) or distance (kpc)

    @classmethod
    def make(cls, n: int) -> Sample:
        l_deg, b_deg, dm, dist = sky(n)
        return cls(l_deg, b_deg, {DM_TO_D: dm, D_TO_DM: dist})

    def head(self, direction: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.l_deg[:n], self.b_deg[:n], self.inputs[direction][:n]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ours(model: Model, direction: str, l_deg, b_deg, value, scattering: bool = False):
    """Our public API in either direction."""
    if direction == DM_TO_D:
        return model.dm_to_dist(l_deg, b_deg, value, scattering=scattering)
    return model.dist_to_dm(l_deg, b_deg, value, scattering=scattering)


@dataclass(frozen=True)
class Run:
    """One timed call: wall time, other processes' load during it (cores), what it returned."""

    seconds: float
    other: float
    result: object


def timed_call(func: Callable[[], object]) -> Run:
    """Time one call; other load is NaN for calls too short to tell (CPU time has 10 ms ticks)."""
    busy, own, start = busy_seconds(), own_seconds(), time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    other = (busy_seconds() - busy) - (own_seconds() - own)
    return Run(seconds, max(other, 0.0) / seconds if seconds >= MEASURABLE else np.nan, result)


def best_run(
    func: Callable[[], object], budget: float = 1.0, min_runs: int = 1, max_runs: int = 20
) -> Run:
    """The fastest of repeated calls, the one least disturbed by other load.

    At least ``min_runs`` calls, then more while they fit in about ``budget`` seconds, or
    while the fastest ran beside other processes (over QUIET cores) and all took < PATIENCE s.
    """
    runs = [timed_call(func) for _ in range(min_runs)]
    while len(runs) < max_runs:
        best, spent = min(runs, key=lambda r: r.seconds), sum(r.seconds for r in runs)
        if spent >= budget and not (best.other > QUIET and spent < PATIENCE):
            break
        runs.append(timed_call(func))
    best = min(runs, key=lambda r: r.seconds)
    if best.other > QUIET:
        log(f"  disturbed: other processes used {best.other:.2f} cores during the best call")
    return best


def seconds_per_call(func: Callable[[], object], budget: float = 1.0, min_runs: int = 1) -> float:
    return best_run(func, budget, min_runs).seconds


def warm_up(models: dict[str, Model]) -> None:
    """Build the tables and load every kernel from numba's cache."""
    for model, direction, scattering in product(models.values(), DIRECTIONS, (False, True)):
        ours(model, direction, 30.0, 2.0, 3.0, scattering)
    for model in models.values():
        model.density(0.0, 8.5, 0.0)


# ---------------------------------------------------------------------------------------------
# the reference codes, on the first sightlines of the sample


def run_comparator(python: str, code: str, model: str, rows: dict[str, np.ndarray]) -> dict:
    """Per-call seconds, results and version of ``code`` on ``rows`` (comparators.py)."""
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_bench_") as tmp:
        source, target = Path(tmp, "in.npz"), Path(tmp, "out.npz")
        np.savez(source, **rows)
        command = [python, str(COMPARATORS), code, model, str(source), str(target)]
        try:
            subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp)
        except FileNotFoundError as exc:
            raise Unavailable(f"no interpreter {python}") from exc
        except subprocess.CalledProcessError as exc:
            lines = (exc.stderr or exc.stdout or "failed").strip().splitlines()
            raise Unavailable(f"{python}: {lines[-1]}") from exc
        with np.load(target) as out:
            return {"seconds": out["seconds"], "result": out["result"],
                    "version": str(out["version"])}


def comparator_records(
    python: str, code: str, model: str, configs: list[tuple[str, bool]], n: int,
    sample: Sample, models: dict[str, Model],
) -> list[dict]:
    """Time ``code`` on the first n sightlines for each (direction, scattering) config."""
    parts = [sample.head(direction, n) for direction, _ in configs]
    rows = {
        "l": np.concatenate([p[0] for p in parts]),
        "b": np.concatenate([p[1] for p in parts]),
        "value": np.concatenate([p[2] for p in parts]),
        "ndir": np.repeat([NDIR[d] for d, _ in configs], n),
        "scattering": np.repeat([s for _, s in configs], n),
    }
    run = timed_call(partial(run_comparator, python, code, model, rows))
    out = run.result
    records = []
    for j, ((direction, scattering), part) in enumerate(zip(configs, parts, strict=True)):
        seconds, theirs = (out[key][j * n:(j + 1) * n] for key in ("seconds", "result"))
        frame = ours(models[model], direction, *part, scattering)
        keep = ~frame["limit"].to_numpy()  # where DIST is a lower limit, the codes differ
        mine = frame[RESULT[direction]].to_numpy()[keep]
        records.append({
            "code": f"{code} {out['version']}", "model": model, "direction": direction,
            "scattering": scattering, "sightlines": n, "seconds": float(seconds.mean()),
            "other": run.other, "compared": int(keep.sum()),
            "agreement": float(np.median(np.abs(mine / theirs[keep] - 1.0))) if keep.any()
            else np.nan,
        })
    return records


def reference_codes(
    plan: Plan, sample: Sample, models: dict[str, Model], mwprop_python: str,
    pygedm_python: str,
) -> tuple[list[dict], dict[str, str]]:
    """Records of mwprop (its two models, both modes) and pygedm (NE2001 and YMW16), and why
    any could not run."""
    every = list(product(DIRECTIONS, (False, True)))
    jobs = [("mwprop", mwprop_python, model, every, plan.mwprop_rows) for model in MWPROP_MODELS]
    jobs += [("pygedm", pygedm_python, model, [(d, False) for d in DIRECTIONS], plan.pygedm_rows)
             for model in PYGEDM_MODELS]
    records: list[dict] = []
    missing: dict[str, str] = {}
    for code, python, model, configs, n in jobs:
        if code in missing:
            continue
        log(f"{code} {model}: {n} sightlines x {len(configs)}")
        try:
            records += comparator_records(python, code, model, configs, n, sample, models)
        except Unavailable as exc:
            missing[code] = str(exc)
            log(f"{code} not measured: {exc}")
    return records, missing


def our_records(plan: Plan, sample: Sample, models: dict[str, Model]) -> list[dict]:
    """Our time per sightline on the comparators' sightlines and on the throughput sample."""
    records = []
    sizes = sorted({plan.mwprop_rows, plan.pygedm_rows, plan.rows})
    for (name, model), direction, scattering, n in product(
        models.items(), DIRECTIONS, (False, True), sizes
    ):
        args = sample.head(direction, n)
        seconds = seconds_per_call(partial(ours, model, direction, *args, scattering), 0.5, 2)
        records.append({"code": f"mwprop_batch {mwprop_batch.__version__}", "model": name,
                        "direction": direction, "scattering": scattering, "sightlines": n,
                        "seconds": seconds / n})
    return records


# ---------------------------------------------------------------------------------------------
# where our time goes, and how it scales


def kernel_seconds(model: Model, direction: str, args, scattering: bool) -> float:
    """Run one call through the sightlines layer; return the time its numba kernels took."""
    spent: list[float] = []

    def timed(kernel, *kernel_args):
        start = time.perf_counter()
        try:
            return run_parallel_kernel(kernel, *kernel_args)
        finally:
            spent.append(time.perf_counter() - start)

    l_deg, b_deg, value = (np.ascontiguousarray(a, dtype=np.float64) for a in args)
    common = (scattering, REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS, "nan", timed)
    engine = ymw16_sightlines if model.name == "ymw16" else sightlines
    if direction == DM_TO_D:
        engine.dm_to_dist(model.tables, l_deg, b_deg, value, None, *common)
    else:
        engine.dist_to_dm(model.tables, l_deg, b_deg, value, *common)
    return sum(spent)


def split_records(plan: Plan, sample: Sample, models: dict[str, Model]) -> list[dict]:
    """Whole call and kernel time (the fastest of at least two calls) per configuration."""
    records = []
    for (name, model), direction, scattering in product(models.items(), DIRECTIONS,
                                                         (False, True)):
        args = sample.head(direction, plan.rows)
        run = best_run(partial(kernel_seconds, model, direction, args, scattering), 0.0, 2)
        records.append({"model": name, "direction": direction, "scattering": scattering,
                        "sightlines": plan.rows, "total": run.seconds, "kernel": run.result})
    return records


def limit_split(plan: Plan, sample: Sample, models: dict[str, Model]) -> list[dict]:
    """DM -> D time on the rows whose DM the model does not reach (limit) and on the others."""
    records = []
    for name, model in models.items():
        l_deg, b_deg, dm = sample.head(DM_TO_D, plan.rows)
        limit = model.dm_to_dist(l_deg, b_deg, dm)["limit"].to_numpy()
        for label, rows in (("limit", limit), ("not limit", ~limit)):
            call = partial(model.dm_to_dist, l_deg[rows], b_deg[rows], dm[rows])
            records.append({"model": name, "rows": label, "sightlines": int(rows.sum()),
                            "seconds": seconds_per_call(call, 0.0, 2)})
    return records


def rows_curve(plan: Plan, sample: Sample, models: dict[str, Model]) -> list[dict]:
    """Time of one call against the number of sightlines (no scattering)."""
    records = []
    for (name, model), direction in product(models.items(), DIRECTIONS):
        top = plan.main_curve_max if (name, direction) == MAIN_JOB else plan.curve_max
        for n in (n for n in LADDER if n <= top):
            args = sample.head(direction, n)
            seconds = seconds_per_call(partial(ours, model, direction, *args))
            records.append({"model": name, "direction": direction, "n": n, "seconds": seconds})
            log(f"rows curve {name} {direction} n={n:,}: {seconds:.4g} s")
    return records


def dm_curve(plan: Plan, models: dict[str, Model]) -> list[dict]:
    """DM -> D cost per sightline against DM, in the plane and at |b| = 30 deg."""
    records = []
    for b_abs, dm in product(LATITUDES, np.geomspace(10.0, 3000.0, plan.dm_values)):
        l_deg, b_deg = latitude_band(plan.dm_rows, b_abs)
        for name, model in models.items():
            seconds = seconds_per_call(partial(model.dm_to_dist, l_deg, b_deg, dm), 0.5)
            frame = model.dm_to_dist(l_deg, b_deg, dm)
            records.append({"model": name, "b_abs": b_abs, "dm": float(dm),
                            "seconds": seconds / plan.dm_rows,
                            "median_dist": float(frame["DIST"].median()),
                            "limit": float(frame["limit"].mean())})
    return records


def thread_counts() -> list[int]:
    top = numba.config.NUMBA_NUM_THREADS
    return sorted({2**k for k in range(top.bit_length()) if 2**k <= top} | {top})


def threads_curve(plan: Plan, sample: Sample, models: dict[str, Model]) -> list[dict]:
    """Throughput of each workload with 1, 2, ... numba threads."""
    x, y, z = points(plan.density_points)
    workloads: dict[str, tuple[int, Callable[[], object]]] = {}
    for (name, model), direction in product(models.items(), DIRECTIONS):
        args = sample.head(direction, plan.thread_rows)
        workloads[f"{name.upper()} {direction}"] = (plan.thread_rows,
                                                    partial(ours, model, direction, *args))
    for name, model in models.items():
        workloads[f"{name.upper()} density"] = (plan.density_points,
                                                partial(model.density, x, y, z))
    previous = numba.get_num_threads()
    records = []
    try:
        for threads in thread_counts():
            numba.set_num_threads(threads)
            for label, (n, func) in workloads.items():
                seconds = seconds_per_call(func, budget=0.0, min_runs=2)
                records.append({"workload": label, "threads": threads, "per_s": n / seconds})
            log(f"threads={threads} done")
    finally:
        numba.set_num_threads(previous)
    return records


def convert_curve(plan: Plan, sample: Sample) -> list[dict]:
    """``mwprop-batch convert`` (NE2025, DM -> D) of Parquet catalogues of growing size.

    Each run is a fresh process (interpreter, numba cache, read, compute, write, fsync); its
    wall time and peak resident memory (VmHWM), the best of three for the small ones whose
    time is mostly start-up. The catalogues are prefixes of the sample.
    """
    records = []
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_convert_") as tmp:
        for n in (n for n in CONVERT_LADDER if n <= plan.convert_max):
            source = write_catalogue(Path(tmp, "in.parquet"), *sample.head(DM_TO_D, n))
            target = Path(tmp, "out.parquet")
            convert = partial(run_cli, "convert", str(source), str(target), "--model",
                              "ne2025", "--quiet", "--overwrite")
            run = best_run(convert, budget=0.0, min_runs=3 if n <= 1_000 else 1, max_runs=3)
            seconds, peak_mb = run.result
            written = pq.ParquetFile(target).metadata.num_rows
            if written != n:
                raise RuntimeError(f"convert wrote {written} rows for {n}")
            records.append({"n": n, "seconds": seconds, "peak_mb": peak_mb,
                            "other": run.other})
            log(f"convert n={n:,}: {seconds:.4g} s, peak RSS {peak_mb:,.0f} MB")
    return records


# ---------------------------------------------------------------------------------------------
# first call in a fresh process


def compile_bytecode() -> None:
    """Write the package's bytecode (``__pycache__``), as ``pip install`` does: without it,
    as where PYTHONDONTWRITEBYTECODE is set, every fresh process compiles the sources again
    (0.07 s of a warm start, measured on 2 cores)."""
    compileall.compile_dir(ROOT / "mwprop_batch", quiet=1)


def cache_env(cache_dir: str) -> dict[str, str]:
    """Environment whose numba cache and table cache are both in cache_dir."""
    return {**os.environ, "NUMBA_CACHE_DIR": cache_dir,
            "MWPROP_BATCH_CACHE_DIR": str(Path(cache_dir, "tables"))}


def fresh_process(cache_dir: str, rows: int) -> dict[str, float]:
    """Interpreter start to the first call's result (``rows`` sightlines), with numba caching
    in cache_dir."""
    env = cache_env(cache_dir)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FIRST_CALL, str(rows)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    process = time.perf_counter() - start
    return {"process": process, **json.loads(done.stdout.strip().splitlines()[-1])}


def first_calls(plan: Plan) -> list[dict]:
    """First call of 1 sightline (interpreted) and of 1,000 (compiled) in a fresh process:
    with an empty numba cache, then warm (median of later runs)."""
    compile_bytecode()
    records = []
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_numba_cache_") as cache:
        for rows in (1, FIRST_BATCH_ROWS):  # the 1-row call compiles nothing, the next all
            records.append({"cache": "empty", "rows": rows, **fresh_process(cache, rows)})
        for rows in (1, FIRST_BATCH_ROWS):
            warm = pd.DataFrame([fresh_process(cache, rows) for _ in range(plan.warm_runs)])
            records.append({"cache": "warm", "rows": rows, **warm.median().to_dict()})
    for r in records:
        log(f"first call of {r['rows']} rows, {r['cache']} cache: {r['process']:.2f} s")
    return records


def cli_seconds(env: dict[str, str], *args: str) -> float:
    """Wall seconds of ``mwprop-batch ARGS`` in a fresh interpreter."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mwprop_batch.cli", *args], env=env, cwd=ROOT,
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def cli_first_runs(plan: Plan) -> list[dict]:
    """``mwprop-batch los 30 1 100 1``: first run after install (empty numba and table
    caches), then warm (the fastest of later runs); ``compile`` into an empty cache, and
    ``los`` after it."""
    los = ("los", "30", "1", "100", "1")
    compile_bytecode()
    records = []
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_numba_cache_") as cache:
        env = cache_env(cache)
        records.append({"run": "los, empty caches (first run after install)",
                        "seconds": cli_seconds(env, *los)})
        records.append({"run": "los, warm caches", "seconds": min(
            cli_seconds(env, *los) for _ in range(plan.warm_runs))})
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_numba_cache_") as cache:
        env = cache_env(cache)
        records.append({"run": "compile, empty caches", "seconds": cli_seconds(env, "compile")})
        records.append({"run": "los after compile", "seconds": cli_seconds(env, *los)})
    for record in records:
        log(f"{record['run']}: {record['seconds']:.2f} s")
    return records


def disk_curve(plan: Plan, model: Model) -> list[dict]:
    """NE2025 DM -> D on the demo's synthetic disk population, against the number of rows.

    The population (``demo.synthetic_catalogue``) is made once at the largest size; each
    point takes its first n rows, themselves a random sample of the same disk.
    """
    catalogue = synthetic_catalogue(plan.curve_max, seed=1)
    records = []
    for n in (n for n in LADDER if n <= plan.curve_max):
        part = catalogue.head(n)
        seconds = seconds_per_call(partial(model.dm_to_dist, part["GL"].to_numpy(),
                                           part["GB"].to_numpy(), part["DM"].to_numpy()))
        records.append({"n": n, "seconds": seconds, "per_s": n / seconds})
        log(f"disk population n={n:,}: {n / seconds:,.0f} sightlines/s")
    return records


# ---------------------------------------------------------------------------------------------


def busy_seconds() -> float:
    """CPU seconds used so far by every process on the machine (Linux; NaN elsewhere)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return np.nan
    ticks = [int(t) for t in stat.read_text().splitlines()[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait


def own_seconds() -> float:
    """CPU seconds used so far by this process and the subprocesses it waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def machine(argv: list[str], other_load: float) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.exists() else []
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    command = [os.path.relpath(sys.executable, ROOT), os.path.relpath(sys.argv[0], ROOT), *argv]
    return {
        "CPU": names[0] if names else platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "numba threads": f"{numba.get_num_threads()} ({numba.threading_layer()} layer)",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "numba / numpy / pandas": f"{numba.__version__} / {np.__version__} / {pd.__version__}",
        "mwprop_batch": f"{mwprop_batch.__version__} (git {commit or 'unknown'})",
        "other processes": f"{other_load:.0%} of one core on average during the run",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(command),
    }


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller samples, scaling curves up to 1e5 sightlines")
    parser.add_argument("--start-up", action="store_true",
                        help="only the first-run and warm-start times and the disk-population "
                        "curve, printed as JSON (no report written)")
    parser.add_argument("--mwprop-python", default=sys.executable,
                        help="interpreter with mwprop 2.0.5 (default: this one)")
    parser.add_argument("--pygedm-python",
                        default=os.environ.get("PYGEDM_PYTHON", DEFAULT_PYGEDM_PYTHON),
                        help="interpreter with pygedm (default: $PYGEDM_PYTHON or %(default)s)")
    parser.add_argument("--psrqpy", action="store_true",
                        help="add psrqpy's own NE2025 distances for the ATNF catalogue beside "
                        "ours (psrqpy_timing.py; about 3 more minutes on 2 cores)")
    return parser.parse_args(argv)


def start_up(plan: Plan) -> None:
    """``--start-up``: only the start-up rows and the disk-population curve, printed."""
    print(json.dumps({"first_call": first_calls(plan), "cli_first": cli_first_runs(plan),
                      "disk": disk_curve(plan, Model("ne2025"))}, indent=1))


def main(argv: list[str]) -> None:
    options = parse(argv)
    if options.start_up:
        start_up(QUICK if options.quick else FULL)
        return
    plan = QUICK if options.quick else FULL
    start, busy, own = time.perf_counter(), busy_seconds(), own_seconds()
    models = {name: Model(name) for name in MODELS}
    warm_up(models)
    sample = Sample.make(max(plan.rows, plan.curve_max, plan.main_curve_max, plan.convert_max))
    results: dict = {"plan": plan, "timing": {"quiet": QUIET, "patience": PATIENCE,
                                              "measurable": MEASURABLE}}
    results["codes"], results["missing"] = reference_codes(
        plan, sample, models, options.mwprop_python, options.pygedm_python)
    log("ours on the same sightlines, and the kernel split")
    results["codes"] += our_records(plan, sample, models)
    results["split"] = split_records(plan, sample, models)
    results["limit_split"] = limit_split(plan, sample, models)
    log("DM curve")
    results["dm"] = dm_curve(plan, models)
    results["threads"] = threads_curve(plan, sample, models)
    results["first_call"] = first_calls(plan)
    results["cli_first"] = cli_first_runs(plan)
    results["disk"] = disk_curve(plan, models["ne2025"])
    results["rows"] = rows_curve(plan, sample, models)
    results["convert"] = convert_curve(plan, sample)
    if options.psrqpy:
        log("psrqpy's NE2025 distances for the ATNF catalogue")
        results["psrqpy"] = psrqpy_comparison(python=options.mwprop_python)
    results["elapsed"] = time.perf_counter() - start
    other = (busy_seconds() - busy) - (own_seconds() - own)
    results["machine"] = machine(argv, max(other, 0.0) / results["elapsed"])
    for path in write_report(results, ROOT):
        log(f"wrote {path.relative_to(ROOT)}")

if __name__ == "__main__":
    main(sys.argv[1:])
