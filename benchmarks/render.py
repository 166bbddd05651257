"""Turn the results of ``report.py`` into docs/performance.md and docs/img/performance.png."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from workload import DIRECTIONS

DOC = Path("docs/performance.md")
PLOT = Path("docs/img/performance.png")
LABEL = {"ne2001": "NE2001", "ne2025": "NE2025", "ymw16": "YMW16"}
REFERENCE_LABEL = {("mwprop", "ne2001"): "mwprop NE2001p", ("mwprop", "ne2025"): "mwprop NE2025p",
                   ("pygedm", "ne2001"): "pygedm NE2001 (Fortran)",
                   ("pygedm", "ymw16"): "pygedm YMW16 (C++)"}
OURS = [f"ours {label}" for label in LABEL.values()]
CONFIGS = [(direction, scattering) for direction in DIRECTIONS for scattering in (False, True)]
FIT_FROM = 1_000  # sightlines: the scaling slope is fitted from here up
CONVERT_FIT_FROM = 10_000  # rows: convert's slope and rate are fitted from here up
PYGEDM_SETUP = """\
```bash
apt-get update && apt-get install -y libf2c2-dev   # pygedm's NE2001 links libf2c
python3.11 -m venv /tmp/venv-pygedm
/tmp/venv-pygedm/bin/pip install pygedm scipy      # pygedm imports scipy but does not declare it
```

