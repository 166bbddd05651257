"""Electron-density kernels: every NE2001/NE2025 component at a point, and their combination.

All functions take Galactocentric x, y, z in kpc (x toward l = 90 deg, y from the Galactic
centre toward the Sun, z north) and the model's
:class:`~mwprop_batch.families.ne.tables.KernelTables`.
Densities are in cm^-3. ``dsm`` is the scattering-measure integrand sum_i F_i n_i^2
(cm^-6 times the units of F); multiply by :data:`SM_FACTOR`-style constants outside.

Combination rule (NE2001): inside a local-ISM region its density replaces the disks, arms
and Galactic centre; inside a void its density replaces everything but the clumps;
clumps add.

The per-point kernels only read arrays and are compiled with ``_nrt=False`` (as numba does
for its own hot helpers): otherwise every array handed to an inlined call gets reference-count
updates, atomic where the arrays came from Python, which cost more than the arithmetic.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS

from .arms import ALL_ARMS, arms_density, sech2
from .layout import (
    CL_EDGE,
    CL_F,
    CL_NE,
    CL_RC,
    CL_X,
    CL_Y,
    CL_Z,
    ELL_AP,
    ELL_BP,
    ELL_CP,
    ELL_DP,
    ELL_F,
    ELL_NE,
    ELL_X,
    ELL_Y,
    ELL_Z,
    GRID_CELL,
    GRID_NX,
    GRID_NY,
    GRID_NZ,
    GRID_X,
    GRID_Y,
    GRID_Z,
    P_A1,
    P_A2,
    P_CLUMP_GRID,
    P_F1,
    P_F2,
    P_FA,
    P_G1NORM,
    P_GC_F,
    P_GC_H,
    P_GC_NE,
    P_GC_R,
    P_GC_X,
    P_GC_Y,
    P_GC_Z,
    P_H1,
    P_H2,
    P_LDR,
    P_LHB_A,
    P_LHB_B,
    P_LHB_C,
    P_LHB_F,
    P_LHB_NE,
    P_LHB_SLANT,
    P_LHB_X,
    P_LHB_Y,
    P_LHB_Z,
    P_LOOP_F,
    P_LOOP_F_SHELL,
    P_LOOP_NE,
    P_LOOP_NE_SHELL,
    P_LOOP_RIN,
    P_LOOP_ROUT,
    P_LOOP_X,
    P_LOOP_Y,
    P_LOOP_Z,
    P_LSB,
    P_N1,
    P_N2,
    P_VOID_GRID,
    VO_AXES,
    VO_EDGE,
    VO_F,
    VO_NE,
    VO_ROT,
    VO_X,
    VO_Y,
    VO_Z,
)

# column order of the per-point output of :func:`density_batch`
COLUMNS = (
    "ne", "dsm", "ne_thick", "ne_thin", "ne_arms", "ne_gc", "ne_lism", "ne_clumps",
    "ne_voids", "arm", "lism", "clump", "void",
)
LISM_LDR, LISM_LSB, LISM_LHB, LISM_LOOP_I = 1, 2, 4, 8
LHB_TAPER_TIP = 0.001  # kpc: the bubble's x semi-axis at the bottom of its tapered part


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def thick_disk(x: float, y: float, z: float, P: np.ndarray) -> float:
    rr = math.sqrt(x * x + y * y)
    if rr > P[P_A1]:
        return 0.0
    return P[P_N1] * math.cos(0.5 * math.pi * rr / P[P_A1]) * P[P_G1NORM] * sech2(z / P[P_H1])


THIN_DISK_WIDTH = 1.8  # kpc: the thin disk's Gaussian annulus, exp(-((r - A2) / width)^2)
THIN_DISK_CUTOFF = 10.0  # the annulus is cut to zero where ((r - A2) / width)^2 >= this
THIN_DISK_REACH = THIN_DISK_WIDTH * math.sqrt(THIN_DISK_CUTOFF)  # kpc from A2 to the cut


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def thin_disk(x: float, y: float, z: float, P: np.ndarray) -> float:
    rr = math.sqrt(x * x + y * y)
    arg = ((rr - P[P_A2]) / THIN_DISK_WIDTH) ** 2
    if arg >= THIN_DISK_CUTOFF:
        return 0.0
    return P[P_N2] * math.exp(-arg) * sech2(z / P[P_H2])


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def galactic_centre(x: float, y: float, z: float, P: np.ndarray) -> float:
    rr2 = (x - P[P_GC_X]) ** 2 + (y - P[P_GC_Y]) ** 2
    zz = z - P[P_GC_Z]
    if rr2 / (P[P_GC_R] * P[P_GC_R]) + (zz / P[P_GC_H]) ** 2 <= 1.0:
        return P[P_GC_NE]
    return 0.0


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def in_rotated_ellipsoid(x: float, y: float, z: float, P: np.ndarray, o: int) -> bool:
    """Whether (x, y, z) is inside the LDR or LSB ellipsoid whose parameters start at P[o]."""
    dx, dy, dz = x - P[o + ELL_X], y - P[o + ELL_Y], z - P[o + ELL_Z]
    return (dx * dx * P[o + ELL_AP] + dy * dy * P[o + ELL_BP] + dz * dz * P[o + ELL_CP]
            + dx * dy * P[o + ELL_DP] <= 1.0)


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def in_lhb(x: float, y: float, z: float, P: np.ndarray) -> bool:
    """Local hot bubble: a cylinder slanted in y with z, tapering to a point below z = 0."""
    bottom = P[P_LHB_Z] - P[P_LHB_C]
    if z <= 0.0 and z >= bottom:
        a = LHB_TAPER_TIP + (P[P_LHB_A] - LHB_TAPER_TIP) * (1.0 - z / bottom)
    else:
        a = P[P_LHB_A]
    y_axis = P[P_LHB_Y] + P[P_LHB_SLANT] * z
    qxy = ((x - P[P_LHB_X]) / a) ** 2 + ((y - y_axis) / P[P_LHB_B]) ** 2
    return qxy <= 1.0 and abs(z - P[P_LHB_Z]) / P[P_LHB_C] <= 1.0


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def local_ism(x: float, y: float, z: float, P: np.ndarray) -> tuple[float, float, int]:
    """Local ISM n_e, F and region bits (LDR 1, LSB 2, LHB 4, Loop I 8; 0 outside).

    Precedence: LHB over Loop I over LSB over LDR.
    """
    bits = 0
    if in_rotated_ellipsoid(x, y, z, P, P_LDR):
        bits |= LISM_LDR
    if in_rotated_ellipsoid(x, y, z, P, P_LSB):
        bits |= LISM_LSB
    if in_lhb(x, y, z, P):
        bits |= LISM_LHB
    shell = False
    if z >= 0.0:
        r = math.sqrt((x - P[P_LOOP_X]) ** 2 + (y - P[P_LOOP_Y]) ** 2 + (z - P[P_LOOP_Z]) ** 2)
        if r <= P[P_LOOP_ROUT]:
            bits |= LISM_LOOP_I
            shell = r > P[P_LOOP_RIN]
    ne = 0.0
    F = 0.0
    if bits & LISM_LHB:
        ne, F = P[P_LHB_NE], P[P_LHB_F]
    elif bits & LISM_LOOP_I:
        ne, F = ((P[P_LOOP_NE_SHELL], P[P_LOOP_F_SHELL]) if shell
                 else (P[P_LOOP_NE], P[P_LOOP_F]))
    elif bits & LISM_LSB:
        ne, F = P[P_LSB + ELL_NE], P[P_LSB + ELL_F]
    elif bits & LISM_LDR:
        ne, F = P[P_LDR + ELL_NE], P[P_LDR + ELL_F]
    return ne, F, bits


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _cell(x: float, y: float, z: float, P: np.ndarray, g: int) -> int:
    """Flat index of the cell of (x, y, z) in the object grid described at P[g], -1 outside."""
    cell = P[g + GRID_CELL]
    i = math.floor((x - P[g + GRID_X]) / cell)
    j = math.floor((y - P[g + GRID_Y]) / cell)
    k = math.floor((z - P[g + GRID_Z]) / cell)
    nx, ny, nz = int(P[g + GRID_NX]), int(P[g + GRID_NY]), int(P[g + GRID_NZ])
    if not (0 <= i < nx and 0 <= j < ny and 0 <= k < nz):
        return -1
    return (int(i) * ny + int(j)) * nz + int(k)


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def clumps(
    x: float, y: float, z: float, P: np.ndarray, clump_par: np.ndarray, cells: np.ndarray
) -> tuple[float, float, int]:
    """Summed clump n_e, F of the last clump hit, and its 1-based number (0: none)."""
    cell = _cell(x, y, z, P, P_CLUMP_GRID)
    ne = 0.0
    F = 0.0
    hit = 0
    if cell < 0:
        return ne, F, hit
    for p in range(cells[cell], cells[cell + 1]):
        c = cells[p]
        arg = (
            (x - clump_par[c, CL_X]) ** 2 + (y - clump_par[c, CL_Y]) ** 2
            + (z - clump_par[c, CL_Z]) ** 2
        ) / (clump_par[c, CL_RC] * clump_par[c, CL_RC])
        if clump_par[c, CL_EDGE] == 0.0:
            if not arg < 5.0:
                continue
            ne += clump_par[c, CL_NE] * math.exp(-arg)
        elif arg <= 1.0:
            ne += clump_par[c, CL_NE]
        else:
            continue
        hit = c + 1  # ids ascend within a cell: the last hit is the highest
        F = clump_par[c, CL_F]
    return ne, F, hit


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def void_q(x: float, y: float, z: float, v: int, void_par: np.ndarray) -> float:
    """Ellipsoidal radius^2 of (x, y, z) in void v's frame (1 at its 1/e surface)."""
    dx = x - void_par[v, VO_X]
    dy = y - void_par[v, VO_Y]
    dz = z - void_par[v, VO_Z]
    q = 0.0
    for r in range(3):
        o = VO_ROT + 3 * r
        u = void_par[v, o] * dx + void_par[v, o + 1] * dy + void_par[v, o + 2] * dz
        q += (u / void_par[v, VO_AXES + r]) ** 2
    return q


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def voids(
    x: float, y: float, z: float, P: np.ndarray, void_par: np.ndarray, cells: np.ndarray
) -> tuple[float, float, int]:
    """n_e and F of the void that governs (x, y, z) (the last one listed), its 1-based number."""
    cell = _cell(x, y, z, P, P_VOID_GRID)
    hit = 0
    ne = 0.0
    F = 0.0
    if cell < 0:
        return ne, F, hit
    for p in range(cells[cell], cells[cell + 1]):
        v = cells[p]
        q = void_q(x, y, z, v, void_par)
        if void_par[v, VO_EDGE] == 0.0:
            if q < 3.0:
                hit, ne, F = v + 1, void_par[v, VO_NE] * math.exp(-q), void_par[v, VO_F]
        elif q <= 1.0:
            hit, ne, F = v + 1, void_par[v, VO_NE], void_par[v, VO_F]
    return ne, F, hit


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def combine(
    ne1: float, ne2: float, nea: float, negc: float, nel: float, Fl: float, lism_bits: int,
    nec: float, Fc: float, nev: float, Fv: float, hitv: int, P: np.ndarray,
) -> tuple[float, float]:
    """Total n_e and scattering integrand dsm from the components (NE2001 rule)."""
    outside_lism = 0.0 if lism_bits else 1.0
    outside_void = 0.0 if hitv else 1.0
    ne_large = outside_lism * (ne1 + ne2 + nea + negc) + (1.0 - outside_lism) * nel
    ne = outside_void * ne_large + (1.0 - outside_void) * nev + nec
    smooth = P[P_F1] * ne1 * ne1 + P[P_F2] * ne2 * ne2 + P[P_FA] * nea * nea
    gc_sm = P[P_GC_F] * negc * negc
    dsm = (
        outside_void * outside_lism * (smooth + gc_sm)
        + outside_void * (1.0 - outside_lism) * Fl * nel * nel
        + Fc * nec * nec
        + (1.0 - outside_void) * Fv * nev * nev
    )
    return ne, dsm


