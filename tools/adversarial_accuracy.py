"""Adversarial accuracy: DM along sightlines chosen to graze what the model has sharp.

    python tools/adversarial_accuracy.py [--n 10000] [--seed 1] [--model ne2025]

Sightlines graze arm-reach edges, clump and void surfaces, the local hot bubble and Loop I
shells, the Galactic-centre ellipsoid, run to |b| = 90 deg and l = 0/360, and end anywhere
from 1e-6 to 50 kpc. Each ``Model.dist_to_dm`` DM is compared with a reference integral of
the same point density (the kernels' per-point functions, none of the line-of-sight code),
made converged by a certified adaptive rule:

* every sharp surface of the model (arm reaches, clump and void reaches, Galactic centre,
  LDR/LSB ellipsoids, Loop I spheres and plane, the disks' radial edges and kinks) has a
  1-Lipschitz lower bound on the distance to it, ``proximity``; a piece [a, b] whose end
  points have the same region signature and proximity(a) + proximity(b) > b - a provably
  crosses no surface, and is integrated with 10-point Gauss-Legendre;
* any other piece is split in 16 (down to 1e-13 kpc, where what is left is negligible);
  the path starts as pieces of at most 1e-3 kpc (1e6 samples per kpc wherever a surface
  is within reach of a piece, by the splitting);
* the local hot bubble (a tapered shape without a simple distance bound) is located by
  sampling its membership every 1e-6 kpc over its bounding box and bisecting each change;
  its crossings are forced piece ends.

Prints the median, 99.9th percentile and maximum relative DM difference per category.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mwprop_batch import Model  # noqa: E402
from mwprop_batch.kernels import layout as L  # noqa: E402
from mwprop_batch.kernels.arms import arm_distance, arms_density  # noqa: E402
from mwprop_batch.kernels.density import (  # noqa: E402
    THIN_DISK_REACH,
    clumps,
    galactic_centre,
    in_lhb,
    local_ism,
    ne_dsm,
    void_q,
    voids,
)
from mwprop_batch.tables import arm_centrelines  # noqa: E402

GL_N, GL_W = np.polynomial.legendre.leggauss(10)
START_PIECE = 1e-3  # kpc
SMALLEST_PIECE = 1e-13  # kpc
SPLIT = 16
LHB_STEP = 1e-6  # kpc
LHB_BIT = 4 << 16  # the bubble's bit in a region signature


@nb.njit(cache=True)
def _cell_margin(x, y, z, P, g):
    """Distance from a point to the boundary of its cell of an object grid (inf outside the
    grid: then the distance to the grid box), and the cell's flat index (-1 outside)."""
    size = P[g + 3]
    lo = np.array([P[g], P[g + 1], P[g + 2]])
    n = np.array([P[g + 4], P[g + 5], P[g + 6]])
    p = np.array([x, y, z])
    idx = np.empty(3, np.int64)
    margin = np.inf
    outside = 0.0
    for k in range(3):
        f = (p[k] - lo[k]) / size
        i = math.floor(f)
        if i < 0 or i >= n[k]:
            d = lo[k] - p[k] if i < 0 else p[k] - (lo[k] + n[k] * size)
            outside = max(outside, d)
            idx[k] = -1
        else:
            idx[k] = i
            margin = min(margin, (f - i) * size, (i + 1 - f) * size)
    if outside > 0.0:
        return outside, -1
    cell = (idx[0] * int(n[1]) + idx[1]) * int(n[2]) + idx[2]
    return margin, cell


