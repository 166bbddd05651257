"""Electron-density kernels: every NE2001/NE2025 component at a point, and their combination.

All functions take Galactocentric x, y, z in kpc (x toward l = 90 deg, y from the Galactic
centre toward the Sun, z north) and the model's :class:`~mwprop_batch.tables.KernelTables`.
Densities are in cm^-3. ``dsm`` is the scattering-measure integrand sum_i F_i n_i^2
(cm^-6 times the units of F); multiply by :data:`SM_FACTOR`-style constants outside.

Combination rule (NE2001): inside a local-ISM region its density replaces the disks, arms
and Galactic centre; inside a void its density replaces everything but the clumps;
clumps add.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .arms import arms_density, sech2

# column order of the per-point output of :func:`density_batch`
COLUMNS = (
    "ne", "dsm", "ne_thick", "ne_thin", "ne_arms", "ne_gc", "ne_lism", "ne_clumps",
    "ne_voids", "arm", "lism", "clump", "void",
)
LISM_LDR, LISM_LSB, LISM_LHB, LISM_LOOP_I = 1, 2, 4, 8


@nb.njit(cache=True, inline="always")
def thick_disk(x: float, y: float, z: float, T) -> float:
    rr = math.sqrt(x * x + y * y)
    if rr > T.A1:
        return 0.0
    return T.n1 * math.cos(0.5 * math.pi * rr / T.A1) * T.g1_norm * sech2(z / T.h1)


@nb.njit(cache=True, inline="always")
def thin_disk(x: float, y: float, z: float, T) -> float:
    rr = math.sqrt(x * x + y * y)
    arg = ((rr - T.A2) / 1.8) ** 2
    if arg >= 10.0:
        return 0.0
    return T.n2 * math.exp(-arg) * sech2(z / T.h2)


@nb.njit(cache=True, inline="always")
def galactic_centre(x: float, y: float, z: float, T) -> float:
    g = T.gc
    rr2 = (x - g[0]) ** 2 + (y - g[1]) ** 2
    zz = z - g[2]
    if rr2 / (g[3] * g[3]) + (zz / g[4]) ** 2 <= 1.0:
        return g[5]
    return 0.0


@nb.njit(cache=True, inline="always")
def _in_rotated_ellipsoid(x: float, y: float, z: float, e: np.ndarray) -> bool:
    dx, dy, dz = x - e[0], y - e[1], z - e[2]
    return dx * dx * e[3] + dy * dy * e[4] + dz * dz * e[5] + dx * dy * e[6] <= 1.0


@nb.njit(cache=True, inline="always")
def _in_lhb(x: float, y: float, z: float, h: np.ndarray) -> bool:
    """Local hot bubble: a cylinder slanted in y with z, tapering to a point below z = 0."""
    bottom = h[2] - h[5]
    if z <= 0.0 and z >= bottom:
        a = 0.001 + (h[3] - 0.001) * (1.0 - z / bottom)
    else:
        a = h[3]
    y_axis = h[1] + h[6] * z
    qxy = ((x - h[0]) / a) ** 2 + ((y - y_axis) / h[4]) ** 2
    return qxy <= 1.0 and abs(z - h[2]) / h[5] <= 1.0


@nb.njit(cache=True)
def local_ism(x: float, y: float, z: float, T) -> tuple[float, float, int]:
    """Local ISM n_e, F and region bits (LDR 1, LSB 2, LHB 4, Loop I 8; 0 outside).

    Precedence: LHB over Loop I over LSB over LDR.
    """
    bits = 0
    if _in_rotated_ellipsoid(x, y, z, T.ldr):
        bits |= LISM_LDR
    if _in_rotated_ellipsoid(x, y, z, T.lsb):
        bits |= LISM_LSB
    if _in_lhb(x, y, z, T.lhb):
        bits |= LISM_LHB
    loop = T.loop_i
    shell = False
    if z >= 0.0:
        r = math.sqrt((x - loop[0]) ** 2 + (y - loop[1]) ** 2 + (z - loop[2]) ** 2)
        if r <= loop[4]:
            bits |= LISM_LOOP_I
            shell = r > loop[3]
    if bits & LISM_LHB:
        return T.lhb[7], T.lhb[8], bits
    if bits & LISM_LOOP_I:
        if shell:
            return loop[6], loop[8], bits
        return loop[5], loop[7], bits
    if bits & LISM_LSB:
        return T.lsb[7], T.lsb[8], bits
    if bits & LISM_LDR:
        return T.ldr[7], T.ldr[8], bits
    return 0.0, 0.0, 0


@nb.njit(cache=True, inline="always")
def _cell(x: float, y: float, z: float, grid: np.ndarray) -> int:
    """Flat index of the cell of (x, y, z) in a uniform object grid, -1 outside it."""
    i = math.floor((x - grid[0]) / grid[3])
    j = math.floor((y - grid[1]) / grid[3])
    k = math.floor((z - grid[2]) / grid[3])
    nx, ny, nz = int(grid[4]), int(grid[5]), int(grid[6])
    if i < 0 or j < 0 or k < 0 or i >= nx or j >= ny or k >= nz:
        return -1
    return (int(i) * ny + int(j)) * nz + int(k)


@nb.njit(cache=True)
def clumps(x: float, y: float, z: float, T) -> tuple[float, float, int]:
    """Summed clump n_e, F of the last clump hit, and its 1-based number (0: none)."""
    cell = _cell(x, y, z, T.clump_grid)
    ne = 0.0
    F = 0.0
    hit = 0
    if cell < 0:
        return ne, F, hit
    for p in range(T.clump_start[cell], T.clump_start[cell + 1]):
        c = T.clump_items[p]
        arg = (
            (x - T.clump_xyz[c, 0]) ** 2 + (y - T.clump_xyz[c, 1]) ** 2
            + (z - T.clump_xyz[c, 2]) ** 2
        ) / (T.clump_rc[c] * T.clump_rc[c])
        if T.clump_edge[c] == 0:
            if arg < 5.0:
                ne += T.clump_ne[c] * math.exp(-arg)
            else:
                continue
        elif arg <= 1.0:
            ne += T.clump_ne[c]
        else:
            continue
        if c + 1 > hit:
            hit = c + 1
            F = T.clump_F[c]
    return ne, F, hit


@nb.njit(cache=True, inline="always")
def void_q(x: float, y: float, z: float, v: int, T) -> float:
    """Ellipsoidal radius^2 of (x, y, z) in void v's frame (1 at its 1/e surface)."""
    dx = x - T.void_xyz[v, 0]
    dy = y - T.void_xyz[v, 1]
    dz = z - T.void_xyz[v, 2]
    q = 0.0
    for r in range(3):
        u = T.void_rot[v, r, 0] * dx + T.void_rot[v, r, 1] * dy + T.void_rot[v, r, 2] * dz
        q += (u / T.void_axes[v, r]) ** 2
    return q


