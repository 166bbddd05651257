"""``mwprop-batch convert``: a whole catalogue through one or more models into Parquet."""

from __future__ import annotations

import argparse
import time

from mwprop_batch.catalogue.formats.catalogue_files import check_dialect
from mwprop_batch.catalogue.formats.csv_files import CsvDialect
from mwprop_batch.convert import convert_file
from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.extras import missing_extra
from mwprop_batch.positions import ColumnOverrides, MissingColumnError
from mwprop_batch.registry import DEFAULT_MODEL, model_names

from .args import (
    add_scattering_arguments,
    model_list,
    positive_int,
    scattering_options,
    show_progress,
)

CONVERT_EPILOG = """\
Columns are found by name unless given: Galactic GL/GB, l/b, gl/gb, glon/glat; else RA/Dec
(J2000) RAJD/DECJD, RAJ/DECJ, ra/dec; else ecliptic ELONG/ELAT (each row takes the first it
has); DM/dm; dist/DIST/dist_kpc/DIST_A (kpc); DM_ERR/dm_err.
RA/Dec: a bare number (12.5, '005.0') is degrees, in numeric and text columns alike, except in
an RA column named RAJ (psrcat's hours) or *_h/*_hours, where it is hours (--ra-unit sets it);
hours otherwise need marks: 12:30:00, '12 30 00', 12h30m. An hours value > 24 flags its row.

Cartesian positions (population syntheses): --xyz names their frame and reads x/y/z or
x_kpc/y_kpc/z_kpc (kpc, any case; or --x-col/--y-col/--z-col) instead of l/b or RA/Dec.
  heliocentric    Sun at the origin, x toward the Galactic centre, y toward l = 90, z north
                  (astropy's Galactic frame as Cartesian); the same for every model.
  galactocentric  the NE2001/NE2025/YMW16 frame: x toward l = 90, y from the Galactic
                  centre toward the Sun, z north; the Sun at --sun-kpc (default 0,8.5,0,
                  NE2001/NE2025's; YMW16's own is 0,8.3,0.006). That one Sun gives l, b and
                  the distance for every model of the run (not astropy's Galactocentric).
x, y, z give the direction; with --to dm also the distance |r - r_sun| (no distance column).

The output has every input column unchanged, in order, then <MODEL>_<COLUMN> for each model
(e.g. NE2025_DIST, NE2025_DM, NE2025_DMz, NE2025_limit, NE2001_SM ...) and one 'status'
column: 'ok' or why the row has no result. Bad rows do not stop the job unless --strict.
Units and descriptions are Parquet field metadata; models, parameter provenance, version
and this command line are file metadata. OUTPUT appears only when complete.

examples:
  mwprop-batch convert psrcat.db atnf.parquet --model ne2001,ne2025,ymw16
  mwprop-batch convert frbs.csv frbs.parquet --ra-col RA --dec-col DEC --dm-col DM_MW
  mwprop-batch convert catalogue/ out.parquet --to dm --dist-col d_kpc --scattering
  mwprop-batch convert popsyn.csv popsyn.parquet --to dm --xyz galactocentric --delimiter tab
"""


