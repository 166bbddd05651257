"""Statistics of model values against measured ones: small pure functions of arrays."""

from __future__ import annotations

import numpy as np

FACTORS = (1.5, 2.0)  # distance ratios reported
TAU_FACTOR = 10.0


def log_ratio(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """log10(predicted / measured); NaN where either is not positive and finite."""
    predicted, measured = np.asarray(predicted, float), np.asarray(measured, float)
    good = (predicted > 0) & (measured > 0) & np.isfinite(predicted) & np.isfinite(measured)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(good, np.log10(predicted / measured), np.nan)


def fraction_within_factor(log_ratios: np.ndarray, factor: float) -> float:
    """Fraction of finite log10 ratios with |ratio| within ``factor`` (1/f <= ratio <= f)."""
    values = np.asarray(log_ratios, float)
    values = values[np.isfinite(values)]
    return float(np.mean(np.abs(values) <= np.log10(factor))) if values.size else np.nan


def fraction_within_interval(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Fraction of finite ``value`` with low <= value <= high (NaN bounds never contain it)."""
    value, low, high = (np.asarray(a, float) for a in (value, low, high))
    finite = np.isfinite(value)
    inside = (low <= value) & (value <= high)
    return float(np.mean(inside[finite])) if finite.any() else np.nan


def distance_stats(
    model_dist: np.ndarray, dist: np.ndarray, low: np.ndarray, high: np.ndarray,
    limit: np.ndarray,
) -> dict[str, float]:
    """Model distances (kpc) against measured ones and their intervals (kpc).

    Rows without a positive, finite model and measured distance are left out. Returns n,
    n_limit (model distances that are lower limits), within_error, within_1.5x, within_2x
    (fractions), median_log (median log10 model/measured) and median_abs_log (median
    |log10 ratio|).
    """
    ratios = log_ratio(model_dist, dist)
    used = np.isfinite(ratios)
    stats = {
        "n": int(used.sum()),
        "n_limit": int(np.asarray(limit, bool)[used].sum()),
        "within_error": fraction_within_interval(
            np.asarray(model_dist, float)[used], np.asarray(low, float)[used],
            np.asarray(high, float)[used],
        ),
    }
    for factor in FACTORS:
        stats[f"within_{factor:g}x"] = fraction_within_factor(ratios, factor)
    stats["median_log"] = _median(ratios)
    stats["median_abs_log"] = _median(np.abs(ratios))
    return stats


def tau_stats(model_tau: np.ndarray, tau: np.ndarray) -> dict[str, float]:
    """Model pulse broadening against measured (same units). Rows where either is not
    positive are left out. Returns n, median_log (median log10 model/measured), scatter_dex
    (standard deviation of log10 ratio, ddof=1) and within_10x (fraction)."""
    ratios = log_ratio(model_tau, tau)
    finite = ratios[np.isfinite(ratios)]
    return {
        "n": int(finite.size),
        "median_log": _median(finite),
        "scatter_dex": float(np.std(finite, ddof=1)) if finite.size > 1 else np.nan,
        f"within_{TAU_FACTOR:g}x": fraction_within_factor(finite, TAU_FACTOR),
    }


def _median(values: np.ndarray) -> float:
    finite = np.asarray(values, float)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if finite.size else np.nan


def percent_text(fraction: float) -> str:
    """A fraction as the report writes it: '83%', or '–' for NaN."""
    return "–" if np.isnan(fraction) else f"{100.0 * fraction:.0f}%"


def signed_text(value: float) -> str:
    """A log ratio as the report writes it: '+0.12', or '–' for NaN."""
    return "–" if np.isnan(value) else f"{value:+.2f}"
