"""The README's main job: a seeded synthetic pulsar catalogue, converted with both models.

The catalogue is made here, with no download: pulsars drawn from an exponential disk
(scale length 4 kpc, scale height 0.3 kpc, out to 20 kpc from the Galactic centre) seen from
the Sun at (0, 8.5, 0) kpc, kept when nearer than 25 kpc; their DMs are the NE2025 DM at
their true distance times a lognormal scatter (0.1 dex), like a model that is right on average.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .convert import Options, Summary, convert_file
from .model import Model

SCALE_LENGTH_KPC = 4.0
SCALE_HEIGHT_KPC = 0.3
R_MAX_KPC = 20.0
D_MAX_KPC = 25.0
DM_SCATTER_DEX = 0.1
R_SUN_KPC = 8.5


def synthetic_catalogue(rows: int = 100_000, seed: int = 1) -> pd.DataFrame:
    """A seeded synthetic pulsar catalogue: name, Galactic l, b (deg), DM, true distance."""
    rng = np.random.default_rng(seed)
    chunks = []
    have = 0
    while have < rows:
        n = 2 * (rows - have) + 100
        # radius from a 2-D exponential disk: Gamma(2, scale length), truncated
        radius = rng.gamma(2.0, SCALE_LENGTH_KPC, n)
        phi = rng.uniform(0.0, 2.0 * np.pi, n)
        z = rng.laplace(0.0, SCALE_HEIGHT_KPC, n)
        x, y = radius * np.sin(phi), radius * np.cos(phi)
        dx, dy = x, y - R_SUN_KPC
        dist = np.sqrt(dx**2 + dy**2 + z**2)
        keep = (radius < R_MAX_KPC) & (dist < D_MAX_KPC) & (dist > 0.02)
        chunks.append(np.column_stack([dx, dy, z, dist])[keep])
        have += int(keep.sum())
    dx, dy, z, dist = np.concatenate(chunks)[:rows].T
    l_deg = np.degrees(np.arctan2(dx, -dy)) % 360.0
    b_deg = np.degrees(np.arcsin(z / dist))
    true_dm = Model("ne2025").dist_to_dm(l_deg, b_deg, dist)["DM"].to_numpy()
    dm = true_dm * 10 ** rng.normal(0.0, DM_SCATTER_DEX, rows)
    return pd.DataFrame(
        {
            "name": [f"SYN{i:07d}" for i in range(rows)],
            "GL": l_deg,
            "GB": b_deg,
            "DM": dm,
            "DM_ERR": 0.05 * dm,
            "true_dist_kpc": dist,
        }
    )


def run_demo(out_dir: Path, rows: int = 100_000, seed: int = 1,
             progress: bool | None = None) -> tuple[Path, Summary]:
    """Write the synthetic catalogue and its conversion with NE2001 and NE2025 into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    catalogue = out_dir / "synthetic_catalogue.parquet"
    synthetic_catalogue(rows, seed).to_parquet(catalogue, index=False)
    converted = out_dir / "synthetic_catalogue_distances.parquet"
    options = Options(models=("ne2001", "ne2025"), to="dist", scattering=True)
    summary = convert_file(catalogue, converted, options, overwrite=True, progress=progress,
                           command=f"mwprop-batch demo --rows {rows} --seed {seed}")
    return converted, summary
