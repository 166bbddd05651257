"""``mwprop-batch compile``: every numba kernel into numba's on-disk cache, now."""

from __future__ import annotations

import argparse

from ..precompile import cache_location, compile_kernels
from ..tablecache import cache_dir


def register(commands) -> None:
    """Add ``compile`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "compile", help="compile every numba kernel now, into numba's cache",
        description="Compile every kernel once into numba's on-disk cache and store both "
        "models' tables, so that no later run compiles: for images, CI, read-only "
        "installations (set NUMBA_CACHE_DIR) and clusters (NUMBA_CACHE_DIR on a shared file "
        "system). See docs/performance.md.",
    )
    p.set_defaults(run=run_compile)


def run_compile(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``compile`` (``command``, the command line, is not used)."""
    seconds = compile_kernels()
    print(f"kernels ready in {seconds:.1f} s; numba cache: {cache_location()}; "
          f"table cache: {cache_dir() or 'off'}")
    return 0
