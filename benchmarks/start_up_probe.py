"""Start-up of two or more source trees, measured side by side in one run.

    python benchmarks/start_up_probe.py /tmp/old_tree . --warm-runs 5

For each tree (a directory holding ``mwprop_batch/``), in fresh processes that import it
(``PYTHONPATH``, run from outside any checkout): the first ``mwprop-batch los 30 1 100 1``
with empty numba and table caches (a new ``NUMBA_CACHE_DIR`` per tree), then, interleaved
across trees so they share the machine's load, the first call of a fresh process with those
caches warm (import, ``Model("ne2025")`` with its tables, one DM -> D sightline) and a warm
``los``. Interleaved with them, a process that only imports numpy, pandas and numba gives
the floor that no tree's first call can go below on this machine. Bytecode is written first,
as ``pip install`` does. Prints a Markdown table: the cold run, and the median and fastest of
the warm runs.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_CALL = """
from mwprop_batch import Model
model = Model("ne2025")
model.tables
model.dm_to_dist(30.0, 2.0, 300.0)
"""
LOS = ("-m", "mwprop_batch.cli", "los", "30", "1", "100", "1")
IMPORT_FLOOR = "import numpy, pandas, numba"


def seconds(tree: Path, cache: Path, *args: str) -> float:
    """Wall seconds of ``python ARGS`` importing ``tree``, with its caches in ``cache``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "NUMBA_CACHE_DIR": str(cache),
           "MWPROP_BATCH_CACHE_DIR": str(cache / "tables")}
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=cache, check=True,
                   capture_output=True, text=True)
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--warm-runs", type=int, default=5)
    options = parser.parse_args(argv)
    trees = [t.resolve() for t in options.trees]
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_start_up_") as root:
        caches = [Path(root, f"tree{k}") for k in range(len(trees))]
        cold, first, los = [], [[] for _ in trees], [[] for _ in trees]
        floor = []
        for tree, cache in zip(trees, caches, strict=True):
            compileall.compile_dir(tree / "mwprop_batch", quiet=1)
            cache.mkdir()
            cold.append(seconds(tree, cache, *LOS))
            print(f"{tree}: cold los {cold[-1]:.1f} s", file=sys.stderr)
        for _ in range(options.warm_runs):
            floor.append(seconds(trees[0], caches[0], "-c", IMPORT_FLOOR))
            for k, (tree, cache) in enumerate(zip(trees, caches, strict=True)):
                first[k].append(seconds(tree, cache, "-c", FIRST_CALL))
                los[k].append(seconds(tree, cache, *LOS))
    print("| tree | los, empty caches | first call, warm (median / fastest) "
          "| los, warm (median / fastest) |")
    print("| --- | --- | --- | --- |")
    for k, tree in enumerate(trees):
        print(f"| {tree} | {cold[k]:.2f} s | {statistics.median(first[k]):.2f} / "
              f"{min(first[k]):.2f} s | {statistics.median(los[k]):.2f} / {min(los[k]):.2f} s |")
    print(f"| floor: `{IMPORT_FLOOR}` | | {statistics.median(floor):.2f} / "
          f"{min(floor):.2f} s | |")


if __name__ == "__main__":
    main(sys.argv[1:])
