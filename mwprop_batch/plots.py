"""Sightline pictures: n_e by component, cumulative DM and C_n^2 along one line of sight.

Needs the optional extra ``plot`` (matplotlib), imported only inside the functions that draw.
Figures are drawn on matplotlib's Agg canvas without pyplot: nothing here changes the
process's matplotlib backend or adds to pyplot's list of open figures.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from .cliargs import add_sightline_arguments, model_list
from .convert import load_model
from .errors import InvalidValueError
from .extras import missing_extra
from .model import Model
from .tables import arm_centrelines, sky_to_galactocentric

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100
LOS_FIGSIZE_IN = (13.0, 8.0)  # 1300 x 800 pixels
LOS_SAMPLES = 4000
ARM_CURVE_SAMPLES = 400
FACE_ON_MIN_HALF_WIDTH_KPC = 16.0
FACE_ON_MAX_HALF_WIDTH_KPC = 30.0
ZOOM_BELOW_FRACTION = 0.15  # zoom on the Sun when the sightline is shorter than this x the map
ZOOM_MIN_HALF_WIDTH_KPC = 0.2
MODEL_LINESTYLES = ("-", "--")
MAX_MODELS = len(MODEL_LINESTYLES)

# density column: (legend label, colour)
COMPONENTS: dict[str, tuple[str, str]] = {
    "ne_thick": ("thick disk", "tab:blue"),
    "ne_thin": ("thin disk", "tab:orange"),
    "ne_arms": ("spiral arms", "tab:green"),
    "ne_gc": ("Galactic centre", "tab:red"),
    "ne_lism": ("local ISM", "tab:purple"),
    "ne_clumps": ("clumps", "tab:brown"),
    "ne_voids": ("voids", "tab:pink"),
}
# TC93 arm number: (name, colour). The names follow where each centreline runs: out from the
# GC along the line through the Sun, arms 1, 2, 3 cross it at R = 3.5, 5.1, 7.0 kpc, arm 5 (the
# local arm) at 8.9 kpc and arm 4 at 10.6 kpc, beyond the Sun (both models).
ARMS: dict[int, tuple[str, str]] = {
    1: ("Norma", "tab:olive"),
    2: ("Crux-Scutum", "tab:orange"),
    3: ("Carina-Sagittarius", "tab:cyan"),
    4: ("Perseus", "tab:purple"),
    5: ("Local", "tab:green"),
}

LOS_EPILOG = """\
examples:
  mwprop-batch plot-los 263.55 -2.79 67.97 1 vela.png                 # DM -> D, NE2025
  mwprop-batch plot-los 30 0.5 10 -1 plane.png --model ne2025,ne2001  # D -> DM, both models
"""


def new_figure(width_in: float, height_in: float) -> Figure:
    """An empty matplotlib Figure on the Agg canvas (``width_in`` x ``height_in`` inches)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise missing_extra("pictures", "matplotlib>=3.8", "plot") from exc
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, out_png: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as a PNG of exactly its size in pixels; return the path."""
    path = Path(out_png)
    fig.savefig(path, format="png", dpi=DPI)
    return path


def as_model(model: Model | str) -> Model:
    """A Model, or the process's shared Model of that name ("ne2001", "ne2025")."""
    return model if isinstance(model, Model) else load_model(str(model).lower())


def as_models(model_or_models: Model | str | Sequence[Model | str]) -> tuple[Model, ...]:
    """One or two models from Model objects or names (e.g. "ne2025" or ["ne2025", "ne2001"])."""
    items = [model_or_models] if isinstance(model_or_models, Model | str) else model_or_models
    models = tuple(as_model(m) for m in items)
    if not 1 <= len(models) <= MAX_MODELS:
        raise InvalidValueError(f"give one or two models, got {len(models)}")
    return models


def arm_curves(model: Model, samples: int = ARM_CURVE_SAMPLES) -> list[tuple[int, np.ndarray]]:
    """Each arm's TC93 number and its centreline as (2, samples) Galactocentric x, y (kpc).

    The centreline is the model's not-a-knot cubic spline r(theta) through its samples.
    """
    theta, radius = arm_centrelines(model.parameters)
    curves = []
    for tc93, th, r in zip(model.parameters.arm_tc93, theta, radius, strict=True):
        t = np.linspace(th[0], th[-1], samples)
        rr = CubicSpline(th, r)(t)
        curves.append((int(tc93), np.vstack([-rr * np.sin(t), rr * np.cos(t)])))
    return curves


