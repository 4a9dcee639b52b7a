"""Re-ranking for a balanced plan: maximal marginal relevance over resource embeddings and
an optional cap per category (sector)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .scoring import ScoredCandidates

__all__ = ["mmr", "top_n", "rerank"]


def top_n(scores: np.ndarray, ids: Sequence[str] | np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` best scores, ties broken by resource id (deterministic).

    Runs in O(len(scores)) with ``argpartition`` and sorts only the leaders (and any ties
    at the boundary) in Python."""
    m = len(scores)
    if n <= 0 or m == 0:
        return np.empty(0, dtype=np.intp)
    s = np.round(np.asarray(scores, dtype=np.float64), 12)
    if m > n:
        kth = np.partition(-s, n - 1)[n - 1]
        sel = np.flatnonzero(-s <= kth)
    else:
        sel = np.arange(m)
    # by score; only where scores tie do the ids decide (read for those rows only)
    by_score = sel[np.argsort(-s[sel], kind="stable")]
    ss = s[by_score]
    if len(ss) > 1 and (ss[1:] == ss[:-1]).any():
        order = sorted(by_score.tolist(), key=lambda i: (-s[i], str(ids[i])))
        return np.array(order[:n], dtype=np.intp)
    return by_score[:n].astype(np.intp, copy=False)


def mmr(
    scores: np.ndarray,
    embeddings: np.ndarray,
    ids: Sequence[str] | np.ndarray,
    categories: Sequence[str | None] | np.ndarray,
    n: int,
    *,
    lambda_: float = 0.8,
    max_per_category: int | None = None,
    pool: int = 50,
    groups: np.ndarray | None = None,
    coverage_bonus: float = 0.0,
) -> np.ndarray:
    """Greedy maximal marginal relevance (Carbonell & Goldstein, 1998).

    Picks, among the ``pool`` best by score, the item maximizing
    ``lambda_ * score - (1 - lambda_) * max cosine similarity to the items already picked``;
    ``lambda_ = 1`` is plain ranking. ``max_per_category`` caps how many items of one
    category enter the list (others are taken first; the cap is relaxed if nothing else is
    left). With ``groups`` (for example which facet of the person's words each item answers
    best), an item of a group not yet in the list earns ``coverage_bonus`` (as in xQuAD),
    so that a plan covers every wish. ``embeddings`` may be a callable ``rows -> vectors`` so that only the pool is
    gathered. Returns indices into ``scores``.
    """
    if n <= 0 or len(scores) == 0:
        return np.empty(0, dtype=np.intp)
    cand = top_n(scores, ids, max(n, pool))
    use_groups = groups is not None and coverage_bonus > 0
    if lambda_ >= 1.0 and max_per_category is None and not use_groups:
        return cand[:n]
    emb = embeddings(cand) if callable(embeddings) else embeddings[cand]
    sims = emb @ emb.T
    chosen: list[int] = []
    max_sim = np.full(len(cand), -np.inf)
    counts: dict[object, int] = {}
    remaining = list(range(len(cand)))
    cand_scores = np.asarray(scores, dtype=np.float64)[cand]
    while remaining and len(chosen) < n:
        allowed = remaining
        if max_per_category is not None:
            allowed = [
                j for j in remaining if counts.get(categories[cand[j]], 0) < max_per_category
            ] or remaining
        redundancy = np.maximum(0.0, max_sim[allowed]) if chosen else np.zeros(len(allowed))
        values = lambda_ * cand_scores[allowed] - (1 - lambda_) * redundancy
        if use_groups:
            covered = {groups[cand[c]] for c in chosen}
            values = values + coverage_bonus * np.array(
                [groups[cand[j]] not in covered for j in allowed], dtype=np.float64
            )
        # first of the best (allowed keeps score-then-id order, so ties stay deterministic)
        best = allowed[int(np.argmax(np.round(values, 12)))]
        chosen.append(best)
        remaining.remove(best)
        c = categories[cand[best]]
        counts[c] = counts.get(c, 0) + 1
        max_sim = np.maximum(max_sim, sims[:, best])
    return cand[np.array(chosen, dtype=np.intp)]


def rerank(
    scored: ScoredCandidates,
    embeddings: np.ndarray | Callable[[np.ndarray], np.ndarray],
    ids: Sequence[str] | np.ndarray,
    categories: Sequence[object] | np.ndarray,
    k: int,
    *,
    diversity: float = 0.0,
    max_per_category: int | None = None,
    coverage_bonus: float = 0.0,
) -> np.ndarray:
    """The final order of scored candidates (indices into ``scored``), the one re-ranking
    step of ``Matcher.recommend`` and of tuning: :func:`mmr` with ``lambda = 1 - diversity``,
    the category cap, and ``coverage_bonus`` for a wish not yet covered when the person
    named several. ``embeddings``, ``ids`` and ``categories`` are per candidate
    (``embeddings`` may be a callable ``positions -> vectors``)."""
    facet_of = scored.features.facet_of
    return mmr(
        scored.scores,
        embeddings,
        ids,
        categories,
        k,
        lambda_=1.0 - float(diversity),
        max_per_category=max_per_category,
        groups=facet_of,
        coverage_bonus=coverage_bonus if facet_of is not None else 0.0,
    )
