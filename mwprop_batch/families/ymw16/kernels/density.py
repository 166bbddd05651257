"""YMW16's electron-density components at a point, and the slots of its parameter arrays.

Numba kernels; lengths in pc, densities in cm^-3. Written from Yao, Manchester & Wang (2017,
ApJ 835, 29), Sections 3-4, with the component cut-offs of the authors' code (each component
is zero beyond 6 of its scale lengths); :mod:`.combination` combines them by its rules. The
Galactocentric frame is YMW16's: x toward l = 90 deg, y from the Galactic centre toward the
Sun at (0, R0, z_Sun), z toward the north Galactic pole.

The parameters travel as one float64 array ``P`` whose slots are named below, and one
(5, N_ARM_COLUMNS) array of spiral-arm parameters; :mod:`mwprop_batch.families.ymw16.tables`
fills both.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

# Named slots of P (see ymw16_tables.pack_parameters for what fills each).
(
    R_SUN, Z_SUN, CUT, GAL_RADIUS, DENSITY_RADIUS, GAL_HORIZON, MC_HORIZON,
    MC_L_MIN, MC_L_MAX, MC_B_MIN, MC_B_MAX,
    GAMMA_W, R_WARP, THETA_MAX,
    AD, BD, N1, H1,
    A2, B2, N2, K2,
    HG_C0, HG_C1, HG_C2,
    B2S, KA, AA, LOCAL_ARM_END, AZIMUTH_END, ARM_Z_MAX,
    NCN, WCN, THETACN, NSG, WSG, THETASG, CARINA_R,
    NGC, AGC, HGC, XGC, YGC, ZGC,
    NGN, WGN, AGN, KGN, XGN, YGN, ZGN, GUM_REACH, GUM_SIN_SLOPE,
    J_LB, R_LB, LB_YC, LB_COS, LB_SIN, LB_YREF, LB_COS_E,
    NLB1, DETLB1, WLB1, HLB1, THETALB1, NLB2, DETLB2, WLB2, HLB2, THETALB2,
    NLI, RLI, WLI, DETTHETALI, COS_LI, SIN_LI, XLI, YLI, ZLI,
    J_FB, FB_NORTH_Z, FB_NORTH_A, FB_SOUTH_Z, FB_SOUTH_A, FB_B,
    NLMC, LMC_D, LMC_A, LMC_H, LMC_COS_I, LMC_SIN_I, LMC_COS_N, LMC_SIN_N,
    LMC_SIN_DL, LMC_COS_DL, LMC_ALPHA, L_CP, SIN_DCP, COS_DCP, ALPHA_CP,
    N30D, D30_X, D30_Y, D30_Z, D30_A,
    NSMC, SMC_X, SMC_Y, SMC_Z, SMC_A,
    TAU_A, TAU_P, TAU_Q,
    N_PARAMS,
) = range(114)

# Columns of the arm table: one row per arm, Norma-Outer, Perseus, Carina-Sagittarius,
# Crux-Scutum, Local.
ARM_N, ARM_W, ARM_RMIN, ARM_THMIN, ARM_TANP, ARM_COSP, ARM_TURN, N_ARM_COLUMNS = range(8)
CARINA = 2
CRUX = 3
LOCAL = 4

# What governs n_e at a point (the ``region`` code of the density output).
DISKS, LOCAL_BUBBLE, GUM, LOOP_I, MAGELLANIC, OUTSIDE = range(6)

# Output columns of :func:`.combination.density_batch`.
COLUMNS = ("ne", "ne_thick", "ne_thin", "ne_arms", "ne_gc", "ne_gum", "ne_lb", "ne_loop_i",
           "ne_mc", "region", "fermi")
TWO_PI = 2.0 * math.pi


@nb.njit(cache=True, _nrt=False)
def sech2(x: float) -> float:
    """sech(x)^2, without overflow."""
    t = math.exp(-2.0 * abs(x))
    return 4.0 * t / ((1.0 + t) * (1.0 + t))


@nb.njit(cache=True, _nrt=False)
def scale_height(r: float, P) -> float:
    """YMW16's radial scale-height law H(R) (pc) shared by the thin disk and the arms."""
    return P[HG_C0] + P[HG_C1] * r + P[HG_C2] * r * r


