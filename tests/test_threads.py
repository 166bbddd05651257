"""First use of fresh models from many threads at once, under each numba threading layer.

The line-of-sight and density kernels run on our own threads (mwprop_batch.parallel); the
density grid is a parallel gufunc on numba's threading layer, where under the workqueue layer
two launches at once would abort the whole process. Each layer runs in its own subprocess.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TBB_LIB_DIR = Path(sys.prefix) / "lib"

SCRIPT = r"""
import sys, threading
import numpy as np
import numba
from mwprop_batch import Model

names = ["ne2001", "ne2025"]
shared = Model("ne2025")            # one fresh model shared by half the threads
own = [Model(names[i % 2]) for i in range(8)]   # and one fresh model per thread
barrier = threading.Barrier(16)
results = {}
errors = []

def work(key, model):
    try:
        barrier.wait()
        out = model.dm_to_dist([30.0, 200.0, 45.0], [1.0, -4.0, 60.0], [150.0, 60.0, 20.0])
        grid = model.density_along(30.0, 1.0, np.linspace(0.1, 5.0, 50))
        assert np.isfinite(grid).all()
        results[key] = (model.name, out["DIST"].to_numpy())
    except Exception as exc:  # noqa: BLE001
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(("shared", i), shared)) for i in range(8)]
threads += [threading.Thread(target=work, args=(("own", i), own[i])) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
assert len(results) == 16
for name in names:
    ref = Model(name).dm_to_dist([30.0, 200.0, 45.0], [1.0, -4.0, 60.0], [150.0, 60.0, 20.0])
    for key, (n, dist) in results.items():
        if n == name:
            np.testing.assert_array_equal(dist, ref["DIST"].to_numpy())
print("layer", numba.threading_layer())
"""


def _available(layer: str) -> bool:
    if layer == "tbb":  # the test extra installs it (pip's tbb puts libtbb in <prefix>/lib)
        return (TBB_LIB_DIR / "libtbb.so.12").exists()
    if layer == "omp":
        try:
            from numba.np.ufunc import omppool  # noqa: F401
        except ImportError:
            return False
    return True


@pytest.mark.parametrize("layer", ["workqueue", "omp", "tbb"])
def test_fresh_models_from_sixteen_threads(layer):
    if not _available(layer):
        pytest.skip(f"numba's {layer} threading layer is not installed")
    env = dict(os.environ, NUMBA_THREADING_LAYER=layer, NUMBA_NUM_THREADS="4")
    # numba's tbb pool finds libtbb.so.12 through the loader's path only
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        filter(None, [str(TBB_LIB_DIR), os.environ.get("LD_LIBRARY_PATH")]))
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"layer {layer}" in out.stdout
