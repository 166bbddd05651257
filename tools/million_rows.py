"""Every valid row ends ``ok`` and finite: a seeded all-sky DM -> D run (issue 28, item 4).

    python tools/million_rows.py [--n 1000000] [--models ne2025] [--scattering]

Rows are drawn as in the issue: ``rng = default_rng(0x5EED)``; l uniform on [0, 360),
b = arcsin(uniform(-1, 1)) (uniform on the sphere), DM = 10^uniform(0.5, 3) pc cm^-3; every
such row is valid. Prints, per model, the rows per status, and every row that is not ``ok``
or whose DIST or DM is not finite (l, b, DM to 17 digits, to be rerun alone); exits 1 if
there is one. Not part of the test suite (about a minute per model on two cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mwprop_batch import Model  # noqa: E402

SEED = 0x5EED


def seeded_rows(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(l deg, b deg, DM pc cm^-3) of the issue's n seeded all-sky rows, in its draw order."""
    rng = np.random.default_rng(SEED)
    l_deg = rng.uniform(0.0, 360.0, n)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    dm = 10.0 ** rng.uniform(0.5, 3.0, n)
    return l_deg, b_deg, dm


def check(model: str, n: int, scattering: bool) -> int:
    """Run one model's rows; print the summary and the bad rows; return how many are bad."""
    l_deg, b_deg, dm = seeded_rows(n)
    start = time.perf_counter()
    out = Model(model).dm_to_dist(l_deg, b_deg, dm, scattering=scattering)
    seconds = time.perf_counter() - start
    finite = np.isfinite(out["DIST"].to_numpy()) & np.isfinite(out["DM"].to_numpy())
    bad = np.flatnonzero((out["status"] != "ok").to_numpy() | ~finite)
    print(f"{model}: {n:,} rows in {seconds:.1f} s; limit rows {int(out['limit'].sum()):,}")
    for status, count in out["status"].value_counts().items():
        print(f"  {status!r}: {count:,}")
    for i in bad:
        print(f"  row {i}: l, b, DM = {l_deg[i]!r}, {b_deg[i]!r}, {dm[i]!r}: "
              f"{out['status'].iat[i]!r}, DIST {out['DIST'].iat[i]!r}, DM {out['DM'].iat[i]!r}")
    print(f"  rows not ok or not finite: {bad.size}")
    return int(bad.size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument("--models", default="ne2025", help="comma-separated (default ne2025)")
    parser.add_argument("--scattering", action="store_true", help="also the scattering columns")
    args = parser.parse_args()
    bad = sum(check(name, args.n, args.scattering) for name in args.models.split(","))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
