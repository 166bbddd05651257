"""Command-line interface: ``mwprop-batch convert | los | demo``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from . import __version__

EPILOG = """examples:
  mwprop-batch demo                                  # synthetic catalogue, both models
  mwprop-batch convert psrcat.db out.parquet --model ne2001,ne2025
  mwprop-batch convert frbs.csv out.parquet --ra-col RA --dec-col DEC --dm-col DM_obs
  mwprop-batch convert sim/ out.parquet --to dm --dist-col d_kpc --scattering
  mwprop-batch los 30 2 300 1 --scattering             # one sightline, DM -> D
"""


def _add_convert(sub) -> None:
    p = sub.add_parser(
        "convert", help="convert a catalogue (Parquet, CSV or ATNF psrcat.db) to Parquet",
        description="Add NE2001/NE2025 distances (from DM) or DMs (from distance) to every row "
        "of a catalogue. Input columns pass through unchanged; results are added as "
        "<MODEL>_<COLUMN> (e.g. NE2025_DIST) with one 'status' column.",
    )
    p.add_argument("input", type=Path, help="Parquet file or directory, CSV file, or psrcat.db")
    p.add_argument("output", type=Path, help="output Parquet file")
    p.add_argument("--format", choices=("parquet", "csv", "psrcat"),
                   help="input format (default: from the extension)")
    p.add_argument("--model", default="ne2025",
                   help="ne2001, ne2025, or both comma-separated (default: ne2025)")
    p.add_argument("--to", choices=("dist", "dm"), default="dist",
                   help="dist: distance from DM (default); dm: DM from distance")
    p.add_argument("--scattering", action="store_true",
                   help="add SM, TAU, SBW, SCINTIME, ... (NE2001 definitions)")
    p.add_argument("--freq-ghz", type=float, default=1.0,
                   help="observing frequency for the scattering columns (default 1 GHz)")
    p.add_argument("--velocity-kms", type=float, default=100.0,
                   help="transverse speed for the scintillation time (default 100 km/s)")
    for role, what in (("l", "Galactic longitude (deg)"), ("b", "Galactic latitude (deg)"),
                       ("ra", "right ascension (deg or hh:mm:ss)"),
                       ("dec", "declination (deg or dd:mm:ss)"), ("dm", "DM (pc cm^-3)"),
                       ("dist", "distance (kpc)"), ("dm-err", "DM uncertainty (pc cm^-3)")):
        p.add_argument(f"--{role}-col", metavar="NAME", help=f"column holding the {what}")
    p.add_argument("--batch-rows", type=int, default=65_536, help="rows per batch (memory)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first bad row instead of marking it in 'status'")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--scheduler", metavar="local|tcp://HOST:PORT",
                   help="run on Dask (extra 'dask'): 'local' starts a LocalCluster, an address "
                   "joins an existing cluster; INPUT and OUTPUT are then Parquet datasets")
    p.add_argument("--workers", type=int, default=2, help="worker processes for --scheduler local")
    p.set_defaults(func=_run_convert)


def _add_los(sub) -> None:
    p = sub.add_parser(
        "los", help="one sightline, printed like NE2001p.py / NE2025p.py",
        description="Distance from DM (NDIR >= 0) or DM from distance (NDIR < 0) for one "
        "sightline, printed as the classic NE2001 table or as JSON.",
    )
    p.add_argument("l", type=float, help="Galactic longitude (deg)")
    p.add_argument("b", type=float, help="Galactic latitude (deg)")
    p.add_argument("dm_or_dist", type=float, metavar="DM_OR_DIST",
                   help="DM (pc cm^-3) or distance (kpc)")
    p.add_argument("ndir", type=int, help=">= 0: DM -> D; < 0: D -> DM")
    p.add_argument("--model", default="ne2025", help="ne2001 or ne2025 (default)")
    p.add_argument("--scattering", action="store_true", help="also the scattering quantities")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.set_defaults(func=_run_los)


def _add_demo(sub) -> None:
    p = sub.add_parser(
        "demo", help="make a synthetic catalogue and convert it with both models",
        description="Make a seeded synthetic pulsar catalogue (no download), convert it with "
        "NE2001 and NE2025 (distances from DM, with scattering) and print the summary.",
    )
    p.add_argument("--rows", type=int, default=100_000, help="pulsars (default 100,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("mwprop_batch_demo"),
                   help="output folder (default ./mwprop_batch_demo)")
    p.set_defaults(func=_run_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mwprop-batch",
        description="Apply the NE2001 and NE2025 Galactic free-electron density models to "
        "whole catalogues: distance from dispersion measure, DM from distance, and scattering.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mwprop-batch {__version__}")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    _add_convert(sub)
    _add_los(sub)
    _add_demo(sub)
    return parser


def _run_convert(args) -> int:
    from .convert import Options, convert_file

    columns = {"glon": args.l_col, "glat": args.b_col, "ra": args.ra_col, "dec": args.dec_col,
               "dm": args.dm_col, "dist": args.dist_col, "dm_err": args.dm_err_col}
    options = Options(models=tuple(m.strip() for m in args.model.split(",") if m.strip()),
                      to=args.to, scattering=args.scattering, freq_ghz=args.freq_ghz,
                      velocity_kms=args.velocity_kms, strict=args.strict)
    if args.scheduler:
        return _run_convert_on_dask(args, columns, options)
    summary = convert_file(
        args.input, args.output, options, fmt=args.format,
        columns={k: v for k, v in columns.items() if v}, batch_rows=args.batch_rows,
        overwrite=args.overwrite, progress=False if args.quiet else None,
        command=shlex.join(["mwprop-batch", *sys.argv[1:]]),
    )
    if not args.quiet:
        print(f"{args.output}: {summary.line()}")
    return 0


def _run_convert_on_dask(args, columns: dict, options) -> int:
    import time

    from .dask import convert_dataset

    start = time.perf_counter()
    rows = convert_dataset(
        args.input, args.output, options.models, scheduler=args.scheduler,
        workers=args.workers, overwrite=args.overwrite,
        progress=not args.quiet and sys.stderr.isatty(), to=options.to,
        scattering=options.scattering, freq_ghz=options.freq_ghz,
        velocity_kms=options.velocity_kms, strict=options.strict,
        columns={k: v for k, v in columns.items() if v},
    )
    if not args.quiet:
        seconds = time.perf_counter() - start
        print(f"{args.output}: {rows} rows in {seconds:.1f} s on Dask ({args.scheduler})")
    return 0


def _run_los(args) -> int:
    from .model import Model
    from .scattering import SCATTERING_COLUMNS
    from .sightlines import CORE_COLUMNS

    model = Model(args.model)
    if args.ndir >= 0:
        out = model.dm_to_dist(args.l, args.b, args.dm_or_dist, scattering=args.scattering)
    else:
        out = model.dist_to_dm(args.l, args.b, args.dm_or_dist, scattering=args.scattering)
    row = out.iloc[0]
    if row["status"] != "ok":
        raise ValueError(f"bad sightline: {row['status']}")
    if args.json:
        values = {k: (bool(v) if k == "limit" else v) for k, v in row.items()}
        print(json.dumps({"model": model.name.upper(), "l": args.l, "b": args.b,
                          "input": args.dm_or_dist, "ndir": args.ndir, **values}))
        return 0
    described = {**CORE_COLUMNS, **SCATTERING_COLUMNS}
    print(f"#{model.name.upper()} input: l={args.l} b={args.b} DM/D={args.dm_or_dist} "
          f"ndir={args.ndir}")
    for name, value in row.items():
        if name in ("status", "limit"):
            continue
        unit, text = described[name]
        flag = ">" if name == "DIST" and row["limit"] else " "
        shown = f"{value:>12.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:>12.4e}"
        print(f"{flag}{shown}  {name:<9s} ({unit}) {text}")
    return 0


def _run_demo(args) -> int:
    from .demo import run_demo

    path, summary = run_demo(args.out, rows=args.rows, seed=args.seed)
    print(f"{path}: {summary.line()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("mwprop-batch: interrupted; nothing written", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:  # user errors: one line, no traceback
        print(f"mwprop-batch: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