@nb.njit(cache=True)
def voids(x: float, y: float, z: float, T) -> tuple[float, float, int]:
    """n_e and F of the void that governs (x, y, z) (the last one listed), its 1-based number."""
    cell = _cell(x, y, z, T.void_grid)
    hit = 0
    ne = 0.0
    F = 0.0
    if cell < 0:
        return ne, F, hit
    for p in range(T.void_start[cell], T.void_start[cell + 1]):
        v = T.void_items[p]
        if v + 1 < hit:
            continue
        q = void_q(x, y, z, v, T)
        if T.void_edge[v] == 0:
            if q < 3.0:
                hit, ne, F = v + 1, T.void_ne[v] * math.exp(-q), T.void_F[v]
        elif q <= 1.0:
            hit, ne, F = v + 1, T.void_ne[v], T.void_F[v]
    return ne, F, hit


@nb.njit(cache=True)
def point_density(x: float, y: float, z: float, T, out: np.ndarray) -> None:
    """All components at one point, written into ``out`` in :data:`COLUMNS` order."""
    ne1 = thick_disk(x, y, z, T)
    ne2 = thin_disk(x, y, z, T)
    nea, which, _ = arms_density(x, y, z, T)
    negc = galactic_centre(x, y, z, T)
    nel, Fl, lism_bits = local_ism(x, y, z, T)
    nec, Fc, hitc = clumps(x, y, z, T)
    nev, Fv, hitv = voids(x, y, z, T)
    ne, dsm = combine(ne1, ne2, nea, negc, nel, Fl, lism_bits, nec, Fc, nev, Fv, hitv, T)
    out[0] = ne
    out[1] = dsm
    out[2] = ne1
    out[3] = ne2
    out[4] = nea
    out[5] = negc
    out[6] = nel
    out[7] = nec
    out[8] = nev
    out[9] = which
    out[10] = lism_bits
    out[11] = hitc
    out[12] = hitv


@nb.njit(cache=True, inline="always")
def combine(
    ne1: float, ne2: float, nea: float, negc: float, nel: float, Fl: float, lism_bits: int,
    nec: float, Fc: float, nev: float, Fv: float, hitv: int, T,
) -> tuple[float, float]:
    """Total n_e and scattering integrand dsm from the components (NE2001 rule)."""
    outside_lism = 0.0 if lism_bits else 1.0
    outside_void = 0.0 if hitv else 1.0
    ne_large = outside_lism * (ne1 + ne2 + nea + negc) + (1.0 - outside_lism) * nel
    ne = outside_void * ne_large + (1.0 - outside_void) * nev + nec
    smooth = T.F1 * ne1 * ne1 + T.F2 * ne2 * ne2 + T.Fa * nea * nea
    gc_sm = T.gc[6] * negc * negc
    dsm = (
        outside_void * outside_lism * (smooth + gc_sm)
        + outside_void * (1.0 - outside_lism) * Fl * nel * nel
        + Fc * nec * nec
        + (1.0 - outside_void) * Fv * nev * nev
    )
    return ne, dsm


@nb.njit(cache=True, parallel=True)
def density_batch(x: np.ndarray, y: np.ndarray, z: np.ndarray, T) -> np.ndarray:
    """Per-point components for 1-D coordinate arrays: (n, len(COLUMNS)) float64."""
    n = x.shape[0]
    out = np.empty((n, len(COLUMNS)))
    for i in nb.prange(n):
        if math.isfinite(x[i]) and math.isfinite(y[i]) and math.isfinite(z[i]):
            point_density(x[i], y[i], z[i], T, out[i])
        else:
            out[i, :] = np.nan
    return out
