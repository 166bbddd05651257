"""``mwprop-batch demo``: a seeded synthetic catalogue, converted with both NE2001-type models."""

from __future__ import annotations

import argparse
from pathlib import Path

from mwprop_batch.demo import CATALOGUE_NAME, CONVERTED_NAME, run_demo
from mwprop_batch.demo import DEFAULT_DIR as DEMO_DIR

from .args import add_overwrite_argument, positive_int, show_progress

DEMO_EPILOG = """\
examples:
  mwprop-batch demo
  mwprop-batch demo --rows 10000 --out /tmp/demo --seed 7
"""


def register(commands) -> None:
    """Add ``demo`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "demo", help="make a synthetic catalogue and convert it with NE2001 and NE2025",
        description="Make a seeded synthetic pulsar catalogue (exponential disk, DMs from "
        "NE2025 with a lognormal scatter; no download), write it as Parquet into DIR and "
        "convert it with NE2001 and NE2025 (distance from DM, with scattering). Its two files "
        "are replaced only with --overwrite.",
        epilog=DEMO_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rows", type=positive_int, default=100_000, metavar="N",
                   help="number of pulsars (default: 100000)")
    p.add_argument("--out", type=Path, default=Path(DEMO_DIR), metavar="DIR",
                   help=f"folder for the files (default: ./{DEMO_DIR})")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="default: 1")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    add_overwrite_argument(p, f"{CATALOGUE_NAME} and {CONVERTED_NAME} in DIR")
    p.set_defaults(run=run_demo_command)


def run_demo_command(args: argparse.Namespace, command: str) -> int:
    """Handler of ``demo``; ``command`` (the command line) goes into the file metadata."""
    summary = run_demo(
        args.out, rows=args.rows, seed=args.seed, progress=show_progress(args.quiet),
        command=command, overwrite=args.overwrite,
    )
    if not args.quiet:
        print(f"synthetic catalogue: {args.out / CATALOGUE_NAME} ({args.rows:,} pulsars)")
        print(summary.line())
    return 0
