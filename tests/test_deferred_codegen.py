"""Kernels only kernels call are linked as LLVM IR, generated once inside their callers
(``mwprop_batch.kernels.deferred_codegen``): right results, in the process that compiles them
and in later ones that load them from numba's cache."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from numba.core import codegen

import mwprop_batch
from mwprop_batch.kernels import deferred_codegen

PACKAGE = Path(mwprop_batch.__file__).resolve().parent

PROBE = '''
import numba as nb

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def inner(x):
    return 2.0 * x + 0.5


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def middle(x):
    return inner(x) + 1.0


@nb.njit(cache=True)
def outer(x):
    return middle(x)


@nb.njit(cache=True)
def other(x):
    return 3.0 * middle(x)


@nb.njit(**ONLY_FROM_KERNELS)
def reads_its_environment(x):
    with nb.objmode(y="float64"):
        y = float(abs(x))
    return y


@nb.njit
def outer_of_objmode(x):
    return reads_its_environment(x)
'''

REPORT = '''
import json
from mwprop_batch.kernels import deferred_codegen
from mwprop_batch.kernels import probe_deferred as probe

def library(kernel):
    return kernel.overloads[kernel.signatures[0]].library

value = {call}
print(json.dumps({{
    "value": value,
    "deferred": {{k.__name__: deferred_codegen.is_deferred(library(k))
                 for k in (probe.inner, probe.middle, probe.outer, probe.other)
                 if k.signatures}},
    "loaded": {{k.__name__: sum(k.stats.cache_hits.values())
               for k in (probe.inner, probe.middle, probe.outer, probe.other)}},
}}))
'''


def _run(tmp_path: Path, call: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "NUMBA_CACHE_LOCATOR_CLASSES", "NUMBA_DISABLE_JIT")}
    done = subprocess.run([sys.executable, "-c", REPORT.format(call=call)],
                          env=env | {"PYTHONPATH": str(tmp_path)}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _package_copy(tmp_path: Path) -> None:
    copy = tmp_path / "mwprop_batch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "kernels" / "probe_deferred.py").write_text(PROBE)


def test_kernels_only_kernels_call_are_linked_not_generated_and_load_from_the_cache(tmp_path):
    """The two kernels without an entry point stay linked IR (deferred); the one Python calls
    is generated, with them in it. A later process compiling another caller loads them from
    the cache (linked bitcode) and gets the right number; a third loads the first caller."""
    _package_copy(tmp_path)
    first = _run(tmp_path, "probe.outer(1.0)")
    assert first["value"] == 3.5
    assert first["deferred"] == {"inner": True, "middle": True, "outer": False}
    assert first["loaded"] == {"inner": 0, "middle": 0, "outer": 0, "other": 0}
    second = _run(tmp_path, "probe.other(1.0)")
    assert second["value"] == 10.5
    assert second["deferred"] == {"middle": True, "other": False}
    assert second["loaded"] == {"inner": 0, "middle": 1, "outer": 0, "other": 0}
    third = _run(tmp_path, "probe.outer(2.0)")
    assert third["value"] == 5.5
    assert third["loaded"]["outer"] == 1


def test_a_deferred_kernel_asked_for_its_address_is_generated_then(tmp_path):
    """Something asking for the address of a deferred kernel's function (numba does for
    first-class function values) gets machine code: the library is generated on demand, as
    compiled and as loaded from the cache by a later process."""
    _package_copy(tmp_path)
    call = ("(probe.{caller}(1.0), "
            "library(probe.middle).get_pointer_to_function("
            "probe.middle.overloads[probe.middle.signatures[0]].fndesc.mangled_name) != 0, "
            "deferred_codegen.is_deferred(library(probe.middle)))")
    assert _run(tmp_path, call.format(caller="outer"))["value"] == [3.5, True, False]
    loaded = _run(tmp_path, call.format(caller="other"))  # middle from the cache
    assert loaded["value"] == [10.5, True, False]
    assert loaded["loaded"]["middle"] == 1


def test_a_kernel_that_reads_its_environment_is_generated_at_once(tmp_path):
    """A kernel whose code reads its numba environment (here, an object-mode block) needs
    the environment numba sets in its own machine code: deferred, it would read a null
    pointer in its caller and crash the process. It is generated as numba does."""
    _package_copy(tmp_path)
    call = ("(probe.outer_of_objmode(-4.0), deferred_codegen.is_deferred("
            "library(probe.reads_its_environment)))")
    assert _run(tmp_path, call)["value"] == [4.0, False]


def test_this_numba_is_deferred_on_and_another_would_be_left_alone(monkeypatch):
    """The deferral relies on members of numba's code libraries (numba 0.68's): on this
    numba it is installed; on a numba lacking one of them numba is left as it is."""
    assert deferred_codegen.supported()
    assert deferred_codegen.OWN_PREFIX in codegen.CPUCodeLibrary._mwprop_deferring
    monkeypatch.delattr(codegen.CPUCodeLibrary, "_optimize_final_module")
    assert not deferred_codegen.supported()