pygedm still imports `scipy.integrate.simps`, removed in SciPy 1.14: `comparators.py` sets
`scipy.integrate.simps = scipy.integrate.simpson` in its own process before importing pygedm
(no file is patched). pygedm takes l, b in degrees and distances in pc, and returns the
distance in pc; each call changes the working directory to its data files and back. Its YMW16
runs in Galactic mode (`mode="gal"`, its default)."""


# ---------------------------------------------------------------------------------------------
# numbers


def duration(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def rate(per_s: float) -> str:
    if not np.isfinite(per_s):
        return "not measured"
    return f"{per_s:,.0f}" if per_s >= 10 else f"{per_s:.2g}"


def times(x: float) -> str:
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}×" if x >= 10 else f"{x:.2g}×"


def slope(n: np.ndarray, seconds: np.ndarray, fit_from: int = FIT_FROM) -> float:
    """Exponent of time ∝ n^k, fitted from ``fit_from`` sightlines up."""
    keep = n >= fit_from
    return float(np.polyfit(np.log10(n[keep]), np.log10(seconds[keep]), 1)[0])


def code_frame(results: dict) -> pd.DataFrame:
    """Every per-code record with its label and rate (sightlines/s)."""
    codes = pd.DataFrame(results["codes"])
    name = codes["code"].str.split().str[0]
    codes["label"] = [REFERENCE_LABEL.get((c, m), f"ours {LABEL[m]}")
                      for c, m in zip(name, codes["model"], strict=True)]
    codes["reference"] = name != "mwprop_batch"
    codes["per_s"] = 1.0 / codes["seconds"]
    return codes


def lookup(codes: pd.DataFrame, label: str, direction: str, scattering: bool,
           sightlines: int | None = None) -> float:
    """Rate of one record; pygedm has one mode (it always computes its scattering time)."""
    rows = codes[(codes["label"] == label) & (codes["direction"] == direction)]
    if not label.startswith("pygedm"):
        rows = rows[rows["scattering"] == scattering]
    if sightlines is not None:
        rows = rows[rows["sightlines"] == sightlines]
    return float(rows["per_s"].iloc[0]) if len(rows) else np.nan


# ---------------------------------------------------------------------------------------------
# tables


def throughput_table(codes: pd.DataFrame, plan) -> str:
    labels = [*REFERENCE_LABEL.values(), *OURS]
    rows = []
    for direction, scattering in CONFIGS:
        row = {"direction": direction, "scattering": "yes" if scattering else "no"}
        for label in labels:
            n = plan.rows if label.startswith("ours") else None
            row[label] = rate(lookup(codes, label, direction, scattering, n))
        rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def speedup_table(codes: pd.DataFrame, plan) -> str:
    pairs = [("NE2001 vs mwprop NE2001p", "ours NE2001", "mwprop NE2001p", plan.mwprop_rows),
             ("NE2025 vs mwprop NE2025p", "ours NE2025", "mwprop NE2025p", plan.mwprop_rows),
             ("NE2001 vs pygedm", "ours NE2001", "pygedm NE2001 (Fortran)", plan.pygedm_rows),
             ("YMW16 vs pygedm", "ours YMW16", "pygedm YMW16 (C++)", plan.pygedm_rows)]
    rows = []
    for direction, scattering in CONFIGS:
        row = {"direction": direction, "scattering": "yes" if scattering else "no"}
        for title, mine, theirs, same in pairs:
            reference = lookup(codes, theirs, direction, scattering)
            at_scale = lookup(codes, mine, direction, scattering, plan.rows) / reference
            batch = lookup(codes, mine, direction, scattering, same) / reference
            row[title] = f"{times(at_scale)} ({times(batch)})"
        rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def reference_table(codes: pd.DataFrame) -> str:
    refs = codes[codes["reference"]]
    return pd.DataFrame({
        "code": refs["code"], "model": refs["label"].str.split(n=1).str[1],
        "direction": refs["direction"],
        "scattering": ["always (τ)" if c.startswith("pygedm") else ("yes" if s else "no")
                       for c, s in zip(refs["code"], refs["scattering"], strict=True)],
        "sightlines": refs["sightlines"], "mean time per call": refs["seconds"].map(duration),
        "other load (cores)": refs["other"].map("{:.2f}".format),
        "compared (not limit)": refs["compared"].astype(int),
        "median abs(ours/theirs - 1)": refs["agreement"].map("{:.1e}".format),
    }).to_markdown(index=False, disable_numparse=True)


def split_table(results: dict) -> str:
    split = pd.DataFrame(results["split"])
    return pd.DataFrame({
        "model": split["model"].map(LABEL), "direction": split["direction"],
        "scattering": split["scattering"].map({True: "yes", False: "no"}),
        "sightlines": split["sightlines"].map("{:,}".format),
        "whole call": split["total"].map(duration),
        "numba kernels": split["kernel"].map(duration),
        "Python around them": (1 - split["kernel"] / split["total"]).map("{:.1%}".format),
        "sightlines/s": (split["sightlines"] / split["total"]).map(rate),
        "kernels alone": (split["sightlines"] / split["kernel"]).map(rate),
    }).to_markdown(index=False, disable_numparse=True)


def limit_table(results: dict) -> str:
    split = pd.DataFrame(results["limit_split"])
    total = split.groupby("model")[["sightlines", "seconds"]].transform("sum")
    return pd.DataFrame({
        "model": split["model"].map(LABEL), "rows": split["rows"],
        "share of sightlines": (split["sightlines"] / total["sightlines"]).map("{:.0%}".format),
        "time per sightline": (split["seconds"] / split["sightlines"]).map(duration),
        "share of the time": (split["seconds"] / total["seconds"]).map("{:.0%}".format),
    }).to_markdown(index=False, disable_numparse=True)


def rows_tables(results: dict) -> tuple[str, str]:
    curve = pd.DataFrame(results["rows"])
    curve["curve"] = curve["model"].map(LABEL) + " " + curve["direction"]
    wide = curve.pivot(index="n", columns="curve", values="seconds")
    times_table = wide.map(duration).reset_index()
    times_table["n"] = times_table["n"].map("{:,}".format)
    fits = []
    for name, group in curve.groupby("curve"):
        largest = group.loc[group["n"].idxmax()]
        exponent = slope(group["n"].to_numpy(), group["seconds"].to_numpy())
        fits.append({"curve": name, f"slope (n ≥ {FIT_FROM:,})": f"{exponent:.3f}",
                     "one sightline": duration(group.loc[group["n"].idxmin(), "seconds"]),
                     "largest n": f"{largest['n']:,}",
                     "sightlines/s there": rate(largest["n"] / largest["seconds"])})
    return (times_table.to_markdown(index=False, disable_numparse=True),
            pd.DataFrame(fits).to_markdown(index=False, disable_numparse=True))


def dm_table(results: dict) -> str:
    dm = pd.DataFrame(results["dm"])
    wide = dm.pivot_table(index=["b_abs", "dm"], columns="model",
                          values=["seconds", "median_dist", "limit"])
    table = pd.DataFrame({
        "abs(b)": [f"{b:g}°" for b, _ in wide.index],
        "DM": [f"{d:,.0f}" for _, d in wide.index],
    })
    for model in wide["seconds"].columns:
        table[f"{LABEL[model]} time/sightline"] = wide["seconds"][model].map(duration).to_numpy()
        table[f"{LABEL[model]} median DIST (kpc)"] = (
            wide["median_dist"][model].map("{:.3g}".format).to_numpy())
        table[f"{LABEL[model]} limit"] = wide["limit"][model].map("{:.0%}".format).to_numpy()
    return table.to_markdown(index=False, disable_numparse=True)


def threads_table(results: dict) -> str:
    threads = pd.DataFrame(results["threads"])
    wide = threads.pivot(index="workload", columns="threads", values="per_s")
    table = pd.DataFrame({"workload": wide.index})
    for k in wide.columns:
        table[f"{k} thread{'s' if k > 1 else ''} (per s)"] = wide[k].map(rate).to_numpy()
    table["speed-up"] = (wide[wide.columns[-1]] / wide[wide.columns[0]]).map(
        "{:.2f}×".format).to_numpy()
    return table.to_markdown(index=False, disable_numparse=True)


def convert_frame(results: dict) -> pd.DataFrame:
    """The convert runs, with the time beyond that of converting one row (start-up)."""
    runs = pd.DataFrame(results["convert"]).sort_values("n")
    runs["beyond_start"] = (runs["seconds"] - runs["seconds"].iloc[0]).where(
        runs["n"] >= CONVERT_FIT_FROM)
    return runs


def convert_tables(results: dict) -> tuple[str, str]:
    runs = convert_frame(results)
    table = pd.DataFrame({
        "rows": runs["n"].map("{:,}".format),
        "wall time": runs["seconds"].map(duration),
        "beyond start-up": runs["beyond_start"].map(duration),
        "rows/s beyond start-up": (runs["n"] / runs["beyond_start"]).map(
            lambda per_s: rate(per_s) if np.isfinite(per_s) else "-"),
        "peak RSS": runs["peak_mb"].map("{:,.0f} MB".format),
        "other load (cores)": runs["other"].map("{:.2f}".format),
    })
    big = runs[runs["n"] >= CONVERT_FIT_FROM]
    fit = pd.DataFrame([{
        f"slope of time beyond start-up (n ≥ {CONVERT_FIT_FROM:,})":
            f"{slope(big['n'].to_numpy(), big['beyond_start'].to_numpy(), 0):.3f}",
        "start-up (1 row)": duration(runs["seconds"].iloc[0]),
        "largest catalogue": f"{runs['n'].iloc[-1]:,} rows",
        "its peak RSS": f"{runs['peak_mb'].iloc[-1]:,.0f} MB",
        "peak RSS of 1 row": f"{runs['peak_mb'].iloc[0]:,.0f} MB",
    }])
    return (fit.to_markdown(index=False, disable_numparse=True),
            table.to_markdown(index=False, disable_numparse=True))


def first_call_table(results: dict) -> str:
    rows = [{"numba cache": r["cache"], "sightlines": f"{r['rows']:,}",
             "whole process": duration(r["process"]),
             "import mwprop_batch": duration(r["import"]),
             "Model + tables": duration(r["build"]),
             "first call": duration(r["first_call"])}
            for r in results["first_call"]]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def cli_first_table(results: dict) -> str:
    rows = [{"run": r["run"], "wall time": duration(r["seconds"])} for r in results["cli_first"]]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def disk_table(results: dict) -> str:
    rows = [{"n": f"{r['n']:,}", "time": duration(r["seconds"]), "sightlines/s": rate(r["per_s"])}
            for r in results["disk"]]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def machine_table(results: dict) -> str:
    return pd.DataFrame(list(results["machine"].items()), columns=["", ""]).to_markdown(
        index=False, disable_numparse=True)


# ---------------------------------------------------------------------------------------------


def markdown(results: dict) -> str:
    plan, timing, codes = results["plan"], results["timing"], code_frame(results)
    times_table, fits_table = rows_tables(results)
    convert_fit, convert_table = convert_tables(results)
    missing = "".join(f"\n\n**{code} not measured**: {why}"
                      for code, why in results["missing"].items())
    return f"""# Performance

