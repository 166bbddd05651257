"""Tests call the kernels that only other kernels call (compiled without a CPython wrapper:
``ONLY_FROM_KERNELS``) through a compiled function that calls them."""

import inspect
from functools import cache

import numba as nb


@cache
def from_python(kernel):
    """A compiled function of ``kernel``'s arguments (and defaults) that returns what
    ``kernel`` returns, callable from Python (numba compiles it in this process)."""
    parameters = inspect.signature(kernel.py_func).parameters.values()
    scope = {"kernel": kernel}
    listed = []
    for k, p in enumerate(parameters):
        if p.default is inspect.Parameter.empty:
            listed.append(p.name)
        else:
            scope[f"default{k}"] = p.default
            listed.append(f"{p.name}=default{k}")
    names = ", ".join(p.name for p in parameters)
    exec(f"def call({', '.join(listed)}):\n    return kernel({names})", scope)  # noqa: S102
    return nb.njit(scope["call"])
