"""The kernels' own Python source, run by the interpreter instead of compiled by numba.

Every kernel is a numba ``@njit`` function whose Python source is also valid Python: numba
compiles it to machine code, and the interpreter can run it as it is. Compiling the kernels
takes tens of seconds the first time an installation runs them (then numba's cache loads them
in a fraction of a second, after about half a second of numba start-up per process), while the
interpreter computes one sightline in a few hundredths of a second. :func:`interpreted` gives
a kernel's Python function with every kernel it calls also interpreted, so a call on a handful
of sightlines never waits for numba (see :class:`~mwprop_batch.core.runner.KernelRunner`).

The two run the same operations in the same order on IEEE doubles (numba compiles without
fast-math), so their results agree (tests/test_interpreted.py).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from functools import cache

from numba.core.dispatcher import Dispatcher


def is_kernel_module(module_name: str) -> bool:
    """Whether ``module_name`` is one of the package's kernel modules (a ``kernels`` folder:
    the shared one or a family's)."""
    parts = module_name.split(".")
    return parts[0] == "mwprop_batch" and "kernels" in parts[1:]


@cache
def _module_globals(module_name: str) -> dict:
    """A kernel module's globals with every kernel (and kernel module) in them interpreted."""
    module = __import__(module_name, fromlist=["*"])
    names = dict(vars(module))
    for key, value in names.items():
        if isinstance(value, Dispatcher):
            names[key] = _function(value, names)
        elif isinstance(value, types.ModuleType) and is_kernel_module(value.__name__):
            names[key] = types.SimpleNamespace(**_module_globals(value.__name__))
    return names


def _function(kernel: Dispatcher, module_names: dict) -> Callable:
    """``kernel``'s Python function: its own module's twin if defined there, else imported."""
    source = kernel.py_func
    if source.__module__ != module_names["__name__"]:
        return interpreted(kernel)
    return types.FunctionType(source.__code__, module_names, source.__name__,
                              source.__defaults__, source.__closure__)


def interpreted(kernel: Dispatcher) -> Callable:
    """``kernel`` as plain Python, calling only interpreted kernels (built once per kernel)."""
    module = kernel.py_func.__module__
    if not is_kernel_module(module):
        raise ValueError(f"{kernel.py_func.__qualname__} is not one of the package's kernels")
    return _module_globals(module)[kernel.py_func.__name__]
