"""Threads: compiled kernels on the shared pool under each numba threading layer, and how many
threads a call uses (``threads=``, numba's per-thread count, a Dask worker's threads).

The row kernels run in chunks on our own threads (mwprop_batch.core.parallel); the density grid is
a parallel gufunc on numba's threading layer, where under the workqueue layer two launches at
once would abort the whole process. The thread count a call asks for is observed where the
runner hands its chunks out (``parallel.map_on_threads``), never by timing; that the chunks
really ran on that many threads is proven by holding each thread's first chunk at a barrier
that only that many threads can pass.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest
from thread_spies import Spies

from mwprop_batch.convert import convert, convert_file
from mwprop_batch.core.errors import InvalidTypeError, InvalidValueError

TBB_LIB_DIR = Path(sys.prefix) / "lib"
TESTS = Path(__file__).resolve().parent
LAYER_THREADS = 4  # NUMBA_NUM_THREADS in the subprocess of each layer
ROWS = 300  # enough for every thread: chunks of at least parallel.MIN_CHUNK_ROWS rows

LAYER_SCRIPT = r'''
import sys, threading
sys.path.insert(0, sys.argv[2])
import numba
import numpy as np
from thread_spies import Spies
from mwprop_batch import Model

spies = Spies().install()
rng = np.random.default_rng(7)
n = int(sys.argv[1])
l, b, dm = rng.uniform(0, 360, n), rng.uniform(-15, 15, n), rng.uniform(5, 600, n)
x, y, z = rng.uniform(-15, 15, n), rng.uniform(-15, 15, n), rng.uniform(-2, 2, n)
grid = np.linspace(0.1, 5.0, n)  # enough points for every thread
names = ["ne2001", "ne2025", "ymw16"]
shared = Model("ne2025")                          # one fresh model shared by half the threads
own = [Model(names[i % 3]) for i in range(8)]     # and one fresh model per thread
barrier = threading.Barrier(16)
results, errors, asked_by = {}, [], {}

def work(key, model, threads):
    try:
        asked_by[threading.get_ident()] = threads
        barrier.wait()
        out = model.dm_to_dist(l, b, dm, threads=threads)
        dens = model.density(x, y, z, threads=threads)["ne"].to_numpy()
        along = model.density_along(30.0, 1.0, grid, threads=threads)
        assert np.isfinite(along).all()
        results[key] = (model.name, out["DIST"].to_numpy(), dens, along)
    except Exception as exc:  # noqa: BLE001
        errors.append(repr(exc))

numba.set_num_threads(2)  # the main thread's own count: other threads keep NUMBA_NUM_THREADS
threads = [threading.Thread(target=work, args=(("shared", i), shared, [None, 1, 2, 3][i % 4]))
           for i in range(8)]
threads += [threading.Thread(target=work, args=(("own", i), own[i], [None, 3, 1, 2][i % 4]))
            for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
assert len(results) == 16
assert not spies.interpreted, spies.interpreted  # every call ran the compiled kernels
for ident, wanted in asked_by.items():  # each call asked for its own count, others' unseen
    assert set(spies.asked[ident]) == {wanted or numba.config.NUMBA_NUM_THREADS}, (
        wanted, spies.asked[ident])
for name in names:
    model = Model(name)
    ref = model.dm_to_dist(l, b, dm, threads=1)["DIST"].to_numpy()
    ref_dens = model.density(x, y, z, threads=1)["ne"].to_numpy()
    ref_along = model.density_along(30.0, 1.0, grid, threads=1)
    for key, (m, dist, dens, along) in results.items():
        if m == name:
            np.testing.assert_array_equal(dist, ref)
            np.testing.assert_array_equal(dens, ref_dens)
            np.testing.assert_array_equal(along, ref_along)
spies.hold = True  # now one call alone: its chunks really ran on every thread of the pool
shared.dm_to_dist(l, b, dm)
assert spies.ran == [2], spies.ran  # the main thread's numba.set_num_threads(2) holds here
print("layer", numba.threading_layer())
'''


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
def test_compiled_kernels_from_sixteen_threads(layer):
    """Fresh models of every family from 16 threads at once, each call compiled and on the
    thread count it asked for; the same bits as one thread."""
    if not _available(layer):
        pytest.skip(f"numba's {layer} threading layer is not installed")
    env = dict(os.environ, NUMBA_THREADING_LAYER=layer, NUMBA_NUM_THREADS=str(LAYER_THREADS))
    # numba's tbb pool finds libtbb.so.12 through the loader's path only
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        filter(None, [str(TBB_LIB_DIR), os.environ.get("LD_LIBRARY_PATH")]))
    out = subprocess.run([sys.executable, "-c", LAYER_SCRIPT, str(ROWS), str(TESTS)],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"layer {layer}" in out.stdout


@pytest.fixture
def spies(monkeypatch):
    return Spies().install(monkeypatch)


def sightlines(n: int = ROWS):
    rng = np.random.default_rng(11)
    return rng.uniform(0, 360, n), rng.uniform(-10, 10, n), rng.uniform(5, 400, n)


def test_threads_keyword_is_the_number_of_threads_a_call_runs_on(ne2025, spies):
    lon, b, dm = sightlines()
    most = numba.config.NUMBA_NUM_THREADS
    spies.hold = True
    results = [ne2025.dm_to_dist(lon, b, dm, threads=t) for t in range(1, most + 1)]
    assert spies.ran == list(range(1, most + 1))
    for out in results[1:]:
        pd.testing.assert_frame_equal(out, results[0])
    spies.ran.clear()
    ne2025.dm_max(lon, b)  # default: numba's count for this thread
    assert spies.ran == [numba.get_num_threads()] and not spies.interpreted


def test_threads_from_another_thread_and_after_set_num_threads(ne2025, spies):
    """numba.set_num_threads holds for this thread's calls; a call from another thread has
    NUMBA_NUM_THREADS unless it passes threads= (as the README says)."""
    lon, b, dm = sightlines()
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        ne2025.dist_to_dm(lon, b, dm / 100.0)
        assert spies.threads_asked() == [1]
        spies.asked.clear()
        other = threading.Thread(target=lambda: (ne2025.dist_to_dm(lon, b, dm / 100.0),
                                                 ne2025.dist_to_dm(lon, b, dm / 100.0, threads=1)))
        other.start()
        other.join()
        assert list(spies.asked.values()) == [[numba.config.NUMBA_NUM_THREADS, 1]]
        assert numba.get_num_threads() == 1  # a call with threads= leaves the count as it was
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("threads", [0, numba.config.NUMBA_NUM_THREADS + 1, 1.5, True, "2"])
def test_threads_out_of_range_are_refused(ne2025, threads):
    error = InvalidValueError if isinstance(threads, int) and threads is not True else \
        InvalidTypeError
    with pytest.raises(error, match="threads must be"):
        ne2025.dm_max(30.0, 1.0, threads=threads)


def test_convert_convert_file_and_the_cli_take_threads(tmp_path, spies):
    from helpers import run_command as cli

    lon, b, dm = sightlines()
    frame = pd.DataFrame({"GL": lon, "GB": b, "DM": dm})
    out = convert(frame, "ne2001,ymw16", threads=1)
    assert spies.threads_asked() == [1] and not spies.interpreted
    spies.asked.clear()
    pd.testing.assert_frame_equal(convert(frame, "ne2001,ymw16"), out)
    assert spies.threads_asked() == [numba.get_num_threads()]
    source = tmp_path / "in.parquet"
    frame.to_parquet(source)
    spies.asked.clear()
    convert_file(source, tmp_path / "a.parquet", threads=1)
    assert spies.threads_asked() == [1]
    spies.asked.clear()
    assert cli("convert", str(source), str(tmp_path / "b.parquet"), "--threads", "1",
               "--quiet") == 0
    assert spies.threads_asked() == [1]
    assert pd.read_parquet(tmp_path / "b.parquet").equals(pd.read_parquet(tmp_path / "a.parquet"))
    with pytest.raises(InvalidValueError, match="--threads is for a run without --scheduler"):
        cli("convert", str(source), str(tmp_path / "c.parquet"), "--threads", "1",
            "--scheduler", "local")


def test_a_dask_task_uses_its_workers_threads(tmp_path, spies):
    """One thread per worker (as the README's one process per core): each task's kernels run
    on one thread, not on every core's worth (cores^2 threads on a machine)."""
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    from mwprop_batch.dask import convert as dask_convert
    from mwprop_batch.dask import convert_dataset

    lon, b, dm = sightlines()
    frame = pd.DataFrame({"GL": lon, "GB": b, "DM": dm})
    source = tmp_path / "in.parquet"
    frame.to_parquet(source)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        lazy = dask_convert(dd.from_pandas(frame, npartitions=2), "ne2025")
        spies.asked.clear()  # the client's own call on the empty meta frame asks for none
        result = client.compute(lazy).result()
        convert_dataset(source, tmp_path / "out", "ne2025", scheduler=cluster.scheduler_address)
    assert spies.threads_asked() == [1] and not spies.interpreted
    pd.testing.assert_frame_equal(result, convert(frame, "ne2025"))
