"""Adversarial accuracy: DM along sightlines chosen to graze what the model has sharp.

    python tools/adversarial_accuracy.py [--n 10000] [--seed 1] [--model ne2025|ne2001|ymw16]

(YMW16's sightlines and reference: tools/ymw16_adversarial.py; the rest of this text is the
NE2001 family's.)

Sightlines graze arm-reach edges, clump and void surfaces, the local hot bubble and Loop I
shells, the Galactic-centre ellipsoid, run to |b| = 90 deg and l = 0/360, and end anywhere
from 1e-6 to 50 kpc. Each ``Model.dist_to_dm`` DM is compared with a reference integral of
the same point density (the kernels' per-point functions, none of the line-of-sight code),
made converged by a certified adaptive rule:

* every sharp surface of the model but two is a quadric (the disks' and the arms' radial
  edges, clump and void reaches, the Galactic centre, the LDR/LSB ellipsoids, Loop I's
  spheres): along the sightline each is a quadratic in s, and whether a piece meets it is
  decided exactly (its end values and vertex; within a 1e-13 rounding margin it counts as
  met). The arms' reach edges have a 1-Lipschitz lower bound on the distance to them; the
  plane z = 0 (where Loop I ends) is a bit of the region signature (a straight piece crosses
  it at most once). A piece whose ends have the same signature, that meets no quadric, and
  whose two arm bounds add up to more than its length provably crosses no surface;
* such a piece is integrated by 10-point Gauss-Legendre, halved until the rule on a piece
  and on its two halves agree to 1e-12 of the larger of the piece's integral and the
  sightline's mean n_e times the piece's length (n_e >= 0: the DM's relative error is
  bounded by about twice that figure);
* any other piece is cut in 16, down to 1e-12 of the sightline's length, where a
  trapezoid is taken; the path starts as pieces of at most 0.05 kpc;
* the local hot bubble (a tapered shape without a simple distance bound) is located by
  sampling its membership every 1e-6 kpc over its bounding box and bisecting each change;
  its crossings are forced piece ends (a piece whose ends differ in it is cut like any
  other).

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
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mwprop_batch import Model  # noqa: E402
from mwprop_batch.core.parallel import run_parallel_kernel  # noqa: E402
from mwprop_batch.families.ne.kernels import layout as L  # noqa: E402
from mwprop_batch.families.ne.kernels.arms import arm_distance, arms_density  # noqa: E402
from mwprop_batch.families.ne.kernels.density import (
    THIN_DISK_REACH,
    clumps,
    galactic_centre,
    in_lhb,
    local_ism,
    ne_dsm,
    voids,
)
from mwprop_batch.families.ne.tables import arm_centrelines  # noqa: E402

GL_N, GL_W = np.polynomial.legendre.leggauss(10)
START_PIECE = 0.05  # kpc: the longest first piece
SMALLEST_PIECE = 1e-12  # of the sightline's length: below it a piece is a trapezoid
SPLIT = 16  # a piece that may hold a surface is cut into this many
REL_TOL = 1e-12  # a smooth piece is done when Gauss-Legendre on it and on its halves agree
# to this fraction of the piece's integral, or of the sightline's mean n_e times its length
# (the model's density carries ~1e-14 noise from its arm-distance solve: a piece where n_e
# is ~0 would otherwise be halved forever)
LHB_STEP = 1e-6  # kpc
Z_SIGN_BIT = 1 << 53  # z >= 0 (Loop I exists only there; a straight piece crosses z = 0 once)


@nb.njit(cache=True)
def point_state(x, y, z, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                void_cells):
    """(n_e, region signature, arm proximity) at one point.

    The signature has one bit or number per region the point is in (and the side of the
    plane z = 0); the arm proximity is a lower bound on the distance (kpc) to every arm's
    reach surface (the in-plane gap is 1-Lipschitz in 3-D).
    """
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
    if z >= 0.0:
        sig |= Z_SIGN_BIT
    prox = np.inf
    cut = P[L.P_ARMCUT]
    for a in range(arm_par.shape[0]):
        prox = min(prox, abs(min(arm_distance(x, y, a, P, arm_par, arm_coef, arm_grid,
                                              np.inf), 1e3) - cut))
    return ne, sig, prox


@nb.njit(cache=True)
def _sphere(q, k, d0, u, radius):
    """Row k of q: f(s) = |d0 + s u|^2 - radius^2 as (A, B, C) of A s^2 + B s + C."""
    q[k, 0] = u[0] * u[0] + u[1] * u[1] + u[2] * u[2]
    q[k, 1] = 2.0 * (d0[0] * u[0] + d0[1] * u[1] + d0[2] * u[2])
    q[k, 2] = d0[0] * d0[0] + d0[1] * d0[1] + d0[2] * d0[2] - radius * radius


@nb.njit(cache=True)
def sightline_quadrics(ux, uy, uz, P, clump_par, void_par):
    """Every quadric surface of the model along the sightline, as rows (A, B, C) of
    f(s) = A s^2 + B s + C (f = 0 on the surface): the disks' and the arms' radial edges
    (cylinders), every clump's and void's reach, the Galactic centre, the LDR and LSB
    ellipsoids and Loop I's two spheres."""
    oy = P[L.P_RSUN]
    u = np.array([ux, uy, uz])
    n_cl, n_vo = clump_par.shape[0], void_par.shape[0]
    q = np.empty((9 + n_cl + n_vo, 3))
    k = 0
    for radius in (P[L.P_A1], P[L.P_A2] + THIN_DISK_REACH, P[L.P_A2] - THIN_DISK_REACH,
                   P[L.P_AA]):
        q[k, 0] = ux * ux + uy * uy
        q[k, 1] = 2.0 * oy * uy
        q[k, 2] = oy * oy - radius * radius
        k += 1
    o = L.P_LOOP
    for radius in (P[L.P_LOOP_RIN], P[L.P_LOOP_ROUT]):
        _sphere(q, k, np.array([-P[o], oy - P[o + 1], -P[o + 2]]), u, radius)
        k += 1
    for c in range(n_cl):
        d0 = np.array([-clump_par[c, L.CL_X], oy - clump_par[c, L.CL_Y],
                       -clump_par[c, L.CL_Z]])
        _sphere(q, k, d0, u, clump_par[c, L.CL_REACH])
        k += 1
    g = L.P_GC
    r2, h2 = P[g + 3] ** 2, P[g + 4] ** 2
    d0 = np.array([-P[g], oy - P[g + 1], -P[g + 2]])
    q[k, 0] = (ux * ux + uy * uy) / r2 + uz * uz / h2
    q[k, 1] = 2.0 * ((d0[0] * ux + d0[1] * uy) / r2 + d0[2] * uz / h2)
    q[k, 2] = (d0[0] ** 2 + d0[1] ** 2) / r2 + d0[2] ** 2 / h2 - 1.0
    k += 1
    for o in (L.P_LDR, L.P_LSB):
        d0 = np.array([-P[o], oy - P[o + 1], -P[o + 2]])
        a_, b_, c_, d_ = P[o + 3], P[o + 4], P[o + 5], P[o + 6]
        q[k, 0] = ux * ux * a_ + uy * uy * b_ + uz * uz * c_ + ux * uy * d_
        q[k, 1] = (2.0 * (d0[0] * ux * a_ + d0[1] * uy * b_ + d0[2] * uz * c_)
                   + (d0[0] * uy + d0[1] * ux) * d_)
        q[k, 2] = (d0[0] ** 2 * a_ + d0[1] ** 2 * b_ + d0[2] ** 2 * c_ + d0[0] * d0[1] * d_
                   - 1.0)
        k += 1
    for v in range(n_vo):
        d0 = np.array([-void_par[v, L.VO_X], oy - void_par[v, L.VO_Y], -void_par[v, L.VO_Z]])
        A = B = C = 0.0
        for r in range(3):
            row = void_par[v, L.VO_ROT + 3 * r:L.VO_ROT + 3 * r + 3]
            axis = void_par[v, L.VO_AXES + r]
            w0 = (row[0] * d0[0] + row[1] * d0[1] + row[2] * d0[2]) / axis
            w1 = (row[0] * ux + row[1] * uy + row[2] * uz) / axis
            A += w1 * w1
            B += 2.0 * w0 * w1
            C += w0 * w0
        q[k, 0], q[k, 1], q[k, 2] = A, B, C - void_par[v, L.VO_QMAX]
        k += 1
    return q[:k]