def register(commands) -> None:
    """Add ``convert`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "convert", help="add model distances or DMs to a whole catalogue (Parquet out)",
        description="Stream a catalogue through NE2001, NE2025 and/or YMW16 into a Parquet file: "
        "distance from DM (--to dist) or DM from distance (--to dm) for every row.",
        epilog=CONVERT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT",
                   help="Parquet file, directory of Parquet files, CSV file, ATNF psrcat.db, "
                   "or - (CSV on standard input)")
    p.add_argument("output", metavar="OUTPUT",
                   help="file to write: .parquet/.pq (Parquet) or .csv (CSV); with "
                   "--scheduler, a directory of Parquet parts")
    p.add_argument("--format", choices=("parquet", "csv", "psrcat"),
                   help="input format (default: from INPUT's extension; a directory is Parquet)")
    p.add_argument("--delimiter", metavar="CHAR",
                   help="CSV delimiter: one character, or tab, semicolon, comma, pipe (default: "
                   "the commonest of , ; tab | in the header line)")
    p.add_argument("--encoding", metavar="CODEC",
                   help="CSV text encoding (default: utf-8; e.g. cp1252 for Windows-1252)")
    p.add_argument("--model", type=model_list, default=(DEFAULT_MODEL,), metavar="MODELS",
                   help=f"one of {', '.join(model_names())}; a sum (ne2025+yt2020); or several "
                   f"comma-separated (default: {DEFAULT_MODEL})")
    p.add_argument("--to", choices=("dist", "dm", "dm_mw"), default="dist",
                   help="dist: distance from DM (default); dm: DM from distance; dm_mw: the "
                   "Milky Way's DM to each model's edge (and DM - it where there is a DM)")
    p.add_argument("--scattering", action="store_true",
                   help="add SM, TAU, SBW, SCINTIME, THETA_G, ... (NE2001 definitions; "
                   "YMW16: TAU only)")
    add_scattering_arguments(p, "with --scattering")
    columns = p.add_argument_group("columns (default: found by name)")
    for role, what in (
        ("l", "Galactic longitude, deg"), ("b", "Galactic latitude, deg"),
        ("ra", "right ascension J2000, deg or hh:mm:ss (see --ra-unit)"),
        ("dec", "declination J2000, deg or dd:mm:ss"), ("dm", "DM, pc cm^-3"),
        ("dist", "distance, kpc (--to dm)"), ("dm-err", "DM uncertainty, pc cm^-3 (optional)"),
    ):
        columns.add_argument(f"--{role}-col", metavar="NAME", help=what)
    columns.add_argument("--xyz", choices=("galactocentric", "heliocentric"),
                         help="read positions from x, y, z (kpc) in this frame (see below)")
    for axis in "xyz":
        columns.add_argument(f"--{axis}-col", metavar="NAME",
                             help=f"{axis} (kpc) with --xyz (default: {axis} or {axis}_kpc)")
    columns.add_argument("--sun-kpc", type=sun_position, metavar="X,Y,Z",
                         help="the Sun in galactocentric x, y, z (kpc; default 0,8.5,0)")
    columns.add_argument("--ra-unit", choices=("deg", "hours"),
                         help="unit of a bare RA number (default: hours in a column named RAJ "
                         "or *_h/*_hours, else degrees); 12:30:00 and 12h30m are always hours")
    p.add_argument("--strict", action="store_true",
                   help="stop with an error at the first bad row (no output)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--batch-rows", type=positive_int, default=65_536, metavar="N",
                   help="rows per batch and per row group (default: 65536)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--threads", type=positive_int, metavar="N",
                   help="threads for the models' kernels (default: NUMBA_NUM_THREADS, every "
                   "core); with --scheduler each task uses its Dask worker's threads instead")
    dask = p.add_argument_group("Dask (extra 'dask'; Parquet in, a directory of Parquet out)")
    dask.add_argument("--scheduler", metavar="local|tcp://HOST:PORT",
                      help="run on Dask: 'local' starts a LocalCluster, an address joins one")
    dask.add_argument("--workers", type=positive_int, default=2, metavar="N",
                      help="worker processes for --scheduler local (default: 2)")
    p.set_defaults(run=run_convert)


def sun_position(text: str) -> tuple[float, float, float]:
    """'X,Y,Z' (kpc) as three floats, for --sun-kpc."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"expected X,Y,Z in kpc (e.g. 0,8.3,0.006), got {text!r}")
    return values  # type: ignore[return-value]


def run_convert(args: argparse.Namespace, command: str) -> int:
    """Handler of ``convert``; ``command`` (the command line) goes into the file metadata.
    A missing column's message names this command's flags (``--dm-col``)."""
    try:
        return _run_convert(args, command)
    except MissingColumnError as exc:
        raise exc.spelled("cli") from None


def _run_convert(args: argparse.Namespace, command: str) -> int:
    overrides = ColumnOverrides(
        l_col=args.l_col, b_col=args.b_col, ra_col=args.ra_col, dec_col=args.dec_col,
        dm_col=args.dm_col, dist_col=args.dist_col, dm_err_col=args.dm_err_col,
        ra_unit=args.ra_unit, xyz=args.xyz, x_col=args.x_col, y_col=args.y_col,
        z_col=args.z_col, sun_kpc=args.sun_kpc,
    )
    settings = dict(
        scattering=args.scattering, **scattering_options(args, args.scattering, "--scattering"),
        columns=overrides, strict=args.strict,
    )
    dialect = csv_dialect(args)
    if args.scheduler:
        check_dialect("parquet", dialect, args.input)  # Dask reads Parquet only
        if args.threads is not None:
            raise InvalidValueError("--threads is for a run without --scheduler: on Dask each "
                                    "task uses as many threads as its worker has")
        return run_convert_on_dask(args, settings, command)
    summary = convert_file(
        args.input, args.output, args.model, args.to, format=args.format,
        csv=dialect,
        overwrite=args.overwrite, batch_rows=args.batch_rows,
        progress=show_progress(args.quiet), command=command, threads=args.threads, **settings,
    )
    if not args.quiet:
        print(summary.line())
    return 0


def csv_dialect(args: argparse.Namespace) -> CsvDialect | None:
    """The CSV dialect --delimiter and --encoding give; None if neither is given (then a
    non-CSV input is read without complaint)."""
    if args.delimiter is None and args.encoding is None:
        return None
    return CsvDialect(args.delimiter, args.encoding or CsvDialect.encoding)


def run_convert_on_dask(args: argparse.Namespace, settings: dict, command: str) -> int:
    """``convert --scheduler``: the same conversion, partition by partition, on Dask."""
    try:  # the optional extra: imported only when asked for
        from mwprop_batch.dask import convert_dataset
    except ImportError as exc:
        raise missing_extra("--scheduler", "dask[distributed]>=2024.1", "dask") from exc

    start = time.perf_counter()
    rows = convert_dataset(
        args.input, args.output, args.model, scheduler=args.scheduler, workers=args.workers,
        overwrite=args.overwrite, progress=show_progress(args.quiet), to=args.to,
        command=command, **settings,
    )
    if not args.quiet:
        seconds = time.perf_counter() - start
        print(f"{rows:,} rows in {seconds:.1f} s on Dask ({args.scheduler}) -> {args.output}")
    return 0
