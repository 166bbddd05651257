"""All-sky maps in Galactic coordinates and face-on slices of a model's electron density.

Sky maps are sampled at the centres of HEALPix pixels (RING order) and need the optional
extra ``healpix`` (astropy-healpix); pictures need the extra ``plot`` (matplotlib). Both are
imported only inside the functions that use them.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .cliargs import positive_float
from .errors import InvalidValueError
from .extras import missing_extra
from .model import Model
from .params import MODEL_NAMES
from .plots import as_model, draw_galaxy, new_figure, save_png

DEFAULT_NSIDE = 64  # 49,152 pixels of 0.92 deg
DEFAULT_FREQ_GHZ = 1.0
SKY_FIGSIZE_IN = (12.0, 7.0)  # 1200 x 700 pixels
FACE_ON_FIGSIZE_IN = (8.0, 7.0)  # 800 x 700 pixels
MAX_RASTER_COLUMNS = 2048
SKY_PERCENTILES = (0.1, 99.9)  # colour-scale limits, so a few extreme pixels don't set it
FACE_ON_PERCENTILES = (2.0, 99.8)

# quantity: (description, unit) in the maps' colour-bar labels
QUANTITIES: dict[str, tuple[str, str]] = {
    "dm_max": ("DM to the model's edge", "pc cm$^{-3}$"),
    "dm_at": ("DM to {dist:g} kpc", "pc cm$^{-3}$"),
    "tau": ("pulse broadening at {freq:g} GHz of a source at {dist:g} kpc", "ms"),
    "sm": ("scattering measure to {dist:g} kpc", "kpc m$^{-20/3}$"),
}

SKYMAP_EPILOG = """\
quantities:
  dm_max  DM (pc cm^-3) to the model's 50 kpc edge (the Galaxy's DM); --dist does not apply
  dm_at   DM (pc cm^-3) to --dist kpc (required)
  tau     pulse broadening TAU (ms) at --freq-ghz of a source at --dist kpc (default: the
          model's 50 kpc edge), NE2001's formula (Model.dist_to_dm(..., scattering=True))
  sm      scattering measure SM (kpc m^-20/3) to --dist kpc (default: the model's edge)

examples:
  mwprop-batch skymap --model ne2025 --quantity dm_max dm_max.png --parquet dm_max.parquet
  mwprop-batch skymap --model ne2001 --quantity tau tau.png --dist 10 --nside 32
  mwprop-batch skymap --quantity dm_max,dm_at --dist 5 --nside 256 --fits dm.fits --nested
"""

FACEON_EPILOG = """\
examples:
  mwprop-batch faceon --model ne2025 faceon.png
  mwprop-batch faceon --model ne2001 faceon_z1.png --z 1 --extent 15
"""


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
    if quantity == "dm_max":
        if dist_kpc is not None:
            raise InvalidValueError("dm_max is the DM to the model's edge: it takes no distance")
        return model.dm_max(l_deg, b_deg)
    if quantity == "dm_at":
        if dist_kpc is None:
            raise InvalidValueError("dm_at needs a distance (dist_kpc, --dist)")
        return model.dist_to_dm(l_deg, b_deg, dist_kpc)["DM"].to_numpy()
    dist = model.parameters.max_distance if dist_kpc is None else dist_kpc
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
        ``dm_max``: DM (pc cm^-3) to the model's 50 kpc edge; ``dm_at``: DM (pc cm^-3) to
        ``dist_kpc`` (required); ``tau``: pulse broadening TAU (ms) at ``freq_ghz`` of a source
        at ``dist_kpc`` (default: the model's edge), by NE2001's formula
        (:meth:`Model.dist_to_dm` with ``scattering=True``); ``sm``: scattering measure SM
        (kpc m^-20/3) to ``dist_kpc`` (default: the model's edge).
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


def _effective_dist(model: Model, quantity: str, dist_kpc: float | None) -> float | None:
    if quantity == "dm_max":
        return None
    return model.parameters.max_distance if dist_kpc is None else float(dist_kpc)


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
) -> Path:
    """Mollweide all-sky picture (1200 x 700 pixels) of HEALPix RING-ordered ``values``.

    Galactic coordinates, l = 0 at the centre and increasing to the left; logarithmic colours
    between the 0.1 and 99.9 percentiles. Returns the path written.
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
    return save_png(fig, out_png)


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
    extent_kpc: float = 20.0, resolution: int = 600,
) -> Path:
    """Picture (800 x 700 pixels) of log10 n_e in a face-on slice (see :func:`face_on_slice`)
    with the arm centrelines, the Sun and the GC. Returns the path written."""
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
    return save_png(fig, out_png)


def power_of_two(text: str) -> int:
    """An argparse type: a positive power of two."""
    value = int(text)
    if value < 1 or value & (value - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two, got {value}")
    return value


def register_cli(subparsers) -> None:
    """Add ``skymap`` and ``faceon`` to an argparse subparsers object.

    Each handler is set as ``func`` and as ``run`` (the name ``mwprop_batch.cli.main`` calls,
    with the command line as a second argument, which the handlers ignore).
    """
    p = subparsers.add_parser(
        "skymap", help="all-sky Mollweide map of DM_max, DM, TAU or SM (HEALPix)",
        description="Compute a quantity at the centres of HEALPix pixels over the whole sky and "
        "draw it in Galactic coordinates (needs matplotlib and astropy-healpix).",
        epilog=SKYMAP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", type=Path, metavar="OUT.png", nargs="?",
                   help="PNG to write (of the first quantity)")
    p.add_argument("--model", choices=MODEL_NAMES, default="ne2025", help="default: ne2025")
    p.add_argument("--quantity", type=quantity_list, default=("dm_max",), metavar="Q[,Q...]",
                   help=f"one or more of {', '.join(QUANTITIES)}, separated by commas "
                   "(default: dm_max)")
    p.add_argument("--nside", type=power_of_two, default=DEFAULT_NSIDE,
                   help=f"HEALPix nside, 12 nside^2 pixels (default: {DEFAULT_NSIDE})")
    p.add_argument("--dist", type=float, metavar="KPC", help="source distance, kpc (see below)")
    p.add_argument("--freq-ghz", type=positive_float, default=DEFAULT_FREQ_GHZ,
                   help="frequency for tau, GHz (default: 1)")
    p.add_argument("--parquet", type=Path, metavar="OUT.parquet",
                   help="also write the (first) map as Parquet (pixel, l, b, value)")
    p.add_argument("--fits", type=Path, metavar="OUT.fits",
                   help="also write a HEALPix FITS map, one column per quantity")
    p.add_argument("--nested", action="store_true",
                   help="NESTED pixel order in the FITS file (default: RING)")
    p.set_defaults(func=run_skymap, run=run_skymap)
    f = subparsers.add_parser(
        "faceon", help="face-on picture of log n_e in a slice of the Galaxy",
        description="Draw log10 n_e in the plane z = Z (kpc) seen from the north Galactic pole, "
        "with the arm centrelines, the Sun and the GC (needs matplotlib).",
        epilog=FACEON_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f.add_argument("out", type=Path, metavar="OUT.png", help="PNG to write")
    f.add_argument("--model", choices=MODEL_NAMES, default="ne2025", help="default: ne2025")
    f.add_argument("--z", type=float, default=0.0, help="height above the plane, kpc (default: 0)")
    f.add_argument("--extent", type=float, default=20.0, metavar="KPC",
                   help="half-width of the square, kpc (default: 20)")
    f.add_argument("--resolution", type=int, default=600, metavar="N",
                   help="cells along each side (default: 600)")
    f.set_defaults(func=run_faceon, run=run_faceon)


def quantity_list(text: str) -> tuple[str, ...]:
    """An argparse type: quantities separated by commas, each one of :data:`QUANTITIES`."""
    names = tuple(q.strip() for q in text.split(",") if q.strip())
    unknown = [q for q in names if q not in QUANTITIES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown quantity {', '.join(unknown) or text!r}; choose from {', '.join(QUANTITIES)}"
        )
    return names


def sky_maps(
    model: Model, quantities: tuple[str, ...], nside: int, dist_kpc: float | None,
    freq_ghz: float,
) -> list[pd.DataFrame]:
    """:func:`sky_map` of each quantity; ``dist_kpc`` goes to those that take a distance."""
    return [sky_map(model, q, nside, dist_kpc=None if q == "dm_max" else dist_kpc,
                    freq_ghz=freq_ghz) for q in quantities]


def write_fits(
    frames: list[pd.DataFrame], path: Path, nested: bool, model: Model,
) -> Path:
    """Write :func:`sky_map` frames of one nside as a HEALPix FITS table, one column each."""
    from . import __version__
    from .healpix_fits import write_healpix_fits

    columns = {}
    for frame in frames:
        a = frame.attrs
        what = QUANTITIES[a["quantity"]][0].format(dist=a["dist_kpc"], freq=a["freq_ghz"])
        columns[a["quantity"]] = (frame["value"].to_numpy(), a["unit"], what)
    first = frames[0].attrs
    provenance = {
        "CREATOR": ("mwprop_batch", "software that made this map"),
        "VERSION": (__version__, "mwprop_batch version"),
        "MODEL": (model.name.upper(), "Galactic free-electron density model"),
        "MODELREF": (model.parameters.provenance.get("reference", ""), ""),
        "PIXVALUE": ("pixel centre", "each value is at the centre of its pixel"),
        "DIST_KPC": (next((f.attrs["dist_kpc"] for f in frames if f.attrs["dist_kpc"]), None),
                     "source distance (kpc)"),
        "FREQ_GHZ": (next((f.attrs["freq_ghz"] for f in frames if f.attrs["freq_ghz"]), None),
                     "frequency of TAU (GHz)"),
    }
    provenance = {k: v for k, v in provenance.items() if v[0] is not None}
    return write_healpix_fits(path, columns, first["nside"],
                              "NESTED" if nested else "RING", provenance, overwrite=True)


def run_skymap(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``skymap``: compute, draw, optionally write Parquet and FITS, print one line.

    ``command`` (the command line, passed by ``mwprop_batch.cli.main``) is not used.
    """
    if args.out is None and args.parquet is None and args.fits is None:
        raise SystemExit("skymap: give OUT.png, --parquet or --fits (nothing to write)")
    model = as_model(args.model)
    start = time.perf_counter()
    frames = sky_maps(model, args.quantity, args.nside, args.dist, args.freq_ghz)
    seconds = time.perf_counter() - start
    frame = frames[0]
    written = []
    if args.out:
        label = describe(frame.attrs["quantity"], frame.attrs["dist_kpc"], args.freq_ghz)
        plot_sky_map(frame["value"].to_numpy(), args.out, label, title=model.name.upper())
        written.append(str(args.out))
    if args.parquet:
        frame.to_parquet(args.parquet, index=False)
        written.append(str(args.parquet))
    if args.fits:
        write_fits(frames, args.fits, args.nested, model)
        written.append(str(args.fits))
    print(f"{model.name} {','.join(args.quantity)}: {len(frame):,} pixels (nside {args.nside}) "
          f"in {seconds:.1f} s -> {', '.join(written)}")
    return 0


def run_faceon(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``faceon`` (``command``, the command line, is not used)."""
    path = plot_face_on(args.model, args.out, args.z, args.extent, args.resolution)
    print(f"wrote {path}")
    return 0