@nb.njit(cache=True)
def crosses_a_quadric(q, a, b):
    """Whether [a, b] may meet any surface of ``q`` (exact, up to a rounding margin: a piece
    within ~1e-13 of touching one counts as meeting it)."""
    for k in range(q.shape[0]):
        A, B, C = q[k, 0], q[k, 1], q[k, 2]
        fa = (A * a + B) * a + C
        fb = (A * b + B) * b + C
        margin = 1e-13 * (abs(A) * b * b + abs(B) * b + abs(C))
        if fa * fb <= 0.0 or min(abs(fa), abs(fb)) <= margin:
            return True
        if A != 0.0:
            vertex = -B / (2.0 * A)
            if a < vertex < b:
                fv = (A * vertex + B) * vertex + C
                if fv * fa <= 0.0 or abs(fv) <= margin:
                    return True
    return False


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
def _smooth_integral(a, b, ux, uy, uz, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                     void_par, void_cells, nodes, weights, mean_ne, smallest):
    """Integral of n_e over a piece that crosses no surface: Gauss-Legendre, halved until a
    piece and its two halves agree (REL_TOL); and the density evaluations it took."""
    stack_a = np.empty(200)
    stack_b = np.empty(200)
    stack_a[0], stack_b[0] = a, b
    top = 1
    total = 0.0
    n_eval = 0
    while top > 0:
        top -= 1
        lo, hi = stack_a[top], stack_b[top]
        mid = 0.5 * (lo + hi)
        args = (ux, uy, uz, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par,
                void_cells, nodes, weights)
        whole = _gl(lo, hi, *args)
        halves = _gl(lo, mid, *args) + _gl(mid, hi, *args)
        n_eval += 3 * nodes.shape[0]
        tol = REL_TOL * max(abs(halves), mean_ne * (hi - lo))
        if abs(whole - halves) <= tol or hi - lo < smallest or top > 197:
            total += halves
        else:
            stack_a[top], stack_b[top] = lo, mid
            stack_a[top + 1], stack_b[top + 1] = mid, hi
            top += 2
    return total, n_eval


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
    # a surface on the box's face is found too (the membership there may round either way)
    lo, hi = max(0.0, lo - 4.0 * LHB_STEP), min(end, hi + 4.0 * LHB_STEP)
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


