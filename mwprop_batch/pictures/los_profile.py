"""Sightline pictures (``plot-los``): n_e by component, cumulative DM and C_n^2 along one
line of sight, with a face-on map; one model or two overlaid (any of NE2001, NE2025, YMW16).

Needs the optional extra ``plot`` (matplotlib), imported only inside the functions that draw.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.frames import sky_to_galactocentric
from mwprop_batch.core.status import OK
from mwprop_batch.model import Model, as_model

from .canvas import new_figure, save_png
from .galaxy import MODEL_LINESTYLES, draw_galaxy, sun_position

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LOS_FIGSIZE_IN = (13.0, 8.0)  # 1300 x 800 pixels
LOS_SAMPLES = 4000
FACE_ON_MIN_HALF_WIDTH_KPC = 16.0
FACE_ON_MAX_HALF_WIDTH_KPC = 30.0
ZOOM_BELOW_FRACTION = 0.15  # zoom on the Sun when the sightline is shorter than this x the map
ZOOM_MIN_HALF_WIDTH_KPC = 0.2
MAX_MODELS = len(MODEL_LINESTYLES)

# density column (either family's, see Model.density): (legend label, colour)
COMPONENTS: dict[str, tuple[str, str]] = {
    "ne_thick": ("thick disk", "tab:blue"),
    "ne_thin": ("thin disk", "tab:orange"),
    "ne_arms": ("spiral arms", "tab:green"),
    "ne_gc": ("Galactic centre", "tab:red"),
    "ne_lism": ("local ISM", "tab:purple"),
    "ne_clumps": ("clumps", "tab:brown"),
    "ne_voids": ("voids", "tab:pink"),
    "ne_gum": ("Gum Nebula", "tab:gray"),
    "ne_lb": ("Local Bubble", "tab:olive"),
    "ne_loop_i": ("Loop I", "teal"),
    "ne_mc": ("Magellanic Clouds", "navy"),
}


def as_models(model_or_models: Model | str | Sequence[Model | str]) -> tuple[Model, ...]:
    """One or two models from Model objects or names (e.g. "ne2025" or ["ne2025", "ne2001"])."""
    items = [model_or_models] if isinstance(model_or_models, Model | str) else model_or_models
    models = tuple(as_model(m) for m in items)
    if not 1 <= len(models) <= MAX_MODELS:
        raise InvalidValueError(f"give one or two models, got {len(models)}")
    return models


@dataclass(frozen=True)
class Sightline:
    """One model's sightline: where it ends and its profiles on a distance grid."""

    model: Model
    end_kpc: float  # distance to the source (a lower limit where ``limit``)
    end_dm: float  # DM to the source (pc cm^-3)
    limit: bool  # the input DM exceeds what the model reaches
    density: pd.DataFrame  # Model.density along the grid
    dm: np.ndarray  # cumulative DM (pc cm^-3) along the grid


def sightline_end(
    model: Model, l_deg: float, b_deg: float, value: float, ndir: int
) -> tuple[float, float, bool]:
    """(distance kpc, DM pc cm^-3, limit) of the source: DM -> D if ndir >= 0, else D -> DM."""
    if ndir >= 0:
        row = model.dm_to_dist(l_deg, b_deg, value).iloc[0]
    else:
        row = model.dist_to_dm(l_deg, b_deg, value).iloc[0]
    if row["status"] != OK:
        raise InvalidValueError(f"bad sightline: {row['status']}")
    return float(row["DIST"]), float(row["DM"]), bool(row["limit"])


def trace(
    model: Model, l_deg: float, b_deg: float, grid_kpc: np.ndarray, end: tuple[float, float, bool]
) -> Sightline:
    """Densities and cumulative DM along ``grid_kpc`` (kpc from the Sun, starting at 0)."""
    density = pd.DataFrame(model.density_along(l_deg, b_deg, grid_kpc, components=True))
    dm = np.concatenate([[0.0], model.dm_profile(l_deg, b_deg, grid_kpc[1:])[0]])
    return Sightline(model, *end, density, dm)


