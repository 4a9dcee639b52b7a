"""Bootstrap CIs: contain the mean, deterministic for a seed, paired across systems."""

import numpy as np

from rxmatch.evaluation.bootstrap import bootstrap_gini_ci, bootstrap_indices, bootstrap_mean_ci


def test_mean_ci_contains_mean_and_is_deterministic():
    v = np.random.default_rng(1).random(80)
    v[5] = np.nan  # undefined for one referral: left out
    idx = bootstrap_indices(len(v), 500, 42)
    mean, lo, hi = bootstrap_mean_ci(v, idx)
    assert lo < mean < hi
    assert mean == np.nanmean(v)
    assert (mean, lo, hi) == bootstrap_mean_ci(v, bootstrap_indices(len(v), 500, 42))
    other = bootstrap_mean_ci(v, bootstrap_indices(len(v), 500, 43))
    assert other[1:] != (lo, hi)


def test_no_resamples_gives_no_ci():
    mean, lo, hi = bootstrap_mean_ci(np.array([1.0, 2.0]), bootstrap_indices(2, 0, 0))
    assert mean == 1.5 and np.isnan(lo) and np.isnan(hi)


def test_gini_ci_is_centred_on_point():
    rng = np.random.default_rng(0)
    counts = (rng.random((60, 200)) < 0.05).astype(float)
    point, lo, hi = bootstrap_gini_ci(counts, bootstrap_indices(60, 300, 0))
    assert lo <= point <= hi
    assert hi - lo < 0.2
