"""Re-ranking for a balanced plan: maximal marginal relevance over resource embeddings and
an optional cap per category (sector)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["mmr", "top_n"]


def top_n(scores: np.ndarray, ids: Sequence[str], n: int) -> np.ndarray:
    """Indices of the ``n`` best scores, ties broken by resource id (deterministic)."""
    order = sorted(range(len(scores)), key=lambda i: (-round(float(scores[i]), 12), str(ids[i])))
    return np.array(order[:n], dtype=np.intp)


def mmr(
    scores: np.ndarray,
    embeddings: np.ndarray,
    ids: Sequence[str],
    categories: Sequence[str | None],
    n: int,
    *,
    lambda_: float = 0.8,
    max_per_category: int | None = None,
    pool: int = 50,
) -> np.ndarray:
    """Greedy maximal marginal relevance (Carbonell & Goldstein, 1998).

    Picks, among the ``pool`` best by score, the item maximizing
    ``lambda_ * score - (1 - lambda_) * max cosine similarity to the items already picked``;
    ``lambda_ = 1`` is plain ranking. ``max_per_category`` caps how many items of one
    category enter the list (others are taken first; the cap is relaxed if nothing else is
    left). Returns indices into ``scores``.
    """
    if n <= 0 or len(scores) == 0:
        return np.empty(0, dtype=np.intp)
    cand = top_n(scores, ids, max(n, pool))
    if lambda_ >= 1.0 and max_per_category is None:
        return cand[:n]
    emb = embeddings[cand]
    sims = emb @ emb.T
    chosen: list[int] = []
    max_sim = np.full(len(cand), -np.inf)
    counts: dict[str | None, int] = {}
    remaining = list(range(len(cand)))
    while remaining and len(chosen) < n:
        allowed = remaining
        if max_per_category is not None:
            allowed = [
                j for j in remaining if counts.get(categories[cand[j]], 0) < max_per_category
            ] or remaining
        redundancy = np.maximum(0.0, max_sim[allowed]) if chosen else np.zeros(len(allowed))
        values = lambda_ * scores[cand[allowed]] - (1 - lambda_) * redundancy
        # first of the best (allowed keeps score-then-id order, so ties stay deterministic)
        best = allowed[int(np.argmax(np.round(values, 12)))]
        chosen.append(best)
        remaining.remove(best)
        c = categories[cand[best]]
        counts[c] = counts.get(c, 0) + 1
        max_sim = np.maximum(max_sim, sims[:, best])
    return cand[np.array(chosen, dtype=np.intp)]
