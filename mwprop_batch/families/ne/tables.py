"""Precomputed tables for the numba kernels, built once per :class:`~mwprop_batch.Model`.

:func:`build_tables` turns :class:`~mwprop_batch.families.ne.params.ModelParameters` into a
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
from pathlib import Path
from typing import NamedTuple

import numpy as np

from mwprop_batch.core import tablecache
from mwprop_batch.core.compile_lock import call
from mwprop_batch.core.frames import sky_to_galactocentric
from mwprop_batch.core.parallel import run_on_threads

from .kernels import layout as L
from .kernels.arms import build_arm_grid
from .params import ModelParameters

ARM_SAMPLES = 50  # centreline samples per arm before the spline (as in NE2001p)
ARM_GRID_STEP = 0.1  # kpc, spacing of the nearest-arm start table
ARM_CUTOFF_IN_WA = 3.0  # an arm contributes only within 3 wa of its centreline
CLUMP_EDGE0_ARG = 5.0  # Gaussian clumps are cut where r^2/rc^2 reaches 5
VOID_EDGE0_Q = 3.0  # Gaussian voids are cut where q reaches 3
MAX_CELLS_PER_AXIS = 48


class KernelTables(NamedTuple):
    """Everything the kernels need, as eight contiguous arrays (layout: ``kernels.layout``)."""

    P: np.ndarray  # float64 scalars and small groups
    arm_par: np.ndarray  # (narm, ARM_NPAR)
    arm_coef: np.ndarray  # (narm, nseg, 4): r = c0 u^3 + c1 u^2 + c2 u + c3, u = t - t_k
    arm_grid: np.ndarray  # (n, n, narm, 2): nearest centreline parameter, distance
    clump_par: np.ndarray  # (nclump, CL_NPAR)
    clump_cells: np.ndarray  # int64: ncell + 1 offsets into itself, then clump ids
    void_par: np.ndarray  # (nvoid, VO_NPAR)
    void_cells: np.ndarray  # int64, as clump_cells


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


def _arm_tables(p: ModelParameters, P: np.ndarray) -> tuple[np.ndarray, ...]:
    from scipy.interpolate import CubicSpline  # SciPy only when tables are built

    theta, radius = arm_centrelines(p)
    narm = theta.shape[0]
    coef = np.empty((narm, ARM_SAMPLES - 1, 4))
    for j in range(narm):
        coef[j] = CubicSpline(theta[j], radius[j]).c.T  # not-a-knot, as the model defines it
    tc = p.arm_tc93
    par = np.zeros((narm, L.ARM_NPAR))
    par[:, L.ARM_T0] = theta[:, 0]
    par[:, L.ARM_DT] = theta[:, 1] - theta[:, 0]
    par[:, L.ARM_NE] = p.narm[tc - 1] * p.arms["na"]
    par[:, L.ARM_W] = p.warm[tc - 1] * p.arms["wa"]
    par[:, L.ARM_H] = p.harm[tc - 1] * p.arms["ha"]
    par[:, L.ARM_TC93] = tc
    for rule in p.arm_taper:
        (j,) = np.flatnonzero(tc == int(rule["tc93"]))
        par[j, L.ARM_TAPER : L.ARM_TAPER_POWER + 1] = (
            1.0, rule["start_deg"], rule["span_deg"], rule["floor"], rule["power"]
        )
    cut = ARM_CUTOFF_IN_WA * p.arms["wa"]
    box = float(np.ceil(radius.max() + cut + 1.0))
    P[L.P_AA] = p.arms["Aa"]
    P[L.P_FA] = p.arms["Fa"]
    P[L.P_ARMCUT] = cut
    P[L.P_HZMIN] = min(p.thin["h2"], par[:, L.ARM_H].min())
    P[L.P_GRIDBOX] = box
    P[L.P_GRIDSTEP] = ARM_GRID_STEP
    coef = np.ascontiguousarray(coef)
    grid = np.concatenate(
        run_on_threads(
            lambda a: call(build_arm_grid, par[a : a + 1], coef[a : a + 1], box, ARM_GRID_STEP),
            narm,
        ),
        axis=2,
    )
    return par, coef, grid


def _cell_index(centres: np.ndarray, reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform grid over the objects' reach: (grid description, offsets-then-ids array)."""
    lo = (centres - reach[:, None]).min(axis=0)
    hi = (centres + reach[:, None]).max(axis=0)
    size = max(float((hi - lo).max()) / MAX_CELLS_PER_AXIS, 2.0 * float(np.median(reach)), 1e-3)
    shape = np.maximum(np.ceil((hi - lo) / size).astype(np.int64), 1)
    members: list[list[int]] = [[] for _ in range(int(np.prod(shape)))]
    first = np.clip(np.floor((centres - reach[:, None] - lo) / size).astype(np.int64), 0, shape - 1)
    last = np.clip(np.floor((centres + reach[:, None] - lo) / size).astype(np.int64), 0, shape - 1)
    for item in range(len(centres)):
        for i in range(first[item, 0], last[item, 0] + 1):
            for j in range(first[item, 1], last[item, 1] + 1):
                for k in range(first[item, 2], last[item, 2] + 1):
                    members[(i * shape[1] + j) * shape[2] + k].append(item)
    ncell = len(members)
    offsets = ncell + 1 + np.concatenate([[0], np.cumsum([len(m) for m in members])])
    cells = np.concatenate([offsets, [i for m in members for i in m]]).astype(np.int64)
    grid = np.array([lo[0], lo[1], lo[2], size, shape[0], shape[1], shape[2]], dtype=np.float64)
    return grid, cells


