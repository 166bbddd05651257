"""``mwprop-batch compile``: every numba kernel into numba's on-disk cache, now."""

from __future__ import annotations

import argparse
import os

from mwprop_batch.core.tablecache import cache_dir
from mwprop_batch.precompile import cache_location, compile_kernels
from mwprop_batch.registry import model_names


def register(commands) -> None:
    """Add ``compile`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "compile", help="compile every numba kernel now, into numba's cache",
        description="Compile every kernel once into numba's on-disk cache and store every "
        "model's tables (NE2001, NE2025, YMW16), so that no later run compiles: for images, "
        "CI, read-only installations (set NUMBA_CACHE_DIR) and clusters (NUMBA_CACHE_DIR on "
        "a shared file system). See docs/performance.md.",
    )
    p.add_argument("--processes", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="compile the model families' kernels in up to N processes at once "
                   "(default: the number of CPU cores; 1: in this process)")
    p.set_defaults(run=run_compile)


def run_compile(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``compile`` (``command``, the command line, is not used)."""
    seconds = compile_kernels(processes=args.processes)
    print(f"kernels and tables of {', '.join(model_names())} ready in {seconds:.1f} s; "
          f"numba cache: {cache_location()}; table cache: {cache_dir() or 'off'}")
    return 0
