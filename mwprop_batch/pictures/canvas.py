"""An empty matplotlib figure on the Agg canvas, and writing it as a PNG.

Figures are drawn without pyplot: nothing here changes the process's matplotlib backend or
adds to pyplot's list of open figures. A PNG is published whole or not at all, and replaces an
existing file only with ``overwrite`` (:class:`~mwprop_batch.core.publish.AtomicFile`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mwprop_batch.core.extras import missing_extra
from mwprop_batch.core.publish import AtomicFile

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100


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


def save_png(fig: Figure, out_png: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write ``fig`` as a PNG of exactly its size in pixels; return the path.

    Raises :class:`~mwprop_batch.core.publish.OutputExistsError` if ``out_png`` exists and
    not ``overwrite``, :class:`~mwprop_batch.core.errors.CatalogueError` if it cannot
    be written (naming it).
    """
    with AtomicFile(out_png, overwrite=overwrite) as temp:
        fig.savefig(temp, format="png", dpi=DPI)
    return Path(out_png)
