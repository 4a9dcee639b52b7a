"""Ranking metrics for one recommendation list (and exposure over many lists).

Every function takes the ranked resource ids a system returned for one referral and, where
relevance matters, a mapping ``resource_id -> graded relevance`` (0 or missing = not
relevant; the synthetic set grades 1 = acceptable, 2 = good, 3 = ideal).

Conventions (documented in ``docs/evaluation.md``):

* **nDCG@k**: gain ``2**rel - 1``, discount ``1 / log2(rank + 1)``; the ideal DCG sorts *all*
  judged items of the referral, retrieved or not. ``NaN`` when nothing is judged relevant.
* **Binary metrics** (recall, precision, reciprocal rank, average precision) count an item
  as relevant when ``rel >= min_relevance`` (default 2: "good" or "ideal").
* **Average precision @k** divides by ``min(R, k)`` (R = number of relevant items), so a
  perfect list scores 1 even when R > k.
* **Sector coverage**: share of the four social-prescribing sectors (arts & culture,
  nature & outdoors, volunteering, community groups) present in the list.
* **Intra-list diversity**: mean pairwise ``1 - cosine`` between the items' embeddings.
* **Exposure Gini**: Gini coefficient of how many lists each resource of the directory
  appears in (0 = every resource equally exposed; close to 1 = one resource gets it all).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..taxonomy import SOCIAL_PRESCRIBING_SECTORS

__all__ = [
    "dcg",
    "ndcg_at_k",
    "recall_at_k",
    "precision_at_k",
    "reciprocal_rank",
    "average_precision_at_k",
    "sector_coverage",
    "intra_list_diversity",
    "distance_summary",
    "gini",
    "DEFAULT_MIN_RELEVANCE",
]

#: Relevance grade from which an item counts as relevant in binary metrics.
DEFAULT_MIN_RELEVANCE = 2


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    return int(k)


def dcg(relevances: Sequence[float], k: int | None = None) -> float:
    """Discounted cumulative gain of relevance grades in rank order (gain ``2**rel - 1``,
    discount ``log2(rank + 1)``)."""
    rel = np.asarray(relevances, dtype=np.float64)
    if k is not None:
        rel = rel[: _check_k(k)]
    if rel.size == 0:
        return 0.0
    discounts = np.log2(np.arange(2, rel.size + 2))
    return float(np.sum((2.0**rel - 1.0) / discounts))


def ndcg_at_k(ranked: Sequence[str], relevance: Mapping[str, float], k: int = 10) -> float:
    """Normalised DCG at ``k``; the ideal list ranks every judged item of the referral.

    Returns ``NaN`` when no item has relevance > 0 (the metric is undefined).
    """
    k = _check_k(k)
    judged = sorted((float(v) for v in relevance.values() if v > 0), reverse=True)
    ideal = dcg(judged, k)
    if ideal <= 0:
        return float("nan")
    gains = [float(relevance.get(r, 0.0)) for r in list(ranked)[:k]]
    return dcg(gains, k) / ideal


def _relevant(relevance: Mapping[str, float], min_relevance: float) -> set[str]:
    return {r for r, v in relevance.items() if v >= min_relevance}


def recall_at_k(
    ranked: Sequence[str],
    relevance: Mapping[str, float],
    k: int = 10,
    *,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> float:
    """Share of the relevant items (``rel >= min_relevance``) found in the top ``k``;
    ``NaN`` when the referral has no relevant item."""
    k = _check_k(k)
    rel = _relevant(relevance, min_relevance)
    if not rel:
        return float("nan")
    return len(rel.intersection(list(ranked)[:k])) / len(rel)


def precision_at_k(
    ranked: Sequence[str],
    relevance: Mapping[str, float],
    k: int = 10,
    *,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> float:
    """Relevant items in the top ``k`` divided by ``k`` (a short list is not excused)."""
    k = _check_k(k)
    rel = _relevant(relevance, min_relevance)
    return sum(1 for r in list(ranked)[:k] if r in rel) / k


def reciprocal_rank(
    ranked: Sequence[str],
    relevance: Mapping[str, float],
    k: int | None = None,
    *,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> float:
    """``1 / rank`` of the first relevant item (0 if none in the list, or in the top ``k``)."""
    rel = _relevant(relevance, min_relevance)
    items = list(ranked) if k is None else list(ranked)[: _check_k(k)]
    for i, r in enumerate(items, start=1):
        if r in rel:
            return 1.0 / i
    return 0.0


def average_precision_at_k(
    ranked: Sequence[str],
    relevance: Mapping[str, float],
    k: int = 10,
    *,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> float:
    """Average of precision@i over the ranks i <= k holding a relevant item, divided by
    ``min(R, k)``; ``NaN`` when the referral has no relevant item (R = 0)."""
    k = _check_k(k)
    rel = _relevant(relevance, min_relevance)
    if not rel:
        return float("nan")
    hits, total = 0, 0.0
    for i, r in enumerate(list(ranked)[:k], start=1):
        if r in rel:
            hits += 1
            total += hits / i
    return total / min(len(rel), k)


def sector_coverage(
    categories: Sequence[str | None], sectors: Sequence[str] = SOCIAL_PRESCRIBING_SECTORS
) -> float:
    """Share of ``sectors`` (default the four social-prescribing sectors) present in a list
    of categories; 0 for an empty list."""
    if not sectors:
        raise ValueError("sectors must not be empty")
    present = set(categories) & set(sectors)
    return len(present) / len(set(sectors))


def intra_list_diversity(embeddings: np.ndarray) -> float:
    """Mean pairwise ``1 - cosine`` between the rows of ``embeddings`` (normalised here);
    ``NaN`` for fewer than two items."""
    x = np.asarray(embeddings, dtype=np.float64)
    n = x.shape[0] if x.ndim == 2 else 0
    if n < 2:
        return float("nan")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 0, norms, 1.0)
    sims = x @ x.T
    iu = np.triu_indices(n, k=1)
    return float(np.mean(1.0 - sims[iu]))


def distance_summary(distances_km: Sequence[float | None]) -> tuple[float, float]:
    """(mean, max) distance in km of the in-person items of a list; ``None`` or ``NaN``
    entries (online items) are left out. ``(NaN, NaN)`` when no item has a distance."""
    d = np.array([np.nan if v is None else float(v) for v in distances_km], dtype=np.float64)
    d = d[~np.isnan(d)]
    if d.size == 0:
        return float("nan"), float("nan")
    return float(d.mean()), float(d.max())


def gini(counts: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative counts (e.g. how often each resource was
    recommended, zeros included): 0 for perfect equality, ``(n - 1) / n`` when one item
    has everything. ``NaN`` when all counts are zero."""
    x = np.sort(np.asarray(counts, dtype=np.float64).ravel())
    if x.size == 0:
        raise ValueError("gini needs at least one count")
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("counts must be finite and non-negative")
    total = x.sum()
    if total <= 0:
        return float("nan")
    n = x.size
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x)) / (n * total) - (n + 1.0) / n)
