"""Command-line interface: ``mwprop-batch convert | los | demo``."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shlex
import signal
import sys
import time
from pathlib import Path

from numba.core.event import Listener, install_listener
from tqdm import tqdm

from . import __version__, plots, precompile, skymap, validate
from .cliargs import add_sightline_arguments, model_list, positive_float, positive_int
from .convert import convert_file, load_model
from .demo import CATALOGUE_NAME, run_demo
from .demo import DEFAULT_DIR as DEMO_DIR
from .errors import InvalidValueError, MwpropBatchError
from .extras import missing_extra
from .io.catalogue_files import one_line
from .params import MODEL_NAMES
from .positions import ColumnOverrides
from .scattering import SCATTERING_COLUMNS
from .sightlines import CORE_COLUMNS

# name: (unit, description) of every column 'los' prints
COLUMN_DOCS = {**CORE_COLUMNS, **SCATTERING_COLUMNS}

EXIT_ERROR = 2  # as argparse's usage errors
COMPILE_NOTICE = ("mwprop-batch: compiling the numba kernels; this happens once per "
                  "installation and takes about 40 s")

EPILOG = """\
examples:
  mwprop-batch demo
  mwprop-batch convert psrcat.db atnf.parquet --model ne2001,ne2025
  mwprop-batch convert frbs.csv frbs.parquet --ra-col RA --dec-col DEC --dm-col DM_MW
  mwprop-batch convert sim/ sim_dm.parquet --to dm --dist-col d_kpc --scattering
  mwprop-batch los 30 2 300 1 --scattering
"""

CONVERT_EPILOG = """\
Columns are found by name unless given: Galactic GL/GB, l/b, gl/gb, glon/glat; else RA/Dec
(J2000, degrees or sexagesimal) RAJD/DECJD, RAJ/DECJ, ra/dec; else ecliptic ELONG/ELAT (each
row takes the first it has); DM/dm; dist/DIST/dist_kpc/DIST_A (kpc); DM_ERR/dm_err.

The output has every input column unchanged, in order, then <MODEL>_<COLUMN> for each model
(e.g. NE2025_DIST, NE2025_DM, NE2025_DMz, NE2025_limit, NE2001_SM ...) and one 'status'
column: 'ok' or why the row has no result. Bad rows do not stop the job unless --strict.
Units and descriptions are Parquet field metadata; models, parameter provenance, version
and this command line are file metadata. OUTPUT appears only when complete.

examples:
  mwprop-batch convert psrcat.db atnf.parquet --model ne2001,ne2025
  mwprop-batch convert frbs.csv frbs.parquet --ra-col RA --dec-col DEC --dm-col DM_MW
  mwprop-batch convert catalogue/ out.parquet --to dm --dist-col d_kpc --scattering
"""

LOS_EPILOG = """\
examples:
  mwprop-batch los 45 2 100 1                  # distance for DM 100 pc cm^-3 at l=45, b=2
  mwprop-batch los 45 2 5 -1 --scattering      # DM and scattering out to 5 kpc
  mwprop-batch los 45 2 100 1 --model ne2001 --json
"""

DEMO_EPILOG = """\
examples:
  mwprop-batch demo
  mwprop-batch demo --rows 10000 --out /tmp/demo --seed 7
