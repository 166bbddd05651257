"""Face-on slices (``faceon``): a model's n_e in a plane z = const, seen from the north
Galactic pole, with its arm centrelines, the Sun and the GC.

Each model in its own Galactocentric frame (see :meth:`mwprop_batch.Model.density`). Needs the
optional extra ``plot`` (matplotlib), imported only inside the functions that draw.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mwprop_batch.model import Model, as_model

from .canvas import new_figure, save_png
from .galaxy import draw_galaxy

FACE_ON_FIGSIZE_IN = (8.0, 7.0)  # 800 x 700 pixels
FACE_ON_PERCENTILES = (2.0, 99.8)  # colour-scale limits, so a few extreme cells don't set it


def face_on_slice(
    model: Model | str, z_kpc: float = 0.0, extent_kpc: float = 20.0, resolution: int = 600,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n_e (cm^-3) on a face-on grid at height ``z_kpc`` above the Galactic plane.

    The square grid spans Galactocentric x and y from -``extent_kpc`` to +``extent_kpc``
    (kpc) with ``resolution`` cell centres along each. Returns (x, y, ne) with ne of shape
    (resolution, resolution), rows along y and columns along x.
    """
    model = as_model(model)
    step = 2.0 * extent_kpc / resolution
    axis = -extent_kpc + step * (np.arange(resolution) + 0.5)
    ne = model.density(axis[None, :], axis[:, None], z_kpc)["ne"].to_numpy()
    return axis, axis.copy(), ne.reshape(resolution, resolution)


def plot_face_on(
    model: Model | str, out_png: str | os.PathLike[str], z_kpc: float = 0.0,
    extent_kpc: float = 20.0, resolution: int = 600, overwrite: bool = False,
) -> Path:
    """Picture (800 x 700 pixels) of log10 n_e in a face-on slice (see :func:`face_on_slice`)
    with the arm centrelines, the Sun and the GC. Returns the path written; an existing
    ``out_png`` is replaced only with ``overwrite``."""
    model = as_model(model)
    x, y, ne = face_on_slice(model, z_kpc, extent_kpc, resolution)
    with np.errstate(divide="ignore"):
        log_ne = np.where(ne > 0, np.log10(ne), np.nan)
    low, high = np.nanpercentile(log_ne, FACE_ON_PERCENTILES)
    fig = new_figure(*FACE_ON_FIGSIZE_IN)
    ax = fig.add_subplot()
    half = 0.5 * (x[1] - x[0])
    image = ax.imshow(log_ne, origin="lower", cmap="magma", vmin=low, vmax=high,
                      extent=(x[0] - half, x[-1] + half, y[0] - half, y[-1] + half),
                      interpolation="nearest")
    draw_galaxy(ax, [model], extent_kpc, arm_colour="w")
    ax.set_title(f"{model.name.upper()}: n$_e$ at z = {z_kpc:g} kpc")
    fig.colorbar(image, ax=ax, extend="both", label="log$_{10}$ n$_e$ (cm$^{-3}$)")
    return save_png(fig, out_png, overwrite)
