"""A fresh installation's first run, for two or more source trees side by side (issue 32).

    python benchmarks/cold_start.py /tmp/base_tree . [--skip quick_start]

For each tree (a directory holding ``mwprop_batch/``), in fresh processes that import it
(``PYTHONPATH``, run from a scratch directory), each with empty numba and table caches of its
own (a new ``NUMBA_CACHE_DIR`` and ``MWPROP_BATCH_CACHE_DIR`` per measurement):

* ``first_batch``: the first ``Model("ne2025").dm_to_dist`` on the 2,566 ATNF rows with a DM
  (``data/psrcat-1.59.db``), wall seconds of that call alone (import and reading excluded);
* ``compile``: ``mwprop-batch compile``, wall, with the kernel groups it names on stderr;
* ``quick_start``: the Quick start's ``mwprop-batch demo``, wall;
* ``generic_cpu`` (steady state, last tree only): NE2025 DM -> D on 20,000 all-sky rows,
  kernels compiled for this CPU and for ``NUMBA_CPU_NAME=generic`` (portable caches);
* ``concurrent``: four processes doing ``first_batch``'s work at once into one empty cache,
  wall until the last ends, whether all four gave the same numbers as a warm run, and how
  many kernels a fifth process then compiled (0: it loaded everything).

The measurements of the trees are interleaved (tree A's, tree B's, then the next kind), so
that they share the machine's load; ``uptime`` is printed before and after. Bytecode is
written first, as ``pip install`` does. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PSRCAT = REPO / "data" / "psrcat-1.59.db"

FIRST_BATCH = f"""
import json, time
import numpy as np
from numba.core import event
from mwprop_batch import Model
try:
    from mwprop_batch.catalogue.formats.psrcat import read_psrcat
except ImportError:  # a tree from before the house (issue 30)
    from mwprop_batch.io.psrcat import read_psrcat
from mwprop_batch.positions import find_columns, read_inputs

compiles = []
class Count(event.Listener):
    def on_start(self, e): compiles.append(1)
    def on_end(self, e): pass
event.register("numba:compile", Count())
raw = read_psrcat({str(PSRCAT)!r})
inputs = read_inputs(raw, find_columns(list(raw.columns)))
keep = np.isfinite(inputs.value) & np.isfinite(inputs.l_deg)
model = Model("ne2025")
model.tables
start = time.perf_counter()
out = model.dm_to_dist(inputs.l_deg[keep], inputs.b_deg[keep], inputs.value[keep])
print(json.dumps({{"seconds": time.perf_counter() - start, "rows": int(keep.sum()),
                  "compiles": len(compiles), "dist": out["DIST"].tolist()}}))
"""
STEADY = """
import sys, time
sys.path.insert(0, {here!r})
from workload import sky
from mwprop_batch import Model
l, b, dm, _ = sky({rows})
model = Model("ne2025")
model.dm_to_dist(l[:100], b[:100], dm[:100])  # loads (or compiles) the kernel
start = time.perf_counter()
model.dm_to_dist(l, b, dm)
print(time.perf_counter() - start)
"""
COMPILED = re.compile(r"compiled (\S+) in ([\d.]+) s")


def environment(tree: Path, cache: Path) -> dict[str, str]:
    """This environment, importing ``tree``, with its caches in ``cache``."""
    return {**os.environ, "PYTHONPATH": str(tree), "NUMBA_CACHE_DIR": str(cache / "numba"),
            "MWPROP_BATCH_CACHE_DIR": str(cache / "tables")}


def run(tree: Path, cache: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds and result of ``python ARGS`` importing ``tree`` with caches in ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=environment(tree, cache), cwd=cache,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{args} in {tree} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, done


def first_batch(tree: Path, cache: Path) -> str:
    _, done = run(tree, cache, "-c", FIRST_BATCH)
    result = json.loads(done.stdout)
    return f"{result['seconds']:.1f} s ({result['rows']} rows)"


def compile_all(tree: Path, cache: Path) -> str:
    seconds, done = run(tree, cache, "-m", "mwprop_batch.cli", "compile")
    groups = ", ".join(f"{name} {float(s):.0f}" for name, s in COMPILED.findall(done.stderr))
    return f"{seconds:.1f} s ({groups})" if groups else f"{seconds:.1f} s"


def quick_start(tree: Path, cache: Path) -> str:
    seconds, _ = run(tree, cache, "-m", "mwprop_batch.cli", "demo")
    return f"{seconds:.1f} s"


def concurrent(tree: Path, cache: Path) -> str:
    run(tree, cache / "warm", "-c", FIRST_BATCH)  # compiles
    expected = json.loads(run(tree, cache / "warm", "-c", FIRST_BATCH)[1].stdout)["dist"]
    shared = cache / "shared"
    shared.mkdir(parents=True)
    start = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-c", FIRST_BATCH], cwd=shared,
                                env=environment(tree, shared), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [w.communicate() for w in workers]
    seconds = time.perf_counter() - start
    right = sum(w.returncode == 0 and np.array_equal(json.loads(out)["dist"], expected,
                                                     equal_nan=True)
                for w, (out, _) in zip(workers, outputs, strict=True))
    fifth = json.loads(run(tree, shared, "-c", FIRST_BATCH)[1].stdout)
    return f"{seconds:.1f} s, {right}/4 right, fifth compiled {fifth['compiles']}"


def generic_cpu(tree: Path, cache: Path, rows: int = 20_000, repeats: int = 3) -> str:
    """Steady-state DM -> D (NE2025, ``rows`` all-sky rows) with kernels compiled for this
    CPU and with ``NUMBA_CPU_NAME=generic`` (each its own cache), runs interleaved."""
    code = STEADY.format(here=str(Path(__file__).resolve().parent), rows=rows)
    seconds: dict[str, list[float]] = {"host": [], "generic": []}
    for _ in range(repeats + 1):  # the first round compiles
        for cpu in seconds:
            env_cpu = {"NUMBA_CPU_NAME": "generic"} if cpu == "generic" else {}
            cache_cpu = cache / cpu
            cache_cpu.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([sys.executable, "-c", code], cwd=cache_cpu,
                                  env={**environment(tree, cache_cpu), **env_cpu},
                                  capture_output=True, text=True, check=True)
            seconds[cpu].append(float(done.stdout))
    host, generic = (sorted(v[1:])[len(v[1:]) // 2] for v in seconds.values())
    return (f"{rows / host:,.0f} rows/s host CPU, {rows / generic:,.0f} generic "
            f"({generic / host:.2f}x the time)")


MEASURES = {"first_batch": first_batch, "compile": compile_all, "concurrent": concurrent,
            "generic_cpu": generic_cpu, "quick_start": quick_start}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--skip", nargs="*", default=[], choices=MEASURES)
    options = parser.parse_args(argv)
    trees = [t.resolve() for t in options.trees]
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    for tree in trees:
        compileall.compile_dir(tree / "mwprop_batch", quiet=1)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="mwprop_batch_cold_start_") as root:
        for name, measure in MEASURES.items():
            if name in options.skip:
                continue
            chosen = trees[-1:] if name == "generic_cpu" else trees
            rows[name] = [""] * (len(trees) - len(chosen)) + [
                measure(tree, Path(root, f"{name}{k}")) for k, tree in enumerate(chosen)]
            print(f"{name}: {rows[name]}", file=sys.stderr, flush=True)
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print("| what | " + " | ".join(str(t) for t in trees) + " |")
    print("|---|" + "---|" * len(trees))
    for name, cells in rows.items():
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
