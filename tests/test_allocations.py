"""NE2001's and NE2025's batch kernels allocate per call, never per row (numba's NRT counts,
in a child process: the counters exist only when NUMBA_NRT_STATS is set before numba
starts), and the kernels a row runs count no references. The same allocation test for YMW16
is in test_ymw16_allocations.py."""

import json
import os
import subprocess
import sys

import pytest

CHILD = """
import json, sys
import numpy as np
from numba.core.runtime import rtsys
from mwprop_batch.families.ne.kernels import density, los
from mwprop_batch.model import Model

tables = Model(sys.argv[1]).tables
rng = np.random.default_rng(3)


def allocations(kernel, n, count=True):
    l, b = rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    b[: n // 2] = rng.uniform(-3, 3, n // 2)  # half in the plane: arms, clumps, voids
    dm, ok = rng.uniform(3, 1500, n), np.ones(n, bool)
    none, zero = np.empty((n, 0)), np.zeros(n)
    func, args, mode = {
        "dm_to_dist": (los.los_batch, (l, b, dm, zero, none, ok), (los.DM_TO_DIST,)),
        "dm_to_dist_err": (los.los_batch, (l, b, dm, 0.3 * dm, none, ok), (los.DM_TO_DIST,)),
        "dm_profile": (los.los_batch, (l, b, zero, zero, rng.uniform(0, 30, (n, 3)), ok),
                       (los.DM_PROFILE,)),
        "dm_max": (los.los_batch, (l, b, zero, zero, none, ok), (los.DM_MAX,)),
        "density": (density.density_batch, tuple(rng.uniform(-10, 10, (3, n))), ()),
    }[kernel]
    if not count:  # compile (or load) first: the runtime starts, with its counters, then
        return func(*args, *tables, *mode)
    before = rtsys.get_allocation_stats().alloc
    func(*args, *tables, *mode)
    return rtsys.get_allocation_stats().alloc - before


counts = {}
for kernel in ("dm_to_dist", "dm_to_dist_err", "dm_profile", "dm_max", "density"):
    allocations(kernel, 2, count=False)
    counts[kernel] = [allocations(kernel, n) for n in (5, 60)]
print(json.dumps(counts))
"""


@pytest.mark.parametrize("name", ["ne2001", "ne2025"])
def test_no_allocation_per_row(name):
    env = dict(os.environ, NUMBA_NRT_STATS="1")
    done = subprocess.run([sys.executable, "-c", CHILD, name], capture_output=True, text=True,
                          env=env, check=True, timeout=900)
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    for kernel, (few, many) in counts.items():
        assert few == many, f"{kernel}: {few} allocations for 5 rows, {many} for 60"
        assert few <= 40, f"{kernel}: {few} allocations per call"



REFERENCE_CHILD = """
import json
import numpy as np
from mwprop_batch.families.ne.kernels import (arms, crossings, cuts, density, lhb, los, march,
                                         panel_quadrature)
from mwprop_batch.kernels import sorting
from mwprop_batch.model import Model

PER_CALL = {"march_work", "cuts_work", "_row_work", "los_batch", "density_batch",
            "build_arm_grid", "reach_cells"}
tables = Model("ne2025").tables
gl, gb = np.array([30.0, 200.0, 0.5]), np.array([0.5, -0.3, 0.1])
los.los_batch(gl, gb, np.array([300.0, 2000.0, 900.0]), np.array([0.0, 10.0, 0.0]),
              np.empty((3, 0)), np.ones(3, bool), *tables, los.DM_TO_DIST)
counting, checked = [], []
for module in (arms, crossings, cuts, density, lhb, los, march, panel_quadrature, sorting):
    for name, kernel in vars(module).items():
        if name in PER_CALL or not hasattr(kernel, "signatures"):
            continue
        for signature in kernel.signatures:
            ir = kernel.inspect_llvm(signature)  # compiled here: the cache is empty
            checked.append(name)
            if "NRT_incref" in ir or "NRT_decref" in ir:
                counting.append(name)
print(json.dumps([checked, counting]))
"""


def test_rows_hand_arrays_on_without_reference_counts(tmp_path):
    """Every kernel a row runs borrows its arrays (``_nrt=False``): numba's reference counts
    are atomic, on counters all threads share, and cost the line of sight ~12%. (numba keeps
    no IR of cached code: the child compiles into an empty cache.)"""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", REFERENCE_CHILD], capture_output=True,
                          text=True, env=env, check=True, timeout=900)
    checked, counting = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"march", "_panel", "_arm_gaps", "sightline_cuts", "arm_nearest"} <= set(checked)
    assert counting == []
