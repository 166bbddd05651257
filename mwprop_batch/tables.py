"""Precomputed tables for the numba kernels, built once per :class:`~mwprop_batch.Model`.

:func:`build_tables` turns :class:`~mwprop_batch.params.ModelParameters` into a
:class:`KernelTables` named tuple of floats and contiguous arrays:

* the spiral-arm centrelines as cubic-spline coefficients r(theta), plus a grid over the
  Galactic plane holding, for every node and arm, the nearest centreline parameter and the
  distance to it (the kernels start an exact Newton search from it);
* clump and void geometry with a uniform 3-D cell index, so a point is tested only against
  the few clumps and voids whose reach overlaps its cell;
* the disks, Galactic centre and local-ISM constants in the form the kernels use.

No state is shared between models: each call returns new arrays.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.interpolate import CubicSpline

from .kernels.arms import build_arm_grid
from .params import ModelParameters

ARM_SAMPLES = 50  # centreline samples per arm before the spline (as in NE2001p)
ARM_GRID_STEP = 0.1  # kpc, spacing of the nearest-arm start table
ARM_CUTOFF_IN_WA = 3.0  # an arm contributes only within 3 wa of its centreline
CLUMP_EDGE0_ARG = 5.0  # Gaussian clumps are cut where r^2/rc^2 reaches 5
VOID_EDGE0_Q = 3.0  # Gaussian voids are cut where q reaches 3
MAX_CELLS_PER_AXIS = 48


class KernelTables(NamedTuple):
    """Everything a density kernel needs, as numba-friendly scalars and arrays."""

    r_sun: float
    max_distance: float
    # thick disk
    n1: float
    h1: float
    A1: float
    F1: float
    g1_norm: float
    # thin disk
    n2: float
    h2: float
    A2: float
    F2: float
    # spiral arms
    Aa: float
    Fa: float
    arm_cut: float
    arm_t0: np.ndarray
    arm_dt: np.ndarray
    arm_coef: np.ndarray  # (narm, nseg, 4): r = c0 u^3 + c1 u^2 + c2 u + c3, u = t - t_k
    arm_ne: np.ndarray
    arm_w: np.ndarray
    arm_h: np.ndarray
    arm_tc93: np.ndarray
    arm_taper: np.ndarray  # (narm, 5): active, start_deg, span_deg, floor, power
    arm_grid_box: float
    arm_grid_step: float
    arm_grid_t: np.ndarray  # (n, n, narm)
    arm_grid_d: np.ndarray  # (n, n, narm)
    # Galactic centre
    gc: np.ndarray  # xgc, ygc, zgc, rgc, hgc, negc0, Fgc0
    # local ISM
    ldr: np.ndarray  # x, y, z, ap, bp, cp, dp, ne, F
    lsb: np.ndarray
    lhb: np.ndarray  # x, y, z, a, b, c, tan(theta), ne, F
    loop_i: np.ndarray  # x, y, z, r_inner, r_outer, ne, dne, F, dF
    # clumps
    clump_xyz: np.ndarray  # (n, 3)
    clump_rc: np.ndarray
    clump_ne: np.ndarray
    clump_F: np.ndarray
    clump_edge: np.ndarray
    clump_reach: np.ndarray
    clump_grid: np.ndarray  # origin x, y, z, cell size, nx, ny, nz
    clump_start: np.ndarray
    clump_items: np.ndarray
    # voids
    void_xyz: np.ndarray
    void_rot: np.ndarray  # (n, 3, 3) rows of the rotation into the void frame
    void_axes: np.ndarray  # (n, 3)
    void_ne: np.ndarray
    void_F: np.ndarray
    void_edge: np.ndarray
    void_qmax: np.ndarray
    void_reach: np.ndarray
    void_grid: np.ndarray
    void_start: np.ndarray
    void_items: np.ndarray


def sky_to_galactocentric(
    l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray, r_sun: float
) -> np.ndarray:
    """(n, 3) Galactocentric x, y, z (kpc) of objects at (l, b, distance from the Sun)."""
    l_rad = np.deg2rad(l_deg)
    b_rad = np.deg2rad(b_deg)
    in_plane = dist * np.cos(b_rad)
    return np.column_stack(
        [in_plane * np.sin(l_rad), r_sun - in_plane * np.cos(l_rad), dist * np.sin(b_rad)]
    )


def arm_centrelines(p: ModelParameters) -> tuple[np.ndarray, np.ndarray]:
    """Sampled arm centrelines (theta, r), shape (narm, ARM_SAMPLES), sculpted as in NE2001."""
    frac = np.linspace(0.0, 1.0, ARM_SAMPLES)
    offset = frac[None, :] * p.arm_extent[:, None]
    theta = p.arm_thmin[:, None] + offset
    radius = p.arm_rmin[:, None] * np.exp(offset / p.arm_a[:, None])
    theta_deg = np.rad2deg(theta)
    for rule in p.arm_sculpt:
        j = int(rule["arm_index"])
        sel = (theta_deg[j] > rule["from_deg"]) & (theta_deg[j] <= rule["to_deg"])
        phase = np.deg2rad((theta_deg[j, sel] - rule["centre_deg"]) * 180.0 / rule["width_deg"])
        radius[j, sel] *= 1.0 + rule["amplitude"] * np.cos(phase)
    return theta, radius


def _arm_tables(p: ModelParameters) -> dict:
    theta, radius = arm_centrelines(p)
    narm = theta.shape[0]
    coef = np.empty((narm, ARM_SAMPLES - 1, 4))
    for j in range(narm):
        spline = CubicSpline(theta[j], radius[j])  # not-a-knot, as the model defines it
        coef[j] = spline.c.T
    tc = p.arm_tc93
    taper = np.zeros((narm, 5))
    for rule in p.arm_taper:
        (j,) = np.flatnonzero(tc == int(rule["tc93"]))
        taper[j] = (1.0, rule["start_deg"], rule["span_deg"], rule["floor"], rule["power"])
    t0 = np.ascontiguousarray(theta[:, 0])
    dt = np.ascontiguousarray(theta[:, 1] - theta[:, 0])
    cut = ARM_CUTOFF_IN_WA * p.arms["wa"]
    box = float(np.ceil(radius.max() + cut + 1.0))
    grid_t, grid_d = build_arm_grid(t0, dt, np.ascontiguousarray(coef), box, ARM_GRID_STEP)
    return dict(
        Aa=p.arms["Aa"],
        Fa=p.arms["Fa"],
        arm_cut=cut,
        arm_t0=t0,
        arm_dt=dt,
        arm_coef=np.ascontiguousarray(coef),
        arm_ne=p.narm[tc - 1] * p.arms["na"],
        arm_w=p.warm[tc - 1] * p.arms["wa"],
        arm_h=p.harm[tc - 1] * p.arms["ha"],
        arm_tc93=tc.copy(),
        arm_taper=taper,
        arm_grid_box=box,
        arm_grid_step=ARM_GRID_STEP,
        arm_grid_t=grid_t,
        arm_grid_d=grid_d,
    )


def _cell_index(centres: np.ndarray, reach: np.ndarray) -> tuple[np.ndarray, ...]:
    """Uniform grid over the objects' bounding boxes; CSR lists of object ids per cell."""
    lo = (centres - reach[:, None]).min(axis=0)
    hi = (centres + reach[:, None]).max(axis=0)
    size = max(float((hi - lo).max()) / MAX_CELLS_PER_AXIS, 2.0 * float(np.median(reach)), 1e-3)
    shape = np.maximum(np.ceil((hi - lo) / size).astype(np.int64), 1)
    members: list[list[int]] = [[] for _ in range(int(np.prod(shape)))]
    first = np.floor((centres - reach[:, None] - lo) / size).astype(np.int64)
    last = np.floor((centres + reach[:, None] - lo) / size).astype(np.int64)
    first = np.clip(first, 0, shape - 1)
    last = np.clip(last, 0, shape - 1)
    for item in range(len(centres)):
        for i in range(first[item, 0], last[item, 0] + 1):
            for j in range(first[item, 1], last[item, 1] + 1):
                for k in range(first[item, 2], last[item, 2] + 1):
                    members[(i * shape[1] + j) * shape[2] + k].append(item)
    start = np.zeros(len(members) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(m) for m in members])
    items = np.array([i for m in members for i in m], dtype=np.int64)
    grid = np.array([lo[0], lo[1], lo[2], size, shape[0], shape[1], shape[2]], dtype=np.float64)
    return grid, start, items