@nb.njit(cache=True, nogil=True)
def reference_dm(l_deg, b_deg, dist, P, arm_par, arm_coef, arm_grid, clump_par, clump_cells,
                 void_par, void_cells, nodes, weights):
    """DM (pc cm^-3) from the Sun to ``dist`` by the certified adaptive rule (module doc),
    and the number of density evaluations it took."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    ux, uy, uz = math.cos(br) * math.sin(lr), -math.cos(br) * math.cos(lr), math.sin(br)
    oy = P[L.P_RSUN]
    smallest = SMALLEST_PIECE * dist
    forced = _lhb_crossings(ux, uy, uz, dist, P)
    n0 = max(1, int(math.ceil(dist / START_PIECE)))
    ends = np.unique(np.concatenate((np.linspace(0.0, dist, n0 + 1), forced)))
    tables = (P, arm_par, arm_coef, arm_grid, clump_par, clump_cells, void_par, void_cells)
    # stack of pieces: (a, b), and (n_e, signature, proximity) at both ends
    cap = ends.shape[0] + 64 * SPLIT
    st_a = np.empty(cap)
    st_b = np.empty(cap)
    st_sa = np.empty(cap, np.int64)
    st_sb = np.empty(cap, np.int64)
    st_pa = np.empty(cap)
    st_pb = np.empty(cap)
    st_na = np.empty(cap)
    st_nb = np.empty(cap)
    n_eval = 1
    quadrics = sightline_quadrics(ux, uy, uz, P, clump_par, void_par)
    prev_ne, prev_sig, prev_prox = point_state(0.0, oy, 0.0, *tables)
    top = 0
    for k in range(1, ends.shape[0]):
        s = ends[k]
        ne, sig, prox = point_state(s * ux, oy + s * uy, s * uz, *tables)
        n_eval += 1
        st_a[top], st_b[top] = ends[k - 1], s
        st_na[top], st_nb[top] = prev_ne, ne
        st_sa[top], st_sb[top] = prev_sig, sig
        st_pa[top], st_pb[top] = prev_prox, prox
        top += 1
        prev_ne, prev_sig, prev_prox = ne, sig, prox
    # the sightline's mean n_e, roughly (trapezoids on the first pieces)
    rough = 0.0
    for k in range(top):
        rough += 0.5 * (st_b[k] - st_a[k]) * (st_na[k] + st_nb[k])
    mean_ne = rough / dist
    total = 0.0
    while top > 0:
        top -= 1
        a, b = st_a[top], st_b[top]
        length = b - a
        if (st_sa[top] == st_sb[top] and st_pa[top] + st_pb[top] > length
                and not crosses_a_quadric(quadrics, a, b)):
            part, used = _smooth_integral(a, b, ux, uy, uz, *tables, nodes, weights, mean_ne,
                                          smallest)
            total += part
            n_eval += used
            continue
        if length < smallest:
            total += 0.5 * length * (st_na[top] + st_nb[top])
            continue
        if top + SPLIT > cap:  # grow the stack
            st_a = np.concatenate((st_a, np.empty(cap)))
            st_b = np.concatenate((st_b, np.empty(cap)))
            st_sa = np.concatenate((st_sa, np.empty(cap, np.int64)))
            st_sb = np.concatenate((st_sb, np.empty(cap, np.int64)))
            st_pa = np.concatenate((st_pa, np.empty(cap)))
            st_pb = np.concatenate((st_pb, np.empty(cap)))
            st_na = np.concatenate((st_na, np.empty(cap)))
            st_nb = np.concatenate((st_nb, np.empty(cap)))
            cap *= 2
        ne_a, sig_a, prox_a = st_na[top], st_sa[top], st_pa[top]
        ne_b, sig_b, prox_b = st_nb[top], st_sb[top], st_pb[top]
        for k in range(SPLIT):
            s0 = a + length * k / SPLIT
            if k < SPLIT - 1:
                s1 = a + length * (k + 1) / SPLIT
                ne1, sig1, prox1 = point_state(s1 * ux, oy + s1 * uy, s1 * uz, *tables)
                n_eval += 1
            else:
                s1 = b
                ne1, sig1, prox1 = ne_b, sig_b, prox_b
            st_a[top], st_b[top] = s0, s1
            st_na[top], st_nb[top] = ne_a, ne1
            st_sa[top], st_sb[top] = sig_a, sig1
            st_pa[top], st_pb[top] = prox_a, prox1
            top += 1
            ne_a, sig_a, prox_a = ne1, sig1, prox1
    return 1000.0 * total, n_eval


@nb.njit(cache=True, nogil=True)
def reference_batch(l_deg, b_deg, dist, P, arm_par, arm_coef, arm_grid, clump_par,
                    clump_cells, void_par, void_cells, nodes, weights):
    n = l_deg.shape[0]
    out = np.empty(n)
    evals = np.empty(n, np.int64)
    for i in range(n):
        out[i], evals[i] = reference_dm(l_deg[i], b_deg[i], dist[i], P, arm_par, arm_coef,
                                        arm_grid, clump_par, clump_cells, void_par,
                                        void_cells, nodes, weights)
    return out, evals


def reference(model: Model, l_deg, b_deg, dist) -> tuple[np.ndarray, np.ndarray]:
    """Reference DM (pc cm^-3) and density evaluations used, per sightline."""
    T = model.tables
    return run_parallel_kernel(
        reference_batch, np.asarray(l_deg, float), np.asarray(b_deg, float),
        np.asarray(dist, float), *T, GL_N, GL_W,
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
    return with_poles_and_sky(cats, rng, n, share)


def with_poles_and_sky(cats: dict, rng, n: int, share: int) -> dict[str, np.ndarray]:
    """``cats`` with the two categories every model's set ends with: the poles and l = 0/360
    (``share`` rows), then seeded all-sky sightlines up to ``n`` rows in all."""
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


def _family(model: Model):
    """The model family's sightline maker, reference, and the name of the reference's second
    output: the density evaluations (NE2001 family), its error estimate in pc cm^-3 (YMW16,
    tools/ymw16_adversarial.py, which imports this module's sightline helpers)."""
    if model.name == "ymw16":
        import ymw16_adversarial

        return ymw16_adversarial.sightlines, ymw16_adversarial.reference, "reference_error"
    return sightlines, reference, "evaluations"


def compare(model: Model, n: int, seed: int) -> pd.DataFrame:
    """One row per sightline: category, l_deg, b_deg, dist_kpc, DM (ours), DM_reference,
    rel = |DM - DM_reference| / DM_reference, and the reference's second output (see
    :func:`_family`)."""
    make, reference_of, second = _family(model)
    parts = []
    for name, rows in make(model, n, seed).items():
        ours = model.dist_to_dm(rows[:, 0], rows[:, 1], rows[:, 2])
        assert (ours["status"] == "ok").all(), ours["status"].value_counts()
        ref, aux = reference_of(model, rows[:, 0], rows[:, 1], rows[:, 2])
        dm = ours["DM"].to_numpy()
        parts.append(pd.DataFrame({
            "category": name, "l_deg": rows[:, 0], "b_deg": rows[:, 1], "dist_kpc": rows[:, 2],
            "DM": dm, "DM_reference": ref,
            "rel": np.abs(dm - ref) / np.maximum(np.abs(ref), 1e-300), second: aux,
        }))
    return pd.concat(parts, ignore_index=True)


def summary(rel: np.ndarray) -> str:
    return (f"{len(rel):6d}  median {np.median(rel):.1e}  p99.9 {np.percentile(rel, 99.9):.1e}"
            f"  max {rel.max():.1e}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default="ne2025")
    parser.add_argument("--worst", type=int, default=5, help="list this many worst sightlines")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    table = compare(Model(args.model), args.n, args.seed)
    print(f"{args.model}, {len(table)} sightlines, seed {args.seed}: |DM / reference - 1|")
    for name, group in table.groupby("category", sort=False):
        print(f"  {name:26s} {summary(group['rel'].to_numpy())}")
    print(f"  {'all':26s} {summary(table['rel'].to_numpy())}")
    print(table.nlargest(args.worst, "rel").to_string(float_format="%.10g"))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
