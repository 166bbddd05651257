"""The face-on frame the pictures share: each model's Sun and spiral-arm centrelines, seen
from the north Galactic pole (Galactocentric x toward l = 90 deg, y from the GC toward the
Sun; kpc). Each model is drawn in its own frame: the NE2001 family's Sun is at (0, 8.5),
YMW16's at (0, 8.3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.interpolate import CubicSpline

from mwprop_batch.core.constants import PC_PER_KPC
from mwprop_batch.families.ne.tables import arm_centrelines
from mwprop_batch.families.ymw16.kernels import density as Y
from mwprop_batch.families.ymw16.tables import FAMILY as YMW16
from mwprop_batch.families.ymw16.tables import Ymw16Parameters
from mwprop_batch.model import Model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ARM_CURVE_SAMPLES = 400
MODEL_LINESTYLES = ("-", "--")  # first model solid, second dashed
# TC93 arm number: (name, colour). The names follow where each centreline runs: out from the
# GC along the line through the Sun, arms 1, 2, 3 cross it at R = 3.5, 5.1, 7.0 kpc, arm 5 (the
# local arm) at 8.9 kpc and arm 4 at 10.6 kpc, beyond the Sun (NE2001 and NE2025).
ARMS: dict[int, tuple[str, str]] = {
    1: ("Norma", "tab:olive"),
    2: ("Crux-Scutum", "tab:orange"),
    3: ("Carina-Sagittarius", "tab:cyan"),
    4: ("Perseus", "tab:purple"),
    5: ("Local", "tab:green"),
}
# YMW16's arms (names as in data/ymw16/model.toml) by the TC93 number of the same arm
YMW16_TC93 = {"Norma-Outer": 1, "Crux-Scutum": 2, "Carina-Sagittarius": 3, "Perseus": 4,
              "Local": 5}
# turns of each YMW16 arm that its density evaluates (kernels.ymw16.arm_radial_offset): two
# for Carina-Sagittarius and Crux-Scutum, one for the others (the Local arm stops earlier)
YMW16_TURNS = {Y.CARINA: 2, Y.CRUX: 2}


def sun_position(model: Model) -> tuple[float, float]:
    """The Sun's Galactocentric (x, y) in ``model``'s frame (kpc)."""
    p = model.parameters
    if isinstance(p, Ymw16Parameters):
        return 0.0, p["frame"]["r_sun"] / PC_PER_KPC
    return 0.0, p.r_sun


def arm_curves(model: Model, samples: int = ARM_CURVE_SAMPLES) -> list[tuple[int, np.ndarray]]:
    """Each arm's TC93 number and its centreline as (2, samples) Galactocentric x, y (kpc).

    NE2001 family: the model's not-a-knot cubic spline r(theta) through its centreline
    samples. YMW16: see :func:`ymw16_arm_curves`.
    """
    if model.name == YMW16:
        return ymw16_arm_curves(model.parameters, samples)
    theta, radius = arm_centrelines(model.parameters)
    curves = []
    for tc93, th, r in zip(model.parameters.arm_tc93, theta, radius, strict=True):
        t = np.linspace(th[0], th[-1], samples)
        rr = CubicSpline(th, r)(t)
        curves.append((int(tc93), np.vstack([-rr * np.sin(t), rr * np.cos(t)])))
    return curves


def ymw16_arm_curves(p: Ymw16Parameters, samples: int) -> list[tuple[int, np.ndarray]]:
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
            phi_max = phi_min + 2.0 * math.pi * YMW16_TURNS.get(a, 1)
        r_min = arms["rmin"][a] / PC_PER_KPC
        tan_pitch = arms["tan_pitch"][a]
        phi_max = min(phi_max, phi_min + math.log(r_end / r_min) / tan_pitch)
        phi = np.linspace(phi_min, phi_max, samples)
        r = r_min * np.exp((phi - phi_min) * tan_pitch)
        curves.append((YMW16_TC93[name], np.vstack([r * np.cos(phi), r * np.sin(phi)])))
    return curves


def draw_galaxy(
    ax: Axes, models: Sequence[Model], half_width_kpc: float,
    centre_kpc: tuple[float, float] = (0.0, 0.0), arm_colour: str | None = None,
) -> None:
    """Face-on frame seen from the north Galactic pole: arm centrelines (one line style per
    model; coloured and labelled by arm unless ``arm_colour`` is given), each model's Sun and
    the GC, in a square of half-width ``half_width_kpc`` around ``centre_kpc`` (Galactocentric
    x, y)."""
    for model, style in zip(models, MODEL_LINESTYLES, strict=False):
        for tc93, (x, y) in sorted(arm_curves(model), key=lambda curve: curve[0]):
            name, colour = ARMS[tc93]
            if arm_colour is None:
                label = f"{tc93} {name}" if style == MODEL_LINESTYLES[0] else None
                ax.plot(x, y, style, color=colour, lw=1.6, label=label)
            else:
                ax.plot(x, y, style, color=arm_colour, lw=0.8, alpha=0.6)
    for sun in dict.fromkeys(sun_position(m) for m in models):
        ax.plot(*sun, "o", ms=9, mfc="gold", mec="k", zorder=5)
        ax.plot(*sun, ".", ms=3, color="k", zorder=6)
    ax.plot(0.0, 0.0, "k+", ms=12, mew=2, zorder=5)
    ax.annotate("Sun", sun_position(models[0]), xytext=(6, 6), textcoords="offset points",
                fontsize=9)
    ax.annotate("GC", (0.0, 0.0), xytext=(6, 6), textcoords="offset points", fontsize=9)
    ax.set_xlim(centre_kpc[0] - half_width_kpc, centre_kpc[0] + half_width_kpc)
    ax.set_ylim(centre_kpc[1] - half_width_kpc, centre_kpc[1] + half_width_kpc)
    ax.set_aspect("equal")
    ax.set_xlabel("x (kpc, toward l = 90°)")
    ax.set_ylabel("y (kpc, GC to Sun)")
