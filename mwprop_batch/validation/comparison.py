"""Each model against each validation sample: its DM -> D distances, or its TAU at 1 GHz."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mwprop_batch.model import Model, as_model

from .data import load_atnf, load_globular_clusters, load_parallax, load_scattering
from .statistics import distance_stats, tau_stats


@dataclass(frozen=True)
class Comparison:
    """One model against one sample: the sample, the model's values and the statistics."""

    sample: str  # key of SAMPLES
    model: str
    data: pd.DataFrame  # the sample (distance or scattering columns)
    predicted: np.ndarray  # model distance (kpc) or TAU (ms at 1 GHz)
    limit: np.ndarray  # the DM exceeds what the model reaches: a lower-limit distance
    stats: dict[str, float]


def compare_distances(model: Model, sample: str, data: pd.DataFrame) -> Comparison:
    """The model's DM -> D distances for ``data`` (see :func:`load_parallax`)."""
    out = model.dm_to_dist(data["gl"], data["gb"], data["dm"])
    dist, limit = out["DIST"].to_numpy(), out["limit"].to_numpy()
    stats = distance_stats(dist, data["dist"], data["dist_lo"], data["dist_hi"], limit)
    return Comparison(sample, model.name, data, dist, limit, stats)


def compare_tau(model: Model, data: pd.DataFrame) -> Comparison:
    """The model's TAU at 1 GHz for DM -> D against the measured ``tau`` (ms at 1 GHz)."""
    out = model.dm_to_dist(data["gl"], data["gb"], data["dm"], scattering=True, freq_ghz=1.0)
    tau, limit = out["TAU"].to_numpy(), out["limit"].to_numpy()
    return Comparison("scattering", model.name, data, tau, limit, tau_stats(tau, data["tau"]))


def validate(
    models: Sequence[Model | str], data_dir: str | os.PathLike[str],
    psrcat: str | os.PathLike[str] | None = None,
) -> list[Comparison]:
    """Every comparison: per model, the parallax, GC, optional ATNF and scattering samples."""
    samples = {"parallax": load_parallax(data_dir), "gc": load_globular_clusters(data_dir)}
    if psrcat is not None:
        samples["atnf"] = load_atnf(psrcat)
    scattering = load_scattering(data_dir)
    results = []
    for item in models:
        model = as_model(item)
        results += [compare_distances(model, key, data) for key, data in samples.items()]
        results.append(compare_tau(model, scattering))
    return results
