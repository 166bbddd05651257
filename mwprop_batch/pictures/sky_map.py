"""All-sky maps (``skymap``) of DM_max, DM, TAU or SM in Galactic coordinates.

Sky maps are sampled at the centres of HEALPix pixels (RING order) and need the optional
extra ``healpix`` (astropy-healpix); pictures need the extra ``plot`` (matplotlib). Both are
imported only inside the functions that use them. YMW16 maps DM_max, DM and TAU (its only
scattering column); SM belongs to the NE2001 family.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.extras import missing_extra
from mwprop_batch.model import Model, as_model
from mwprop_batch.model_sum import scatters

from .canvas import new_figure, save_png

DEFAULT_NSIDE = 64  # 49,152 pixels of 0.92 deg
DEFAULT_FREQ_GHZ = 1.0
SKY_FIGSIZE_IN = (12.0, 7.0)  # 1200 x 700 pixels
MAX_RASTER_COLUMNS = 2048
SKY_PERCENTILES = (0.1, 99.9)  # colour-scale limits, so a few extreme pixels don't set it
SCATTERING_QUANTITIES = {"tau": "TAU", "sm": "SM"}  # quantity: the scattering column it maps

# quantity: (description, unit) in the maps' colour-bar labels
QUANTITIES: dict[str, tuple[str, str]] = {
    "dm_max": ("DM to the model's edge", "pc cm$^{-3}$"),
    "dm_at": ("DM to {dist:g} kpc", "pc cm$^{-3}$"),
    "tau": ("pulse broadening at {freq:g} GHz of a source at {dist:g} kpc", "ms"),
    "sm": ("scattering measure to {dist:g} kpc", "kpc m$^{-20/3}$"),
}

def _healpy():
    """astropy-healpix's healpy-compatible functions (the optional extra ``healpix``)."""
    try:
        from astropy_healpix import healpy
    except ImportError as exc:
        raise missing_extra("sky maps", "astropy-healpix>=1.0", "healpix") from exc
    return healpy


def healpix_centres(nside: int) -> tuple[np.ndarray, np.ndarray]:
    """Galactic l, b (deg) of the centres of the 12 nside^2 HEALPix pixels, RING order.

    ``nside`` must be a power of two.
    """
    if nside < 1 or nside & (nside - 1):
        raise InvalidValueError(f"nside must be a power of two, got {nside}")
    healpy = _healpy()
    return healpy.pix2ang(nside, np.arange(healpy.nside2npix(nside)), lonlat=True)


def sky_values(
    model: Model, quantity: str, l_deg: np.ndarray, b_deg: np.ndarray,
    dist_kpc: float | None = None, freq_ghz: float = DEFAULT_FREQ_GHZ,
) -> np.ndarray:
    """One of :data:`QUANTITIES` along each sightline (l, b in deg); see :func:`sky_map`."""
    if quantity not in QUANTITIES:
        raise InvalidValueError(
            f"unknown quantity {quantity!r}; choose one of {', '.join(QUANTITIES)}")
    needs = SCATTERING_QUANTITIES.get(quantity)
    if needs is not None and needs not in scattering_columns(model):
        offered = [q for q in QUANTITIES
                   if SCATTERING_QUANTITIES.get(q, needs) in scattering_columns(model)]
        raise InvalidValueError(
            f"{model.name} has no {needs} (its scattering columns: "
            f"{', '.join(scattering_columns(model)) or 'none'}); choose one of "
            f"{', '.join(offered)}")
    if quantity == "dm_max":
        if dist_kpc is not None:
            raise InvalidValueError("dm_max is the DM to the model's edge: it takes no distance")
        return model.dm_max(l_deg, b_deg)
    if quantity == "dm_at":
        if dist_kpc is None:
            raise InvalidValueError("dm_at needs a distance (dist_kpc, --dist)")
        return model.dist_to_dm(l_deg, b_deg, dist_kpc)["DM"].to_numpy()
    dist = edge_distance_kpc(model) if dist_kpc is None else dist_kpc
    out = model.dist_to_dm(l_deg, b_deg, dist, scattering=True, freq_ghz=freq_ghz)
    return out["TAU" if quantity == "tau" else "SM"].to_numpy()


