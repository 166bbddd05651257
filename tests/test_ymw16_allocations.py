"""YMW16's batch kernels allocate per call, never per row (numba's NRT counts, in a child
process: the counters exist only when NUMBA_NRT_STATS is set before numba starts)."""

import json
import os
import subprocess
import sys

CHILD = """
import json
import numpy as np
from numba.core.runtime import rtsys
from mwprop_batch.families.ymw16.kernels import los
from mwprop_batch.model import Model

P, arms = Model("ymw16").tables
rng = np.random.default_rng(3)


def allocations(kernel, n, count=True):
    l, b = rng.uniform(0, 360, n), rng.uniform(-90, 90, n)
    dm, ok = rng.uniform(3, 1500, n), np.ones(n, bool)
    args = {
        "dm_to_dist": (l, b, dm[:, None], np.zeros(n), ok, P, arms, los.DM_TO_DIST),
        "dm_to_dist_err": (l, b, dm[:, None], 0.3 * dm, ok, P, arms, los.DM_TO_DIST),
        "dm_profile": (l, b, rng.uniform(0, 30000, (n, 3)), np.zeros(n), ok, P, arms,
                       los.PROFILE),
        "dm_max": (l, b, np.empty((n, 0)), np.zeros(n), ok, P, arms, los.DM_MAX),
    }[kernel]
    if not count:  # compile (or load) first: the runtime starts, with its counters, then
        return los.sightline_batch(*args)
    before = rtsys.get_allocation_stats().alloc
    los.sightline_batch(*args)
    return rtsys.get_allocation_stats().alloc - before


counts = {}
for kernel in ("dm_to_dist", "dm_to_dist_err", "dm_profile", "dm_max"):
    allocations(kernel, 2, count=False)
    counts[kernel] = [allocations(kernel, n) for n in (5, 60)]
print(json.dumps(counts))
"""


def test_no_allocation_per_row():
    env = dict(os.environ, NUMBA_NRT_STATS="1")
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=env, check=True, timeout=900)
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    for kernel, (few, many) in counts.items():
        assert few == many, f"{kernel}: {few} allocations for 5 rows, {many} for 60"
        assert few <= 30, f"{kernel}: {few} allocations per call"
