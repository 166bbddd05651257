"""YMW16's adversarial accuracy: sightlines grazing its sharp features, against a reference
integral of its point density (run as ``python tools/adversarial_accuracy.py --model ymw16``).

The reference uses none of the line-of-sight code (no cuts, zones, panels, switch or kink
search): only YMW16's n_e at a point
(:func:`mwprop_batch.families.ymw16.kernels.density.galaxy`, every
component evaluated, inside R_g = 35 kpc; beyond it, in Magellanic Cloud mode,
:func:`~mwprop_batch.families.ymw16.kernels.density.magellanic`), integrated by an adaptive rule:

* the path starts as pieces of at most 1 pc within 2 kpc of the Sun (the local features'
  shells are 15 pc and more wide, the places where one briefly beats the disks a few pc)
  and 10 pc beyond;
* at each piece end a signature records every branch the density takes there: which
  components are non-zero (each arm apart), which governs, the Fermi bubbles, the Local
  Bubble's radius and lobe 1's viewing-angle test, the arms' start azimuths and end, the
  Carina switch, the warp's start, which of the thin disk and the arms is larger, the Gum
  Nebula's equatorial plane, the Galaxy's edge and each Cloud;
* a piece whose ends share a signature is integrated by 10-point Gauss-Legendre, halved
  until the rule on it and on its halves agree to 1e-12 of the larger of its integral and
  the sightline's mean n_e times its length; |whole - halves| is its error estimate;
* any other piece is cut in 16, down to 1e-12 of the sightline's length, where a trapezoid
  is taken; half its length times the jump across it is its error bound.

The sum of the pieces' estimates is returned with the DM. A stretch thinner than the first
pieces whose ends share a signature (the density enters and leaves a branch between them)
is not seen; every sharp feature of YMW16 is wider than that along a sightline, but for
grazes of its surfaces, where it adds less than its width times its jump.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numba as nb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adversarial_accuracy import _graze_sphere, _to_sky, with_poles_and_sky  # noqa: E402

from mwprop_batch import Model  # noqa: E402
from mwprop_batch.core.parallel import run_parallel_kernel  # noqa: E402
from mwprop_batch.families.ymw16.kernels import combination  # noqa: E402
from mwprop_batch.families.ymw16.kernels import density as K  # noqa: E402

GL_N, GL_W = np.polynomial.legendre.leggauss(10)
NEAR = 2000.0  # pc: within this of the Sun the first pieces are START_NEAR long
START_NEAR = 1.0  # pc
START_FAR = 10.0  # pc
SMALLEST_PIECE = 1e-12  # of the sightline's length: below it a piece is a trapezoid
SPLIT = 16  # a piece whose ends differ in signature is cut into this many
REL_TOL = 1e-12  # a smooth piece is done when Gauss-Legendre on it and on its halves agree
STACK = 200  # depth of a smooth piece's halving stack


@nb.njit(cache=True)
def point_state(s, ux, uy, uz, l_deg, mc, frame, P, arms):
    """(n_e, signature) s pc along the sightline (unit vector u, longitude l_deg, MC mode
    and its LMC-frame direction ``frame``)."""
    x, y, z = s * ux, P[K.R_SUN] + s * uy, P[K.Z_SUN] + s * uz
    if x * x + y * y + z * z > P[K.GAL_RADIUS] ** 2:
        if not mc:
            return 0.0, np.int64(1) << 40
        lx = s * frame[0]
        ly = s * frame[1] - P[K.LMC_D] * P[K.LMC_SIN_I]
        lz = s * frame[2] + P[K.LMC_D] * P[K.LMC_COS_I]
        cut = P[K.CUT]
        lmc = lx * lx + ly * ly <= (cut * P[K.LMC_A]) ** 2 and abs(lz) <= cut * P[K.LMC_H]
        d30 = ((lx - P[K.D30_X]) ** 2 + (ly - P[K.D30_Y]) ** 2 + (lz - P[K.D30_Z]) ** 2
               <= (cut * P[K.D30_A]) ** 2)
        smc = ((x - P[K.SMC_X]) ** 2 + (y - P[K.SMC_Y]) ** 2 + (z - P[K.SMC_Z]) ** 2
               <= (cut * P[K.SMC_A]) ** 2)
        sig = (np.int64(1) << 41) | (1 if lmc else 0) | (2 if d30 else 0) | (4 if smc else 0)
        return K.magellanic(s, frame, x, y, z, P), sig
    ne, thick, thin, spiral, gc, gum, lb, li, region, fermi, axis = combination.galaxy(
        x, y, z, l_deg, K.ALL_LOCAL, P, arms)
    r = math.sqrt(x * x + y * y)
    theta = math.atan2(y, x)
    if theta < 0.0:
        theta += K.TWO_PI
    bits = (thick > 0.0, thin > 0.0, spiral > 0.0, gc > 0.0, gum > 0.0, lb > 0.0, li > 0.0,
            fermi, axis <= P[K.R_LB], thin > spiral, r >= P[K.R_WARP], r < P[K.BD],
            z >= P[K.ZGN], K.lb_lobe1_hidden(x, y, z, P), theta >= P[K.AZIMUTH_END],
            theta >= P[K.LOCAL_ARM_END],
            r > P[K.CARINA_R] and math.degrees(theta) > P[K.THETACN])
    sig = np.int64(region) << 32
    for k in range(len(bits)):
        if bits[k]:
            sig |= np.int64(1) << k
    zw = abs(K.warped_z(z, r, theta, P))
    for a in range(arms.shape[0]):  # each arm: its windings, and within its cut-off
        if theta >= arms[a, K.ARM_THMIN]:
            sig |= np.int64(1) << (20 + a)
        if K.arm_radial_offset(r, theta, a, arms) <= P[K.CUT] * arms[a, K.ARM_W]:
            sig |= np.int64(1) << (26 + a)
    if zw >= P[K.ARM_Z_MAX]:
        sig |= np.int64(1) << 31
    return ne, sig


@nb.njit(cache=True)
def _gl(a, b, ux, uy, uz, l_deg, mc, frame, P, arms):
    half, mid = 0.5 * (b - a), 0.5 * (a + b)
    total = 0.0
    for k in range(GL_N.shape[0]):
        total += GL_W[k] * point_state(mid + half * GL_N[k], ux, uy, uz, l_deg, mc, frame, P,
                                       arms)[0]
    return half * total


@nb.njit(cache=True)
def _smooth_integral(a, b, ux, uy, uz, l_deg, mc, frame, P, arms, mean_ne, smallest):
    """Integral of n_e over a piece whose ends share a signature, and its error estimate."""
    stack_a = np.empty(STACK)
    stack_b = np.empty(STACK)
    stack_a[0], stack_b[0] = a, b
    top = 1
    total = error = 0.0
    while top > 0:
        top -= 1
        lo, hi = stack_a[top], stack_b[top]
        mid = 0.5 * (lo + hi)
        whole = _gl(lo, hi, ux, uy, uz, l_deg, mc, frame, P, arms)
        halves = (_gl(lo, mid, ux, uy, uz, l_deg, mc, frame, P, arms)
                  + _gl(mid, hi, ux, uy, uz, l_deg, mc, frame, P, arms))
        tol = REL_TOL * max(abs(halves), mean_ne * (hi - lo))
        if abs(whole - halves) <= tol or hi - lo < smallest or top > STACK - 3:
            total += halves
            error += abs(whole - halves)
        else:
            stack_a[top], stack_b[top] = lo, mid
            stack_a[top + 1], stack_b[top + 1] = mid, hi
            top += 2
    return total, error


@nb.njit(cache=True, nogil=True)
def reference_dm(l_deg, b_deg, dist, P, arms):
    """DM (pc cm^-3) from the Sun to ``dist`` pc by the adaptive rule (module doc), and the
    sum of its pieces' error estimates (pc cm^-3)."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    cb, sb = math.cos(br), math.sin(br)
    ux, uy, uz = cb * math.sin(lr), -cb * math.cos(lr), sb
    mc = K.in_mc_region(l_deg, b_deg, P)
    frame = K.lmc_frame(sb, cb, lr, P)
    smallest = SMALLEST_PIECE * dist
    near = min(dist, NEAR)
    n_near = max(1, int(math.ceil(near / START_NEAR)))
    n_far = int(math.ceil((dist - near) / START_FAR))
    n0 = n_near + n_far
    cap = n0 + 64 * SPLIT
    st_a, st_b = np.empty(cap), np.empty(cap)
    st_na, st_nb = np.empty(cap), np.empty(cap)
    st_sa, st_sb = np.empty(cap, np.int64), np.empty(cap, np.int64)
    prev_ne, prev_sig = point_state(0.0, ux, uy, uz, l_deg, mc, frame, P, arms)
    prev_s = 0.0
    top = 0
    rough = 0.0
    for k in range(1, n0 + 1):  # pushed far to near: the near pieces are taken first
        s = near * k / n_near if k <= n_near else near + (dist - near) * (k - n_near) / n_far
        ne, sig = point_state(s, ux, uy, uz, l_deg, mc, frame, P, arms)
        st_a[top], st_b[top], st_na[top], st_nb[top] = prev_s, s, prev_ne, ne
        st_sa[top], st_sb[top] = prev_sig, sig
        rough += 0.5 * (s - prev_s) * (prev_ne + ne)
        top += 1
        prev_s, prev_ne, prev_sig = s, ne, sig
    mean_ne = rough / dist
    total = error = 0.0
    while top > 0:
        top -= 1
        a, b = st_a[top], st_b[top]
        length = b - a
        if st_sa[top] == st_sb[top]:
            part, err = _smooth_integral(a, b, ux, uy, uz, l_deg, mc, frame, P, arms, mean_ne,
                                         smallest)
            total += part
            error += err
            continue
        if length < smallest:
            total += 0.5 * length * (st_na[top] + st_nb[top])
            error += 0.5 * length * abs(st_na[top] - st_nb[top])
            continue
        if top + SPLIT > cap:  # grow the stack
            st_a = np.concatenate((st_a, np.empty(cap)))
            st_b = np.concatenate((st_b, np.empty(cap)))
            st_na = np.concatenate((st_na, np.empty(cap)))
            st_nb = np.concatenate((st_nb, np.empty(cap)))
            st_sa = np.concatenate((st_sa, np.empty(cap, np.int64)))
            st_sb = np.concatenate((st_sb, np.empty(cap, np.int64)))
            cap *= 2
        ne_a, sig_a = st_na[top], st_sa[top]
        ne_b, sig_b = st_nb[top], st_sb[top]
        for k in range(SPLIT):
            s0 = a + length * k / SPLIT
            if k < SPLIT - 1:
                s1 = a + length * (k + 1) / SPLIT
                ne1, sig1 = point_state(s1, ux, uy, uz, l_deg, mc, frame, P, arms)
            else:
                s1, ne1, sig1 = b, ne_b, sig_b
            st_a[top], st_b[top], st_na[top], st_nb[top] = s0, s1, ne_a, ne1
            st_sa[top], st_sb[top] = sig_a, sig1
            top += 1
            ne_a, sig_a = ne1, sig1
    return total, error


