"""The validation figure: model against measured distances and pulse broadening, log-log.

Needs the optional extra ``plot`` (matplotlib), imported only when drawing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mwprop_batch.pictures.canvas import new_figure, save_png

from .comparison import Comparison
from .data import SAMPLES
from .statistics import TAU_FACTOR, percent_text, signed_text

VALIDATION_FIGSIZE_IN = (15.0, 9.5)  # 1500 x 950 pixels


def plot_validation(
    results: Sequence[Comparison], out_png: str | os.PathLike[str], overwrite: bool = False,
) -> Path:
    """One row per model: parallax and GC distances, and TAU, model vs measured (log-log);
    an existing ``out_png`` is replaced only with ``overwrite``."""
    panels = ("parallax", "gc", "scattering")
    models = list(dict.fromkeys(r.model for r in results))
    by_key = {(r.model, r.sample): r for r in results}
    fig = new_figure(*VALIDATION_FIGSIZE_IN)
    axes = fig.subplots(len(models), len(panels), squeeze=False)
    for row, model in enumerate(models):
        for col, sample in enumerate(panels):
            ax, result = axes[row, col], by_key[(model, sample)]
            if sample == "scattering":
                _draw_tau_panel(ax, result)
            else:
                _draw_distance_panel(ax, result)
            ax.set_title(f"{model.upper()}: {SAMPLES[sample].lower()}", fontsize=11)
    return save_png(fig, out_png, overwrite)


def _one_to_one(ax, low: float, high: float, factor: float) -> None:
    span = np.array([low, high])
    ax.plot(span, span, "k-", lw=0.8)
    ax.fill_between(span, span / factor, span * factor, color="0.85", zorder=0,
                    label=f"within {factor:g}x")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")


def _draw_distance_panel(ax, result: Comparison) -> None:
    data, dist, limit = result.data, result.predicted, result.limit
    measured = data["dist"].to_numpy()
    err = np.vstack([measured - data["dist_lo"], data["dist_hi"] - measured])
    _one_to_one(ax, 0.05, 60.0, 2.0)
    ok = ~limit
    ax.errorbar(measured[ok], dist[ok], xerr=err[:, ok], fmt="o", ms=3.5, color="tab:blue",
                ecolor="tab:blue", elinewidth=0.8, alpha=0.8, label="model distance")
    if limit.any():
        ax.errorbar(measured[limit], dist[limit], xerr=err[:, limit], fmt="^", ms=5,
                    color="tab:red", elinewidth=0.8, label="lower limit (DM beyond model)")
    s = result.stats
    ax.text(0.04, 0.96, f"N = {s['n']}\nwithin error {percent_text(s['within_error'])}\n"
            f"within 1.5x {percent_text(s['within_1.5x'])}, 2x {percent_text(s['within_2x'])}\n"
            f"median log ratio {signed_text(s['median_log'])}", transform=ax.transAxes,
            va="top", fontsize=8.5, bbox=dict(fc="w", ec="0.7", alpha=0.9))
    ax.set_xlabel("measured distance (kpc)")
    ax.set_ylabel("model distance from DM (kpc)")
    ax.legend(loc="lower right", fontsize=7.5)


def _draw_tau_panel(ax, result: Comparison) -> None:
    tau, model_tau = result.data["tau"].to_numpy(), result.predicted
    _one_to_one(ax, 1e-8, 1e4, TAU_FACTOR)
    ok = ~result.limit
    ax.plot(tau[ok], model_tau[ok], "o", ms=2.5, color="tab:purple", alpha=0.6,
            label="model TAU")
    if result.limit.any():
        ax.plot(tau[result.limit], model_tau[result.limit], "^", ms=4, color="tab:red",
                label="DM beyond model")
    s = result.stats
    ax.text(0.04, 0.96, f"N = {s['n']}\nmedian log ratio {signed_text(s['median_log'])}\n"
            f"scatter {s['scatter_dex']:.2f} dex\nwithin 10x {percent_text(s['within_10x'])}",
            transform=ax.transAxes, va="top", fontsize=8.5,
            bbox=dict(fc="w", ec="0.7", alpha=0.9))
    ax.set_xlabel("measured τ at 1 GHz (ms)")
    ax.set_ylabel("model τ at 1 GHz (ms)")
    ax.legend(loc="lower right", fontsize=7.5)
