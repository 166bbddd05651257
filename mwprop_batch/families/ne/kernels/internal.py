"""numba options of the NE kernels that only other kernels call (never Python).

numba gives every compiled function a CPython wrapper (unboxing each argument from a Python
object) and a C-callable wrapper, and each is lowered, optimised and generated again in every
caller that links it. For a kernel with a dozen array and tuple arguments (the march, the cuts)
they cost more compile time than its own body. A kernel compiled with :data:`ONLY_FROM_KERNELS`
has neither: called from Python it would crash the process, so only kernels that no test
or module calls directly get it (the interpreted tier runs their Python source).
"""

from __future__ import annotations

ONLY_FROM_KERNELS = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}