@nb.njit(cache=True)
def point_state(x, y, z, uz_zero, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                void_par, void_cells, ldr_scale, lsb_scale):
    """(n_e, region signature, proximity to the nearest sharp surface) at one point."""
    ne = ne_dsm(x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                void_cells)[0]
    _, _, mask = arms_density(x, y, z, P, arm_par, arm_coef, arm_grid)
    _, _, bits = local_ism(x, y, z, P)
    _, _, hitc = clumps(x, y, z, P, clump_par, clump_cells)
    _, _, hitv = voids(x, y, z, P, void_par, void_cells)
    gc = galactic_centre(x, y, z, P) > 0.0
    rr = math.sqrt(x * x + y * y)
    thick = rr <= P[L.P_A1]
    thin = ((rr - P[L.P_A2]) / 1.8) ** 2 < 10.0
    sig = (mask | (bits << 16) | (hitc << 20) | (hitv << 36) | (int(gc) << 50)
           | (int(thick) << 51) | (int(thin) << 52))
    prox = np.inf
    cut = P[L.P_ARMCUT]
    for a in range(arm_par.shape[0]):  # in-plane gap: 1-Lipschitz in 3-D
        prox = min(prox, abs(min(arm_distance(x, y, a, P, arm_par, arm_coef, arm_grid,
                                              np.inf), 1e3) - cut))
    reach2 = THIN_DISK_REACH
    for radius in (P[L.P_A1], P[L.P_A2] + reach2, P[L.P_A2] - reach2, P[L.P_AA]):
        prox = min(prox, abs(rr - radius))
    margin, cell = _cell_margin(x, y, z, P, L.P_CLUMP_GRID)
    prox = min(prox, margin)
    if cell >= 0:
        for p in range(clump_cells[cell], clump_cells[cell + 1]):
            c = clump_cells[p]
            r = math.sqrt((x - clump_par[c, L.CL_X]) ** 2 + (y - clump_par[c, L.CL_Y]) ** 2
                          + (z - clump_par[c, L.CL_Z]) ** 2)
            prox = min(prox, abs(r - clump_par[c, L.CL_REACH]))
    margin, cell = _cell_margin(x, y, z, P, L.P_VOID_GRID)
    prox = min(prox, margin)
    if cell >= 0:
        for p in range(void_cells[cell], void_cells[cell + 1]):
            v = void_cells[p]
            amin = min(void_par[v, L.VO_AXES], void_par[v, L.VO_AXES + 1],
                       void_par[v, L.VO_AXES + 2])
            q = void_q(x, y, z, v, void_par)
            prox = min(prox, abs(math.sqrt(q) - math.sqrt(void_par[v, L.VO_QMAX])) * amin)
    g = L.P_GC
    qg = ((x - P[g]) ** 2 + (y - P[g + 1]) ** 2) / P[g + 3] ** 2 + ((z - P[g + 2]) / P[g + 4]) ** 2
    prox = min(prox, abs(math.sqrt(qg) - 1.0) * min(P[g + 3], P[g + 4]))
    for o, scale in ((L.P_LDR, ldr_scale), (L.P_LSB, lsb_scale)):
        dx, dy, dz = x - P[o], y - P[o + 1], z - P[o + 2]
        q = dx * dx * P[o + 3] + dy * dy * P[o + 4] + dz * dz * P[o + 5] + dx * dy * P[o + 6]
        prox = min(prox, abs(math.sqrt(max(q, 0.0)) - 1.0) / scale)
    o = L.P_LOOP
    r = math.sqrt((x - P[o]) ** 2 + (y - P[o + 1]) ** 2 + (z - P[o + 2]) ** 2)
    prox = min(prox, abs(r - P[o + 3]), abs(r - P[o + 4]))
    if not uz_zero:  # Loop I ends at z = 0 (on a b = 0 sightline z never changes)
        prox = min(prox, max(abs(z), r - P[o + 4]))
    return ne, sig, prox


@nb.njit(cache=True)
def _gl(a, b, ux, uy, uz, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
        void_cells, nodes, weights):
    half, mid = 0.5 * (b - a), 0.5 * (a + b)
    total = 0.0
    for k in range(nodes.shape[0]):
        s = mid + half * nodes[k]
        total += weights[k] * ne_dsm(s * ux, P[L.P_RSUN] + s * uy, s * uz, P, arm_par,
                                     arm_coef, arm_grid, clump_par, clump_cells, void_par,
                                     void_cells)[0]
    return half * total


