"""``mwprop-batch plot-los | skymap | faceon``: pictures of sightlines, the sky and the Galaxy."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.publish import AtomicFile, check_outputs
from mwprop_batch.model import as_model
from mwprop_batch.pictures.sky_map import (
    DEFAULT_FREQ_GHZ,
    DEFAULT_NSIDE,
    QUANTITIES,
    describe,
    plot_sky_map,
    sky_maps,
    write_fits,
)
from mwprop_batch.registry import DEFAULT_MODEL, model_names

from .args import (
    add_overwrite_argument,
    add_sightline_arguments,
    model_list,
    model_name,
    positive_float,
    power_of_two,
    scattering_options,
)

PLOT_LOS_EPILOG = """\
examples:
  mwprop-batch plot-los 263.55 -2.79 67.97 1 vela.png                 # DM -> D, NE2025
  mwprop-batch plot-los 30 0.5 10 -1 plane.png --model ne2025,ne2001  # D -> DM, both models
  mwprop-batch plot-los 280 -33 100 1 lmc.png --model ymw16           # YMW16 toward the LMC
"""

SKYMAP_EPILOG = """\
quantities:
  dm_max  DM (pc cm^-3) to the model's edge (the Galaxy's DM: 50 kpc for NE2001/NE2025,
          YMW16's horizon for YMW16); --dist does not apply
  dm_at   DM (pc cm^-3) to --dist kpc (required)
  tau     pulse broadening TAU (ms) at --freq-ghz of a source at --dist kpc (default: 50 kpc,
          25 kpc for YMW16), the model's formula (Model.dist_to_dm(..., scattering=True))
  sm      scattering measure SM (kpc m^-20/3) to --dist kpc (default: the model's edge;
          NE2001 and NE2025 only)

examples:
  mwprop-batch skymap --model ne2025 --quantity dm_max dm_max.png --parquet dm_max.parquet
  mwprop-batch skymap --model ne2001 --quantity tau tau.png --dist 10 --nside 32
  mwprop-batch skymap --model ymw16 --quantity dm_max,tau ymw16.png --nside 32
  mwprop-batch skymap --quantity dm_max,dm_at --dist 5 --nside 256 --fits dm.fits --nested
"""

FACEON_EPILOG = """\
examples:
  mwprop-batch faceon --model ne2025 faceon.png
  mwprop-batch faceon --model ne2001 faceon_z1.png --z 1 --extent 15