@nb.njit(cache=True, nogil=True)
def reference_batch(l_deg, b_deg, dist, P, arms):
    n = l_deg.shape[0]
    out = np.empty(n)
    error = np.empty(n)
    for i in range(n):
        out[i], error[i] = reference_dm(l_deg[i], b_deg[i], dist[i], P, arms)
    return out, error


def reference(model: Model, l_deg, b_deg, dist_kpc) -> tuple[np.ndarray, np.ndarray]:
    """Reference DM (pc cm^-3) and its error estimate (pc cm^-3), per sightline (dist in
    kpc; longitudes taken modulo 360 as the models take them)."""
    return run_parallel_kernel(
        reference_batch, np.mod(np.asarray(l_deg, float), 360.0), np.asarray(b_deg, float),
        1000.0 * np.asarray(dist_kpc, float), *model.tables)


# ---------------------------------------------------------------------------------------------
# The adversarial sightlines (kpc, Galactocentric in YMW16's frame: the Sun at (0, R0, z_Sun))


def _arm_edge_sightlines(rng, P, arms, n):
    """Sightlines to (and through) points at an arm's cut-off (6 widths from its centre) or
    at its start azimuth, in the plane."""
    r_sun = P[K.R_SUN] / 1000.0
    out = []
    for _ in range(n):
        a = rng.integers(arms.shape[0])
        th0, p = arms[a, K.ARM_THMIN], arms[a, K.ARM_TANP]
        if rng.uniform() < 0.5:  # at its start azimuth
            theta = th0 + rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-9, -3)
            r = arms[a, K.ARM_RMIN] + rng.uniform(-2.0, 2.0) * arms[a, K.ARM_W]
        else:  # at its cut-off, across the arm
            theta = th0 + rng.uniform(0.0, 1.5)
            r = (arms[a, K.ARM_RMIN] * np.exp((theta - th0) * p)
                 + rng.choice([-1.0, 1.0]) * P[K.CUT] * arms[a, K.ARM_W]
                 * (1.0 + rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-9, -2)))
        r /= 1000.0
        l_deg, b_deg, d = _to_sky(r * np.cos(theta), r * np.sin(theta), 0.0, r_sun)
        b_deg = b_deg + rng.normal(0, 0.5)
        d = d * (1.0 if rng.uniform() < 0.5 else 10 ** rng.uniform(-0.2, 0.3))
        out.append((l_deg, b_deg, max(d, 1e-6)))
    return np.array(out)