def _clump_tables(p: ModelParameters) -> dict:
    c = p.clumps
    xyz = sky_to_galactocentric(c["l_deg"], c["b_deg"], c["dist_kpc"], p.r_sun)
    reach = np.where(c["edge"] == 0, math.sqrt(CLUMP_EDGE0_ARG), 1.0) * c["radius_kpc"]
    grid, start, items = _cell_index(xyz, reach)
    return dict(
        clump_xyz=np.ascontiguousarray(xyz),
        clump_rc=c["radius_kpc"].copy(),
        clump_ne=c["ne_cm3"].copy(),
        clump_F=c["F"].copy(),
        clump_edge=c["edge"].copy(),
        clump_reach=reach,
        clump_grid=grid,
        clump_start=start,
        clump_items=items,
    )


def _void_tables(p: ModelParameters) -> dict:
    v = p.voids
    xyz = sky_to_galactocentric(v["l_deg"], v["b_deg"], v["dist_kpc"], p.r_sun)
    s1, c1 = np.sin(np.deg2rad(v["theta_y_deg"])), np.cos(np.deg2rad(v["theta_y_deg"]))
    s2, c2 = np.sin(np.deg2rad(v["theta_z_deg"])), np.cos(np.deg2rad(v["theta_z_deg"]))
    zero = np.zeros_like(s1)
    # rotation about y by theta_y, then about z by theta_z (rows: the void's a, b, c axes)
    rot = np.stack(
        [
            np.stack([c1 * c2, s2, s1 * c2], axis=-1),
            np.stack([-c1 * s2, c2, -s1 * s2], axis=-1),
            np.stack([-s1, zero, c1], axis=-1),
        ],
        axis=1,
    )
    axes = np.column_stack([v["a_kpc"], v["b_kpc"], v["c_kpc"]])
    qmax = np.where(v["edge"] == 0, VOID_EDGE0_Q, 1.0)
    reach = np.sqrt(qmax) * axes.max(axis=1)
    grid, start, items = _cell_index(xyz, reach)
    return dict(
        void_xyz=np.ascontiguousarray(xyz),
        void_rot=np.ascontiguousarray(rot),
        void_axes=np.ascontiguousarray(axes),
        void_ne=v["ne_cm3"].copy(),
        void_F=v["F"].copy(),
        void_edge=v["edge"].copy(),
        void_qmax=qmax,
        void_reach=reach,
        void_grid=grid,
        void_start=start,
        void_items=items,
    )


