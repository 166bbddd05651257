"""``mwprop-batch los``: one sightline, printed as NE2001p.py / NE2025p.py print it, or JSON."""

from __future__ import annotations

import argparse
import json
import math

from mwprop_batch.convert import COLUMN_DOCS
from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.core.status import OK
from mwprop_batch.model import Model
from mwprop_batch.registry import DEFAULT_MODEL, model_names

from .args import add_scattering_arguments, add_sightline_arguments, scattering_options

LOS_EPILOG = """\
examples:
  mwprop-batch los 45 2 100 1                  # distance for DM 100 pc cm^-3 at l=45, b=2
  mwprop-batch los 45 2 5 -1 --scattering      # DM and scattering out to 5 kpc
  mwprop-batch los 45 2 100 1 --model ne2001 --json
"""

# 'los' prints these columns with a fixed decimal point, the others in exponent notation
FIXED_POINT = {"DIST", "DM", "DMz", "NU_T", "DEFFSM2"}
FIXED_POINT_BELOW = 1e6  # larger numbers in exponent notation all the same (a 1e308 distance)


def register(commands) -> None:
    """Add ``los`` to the ``mwprop-batch`` subcommands."""
    p = commands.add_parser(
        "los", help="one sightline, printed like NE2001p.py / NE2025p.py",
        description="Distance from DM (NDIR >= 0) or DM from distance (NDIR < 0) along one "
        "sightline, as NE2001p.py/NE2025p.py print it (value, name, unit, description), or JSON.",
        epilog=LOS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_sightline_arguments(p)
    p.add_argument("--model", choices=model_names(), default=DEFAULT_MODEL,
                   help=f"model (default: {DEFAULT_MODEL})")
    p.add_argument("--scattering", action="store_true", help="also the scattering quantities")
    add_scattering_arguments(p, "with --scattering")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.set_defaults(run=run_los)


def run_los(args: argparse.Namespace, command: str = "") -> int:
    """Handler of ``los`` (``command``, the command line, is not used)."""
    model = Model(args.model)
    options = dict(scattering=args.scattering,
                   **scattering_options(args, args.scattering, "--scattering"))
    if args.ndir >= 0:
        out = model.dm_to_dist(args.l, args.b, args.value, **options)
    else:
        out = model.dist_to_dm(args.l, args.b, args.value, **options)
    row = out.iloc[0].to_dict()
    status = row.pop("status")
    if status != OK:
        raise InvalidValueError(f"bad sightline: {status}")
    print(los_json(model.name, args, row) if args.json else los_table(model.name, args, row))
    return 0


def los_table(model: str, args: argparse.Namespace, row: dict) -> str:
    """The classic NE2001p/NE2025p table: value, name, (unit), description per line.

    A '>' before DIST marks a lower limit (the DM exceeds what the model reaches).
    """
    quantity = ("DM", "pc cm^-3") if args.ndir >= 0 else ("DIST", "kpc")
    inputs = [
        (" ", _fixed(args.l), "l", "deg", "Galactic longitude"),
        (" ", _fixed(args.b), "b", "deg", "Galactic latitude"),
        (" ", _fixed(args.value), quantity[0], quantity[1], "input DM or distance"),
        (" ", f"{args.ndir:10d}", "ndir", "", ">= 0: DM -> D; < 0: D -> DM"),
    ]
    outputs = []
    for name, value in row.items():
        if name == "limit":
            continue
        flag = ">" if name == "DIST" and row["limit"] else " "
        shown = _fixed(value) if name in FIXED_POINT else f"{value:10.4e}"
        outputs.append((flag, shown, name, *COLUMN_DOCS[name]))
    lines = [f"#{model.upper()} input: {len(inputs)} parameters"]
    lines += [_los_line(*item) for item in inputs]
    lines.append(f"#{model.upper()} output: {len(outputs)} values")
    lines += [_los_line(*item) for item in outputs]
    return "\n".join(lines)


def _fixed(value: float) -> str:
    """A number with four decimals, or in exponent notation from 1e6 on."""
    return f"{value:10.4f}" if abs(value) < FIXED_POINT_BELOW else f"{value:10.4e}"


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
