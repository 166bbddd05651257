"""An empty matplotlib figure on the Agg canvas, and writing it as a PNG.

Figures are drawn without pyplot: nothing here changes the process's matplotlib backend or
adds to pyplot's list of open figures.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..extras import missing_extra

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


def save_png(fig: Figure, out_png: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as a PNG of exactly its size in pixels; return the path."""
    path = Path(out_png)
    fig.savefig(path, format="png", dpi=DPI)
    return path