Measured by `benchmarks/report.py` in one run of {results['elapsed'] / 60:.0f} min (the
command below); every figure comes from the same seeded whole-sky sightlines
(`benchmarks/workload.py`: l uniform, b uniform in sin b, DM 3-1500 pc cm^-3 and distance
0.05-30 kpc log-uniform). Our times are the shortest of repeated calls (at least two for the
throughput figures; one for calls longer than a second on the scaling curve), the ones least
disturbed by other load: a call of {timing['measurable']:g} s or more during which other
processes used more than {timing['quiet']:g} core is repeated while the repeats take under
{timing['patience']:g} s. The pytest-benchmark suite (`pytest benchmarks`) measures the same
workloads for regression tracking.

![Performance curves](img/performance.png)

## Machine

{machine_table(results)}

## Against mwprop and pygedm

Sightlines per second. mwprop (NE2001p, NE2025p) and pygedm (the Fortran NE2001 and the
authors' C++ YMW16) run one sightline per call in their own process (one core), timed per call
inside that process after one untimed warm-up call: mwprop on the first
{plan.mwprop_rows} sightlines of the sample in each direction and mode, pygedm on the first
{plan.pygedm_rows:,}. Ours runs the first {plan.rows:,} as one call, on every core.

{throughput_table(codes, plan)}

How many times faster we are; in brackets, when we run exactly the comparator's sightlines as
one batch ({plan.mwprop_rows} for mwprop, {plan.pygedm_rows:,} for pygedm), where our fixed cost
per call weighs more. pygedm always computes its scattering time; it is compared with ours
with and without scattering. YMW16's only scattering column is its τ (the NE2001-family
columns do not apply to it).

