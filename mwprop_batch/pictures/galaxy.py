"""The face-on frame the pictures share: each model's Sun and spiral-arm centrelines, seen
from the north Galactic pole (Galactocentric x toward l = 90 deg, y from the GC toward the
Sun; kpc). Each model is drawn in its own frame, as its family gives it (the NE2001 family's
Sun is at (0, 8.5), YMW16's at (0, 8.3)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

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


def sun_position(model: Model) -> tuple[float, float]:
    """The Sun's Galactocentric (x, y) in ``model``'s frame (kpc)."""
    x, y, _ = model.family.sun_kpc(model.parameters)
    return x, y


def arm_curves(model: Model, samples: int = ARM_CURVE_SAMPLES) -> list[tuple[int, np.ndarray]]:
    """Each arm's TC93 number and its centreline as (2, samples) Galactocentric x, y (kpc), as
    the model's family draws it (:meth:`mwprop_batch.family.Family.arm_curves`)."""
    return model.family.arm_curves(model.parameters, samples)


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
