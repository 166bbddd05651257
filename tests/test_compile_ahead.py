"""A second process compiles part of a kernel's call tree while the first compiles the rest,
and processes that need a kernel another is compiling wait for it and load it."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mwprop_batch
from mwprop_batch.core import compile_ahead, compile_lock

PACKAGE = Path(mwprop_batch.__file__).resolve().parent

PROBE = '''
import numba as nb


@nb.njit(cache=True)
def value():
    return 4.0
'''
LOCK_PATH = ("from mwprop_batch.core.compile_lock import kernel_lock_path; "
             "from mwprop_batch.kernels.probe_value import value; print(kernel_lock_path(value))")
WAITER = ("import mwprop_batch\n"
          "from mwprop_batch.kernels.probe_value import value\n"
          "print('ready', flush=True)\n"
          "print(value(), sum(value.stats.cache_hits.values()))\n")
# compiles the probe with numba's own Dispatcher.compile, as if this process held its lock
UNLOCKED = ("import numba.core.dispatcher as d\n"
            "compile_ = d.Dispatcher.compile\n"
            "import mwprop_batch\n"
            "d.Dispatcher.compile = compile_\n"
            "from mwprop_batch.kernels.probe_value import value\n"
            "print(value())\n")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "NUMBA_CACHE_LOCATOR_CLASSES", "NUMBA_DISABLE_JIT")}
    return env | {"PYTHONPATH": str(tmp_path)} | extra


def _python(code: str | list[str], env: dict[str, str], cwd: Path) -> str:
    """Run ``python -c code`` (or ``python *code``, a list); its stdout."""
    argv = ["-c", code] if isinstance(code, str) else code
    done = subprocess.run([sys.executable, *argv], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_process_waits_for_a_kernel_another_is_compiling_and_loads_it(tmp_path):
    """While one process holds a kernel's lock (compiling it), another that needs the kernel
    waits, then loads what the first saved (1 cache hit) instead of compiling it again
    (without the kernel locks it compiled it at once: 0 hits)."""
    copy = tmp_path / "mwprop_batch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "kernels" / "probe_value.py").write_text(PROBE)
    env = _env(tmp_path)
    path = _python(LOCK_PATH, env, tmp_path)
    assert path.endswith(".nbi" + compile_lock.KERNEL_LOCK_SUFFIX)
    with compile_lock.file_lock(path):  # this test is the process compiling it
        waiter = subprocess.Popen([sys.executable, "-c", WAITER], env=env, cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert waiter.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        assert _python(UNLOCKED, env, tmp_path) == "4.0"  # compiled and saved meanwhile
        assert waiter.poll() is None  # still waiting for the lock
    out, err = waiter.communicate(timeout=300)
    assert waiter.returncode == 0, err
    assert out.strip() == "4.0 1"


FIRST_BATCH = '''
import json
import sys
from importlib import import_module

import numpy as np
from numba.core import event

compiles = []


class Count(event.Listener):
    def on_start(self, e):
        compiles.append(e.data["dispatcher"].py_func.__qualname__)

    def on_end(self, e):
        pass


event.register("numba:compile", Count())
from mwprop_batch import Model
from mwprop_batch.core import compile_ahead

name, family = sys.argv[1:]
march_callees = import_module(f"mwprop_batch.families.{family}.compile_plan").march_callees
model = Model(name)
rows = np.arange(40.0)
out = model.dm_to_dist(rows * 9.0, rows * 3.0 - 60.0, rows * 10.0 + 5.0)
plan = march_callees(*model.tables)
print(json.dumps({
    "enabled": compile_ahead.enabled(),
    "asked": [[str(s) for s in k.signatures] == [str(sig)] for k, sig in plan],
    "loaded": [k.__name__ for k, _ in plan if sum(k.stats.cache_hits.values())],
    "compiles": len(compiles),
    "dist": out["DIST"].tolist(),
}))
'''


@pytest.mark.parametrize(("name", "family"), [("ne2001", "ne"), ("ymw16", "ymw16")])
def test_a_child_compiles_the_march_s_callees_while_the_parent_compiles_the_rest(
        tmp_path, request, name, family):
    """In an empty cache, the first compiled line-of-sight call forks a child that compiles
    the march's slowest callees (the family's compile_plan.march_callees) while the parent
    compiles the rest: each planned signature is the one the march asks for (the only one
    it compiled or loaded), the parent loads some of them from the child, the distances are
    those of a process that compiled everything itself, and a later process loads every
    kernel it needs."""
    env = _env(tmp_path, NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               MWPROP_BATCH_CACHE_DIR=str(tmp_path / "tables"),
               PYTHONPATH=str(PACKAGE.parent))
    rows = np.arange(40.0)
    model = request.getfixturevalue(name)
    expected = model.dm_to_dist(rows * 9.0, rows * 3.0 - 60.0, rows * 10.0 + 5.0)["DIST"]
    code = ["-c", FIRST_BATCH, name, family]
    first = json.loads(_python(code, env, tmp_path).splitlines()[-1])
    assert first["enabled"] == compile_ahead.enabled()
    assert all(first["asked"])
    if first["enabled"]:
        assert first["loaded"]  # compiled by the child
    assert np.array_equal(first["dist"], expected.to_numpy(), equal_nan=True)
    later = json.loads(_python(code, env, tmp_path).splitlines()[-1])
    assert later["compiles"] == 0
    assert np.array_equal(later["dist"], expected.to_numpy(), equal_nan=True)


def test_compiling_ahead_can_be_switched_off(monkeypatch):
    """``MWPROP_BATCH_COMPILE_AHEAD=0`` never forks."""
    monkeypatch.setenv(compile_ahead.SWITCH, "0")
    assert not compile_ahead.enabled()


def test_a_second_copy_of_the_package_installs_its_own_kernel_locks(monkeypatch):
    """Each copy of the package (benchmarks/speed_probe.py imports several) locks its own
    kernels: a copy finding another's kernel locks installed wraps them (it returned, and its
    kernels compiled without locks)."""
    from numba.core import dispatcher

    def other_copy_compile(self, sig):
        return None

    other_copy_compile._mwprop_kernel_locks = ("another_copy.core.compile_lock",)
    monkeypatch.setattr(dispatcher.Dispatcher, "compile", other_copy_compile)
    compile_lock.install_kernel_locks()
    installed = dispatcher.Dispatcher.compile
    assert installed is not other_copy_compile
    assert installed._mwprop_kernel_locks == ("another_copy.core.compile_lock",
                                               compile_lock.__name__)
    compile_lock.install_kernel_locks()  # idempotent
    assert dispatcher.Dispatcher.compile is installed


def test_a_failing_plan_leaves_the_process_to_compile_alone(monkeypatch):
    """The child is a help, never a cause of failure: a plan that raises (or a fork that
    fails) leaves the first call to compile everything itself, as without a plan."""
    import numba

    @numba.njit
    def twice(x, P):
        return x * P[0]

    def broken(*tables):
        raise RuntimeError("no plan")

    monkeypatch.setitem(compile_ahead._plans, twice, broken)
    monkeypatch.setattr(compile_ahead, "enabled", lambda: True)
    monkeypatch.setattr(compile_ahead, "_needs_compiling", lambda kernel: True)
    with compile_ahead.compiling_ahead(twice, (np.array([2.0]),)):
        assert twice(3.0, np.array([2.0])) == 6.0