def draw_galaxy(
    ax: Axes, models: Sequence[Model], half_width_kpc: float,
    centre_kpc: tuple[float, float] = (0.0, 0.0), arm_colour: str | None = None,
) -> None:
    """Face-on frame seen from the north Galactic pole: arm centrelines (one line style per
    model; coloured and labelled by arm unless ``arm_colour`` is given), the Sun and the GC,
    in a square of half-width ``half_width_kpc`` around ``centre_kpc`` (Galactocentric x, y)."""
    for model, style in zip(models, MODEL_LINESTYLES, strict=False):
        for tc93, (x, y) in sorted(arm_curves(model), key=lambda curve: curve[0]):
            name, colour = ARMS[tc93]
            if arm_colour is None:
                label = f"{tc93} {name}" if style == MODEL_LINESTYLES[0] else None
                ax.plot(x, y, style, color=colour, lw=1.6, label=label)
            else:
                ax.plot(x, y, style, color=arm_colour, lw=0.8, alpha=0.6)
    r_sun = models[0].parameters.r_sun
    ax.plot(0.0, r_sun, "o", ms=9, mfc="gold", mec="k", zorder=5)
    ax.plot(0.0, r_sun, ".", ms=3, color="k", zorder=6)
    ax.plot(0.0, 0.0, "k+", ms=12, mew=2, zorder=5)
    ax.annotate("Sun", (0.0, r_sun), xytext=(6, 6), textcoords="offset points", fontsize=9)
    ax.annotate("GC", (0.0, 0.0), xytext=(6, 6), textcoords="offset points", fontsize=9)
    ax.set_xlim(centre_kpc[0] - half_width_kpc, centre_kpc[0] + half_width_kpc)
    ax.set_ylim(centre_kpc[1] - half_width_kpc, centre_kpc[1] + half_width_kpc)
    ax.set_aspect("equal")
    ax.set_xlabel("x (kpc, toward l = 90°)")
    ax.set_ylabel("y (kpc, GC to Sun)")


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
    if row["status"] != "ok":
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
    samples: int = LOS_SAMPLES,
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

    Panels: n_e (cm^-3) of the total and of each component alone vs distance; the cumulative
    DM; C_n^2 (m^-20/3), all on a grid from the Sun to the farthest model distance; and a
    face-on map with the arm centrelines, the Sun, the GC and the sightline projected on the
    plane. Returns the path written.
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
    return save_png(fig, out_png)


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
    for i, line in enumerate(lines):
        cn2 = line.density["Cn2"].to_numpy()
        ax.plot(grid, np.where(cn2 > 0, cn2, np.nan), MODEL_LINESTYLES[i], color="tab:blue", lw=1.1)
    ax.set_yscale("log")
    ax.set_xlim(0.0, grid[-1])
    ax.set_xlabel("distance from the Sun (kpc)")
    ax.set_ylabel("C$_n^2$ (m$^{-20/3}$)")
    if len(lines) > 1:
        _model_legend(ax, lines, "upper right")


def _draw_sightline_map(ax: Axes, l_deg: float, b_deg: float, lines: Sequence[Sightline]) -> None:
    """Face-on map with each model's sightline; an inset zooms on the Sun for short ones."""
    models = [s.model for s in lines]
    r_sun = models[0].parameters.r_sun
    ends = [sky_to_galactocentric(l_deg, b_deg, s.end_kpc, r_sun)[0] for s in lines]
    reach = max(float(np.hypot(e[0], e[1])) for e in ends) + 1.0
    half = float(np.clip(reach, FACE_ON_MIN_HALF_WIDTH_KPC, FACE_ON_MAX_HALF_WIDTH_KPC))
    draw_galaxy(ax, models, half)
    _draw_sightlines(ax, lines, ends, r_sun, label=True)
    ax.legend(loc="lower left", fontsize=8, title="TC93 arms", title_fontsize=8)
    length = max(float(np.hypot(e[0], e[1] - r_sun)) for e in ends)
    if length < ZOOM_BELOW_FRACTION * half:
        inset = ax.inset_axes((0.6, 0.6, 0.38, 0.38))
        draw_galaxy(inset, models, max(1.3 * length, ZOOM_MIN_HALF_WIDTH_KPC), (0.0, r_sun))
        _draw_sightlines(inset, lines, ends, r_sun, label=False)
        inset.set_xlabel("")
        inset.set_ylabel("")
        inset.tick_params(labelsize=7)
        ax.indicate_inset_zoom(inset, edgecolor="0.3")


def _draw_sightlines(
    ax: Axes, lines: Sequence[Sightline], ends: Sequence[np.ndarray], r_sun: float, label: bool
) -> None:
    for i, (line, end) in enumerate(zip(lines, ends, strict=True)):
        ax.plot([0.0, end[0]], [r_sun, end[1]], MODEL_LINESTYLES[i], color="k", lw=2.0)
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


def register_cli(subparsers) -> None:
    """Add ``plot-los`` to an argparse subparsers object.

    The handler is set as ``func`` and as ``run`` (the name ``mwprop_batch.cli.main`` calls,
    with the command line as a second argument, which the handler ignores).
    """
    p = subparsers.add_parser(
        "plot-los", help="picture of one sightline (n_e, DM, C_n^2, face-on map)",
        description="Draw n_e by component, cumulative DM and C_n^2 along one sightline, with "
        "a face-on map of the Galaxy, for one model or two overlaid (needs matplotlib).",
        epilog=LOS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_sightline_arguments(p)
    p.add_argument("out", type=Path, metavar="OUT.png", help="PNG to write")
    p.add_argument("--model", type=model_list, default=("ne2025",), metavar="MODELS",
                   help="ne2025, ne2001, or two separated by a comma (default: ne2025)")
    p.set_defaults(func=run_plot_los, run=run_plot_los)


def run_plot_los(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``plot-los`` (``command``, the command line, is not used)."""
    path = plot_los(args.model, args.l, args.b, args.value, args.ndir, args.out)
    print(f"wrote {path}")
    return 0