def plot_los(
    model_or_models: Model | str | Sequence[Model | str], l_deg: float, b_deg: float,
    dm_or_dist: float, ndir: int, out_png: str | os.PathLike[str],
    samples: int = LOS_SAMPLES, overwrite: bool = False,
) -> Path:
    """Draw one sightline for one or two models (overlaid) into a 1300 x 800 pixel PNG.

    Parameters
    ----------
    model_or_models : Model, name, or a sequence of one or two of them
        The first is drawn with solid lines, the second dashed.
    l_deg, b_deg : float
        Galactic longitude and latitude (deg).
    dm_or_dist : float
        DM (pc cm^-3) when ``ndir >= 0`` (the sightline runs to each model's distance for it),
        else the distance (kpc).
    ndir : int
        >= 0: DM -> D; < 0: D -> DM (as NE2001).
    out_png : path
        The PNG to write.
    samples : int
        Points along the sightline for the n_e and C_n^2 curves.
    overwrite : bool
        Replace an existing ``out_png`` (otherwise an error; see
        :func:`~mwprop_batch.pictures.canvas.save_png`).

    Panels: n_e (cm^-3) of the total and of each component alone vs distance; the cumulative
    DM; C_n^2 (m^-20/3; the NE2001 family only, YMW16 has no fluctuation model), all on a
    grid from the Sun to the farthest model distance; and a face-on map with the arm
    centrelines, the Sun, the GC and the sightline projected on the plane. Returns the path
    written.
    """
    models = as_models(model_or_models)
    ends = [sightline_end(m, l_deg, b_deg, dm_or_dist, ndir) for m in models]
    grid = np.linspace(0.0, max(end[0] for end in ends), samples)
    lines = [trace(m, l_deg, b_deg, grid, end) for m, end in zip(models, ends, strict=True)]
    fig = new_figure(*LOS_FIGSIZE_IN)
    spec = fig.add_gridspec(3, 2, width_ratios=(1.55, 1.0))
    ax_ne = fig.add_subplot(spec[0, 0])
    ax_dm = fig.add_subplot(spec[1, 0], sharex=ax_ne)
    ax_cn2 = fig.add_subplot(spec[2, 0], sharex=ax_ne)
    ax_map = fig.add_subplot(spec[:, 1])
    _draw_density(ax_ne, grid, lines)
    _draw_dm(ax_dm, grid, lines, dm_or_dist if ndir >= 0 else None)
    _draw_cn2(ax_cn2, grid, lines)
    _draw_sightline_map(ax_map, l_deg, b_deg, lines)
    fig.suptitle(_los_title(l_deg, b_deg, dm_or_dist, ndir, lines))
    return save_png(fig, out_png, overwrite)


def _model_legend(ax: Axes, lines: Sequence[Sightline], loc: str) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="k", ls=MODEL_LINESTYLES[i]) for i in range(len(lines))]
    legend = ax.legend(handles, [s.model.name.upper() for s in lines], loc=loc, fontsize=8)
    ax.add_artist(legend)


def _draw_density(ax: Axes, grid: np.ndarray, lines: Sequence[Sightline]) -> None:
    from matplotlib.lines import Line2D

    if len(lines) > 1:
        _model_legend(ax, lines, "upper right")
    shown = {}
    for i, line in enumerate(lines):
        ax.plot(grid, line.density["ne"], MODEL_LINESTYLES[i], color="k", lw=2.2, alpha=0.75)
        for column, (label, colour) in COMPONENTS.items():
            if column not in line.density:
                continue
            values = line.density[column].to_numpy()
            if np.any(values > 0):
                ax.plot(grid, values, MODEL_LINESTYLES[i], color=colour, lw=1.1)
                shown[column] = (label, colour)
    peak = max(float(np.nanmax(s.density["ne"])) for s in lines)
    ax.set_yscale("log")
    ax.set_ylim(peak * 1e-4, peak * 3.0)
    handles = [Line2D([], [], color="k", lw=2.2, alpha=0.75)]
    handles += [Line2D([], [], color=colour) for _, colour in shown.values()]
    labels = ["total"] + [label for label, _ in shown.values()]
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, fontsize=8,
              frameon=False)
    ax.set_ylabel("n$_e$ (cm$^{-3}$)")
    ax.tick_params(labelbottom=False)


def _draw_dm(ax: Axes, grid: np.ndarray, lines: Sequence[Sightline], dm_in: float | None) -> None:
    for line, style in zip(lines, MODEL_LINESTYLES, strict=False):
        ax.plot(grid, line.dm, style, color="k", lw=1.5, label=line.model.name.upper())
        marker = ">" if line.limit else "o"
        ax.plot(line.end_kpc, line.end_dm, marker, color="tab:red", ms=7, zorder=5)
    if dm_in is not None:
        ax.axhline(dm_in, color="tab:red", lw=0.8, ls=":", label="input DM")
    ax.set_ylim(bottom=0.0)
    ax.set_ylabel("DM (pc cm$^{-3}$)")
    ax.legend(loc="upper left", fontsize=8)
    ax.tick_params(labelbottom=False)


