"""numba kernels: pure functions of coordinates and precomputed tables (no I/O, no pandas).

Importing any kernel module first keys numba's cache of every kernel by all of their sources
(:mod:`.cache_key`), so that a kernel is never loaded with a stale callee.
"""

from .cache_key import install

install()
