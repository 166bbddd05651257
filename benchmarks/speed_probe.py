"""Steady-state throughput of two or more source trees, measured side by side in one process.

    python benchmarks/speed_probe.py /tmp/main_copy . --repeats 7 --rows 20000
    python benchmarks/speed_probe.py /tmp/main_copy . --model ymw16 --jobs "sky DM->D"

Each tree (a directory holding ``mwprop_batch/``) is copied under its own package name and
imported into this one process; every job is then called on each tree in turn, repeat after
repeat, so the trees share the same load on a busy machine; a tree's calls of one job on each
thread count follow each other. The report gives, per job, each tree's median rate and the
median over repeats of its ratio to the first tree, from wall time and from CPU time
(process CPU seconds: on one thread, the rate of one busy core, which other load on the
machine disturbs far less than it disturbs wall time).

Jobs (on ``--model``, NE2025 by default): DM -> D on seeded all-sky sightlines
(``workload.sky``), DM -> D on the demo's disk population (``demo.synthetic_catalogue``),
D -> DM all-sky; each on 1 thread and on all of numba's threads. Kernels are compiled (or
loaded from numba's cache) first. When 1 thread is among ``--threads``, the report ends with
each tree's parallel efficiency per job, from the 1- and n-thread times of the same repeat.
With ``--check``, each job's result columns on every tree are first compared with the first
tree's: the largest |ratio - 1| of each float column (0 where bit-identical) and any rows
whose NaN pattern differs.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

HERE = Path(__file__).resolve().parent
COPIES = Path(tempfile.gettempdir()) / "mwprop_batch_speed_probe"
JOBS = ("sky DM->D", "disk DM->D", "sky D->DM")


def load_tree(tree: Path, k: int):
    """The package of ``tree`` imported as ``mwprop_tree<k>`` (from a copy; numba's cache is
    kept there between runs while the sources do not change)."""
    name = f"mwprop_tree{k}"
    target = COPIES / name / name
    sources = sorted(p.relative_to(tree) for p in (tree / "mwprop_batch").rglob("*.py"))
    if target.exists() and not all(
        (target / s.relative_to("mwprop_batch")).is_file()
        and filecmp.cmp(tree / s, target / s.relative_to("mwprop_batch"), shallow=False)
        for s in sources
    ):  # numba does not notice edits to a kernel's callees: start from an empty cache
        shutil.rmtree(target)
    shutil.copytree(tree / "mwprop_batch", target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("data", "*.pyc", "*.nb[ic]"))
    sys.path.insert(0, str(COPIES / name))
    return importlib.import_module(f"{name}.model")


def jobs(model, rows: int, disk) -> dict[str, tuple]:
    sys.path.insert(1, str(HERE))
    from workload import sky

    l_deg, b_deg, dm, dist = sky(rows)
    return {
        JOBS[0]: (model.dm_to_dist, l_deg, b_deg, dm),
        JOBS[1]: (model.dm_to_dist, disk["GL"].to_numpy(), disk["GB"].to_numpy(),
                  disk["DM"].to_numpy()),
        JOBS[2]: (model.dist_to_dm, l_deg, b_deg, dist),
    }


def timed(func, args) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    func(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def check(work: list[dict[str, tuple]], job: str) -> None:
    """Print how far each tree's result columns of ``job`` lie from the first tree's."""
    func, *inputs = work[0][job]
    first = func(*inputs)
    for k, per_tree in enumerate(work[1:], start=1):
        func, *inputs = per_tree[job]
        other = func(*inputs)
        parts = []
        for name in first.columns:
            a, b = first[name].to_numpy(), other[name].to_numpy()
            if a.dtype.kind != "f":
                parts.append(f"{name} {'same' if (a == b).all() else 'DIFFERS'}")
                continue
            nan_rows = int((np.isnan(a) != np.isnan(b)).sum())
            both = np.isfinite(a) & np.isfinite(b)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.abs(b[both] / a[both] - 1.0)
            worst = float(np.nanmax(np.where(a[both] == b[both], 0.0, rel), initial=0.0))
            parts.append(f"{name} {worst:.1e}" + (f" ({nan_rows} NaN rows differ)"
                                                   if nan_rows else ""))
        print(f"check {job} [{k}] vs [0]: " + ", ".join(parts))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--model", default="ne2025", choices=("ne2001", "ne2025", "ymw16"))
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--jobs", nargs="+", default=list(JOBS), choices=JOBS)
    parser.add_argument("--check", action="store_true", help="compare results with tree 0")
    args = parser.parse_args(argv)
    trees = [t.resolve() for t in args.trees]
    models = [load_tree(t, k).Model(args.model) for k, t in enumerate(trees)]
    from mwprop_batch.demo import synthetic_catalogue

    disk = synthetic_catalogue(args.rows, seed=1)
    work = [jobs(m, args.rows, disk) for m in models]
    for per_tree in work:
        for job in args.jobs:
            func, *inputs = per_tree[job]
            func(*(a[:200] for a in inputs))
    if args.check:
        for job in args.jobs:
            check(work, job)
    # times[(job, threads)][tree] = [(wall, cpu), ...]
    times: dict[tuple[str, int], list[list[tuple[float, float]]]] = {}
    for repeat in range(args.repeats):
        forward = repeat % 2 == 0  # the order of trees and of thread counts alternates
        for job in args.jobs:
            for k in range(len(trees)) if forward else reversed(range(len(trees))):
                func, *inputs = work[k][job]
                for n_threads in args.threads if forward else reversed(args.threads):
                    numba.set_num_threads(n_threads)
                    per = times.setdefault((job, n_threads), [[] for _ in trees])
                    per[k].append(timed(func, inputs))
        print(f"repeat {repeat + 1}/{args.repeats}", file=sys.stderr, flush=True)
    print(f"{args.model}, rows {args.rows:,}, repeats {args.repeats}; trees: "
          + ", ".join(f"[{k}] {t}" for k, t in enumerate(trees)))
    print(f"{'job':<16}{'clock':>6}" + "".join(f"{f'[{k}] /s':>12}" for k in range(len(trees)))
          + "  ratio to [0]")
    for (job, n_threads), per in times.items():
        for clock, c in (("wall", 0), ("cpu", 1)):
            rates = [[args.rows / t[c] for t in runs] for runs in per]
            medians = [statistics.median(r) for r in rates]
            ratios = [statistics.median(a / b for a, b in zip(r, rates[0], strict=True))
                      for r in rates[1:]]
            print(f"{f'{job} {n_threads}T':<16}{clock:>6}"
                  + "".join(f"{m:>12,.0f}" for m in medians) + "  "
                  + " ".join(f"{x:.3f}" for x in ratios))
    if 1 in args.threads:
        print_efficiency(times, args)


def print_efficiency(times: dict, args: argparse.Namespace) -> None:
    """Per tree and job, the parallel efficiency from 1 to n threads: the median over repeats
    of (wall rate on n threads) / (n x wall rate on 1 thread), each pair timed in one repeat."""
    print(f"{'efficiency':<22}" + "".join(f"{f'[{k}]':>8}" for k in range(len(args.trees))))
    for n_threads in (n for n in args.threads if n > 1):
        for job in args.jobs:
            one, many = times[(job, 1)], times[(job, n_threads)]
            values = [statistics.median(a[0] / (n_threads * b[0])
                                        for a, b in zip(one[k], many[k], strict=True))
                      for k in range(len(one))]
            print(f"{f'{job} 1->{n_threads}T':<22}" + "".join(f"{v:>8.3f}" for v in values))


if __name__ == "__main__":
    main(sys.argv[1:])
