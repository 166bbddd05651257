"""Judge NE2001 and NE2025 against independent pulsar distances and measured pulse broadening.

Data (shipped in the package, copies of the repository's ``data/``; see its README for
provenance): the NE2025 calibration sets (Ocker & Cordes 2026) ``psr_dist_data.npz`` (126
parallax distances), ``GCdata.npz`` (45 globular clusters with pulsars) and
``scattering_database_nov2025.npz`` (569 pulse-broadening times at 1 GHz), plus the ATNF
catalogue v1.59's independent distances (``DIST_A``, else a parallax ``PX``).

Distances: each model's DM -> D distance against the measured one. Pulse broadening: each
model's TAU at 1 GHz for DM -> D (NE2001's formula) against the measured TAU. The statistics
are small pure functions of arrays, reused by the report and the figure.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .cliargs import model_list
from .io.psrcat import read_psrcat
from .model import Model
from .plots import as_model, new_figure, save_png
from .positions import find_columns, read_inputs

PACKAGE_DATA = Path(str(resources.files("mwprop_batch") / "data"))
DEFAULT_DATA_DIR = PACKAGE_DATA / "ne2025-calibration"  # copies of data/ne2025-calibration
DEFAULT_PSRCAT = PACKAGE_DATA / "atnf" / "psrcat-1.59.db.gz"  # data/psrcat-1.59.db, gzipped
PARALLAX_FILE = "psr_dist_data.npz"
GC_FILE = "GCdata.npz"
SCATTERING_FILE = "scattering_database_nov2025.npz"
REPORT_NAME = "validation.md"
FIGURE_NAME = "validation.png"
MIN_PARALLAX_SIGNIFICANCE = 3.0  # ATNF parallaxes without DIST_A: PX / PX_ERR at least this
FACTORS = (1.5, 2.0)  # distance ratios reported
TAU_FACTOR = 10.0
VALIDATION_FIGSIZE_IN = (15.0, 9.5)  # 1500 x 950 pixels

# sample key: title in the report and the figure
SAMPLES = {
    "parallax": "Parallax pulsars",
    "gc": "Globular clusters",
    "atnf": "ATNF DIST_A / PX",
    "scattering": "Pulse broadening",
}
DISTANCE_COLUMNS = ["name", "gl", "gb", "dm", "dist", "dist_lo", "dist_hi"]

VALIDATE_EPILOG = """\
Statistics (for each model and sample):
  within error   the model distance lies in the measured interval
  within 1.5x/2x D_model / D lies between 1/f and f
  median log     median of log10(D_model / D): < 0 means the model puts sources too near
  TAU            TAU for DM -> D at 1 GHz vs measured: median log10 ratio, scatter (standard
                 deviation of log10 ratio, dex) and the fraction within a factor of 10
NE2025 was fitted to these parallax, globular-cluster and scattering data: for NE2025 the
comparison is in-sample.

examples:
  mwprop-batch validate --out validation/
  mwprop-batch validate --data data/ne2025-calibration --psrcat data/psrcat-1.59.db
"""


# --- statistics: pure functions of arrays --------------------------------------------------

def log_ratio(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """log10(predicted / measured); NaN where either is not positive and finite."""
    predicted, measured = np.asarray(predicted, float), np.asarray(measured, float)
    good = (predicted > 0) & (measured > 0) & np.isfinite(predicted) & np.isfinite(measured)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(good, np.log10(predicted / measured), np.nan)


def fraction_within_factor(log_ratios: np.ndarray, factor: float) -> float:
    """Fraction of finite log10 ratios with |ratio| within ``factor`` (1/f <= ratio <= f)."""
    values = np.asarray(log_ratios, float)
    values = values[np.isfinite(values)]
    return float(np.mean(np.abs(values) <= np.log10(factor))) if values.size else np.nan


def fraction_within_interval(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Fraction of finite ``value`` with low <= value <= high (NaN bounds never contain it)."""
    value, low, high = (np.asarray(a, float) for a in (value, low, high))
    finite = np.isfinite(value)
    inside = (low <= value) & (value <= high)
    return float(np.mean(inside[finite])) if finite.any() else np.nan


