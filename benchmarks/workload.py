"""Workloads shared by the benchmark tests and ``benchmarks/report.py``.

Seeded sightline samples, a Parquet catalogue writer, and ``mwprop-batch`` run in a fresh
process that reports its peak memory.
"""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 0
DM_TO_D, D_TO_DM = "DM->D", "D->DM"
DIRECTIONS = (DM_TO_D, D_TO_DM)


def sky(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whole-sky sightlines: l, b (deg) uniform in sin b, DM 3-1500, distance 0.05-30 kpc.

    DM and distance are log-uniform; any prefix is itself a random sample of the same sky.
    """
    rng = np.random.default_rng(seed)
    l_deg = rng.uniform(0, 360, n)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    dm = 10 ** rng.uniform(np.log10(3), np.log10(1500), n)
    dist = 10 ** rng.uniform(np.log10(0.05), np.log10(30), n)
    return l_deg, b_deg, dm, dist


def points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactocentric x, y uniform in +-20 kpc and z in +-1 kpc."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-20, 20, n), rng.uniform(-20, 20, n), rng.uniform(-1, 1, n)


def latitude_band(n: int, b_abs: float, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """l uniform over 360 deg at b = +-b_abs (random sign)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 360, n), b_abs * rng.choice([-1.0, 1.0], n)


ROW_GROUP_ROWS = 65_536
# Peak RSS is read from VmHWM (kB), the high-water mark of this process's own address space.
# ru_maxrss is not used: Linux carries it across fork and exec, so a child started by a large
# parent would report the parent's peak.
CLI_WITH_RSS = (
    "import sys\n"
    "from mwprop_batch.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "print(status, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def write_catalogue(path: Path, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray) -> Path:
    """Parquet catalogue of columns ID, GL, GB (deg), DM (pc cm^-3) in 65,536-row groups."""
    schema = pa.schema([("ID", pa.int64()), ("GL", pa.float64()), ("GB", pa.float64()),
                        ("DM", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, len(dm), ROW_GROUP_ROWS):
            part = slice(start, start + ROW_GROUP_ROWS)
            ids = np.arange(start, start + len(dm[part]))
            writer.write_table(pa.table([ids, l_deg[part], b_deg[part], dm[part]], schema=schema))
    return path


def run_cli(*args: str) -> tuple[float, float]:
    """Run ``mwprop-batch ARGS`` in a fresh interpreter; return wall seconds and peak RSS (MB)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CLI_WITH_RSS, *args], capture_output=True,
                          text=True, check=True)
    seconds = time.perf_counter() - start
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024.0


def record_rate(benchmark, n: int, key: str = "per_s") -> None:
    """Store n / mean seconds in extra_info (absent with --benchmark-disable: no timings)."""
    if benchmark.stats is not None:
        benchmark.extra_info[key] = n / benchmark.stats["mean"]
