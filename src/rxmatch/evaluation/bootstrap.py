"""Percentile bootstrap over referrals (seeded, paired across systems)."""

from __future__ import annotations

import warnings

import numpy as np

from .metrics import gini

__all__ = ["bootstrap_indices", "bootstrap_mean_ci", "bootstrap_gini_ci"]


def bootstrap_indices(n: int, n_boot: int, seed: int | np.random.SeedSequence) -> np.ndarray:
    """``(n_boot, n)`` indices drawn with replacement from ``range(n)``, reproducible for a
    seed. Using the same indices for every system makes the comparison paired."""
    if n_boot < 0:
        raise ValueError("the number of bootstrap samples must be >= 0")
    rng = np.random.default_rng(seed)
    if n == 0 or n_boot == 0:
        return np.empty((n_boot, n), dtype=np.intp)
    return rng.integers(0, n, size=(n_boot, n), dtype=np.intp)


def _nanmean(x: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=axis)


def bootstrap_mean_ci(
    values: np.ndarray, idx: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """(mean, ci_low, ci_high) of ``values`` (NaN = undefined for that referral, left out)
    with a percentile bootstrap over the resamples ``idx`` (rows of indices)."""
    v = np.asarray(values, dtype=np.float64)
    mean = float(_nanmean(v)) if v.size and not np.all(np.isnan(v)) else float("nan")
    if idx.size == 0 or np.isnan(mean):
        return mean, float("nan"), float("nan")
    boots = np.asarray(_nanmean(v[idx], axis=1))
    boots = boots[~np.isnan(boots)]
    if boots.size == 0:
        return mean, float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(boots, [alpha, 1.0 - alpha])
    return mean, float(lo), float(hi)


def bootstrap_gini_ci(
    counts: np.ndarray, idx: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Gini of the column sums of ``counts`` (referrals × resources, how often each
    resource was recommended to each referral) with a bootstrap CI over referrals.

    Resampling referrals with replacement repeats some lists and so exposes fewer
    resources, which biases a resampled Gini upwards; the bootstrap distribution is
    therefore re-centred on the point estimate before taking percentiles
    (bias-corrected percentile interval)."""
    c = np.asarray(counts, dtype=np.float64)
    point = gini(c.sum(axis=0)) if c.shape[1] else float("nan")
    if idx.size == 0 or c.shape[0] == 0:
        return point, float("nan"), float("nan")
    n = c.shape[0]
    weights = np.zeros((idx.shape[0], n), dtype=np.float64)
    for b in range(idx.shape[0]):
        weights[b] = np.bincount(idx[b], minlength=n)
    totals = weights @ c
    boots = np.array([gini(row) for row in totals])
    boots = boots[~np.isnan(boots)]
    if boots.size == 0 or np.isnan(point):
        return point, float("nan"), float("nan")
    boots = boots - (boots.mean() - point)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(boots, [alpha, 1.0 - alpha])
    return point, float(lo), float(hi)
