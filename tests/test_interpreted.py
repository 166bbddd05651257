"""The interpreted kernels (a model's first small calls) against the compiled ones."""

import json
import os
import subprocess
import sys
from types import FunctionType, SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from mwprop_batch import Model
from mwprop_batch.core import runner
from mwprop_batch.core.interpreted import interpreted
from mwprop_batch.core.parallel import split_rows
from mwprop_batch.core.runner import INTERPRETED_CALL_ROWS, KernelRunner
from mwprop_batch.families.ne.kernels import los


def run_interpreted(kernel, *args):
    """Every kernel call interpreted, whatever its size."""
    rows, tables = split_rows(kernel, args)
    return interpreted(kernel)(*rows, *tables)


def sample(n: int = 40, seed: int = 5):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(0.0, 360.0, n)
    b = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    b[: n // 3] = rng.uniform(-2.0, 2.0, n // 3)  # the plane, where every component counts
    dm = np.exp(rng.uniform(np.log(2.0), np.log(3000.0), n))  # some beyond the model's reach
    dist = np.exp(rng.uniform(np.log(0.02), np.log(60.0), n))
    return lon, b, dm, dist


def every_query(model: Model) -> list[pd.DataFrame]:
    lon, b, dm, dist = sample()
    return [
        model.dm_to_dist(lon, b, dm, scattering=True),
        model.dist_to_dm(lon, b, dist, scattering=True),
        pd.DataFrame({"dm_max": model.dm_max(lon, b)}),
        pd.DataFrame(model.dm_profile(lon[:8], b[:8], [0.1, 1.0, 5.0, 30.0])),
        model.density(lon / 30.0 - 6.0, b / 9.0, dist / 30.0 - 1.0),
    ]


def test_interpreted_kernels_give_the_compiled_results(any_model):
    compiled = every_query(any_model)
    twin = Model(any_model.name)
    twin._run = run_interpreted
    for ours, theirs in zip(every_query(twin), compiled, strict=True):
        pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-13, atol=0.0)


def test_an_interpreted_kernel_calls_no_compiled_one():
    """Every kernel reachable from an interpreted one is itself interpreted."""
    from numba.core.dispatcher import Dispatcher

    seen, todo = set(), [interpreted(los.los_batch)]
    while todo:
        func = todo.pop()
        if id(func) in seen:
            continue
        seen.add(id(func))
        for value in func.__globals__.values():
            inner = vars(value).values() if isinstance(value, SimpleNamespace) else [value]
            assert not any(isinstance(v, Dispatcher) for v in inner), func.__name__
            todo += [v for v in inner if isinstance(v, FunctionType)]
    assert len(seen) > 20  # the whole call tree was walked


def test_interpreted_refuses_a_function_outside_the_kernels():
    import numba

    @numba.njit
    def double(x, P):
        return 2.0 * x

    with pytest.raises(ValueError, match="not one of the package's kernels"):
        interpreted(double)


class Spy:
    def __init__(self):
        self.interpreted_rows = []

    def __call__(self, kernel):
        def run(*args):
            self.interpreted_rows.append(len(args[0]))
            return kernel.py_func(*args)
        return run


def test_runner_tier_depends_only_on_the_call(monkeypatch):
    """Small calls are interpreted and larger ones compiled, whatever ran before: a compiled
    kernel, other runners, any number of rows."""
    import numba

    @numba.njit
    def double(x, valid, P):
        return 2.0 * x

    spy = Spy()
    monkeypatch.setattr(runner, "interpreted", spy)
    run = KernelRunner()
    valid = np.ones(INTERPRETED_CALL_ROWS + 1, dtype=bool)
    x = np.arange(INTERPRETED_CALL_ROWS + 1, dtype=float)
    np.testing.assert_array_equal(run(double, x[:2], valid[:2], 0.0), 2.0 * x[:2])
    assert spy.interpreted_rows == [2] and double.signatures == []
    np.testing.assert_array_equal(run(double, x, valid, 0.0), 2.0 * x)  # more rows: compiled
    assert spy.interpreted_rows == [2] and len(double.signatures) == 1
    for _ in range(10):  # compiled in this process and 160 rows later: still interpreted
        run(double, x[:INTERPRETED_CALL_ROWS], valid[:INTERPRETED_CALL_ROWS], 0.0)
        KernelRunner()(double, x[:1], valid[:1], 0.0)
    assert spy.interpreted_rows == [2] + [INTERPRETED_CALL_ROWS, 1] * 10

    @numba.njit
    def halve(x, valid, P):
        return 0.5 * x

    spy.interpreted_rows.clear()
    KernelRunner(interpret_small_calls=False)(halve, x[:1], valid[:1], 0.0)  # compile_kernels
    assert spy.interpreted_rows == [] and len(halve.signatures) == 1


FIRST_CALL = """
import json, time
start = time.perf_counter()
from mwprop_batch import Model
from mwprop_batch.families.ne.kernels import los
out = Model("ne2025").dm_to_dist([30.0, 45.0], [1.0, -2.0], [100.0, 300.0])
print(json.dumps({"dist": out["DIST"].tolist(), "seconds": time.perf_counter() - start,
                  "compiled": len(los.los_batch.signatures)}))
"""


def test_a_fresh_process_answers_a_small_call_without_compiling(ne2025, tmp_path):
    """With an empty numba cache, a first small call is interpreted: no kernel compiles."""
    expected = ne2025.dm_to_dist([30.0, 45.0], [1.0, -2.0], [100.0, 300.0])
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # empty
    done = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True, timeout=600)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["compiled"] == 0
    # nothing compiled into the cache but the arm-grid builder of the model's tables
    compiled = {p.name.split("-")[0] for p in tmp_path.rglob("*.nbi")}
    assert all(name.startswith("arms.") for name in compiled), compiled
    np.testing.assert_allclose(result["dist"], expected["DIST"], rtol=1e-13)