@nb.njit(cache=True, _nrt=False)
def warped_z(z: float, r: float, theta: float, P) -> float:
    """Height above the warped mid-plane (the warp starts at R_warp; theta: azimuth)."""
    if r < P[R_WARP]:
        return z
    return z - P[GAMMA_W] * (r - P[R_WARP]) * math.cos(theta - P[THETA_MAX])


@nb.njit(cache=True, _nrt=False)
def arm_radial_offset(r: float, theta: float, a: int, arms) -> float:
    """|R - R_arm| to the nearest winding of arm a that YMW16 considers at azimuth theta.

    Each arm starts at its theta_min; below it only the windings one turn on are present
    (and for Carina-Sagittarius and Crux-Scutum also two turns on). The Local arm exists only
    between its theta_min and LOCAL_ARM_END (the caller checks the end). Returns inf where the
    arm is absent.
    """
    rmin, th0, p = arms[a, ARM_RMIN], arms[a, ARM_THMIN], arms[a, ARM_TANP]
    if theta >= th0:
        inner = rmin * math.exp((theta - th0) * p)
        if a == LOCAL:
            return abs(r - inner)
    elif a == LOCAL:
        return np.inf
    else:
        inner = rmin * math.exp((theta + TWO_PI - th0) * p)
        if a != CARINA and a != CRUX:
            return abs(r - inner)
    return min(abs(r - inner), abs(r - inner * arms[a, ARM_TURN]))


@nb.njit(cache=True, _nrt=False)
def _gaussian(x: float, width: float) -> float:
    """exp(-(x/width)^2), taken as 0 beyond 8 widths (below 1e-27)."""
    q = x / width
    return math.exp(-q * q) if abs(q) < 8.0 else 0.0


@nb.njit(cache=True, _nrt=False)
def spiral_arms(zw: float, r: float, theta: float, gd: float, P, arms) -> float:
    """Sum of the five arms' n_e at a point of azimuth theta in [0, 2 pi), radius r and
    height zw above the warped plane."""
    hh = P[KA] * scale_height(r, P)
    if abs(zw) >= P[ARM_Z_MAX] or gd == 0.0 or abs(zw) > P[CUT] * hh:
        return 0.0
    if theta >= P[AZIMUTH_END]:
        return 0.0
    total = 0.0
    for a in range(arms.shape[0]):
        if a == LOCAL and theta >= P[LOCAL_ARM_END]:
            continue
        dr = arm_radial_offset(r, theta, a, arms)
        w = arms[a, ARM_W]
        if dr > P[CUT] * w:
            continue
        g = sech2(dr * arms[a, ARM_COSP] / w)
        if a == CARINA:
            deg = math.degrees(theta)
            g *= 1.0 - P[NSG] * _gaussian(deg - P[THETASG], P[WSG])
            if r > P[CARINA_R] and deg > P[THETACN]:
                g *= 1.0 + P[NCN]
            else:
                g *= 1.0 + P[NCN] * _gaussian(deg - P[THETACN], P[WCN])
        total += arms[a, ARM_N] * g
    if total == 0.0:
        return 0.0
    return total * sech2((r - P[B2S]) / P[AA]) * gd * sech2(zw / hh)


@nb.njit(cache=True, _nrt=False)
def gum_surface(theta: float, P) -> tuple[float, float]:
    """The Gum Nebula's spheroid (semi-axes Agn, Agn, Kgn Agn) at elevation theta (rad, in
    [0, pi/2]) seen from its centre: the distance r_p (pc) of its surface point, and
    |sin(theta + alpha)|, the factor the shell distance carries."""
    a, k = P[AGN], P[KGN]
    if theta == 0.0:  # in the spheroid's equatorial plane
        zp, rp_xy = 0.0, a
    else:
        t = math.tan(theta)
        zp = a * k / math.sqrt(1.0 + k * k / (t * t))
        rp_xy = zp / t
    if a - abs(rp_xy) < 1e-15 or a * a - rp_xy * rp_xy <= 0.0:
        alpha = 0.5 * math.pi
    else:
        alpha = math.atan(k * rp_xy / math.sqrt(a * a - rp_xy * rp_xy))
    return math.sqrt(zp * zp + rp_xy * rp_xy), abs(math.sin(theta + alpha))


