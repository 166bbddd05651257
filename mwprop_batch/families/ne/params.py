"""Model parameters: read the packaged data files into typed, immutable records.

Nothing here does physics beyond unit bookkeeping: :mod:`mwprop_batch.families.ne.tables` turns
these
records into the arrays the numba kernels use.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from mwprop_batch.core.errors import InvalidValueError

NE2001_FAMILY = ("ne2001", "ne2025")
YMW16 = "ymw16"  # a family of its own (mwprop_batch.families.ymw16.engine)
MODEL_NAMES = (*NE2001_FAMILY, YMW16)


@dataclass(frozen=True)
class Ellipsoid:
    """A local-ISM region: centre (kpc), semi-axes a, b, c (kpc), rotation (deg), n_e, F."""

    x: float
    y: float
    z: float
    a: float
    b: float
    c: float
    theta_deg: float
    ne: float
    F: float


@dataclass(frozen=True)
class LoopI:
    """Loop I: a sphere of radius r (kpc) inside a shell of thickness dr, cut off below z = 0."""

    x: float
    y: float
    z: float
    r: float
    dr: float
    ne: float
    dne: float
    F: float
    dF: float


@dataclass(frozen=True)
class ModelParameters:
    """Every published parameter of one model (NE2001 or NE2025).

    Lengths in kpc, densities in cm^-3, angles in degrees unless a name says radians.
    Per-arm arrays ``arm_*`` are in the centreline (Wainscoat) order; ``narm``, ``warm``,
    ``harm`` are indexed by TC93 arm number - 1 (the files' ``farm`` is published but not
    applied: every arm takes the one ``arms["Fa"]``, as in the NE2001 code).
    """

    name: str
    provenance: dict[str, str]
    r_sun: float
    max_distance: float
    thick: dict[str, float]
    thin: dict[str, float]
    arms: dict[str, float]
    arm_a: np.ndarray
    arm_rmin: np.ndarray
    arm_thmin: np.ndarray
    arm_extent: np.ndarray
    arm_tc93: np.ndarray
    narm: np.ndarray
    warm: np.ndarray
    harm: np.ndarray
    arm_sculpt: tuple[dict[str, float], ...]
    arm_taper: tuple[dict[str, float], ...]
    gc: dict[str, float]
    ldr: Ellipsoid
    lsb: Ellipsoid
    lhb: Ellipsoid
    loop_i: LoopI
    clumps: dict[str, np.ndarray]
    voids: dict[str, np.ndarray]

    @property
    def n_clumps(self) -> int:
        return len(self.clumps["name"])

    @property
    def n_voids(self) -> int:
        return len(self.voids["name"])


def _data_dir(name: str) -> Path:
    return Path(str(resources.files(__package__) / "data" / name))


def _read_csv(path: Path, text_columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise InvalidValueError(f"{path}: no rows")
    columns: dict[str, np.ndarray] = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        if key in text_columns:
            columns[key] = np.array(values, dtype=object)
        elif key == "edge":
            columns[key] = np.array([int(v) for v in values], dtype=np.int64)
        else:
            columns[key] = np.array([float(v) for v in values], dtype=np.float64)
    return columns


def _floats(table: dict, keys: tuple[str, ...]) -> dict[str, float]:
    return {key: float(table[key]) for key in keys}


def load_parameters(name: str) -> ModelParameters:
    """Read the parameter files of model ``name`` ("ne2001" or "ne2025")."""
    key = name.lower()
    if key not in NE2001_FAMILY:
        raise InvalidValueError(f"unknown model {name!r}; choose one of {', '.join(NE2001_FAMILY)}")
    folder = _data_dir(key)
    with (folder / "model.toml").open("rb") as handle:
        doc = tomllib.load(handle)
    arms = doc["spiral_arms"]
    lism = doc["local_ism"]
    ellipsoid_keys = ("x", "y", "z", "a", "b", "c", "theta_deg", "ne", "F")
    return ModelParameters(
        name=key,
        provenance=dict(doc["provenance"]),
        r_sun=float(doc["frame"]["r_sun_kpc"]),
        max_distance=float(doc["frame"]["max_distance_kpc"]),
        thick=_floats(doc["thick_disk"], ("n1h1", "h1", "A1", "F1")),
        thin=_floats(doc["thin_disk"], ("n2", "h2", "A2", "F2")),
        arms=_floats(arms, ("na", "ha", "wa", "Aa", "Fa")),
        arm_a=np.asarray(arms["a"], dtype=np.float64),
        arm_rmin=np.asarray(arms["rmin"], dtype=np.float64),
        arm_thmin=np.asarray(arms["thmin"], dtype=np.float64),
        arm_extent=np.asarray(arms["extent"], dtype=np.float64),
        arm_tc93=np.asarray(arms["tc93_number"], dtype=np.int64),
        narm=np.asarray(arms["narm"], dtype=np.float64),
        warm=np.asarray(arms["warm"], dtype=np.float64),
        harm=np.asarray(arms["harm"], dtype=np.float64),
        arm_sculpt=tuple(dict(rule) for rule in arms["sculpt"]),
        arm_taper=tuple(dict(rule) for rule in arms["taper"]),
        gc=_floats(doc["galactic_center"], ("xgc", "ygc", "zgc", "rgc", "hgc", "negc0", "Fgc0")),
        ldr=Ellipsoid(**_floats(lism["ldr"], ellipsoid_keys)),
        lsb=Ellipsoid(**_floats(lism["lsb"], ellipsoid_keys)),
        lhb=Ellipsoid(**_floats(lism["lhb"], ellipsoid_keys)),
        loop_i=LoopI(
            **_floats(lism["loop_i"], ("x", "y", "z", "r", "dr", "ne", "dne", "F", "dF"))
        ),
        clumps=_read_csv(folder / "clumps.csv", ("name", "los_type")),
        voids=_read_csv(folder / "voids.csv", ("name",)),
    )