def distance_stats(
    model_dist: np.ndarray, dist: np.ndarray, low: np.ndarray, high: np.ndarray,
    limit: np.ndarray,
) -> dict[str, float]:
    """Model distances (kpc) against measured ones and their intervals (kpc).

    Rows without a positive, finite model and measured distance are left out. Returns n,
    n_limit (model distances that are lower limits), within_error, within_1.5x, within_2x
    (fractions), median_log (median log10 model/measured) and median_abs_log (median
    |log10 ratio|).
    """
    ratios = log_ratio(model_dist, dist)
    used = np.isfinite(ratios)
    stats = {
        "n": int(used.sum()),
        "n_limit": int(np.asarray(limit, bool)[used].sum()),
        "within_error": fraction_within_interval(
            np.asarray(model_dist, float)[used], np.asarray(low, float)[used],
            np.asarray(high, float)[used],
        ),
    }
    for factor in FACTORS:
        stats[f"within_{factor:g}x"] = fraction_within_factor(ratios, factor)
    stats["median_log"] = _median(ratios)
    stats["median_abs_log"] = _median(np.abs(ratios))
    return stats


def tau_stats(model_tau: np.ndarray, tau: np.ndarray) -> dict[str, float]:
    """Model pulse broadening against measured (same units). Rows where either is not
    positive are left out. Returns n, median_log (median log10 model/measured), scatter_dex
    (standard deviation of log10 ratio, ddof=1) and within_10x (fraction)."""
    ratios = log_ratio(model_tau, tau)
    finite = ratios[np.isfinite(ratios)]
    return {
        "n": int(finite.size),
        "median_log": _median(finite),
        "scatter_dex": float(np.std(finite, ddof=1)) if finite.size > 1 else np.nan,
        f"within_{TAU_FACTOR:g}x": fraction_within_factor(finite, TAU_FACTOR),
    }


def _median(values: np.ndarray) -> float:
    finite = np.asarray(values, float)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if finite.size else np.nan


# --- data ---------------------------------------------------------------------------------

