"""``mwprop-batch validate``: the models against measured distances and pulse broadening."""

from __future__ import annotations

import argparse
from pathlib import Path

from mwprop_batch.registry import COMPARED_MODELS
from mwprop_batch.validation.data import DEFAULT_DATA_DIR, DEFAULT_PSRCAT
from mwprop_batch.validation.report import FIGURE_NAME, REPORT_NAME, run_validation

from .args import add_overwrite_argument, model_list

VALIDATE_EPILOG = """\
Statistics (for each model and sample):
  within error   the model distance lies in the measured interval
  within 1.5x/2x D_model / D lies between 1/f and f
  median log     median of log10(D_model / D): < 0 means the model puts sources too near
  TAU            TAU for DM -> D at 1 GHz vs measured: median log10 ratio, scatter (standard
                 deviation of log10 ratio, dex) and the fraction within a factor of 10
NE2025 was fitted to these parallax, globular-cluster and scattering data: for NE2025 the
comparison is in-sample.

examples:
  mwprop-batch validate --out validation/
  mwprop-batch validate --data data/ne2025-calibration --psrcat data/psrcat-1.59.db
"""


def register(commands) -> None:
    """Add ``validate`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "validate", help="compare the models with measured distances and pulse broadening",
        description="Compare NE2001 and NE2025 DM distances with parallax, globular-cluster "
        "(and ATNF) distances, and their TAU with measured pulse broadening; write "
        f"{REPORT_NAME} and {FIGURE_NAME} (needs matplotlib).",
        epilog=VALIDATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", type=Path, metavar="DIR", default=DEFAULT_DATA_DIR,
                   help="folder with the NE2025 calibration .npz files (default: the copy "
                   "shipped in the package)")
    p.add_argument("--out", type=Path, metavar="DIR", default=Path("."),
                   help="folder for the report and the figure (default: .)")
    p.add_argument("--psrcat", type=Path, metavar="PATH",
                   help="ATNF psrcat.db (or .db.gz) for its DIST_A/PX distances (default: "
                   "psrcat 1.59, shipped in the package)")
    p.add_argument("--no-atnf", action="store_true", help="leave the ATNF distances out")
    p.add_argument("--model", type=model_list, default=COMPARED_MODELS, metavar="MODELS",
                   help=f"default: {','.join(COMPARED_MODELS)}")
    add_overwrite_argument(p, f"{REPORT_NAME} and {FIGURE_NAME}")
    p.set_defaults(run=run_validate)


def run_validate(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``validate`` (``command``, the command line, is not used)."""
    psrcat = None if args.no_atnf else (args.psrcat or DEFAULT_PSRCAT)
    report, figure, _ = run_validation(args.out, args.data, psrcat, args.model,
                                       overwrite=args.overwrite)
    print(f"wrote {report} and {figure}")
    return 0
