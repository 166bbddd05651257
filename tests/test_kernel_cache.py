"""numba's cache of the kernels: never stale, safe when several processes fill it at once."""

import ast
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import numba
import numpy as np
import pytest
from numba.core import event

import mwprop_batch
from mwprop_batch import precompile
from mwprop_batch.core import compile_lock, parallel
from mwprop_batch.kernels import cache_key

PACKAGE = Path(mwprop_batch.__file__).resolve().parent
KERNELS = PACKAGE / "kernels"

CALLEE = '''
import numba as nb


@nb.njit(cache=True)
def value():
    return {value}
'''
CALLER = '''
import numba as nb

from .probe_callee import value


@nb.njit(cache=True)
def call():
    return value()
'''
RUN_CALLER = ("from mwprop_batch.kernels.probe_caller import call; "
              "print(call(), sum(call.stats.cache_hits.values()))")


def _clean_env() -> dict[str, str]:
    """This environment less what would move numba's cache out of the package copy."""
    return {k: v for k, v in os.environ.items()
            if k not in ("NUMBA_CACHE_DIR", "NUMBA_CACHE_LOCATOR_CLASSES", "NUMBA_DISABLE_JIT")}


def _python(code: str, path: Path) -> str:
    env = _clean_env() | {"PYTHONPATH": str(path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_kernel_whose_callee_alone_changed_is_recompiled(tmp_path):
    """numba stamps a cached function by its own file: after a change to the file of a
    function it calls (a git pull, pip install -U), it loaded the caller's stale machine code
    (1.0 below instead of 2.0). The kernels' stamp covers every kernel source."""
    copy = tmp_path / "mwprop_batch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    callee = copy / "kernels" / "probe_callee.py"
    callee.write_text(CALLEE.format(value=1.0))
    (copy / "kernels" / "probe_caller.py").write_text(CALLER)
    assert _python(RUN_CALLER, tmp_path) == "1.0 0"  # compiled
    assert _python(RUN_CALLER, tmp_path) == "1.0 1"  # loaded from the cache
    callee.write_text(CALLEE.format(value=2.0))  # the callee's file only
    assert _python(RUN_CALLER, tmp_path) == "2.0 0"  # recompiled, not loaded stale
    assert _python(RUN_CALLER, tmp_path) == "2.0 1"


GUFUNC = '''
import numba as nb


@nb.guvectorize(["void(float64[:], float64[:])"], "(n)->(n)", cache=True, nopython=True)
def twice(x, out):
    for i in range(x.shape[0]):
        out[i] = 2.0 * x[i]
'''
RUN_GUFUNC = ("import numba as nb, numpy as np\n"
              "for k in range({others}):  # other functions first: numba names ours anew\n"
              "    nb.njit(lambda: 1.0)()\n"
              "from mwprop_batch.kernels.probe_gufunc import twice\n"
              "print(twice(np.arange(3.0)).tolist())")


def test_a_gufunc_recompiled_after_another_kernel_changed_still_runs(tmp_path):
    """A gufunc's kernel is stamped by every kernel source, but numba stamped its cached
    wrapper (the loop over the rows) by its own file only: after a change to another kernel
    (a git pull, pip install -U) the kernel was compiled anew under a new symbol name while
    the stale wrapper was loaded, and every process that called it died
    (``LLVM ERROR: Symbol not found: __gufunc__...``). The wrapper has the kernels' stamp."""
    copy = tmp_path / "mwprop_batch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "kernels" / "probe_gufunc.py").write_text(GUFUNC)
    other = copy / "kernels" / "probe_callee.py"
    other.write_text(CALLEE.format(value=1.0))
    assert _python(RUN_GUFUNC.format(others=0), tmp_path) == "[0.0, 2.0, 4.0]"
    other.write_text(CALLEE.format(value=2.0))  # another kernel's file only
    assert _python(RUN_GUFUNC.format(others=3), tmp_path) == "[0.0, 2.0, 4.0]"
    assert _python(RUN_GUFUNC.format(others=5), tmp_path) == "[0.0, 2.0, 4.0]"  # loaded


@pytest.mark.parametrize("damaged", ["*.nbi", "*.nbc"])
def test_a_damaged_cache_file_is_compiled_anew(tmp_path, damaged):
    """numba raised UnpicklingError on every later call after a cache file was cut short
    (a full disk, a killed copy): the kernels are compiled anew instead."""
    copy = tmp_path / "mwprop_batch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "kernels" / "probe_callee.py").write_text(CALLEE.format(value=3.0))
    (copy / "kernels" / "probe_caller.py").write_text(CALLER)
    run = ("from mwprop_batch.core import compile_lock; "
           "from mwprop_batch.kernels.probe_caller import call; "
           "print(compile_lock.call(call), sum(call.stats.cache_hits.values()))")
    assert _python(run, tmp_path) == "3.0 0"
    files = list((copy / "kernels" / "__pycache__").glob(f"probe_caller*{damaged[1:]}"))
    assert files
    for path in files:
        path.write_bytes(path.read_bytes()[:30])
    assert _python(run, tmp_path) == "3.0 0"  # compiled anew
    assert _python(run, tmp_path) == "3.0 1"  # and saved


def test_kernels_import_nothing_of_the_package_outside_their_folders():
    """The stamp hashes the kernels' folders: a compiled module must not compile in code or
    constants from elsewhere in the package, which the stamp would not see. A kernel module
    imports its own folder's modules (relative) or the shared ``mwprop_batch.kernels``."""
    compiled = [p for d in cache_key.KERNEL_DIRS for p in d.glob("*.py")
                if "import numba" in p.read_text()]
    assert {p.parent.name for p in compiled} == {"kernels"}
    assert {p.parent.parent.name for p in compiled} >= {"mwprop_batch", "ne", "ymw16", "halos"}
    for path in compiled:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level in (0, 1), f"{path.name} imports from {'.' * node.level}"
                module = node.module or ""
                assert node.level == 1 or not module.startswith("mwprop_batch") or (
                    module.split(".")[:2] == ["mwprop_batch", "kernels"]), \
                    f"{path.name} imports {module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("mwprop_batch") for a in node.names), path.name


def _cached_by_numba(path: Path) -> list[str]:
    """Names of the functions of ``path`` that a decorator compiles with ``cache=True``."""
    tree = ast.parse(path.read_text())
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
            for decorator in node.decorator_list if isinstance(decorator, ast.Call)
            and any(k.arg == "cache" and getattr(k.value, "value", False)
                    for k in decorator.keywords)]


def test_every_cached_kernel_lives_in_a_kernel_folder():
    """Only the kernel folders' functions are stamped by every kernel source: the halos'
    edge-table builders, cached beside ``halos/`` and stamped by their own file alone, would
    have loaded stale machine code after a change to the profiles they integrate."""
    outside = {str(path.relative_to(PACKAGE)): names for path in sorted(PACKAGE.rglob("*.py"))
               if path.parent not in cache_key.KERNEL_DIRS and (names := _cached_by_numba(path))}
    assert _cached_by_numba(KERNELS / "sorting.py")  # the search finds them
    assert outside == {}


def test_halo_kernels_are_keyed_by_every_kernel_source():
    from mwprop_batch.families.halos.kernels import profiles

    cached = [f for f in vars(profiles).values() if hasattr(f, "_cache")]
    assert cached
    assert all(f._cache._cache_file._source_stamp == cache_key.sources_stamp() for f in cached)


WORKER = '''
import json
import numpy as np
import pytest
from numba.core import event

compiles = []


class Count(event.Listener):
    def on_start(self, e):
        compiles.append(1)

    def on_end(self, e):
        pass


event.register("numba:compile", Count())
from mwprop_batch import Model

x = np.linspace(-12.0, 12.0, 50)
ne = Model("ne2001").density(x, 8.5 - x / 2, x / 10)["ne"].to_numpy()
print(json.dumps({"compiles": len(compiles), "ne": ne.tolist()}))
'''


def test_four_processes_fill_one_empty_cache_at_once(tmp_path, ne2001):
    """Four processes compile into one empty numba cache at once: all give the right numbers,
    and a fifth process loads every kernel it needs without compiling any."""
    env = _clean_env() | {"NUMBA_CACHE_DIR": str(tmp_path / "numba"),
                          "MWPROP_BATCH_CACHE_DIR": str(tmp_path / "tables"),
                          "PYTHONPATH": str(PACKAGE.parent)}
    x = np.linspace(-12.0, 12.0, 50)
    expected = ne2001.density(x, 8.5 - x / 2, x / 10)["ne"].to_numpy()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    for worker in workers:
        out, err = worker.communicate(timeout=900)
        assert worker.returncode == 0, err
        assert np.array_equal(json.loads(out)["ne"], expected)
    fifth = subprocess.run([sys.executable, "-c", WORKER], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
    assert fifth.returncode == 0, fifth.stderr
    result = json.loads(fifth.stdout)
    assert result["compiles"] == 0
    assert np.array_equal(result["ne"], expected)


def test_a_kernel_compiles_inside_the_cache_lock_once_per_process(monkeypatch):
    """The first call of a kernel (with given types) loads or compiles it holding the cache
    directory's lock, so that processes fill one cache one at a time; later calls take none."""
    held, compiled_while = [], []

    @contextmanager
    def spy_lock(directory):
        held.append(directory)
        yield
        held.remove(directory)

    class Compiles(event.Listener):
        def on_start(self, e):
            compiled_while.append(list(held))

        def on_end(self, e):
            pass

    @numba.njit
    def twice(x, P):
        return x * P[0]

    monkeypatch.setattr(compile_lock, "directory_lock", spy_lock)
    with event.install_listener("numba:compile", Compiles()):
        out = parallel.run_parallel_kernel(twice, np.arange(5.0), np.array([2.0]))
        first = len(compiled_while)
        parallel.run_parallel_kernel(twice, np.arange(7.0), np.array([2.0]))
        assert len(compiled_while) == first > 0  # compiled once, then reused
        parallel.run_parallel_kernel(twice, np.arange(3), np.array([2.0]))  # int64: new types
        assert len(compiled_while) > first
    assert np.array_equal(out, np.arange(5.0) * 2)
    assert all(lock == [compile_lock.cache_directory()] for lock in compiled_while)


def test_merged_caches_keep_each_function_whole(tmp_path):
    """``compile`` merges the private caches of its processes: each function's index comes
    with its own data files, so that no index names another process's machine code."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "march.march-1.py311.nbi").write_text("old index")
    (target / "march.march-1.py311.2.nbc").write_text("old data 2")
    for k, text in enumerate(["first", "second"]):
        source = precompile.kernels_subdirectories(tmp_path / str(k))[0]
        source.mkdir(parents=True)
        (source / "march.march-1.py311.nbi").write_text(f"{text} index")
        (source / "march.march-1.py311.1.nbc").write_text(f"{text} data")
        (source / f"los.{text}-1.py311.nbi").write_text(f"{text} los")
        precompile.copy_functions(source, target)
    assert (target / "march.march-1.py311.nbi").read_text() == "second index"
    assert (target / "march.march-1.py311.1.nbc").read_text() == "second data"
    assert (target / "los.first-1.py311.nbi").read_text() == "first los"
    assert (target / "los.second-1.py311.nbi").read_text() == "second los"
    assert not list(target.glob("*.tmp.*"))


def test_a_function_one_process_left_as_seeded_keeps_another_process_s_new_files(tmp_path):
    """Each process of ``compile`` starts from a copy of the cache; one that did not compile a
    function (another family's) copied its seeded, stale files back over the files another
    process had just compiled, and the next run compiled that function again."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "march.march-1.py311.nbi").write_text("stale index")
    (target / "march.march-1.py311.1.nbc").write_text("stale data")
    private = [precompile.kernels_subdirectories(tmp_path / str(k))[0] for k in range(2)]
    for source in private:
        precompile.copy_functions(target, source)
    seeded = precompile.index_files([tmp_path / "0", tmp_path / "1"])
    (private[0] / "march.march-1.py311.nbi").write_text("new index")  # process 0 compiled it
    (private[0] / "march.march-1.py311.1.nbc").write_text("new data")
    for source in private:  # process 1 left it as seeded
        precompile.copy_functions(source, target, unchanged=seeded)
    assert (target / "march.march-1.py311.nbi").read_text() == "new index"
    assert (target / "march.march-1.py311.1.nbc").read_text() == "new data"


ONE_SIGNATURE = """
import importlib, json, sys
from mwprop_batch.kernels.cache_key import KERNEL_DIRS, PACKAGE_DIR
from mwprop_batch.precompile import families_of, run_family
from mwprop_batch.registry import model_names

for family in families_of(model_names()):
    run_family(family[:1])  # every group of every entry kernel, compiled (the cache is empty)
several = {}
for folder in KERNEL_DIRS:
    for path in sorted(folder.glob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        module = importlib.import_module(".".join(p for p in parts if p != "__init__"))
        for name, kernel in vars(module).items():
            if getattr(getattr(kernel, "py_func", None), "__module__", None) != module.__name__:
                continue
            if len(getattr(kernel, "signatures", ())) > 1:
                several[f"{module.__name__}.{name}"] = [str(s) for s in kernel.signatures]
print(json.dumps(several))
"""


@pytest.mark.slow
def test_every_kernel_compiles_for_one_signature(tmp_path):
    """numba compiles a callee again for each argument type a call site gives it: a literal
    (``state(..., 0, ...)``: Literal[int](0)), an omitted default, any-layout tables. Each
    copy is compiled, optimised and linked again (issue 32). After every kernel group of
    every family (an empty cache: compiled, not loaded), each kernel has one signature."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
           "MWPROP_BATCH_CACHE_DIR": str(tmp_path / "tables")}
    done = subprocess.run([sys.executable, "-c", ONE_SIGNATURE], capture_output=True,
                          text=True, env=env, check=True, timeout=1800)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}


