"""Print how mwprop_batch agrees with the mwprop fixtures in tests/data/ (Markdown tables).

    python tools/compare_with_oracle.py

Relative differences |ours / mwprop - 1| per sightline set and column: median, 95th
percentile and maximum; DIST over rows that neither flags as a limit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mwprop_batch import Model

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SCATTERING = ["SM", "SMtau", "SMtheta", "SMiso", "TAU", "SBW", "SCINTIME", "THETA_G",
              "THETA_X", "NU_T", "EM", "DEFFSM2", "TAU_X", "SBW_X"]


def relative(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(ours / ref - 1.0)
    return rel[np.isfinite(rel)]


def summary(rel: np.ndarray) -> str:
    return f"{np.median(rel):.1e} / {np.percentile(rel, 95):.1e} / {rel.max():.1e}"


def compare(name: str) -> list[dict[str, str]]:
    with np.load(DATA / f"oracle_los_{name}.npz") as archive:
        o = {k: archive[k] for k in archive.files}
    model = Model(name)
    rows = []
    for subset in ("allsky", "plane", "inner"):
        fwd = (o["set"] == subset) & (o["direction"] > 0)
        inv = (o["set"] == subset) & (o["direction"] < 0)
        a = model.dm_to_dist(o["l"][fwd], o["b"][fwd], o["input"][fwd], scattering=True)
        b = model.dist_to_dm(o["l"][inv], o["b"][inv], o["input"][inv], scattering=True)
        limit_ref = o["limit"][fwd].astype(bool)
        free = ~a["limit"].to_numpy() & ~limit_ref
        row = {
            "model": name, "set": subset,
            "DIST (DM->D)": summary(relative(a["DIST"].to_numpy()[free], o["DIST"][fwd][free])),
            "DM (D->DM)": summary(relative(b["DM"].to_numpy(), o["DM"][inv])),
            "limit agree": f"{np.mean(a['limit'].to_numpy() == limit_ref):.3f}",
        }
        for column in SCATTERING:
            rel = np.concatenate([relative(a[column].to_numpy()[free], o[column][fwd][free]),
                                  relative(b[column].to_numpy(), o[column][inv])])
            row[column] = f"{np.median(rel):.1e}"
        rows.append(row)
    return rows


def main() -> None:
    table = pd.DataFrame([row for name in ("ne2001", "ne2025") for row in compare(name)])
    core = ["model", "set", "DIST (DM->D)", "DM (D->DM)", "limit agree"]
    print("median / 95th percentile / max of |ours/mwprop - 1|\n")
    print(table[core].to_markdown(index=False))
    print("\nmedian |ours/mwprop - 1| of the scattering columns (both directions)\n")
    print(table[["model", "set", *SCATTERING]].to_markdown(index=False))


if __name__ == "__main__":
    main()
