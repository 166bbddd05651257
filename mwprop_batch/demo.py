"""A seeded synthetic pulsar catalogue, and the demo job: convert it with both models.

The catalogue is made here, with no download: pulsars in an exponential disk (scale length
4 kpc, scale height 0.3 kpc, out to 20 kpc from the Galactic centre) seen from the Sun at
(0, 8.5, 0) kpc in the NE2001 frame (x toward l = 90 deg, y from the Galactic centre to the
Sun, z north); their DMs are NE2025's DM to their true distance times a lognormal scatter
(the model's own error). Converting it back shows how well distances are recovered.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .catalogue.storage.atomic_tables import AtomicTableWriter
from .conversion_settings import load_model
from .core.errors import InvalidValueError
from .core.publish import check_outputs
from .file_conversion import Summary, convert_file
from .registry import COMPARED_MODELS, DEFAULT_MODEL

SCALE_LENGTH_KPC = 4.0
SCALE_HEIGHT_KPC = 0.3
MAX_RADIUS_KPC = 20.0
SUN_KPC = np.array([0.0, 8.5, 0.0])
DM_SCATTER_DEX = 0.1  # sigma of log10(DM / model DM): about 26%
DM_MODEL = DEFAULT_MODEL
DEFAULT_DIR = "mwprop_batch_demo"
CATALOGUE_NAME = "synthetic_catalogue.parquet"
CONVERTED_NAME = "synthetic_catalogue_distances.parquet"


def galactic_disk(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Galactocentric x, y, z (kpc), shape (rows, 3), of an exponential disk.

    Surface density ~ exp(-R / 4 kpc) (so R follows a Gamma(2) law; radii beyond 20 kpc are
    drawn again), uniform azimuth, density ~ exp(-|z| / 0.3 kpc).
    """
    radius = rng.gamma(2.0, SCALE_LENGTH_KPC, rows)
    while (outside := radius > MAX_RADIUS_KPC).any():
        radius[outside] = rng.gamma(2.0, SCALE_LENGTH_KPC, outside.sum())
    azimuth = rng.uniform(0.0, 2.0 * np.pi, rows)
    z = rng.laplace(0.0, SCALE_HEIGHT_KPC, rows)
    return np.column_stack([radius * np.cos(azimuth), radius * np.sin(azimuth), z])


def heliocentric(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactic l in [0, 360), b (deg) and distance (kpc) from the Sun of Galactocentric points."""
    dx, dy, dz = (xyz - SUN_KPC).T
    dist = np.sqrt(dx**2 + dy**2 + dz**2)
    l_deg = np.mod(np.degrees(np.arctan2(dx, -dy)), 360.0)
    b_deg = np.degrees(np.arcsin(dz / dist))
    return l_deg, b_deg, dist


def synthetic_catalogue(rows: int = 100_000, seed: int = 1) -> pd.DataFrame:
    """A synthetic pulsar catalogue: NAME, GL, GB (deg), DIST_TRUE (kpc), DM (pc cm^-3).

    Same ``seed``, same catalogue. DM is NE2025's DM to DIST_TRUE times 10**N(0, 0.1).
    """
    rng = np.random.default_rng(seed)
    l_deg, b_deg, dist = heliocentric(galactic_disk(rows, rng))
    model_dm = load_model(DM_MODEL).dist_to_dm(l_deg, b_deg, dist)["DM"].to_numpy()
    dm = model_dm * 10.0 ** rng.normal(0.0, DM_SCATTER_DEX, rows)
    return pd.DataFrame(
        {
            "NAME": [f"SYN{i:07d}" for i in range(rows)],
            "GL": l_deg,
            "GB": b_deg,
            "DIST_TRUE": dist,
            "DM": dm,
        }
    )


def run_demo(
    out_dir: str | os.PathLike[str] = DEFAULT_DIR, rows: int = 100_000, seed: int = 1,
    progress: bool = False, command: str | None = None, overwrite: bool = False,
) -> Summary:
    """Write the synthetic catalogue into ``out_dir`` and convert it with NE2001 and NE2025
    (distances from DM, with scattering).

    Makes ``out_dir`` if needed and writes two files there, :data:`CATALOGUE_NAME` and
    :data:`CONVERTED_NAME`; existing ones are replaced only with ``overwrite`` (otherwise
    :class:`~mwprop_batch.core.publish.OutputExistsError`, before any work). Returns the
    conversion's summary.
    """
    if rows < 1:
        raise InvalidValueError(f"rows must be at least 1, got {rows}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source, converted = check_outputs([out_dir / CATALOGUE_NAME, out_dir / CONVERTED_NAME],
                                      overwrite)
    table = pa.Table.from_pandas(synthetic_catalogue(rows, seed), preserve_index=False)
    with AtomicTableWriter(source, table.schema, overwrite=overwrite) as writer:
        for batch in table.to_batches():
            writer.write(batch)
    return convert_file(
        source, converted, COMPARED_MODELS, scattering=True,
        overwrite=overwrite, progress=progress, command=command,
    )