def sightlines(model: Model, n: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded adversarial sightlines per category: name -> (k, 3) array of l, b, distance
    (kpc)."""
    rng = np.random.default_rng(seed)
    P, arms = model.tables
    kpc = P / 1000.0  # (lengths only are read from it)
    r_sun = kpc[K.R_SUN]
    share = max(1, n // 10)
    cats: dict[str, np.ndarray] = {}
    cats["arm edges and starts"] = _arm_edge_sightlines(rng, P, arms, share)
    gum_centre = (kpc[K.XGN], kpc[K.YGN], kpc[K.ZGN])
    cats["Gum Nebula shell"] = np.vstack([
        _graze_sphere(rng, gum_centre, rng.uniform(kpc[K.AGN], P[K.KGN] * kpc[K.AGN])
                      + width * kpc[K.WGN], 1, r_sun, 1e-3)
        for width in rng.choice([-6.0, 0.0, 6.0], share)])
    li_centre = (kpc[K.XLI], kpc[K.YLI], kpc[K.ZLI])
    cats["Loop I shell"] = np.vstack([
        _graze_sphere(rng, li_centre, kpc[K.RLI] + width * kpc[K.WLI], 1, r_sun, 1e-6)
        for width in rng.choice([-6.0, 0.0, 6.0], share)])
    l_deg = rng.uniform(0, 360, share)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1, 1, share)))
    cats["Local Bubble"] = np.column_stack(
        [l_deg, b_deg, 10 ** rng.uniform(-6, np.log10(0.6), share)])
    cats["Galactic centre"] = _graze_sphere(
        rng, (kpc[K.XGC], kpc[K.YGC], kpc[K.ZGC]), P[K.CUT] * kpc[K.AGC], share, r_sun, 1e-3)
    cats["inner plane (thin disk and arms cross)"] = np.column_stack([
        rng.uniform(-60, 60, share) % 360.0, rng.normal(0, 1.5, share),
        rng.uniform(0.5, 20.0, share)])
    cats["Magellanic Clouds (MC mode)"] = np.column_stack([
        rng.uniform(265.0, 315.0, share), rng.uniform(-60.0, -20.0, share),
        10 ** rng.uniform(np.log10(20.0), 2.0, share)])
    return with_poles_and_sky(cats, rng, n, share)
