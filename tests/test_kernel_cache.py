"""numba's cache of the kernels: never stale, safe when several processes fill it at once."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mwprop_batch

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


def test_kernels_import_nothing_of_the_package_outside_their_folder():
    """The stamp hashes the kernels' folder: a kernel must not compile in code or constants
    from elsewhere in the package, which the stamp would not see."""
    for path in KERNELS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level in (0, 1), f"{path.name} imports from {'.' * node.level}"
                assert node.level == 1 or not (node.module or "").startswith("mwprop_batch"), \
                    f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("mwprop_batch") for a in node.names), path.name
