"""mwprop's NE2001p or NE2025p, one model per process, for fixtures, benchmarks and live tests.

mwprop selects its model by rewriting a file inside its package when NE2001 or NE2025 is
imported. ``import_model`` imports it from a private temporary copy of the package instead, so
the installed package is never written and two processes can hold different models at once.

As a script, it evaluates sightlines given as JSON on stdin and prints JSON results:

    python tools/mwprop_oracle.py ne2025 < sightlines.json

with ``{"l": [deg], "b": [deg], "value": [DM pc cm^-3 or distance kpc], "ndir": [>= 0: DM ->
D, < 0: D -> DM], "scattering": bool}`` in, and one object per sightline out: every numeric
quantity mwprop returns (its units: DIST kpc, DM pc cm^-3, SM kpc m^-20/3, TAU ms, ...) and
``limit`` (mwprop's ``limdist == ">"``: the DM exceeds what the model reaches).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

MODELS = ("ne2001", "ne2025")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow mwprop's prints."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def import_model(model: str) -> Callable:
    """Import one mwprop model from a private copy of the package; return its entry point."""
    if model not in MODELS:
        raise SystemExit(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
    spec = importlib.util.find_spec("mwprop")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mwprop is not installed: pip install mwprop==2.0.5 astropy mpmath")
    private = Path(tempfile.mkdtemp(prefix="mwprop_oracle_"))
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    shutil.copytree(spec.submodule_search_locations[0], private / "mwprop")
    sys.path.insert(0, str(private))
    with quiet():
        if model == "ne2025":
            from mwprop.nemod.NE2025 import ne2025 as entry
        else:
            from mwprop.nemod.NE2001 import ne2001 as entry
    return entry


def call(entry: Callable, l_deg: float, b_deg: float, value: float, ndir: int,
         scattering: bool) -> dict:
    """One sightline through mwprop's entry point: its dict of results."""
    with quiet():
        _, values, _, _ = entry(float(l_deg), float(b_deg), float(value), int(ndir),
                                classic=False, dmd_only=not scattering)
    return values


def numeric(values: dict) -> dict[str, float | bool]:
    """mwprop's results as JSON-ready numbers, with ``limit``."""
    out: dict[str, float | bool] = {"limit": values["limdist"] == ">"}
    for key, value in values.items():
        with contextlib.suppress(TypeError, ValueError):
            out[key] = float(value)
    return out


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    entry = import_model(argv[0])
    rows = json.load(sys.stdin)
    results = [
        numeric(call(entry, l_deg, b_deg, value, ndir, rows["scattering"]))
        for l_deg, b_deg, value, ndir in zip(rows["l"], rows["b"], rows["value"], rows["ndir"],
                                             strict=True)
    ]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
