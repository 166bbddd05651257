"""A certified search for where a YMW16 local feature takes over from the disks inside a panel.

Between the points where the disks govern, over an interval, :func:`feature_ceilings` bounds
each feature from above (its profile falls with distances whose ranges are exact) and the
disks are bounded from below by their values at the interval's ends and a bound on how fast
their logarithm can change (:func:`disk_rate`). Where the ceiling stays below the floor no
feature governs; an interval not proved is halved and its midpoint evaluated, until it is
proved, shorter than SWITCH_TOL, or any take-over in it would change the DM by less than
MISS_DM. A search that runs out of evaluations is reported, and its row flagged
(:func:`first_take_over`; numba kernels, pc inside).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER

from . import density as K
from .cuts import lb_axis_line, lobe1_hidden_at, radius_range
from .panels import SWITCHING
from .switch import SWITCH_TOL, disks_at

MISS_DM = 1e-6  # pc cm^-3: an interval is left once a take-over in it could add no more
SEARCH_EVALUATIONS = 4096  # n_e evaluations one panel's take-over search may spend
STACK_DEPTH = 64  # the search's interval stack (it halves from <= 1500 pc to SWITCH_TOL)
GAUSS_SLOPE = 0.85780  # largest |d exp(-x^2) / dx|, rounded up
DEG_PER_RAD = 180.0 / math.pi
# Farthest a point of [-1, 1] lies from the nearest Gauss-Legendre node
NODE_REACH = float(max(1.0 + GL_NODES[0], 0.5 * np.diff(GL_NODES).max()))


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _lowest_scale_height(r_lo: float, r_hi: float, P) -> float:
    """Smallest H(R) (pc) for R in [r_lo, r_hi] (a quadratic in R)."""
    h = min(K.scale_height(r_lo, P), K.scale_height(r_hi, P))
    if P[K.HG_C2] > 0.0:
        vertex = -P[K.HG_C1] / (2.0 * P[K.HG_C2])
        if r_lo < vertex < r_hi:
            h = min(h, K.scale_height(vertex, P))
    return h


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _sech2_rate(q_max: float, q_rate: float) -> float:
    """Bound on |d ln sech^2(q) / ds| = 2 |tanh q| |dq/ds| where |q| <= q_max."""
    return 2.0 * min(1.0, q_max) * q_rate


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def disk_rate(r_lo: float, r_hi: float, z_max: float, u, local: int, P,
              arms) -> tuple[float, float]:
    """A bound on |d ln n_disks / ds| (per pc) where the Galactocentric radius is in
    [r_lo, r_hi] and |z| <= z_max (pc), for both disk values of :func:`_disks`, and the
    largest step (cm^-3) by which they can drop (at the Fermi bubbles' edge, none when
    J_FB = 1). Not counted: an arm's cut-off at 6 widths, where it drops by at most
    sech^2(6 cos(pitch)) ~ 3e-5 of its peak (~2e-5 cm^-3); a take-over only that drop allows
    is at most as dense. The features' own cut-offs need no step: :func:`feature_ceilings`
    bounds their values before the cut.

    Each disk component is a product of sech^2 factors (and, for Carina, Gaussian ones in
    azimuth): |d ln sech^2(q)/ds| = 2 |tanh q| |dq/ds|; |dR/ds| <= 1, |dz/ds| = |u_z|,
    |d theta/ds| <= 1/R, and the warp (beyond R_warp) adds gamma_w (1 + (R - R_warp)/R).
    A sum or a maximum of components changes no faster, in log, than its fastest part."""
    cut = P[K.CUT]
    r_in = max(r_lo, 1.0)
    beyond = max(0.0, r_hi - P[K.R_WARP])
    zw_rate = abs(u[2]) + (P[K.GAMMA_W] * (1.0 + beyond / r_in) if beyond > 0.0 else 0.0)
    zw_max = z_max + P[K.GAMMA_W] * beyond
    h_low = _lowest_scale_height(r_lo, r_hi, P)
    h_rate = (abs(P[K.HG_C1]) + 2.0 * abs(P[K.HG_C2]) * r_hi) / h_low  # |d ln H / dR|
    outer = (_sech2_rate((r_hi - P[K.BD]) / P[K.AD], 1.0 / P[K.AD]) if r_hi > P[K.BD]
             else 0.0)  # the factor g_d (1 inside B_d)
    rate = outer + _sech2_rate(zw_max / P[K.H1], zw_rate / P[K.H1])
    step = abs(1.0 - P[K.J_FB]) * P[K.N1]  # the Fermi bubbles' edge (none when J_FB = 1)
    if local & K.HAS_THIN:
        hh = P[K.K2] * h_low
        rate = max(rate, outer
                   + _sech2_rate(max(abs(r_lo - P[K.B2]), abs(r_hi - P[K.B2])) / P[K.A2],
                                 1.0 / P[K.A2])
                   + _sech2_rate(zw_max / hh, zw_rate / hh + min(cut, zw_max / hh) * h_rate))
    if local & K.HAS_ARMS:
        across = 0.0
        for a in range(arms.shape[0]):
            # |d(R - R_arm)/ds| <= 1 + tan(pitch) R_arm / R, with R_arm within cut widths of R
            w = arms[a, K.ARM_W]
            along = 1.0 + arms[a, K.ARM_TANP] * (r_hi + cut * w) / r_in
            across = max(across, 2.0 * arms[a, K.ARM_COSP] / w * along)
        if P[K.NSG] < 1.0:  # Carina's factors (1 - n_sg G) and (1 + n_cn G) in degrees
            carina = GAUSS_SLOPE * DEG_PER_RAD / r_in * (
                P[K.NSG] / (P[K.WSG] * (1.0 - P[K.NSG])) + P[K.NCN] / P[K.WCN])
        else:
            carina = np.inf
        hh = P[K.KA] * h_low
        rate = max(rate, outer + across + carina
                   + _sech2_rate(max(abs(r_lo - P[K.B2S]), abs(r_hi - P[K.B2S])) / P[K.AA],
                                 1.0 / P[K.AA])
                   + _sech2_rate(zw_max / hh, zw_rate / hh + min(cut, zw_max / hh) * h_rate))
    return rate, step


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _norm_range(a0: float, a1: float, b0: float, b1: float, c0: float, c1: float, s0: float,
                s1: float) -> tuple[float, float]:
    """Smallest and largest |(a0 + a1 s, b0 + b1 s, c0 + c1 s)| for s in [s0, s1]."""
    quad = a1 * a1 + b1 * b1 + c1 * c1
    lin = a0 * a1 + b0 * b1 + c0 * c1

    def norm(t):
        return math.sqrt((a0 + a1 * t) ** 2 + (b0 + b1 * t) ** 2 + (c0 + c1 * t) ** 2)

    n0, n1 = norm(s0), norm(s1)
    low = min(n0, n1)
    if quad > 0.0 and s0 < -lin / quad < s1:
        low = norm(-lin / quad)
    return low, max(n0, n1)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _point_range(cx: float, cy: float, cz: float, s0: float, s1: float, u,
                 P) -> tuple[float, float]:
    """Smallest and largest distance (pc) from (cx, cy, cz) to the sightline's [s0, s1]."""
    return _norm_range(-cx, u[0], P[K.R_SUN] - cy, u[1], P[K.Z_SUN] - cz, u[2], s0, s1)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def feature_ceilings(s0: float, s1: float, u, lobes, local: int, P) -> tuple[float, float]:
    """Upper bounds (cm^-3) on the Local Bubble, and on the larger of the Gum Nebula and
    Loop I, over the sightline's stretch [s0, s1] (``lobes``: the Bubble's lobes' peak n_e
    along this sightline, from :func:`search_bounds`). Each profile falls with a distance and,
    for the Bubble, with |z|: the ranges of |z|, of the distances from the Bubble's axis and
    from the Gum's and Loop I's centres are exact (norms of vectors linear in s), as is the
    range of the Gum's spheroid radius (monotone in elevation); its sine factor and Loop I's
    angle from its axis are read at the middle and widened by their rates. Lobe 1 of the
    Bubble counts where its viewing-angle test shows it at the middle (the test flips only at
    the panels' cuts)."""
    half = 0.5 * (s1 - s0)
    lb = other = 0.0
    if local & K.HAS_LB:  # the lobes' angle factors are fixed along a sightline
        a0, a1 = lb_axis_line(u, P)
        low, high = _norm_range(0.0, u[0], a0, a1, 0.0, 0.0, s0, s1)
        shell = max(0.0, low - P[K.R_LB], P[K.R_LB] - high)
        z0, z1 = P[K.Z_SUN] + s0 * u[2], P[K.Z_SUN] + s1 * u[2]
        z_low = 0.0 if z0 * z1 <= 0.0 else min(abs(z0), abs(z1))
        lb = lobes[1] * K.sech2(shell / P[K.WLB2]) * K.sech2(z_low / P[K.HLB2])
        sm = s0 + half  # lobe 1's viewing-angle test flips only at cuts (ymw16_cuts)
        if not lobe1_hidden_at(sm, u, P):
            lb += lobes[0] * K.sech2(shell / P[K.WLB1]) * K.sech2(z_low / P[K.HLB1])
    if local & K.HAS_GUM:  # R, the elevation theta and so r_p(theta) (monotone) in range
        dx0, dy0, dz0 = -P[K.XGN], P[K.R_SUN] - P[K.YGN], P[K.Z_SUN] - P[K.ZGN]
        low, high = _norm_range(dx0, u[0], dy0, u[1], dz0, u[2], s0, s1)
        if low <= P[K.GUM_REACH]:
            rho_low, rho_high = _norm_range(dx0, u[0], dy0, u[1], 0.0, 0.0, s0, s1)
            dz_a, dz_b = dz0 + s0 * u[2], dz0 + s1 * u[2]
            dz_low = 0.0 if dz_a * dz_b <= 0.0 else min(abs(dz_a), abs(dz_b))
            th_low = math.atan2(dz_low, rho_high)
            th_high = math.atan2(max(abs(dz_a), abs(dz_b)), rho_low)
            rp_a, _ = K.gum_surface(th_low, P)
            rp_b, _ = K.gum_surface(th_high, P)
            sin_mid = K.gum_surface(0.5 * (th_low + th_high), P)[1]
            sin_low = max(0.0, sin_mid - P[K.GUM_SIN_SLOPE] * 0.5 * (th_high - th_low))
            gap = max(0.0, low - max(rp_a, rp_b), min(rp_a, rp_b) - high)
            other = P[K.NGN] * math.exp(-(gap * sin_low / P[K.WGN]) ** 2)
    if local & K.HAS_LI:  # Gaussian in (r - R_LI) and in the angle from its axis
        low, high = _point_range(P[K.XLI], P[K.YLI], P[K.ZLI], s0, s1, u, P)
        shell = max(0.0, low - P[K.RLI], P[K.RLI] - high)
        angle = 0.0  # deg; it changes by at most 1/r rad per pc
        if low > 0.0:
            sm = s0 + half
            dx, dz = sm * u[0] - P[K.XLI], P[K.Z_SUN] + sm * u[2] - P[K.ZLI]
            dy = P[K.R_SUN] + sm * u[1] - P[K.YLI]
            r = math.sqrt(dx * dx + dy * dy + dz * dz)
            cos_t = min(1.0, max(-1.0, (dx * P[K.COS_LI] + dz * P[K.SIN_LI]) / r))
            angle = max(0.0, math.degrees(math.acos(cos_t) - half / low))
        other = max(other, P[K.NLI] * math.exp(-(shell / P[K.WLI]) ** 2
                                                - (angle / P[K.DETTHETALI]) ** 2))
    return lb, other


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _proved(s0: float, s1: float, d0, d1, rate: float, step: float, u, lobes, local: int,
            P) -> bool:
    """Whether no feature can govern on [s0, s1] (or, if one could, it would change the DM by
    less than MISS_DM), given the disks' two values at its ends (``d0``, ``d1``: (undimmed,
    dimmed); NaN where not known)."""
    h = s1 - s0
    lb, other = feature_ceilings(s0, s1, u, lobes, local, P)
    worst = -np.inf
    for j in range(2):
        if math.isnan(d0[j]):
            low = d1[j] * math.exp(-rate * h)
        elif math.isnan(d1[j]):
            low = d0[j] * math.exp(-rate * h)
        else:  # ln n is within rate of each end's line: its lowest is where they meet
            low = math.sqrt(d0[j] * d1[j]) * math.exp(-0.5 * rate * h)
        worst = max(worst, (lb if j == 0 else other) + step - low)
    return worst < 0.0 or worst * h < MISS_DM


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _panel_proved(a: float, b: float, disks, rate: float, step: float, u, lobes, local: int,
                  P) -> bool:
    """:func:`_proved` for the whole panel at once: every point is within half the largest
    gap between nodes of one (or within the end gap of the first or last node), so the disks
    are at least their smallest node value times exp(-rate x that distance)."""
    fall = math.exp(-rate * 0.5 * (b - a) * NODE_REACH)
    low_u, low_d = disks[0, 0], disks[0, 1]
    for k in range(1, GL_ORDER):
        low_u, low_d = min(low_u, disks[k, 0]), min(low_d, disks[k, 1])
    low_u, low_d = low_u * fall - step, low_d * fall - step
    if local & SWITCHING == K.HAS_LB and lobes[0] + lobes[1] < low_u:
        return True  # the lobes' peaks (toward most longitudes, far below the disks)
    lb, other = feature_ceilings(a, b, u, lobes, local, P)
    worst = max(lb - low_u, other - low_d)
    return worst < 0.0 or worst * (b - a) < MISS_DM


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def search_bounds(reach: float, u, l_deg: float, P, arms) -> tuple[float, float, tuple]:
    """What :func:`first_take_over` needs of a sightline whose local features lie within
    ``reach`` pc of the Sun, computed once: :func:`disk_rate` over that stretch (radius and
    height ranges, every disk component), and the Local Bubble's lobes' peak n_e along it
    (their angle factors are fixed along a sightline from the Sun)."""
    r_lo, r_hi = radius_range(0.0, reach, u, P)
    z_max = max(abs(P[K.Z_SUN]), abs(P[K.Z_SUN] + reach * u[2]))
    rate, step = disk_rate(r_lo, r_hi, z_max, u, K.HAS_THIN | K.HAS_ARMS, P, arms)
    lobes = K.lobe_peaks(l_deg, P)
    return rate, step, lobes


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def first_take_over(a: float, b: float, u, l_deg: float, local: int, P, arms, disks, stack,
                    bounds, taken: int = GL_ORDER,
                    budget: int = SEARCH_EVALUATIONS) -> tuple[float, float, bool]:
    """Search [a, b] for the first stretch where a local feature takes over from the disks,
    given that the disks govern at its Gauss-Legendre nodes before node ``taken`` and a
    feature at node ``taken`` (GL_ORDER: none); the nodes' two disk values are the rows of
    ``disks``. ``bounds``: from :func:`search_bounds`, for a reach beyond b.

    Returns (lo, hi, exhausted): a feature governs at hi and not at lo, with nothing found
    before lo (hi = b when nothing is found); ``exhausted`` when the search spent its
    ``budget`` of n_e evaluations before proving the rest. ``stack``: (STACK_DEPTH, 6)
    scratch."""
    rate, step, lobes = bounds
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    if taken == GL_ORDER and _panel_proved(a, b, disks, rate, step, u, lobes, local, P):
        return b, b, False
    exhausted = False
    lo, lo_u, lo_d = a, np.nan, np.nan  # the panel's ends are not evaluated
    for k in range(taken + 1):
        if k < GL_ORDER:
            hi, hi_u, hi_d = mid + half * GL_NODES[k], disks[k, 0], disks[k, 1]
        else:
            hi, hi_u, hi_d = b, np.nan, np.nan
        stack[0, 0], stack[0, 1], stack[0, 2] = lo, hi, lo_u
        stack[0, 3], stack[0, 4], stack[0, 5] = lo_d, hi_u, hi_d
        depth = 1
        while depth > 0:
            depth -= 1
            row = stack[depth]
            s0, s1 = row[0], row[1]
            if s1 - s0 <= SWITCH_TOL or _proved(s0, s1, row[2:4], row[4:6], rate, step, u,
                                                lobes, local, P):
                continue
            if budget == 0 or depth + 2 > STACK_DEPTH:
                exhausted = True
                continue
            budget -= 1
            sm = 0.5 * (s0 + s1)
            mid_u, mid_d, excess = disks_at(sm, u, l_deg, local, P, arms)
            if excess > 0.0:
                return s0, sm, exhausted
            left = stack[depth + 1]  # on top: the left half is searched first
            left[0], left[1], left[2], left[3] = s0, sm, row[2], row[3]
            left[4], left[5] = mid_u, mid_d
            row[0], row[2], row[3] = sm, mid_u, mid_d
            depth += 2
        if k == taken:  # nothing before this node, where a feature governs
            return lo, hi, exhausted
        lo, lo_u, lo_d = hi, hi_u, hi_d
    return b, b, exhausted