# which local components a point may lie in (bits); outside them they are exactly 0
LOCAL_CLUMPS, LOCAL_VOIDS, LOCAL_GC, LOCAL_LISM = 1, 2, 4, 8
LOCAL_ALL = LOCAL_CLUMPS | LOCAL_VOIDS | LOCAL_GC | LOCAL_LISM


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def _parts(
    x: float, y: float, z: float, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells, local: int, arms: int,
) -> tuple:
    """Every component at a point, those not in ``local`` (LOCAL_* bits) and the arms not in
    the mask ``arms`` taken as 0:
    (ne1, ne2, nea, arm, mask, negc, nel, Fl, lism bits, nec, Fc, clump, nev, Fv, void)."""
    ne1 = thick_disk(x, y, z, P)
    ne2 = thin_disk(x, y, z, P)
    nea, which, mask = arms_density(x, y, z, P, arm_par, arm_coef, arm_grid, arms)
    negc = galactic_centre(x, y, z, P) if local & LOCAL_GC else 0.0
    nel, Fl, bits = local_ism(x, y, z, P) if local & LOCAL_LISM else (0.0, 0.0, 0)
    nec, Fc, hitc = clumps(x, y, z, P, clump_par, clump_cells) if local & LOCAL_CLUMPS \
        else (0.0, 0.0, 0)
    nev, Fv, hitv = voids(x, y, z, P, void_par, void_cells) if local & LOCAL_VOIDS \
        else (0.0, 0.0, 0)
    return ne1, ne2, nea, which, mask, negc, nel, Fl, bits, nec, Fc, hitc, nev, Fv, hitv


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def ne_dsm(
    x: float, y: float, z: float, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells, local: int = LOCAL_ALL, arms: int = ALL_ARMS,
) -> tuple[float, float, int]:
    """Total n_e (cm^-3), scattering integrand dsm, and the arm-reach mask at a point.

    ``local``: the local components (LOCAL_* bits) the point may lie in, ``arms``: the mask
    of the arms whose reach it may lie in; the others are known to be 0 there and are not
    evaluated.
    """
    ne1, ne2, nea, _, mask, negc, nel, Fl, bits, nec, Fc, _, nev, Fv, hitv = _parts(
        x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
        local, arms)
    ne, dsm = combine(ne1, ne2, nea, negc, nel, Fl, bits, nec, Fc, nev, Fv, hitv, P)
    return ne, dsm, mask