def _ellipsoid_row(e) -> np.ndarray:
    """Quadratic-form coefficients of a local-ISM ellipsoid rotated by theta in the plane."""
    s, c = math.sin(math.radians(e.theta_deg)), math.cos(math.radians(e.theta_deg))
    ap = (c / e.a) ** 2 + (s / e.b) ** 2
    bp = (s / e.a) ** 2 + (c / e.b) ** 2
    cp = 1.0 / e.c**2
    dp = 2.0 * c * s * (1.0 / e.a**2 - 1.0 / e.b**2)
    return np.array([e.x, e.y, e.z, ap, bp, cp, dp, e.ne, e.F])


def build_tables(p: ModelParameters) -> KernelTables:
    """Build the kernel tables of one model (about 0.1 s)."""
    thick, thin, gc, lhb, loop = p.thick, p.thin, p.gc, p.lhb, p.loop_i
    return KernelTables(
        r_sun=p.r_sun,
        max_distance=p.max_distance,
        n1=thick["n1h1"] / thick["h1"],
        h1=thick["h1"],
        A1=thick["A1"],
        F1=thick["F1"],
        g1_norm=1.0 / math.cos(0.5 * math.pi * p.r_sun / thick["A1"]),
        n2=thin["n2"],
        h2=thin["h2"],
        A2=thin["A2"],
        F2=thin["F2"],
        gc=np.array([gc[k] for k in ("xgc", "ygc", "zgc", "rgc", "hgc", "negc0", "Fgc0")]),
        ldr=_ellipsoid_row(p.ldr),
        lsb=_ellipsoid_row(p.lsb),
        lhb=np.array(
            [lhb.x, lhb.y, lhb.z, lhb.a, lhb.b, lhb.c, math.tan(math.radians(lhb.theta_deg)),
             lhb.ne, lhb.F]
        ),
        loop_i=np.array(
            [loop.x, loop.y, loop.z, loop.r, loop.r + loop.dr, loop.ne, loop.dne, loop.F, loop.dF]
        ),
        **_arm_tables(p),
        **_clump_tables(p),
        **_void_tables(p),
    )