def sky_map(
    model: Model | str, quantity: str = "dm_max", nside: int = DEFAULT_NSIDE, *,
    dist_kpc: float | None = None, freq_ghz: float = DEFAULT_FREQ_GHZ,
) -> pd.DataFrame:
    """A quantity over the whole sky, at the centres of the HEALPix pixels of ``nside``.

    Parameters
    ----------
    model : Model or name
    quantity : {"dm_max", "dm_at", "tau", "sm"}
        ``dm_max``: DM (pc cm^-3) to the model's edge (:meth:`Model.dm_max`); ``dm_at``: DM
        (pc cm^-3) to ``dist_kpc`` (required); ``tau``: pulse broadening TAU (ms) at
        ``freq_ghz`` of a source at ``dist_kpc`` (default: :func:`edge_distance_kpc`), by the
        model's formula (:meth:`Model.dist_to_dm` with ``scattering=True``: NE2001's, or
        YMW16's DM-tau relation); ``sm``: scattering measure SM (kpc m^-20/3) to ``dist_kpc``
        (default: the model's edge; NE2001 family only).
    nside : int
        HEALPix resolution, a power of two: 12 nside^2 pixels (64: 49,152 of 0.92 deg).

    Returns
    -------
    pandas.DataFrame
        One row per pixel in RING order: ``pixel``, ``l``, ``b`` (deg), ``value``. ``attrs``
        holds the model, quantity, unit, nside, dist_kpc and freq_ghz (kept in Parquet).
    """
    model = as_model(model)
    l_deg, b_deg = healpix_centres(nside)
    values = sky_values(model, quantity, l_deg, b_deg, dist_kpc, freq_ghz)
    frame = pd.DataFrame({"pixel": np.arange(l_deg.size), "l": l_deg, "b": b_deg, "value": values})
    frame.attrs = {
        "model": model.name, "quantity": quantity, "unit": _plain(QUANTITIES[quantity][1]),
        "nside": nside, "dist_kpc": _effective_dist(model, quantity, dist_kpc),
        "freq_ghz": freq_ghz if quantity == "tau" else None,
    }
    return frame


def edge_distance_kpc(model: Model) -> float:
    """The distance (kpc) a map takes by default for TAU and SM: the NE2001 family's 50 kpc
    edge; YMW16's Galactic-mode horizon, 25 kpc; a halo's farthest edge; for a sum, that of
    its parts that scatter (of all its parts when none does)."""
    if hasattr(model, "parts"):
        parts = [p for p in model.parts if scatters(p)] or model.parts
        return max(edge_distance_kpc(part) for part in parts)
    return model.family.horizon_kpc(model.parameters)


def scattering_columns(model: Model) -> tuple[str, ...]:
    """The scattering columns ``model`` gives (a sum: those of its parts)."""
    if hasattr(model, "parts"):
        return tuple(dict.fromkeys(c for p in model.parts for c in scattering_columns(p)))
    return tuple(model.family.scattering_columns)


def _effective_dist(model: Model, quantity: str, dist_kpc: float | None) -> float | None:
    if quantity == "dm_max":
        return None
    return edge_distance_kpc(model) if dist_kpc is None else float(dist_kpc)


def _plain(unit: str) -> str:
    """'pc cm$^{-3}$' -> 'pc cm^-3'."""
    return unit.replace("$", "").replace("{", "").replace("}", "")


def describe(quantity: str, dist_kpc: float | None, freq_ghz: float) -> str:
    """Colour-bar label: what the map shows and its unit."""
    what, unit = QUANTITIES[quantity]
    return f"{what.format(dist=dist_kpc, freq=freq_ghz)} ({unit})"