@nb.njit(cache=True, _nrt=False)
def gum_shell_distance(x: float, y: float, z: float, P) -> float:
    """The Gum Nebula's shell distance (pc): |R - r_p| |sin(theta + alpha)| (R: the distance
    from its centre; see :func:`gum_surface`); inf beyond GUM_REACH, where it surely exceeds
    the cut-off."""
    dx, dy, dz = x - P[XGN], y - P[YGN], z - P[ZGN]
    rho2 = dx * dx + dy * dy
    dist = math.sqrt(rho2 + dz * dz)
    if dist > P[GUM_REACH]:
        return np.inf
    rho = math.sqrt(rho2)
    theta = math.atan(abs(dz) / rho) if rho > 0.0 else 0.5 * math.pi
    r_p, sin_factor = gum_surface(theta, P)
    return abs(dist - r_p) * sin_factor


@nb.njit(cache=True, _nrt=False)
def gum_nebula(x: float, y: float, z: float, P) -> float:
    """Gum Nebula: a Gaussian shell about a spheroid (see :func:`gum_shell_distance`)."""
    dmin = gum_shell_distance(x, y, z, P)
    if dmin > P[CUT] * P[WGN]:
        return 0.0
    return P[NGN] * math.exp(-(dmin / P[WGN]) ** 2)


@nb.njit(cache=True, _nrt=False)
def lb_axis_distance(x: float, y: float, z: float, P) -> float:
    """Distance (pc) from the Local Bubble's tilted axis; inside R_LB the thick disk is
    scaled by J_LB."""
    axis = (y - P[LB_YC]) * P[LB_COS] - P[LB_SIN] * z
    return math.sqrt(axis * axis + x * x)


@nb.njit(cache=True, _nrt=False)
def lobe_offset(gl_deg: float, theta: float) -> float:
    """Angle (deg) between the longitude gl_deg and a Local Bubble lobe's centre theta, as
    the authors' code takes it."""
    return min(abs(gl_deg + 360.0 - theta), abs(theta - gl_deg))


@nb.njit(cache=True, _nrt=False)
def lobe_peaks(gl_deg: float, P) -> tuple[float, float]:
    """Each Local Bubble lobe's largest n_e toward longitude gl_deg: its density times its
    angle factor (0 beyond its angular cut-off); the rest of its profile is at most 1. Along
    a sightline from the Sun the angle is fixed."""
    cut = P[CUT]
    v1, v2 = lobe_offset(gl_deg, P[THETALB1]), lobe_offset(gl_deg, P[THETALB2])
    peak1 = P[NLB1] * sech2(v1 / P[DETLB1]) if v1 <= cut * P[DETLB1] else 0.0
    peak2 = P[NLB2] * sech2(v2 / P[DETLB2]) if v2 <= cut * P[DETLB2] else 0.0
    return peak1, peak2


@nb.njit(cache=True, _nrt=False)
def local_bubble(x: float, y: float, z: float, gl_deg: float, uu: float, P) -> float:
    """Local Bubble: n_e of its two lobes (uu: the distance from its axis).

    ``gl_deg`` is the point's Galactic longitude seen from the Sun, in [0, 360).
    """
    cut = P[CUT]
    shell = uu - P[R_LB]
    n1 = 0.0
    if shell <= cut * P[WLB1] and abs(z) <= cut * P[HLB1]:
        v = lobe_offset(gl_deg, P[THETALB1])
        if v <= cut * P[DETLB1]:
            n1 = (P[NLB1] * sech2(v / P[DETLB1]) * sech2(shell / P[WLB1])
                  * sech2(z / P[HLB1]))
    n2 = 0.0
    if n1 != 0.0 or (shell <= cut * P[WLB2] and abs(z) <= cut * P[HLB2]):
        v = lobe_offset(gl_deg, P[THETALB2])
        if v <= cut * P[DETLB2]:
            n2 = (P[NLB2] * sech2(v / P[DETLB2]) * sech2(shell / P[WLB2])
                  * sech2(z / P[HLB2]))
    if n1 != 0.0 and lb_lobe1_hidden(x, y, z, P):
        n1 = 0.0
    return n1 + n2


