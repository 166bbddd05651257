"""YMW16 parameters: read ``data/ymw16/model.toml`` and pack it for the numba kernels.

:func:`load_ymw16` gives the published numbers as a record; :func:`build_ymw16_tables` turns
them into the named slots of :mod:`mwprop_batch.families.ymw16.kernels.density` (unit conversions
and the few
derived geometric constants: the Gum Nebula's centre and reach, the Fermi bubbles' axes,
30 Doradus in the LMC frame, the SMC centre).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

import numpy as np

from .kernels import density as K

FAMILY = "ymw16"


@dataclass(frozen=True)
class Ymw16Parameters:
    """Every number of the YMW16 model, by section of ``model.toml`` (pc, cm^-3, deg)."""

    name: str
    provenance: dict[str, str]
    sections: dict[str, dict]

    def __getitem__(self, section: str) -> dict:
        return self.sections[section]


class Ymw16Tables(NamedTuple):
    """The kernels' inputs: named scalar slots and the (5, N_ARM_COLUMNS) arm table."""

    P: np.ndarray
    arms: np.ndarray


def load_ymw16() -> Ymw16Parameters:
    """Read the packaged YMW16 parameter file."""
    path = resources.files(__package__) / "data" / "model.toml"
    with path.open("rb") as handle:
        doc = tomllib.load(handle)
    provenance = {k: str(v) for k, v in doc.pop("provenance").items()}
    return Ymw16Parameters(name=FAMILY, provenance=provenance, sections=doc)


def _gum_shell(a: float, k: float) -> tuple[np.ndarray, ...]:
    """The Gum Nebula's spheroid (semi-axes a, a, k a) on a grid of elevation angles theta
    about its centre: theta, the distance r_p of its surface point, and |sin(theta + alpha)|,
    the factor YMW16's shell distance |R - r_p| |sin(theta + alpha)| carries."""
    theta = np.linspace(1e-6, 0.5 * math.pi, 20001)
    t = np.tan(theta)
    zp = a * k / np.sqrt(1.0 + k * k / (t * t))
    rxy = zp / t
    alpha = np.where(a - np.abs(rxy) < 1e-15, 0.5 * math.pi,
                     np.arctan(k * rxy / np.sqrt(np.maximum(a * a - rxy * rxy, 1e-300))))
    return theta, np.hypot(zp, rxy), np.abs(np.sin(theta + alpha))


def _gum_bounds(a: float, k: float, width: float, cut: float) -> tuple[float, float]:
    """A radius about the Gum Nebula's centre beyond which its shell distance
    |R - r_p| |sin(theta + alpha)| exceeds the cut-off everywhere, and a bound on
    |d sin(theta + alpha) / d theta| (the grid's largest finite difference, with 5% of
    margin), for the take-over search (:mod:`.kernels.ymw16_switch`)."""
    theta, rp, sin_factor = _gum_shell(a, k)
    reach = a * max(1.0, k) + cut * width / (0.9 * float(np.min(sin_factor)))
    return reach, 1.05 * float(np.max(np.abs(np.gradient(sin_factor, theta))))


def _lmc_frame_point(alpha: float, delta: float, dist: float, lmc: dict) -> tuple[float, ...]:
    """LMC-frame position (pc) of the object at equatorial (alpha, delta) deg, dist pc."""
    a, d = math.radians(alpha), math.radians(delta)
    al, dl = math.radians(lmc["alpha"]), math.radians(lmc["delta"])
    inc, node = math.radians(lmc["incl"]), math.radians(lmc["node"])
    along = math.cos(d) * math.cos(dl) * math.cos(a - al) + math.sin(d) * math.sin(dl)
    east = -math.cos(d) * math.sin(a - al)
    north = math.sin(d) * math.cos(dl) - math.cos(d) * math.sin(dl) * math.cos(a - al)
    in_plane = north * math.cos(node) - east * math.sin(node)
    return (
        dist * (east * math.cos(node) + north * math.sin(node)),
        dist * (math.cos(inc) * in_plane + along * math.sin(inc)) - lmc["d"] * math.sin(inc),
        dist * (math.sin(inc) * in_plane - along * math.cos(inc)) + lmc["d"] * math.cos(inc),
    )