def raster_grid(nside: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges (rad) of a longitude-latitude raster fine enough for ``nside`` pixels."""
    pixel_deg = math.degrees(math.sqrt(4.0 * math.pi / (12 * nside**2)))
    columns = min(MAX_RASTER_COLUMNS, max(720, math.ceil(2.0 * 360.0 / pixel_deg)))
    lon_edges = np.linspace(-math.pi, math.pi, columns + 1)
    lat_edges = np.linspace(-0.5 * math.pi, 0.5 * math.pi, columns // 2 + 1)
    return lon_edges, lat_edges


def plot_sky_map(
    values: np.ndarray, out_png: str | os.PathLike[str], label: str, title: str = "",
    overwrite: bool = False,
) -> Path:
    """Mollweide all-sky picture (1200 x 700 pixels) of HEALPix RING-ordered ``values``.

    Galactic coordinates, l = 0 at the centre and increasing to the left; logarithmic colours
    between the 0.1 and 99.9 percentiles. Returns the path written; an existing ``out_png``
    is replaced only with ``overwrite``.
    """
    from matplotlib.colors import LogNorm
    from matplotlib.patheffects import withStroke

    values = np.asarray(values, dtype=np.float64)
    healpy = _healpy()
    nside = healpy.npix2nside(values.size)
    x_edges, y_edges = raster_grid(nside)
    x, y = 0.5 * (x_edges[1:] + x_edges[:-1]), 0.5 * (y_edges[1:] + y_edges[:-1])
    lon = np.degrees(np.mod(-x, 2.0 * math.pi))  # l grows to the left of the centre
    sampled = values[healpy.ang2pix(nside, lon[None, :], np.degrees(y)[:, None], lonlat=True)]
    image = np.where(sampled > 0, sampled, np.nan)
    low, high = np.nanpercentile(image, SKY_PERCENTILES)
    fig = new_figure(*SKY_FIGSIZE_IN)
    ax = fig.add_subplot(projection="mollweide")
    mesh = ax.pcolormesh(x_edges, y_edges, image, norm=LogNorm(low, high), cmap="viridis",
                         shading="flat", rasterized=True)
    ticks = np.arange(-120, 121, 60)
    ax.set_xticks(np.radians(ticks), [f"{-t % 360}°" for t in ticks])
    for text in ax.get_xticklabels():
        text.set_path_effects([withStroke(linewidth=2.5, foreground="w")])
    ax.grid(True, color="w", alpha=0.35, lw=0.6)
    ax.set_title(title, pad=14)
    fig.colorbar(mesh, ax=ax, orientation="horizontal", shrink=0.6, pad=0.05, extend="both",
                 label=label)
    return save_png(fig, out_png, overwrite)


def sky_maps(
    model: Model, quantities: tuple[str, ...], nside: int, dist_kpc: float | None,
    freq_ghz: float,
) -> list[pd.DataFrame]:
    """:func:`sky_map` of each quantity; ``dist_kpc`` goes to those that take a distance."""
    return [sky_map(model, q, nside, dist_kpc=None if q == "dm_max" else dist_kpc,
                    freq_ghz=freq_ghz) for q in quantities]


def write_fits(
    frames: list[pd.DataFrame], path: Path, nested: bool, model: Model, overwrite: bool = False,
) -> Path:
    """Write :func:`sky_map` frames of one nside as a HEALPix FITS table, one column each
    (an existing ``path`` is replaced only with ``overwrite``)."""
    from mwprop_batch.core.version import VERSION

    from .healpix_fits import write_healpix_fits

    columns = {}
    for frame in frames:
        a = frame.attrs
        what = QUANTITIES[a["quantity"]][0].format(dist=a["dist_kpc"], freq=a["freq_ghz"])
        columns[a["quantity"]] = (frame["value"].to_numpy(), a["unit"], what)
    first = frames[0].attrs
    reference = model.parameters.provenance  # NE2001 family: 'reference'; YMW16: 'paper'
    provenance = {
        "CREATOR": ("mwprop_batch", "software that made this map"),
        "VERSION": (VERSION, "mwprop_batch version"),
        "MODEL": (model.name.upper(), "Galactic free-electron density model"),
        "MODELREF": (reference.get("reference", reference.get("paper", "")), ""),
        "PIXVALUE": ("pixel centre", "each value is at the centre of its pixel"),
        "DIST_KPC": (next((f.attrs["dist_kpc"] for f in frames if f.attrs["dist_kpc"]), None),
                     "source distance (kpc)"),
        "FREQ_GHZ": (next((f.attrs["freq_ghz"] for f in frames if f.attrs["freq_ghz"]), None),
                     "frequency of TAU (GHz)"),
    }
    provenance = {k: v for k, v in provenance.items() if v[0] is not None}
    return write_healpix_fits(path, columns, first["nside"],
                              "NESTED" if nested else "RING", provenance, overwrite=overwrite)
