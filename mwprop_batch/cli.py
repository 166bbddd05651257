"""Command-line interface: ``mwprop-batch``."""

from __future__ import annotations

import argparse
import sys

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mwprop-batch",
        description=(
            "Apply the NE2001 and NE2025 Galactic free-electron density models to whole "
            "catalogues: dispersion measure <-> distance and scattering, at batch speed."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mwprop-batch {__version__}")
    parser.add_subparsers(dest="command", title="commands")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