@nb.njit(cache=True, _nrt=False)
def lb_lobe1_angle(x: float, y: float, z: float, P) -> float:
    """cos of the angle, in the Galactic plane, between the directions from the point to
    (0, y_ref) and to the Local Bubble's axis at its height, minus cos_e."""
    yc = P[LB_YC] + P[LB_SIN] / P[LB_COS] * z
    yref = P[LB_YREF]
    norm = math.sqrt(x * x + (yref - y) ** 2) * math.sqrt(x * x + (yc - y) ** 2)
    if norm == 0.0:  # on the axis: undefined, as in the authors' code (0/0)
        return np.nan
    return (x * x + (yref - y) * (yc - y)) / norm - P[LB_COS_E]


@nb.njit(cache=True, _nrt=False)
def lb_lobe1_hidden(x: float, y: float, z: float, P) -> bool:
    """Lobe 1 is absent where that angle exceeds the cos_e angle (NaN at the axis: kept)."""
    return lb_lobe1_angle(x, y, z, P) < 0.0


@nb.njit(cache=True, _nrt=False)
def loop_i(x: float, y: float, z: float, P) -> float:
    """Loop I: a Gaussian spherical shell, Gaussian in angle from its axis (deg)."""
    dx, dy, dz = x - P[XLI], y - P[YLI], z - P[ZLI]
    r = math.sqrt(dx * dx + dy * dy + dz * dz)
    if abs(r - P[RLI]) > P[CUT] * P[WLI] or r == 0.0:
        return 0.0
    cos_t = min(1.0, max(-1.0, (dx * P[COS_LI] + dz * P[SIN_LI]) / r))
    theta = math.degrees(math.acos(cos_t))
    if theta > P[CUT] * P[DETTHETALI]:
        return 0.0
    return (P[NLI] * math.exp(-((r - P[RLI]) / P[WLI]) ** 2)
            * math.exp(-(theta / P[DETTHETALI]) ** 2))


@nb.njit(cache=True, _nrt=False)
def in_fermi_bubbles(x: float, y: float, z: float, P) -> bool:
    r2 = (x * x + y * y) / (P[FB_B] * P[FB_B])
    north = r2 + ((z - P[FB_NORTH_Z]) / P[FB_NORTH_A]) ** 2
    south = r2 + ((z - P[FB_SOUTH_Z]) / P[FB_SOUTH_A]) ** 2
    return north < 1.0 or south < 1.0


@nb.njit(cache=True, _nrt=False)
def galactic_centre(x: float, y: float, z: float, P) -> float:
    r2 = (x - P[XGC]) ** 2 + (y - P[YGC]) ** 2
    if r2 > (P[CUT] * P[AGC]) ** 2 or abs(z) > P[CUT] * P[HGC]:
        return 0.0
    return P[NGC] * math.exp(-r2 / (P[AGC] * P[AGC])) * sech2((z - P[ZGC]) / P[HGC])


# Components a sightline may skip where they are surely zero (bits of ``local``).
HAS_GC, HAS_GUM, HAS_LB, HAS_LI, HAS_THIN, HAS_ARMS = 1, 2, 4, 8, 16, 32
ALL_LOCAL = HAS_GC | HAS_GUM | HAS_LB | HAS_LI | HAS_THIN | HAS_ARMS


