"""The validation report (``validate``): a Markdown table per kind of measurement and the
figure, written into one folder.

Distances: each model's DM -> D distance against the measured one. Pulse broadening: each
model's TAU at 1 GHz for DM -> D (its own formula) against the measured TAU.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from mwprop_batch.core.publish import AtomicFile, check_outputs
from mwprop_batch.model import Model
from mwprop_batch.registry import COMPARED_MODELS

from .comparison import Comparison, validate
from .data import PACKAGE_DATA, SAMPLES
from .figure import plot_validation
from .statistics import percent_text, signed_text

REPORT_NAME = "validation.md"
FIGURE_NAME = "validation.png"


def source_name(path: str | os.PathLike[str], out_dir: Path) -> str:
    """How the report names a data source: a copy shipped in the package by its place in the
    package (``mwprop_batch/data/...``), any other path relative to the report's folder, so
    that the report shows no absolute local path."""
    where = Path(path).resolve()
    if where.is_relative_to(PACKAGE_DATA.resolve()):
        return f"mwprop_batch/data/{where.relative_to(PACKAGE_DATA.resolve()).as_posix()}"
    try:
        return Path(os.path.relpath(where, out_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return where.name


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table; the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(results: Sequence[Comparison], sources: Sequence[str]) -> str:
    """The validation report: a distance table and a pulse-broadening table."""
    distance_rows = [
        [SAMPLES[r.sample], r.model.upper(), str(r.stats["n"]), str(r.stats["n_limit"]),
         percent_text(r.stats["within_error"]), percent_text(r.stats["within_1.5x"]),
         percent_text(r.stats["within_2x"]), signed_text(r.stats["median_log"]),
         f"{r.stats['median_abs_log']:.2f}"]
        for r in results if r.sample != "scattering"
    ]
    tau_rows = [
        [SAMPLES[r.sample], r.model.upper(), str(r.stats["n"]), signed_text(r.stats["median_log"]),
         f"{r.stats['scatter_dex']:.2f}", percent_text(r.stats["within_10x"])]
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


def run_validation(
    out_dir: str | os.PathLike[str], data_dir: str | os.PathLike[str],
    psrcat: str | os.PathLike[str] | None = None,
    models: Sequence[Model | str] = COMPARED_MODELS,
    overwrite: bool = False,
) -> tuple[Path, Path, list[Comparison]]:
    """Write ``validation.md`` and ``validation.png`` into ``out_dir`` (created if needed).

    Existing files of those names are replaced only with ``overwrite`` (otherwise
    :class:`~mwprop_batch.core.publish.OutputExistsError`, before any work); each file is
    published whole or not at all. Returns the two paths and the comparisons.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report, figure = check_outputs([out / REPORT_NAME, out / FIGURE_NAME], overwrite)
    results = validate(models, data_dir, psrcat)
    sources = [source_name(s, out) for s in (data_dir, psrcat) if s is not None]
    with AtomicFile(report, overwrite=overwrite) as temp:
        temp.write_text(report_markdown(results, sources), encoding="utf-8")
    return report, plot_validation(results, figure, overwrite), results
