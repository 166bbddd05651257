"""Read a plane-parallel WIM model's data file into an immutable record (units only, no physics).

Densities in cm^-3, lengths in kpc, as the keys of ``data/<model>.toml`` say.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mwprop_batch.core.errors import InvalidValueError

MODELS = ("g08",)  # the model names, each read from data/<name>.toml


@dataclass(frozen=True)
class DiskParameters:
    """One exponential disk n_e(z) = n0 exp(-|z| / H) and where the package puts it.

    ``n0_cm3`` mid-plane density (cm^-3) and ``n0_err_cm3`` its stated uncertainty;
    ``scale_height_kpc`` H and its ``scale_height_plus_kpc`` / ``scale_height_minus_kpc``
    uncertainties (kpc); ``sun_kpc`` the Sun (x, y, z kpc) in the Galactocentric frame of
    :meth:`Model.density`; ``horizon_kpc`` how far DM -> D searches (kpc); ``provenance``
    where each group of numbers comes from.
    """

    name: str
    n0_cm3: float
    n0_err_cm3: float
    scale_height_kpc: float
    scale_height_plus_kpc: float
    scale_height_minus_kpc: float
    sun_kpc: tuple[float, float, float]
    horizon_kpc: float
    provenance: dict[str, str]


def data_path(model: str) -> Path:
    """The data file ``data/<model>.toml`` of this family."""
    return Path(str(resources.files(__package__) / "data" / f"{model}.toml"))


def load_parameters(model: str) -> DiskParameters:
    """The parameters of the model ``model`` (one of :data:`MODELS`)."""
    if model not in MODELS:
        raise InvalidValueError(f"unknown plane-parallel WIM model {model!r}; known: "
                                f"{', '.join(MODELS)}")
    with data_path(model).open("rb") as handle:
        doc = tomllib.load(handle)
    disk, frame = doc["disk"], doc["frame"]
    return DiskParameters(
        name=model,
        n0_cm3=float(disk["n0_cm3"]),
        n0_err_cm3=float(disk["n0_err_cm3"]),
        scale_height_kpc=float(disk["scale_height_kpc"]),
        scale_height_plus_kpc=float(disk["scale_height_plus_kpc"]),
        scale_height_minus_kpc=float(disk["scale_height_minus_kpc"]),
        sun_kpc=tuple(float(v) for v in frame["sun_kpc"]),
        horizon_kpc=float(frame["horizon_kpc"]),
        provenance={
            "reference": doc["reference"],
            "disk": f"n0 and H: {doc['reference']}, abstract (data/PROVENANCE.md)",
            "frame": "Sun at z = 0 as the paper; x, y and the 50 kpc horizon are this "
                     "package's choices (data/PROVENANCE.md)",
        },
    )
