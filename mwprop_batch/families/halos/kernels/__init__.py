"""Halo numba kernels: component densities at a point and their Gauss-Legendre sightline DMs."""
