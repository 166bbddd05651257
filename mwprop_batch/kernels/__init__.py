"""numba kernels: pure functions of coordinates and precomputed tables (no I/O, no pandas)."""
