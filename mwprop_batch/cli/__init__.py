"""Command-line interface ``mwprop-batch``: the parser, error handling and :func:`main`.

Each command group lives in its own module with a ``register(subparsers)`` that adds its
commands and sets ``run(args, command_line) -> exit code`` as their handler:
:mod:`.convert_command` (convert), :mod:`.los_command` (los), :mod:`.demo_command` (demo),
:mod:`.picture_commands` (plot-los, skymap, faceon), :mod:`.validate_command` (validate) and
:mod:`.compile_command` (compile); :mod:`.args` holds their shared argument types.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
import warnings
from collections.abc import Iterator

from numba.core.event import install_listener

from mwprop_batch.catalogue.formats.parquet_datasets import SkippedFilesWarning
from mwprop_batch.core.errors import MwpropBatchError, one_line
from mwprop_batch.core.version import VERSION as __version__

from . import (
    compile_command,
    convert_command,
    demo_command,
    los_command,
    picture_commands,
    validate_command,
)
from .compile_notice import CompileNotice

EXIT_ERROR = 2  # as argparse's usage errors

EPILOG = """\
examples:
  mwprop-batch demo
  mwprop-batch convert psrcat.db atnf.parquet --model ne2001,ne2025
  mwprop-batch convert frbs.csv frbs.parquet --ra-col RA --dec-col DEC --dm-col DM_MW
  mwprop-batch convert sim/ sim_dm.parquet --to dm --dist-col d_kpc --scattering
  mwprop-batch los 30 2 300 1 --scattering
"""

ONE_LINE_WARNINGS = (SkippedFilesWarning,)  # shown as 'mwprop-batch: warning: ...'

# in the order 'mwprop-batch --help' lists them
COMMAND_GROUPS = (convert_command, los_command, demo_command, picture_commands,
                  validate_command, compile_command)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit 2), no usage text."""

    def error(self, message: str):
        self.exit(EXIT_ERROR, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``mwprop-batch`` parser with every command."""
    parser = OneLineParser(
        prog="mwprop-batch",
        description=(
            "Apply the NE2001, NE2025 and YMW16 Galactic free-electron density models to "
            "whole catalogues: dispersion measure <-> distance and scattering, at batch speed."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mwprop-batch {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of one line")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show our warnings about the input (:data:`ONE_LINE_WARNINGS`) as one line on stderr,
    ``mwprop-batch: warning: ...``, without Python's file and line; others as Python does."""
    with warnings.catch_warnings():
        shown_by_python = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if issubclass(category, ONE_LINE_WARNINGS):
                print(f"mwprop-batch: warning: {one_line(message)}", file=sys.stderr)
            else:
                shown_by_python(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


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
        with notice, one_line_warnings():
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