def _draw_cn2(ax: Axes, grid: np.ndarray, lines: Sequence[Sightline]) -> None:
    """C_n^2 of each model that has one (the NE2001 family; YMW16 models no fluctuations)."""
    drawn = False
    for i, line in enumerate(lines):
        if "Cn2" not in line.density:
            continue
        cn2 = line.density["Cn2"].to_numpy()
        ax.plot(grid, np.where(cn2 > 0, cn2, np.nan), MODEL_LINESTYLES[i], color="tab:blue", lw=1.1)
        drawn = True
    if drawn:
        ax.set_yscale("log")
    without = [s.model.name.upper() for s in lines if "Cn2" not in s.density]
    if without:
        ax.text(0.5, 0.5, f"{' and '.join(without)}: no C$_n^2$ (no fluctuation model)",
                transform=ax.transAxes, ha="center", va="center", fontsize=9, color="0.4")
    ax.set_xlim(0.0, grid[-1])
    ax.set_xlabel("distance from the Sun (kpc)")
    ax.set_ylabel("C$_n^2$ (m$^{-20/3}$)")
    if len(lines) > 1:
        _model_legend(ax, lines, "upper right")


def _draw_sightline_map(ax: Axes, l_deg: float, b_deg: float, lines: Sequence[Sightline]) -> None:
    """Face-on map with each model's sightline; an inset zooms on the Sun for short ones."""
    models = [s.model for s in lines]
    suns = [sun_position(m) for m in models]  # each model's sightline starts at its Sun
    ends = [sky_to_galactocentric(l_deg, b_deg, s.end_kpc, sun[1])[0]
            for s, sun in zip(lines, suns, strict=True)]
    reach = max(float(np.hypot(e[0], e[1])) for e in ends) + 1.0
    half = float(np.clip(reach, FACE_ON_MIN_HALF_WIDTH_KPC, FACE_ON_MAX_HALF_WIDTH_KPC))
    draw_galaxy(ax, models, half)
    _draw_sightlines(ax, lines, suns, ends, label=True)
    ax.legend(loc="lower left", fontsize=8, title="TC93 arms", title_fontsize=8)
    length = max(float(np.hypot(e[0] - sun[0], e[1] - sun[1]))
                 for e, sun in zip(ends, suns, strict=True))
    if length < ZOOM_BELOW_FRACTION * half:
        inset = ax.inset_axes((0.6, 0.6, 0.38, 0.38))
        draw_galaxy(inset, models, max(1.3 * length, ZOOM_MIN_HALF_WIDTH_KPC), suns[0])
        _draw_sightlines(inset, lines, suns, ends, label=False)
        inset.set_xlabel("")
        inset.set_ylabel("")
        inset.tick_params(labelsize=7)
        ax.indicate_inset_zoom(inset, edgecolor="0.3")


def _draw_sightlines(
    ax: Axes, lines: Sequence[Sightline], suns: Sequence[tuple[float, float]],
    ends: Sequence[np.ndarray], label: bool,
) -> None:
    for i, (line, sun, end) in enumerate(zip(lines, suns, ends, strict=True)):
        ax.plot([sun[0], end[0]], [sun[1], end[1]], MODEL_LINESTYLES[i], color="k", lw=2.0)
        ax.plot(end[0], end[1], "*", ms=13, mfc="tab:red", mec="k", zorder=6,
                label=f"{line.model.name.upper()} source" if label and i == 0 else None)


def _los_title(
    l_deg: float, b_deg: float, value: float, ndir: int, lines: Sequence[Sightline]
) -> str:
    where = f"l = {l_deg:.2f}°, b = {b_deg:.2f}°"
    if ndir >= 0:
        results = ", ".join(
            f"{s.model.name.upper()} D {'> ' if s.limit else '= '}{s.end_kpc:.2f} kpc"
            for s in lines
        )
        return f"{where}: DM = {value:g} pc cm$^{{-3}}$ → {results}"
    results = ", ".join(f"{s.model.name.upper()} DM = {s.end_dm:.1f} pc cm$^{{-3}}$" for s in lines)
    return f"{where}: D = {value:g} kpc → {results}"