def _heliocentric(l_deg: float, b_deg: float, dist: float, r_sun: float) -> tuple[float, ...]:
    """Galactocentric (x, y, z) pc of (l, b, dist) seen from (0, r_sun, 0)."""
    lr, br = math.radians(l_deg), math.radians(b_deg)
    return (dist * math.cos(br) * math.sin(lr), r_sun - dist * math.cos(br) * math.cos(lr),
            dist * math.sin(br))


def build_ymw16_tables(p: Ymw16Parameters) -> Ymw16Tables:
    """Pack the parameters into the kernels' arrays."""
    P = np.full(K.N_PARAMS, np.nan)
    frame, box, warp = p["frame"], p["mc_region"], p["warp"]
    thick, thin, hg, arms = p["thick_disk"], p["thin_disk"], p["scale_height"], p["spiral_arms"]
    gc, gum, lb, li = p["galactic_centre"], p["gum_nebula"], p["local_bubble"], p["loop_i"]
    fb, lmc, pole = p["fermi_bubbles"], p["lmc"], p["galactic_pole"]
    dor, smc, tau = p["doradus30"], p["smc"], p["scattering"]
    r_sun = frame["r_sun"]
    cut = frame["cut_scale"]
    slots = {
        K.R_SUN: r_sun, K.Z_SUN: frame["z_sun"], K.CUT: cut,
        K.GAL_RADIUS: frame["galaxy_radius"], K.DENSITY_RADIUS: frame["density_radius"],
        K.GAL_HORIZON: frame["gal_horizon"], K.MC_HORIZON: frame["mc_horizon"],
        K.MC_L_MIN: box["l_min"], K.MC_L_MAX: box["l_max"],
        K.MC_B_MIN: box["b_min"], K.MC_B_MAX: box["b_max"],
        K.GAMMA_W: warp["gamma_w"], K.R_WARP: warp["r_warp"], K.THETA_MAX: warp["theta_max"],
        K.AD: thick["Ad"], K.BD: thick["Bd"], K.N1: thick["n1"], K.H1: thick["H1"],
        K.A2: thin["A2"], K.B2: thin["B2"], K.N2: thin["n2"], K.K2: thin["K2"],
        K.HG_C0: hg["c0"], K.HG_C1: hg["c1"], K.HG_C2: hg["c2"],
        K.B2S: arms["B2s"], K.KA: arms["Ka"], K.AA: arms["Aa"],
        K.LOCAL_ARM_END: arms["local_arm_end_rad"], K.AZIMUTH_END: arms["azimuth_end_rad"],
        K.ARM_Z_MAX: arms["z_max"],
        K.NCN: arms["ncn"], K.WCN: arms["wcn"], K.THETACN: arms["thetacn"],
        K.NSG: arms["nsg"], K.WSG: arms["wsg"], K.THETASG: arms["thetasg"],
        K.CARINA_R: arms["carina_r"],
        K.NGC: gc["ngc"], K.AGC: gc["Agc"], K.HGC: gc["Hgc"],
        K.XGC: gc["x"], K.YGC: gc["y"], K.ZGC: gc["z"],
        K.NGN: gum["ngn"], K.WGN: gum["Wgn"], K.AGN: gum["Agn"], K.KGN: gum["Kgn"],
        K.J_LB: lb["J_LB"], K.R_LB: lb["R_lb"], K.LB_YC: lb["y_c"],
        K.LB_COS: lb["cos_tilt"], K.LB_SIN: lb["sin_tilt"], K.LB_YREF: lb["y_ref"],
        K.LB_COS_E: math.cos(math.radians(lb["cos_e_deg"])),
        K.NLB1: lb["nlb1"], K.DETLB1: lb["detlb1"], K.WLB1: lb["wlb1"], K.HLB1: lb["hlb1"],
        K.THETALB1: lb["thetalb1"], K.NLB2: lb["nlb2"], K.DETLB2: lb["detlb2"],
        K.WLB2: lb["wlb2"], K.HLB2: lb["hlb2"], K.THETALB2: lb["thetalb2"],
        K.NLI: li["nLI"], K.RLI: li["RLI"], K.WLI: li["WLI"],
        K.DETTHETALI: li["detthetaLI"], K.COS_LI: math.cos(math.radians(li["thetaLI"])),
        K.SIN_LI: math.sin(math.radians(li["thetaLI"])),
        K.XLI: li["x"], K.YLI: li["y"], K.ZLI: li["z"],
        K.J_FB: fb["J_FB"], K.NLMC: lmc["nlmc"], K.LMC_D: lmc["d"], K.LMC_A: lmc["A"],
        K.LMC_H: lmc["H"],
        K.LMC_COS_I: math.cos(math.radians(lmc["incl"])),
        K.LMC_SIN_I: math.sin(math.radians(lmc["incl"])),
        K.LMC_COS_N: math.cos(math.radians(lmc["node"])),
        K.LMC_SIN_N: math.sin(math.radians(lmc["node"])),
        K.LMC_SIN_DL: math.sin(math.radians(lmc["delta"])),
        K.LMC_COS_DL: math.cos(math.radians(lmc["delta"])),
        K.LMC_ALPHA: math.radians(lmc["alpha"]), K.L_CP: math.radians(pole["l_cp"]),
        K.SIN_DCP: math.sin(math.radians(pole["delta"])),
        K.COS_DCP: math.cos(math.radians(pole["delta"])),
        K.ALPHA_CP: math.radians(pole["alpha"]),
        K.N30D: dor["n30D"], K.D30_A: dor["A"], K.NSMC: smc["nsmc"], K.SMC_A: smc["A"],
        K.TAU_A: tau["a"], K.TAU_P: tau["p"], K.TAU_Q: tau["q"],
    }
    # Gum Nebula centre: (l, b, d) seen from (0, R0, 0), as in the authors' code
    slots[K.GUM_REACH], slots[K.GUM_SIN_SLOPE] = _gum_bounds(gum["Agn"], gum["Kgn"], gum["Wgn"],
                                                             cut)
    slots[K.XGN], slots[K.YGN], slots[K.ZGN] = _heliocentric(gum["l"], gum["b"], gum["d"], r_sun)
    # Fermi bubbles: spheroids above and below the centre, sized by angles seen from 8.3 kpc
    north = 0.5 * fb["r_sun"] * math.tan(math.radians(fb["north_height_deg"]))
    slots[K.FB_NORTH_Z], slots[K.FB_NORTH_A] = north, north
    slots[K.FB_SOUTH_Z], slots[K.FB_SOUTH_A] = -north, north
    slots[K.FB_B] = fb["r_sun"] * math.tan(math.radians(fb["width_deg"]))
    slots[K.D30_X], slots[K.D30_Y], slots[K.D30_Z] = _lmc_frame_point(
        dor["alpha"], dor["delta"], dor["d"], lmc)
    slots[K.SMC_X], slots[K.SMC_Y], slots[K.SMC_Z] = _heliocentric(smc["l"], smc["b"], smc["d"],
                                                                    r_sun)
    for slot, value in slots.items():
        P[slot] = value
    if np.isnan(P).any():
        missing = [i for i in range(K.N_PARAMS) if np.isnan(P[i])]
        raise RuntimeError(f"YMW16 parameter slots left unset: {missing}")
    table = np.empty((len(arms["narm"]), K.N_ARM_COLUMNS))
    for column, key in ((K.ARM_N, "narm"), (K.ARM_W, "warm"), (K.ARM_RMIN, "rmin"),
                        (K.ARM_THMIN, "thmin_rad"), (K.ARM_TANP, "tan_pitch"),
                        (K.ARM_COSP, "cos_pitch")):
        table[:, column] = arms[key]
    table[:, K.ARM_TURN] = np.exp(2.0 * math.pi * table[:, K.ARM_TANP])  # one winding out
    return Ymw16Tables(P, np.ascontiguousarray(table))
