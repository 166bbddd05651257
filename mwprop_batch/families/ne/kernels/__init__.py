"""NE2001-family numba kernels: density at a point, arm geometry, cuts, the sightline march."""