"""

# 'los' prints these columns with a fixed decimal point, the others in exponent notation
FIXED_POINT = {"DIST", "DM", "DMz", "NU_T", "DEFFSM2"}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit 2), no usage text."""

    def error(self, message: str):
        self.exit(EXIT_ERROR, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="mwprop-batch",
        description=(
            "Apply the NE2001 and NE2025 Galactic free-electron density models to whole "
            "catalogues: dispersion measure <-> distance and scattering, at batch speed."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mwprop-batch {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of one line")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    add_convert(commands)
    add_los(commands)
    add_demo(commands)
    for module in (plots, skymap, validate, precompile):  # pictures, validation, compile
        module.register_cli(commands)
    return parser


def add_convert(commands) -> None:
    p = commands.add_parser(
        "convert", help="add model distances or DMs to a whole catalogue (Parquet out)",
        description="Stream a catalogue through NE2001 and/or NE2025 into a Parquet file: "
        "distance from DM (--to dist) or DM from distance (--to dm) for every row.",
        epilog=CONVERT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", type=Path, metavar="INPUT",
                   help="Parquet file, directory of Parquet files, CSV file, ATNF psrcat.db, "
                   "or - (CSV on standard input)")
    p.add_argument("output", type=Path, metavar="OUTPUT", help="Parquet file to write")
    p.add_argument("--format", choices=("parquet", "csv", "psrcat"),
                   help="input format (default: from INPUT's extension; a directory is Parquet)")
    p.add_argument("--model", type=model_list, default=("ne2025",), metavar="MODELS",
                   help="ne2001, ne2025, ymw16, or several comma-separated (default: ne2025)")
    p.add_argument("--to", choices=("dist", "dm"), default="dist",
                   help="dist: distance from DM (default); dm: DM from distance")
    p.add_argument("--scattering", action="store_true",
                   help="add SM, TAU, SBW, SCINTIME, THETA_G, ... (NE2001 definitions)")
    p.add_argument("--freq-ghz", type=positive_float, default=1.0,
                   help="frequency for the scattering columns, GHz (default: 1)")
    p.add_argument("--velocity-kms", type=positive_float, default=100.0,
                   help="transverse speed for SCINTIME, km/s (default: 100)")
    columns = p.add_argument_group("columns (default: found by name)")
    for role, what in (
        ("l", "Galactic longitude, deg"), ("b", "Galactic latitude, deg"),
        ("ra", "right ascension J2000, deg or hh:mm:ss"),
        ("dec", "declination J2000, deg or dd:mm:ss"), ("dm", "DM, pc cm^-3"),
        ("dist", "distance, kpc (--to dm)"), ("dm-err", "DM uncertainty, pc cm^-3 (optional)"),
    ):
        columns.add_argument(f"--{role}-col", metavar="NAME", help=what)
    p.add_argument("--strict", action="store_true",
                   help="stop with an error at the first bad row (no output)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--batch-rows", type=positive_int, default=65_536, metavar="N",
                   help="rows per batch and per row group (default: 65536)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    dask = p.add_argument_group("Dask (extra 'dask'; Parquet in, a directory of Parquet out)")
    dask.add_argument("--scheduler", metavar="local|tcp://HOST:PORT",
                      help="run on Dask: 'local' starts a LocalCluster, an address joins one")
    dask.add_argument("--workers", type=positive_int, default=2, metavar="N",
                      help="worker processes for --scheduler local (default: 2)")
    p.set_defaults(run=run_convert)


def add_los(commands) -> None:
    p = commands.add_parser(
        "los", help="one sightline, printed like NE2001p.py / NE2025p.py",
        description="Distance from DM (NDIR >= 0) or DM from distance (NDIR < 0) along one "
        "sightline, as NE2001p.py/NE2025p.py print it (value, name, unit, description), or JSON.",
        epilog=LOS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_sightline_arguments(p)
    p.add_argument("--model", choices=MODEL_NAMES, default="ne2025",
                   help="model (default: ne2025)")
    p.add_argument("--scattering", action="store_true", help="also the scattering quantities")
    p.add_argument("--freq-ghz", type=positive_float, default=1.0, help="GHz (default: 1)")
    p.add_argument("--velocity-kms", type=positive_float, default=100.0,
                   help="km/s (default: 100)")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.set_defaults(run=run_los)


def add_demo(commands) -> None:
    p = commands.add_parser(
        "demo", help="make a synthetic catalogue and convert it with both models",
        description="Make a seeded synthetic pulsar catalogue (exponential disk, DMs from "
        "NE2025 with a lognormal scatter; no download), write it as Parquet into DIR and "
        "convert it with NE2001 and NE2025 (distance from DM, with scattering). Replaces its "
        "own two files.",
        epilog=DEMO_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rows", type=positive_int, default=100_000, metavar="N",
                   help="number of pulsars (default: 100000)")
    p.add_argument("--out", type=Path, default=Path(DEMO_DIR), metavar="DIR",
                   help=f"folder for the files (default: ./{DEMO_DIR})")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="default: 1")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_demo_command)


def run_convert(args: argparse.Namespace, command: str) -> int:
    overrides = ColumnOverrides(
        l_col=args.l_col, b_col=args.b_col, ra_col=args.ra_col, dec_col=args.dec_col,
        dm_col=args.dm_col, dist_col=args.dist_col, dm_err_col=args.dm_err_col,
    )
    settings = dict(
        scattering=args.scattering, freq_ghz=args.freq_ghz, velocity_kms=args.velocity_kms,
        columns=overrides, strict=args.strict,
    )
    if args.scheduler:
        return run_convert_on_dask(args, settings, command)
    summary = convert_file(
        args.input, args.output, args.model, args.to, format=args.format,
        overwrite=args.overwrite, batch_rows=args.batch_rows,
        progress=show_progress(args.quiet), command=command, **settings,
    )
    if not args.quiet:
        print(summary.line())
    return 0


def run_convert_on_dask(args: argparse.Namespace, settings: dict, command: str) -> int:
    """``convert --scheduler``: the same conversion, partition by partition, on Dask."""
    try:  # the optional extra: imported only when asked for
        from .dask import convert_dataset
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


def run_los(args: argparse.Namespace, command: str) -> int:
    model = load_model(args.model)
    options = dict(
        scattering=args.scattering, freq_ghz=args.freq_ghz, velocity_kms=args.velocity_kms
    )
    if args.ndir >= 0:
        out = model.dm_to_dist(args.l, args.b, args.value, **options)
    else:
        out = model.dist_to_dm(args.l, args.b, args.value, **options)
    row = out.iloc[0].to_dict()
    status = row.pop("status")
    if status != "ok":
        raise InvalidValueError(f"bad sightline: {status}")
    print(los_json(model.name, args, row) if args.json else los_table(model.name, args, row))
    return 0


def los_table(model: str, args: argparse.Namespace, row: dict) -> str:
    """The classic NE2001p/NE2025p table: value, name, (unit), description per line.

    A '>' before DIST marks a lower limit (the DM exceeds what the model reaches).
    """
    quantity = ("DM", "pc cm^-3") if args.ndir >= 0 else ("DIST", "kpc")
    inputs = [
        (" ", f"{args.l:10.4f}", "l", "deg", "Galactic longitude"),
        (" ", f"{args.b:10.4f}", "b", "deg", "Galactic latitude"),
        (" ", f"{args.value:10.4f}", quantity[0], quantity[1], "input DM or distance"),
        (" ", f"{args.ndir:10d}", "ndir", "", ">= 0: DM -> D; < 0: D -> DM"),
    ]
    outputs = []
    for name, value in row.items():
        if name == "limit":
            continue
        flag = ">" if name == "DIST" and row["limit"] else " "
        shown = f"{value:10.4f}" if name in FIXED_POINT else f"{value:10.4e}"
        outputs.append((flag, shown, name, *COLUMN_DOCS[name]))
    lines = [f"#{model.upper()} input: {len(inputs)} parameters"]
    lines += [_los_line(*item) for item in inputs]
    lines.append(f"#{model.upper()} output: {len(outputs)} values")
    lines += [_los_line(*item) for item in outputs]
    return "\n".join(lines)


def _los_line(flag: str, value: str, name: str, unit: str, description: str) -> str:
    return f"{flag}{value}  {name:<10s}{f'({unit})' if unit else '':<24s}{description}"


def los_json(model: str, args: argparse.Namespace, row: dict) -> str:
    """JSON: the model, the inputs, and name -> {value, unit, description} for each output.

    NaN (e.g. a scattering time where the model has no scattering) is written as null.
    """
    output = {}
    for name, value in row.items():
        if name == "limit":
            value = bool(value)
        else:
            value = None if math.isnan(value) else float(value)
        unit, description = COLUMN_DOCS[name]
        output[name] = {"value": value, "unit": unit, "description": description}
    inputs = {"l_deg": args.l, "b_deg": args.b, "ndir": args.ndir}
    inputs["dm" if args.ndir >= 0 else "dist_kpc"] = args.value
    return json.dumps({"model": model, "input": inputs, "output": output}, indent=2)


def run_demo_command(args: argparse.Namespace, command: str) -> int:
    summary = run_demo(
        args.out, rows=args.rows, seed=args.seed, progress=show_progress(args.quiet),
        command=command,
    )
    print(f"synthetic catalogue: {args.out / CATALOGUE_NAME} ({args.rows:,} pulsars)")
    print(summary.line())
    return 0


def show_progress(quiet: bool) -> bool:
    """A progress bar only on a terminal, and not with --quiet."""
    return not quiet and sys.stderr.isatty()


class CompileNotice(Listener):
    """Says once, on stderr, that numba is compiling (a fresh installation's first run).

    numba reports a compile only when its on-disk cache has no kernel to load, so a warm
    process prints nothing.
    """

    def __init__(self) -> None:
        self.told = False

    def on_start(self, event) -> None:
        if not self.told:
            self.told = True
            tqdm.write(COMPILE_NOTICE, file=sys.stderr)

    def on_end(self, event) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    """Run ``mwprop-batch`` with ``argv`` (default: sys.argv[1:]); return the exit code.

    User errors (bad or missing input, missing columns, unwritable output, a bad row with
    --strict, a missing optional extra) print one line to stderr and return 2, as usage errors
    do (argparse); an interrupt (SIGINT, SIGTERM, SIGHUP) prints one line and returns 128 +
    the signal number, leaving no output. ``--debug`` shows the traceback instead.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    notice = (contextlib.nullcontext() if getattr(args, "quiet", False)
              else install_listener("numba:compile", CompileNotice()))
    try:
        with notice:
            return args.run(args, shlex.join(["mwprop-batch", *argv]))
    except KeyboardInterrupt as exc:
        if args.debug:
            raise
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"mwprop-batch: interrupted ({signal.Signals(signum).name}); nothing written",
              file=sys.stderr)
        return 128 + signum
    except (MwpropBatchError, ValueError, OSError) as exc:
        if args.debug:
            raise
        print(f"mwprop-batch {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