"""


def register(commands) -> None:
    """Add ``plot-los``, ``skymap`` and ``faceon`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "plot-los", help="picture of one sightline (n_e, DM, C_n^2, face-on map)",
        description="Draw n_e by component, cumulative DM and C_n^2 along one sightline, with "
        "a face-on map of the Galaxy, for one model or two overlaid (needs matplotlib).",
        epilog=PLOT_LOS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_sightline_arguments(p)
    p.add_argument("out", type=Path, metavar="OUT.png", help="PNG to write")
    p.add_argument("--model", type=model_list, default=(DEFAULT_MODEL,), metavar="MODELS",
                   help="ne2025, ne2001, ymw16, or two separated by a comma "
                   f"(default: {DEFAULT_MODEL})")
    add_overwrite_argument(p, "OUT.png")
    p.set_defaults(run=run_plot_los)

    s = commands.add_parser(
        "skymap", help="all-sky Mollweide map of DM_max, DM, TAU or SM (HEALPix)",
        description="Compute a quantity at the centres of HEALPix pixels over the whole sky and "
        "draw it in Galactic coordinates (needs matplotlib and astropy-healpix).",
        epilog=SKYMAP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("out", type=Path, metavar="OUT.png", nargs="?",
                   help="PNG to write (of the first quantity)")
    s.add_argument("--model", type=model_name, default=DEFAULT_MODEL,
                   help=f"a model or a sum such as ne2025+yt2020 (default: {DEFAULT_MODEL})")
    s.add_argument("--quantity", type=quantity_list, default=("dm_max",), metavar="Q[,Q...]",
                   help=f"one or more of {', '.join(QUANTITIES)}, separated by commas "
                   "(default: dm_max)")
    s.add_argument("--nside", type=power_of_two, default=DEFAULT_NSIDE,
                   help=f"HEALPix nside, 12 nside^2 pixels (default: {DEFAULT_NSIDE})")
    s.add_argument("--dist", type=float, metavar="KPC", help="source distance, kpc (see below)")
    s.add_argument("--freq-ghz", type=positive_float, metavar="GHZ",
                   help=f"frequency for tau, GHz (default: {DEFAULT_FREQ_GHZ:g})")
    s.add_argument("--parquet", type=Path, metavar="OUT.parquet",
                   help="also write the (first) map as Parquet (pixel, l, b, value)")
    s.add_argument("--fits", type=Path, metavar="OUT.fits",
                   help="also write a HEALPix FITS map, one column per quantity")
    s.add_argument("--nested", action="store_true",
                   help="NESTED pixel order in the FITS file (default: RING)")
    add_overwrite_argument(s, "the files written")
    s.set_defaults(run=run_skymap)

    f = commands.add_parser(
        "faceon", help="face-on picture of log n_e in a slice of the Galaxy",
        description="Draw log10 n_e in the plane z = Z (kpc) seen from the north Galactic pole, "
        "with the arm centrelines, the Sun and the GC (needs matplotlib).",
        epilog=FACEON_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f.add_argument("out", type=Path, metavar="OUT.png", help="PNG to write")
    f.add_argument("--model", choices=model_names(), default=DEFAULT_MODEL,
                   help=f"default: {DEFAULT_MODEL}")
    f.add_argument("--z", type=float, default=0.0, help="height above the plane, kpc (default: 0)")
    f.add_argument("--extent", type=float, default=20.0, metavar="KPC",
                   help="half-width of the square, kpc (default: 20)")
    f.add_argument("--resolution", type=int, default=600, metavar="N",
                   help="cells along each side (default: 600)")
    add_overwrite_argument(f, "OUT.png")
    f.set_defaults(run=run_faceon)


def quantity_list(text: str) -> tuple[str, ...]:
    """An argparse type: quantities separated by commas, each one of the sky map QUANTITIES."""
    names = tuple(q.strip() for q in text.split(",") if q.strip())
    unknown = [q for q in names if q not in QUANTITIES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown quantity {', '.join(unknown) or text!r}; choose from {', '.join(QUANTITIES)}"
        )
    return names


def run_plot_los(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``plot-los`` (``command``, the command line, is not used)."""
    from mwprop_batch.pictures.los_profile import plot_los  # here: the Galaxy drawing imports SciPy

    check_outputs([args.out], args.overwrite)  # before the work, not after it
    path = plot_los(args.model, args.l, args.b, args.value, args.ndir, args.out,
                    overwrite=args.overwrite)
    print(f"wrote {path}")
    return 0


def run_skymap(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``skymap``: compute, draw, optionally write Parquet and FITS, print one line.

    ``command`` (the command line) is not used.
    """
    if args.out is None and args.parquet is None and args.fits is None:
        raise InvalidValueError("give OUT.png, --parquet or --fits (nothing to write)")
    check_outputs([args.out, args.parquet, args.fits], args.overwrite)  # before the work
    freq_ghz = scattering_options(args, "tau" in args.quantity, "--quantity tau")["freq_ghz"]
    model = as_model(args.model)
    start = time.perf_counter()
    frames = sky_maps(model, args.quantity, args.nside, args.dist, freq_ghz)
    seconds = time.perf_counter() - start
    frame = frames[0]
    written = []
    if args.out:
        label = describe(frame.attrs["quantity"], frame.attrs["dist_kpc"], freq_ghz)
        plot_sky_map(frame["value"].to_numpy(), args.out, label, title=model.name.upper(),
                     overwrite=args.overwrite)
        written.append(str(args.out))
    if args.parquet:
        with AtomicFile(args.parquet, overwrite=args.overwrite) as temp:
            frame.to_parquet(temp, index=False)
        written.append(str(args.parquet))
    if args.fits:
        write_fits(frames, args.fits, args.nested, model, overwrite=args.overwrite)
        written.append(str(args.fits))
    print(f"{model.name} {','.join(args.quantity)}: {len(frame):,} pixels (nside {args.nside}) "
          f"in {seconds:.1f} s -> {', '.join(written)}")
    return 0


def run_faceon(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``faceon`` (``command``, the command line, is not used)."""
    from mwprop_batch.pictures.face_on import plot_face_on  # here: the Galaxy drawing imports SciPy

    check_outputs([args.out], args.overwrite)  # before the work, not after it
    path = plot_face_on(args.model, args.out, args.z, args.extent, args.resolution,
                        overwrite=args.overwrite)
    print(f"wrote {path}")
    return 0
