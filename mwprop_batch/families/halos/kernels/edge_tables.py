"""DM to the halo's edge from tables: built once per model from the quadrature, read in O(1).

* A spherical component (about the Galactic centre) gives a DM to its edge that depends on the
  direction only through mu = cos b cos l, the cosine of the angle to the Galactic centre. It is
  tabulated on u in [0, 1] with mu = 1 - 2 u^3: the steps crowd toward mu = 1, where the
  sightline passes the profile's central cusp and DM(mu) has a (1 - mu) log(1 - mu) term.
* The YT2020 disk depends on |l| and |b|. It is tabulated on v, w in [0, 1] with |l| = pi v^2
  (crowding toward l = 0, where sightlines pass the z axis) and |b| = (pi / 2) w.
* The uniform sphere about the Sun has the same DM in every direction.

Values between nodes come from 4-point Lagrange (cubic) interpolation in each table variable
(one-sided at the table's ends). tests/test_halos.py proves the tables against scipy's adaptive
quadrature to 1e-6 relative. Angles in radians, DM in pc cm^-3. Kernels do no I/O.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .lines_of_sight import component_dm
from .profiles import EDGE, KIND_UNIFORM, KIND_YT_DISK, UNI_N

RADIAL_NODES = 2048  # intervals of the 1-D tables in u
DISK_L_NODES = 512  # intervals of the disk table in v
DISK_B_NODES = 256  # intervals of the disk table in w
PC_PER_KPC = 1000.0


@nb.njit(cache=True, parallel=True)
def build_radial(kind, p, n, nodes, weights) -> np.ndarray:
    """DM to the edge at mu = 1 - 2 u^3 for u = 0, 1/n, ..., 1 (a spherical component)."""
    out = np.empty(n + 1)
    for i in nb.prange(n + 1):
        u = i / n
        mu = max(-1.0, 1.0 - 2.0 * u * u * u)
        out[i] = component_dm(kind, p, math.acos(mu), 0.0, 0.0, 1e300, nodes, weights)
    return out


@nb.njit(cache=True, parallel=True)
def build_disk(p, nl, nb_, nodes, weights) -> np.ndarray:
    """DM to the edge at |l| = pi v^2, |b| = (pi / 2) w on the (nl + 1) x (nb_ + 1) nodes."""
    out = np.empty((nl + 1, nb_ + 1))
    for k in nb.prange((nl + 1) * (nb_ + 1)):
        i, j = k // (nb_ + 1), k % (nb_ + 1)
        v, w = i / nl, j / nb_
        # np.int64: a literal kind would compile every callee a second time
        out[i, j] = component_dm(np.int64(KIND_YT_DISK), p, math.pi * v * v, 0.5 * math.pi * w,
                                 0.0, 1e300, nodes, weights)
    return out


@nb.njit(cache=True, inline="always")
def _stencil(t: float, n: int) -> tuple[int, float, float, float, float]:
    """First node of the 4-point stencil around t (in node units) and its Lagrange weights."""
    first = min(max(int(math.floor(t)) - 1, 0), n - 3)
    x = t - first  # in [0, 3]
    w0 = -(x - 1.0) * (x - 2.0) * (x - 3.0) / 6.0
    w1 = x * (x - 2.0) * (x - 3.0) / 2.0
    w2 = -x * (x - 1.0) * (x - 3.0) / 2.0
    w3 = x * (x - 1.0) * (x - 2.0) / 6.0
    return first, w0, w1, w2, w3


@nb.njit(cache=True, inline="always")
def radial_value(table, cl: float, cb: float) -> float:
    """DM to the edge of a spherical component from its table, at cos l, cos b."""
    n = table.size - 1
    mu = min(max(cb * cl, -1.0), 1.0)
    t = n * np.cbrt(0.5 * (1.0 - mu))
    first, w0, w1, w2, w3 = _stencil(t, n)
    return (w0 * table[first] + w1 * table[first + 1] + w2 * table[first + 2]
            + w3 * table[first + 3])


@nb.njit(cache=True, inline="always")
def disk_value(table, l_abs: float, b_abs: float) -> float:
    """DM to the edge of the disk component from its table, at |l| in [0, pi], |b| in [0, pi/2]."""
    nl, nb_ = table.shape[0] - 1, table.shape[1] - 1
    fi, a0, a1, a2, a3 = _stencil(nl * math.sqrt(l_abs / math.pi), nl)
    fj, c0, c1, c2, c3 = _stencil(nb_ * b_abs / (0.5 * math.pi), nb_)
    total = 0.0
    for di in range(4):
        a = a0 if di == 0 else (a1 if di == 1 else (a2 if di == 2 else a3))
        r = fi + di
        total += a * (c0 * table[r, fj] + c1 * table[r, fj + 1] + c2 * table[r, fj + 2]
                      + c3 * table[r, fj + 3])
    return total


@nb.njit(cache=True, parallel=True)
def dm_max(kinds, packed, radial, disk, l_rad, b_rad) -> np.ndarray:
    """DM (pc cm^-3) from the Sun to the edge of every component together, per (l, b) (rad).

    ``radial[c]`` is component c's 1-D table (a row of zeros for the other kinds), ``disk`` the
    disk table (a 1 x 1 array when there is no disk). NaN in, NaN out.
    """
    out = np.empty(l_rad.size)
    for i in nb.prange(l_rad.size):
        lr, br = l_rad[i], b_rad[i]
        if not (math.isfinite(lr) and math.isfinite(br)):
            out[i] = np.nan
            continue
        cl, cb = math.cos(lr), math.cos(br)
        total = 0.0
        for c in range(kinds.size):
            kind = kinds[c]
            if kind == KIND_UNIFORM:
                total += PC_PER_KPC * packed[c, UNI_N] * packed[c, EDGE]
            elif kind == KIND_YT_DISK:
                l_abs = abs(math.atan2(math.sin(lr), cl))
                b_abs = min(abs(math.asin(max(min(math.sin(br), 1.0), -1.0))), 0.5 * math.pi)
                total += disk_value(disk, l_abs, b_abs)
            else:
                total += radial_value(radial[c], cl, cb)
        out[i] = total
    return out