@nb.njit(cache=True)
def _lhb_crossings(ux, uy, uz, end, P):
    """Where the sightline enters or leaves the bubble: membership sampled every LHB_STEP
    over the bubble's bounding box along the sightline, each change bisected."""
    h = L.P_LHB
    oy = P[L.P_RSUN]
    lo, hi = 0.0, end
    # bounding box: |x - x0| <= a, |y - y_axis(z)| <= b, |z - zc| <= c (all linear in s)
    for c0, c1, half in ((-P[h], ux, P[h + 3]), (oy - P[h + 1], uy - P[h + 6] * uz, P[h + 4]),
                         (-P[h + 2], uz, P[h + 5])):
        if c1 == 0.0:
            if abs(c0) > half:
                return np.empty(0)
            continue
        s1, s2 = (-half - c0) / c1, (half - c0) / c1
        lo, hi = max(lo, min(s1, s2)), min(hi, max(s1, s2))
    if hi <= lo:
        return np.empty(0)
    n = int(math.ceil((hi - lo) / LHB_STEP))
    out = np.empty(64)
    k_out = 0
    prev = in_lhb(lo * ux, oy + lo * uy, lo * uz, P)
    for k in range(1, n + 1):
        s = lo + (hi - lo) * k / n
        cur = in_lhb(s * ux, oy + s * uy, s * uz, P)
        if cur != prev:
            a, b = lo + (hi - lo) * (k - 1) / n, s
            for _ in range(80):
                m = 0.5 * (a + b)
                if in_lhb(m * ux, oy + m * uy, m * uz, P) == prev:
                    a = m
                else:
                    b = m
            if k_out < 64:
                out[k_out] = b
                k_out += 1
            prev = cur
    return out[:k_out]


