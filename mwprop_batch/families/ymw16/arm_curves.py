"""YMW16's spiral-arm centrelines for face-on pictures (x, y in kpc, its frame)."""

from __future__ import annotations

import math

import numpy as np

from mwprop_batch.core.constants import PC_PER_KPC

from .kernels import density as Y
from .tables import Ymw16Parameters

# YMW16's arms (names as in data/ymw16/model.toml) by the TC93 number of the same arm
TC93_NUMBER = {"Norma-Outer": 1, "Crux-Scutum": 2, "Carina-Sagittarius": 3, "Perseus": 4,
              "Local": 5}
# turns of each arm that its density evaluates (kernels.density.arm_radial_offset): two
# for Carina-Sagittarius and Crux-Scutum, one for the others (the Local arm stops earlier)
ARM_TURNS = {Y.CARINA: 2, Y.CRUX: 2}


def arm_curves(p: Ymw16Parameters, samples: int) -> list[tuple[int, np.ndarray]]:
    """YMW16's arms: logarithmic spirals R = R_min exp((phi - phi_min) tan psi), phi the
    azimuth from +x toward +y, over the turns its density evaluates (the Local arm from
    phi_min to ``local_arm_end_rad``) and out to where its disk factor ends (R <= B_d +
    cut A_d, 30 kpc). Returns (TC93 number, (2, samples) x, y in kpc) per arm."""
    arms, thick = p["spiral_arms"], p["thick_disk"]
    r_end = (thick["Bd"] + p["frame"]["cut_scale"] * thick["Ad"]) / PC_PER_KPC
    curves = []
    for a, name in enumerate(arms["names"]):
        phi_min = arms["thmin_rad"][a]
        if a == Y.LOCAL:
            phi_max = arms["local_arm_end_rad"]
        else:
            phi_max = phi_min + 2.0 * math.pi * ARM_TURNS.get(a, 1)
        r_min = arms["rmin"][a] / PC_PER_KPC
        tan_pitch = arms["tan_pitch"][a]
        phi_max = min(phi_max, phi_min + math.log(r_end / r_min) / tan_pitch)
        phi = np.linspace(phi_min, phi_max, samples)
        r = r_min * np.exp((phi - phi_min) * tan_pitch)
        curves.append((TC93_NUMBER[name], np.vstack([r * np.cos(phi), r * np.sin(phi)])))
    return curves