@nb.njit(cache=True, forceinline=True, _nrt=False, **ONLY_FROM_KERNELS)
def components(
    x: float, y: float, z: float, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
    void_par, void_cells, local: int = LOCAL_ALL, arms: int = ALL_ARMS,
) -> tuple:
    """Every column of :data:`COLUMNS` at a point, in that order (all float).

    ``local``, ``arms``: as for :func:`ne_dsm`.
    """
    ne1, ne2, nea, which, _, negc, nel, Fl, bits, nec, Fc, hitc, nev, Fv, hitv = _parts(
        x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells,
        local, arms)
    ne, dsm = combine(ne1, ne2, nea, negc, nel, Fl, bits, nec, Fc, nev, Fv, hitv, P)
    return (ne, dsm, ne1, ne2, nea, negc, nel, nec, nev, float(which), float(bits),
            float(hitc), float(hitv))


@nb.njit(cache=True, nogil=True)
def density_batch(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, P, arm_par, arm_coef, arm_grid, clump_par,
    clump_cells, void_par, void_cells,
) -> np.ndarray:
    """Per-point components for 1-D coordinate arrays: (n, len(COLUMNS)) float64."""
    n = x.shape[0]
    out = np.empty((n, len(COLUMNS)))
    for i in range(n):
        xi, yi, zi = x[i], y[i], z[i]
        if not (math.isfinite(xi) and math.isfinite(yi) and math.isfinite(zi)):
            out[i, :] = np.nan
            continue
        # int64 values, not the literal defaults: one signature of components and _parts
        values = components(xi, yi, zi, P, arm_par, arm_coef, arm_grid, clump_par,
                            clump_cells, void_par, void_cells, np.int64(LOCAL_ALL),
                            np.int64(ALL_ARMS))
        for j in range(len(COLUMNS)):
            out[i, j] = values[j]
    return out
