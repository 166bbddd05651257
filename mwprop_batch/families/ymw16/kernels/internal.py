"""numba options of the YMW16 kernels that only other kernels call (never Python).

numba gives every compiled function a CPython wrapper (unboxing each argument from a Python
object) and a C-callable wrapper, and each is lowered, optimised and generated again in every
caller that links it: for the march and the helpers with work arrays and tuples among their
arguments, in every level above them. A kernel compiled with :data:`ONLY_FROM_KERNELS` has
neither: it cannot be called from Python (that crashes the process; the interpreted tier runs
its Python source, and tests call it compiled through ``tests/ymw16_kernel_calls.py``).
"""

from __future__ import annotations

ONLY_FROM_KERNELS = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}
