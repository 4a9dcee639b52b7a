"""Candidate similarities: one chunked pass equals the full gather."""

from __future__ import annotations

import numpy as np

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
