"""The validation samples: measured pulsar distances and pulse-broadening times.

Shipped in the package (copies of the repository's ``data/``; see its README for
provenance): the NE2025 calibration sets (Ocker & Cordes 2026) ``psr_dist_data.npz`` (126
parallax distances), ``GCdata.npz`` (45 globular clusters with pulsars) and
``scattering_database_nov2025.npz`` (569 pulse-broadening times at 1 GHz), plus the ATNF
catalogue v1.59's independent distances (``DIST_A``, else a parallax ``PX``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mwprop_batch.catalogue.formats.psrcat import read_psrcat
from mwprop_batch.positions import find_columns, read_inputs

PACKAGE_DATA = Path(str(resources.files("mwprop_batch") / "data"))
DEFAULT_DATA_DIR = PACKAGE_DATA / "ne2025-calibration"  # copies of data/ne2025-calibration
DEFAULT_PSRCAT = PACKAGE_DATA / "atnf" / "psrcat-1.59.db.gz"  # data/psrcat-1.59.db, gzipped
PARALLAX_FILE = "psr_dist_data.npz"
GC_FILE = "GCdata.npz"
SCATTERING_FILE = "scattering_database_nov2025.npz"
MIN_PARALLAX_SIGNIFICANCE = 3.0  # ATNF parallaxes without DIST_A: PX / PX_ERR at least this

# sample key: title in the report and the figure
SAMPLES = {
    "parallax": "Parallax pulsars",
    "gc": "Globular clusters",
    "atnf": "ATNF DIST_A / PX",
    "scattering": "Pulse broadening",
}
DISTANCE_COLUMNS = ["name", "gl", "gb", "dm", "dist", "dist_lo", "dist_hi"]


def _npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (the NE2025 calibration data)")
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def load_parallax(data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The parallax pulsars: name, gl, gb (deg), dm (pc cm^-3), dist, dist_lo, dist_hi (kpc)."""
    d = _npz(Path(data_dir) / PARALLAX_FILE)
    return pd.DataFrame({
        "name": d["jnames"].astype(str), "gl": d["gl"], "gb": d["gb"], "dm": d["dm"],
        "dist": d["dkpc"], "dist_lo": d["dkpc"] - d["deminus"], "dist_hi": d["dkpc"] + d["deplus"],
    })


def load_globular_clusters(data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The globular clusters, as :func:`load_parallax` (interval: dkpc +- dkpc_err)."""
    d = _npz(Path(data_dir) / GC_FILE)
    names = np.where(d["name"] == "none", d["ngc_name"], d["name"]).astype(str)
    return pd.DataFrame({
        "name": names, "gl": d["gl"], "gb": d["gb"], "dm": d["dm"], "dist": d["dkpc"],
        "dist_lo": d["dkpc"] - d["dkpc_err"], "dist_hi": d["dkpc"] + d["dkpc_err"],
    })


def load_scattering(data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The pulse-broadening sample: name, gl, gb (deg), dm (pc cm^-3), tau (ms at 1 GHz)."""
    d = _npz(Path(data_dir) / SCATTERING_FILE)
    return pd.DataFrame({
        "name": d["psr_names"].astype(str), "gl": d["gl"], "gb": d["gb"], "dm": d["dm"],
        "tau": d["tau"],
    })


def load_atnf(psrcat_path: str | os.PathLike[str]) -> pd.DataFrame:
    """ATNF pulsars with an independent distance, as :func:`load_parallax`.

    The distance is DIST_A with DIST_A_ERR, else with the range DIST_AMN..DIST_AMX (a missing
    end is open); without DIST_A, 1/PX for a parallax of at least
    :data:`MIN_PARALLAX_SIGNIFICANCE` sigma, within 1/(PX +- PX_ERR). Left out: pulsars
    without a DM or an interval, those in globular clusters (ASSOC 'GC:', one distance shared
    by many; see :func:`load_globular_clusters`) and in other galaxies (ASSOC 'EXGAL').
    """
    cat = read_psrcat(psrcat_path)
    inputs = read_inputs(cat, find_columns(cat.columns))
    table = pd.DataFrame({"name": cat["PSRJ"], "gl": inputs.l_deg, "gb": inputs.b_deg,
                          "dm": inputs.value})
    table["dist"], table["dist_lo"], table["dist_hi"] = _atnf_distances(cat)
    assoc = cat["ASSOC"].fillna("").astype(str) if "ASSOC" in cat else pd.Series("", cat.index)
    keep = (
        np.isfinite(table["dist"]) & np.isfinite(table["dist_lo"]) & table["dist_hi"].notna()
        & np.isfinite(table["dm"]) & np.isfinite(table["gl"])
        & ~assoc.str.contains("GC:|EXGAL", regex=True)
    )
    return table[keep].reset_index(drop=True)


def _atnf_distances(cat: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distance, low, high) in kpc from DIST_A(_ERR), DIST_AMN/AMX or PX(_ERR); NaN if none."""
    def column(name: str) -> np.ndarray:
        return cat[name].to_numpy(float) if name in cat else np.full(len(cat), np.nan)

    dist_a, dist_err = column("DIST_A"), column("DIST_A_ERR")
    amn, amx = column("DIST_AMN"), column("DIST_AMX")
    px, px_err = column("PX"), column("PX_ERR")
    has_err, has_range = np.isfinite(dist_err), np.isfinite(amn) | np.isfinite(amx)
    low = np.where(has_err, dist_a - dist_err, np.where(has_range, np.nan_to_num(amn), np.nan))
    high = np.where(has_err, dist_a + dist_err,
                    np.where(has_range, np.where(np.isfinite(amx), amx, np.inf), np.nan))
    use_px = ~np.isfinite(dist_a) & (px > 0) & (px >= MIN_PARALLAX_SIGNIFICANCE * px_err)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(use_px, 1.0 / px, dist_a)
        low = np.where(use_px, 1.0 / (px + px_err), low)
        high = np.where(use_px, 1.0 / (px - px_err), high)
    return dist, low, high