def _clump_tables(p: ModelParameters, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = p.clumps
    xyz = sky_to_galactocentric(c["l_deg"], c["b_deg"], c["dist_kpc"], p.r_sun)
    reach = np.where(c["edge"] == 0, math.sqrt(CLUMP_EDGE0_ARG), 1.0) * c["radius_kpc"]
    par = np.empty((len(reach), L.CL_NPAR))
    par[:, [L.CL_X, L.CL_Y, L.CL_Z]] = xyz
    par[:, L.CL_RC], par[:, L.CL_NE], par[:, L.CL_F] = c["radius_kpc"], c["ne_cm3"], c["F"]
    par[:, L.CL_EDGE], par[:, L.CL_REACH] = c["edge"], reach
    grid, cells = _cell_index(xyz, reach)
    P[L.P_CLUMP_GRID : L.P_CLUMP_GRID + 7] = grid
    return np.ascontiguousarray(par), cells


def _void_tables(p: ModelParameters, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = p.voids
    xyz = sky_to_galactocentric(v["l_deg"], v["b_deg"], v["dist_kpc"], p.r_sun)
    s1, c1 = np.sin(np.deg2rad(v["theta_y_deg"])), np.cos(np.deg2rad(v["theta_y_deg"]))
    s2, c2 = np.sin(np.deg2rad(v["theta_z_deg"])), np.cos(np.deg2rad(v["theta_z_deg"]))
    zero = np.zeros_like(s1)
    # rotation about y by theta_y, then about z by theta_z; rows are the void's a, b, c axes
    rot = np.column_stack(
        [c1 * c2, s2, s1 * c2, -c1 * s2, c2, -s1 * s2, -s1, zero, c1]
    )
    axes = np.column_stack([v["a_kpc"], v["b_kpc"], v["c_kpc"]])
    qmax = np.where(v["edge"] == 0, VOID_EDGE0_Q, 1.0)
    reach = np.sqrt(qmax) * axes.max(axis=1)
    par = np.empty((len(reach), L.VO_NPAR))
    par[:, [L.VO_X, L.VO_Y, L.VO_Z]] = xyz
    par[:, L.VO_ROT : L.VO_ROT + 9] = rot
    par[:, L.VO_AXES : L.VO_AXES + 3] = axes
    par[:, L.VO_NE], par[:, L.VO_F], par[:, L.VO_EDGE] = v["ne_cm3"], v["F"], v["edge"]
    par[:, L.VO_QMAX], par[:, L.VO_REACH] = qmax, reach
    grid, cells = _cell_index(xyz, reach)
    P[L.P_VOID_GRID : L.P_VOID_GRID + 7] = grid
    return np.ascontiguousarray(par), cells


def _ellipsoid_form(e) -> list[float]:
    """Centre, quadratic-form coefficients, n_e and F of a local-ISM ellipsoid."""
    s, c = math.sin(math.radians(e.theta_deg)), math.cos(math.radians(e.theta_deg))
    ap = (c / e.a) ** 2 + (s / e.b) ** 2
    bp = (s / e.a) ** 2 + (c / e.b) ** 2
    cp = 1.0 / e.c**2
    dp = 2.0 * c * s * (1.0 / e.a**2 - 1.0 / e.b**2)
    return [e.x, e.y, e.z, ap, bp, cp, dp, e.ne, e.F]


def build_tables(p: ModelParameters) -> KernelTables:
    """Build the kernel tables of one model (about 0.2 s)."""
    thick, thin, gc, lhb, loop = p.thick, p.thin, p.gc, p.lhb, p.loop_i
    P = np.zeros(L.P_SIZE)
    P[L.P_RSUN] = p.r_sun
    P[L.P_MAXDIST] = p.max_distance
    P[L.P_N1] = thick["n1h1"] / thick["h1"]
    P[L.P_H1] = thick["h1"]
    P[L.P_A1] = thick["A1"]
    P[L.P_F1] = thick["F1"]
    P[L.P_G1NORM] = 1.0 / math.cos(0.5 * math.pi * p.r_sun / thick["A1"])
    P[L.P_N2] = thin["n2"]
    P[L.P_H2] = thin["h2"]
    P[L.P_A2] = thin["A2"]
    P[L.P_F2] = thin["F2"]
    P[L.P_GC : L.P_GC + 7] = [gc[k] for k in ("xgc", "ygc", "zgc", "rgc", "hgc", "negc0", "Fgc0")]
    P[L.P_LDR : L.P_LDR + 9] = _ellipsoid_form(p.ldr)
    P[L.P_LSB : L.P_LSB + 9] = _ellipsoid_form(p.lsb)
    P[L.P_LHB : L.P_LHB + 9] = [
        lhb.x, lhb.y, lhb.z, lhb.a, lhb.b, lhb.c, math.tan(math.radians(lhb.theta_deg)),
        lhb.ne, lhb.F,
    ]
    P[L.P_LOOP : L.P_LOOP + 9] = [
        loop.x, loop.y, loop.z, loop.r, loop.r + loop.dr, loop.ne, loop.dne, loop.F, loop.dF
    ]
    arm_par, arm_coef, arm_grid = _arm_tables(p, P)
    clump_par, clump_cells = _clump_tables(p, P)
    void_par, void_cells = _void_tables(p, P)
    return KernelTables(P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                        void_cells)


FAMILY_DIR = Path(__file__).parent
# the modules whose code decides the tables' values (they key the table cache)
TABLE_SOURCES = (
    FAMILY_DIR / "tables.py", FAMILY_DIR / "params.py", FAMILY_DIR / "kernels" / "arms.py",
    FAMILY_DIR / "kernels" / "layout.py", FAMILY_DIR.parent.parent / "core" / "parallel.py",
    FAMILY_DIR.parent.parent / "core" / "frames.py",
)


def table_key(p: ModelParameters) -> str:
    """The table cache's key of model ``p``'s tables
    (:func:`mwprop_batch.core.tablecache.table_key`)."""
    return tablecache.table_key(p, TABLE_SOURCES)


def load_tables(p: ModelParameters) -> KernelTables:
    """Model ``p``'s tables from the table cache, or built (and stored) when not there."""
    return tablecache.load_or_build(p.name, p, lambda: build_tables(p), KernelTables,
                                    TABLE_SOURCES)
