"""YMW16 numba kernels (pc inside): density at a point, cuts, panels, switches, the march."""