def _npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (the NE2025 calibration data)")
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def load_parallax(data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The parallax pulsars: name, gl, gb (deg), dm (pc cm^-3), dist, dist_lo, dist_hi (kpc)."""
    d = _npz(Path(data_dir) / PARALLAX_FILE)
    return pd.DataFrame({
        "name": d["jnames"].astype(str), "gl": d["gl"], "gb": d["gb"], "dm": d["dm"],
        "dist": d["dkpc"], "dist_lo": d["dkpc"] - d["deminus"], "dist_hi": d["dkpc"] + d["deplus"],
    })


def load_globular_clusters(data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The globular clusters, as :func:`load_parallax` (interval: dkpc +- dkpc_err)."""
    d = _npz(Path(data_dir) / GC_FILE)
    names = np.where(d["name"] == "none", d["ngc_name"], d["name"]).astype(str)
    return pd.DataFrame({
        "name": names, "gl": d["gl"], "gb": d["gb"], "dm": d["dm"], "dist": d["dkpc"],
        "dist_lo": d["dkpc"] - d["dkpc_err"], "dist_hi": d["dkpc"] + d["dkpc_err"],
    })


def load_scattering(data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The pulse-broadening sample: name, gl, gb (deg), dm (pc cm^-3), tau (ms at 1 GHz)."""
    d = _npz(Path(data_dir) / SCATTERING_FILE)
    return pd.DataFrame({
        "name": d["psr_names"].astype(str), "gl": d["gl"], "gb": d["gb"], "dm": d["dm"],
        "tau": d["tau"],
    })


def load_atnf(psrcat_path: str | os.PathLike[str]) -> pd.DataFrame:
    """ATNF pulsars with an independent distance, as :func:`load_parallax`.

    The distance is DIST_A with DIST_A_ERR, else with the range DIST_AMN..DIST_AMX (a missing
    end is open); without DIST_A, 1/PX for a parallax of at least
    :data:`MIN_PARALLAX_SIGNIFICANCE` sigma, within 1/(PX +- PX_ERR). Left out: pulsars
    without a DM or an interval, those in globular clusters (ASSOC 'GC:', one distance shared
    by many; see :func:`load_globular_clusters`) and in other galaxies (ASSOC 'EXGAL').
    """
    cat = read_psrcat(psrcat_path)
    inputs = read_inputs(cat, find_columns(cat.columns))
    table = pd.DataFrame({"name": cat["PSRJ"], "gl": inputs.l_deg, "gb": inputs.b_deg,
                          "dm": inputs.value})
    table["dist"], table["dist_lo"], table["dist_hi"] = _atnf_distances(cat)
    assoc = cat["ASSOC"].fillna("").astype(str) if "ASSOC" in cat else pd.Series("", cat.index)
    keep = (
        np.isfinite(table["dist"]) & np.isfinite(table["dist_lo"]) & table["dist_hi"].notna()
        & np.isfinite(table["dm"]) & np.isfinite(table["gl"])
        & ~assoc.str.contains("GC:|EXGAL", regex=True)
    )
    return table[keep].reset_index(drop=True)


def _atnf_distances(cat: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distance, low, high) in kpc from DIST_A(_ERR), DIST_AMN/AMX or PX(_ERR); NaN if none."""
    def column(name: str) -> np.ndarray:
        return cat[name].to_numpy(float) if name in cat else np.full(len(cat), np.nan)

    dist_a, dist_err = column("DIST_A"), column("DIST_A_ERR")
    amn, amx = column("DIST_AMN"), column("DIST_AMX")
    px, px_err = column("PX"), column("PX_ERR")
    has_err, has_range = np.isfinite(dist_err), np.isfinite(amn) | np.isfinite(amx)
    low = np.where(has_err, dist_a - dist_err, np.where(has_range, np.nan_to_num(amn), np.nan))
    high = np.where(has_err, dist_a + dist_err,
                    np.where(has_range, np.where(np.isfinite(amx), amx, np.inf), np.nan))
    use_px = ~np.isfinite(dist_a) & (px > 0) & (px >= MIN_PARALLAX_SIGNIFICANCE * px_err)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(use_px, 1.0 / px, dist_a)
        low = np.where(use_px, 1.0 / (px + px_err), low)
        high = np.where(use_px, 1.0 / (px - px_err), high)
    return dist, low, high


# --- comparison ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    """One model against one sample: the sample, the model's values and the statistics."""

    sample: str  # key of SAMPLES
    model: str
    data: pd.DataFrame  # the sample (distance or scattering columns)
    predicted: np.ndarray  # model distance (kpc) or TAU (ms at 1 GHz)
    limit: np.ndarray  # the DM exceeds what the model reaches: a lower-limit distance
    stats: dict[str, float]


def compare_distances(model: Model, sample: str, data: pd.DataFrame) -> Comparison:
    """The model's DM -> D distances for ``data`` (see :func:`load_parallax`)."""
    out = model.dm_to_dist(data["gl"], data["gb"], data["dm"])
    dist, limit = out["DIST"].to_numpy(), out["limit"].to_numpy()
    stats = distance_stats(dist, data["dist"], data["dist_lo"], data["dist_hi"], limit)
    return Comparison(sample, model.name, data, dist, limit, stats)


def compare_tau(model: Model, data: pd.DataFrame) -> Comparison:
    """The model's TAU at 1 GHz for DM -> D against the measured ``tau`` (ms at 1 GHz)."""
    out = model.dm_to_dist(data["gl"], data["gb"], data["dm"], scattering=True, freq_ghz=1.0)
    tau, limit = out["TAU"].to_numpy(), out["limit"].to_numpy()
    return Comparison("scattering", model.name, data, tau, limit, tau_stats(tau, data["tau"]))


def validate(
    models: Sequence[Model | str], data_dir: str | os.PathLike[str],
    psrcat: str | os.PathLike[str] | None = None,
) -> list[Comparison]:
    """Every comparison: per model, the parallax, GC, optional ATNF and scattering samples."""
    samples = {"parallax": load_parallax(data_dir), "gc": load_globular_clusters(data_dir)}
    if psrcat is not None:
        samples["atnf"] = load_atnf(psrcat)
    scattering = load_scattering(data_dir)
    results = []
    for item in models:
        model = as_model(item)
        results += [compare_distances(model, key, data) for key, data in samples.items()]
        results.append(compare_tau(model, scattering))
    return results


# --- report and figure --------------------------------------------------------------------

def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table; the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _percent(value: float) -> str:
    return "–" if np.isnan(value) else f"{100.0 * value:.0f}%"


def _number(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:+.2f}"


def report_markdown(results: Sequence[Comparison], sources: Sequence[str]) -> str:
    """The validation report: a distance table and a pulse-broadening table."""
    distance_rows = [
        [SAMPLES[r.sample], r.model.upper(), str(r.stats["n"]), str(r.stats["n_limit"]),
         _percent(r.stats["within_error"]), _percent(r.stats["within_1.5x"]),
         _percent(r.stats["within_2x"]), _number(r.stats["median_log"]),
         f"{r.stats['median_abs_log']:.2f}"]
        for r in results if r.sample != "scattering"
    ]
    tau_rows = [
        [SAMPLES[r.sample], r.model.upper(), str(r.stats["n"]), _number(r.stats["median_log"]),
         f"{r.stats['scatter_dex']:.2f}", _percent(r.stats["within_10x"])]
        for r in results if r.sample == "scattering"
    ]
    return "\n\n".join([
        "# Validation: model distances and pulse broadening against measurements",
        "Data: " + "; ".join(f"`{s}`" for s in sources) + ".",
        "## Distances (DM -> D)",
        markdown_table(
            ["sample", "model", "N", "limits", "within error", "within 1.5x", "within 2x",
             "median log10(D_model/D)", "median abs log10"], distance_rows,
        ),
        "*limits*: DMs beyond what the model reaches (the model distance is a lower limit, "
        "counted at its value). *within error*: the model distance inside the measured "
        "interval. *within f x*: 1/f <= D_model/D <= f.",
        "## Pulse broadening at 1 GHz (TAU for DM -> D)",
        markdown_table(
            ["sample", "model", "N", "median log10(tau_model/tau)", "scatter (dex)",
             "within 10x"], tau_rows,
        ),
        "*scatter*: standard deviation of log10(tau_model/tau). NE2025 was fitted to the "
        "parallax, globular-cluster and scattering samples, so its numbers here are in-sample.",
    ]) + "\n"


def plot_validation(results: Sequence[Comparison], out_png: str | os.PathLike[str]) -> Path:
    """One row per model: parallax and GC distances, and TAU, model vs measured (log-log)."""
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
    return save_png(fig, out_png)


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
    ax.text(0.04, 0.96, f"N = {s['n']}\nwithin error {_percent(s['within_error'])}\n"
            f"within 1.5x {_percent(s['within_1.5x'])}, 2x {_percent(s['within_2x'])}\n"
            f"median log ratio {_number(s['median_log'])}", transform=ax.transAxes,
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
    ax.text(0.04, 0.96, f"N = {s['n']}\nmedian log ratio {_number(s['median_log'])}\n"
            f"scatter {s['scatter_dex']:.2f} dex\nwithin 10x {_percent(s['within_10x'])}",
            transform=ax.transAxes, va="top", fontsize=8.5,
            bbox=dict(fc="w", ec="0.7", alpha=0.9))
    ax.set_xlabel("measured τ at 1 GHz (ms)")
    ax.set_ylabel("model τ at 1 GHz (ms)")
    ax.legend(loc="lower right", fontsize=7.5)


def run_validation(
    out_dir: str | os.PathLike[str], data_dir: str | os.PathLike[str],
    psrcat: str | os.PathLike[str] | None = None,
    models: Sequence[Model | str] = ("ne2001", "ne2025"),
) -> tuple[Path, Path, list[Comparison]]:
    """Write ``validation.md`` and ``validation.png`` into ``out_dir`` (created if needed).

    Returns the two paths and the comparisons.
    """
    results = validate(models, data_dir, psrcat)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sources = [str(Path(data_dir)), *([str(psrcat)] if psrcat is not None else [])]
    report = out / REPORT_NAME
    report.write_text(report_markdown(results, sources), encoding="utf-8")
    return report, plot_validation(results, out / FIGURE_NAME), results


def register_cli(subparsers) -> None:
    """Add ``validate`` to an argparse subparsers object.

    The handler is set as ``func`` and as ``run`` (the name ``mwprop_batch.cli.main`` calls,
    with the command line as a second argument, which the handler ignores).
    """
    p = subparsers.add_parser(
        "validate", help="compare the models with measured distances and pulse broadening",
        description="Compare NE2001 and NE2025 DM distances with parallax, globular-cluster "
        "(and ATNF) distances, and their TAU with measured pulse broadening; write "
        f"{REPORT_NAME} and {FIGURE_NAME} (needs matplotlib).",
        epilog=VALIDATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", type=Path, metavar="DIR", default=DEFAULT_DATA_DIR,
                   help="folder with the NE2025 calibration .npz files (default: the copy "
                   "shipped in the package)")
    p.add_argument("--out", type=Path, metavar="DIR", default=Path("."),
                   help="folder for the report and the figure (default: .)")
    p.add_argument("--psrcat", type=Path, metavar="PATH",
                   help="ATNF psrcat.db (or .db.gz) for its DIST_A/PX distances (default: "
                   "psrcat 1.59, shipped in the package)")
    p.add_argument("--no-atnf", action="store_true", help="leave the ATNF distances out")
    p.add_argument("--model", type=model_list, default=("ne2001", "ne2025"), metavar="MODELS",
                   help="default: ne2001,ne2025")
    p.set_defaults(func=run_validate, run=run_validate)


def run_validate(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``validate`` (``command``, the command line, is not used)."""
    psrcat = None if args.no_atnf else (args.psrcat or DEFAULT_PSRCAT)
    report, figure, _ = run_validation(args.out, args.data, psrcat, args.model)
    print(f"wrote {report} and {figure}")
    return 0
