"""numba kernels: pure functions of coordinates and precomputed tables (no I/O, no pandas).

Importing any kernel module first keys numba's cache of every kernel by all of their sources
(:mod:`.cache_key`), so that a kernel is never loaded with a stale callee, and has numba link,
not generate, the kernels only kernels call (:mod:`.deferred_codegen`).
"""

from . import cache_key, deferred_codegen

cache_key.install()
deferred_codegen.install()