@nb.njit(cache=True, _nrt=False)
def thick_disk(zw: float, r: float, P) -> tuple[float, float]:
    """Thick-disk n_e at warped height zw and Galactocentric radius r (pc), before the Fermi
    and Local Bubble factors, and its radial factor g_d (both 0 beyond its cut-offs)."""
    cut = P[CUT]
    if abs(zw) <= cut * P[H1] and r - P[BD] <= cut * P[AD]:
        gd = 1.0 if r < P[BD] else sech2((r - P[BD]) / P[AD])
        return P[N1] * gd * sech2(zw / P[H1]), gd
    return 0.0, 0.0


@nb.njit(cache=True, _nrt=False)
def lmc_frame(sin_b: float, cos_b: float, l_rad: float, P) -> tuple[float, float, float]:
    """Direction cosines, in the LMC disk frame, of the sightline (l, b) from the Sun.

    A point at distance d along it sits at (d ex, d ey - D sin i, d ez + D cos i) in that
    frame (x, y in the LMC disk plane, z along its axis).
    """
    sin_d = sin_b * P[SIN_DCP] + cos_b * P[COS_DCP] * math.cos(P[L_CP] - l_rad)
    cos_d = math.sqrt(max(0.0, 1.0 - sin_d * sin_d))
    if cos_d == 0.0:
        sin_a, cos_a = 0.0, 1.0
    else:
        sin_a = math.sin(P[L_CP] - l_rad) * cos_b / cos_d
        cos_a = (sin_b * P[COS_DCP] - cos_b * P[SIN_DCP] * math.cos(P[L_CP] - l_rad)) / cos_d
    off = P[ALPHA_CP] - P[LMC_ALPHA]
    cos_da = cos_a * math.cos(off) - sin_a * math.sin(off)  # cos(alpha - alpha_LMC)
    sin_da = sin_a * math.cos(off) + cos_a * math.sin(off)
    along = cos_d * P[LMC_COS_DL] * cos_da + sin_d * P[LMC_SIN_DL]
    east = -cos_d * sin_da
    north = sin_d * P[LMC_COS_DL] - cos_d * P[LMC_SIN_DL] * cos_da
    ci, si, cn, sn = P[LMC_COS_I], P[LMC_SIN_I], P[LMC_COS_N], P[LMC_SIN_N]
    in_plane = north * cn - east * sn
    return east * cn + north * sn, ci * in_plane + along * si, si * in_plane - along * ci


@nb.njit(cache=True, _nrt=False)
def magellanic(d: float, frame, x: float, y: float, z: float, P) -> float:
    """LMC disk + 30 Doradus + SMC n_e at distance d (pc) along a sightline whose LMC-frame
    direction is ``frame`` (see :func:`lmc_frame`), at Galactocentric (x, y, z) pc."""
    cut = P[CUT]
    X = d * frame[0]
    Y = d * frame[1] - P[LMC_D] * P[LMC_SIN_I]
    Z = d * frame[2] + P[LMC_D] * P[LMC_COS_I]
    ne = 0.0
    r2 = X * X + Y * Y
    if r2 <= (cut * P[LMC_A]) ** 2 and abs(Z) <= cut * P[LMC_H]:
        ne += P[NLMC] * math.exp(-r2 / P[LMC_A] ** 2) * sech2(Z / P[LMC_H])
    rd2 = (X - P[D30_X]) ** 2 + (Y - P[D30_Y]) ** 2 + (Z - P[D30_Z]) ** 2
    if rd2 <= (cut * P[D30_A]) ** 2:
        ne += P[N30D] * math.exp(-rd2 / P[D30_A] ** 2)
    rs2 = (x - P[SMC_X]) ** 2 + (y - P[SMC_Y]) ** 2 + (z - P[SMC_Z]) ** 2
    if rs2 <= (cut * P[SMC_A]) ** 2:
        ne += P[NSMC] * math.exp(-rs2 / P[SMC_A] ** 2)
    return ne


@nb.njit(cache=True, _nrt=False)
def in_mc_region(l_deg: float, b_deg: float, P) -> bool:
    """Whether YMW16 treats the direction (l, b) in its Magellanic Cloud mode."""
    return P[MC_L_MIN] < l_deg < P[MC_L_MAX] and P[MC_B_MIN] < b_deg < P[MC_B_MAX]
