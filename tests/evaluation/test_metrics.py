"""Metric correctness on hand-computed cases (and nDCG against scikit-learn)."""

import math

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from rxmatch.evaluation.metrics import (
    average_precision_at_k,
    dcg,
    distance_summary,
    gini,
    intra_list_diversity,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
    sector_coverage,
)

REL = {"a": 3, "b": 2, "c": 1, "d": 0, "e": 2}


def test_dcg_hand_computed():
    # gains 2^rel - 1 = 7, 0, 3 at ranks 1..3; discounts log2(2), log2(3), log2(4)
    assert dcg([3, 0, 2]) == pytest.approx(7 / 1 + 0 + 3 / 2)


def test_ndcg_hand_computed_and_ideal_uses_unretrieved_items():
    ranked = ["b", "x", "a"]
    got = ndcg_at_k(ranked, REL, k=3)
    actual = 3 / 1 + 0 + 7 / 2
    ideal = 7 / 1 + 3 / math.log2(3) + 3 / 2  # a, b, e (e is never retrieved)
    assert got == pytest.approx(actual / ideal)
    assert ndcg_at_k(["a", "b", "e"], REL, k=3) == pytest.approx(1.0)
    assert math.isnan(ndcg_at_k(["a"], {"a": 0}, k=3))


@pytest.mark.parametrize("k", [1, 3, 5])
def test_ndcg_matches_sklearn_over_full_candidate_set(k):
    rng = np.random.default_rng(7)
    ids = [f"r{i}" for i in range(12)]
    rel = {i: int(g) for i, g in zip(ids, rng.integers(0, 4, size=12))}
    scores = rng.random(12)
    ranked = [ids[i] for i in np.argsort(-scores)]
    true = np.array([[2 ** rel[i] - 1 for i in ids]], dtype=float)  # sklearn: linear gains
    ours = ndcg_at_k(ranked, rel, k=k)
    assert ours == pytest.approx(ndcg_score(true, scores[None, :], k=k))


def test_recall_precision_mrr_map():
    ranked = ["d", "a", "c", "e", "x"]
    # relevant at rel >= 2: a, b, e
    assert recall_at_k(ranked, REL, k=5) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, REL, k=5, min_relevance=1) == pytest.approx(3 / 4)
    assert precision_at_k(ranked, REL, k=5) == pytest.approx(2 / 5)
    assert precision_at_k(["a"], REL, k=10) == pytest.approx(1 / 10)
    assert reciprocal_rank(ranked, REL) == pytest.approx(1 / 2)
    assert reciprocal_rank(ranked, REL, min_relevance=3) == pytest.approx(1 / 2)
    assert reciprocal_rank(["x", "y"], REL) == 0.0
    # AP@5: hits at ranks 2 and 4 → (1/2 + 2/4) / min(3, 5)
    assert average_precision_at_k(ranked, REL, k=5) == pytest.approx((0.5 + 0.5) / 3)
    assert average_precision_at_k(["a", "b"], REL, k=2) == pytest.approx(1.0)
    assert math.isnan(recall_at_k(ranked, {"a": 1}, k=5))
    with pytest.raises(ValueError):
        recall_at_k(ranked, REL, k=0)


def test_sector_coverage_and_diversity():
    assert (
        sector_coverage(["arts_culture", "arts_culture", "volunteering", "essentials_advice"])
        == 0.5
    )
    assert sector_coverage([]) == 0.0
    same = np.array([[1.0, 0.0], [2.0, 0.0]])
    orth = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    assert intra_list_diversity(same) == pytest.approx(0.0)
    assert intra_list_diversity(orth) == pytest.approx((1 + 1 + 0) / 3)
    assert math.isnan(intra_list_diversity(np.ones((1, 2))))


def test_distance_summary_excludes_online():
    assert distance_summary([1.0, None, 3.0, float("nan")]) == (2.0, 3.0)
    m, x = distance_summary([None])
    assert math.isnan(m) and math.isnan(x)


def test_gini():
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    n = 1000
    one = np.zeros(n)
    one[3] = 40
    assert gini(one) == pytest.approx((n - 1) / n)
    assert 0 < gini([1, 2, 3, 10]) < 1
    assert math.isnan(gini([0, 0]))
    with pytest.raises(ValueError):
        gini([-1, 2])
