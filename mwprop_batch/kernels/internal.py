"""numba options of the kernels that only other kernels call (never Python), in every family.

numba gives every compiled function a CPython wrapper (unboxing each argument from a Python
object) and a C-callable wrapper, and each is lowered, optimised and generated again in every
caller that links it: for a kernel with a dozen array and tuple arguments (a march, its cuts)
they cost more compile time than its own body. A kernel compiled with :data:`ONLY_FROM_KERNELS`
has neither, and numba keeps it as LLVM IR that its callers link (:mod:`.deferred_codegen`): it
is optimised and generated once, inside the kernel Python calls. Called from Python it would
crash the process (numba has no entry point to call), so only kernels that no module outside
the kernels calls get it: the interpreted tier runs their Python source, and tests call them
through compiled callers.
"""

from __future__ import annotations

ONLY_FROM_KERNELS = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}
