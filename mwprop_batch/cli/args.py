"""argparse types, shared arguments and the progress switch of the ``mwprop-batch`` commands."""

from __future__ import annotations

import argparse
import math
import sys

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from mwprop_batch.registry import is_model_name, model_names

MHZ_LIKELY_GHZ = 100.0  # a --freq-ghz above this (radio scattering) was most likely MHz


def model_list(text: str) -> tuple[str, ...]:
    """'ne2001,ne2025+yt2020' -> ('ne2001', 'ne2025+yt2020'): known names or sums of them,
    in order, once each."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if not is_model_name(n)]
    if not names or unknown:
        wrong = ", ".join(unknown) or repr(text)
        raise argparse.ArgumentTypeError(
            f"unknown model {wrong}; choose from {', '.join(model_names())}, "
            "or a sum such as ne2025+yt2020"
        )
    return names


def model_name(text: str) -> str:
    """One model name or sum of models ('ne2025', 'ne2001+yt2020'), lower case."""
    names = model_list(text)
    if len(names) != 1:
        raise argparse.ArgumentTypeError(f"one model, got {text!r}")
    return names[0]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (a frequency, a speed)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be finite and > 0, got {text}")
    return value


def power_of_two(text: str) -> int:
    """A positive power of two (a HEALPix nside)."""
    value = positive_int(text)
    if value & (value - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two, got {value}")
    return value


def add_scattering_arguments(parser: argparse.ArgumentParser, applies: str) -> None:
    """--freq-ghz and --velocity-kms (default None: see :func:`scattering_options`);
    ``applies`` says when they apply, for the help."""
    parser.add_argument("--freq-ghz", type=positive_float, metavar="GHZ",
                        help=f"frequency, GHz, {applies} (default: {REFERENCE_FREQ_GHZ:g})")
    parser.add_argument("--velocity-kms", type=positive_float, metavar="KMS",
                        help=f"transverse speed for SCINTIME, km/s, {applies} "
                        f"(default: {REFERENCE_VELOCITY_KMS:g})")


def scattering_options(args: argparse.Namespace, applies: bool, needs: str) -> dict[str, float]:
    """``freq_ghz`` and ``velocity_kms`` from --freq-ghz/--velocity-kms, defaults filled in.

    Giving either where it has no effect (``applies`` is False; ``needs`` names what it
    needs, e.g. '--scattering') is an error, never silently ignored; a frequency above
    :data:`MHZ_LIKELY_GHZ` GHz gets a warning on stderr (MHz meant?).
    """
    given = [f"--{name.replace('_', '-')}" for name in ("freq_ghz", "velocity_kms")
             if getattr(args, name, None) is not None]
    if given and not applies:
        verb = "apply" if len(given) > 1 else "applies"
        raise InvalidValueError(f"{' and '.join(given)} {verb} only with {needs}")
    freq = REFERENCE_FREQ_GHZ if args.freq_ghz is None else args.freq_ghz
    if freq > MHZ_LIKELY_GHZ:
        print(f"mwprop-batch {args.command}: warning: --freq-ghz {freq:g} is {freq:g} GHz; "
              f"did you mean MHz (--freq-ghz {freq / 1000:g})?", file=sys.stderr)
    velocity = getattr(args, "velocity_kms", None)
    return {"freq_ghz": freq,
            "velocity_kms": REFERENCE_VELOCITY_KMS if velocity is None else velocity}


def add_sightline_arguments(parser: argparse.ArgumentParser) -> None:
    """The positional L B DM_OR_DIST NDIR of the one-sightline commands (NE2001p's order)."""
    parser.add_argument("l", type=float, metavar="L", help="Galactic longitude, deg")
    parser.add_argument("b", type=float, metavar="B", help="Galactic latitude, deg")
    parser.add_argument("value", type=float, metavar="DM_OR_DIST",
                        help="DM (pc cm^-3) if NDIR >= 0, distance (kpc) if NDIR < 0")
    parser.add_argument("ndir", type=int, metavar="NDIR", help=">= 0: DM -> D; < 0: D -> DM")


def add_overwrite_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--overwrite``: replace ``what`` if it exists (otherwise the command refuses)."""
    parser.add_argument("--overwrite", action="store_true",
                        help=f"replace {what} if it exists (otherwise an error)")


def show_progress(quiet: bool) -> bool:
    """A progress bar only on a terminal, and not with --quiet."""
    return not quiet and sys.stderr.isatty()