{speedup_table(codes, plan)}

Each reference run, the load of other processes on the machine during it (in cores; the
reference runs once), and how closely our result (DIST or DM) matches it on the same sightlines
where ours is not a `limit` row (beyond the DM the model reaches, each code reports a different
lower-limit distance). The Fortran NE2001 is a different code from NE2001p; pygedm's YMW16
is the authors' C++ code, ours is written from the paper; see [accuracy.md](accuracy.md).

{reference_table(codes)}{missing}

## Where our time goes

A call on {plan.rows:,} sightlines (the faster of two), split into the numba kernels (the
line-of-sight integrals, in parallel over rows) and the Python around them (validation, result
table, scattering columns).

{split_table(results)}

Inside the kernels, DM -> D costs most where the DM exceeds what the model reaches by its
edge (50 kpc for NE2001 and NE2025, YMW16's 25 kpc horizon; `limit` rows, common at high
latitude for this sample's DM range): those sightlines are integrated all the way to the edge.

{limit_table(results)}

## Time against the number of sightlines

Time of one call, no scattering. The cost is linear in the number of sightlines above about
a thousand (fitted slope of log time against log n), with a fixed cost per call below.

{fits_table}

{times_table}

## Time per sightline against DM (path length)

DM -> D on {plan.dm_rows:,} sightlines at random l per point, in the plane (b = 0) and at
abs(b) = 30°. Where the DM exceeds what the model reaches (`limit`), the sightline is integrated
to the model's edge (50 kpc; YMW16: 25 kpc).

{dm_table(results)}

## Threads

`numba.set_num_threads(k)`; sightlines on {plan.thread_rows:,} rows, density on
{plan.density_points:,} points.

{threads_table(results)}

## Catalogue conversion: time and peak memory against rows

`mwprop-batch convert IN.parquet OUT.parquet --model ne2025` (distance from DM, no scattering)
on the first n sightlines of the sample as a Parquet catalogue (ID, GL, GB, DM in row groups of
65,536), each in a fresh process: interpreter start, numba cache, reading, computing, writing
and the fsync, with the process's peak resident memory (`VmHWM`). Rows are read, computed
and written one batch of 65,536 at a time, so memory stays flat however long the catalogue.
"Beyond start-up" subtracts the 1-row run (interpreter, imports, model build).

{convert_fit}

{convert_table}

## First call in a fresh process

Interpreter start, `import mwprop_batch`, `Model("ne2025")` with its tables, and one DM -> D
call: of one sightline, which the model runs interpreted (`mwprop_batch.core.runner`: a model's
first calls of at most 16 rows need no compiled code), and of 1,000, which runs the compiled
kernels. Empty: a new `NUMBA_CACHE_DIR` (the 1-row process compiles nothing, so the 1,000-row
process after it compiles every kernel DM -> D needs); warm: the same cache afterwards
(median of {plan.warm_runs} runs).

{first_call_table(results)}

The command line (`mwprop-batch`): the first `los` after installation builds the model's
tables (compiling the arm-grid builder) and answers its one sightline interpreted; later runs
load the tables from their cache (`mwprop_batch/core/tablecache.py`). A call on more rows runs the
compiled kernels, which numba compiles on the installation's first such call;
`mwprop-batch compile` does that ahead of time (images, CI, clusters).

{cli_first_table(results)}

## The demo's disk population

NE2025 DM -> D on the synthetic pulsar catalogue of `mwprop-batch demo`
(`mwprop_batch.demo.synthetic_catalogue`: an exponential disk seen from the Sun, DMs from
NE2025 with a lognormal scatter), the first n rows of one seeded population.

{disk_table(results)}

## pygedm's environment

{PYGEDM_SETUP}
{psrqpy_section(results)}"""


def psrqpy_section(results: dict) -> str:
    """The optional psrqpy section (``report.py --psrqpy``), or nothing."""
    if "psrqpy" not in results:
        return ""
    r = results["psrqpy"]
    agreement = pd.DataFrame([
        {"psrqpy's DIST_DM_NE2025 against": f"our {name.upper()}",
         "pulsars compared": f"{v['compared']:,}", "median": f"{v['median']:.1e}",
         "90%": f"{v['p90']:.1e}", "max": f"{v['max']:.1e}",
         "within 1%": f"{v['within_1pct']:.1%}"}
        for name, v in ((n, r[f"vs_{n}"]) for n in ("ne2025", "ne2001"))
    ]).to_markdown(index=False)
    return f"""
## psrqpy's NE2025 distances for the ATNF catalogue

`QueryATNF(loadfromdb="data/psrcat-1.59.db", include_ne2025_dist=True)` (psrqpy
{r['psrqpy']}) on {r['pulsars']:,} pulsars with GL, GB and DM, NE2025 selected first in a
private copy of mwprop in its own process (`benchmarks/psrqpy_timing.py`; its
`which_model.inp` read {r['which_model_inp']}). psrqpy computed the distances in
{duration(r['psrqpy_ne2025_s'])} (one mwprop call per pulsar in a pool of one process per
core; its catalogue load, {duration(r['load_s'])}, not counted); ours on the same rows in
{duration(r['ours_ne2025_s'])} (NE2025) and {duration(r['ours_ne2001_s'])} (NE2001).
psrqpy used **{r['psrqpy_used']}**: its distances are nearer ours from that model. Relative
difference of the distances, where ours is not a `limit` row:

{agreement}
"""


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, figsize=(12, 13), layout="constrained")
    plot_rows(axes[0, 0], results)
    plot_dm(axes[0, 1], results)
    plot_codes(axes[1, 0], code_frame(results), results["plan"])
    plot_threads(axes[1, 1], results)
    plot_convert(axes[2, 0], axes[2, 1], results)
    fig.suptitle(f"mwprop_batch on {results['machine']['CPU']}, {results['machine']['cores']}"
                 " cores")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_rows(ax, results: dict) -> None:
    curve = pd.DataFrame(results["rows"])
    for (model, direction), group in curve.groupby(["model", "direction"]):
        n, seconds = group["n"].to_numpy(), group["seconds"].to_numpy()
        ax.loglog(n, seconds, "o-", ms=4,
                  label=f"{LABEL[model]} {direction} (slope {slope(n, seconds):.2f})")
    n = np.array([curve["n"].min(), curve["n"].max()], dtype=float)
    top = curve.loc[curve["n"] == curve["n"].max(), "seconds"].max()
    ax.loglog(n, top * n / n[-1], "k:", lw=1, label="∝ n")
    ax.set(xlabel="sightlines per call", ylabel="time per call (s)",
           title="Time against the number of sightlines")
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)


def plot_dm(ax, results: dict) -> None:
    dm = pd.DataFrame(results["dm"])
    for (model, b_abs), group in dm.groupby(["model", "b_abs"]):
        ax.semilogx(group["dm"], group["seconds"] * 1e6, "o-", ms=4,
                    label=f"{LABEL[model]}, |b| = {b_abs:g}°")
    ax.set(xlabel="DM (pc cm$^{-3}$)", ylabel="time per sightline (µs)",
           title="DM → D: cost per sightline against DM", ylim=(0, None))
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)


def plot_codes(ax, codes: pd.DataFrame, plan) -> None:
    labels = [*REFERENCE_LABEL.values(), *OURS]
    width = 0.8 / len(CONFIGS)
    y = np.arange(len(labels))
    for j, (direction, scattering) in enumerate(CONFIGS):
        values = [lookup(codes, label, direction, scattering,
                         plan.rows if label.startswith("ours") else None) for label in labels]
        ax.barh(y + (j - 1.5) * width, values, width,
                label=f"{direction}{' + scattering' if scattering else ''}")
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="sightlines per second", title="Throughput of each code")
    ax.legend(fontsize=8)
    ax.grid(True, axis="x", alpha=0.3)


def plot_threads(ax, results: dict) -> None:
    threads = pd.DataFrame(results["threads"])
    for workload, group in threads.groupby("workload"):
        ax.plot(group["threads"], group["per_s"] / group["per_s"].iloc[0], "o-", ms=4,
                label=workload)
    counts = np.sort(threads["threads"].unique())
    ax.plot(counts, counts, "k:", lw=1, label="ideal")
    ax.set(xlabel="numba threads", ylabel="speed-up over 1 thread", xticks=counts,
           title="Threads")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)


def plot_convert(time_ax, memory_ax, results: dict) -> None:
    runs = convert_frame(results)
    big = runs[runs["n"] >= CONVERT_FIT_FROM]
    time_ax.loglog(runs["n"], runs["seconds"], "o-", ms=4, label="wall time (fresh process)")
    time_ax.loglog(big["n"], big["beyond_start"], "s-", ms=4, label="beyond start-up")
    n = big["n"].to_numpy(dtype=float)
    time_ax.loglog(n, big["beyond_start"].iloc[-1] * n / n[-1], "k:", lw=1, label="∝ n")
    time_ax.set(xlabel="catalogue rows", ylabel="time (s)",
                title="convert (NE2025 DM → D): time against rows")
    time_ax.legend(fontsize=8)
    time_ax.grid(True, which="major", alpha=0.3)
    memory_ax.semilogx(runs["n"], runs["peak_mb"], "o-", ms=4, label="peak RSS")
    memory_ax.axhline(1500.0, color="r", ls="--", lw=1, label="1.5 GB target")
    memory_ax.set(xlabel="catalogue rows", ylabel="peak resident memory (MB)", ylim=(0, None),
                  title="convert: peak memory against rows")
    memory_ax.legend(fontsize=8)
    memory_ax.grid(True, alpha=0.3)


def write_report(results: dict, root: Path) -> list[Path]:
    """Write the Markdown report and its figure under ``root``; return their paths."""
    doc, figure = root / DOC, root / PLOT
    figure.parent.mkdir(parents=True, exist_ok=True)
    plot(results, figure)
    doc.write_text(markdown(results))
    return [doc, figure]
