"""rank/results.py: each shown match's calibrated confidence is read at its rank in the
list shown (1-based, after re-ranking and after weaker matches are held back)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import rxmatch
from rxmatch.rank.scoring import confidence

HOME = (37.5630, -122.3255)  # downtown San Mateo, inside the demo directory's area


@pytest.fixture(scope="module")
def directory():
    return rxmatch.datasets.load_demo_directory()


def person() -> rxmatch.Referral:
    return rxmatch.Referral(
        "I feel lonely since I retired; I used to love painting, gardening and walking",
        lat=HOME[0],
        lon=HOME[1],
        max_km=15,
    )


def recommend(directory, **params) -> rxmatch.Recommendations:
    m = rxmatch.Matcher(rxmatch.HashingEmbedder(), reference_date=date(2026, 1, 1), **params)
    return m.fit(directory).recommend(person(), k=8)


def at_their_ranks(recs: rxmatch.Recommendations) -> np.ndarray:
    return confidence([m.score for m in recs], ranks=np.arange(1, len(recs) + 1))


@pytest.mark.parametrize("params", [{}, {"diversity": 0.6}])
def test_the_ith_match_has_the_confidence_of_rank_i_plus_1(directory, params):
    recs = recommend(directory, **params)
    assert len(recs) >= 4
    assert [m.rank for m in recs] == list(range(1, len(recs) + 1))
    np.testing.assert_allclose([m.confidence for m in recs], at_their_ranks(recs))
    # the same score lower in the list is less confident: not the score alone
    by_score = confidence([m.score for m in recs])
    assert all(m.confidence < c for m, c in zip(recs[1:], by_score[1:]))


def test_matches_kept_above_min_confidence_keep_the_confidence_of_their_rank(directory):
    full = recommend(directory, diversity=0.6)
    floor = float(np.median([m.confidence for m in full]))
    kept = recommend(directory, diversity=0.6, min_confidence=floor)
    assert 0 < len(kept) < len(full) and any("held back" in n for n in kept.notes)
    assert [m.rank for m in kept] == list(range(1, len(kept) + 1))
    np.testing.assert_allclose([m.confidence for m in kept], at_their_ranks(kept))
    assert all(m.confidence >= floor for m in kept)
