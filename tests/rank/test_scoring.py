"""Candidate similarities: one chunked pass equals the full gather."""

from __future__ import annotations

import numpy as np
import pytest

from rxmatch.rank.scoring import candidate_similarities


def test_chunked_similarities_equal_the_full_gather():
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(5000, 48)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    q = emb[7]
    facets = emb[[1, 2, 3]]
    rows = np.sort(rng.choice(5000, 3001, replace=False))
    for chunk in (1, 100, 2048, 10_000):
        sem, per, none = candidate_similarities(emb, rows, [q, facets, None], chunk=chunk)
        E = emb[rows]
        np.testing.assert_allclose(sem, E @ q, rtol=0, atol=1e-6)
        np.testing.assert_allclose(per, E @ facets.T, rtol=0, atol=1e-6)
        assert none is None and sem.shape == (3001,) and per.shape == (3001, 3)
    assert candidate_similarities(emb, rows[:0], [q, facets])[1].shape == (0, 3)
    assert candidate_similarities(emb, rows, [q])[0][np.searchsorted(rows, 7)] > 0.999


# ---- the one scoring path: score_candidates ------------------------------------------------
def _features(**kw):
    from rxmatch.rank.scoring import CandidateFeatures

    n = 4
    base = dict(
        rows=np.arange(n),
        distance_km=np.zeros(n),
        via=np.zeros(n, dtype=np.int8),
        flags=np.zeros(n, dtype=np.int8),
        components={"semantic": np.array([0.9, 0.8, 0.7, 0.6])},
        freshness=np.ones(n),
        barrier_conflicts=np.zeros(n, dtype=np.int8),
    )
    base.update(kw)
    return CandidateFeatures(**base)


def test_score_is_the_blend_times_each_factor():
    from rxmatch.rank.scoring import dislike_factor, score_candidates

    f = _features(
        flags=np.array([0, 1, 0, 0], dtype=np.int8),
        freshness=np.array([1.0, 1.0, 0.9, 1.0]),
        barrier_conflicts=np.array([0, 0, 0, 2], dtype=np.int8),
        dislike_similarity=np.array([0.0, 0.0, 0.0, 0.9]),
    )
    s = score_candidates(f, unknown_penalty=0.1, barrier_penalty=0.5, dislike_penalty=0.3).scores
    want = np.array([0.9, 0.8 * 0.9, 0.7 * 0.9, 0.6 * 0.25 * dislike_factor(0.9, 0.3)])
    np.testing.assert_allclose(s, want)
    assert dislike_factor(0.2, 0.3) == 1.0 and dislike_factor(0.7, 0.3) == pytest.approx(0.7)


def test_care_prior_applies_unless_the_person_asks_for_care():
    from rxmatch.rank.scoring import score_candidates

    share = np.array([0.0, 1.0, 0.5, 0.0])
    off = score_candidates(_features(care_share=share), care_penalty=0.0).scores
    on = score_candidates(_features(care_share=share), care_penalty=0.4).scores
    np.testing.assert_allclose(on, off * (1 - 0.4 * share))
    asked = score_candidates(_features(care_share=share, asks_for_care=True), care_penalty=0.4)
    np.testing.assert_allclose(asked.scores, off)


def test_no_candidates_no_scores():
    from rxmatch.rank.scoring import score_candidates

    f = _features(
        rows=np.arange(0),
        distance_km=np.zeros(0),
        via=np.zeros(0, dtype=np.int8),
        flags=np.zeros(0, dtype=np.int8),
        components={"semantic": np.zeros(0)},
        freshness=np.ones(0),
        barrier_conflicts=np.zeros(0, dtype=np.int8),
    )
    assert len(score_candidates(f)) == 0