@nb.njit(cache=True)
def reference_dm(l_deg, b_deg, dist, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                 void_par, void_cells, ldr_scale, lsb_scale, nodes, weights):
    """DM (pc cm^-3) from the Sun to ``dist`` by the certified adaptive rule (module doc),
    and the number of density evaluations it took."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    ux, uy, uz = math.cos(br) * math.sin(lr), -math.cos(br) * math.cos(lr), math.sin(br)
    oy = P[L.P_RSUN]
    uz_zero = uz == 0.0
    forced = _lhb_crossings(ux, uy, uz, dist, P)
    n0 = max(1, int(math.ceil(dist / START_PIECE)))
    ends = np.concatenate((np.linspace(0.0, dist, n0 + 1), forced))
    ends = np.unique(ends)
    # stack of pieces (a, b, ne_a, ne_b, sig_a, sig_b, prox_a, prox_b)
    cap = ends.shape[0] + 64 * SPLIT * 8
    st_a = np.empty(cap)
    st_b = np.empty(cap)
    st_sa = np.empty(cap, np.int64)
    st_sb = np.empty(cap, np.int64)
    st_pa = np.empty(cap)
    st_pb = np.empty(cap)
    st_na = np.empty(cap)
    st_nb = np.empty(cap)
    n_eval = 0
    prev_ne, prev_sig, prev_prox = point_state(0.0, oy, 0.0, uz_zero, P, arm_par, arm_coef,
                                               arm_grid, clump_par, clump_cells, void_par,
                                               void_cells, ldr_scale, lsb_scale)
    top = 0
    for k in range(1, ends.shape[0]):
        s = ends[k]
        ne, sig, prox = point_state(s * ux, oy + s * uy, s * uz, uz_zero, P, arm_par, arm_coef,
                                    arm_grid, clump_par, clump_cells, void_par, void_cells,
                                    ldr_scale, lsb_scale)
        n_eval += 1
        st_a[top], st_b[top] = ends[k - 1], s
        st_na[top], st_nb[top] = prev_ne, ne
        st_sa[top], st_sb[top] = prev_sig, sig
        st_pa[top], st_pb[top] = prev_prox, prox
        top += 1
        prev_ne, prev_sig, prev_prox = ne, sig, prox
    total = 0.0
    while top > 0:
        top -= 1
        a, b = st_a[top], st_b[top]
        length = b - a
        # signatures may differ by the bubble bit only: its crossings are piece ends
        other = (st_sa[top] ^ st_sb[top]) & ~LHB_BIT
        if other == 0 and st_pa[top] + st_pb[top] > length:
            total += _gl(a, b, ux, uy, uz, P, arm_par, arm_coef, arm_grid, clump_par,
                         clump_cells, void_par, void_cells, nodes, weights)
            n_eval += nodes.shape[0]
            continue
        if length < SMALLEST_PIECE:
            total += 0.5 * length * (st_na[top] + st_nb[top])
            continue
        if top + SPLIT > cap:  # grow the stack
            grow = cap
            st_a = np.concatenate((st_a, np.empty(grow)))
            st_b = np.concatenate((st_b, np.empty(grow)))
            st_sa = np.concatenate((st_sa, np.empty(grow, np.int64)))
            st_sb = np.concatenate((st_sb, np.empty(grow, np.int64)))
            st_pa = np.concatenate((st_pa, np.empty(grow)))
            st_pb = np.concatenate((st_pb, np.empty(grow)))
            st_na = np.concatenate((st_na, np.empty(grow)))
            st_nb = np.concatenate((st_nb, np.empty(grow)))
            cap += grow
        ne_a, sig_a, prox_a = st_na[top], st_sa[top], st_pa[top]
        ne_b, sig_b, prox_b = st_nb[top], st_sb[top], st_pb[top]
        for k in range(SPLIT):
            s0 = a + length * k / SPLIT
            s1 = a + length * (k + 1) / SPLIT if k < SPLIT - 1 else b
            if k < SPLIT - 1:
                ne1, sig1, prox1 = point_state(s1 * ux, oy + s1 * uy, s1 * uz, uz_zero, P,
                                               arm_par, arm_coef, arm_grid, clump_par,
                                               clump_cells, void_par, void_cells, ldr_scale,
                                               lsb_scale)
                n_eval += 1
            else:
                ne1, sig1, prox1 = ne_b, sig_b, prox_b
            st_a[top], st_b[top] = s0, s1
            st_na[top], st_nb[top] = ne_a, ne1
            st_sa[top], st_sb[top] = sig_a, sig1
            st_pa[top], st_pb[top] = prox_a, prox1
            top += 1
            ne_a, sig_a, prox_a = ne1, sig1, prox1
    return 1000.0 * total, n_eval


@nb.njit(cache=True, parallel=True)
def reference_batch(l_deg, b_deg, dist, P, arm_par, arm_coef, arm_grid, clump_par,
                    clump_cells, void_par, void_cells, ldr_scale, lsb_scale, nodes, weights):
    n = l_deg.shape[0]
    out = np.empty(n)
    evals = np.empty(n, np.int64)
    for i in nb.prange(n):
        out[i], evals[i] = reference_dm(l_deg[i], b_deg[i], dist[i], P, arm_par, arm_coef,
                                        arm_grid, clump_par, clump_cells, void_par,
                                        void_cells, ldr_scale, lsb_scale, nodes, weights)
    return out, evals


def _ellipsoid_scale(P: np.ndarray, o: int) -> float:
    """Lipschitz constant of sqrt(q) for a local-ISM quadratic form (its largest axis rate)."""
    m = np.array([[P[o + 3], 0.5 * P[o + 6], 0.0], [0.5 * P[o + 6], P[o + 4], 0.0],
                  [0.0, 0.0, P[o + 5]]])
    return float(np.sqrt(np.linalg.eigvalsh(m).max()))


def reference(model: Model, l_deg, b_deg, dist) -> tuple[np.ndarray, np.ndarray]:
    """Reference DM (pc cm^-3) and density evaluations used, per sightline."""
    T = model.tables
    return reference_batch(
        np.asarray(l_deg, float), np.asarray(b_deg, float), np.asarray(dist, float), *T,
        _ellipsoid_scale(T.P, L.P_LDR), _ellipsoid_scale(T.P, L.P_LSB), GL_N, GL_W,
    )


# ---------------------------------------------------------------------------------------------
# The adversarial sightlines


def _to_sky(x, y, z, r_sun):
    """(l, b, distance) of Galactocentric points seen from the Sun."""
    dx, dy, dz = x, y - r_sun, z
    d = np.sqrt(dx * dx + dy * dy + dz * dz)
    l_deg = np.degrees(np.arctan2(dx, -dy)) % 360.0
    b_deg = np.degrees(np.arcsin(np.clip(dz / np.maximum(d, 1e-300), -1, 1)))
    return l_deg, b_deg, d


def _graze_sphere(rng, centre, radius, n, r_sun, jitter):
    """Sightlines tangent to a sphere (to within ``jitter`` of its radius), ending before,
    at or after the tangent point."""
    c = np.asarray(centre, float) - np.array([0.0, r_sun, 0.0])
    dist_c = np.linalg.norm(c)
    out = []
    for _ in range(n):
        rad = radius * (1.0 + jitter * rng.standard_normal())
        if dist_c <= rad:  # the Sun inside: aim anywhere, end near the surface
            v = rng.standard_normal(3)
            v /= np.linalg.norm(v)
            bq = v @ (-c)
            cq = c @ c - rad * rad
            s_hit = -bq + np.sqrt(bq * bq - cq)
            end = s_hit * (1.0 + rng.choice([-1, 1]) * 10 ** rng.uniform(-12, -1))
        else:
            # direction at angle asin(rad / dist_c) from the centre direction
            w = c / dist_c
            perp = rng.standard_normal(3)
            perp -= (perp @ w) * w
            perp /= np.linalg.norm(perp)
            ang = np.arcsin(min(rad / dist_c, 1.0))
            v = np.cos(ang) * w + np.sin(ang) * perp
            tangent = dist_c * np.cos(ang)
            end = tangent * 10 ** rng.uniform(-0.3, 0.5)
        l_deg = np.degrees(np.arctan2(v[0], -v[1])) % 360.0
        b_deg = np.degrees(np.arcsin(np.clip(v[2], -1, 1)))
        out.append((l_deg, b_deg, max(end, 1e-6)))
    return np.array(out).reshape(-1, 3)


def _arm_edge_sightlines(rng, model, n):
    """Sightlines through, along and tangent to arm-reach edges in the plane."""
    p = model.parameters
    theta, radius = arm_centrelines(p)
    cut = model.tables.P[L.P_ARMCUT]
    r_sun = p.r_sun
    out = []
    for _ in range(n):
        a = rng.integers(theta.shape[0])
        k = rng.integers(1, theta.shape[1] - 1)
        t, r = theta[a, k], radius[a, k]
        cx, cy = -r * np.sin(t), r * np.cos(t)
        tx = -(radius[a, k + 1] * np.sin(theta[a, k + 1]) - radius[a, k - 1] * np.sin(
            theta[a, k - 1]))
        ty = radius[a, k + 1] * np.cos(theta[a, k + 1]) - radius[a, k - 1] * np.cos(
            theta[a, k - 1])
        norm = np.hypot(tx, ty)
        nx, ny = -ty / norm, tx / norm
        side = rng.choice([-1.0, 1.0])
        offset = cut * (1.0 + 10 ** rng.uniform(-9, -1) * rng.choice([-1.0, 1.0]))
        px, py = cx + side * offset * nx, cy + side * offset * ny
        kind = rng.integers(3)
        if kind == 0:  # end at the edge point
            l_deg, b_deg, d = _to_sky(px, py, 0.0, r_sun)
            b_deg = b_deg + rng.normal(0, 0.5)
        else:  # pass through the edge point, roughly along the edge (a graze) or across
            l_deg, b_deg, d = _to_sky(px, py, 0.0, r_sun)
            b_deg = rng.normal(0, 1.0)
            d = d * 10 ** rng.uniform(-0.2, 0.4)
        out.append((l_deg, b_deg, max(d, 1e-6)))
    return np.array(out)


def sightlines(model: Model, n: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded adversarial sightlines per category: name -> (k, 3) array of l, b, distance."""
    rng = np.random.default_rng(seed)
    p = model.parameters
    T = model.tables
    r_sun = p.r_sun
    share = max(1, n // 10)
    cats: dict[str, np.ndarray] = {}
    cats["arm edges"] = _arm_edge_sightlines(rng, model, 3 * share)
    cp = T.clump_par
    rows = []
    for _ in range(share):
        c = rng.integers(cp.shape[0])
        rows.append(_graze_sphere(rng, cp[c, :3], cp[c, L.CL_REACH], 1, r_sun, 1e-6)[0])
    cats["clump surfaces"] = np.array(rows)
    vp = T.void_par
    rows = []
    for _ in range(share):
        v = rng.integers(vp.shape[0])
        axes = vp[v, L.VO_AXES:L.VO_AXES + 3] * np.sqrt(vp[v, L.VO_QMAX])
        rows.append(_graze_sphere(rng, vp[v, :3], rng.choice(axes), 1, r_sun, 1e-3)[0])
    cats["void surfaces"] = np.array(rows)
    loop = p.loop_i
    cats["Loop I shells"] = np.vstack([
        _graze_sphere(rng, (loop.x, loop.y, loop.z), loop.r, share // 2, r_sun, 1e-6),
        _graze_sphere(rng, (loop.x, loop.y, loop.z), loop.r + loop.dr, share - share // 2,
                      r_sun, 1e-6),
    ])
    lhb = p.lhb
    l_deg = rng.uniform(0, 360, share)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1, 1, share)))
    cats["local hot bubble"] = np.column_stack(
        [l_deg, b_deg, 10 ** rng.uniform(-6, np.log10(3 * max(lhb.c, lhb.b)), share)])
    gc = p.gc
    cats["Galactic centre"] = _graze_sphere(rng, (gc["xgc"], gc["ygc"], gc["zgc"]), gc["rgc"],
                                            share, r_sun, 1e-3)
    k = share // 4
    cats["|b| = 90, l = 0/360"] = np.column_stack([
        np.concatenate([rng.uniform(0, 360, 2 * k), rng.choice([0.0, 360.0, 1e-12,
                                                                  360 - 1e-12], 2 * k)]),
        np.concatenate([rng.choice([90.0, -90.0], 2 * k), rng.normal(0, 5, 2 * k)]),
        10 ** rng.uniform(-6, np.log10(50), 4 * k),
    ])
    m = n - sum(len(v) for v in cats.values())
    cats["all sky, 1e-6 to 50 kpc"] = np.column_stack([
        rng.uniform(0, 360, m), np.degrees(np.arcsin(rng.uniform(-1, 1, m))),
        10 ** rng.uniform(-6, np.log10(50), m)])
    return cats


def compare(model: Model, n: int, seed: int) -> dict[str, np.ndarray]:
    """Relative DM difference |ours - reference| / reference per category."""
    result = {}
    for name, rows in sightlines(model, n, seed).items():
        ours = model.dist_to_dm(rows[:, 0], rows[:, 1], rows[:, 2])
        assert (ours["status"] == "ok").all(), ours["status"].value_counts()
        ref, _ = reference(model, rows[:, 0], rows[:, 1], rows[:, 2])
        dm = ours["DM"].to_numpy()
        result[name] = np.abs(dm - ref) / np.maximum(np.abs(ref), 1e-300)
    return result


def summary(rel: np.ndarray) -> str:
    return (f"{len(rel):6d}  median {np.median(rel):.1e}  p99.9 {np.percentile(rel, 99.9):.1e}"
            f"  max {rel.max():.1e}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default="ne2025")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rel = compare(Model(args.model), args.n, args.seed)
    print(f"{args.model}, {args.n} sightlines, seed {args.seed}: |DM / reference - 1|")
    for name, values in rel.items():
        print(f"  {name:26s} {summary(values)}")
    print(f"  {'all':26s} {summary(np.concatenate(list(rel.values())))}")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
