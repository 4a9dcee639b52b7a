"""Grid search of rxmatch's score weights and diversity, on train and dev referrals only.

The candidate features of each referral do not depend on the weights, so they are computed
once (``Matcher.candidate_features``) and re-scored for every configuration through the one
scoring path, :func:`~rxmatch.rank.score_candidates` then :func:`~rxmatch.rank.rerank`, which
``Matcher.recommend`` calls too; so tuning ranks exactly as ``recommend`` does, barriers,
dislikes and the coverage bonus included (a test checks this with all three).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

import numpy as np
import pandas as pd

from ..directory import Directory
from ..exceptions import InvalidParameterError, TestSplitError
from ..features.text import Embedder
from ..rank.rerank import rerank
from ..rank.scoring import DEFAULT_WEIGHTS, Weights, score_candidates
from ..referral import Referral
from .harness import referrals_from_frame, relevance_by_referral
from .metrics import ndcg_at_k
from .shared import SharedIndex

__all__ = ["tune_weights", "DEFAULT_GRID", "TestSplitError", "rank_with"]

_WEIGHT_NAMES = tuple(f.name for f in fields(Weights))

#: The default grid: 3 values for each of the four main weights and for diversity
#: (schedule and preference keep their defaults).
DEFAULT_GRID: dict[str, tuple[float, ...]] = {
    "semantic": (0.5, 0.68, 0.85),
    "lexical": (0.1, 0.19, 0.3),
    "distance": (0.0, 0.03, 0.1),
    "category_fit": (0.05, 0.1, 0.15),
    "diversity": (0.0, 0.05, 0.15),
}


def _configs(grid: Mapping[str, Sequence[float]], base: Weights, diversity: float):
    unknown = set(grid) - set(_WEIGHT_NAMES) - {"diversity"}
    if unknown:
        raise InvalidParameterError(
            f"unknown grid key(s) {sorted(unknown)}; use {', '.join(_WEIGHT_NAMES)} or diversity"
        )
    keys = list(grid)
    for key in keys:
        if not len(grid[key]):
            raise InvalidParameterError(f"grid key {key!r} has no value")
    for values in itertools.product(*(grid[k] for k in keys)):
        cfg = dict(zip(keys, values))
        div = float(cfg.pop("diversity", diversity))
        w = asdict(base)
        w.update({k: float(v) for k, v in cfg.items()})
        yield Weights(**w), div


def rank_with(
    shared: SharedIndex, referral: Referral, weights: Weights, diversity: float, k: int
) -> list[str]:
    """The ids ``Matcher.recommend`` would return with these weights and diversity (the
    other Matcher parameters as fitted): the memoised candidate features, re-scored by
    :func:`~rxmatch.rank.score_candidates` and re-ranked by :func:`~rxmatch.rank.rerank`,
    the very functions ``recommend`` calls."""
    m = shared.matcher
    features = shared.candidates(referral).state
    rows = features.rows
    if not len(rows):
        return []
    scored = score_candidates(features, **{**m.score_params(), "weights": weights})
    order = rerank(
        scored,
        lambda idx: shared.embeddings[rows[idx]],
        shared.ids[rows],
        m.category_index_[rows],
        k,
        diversity=float(diversity),
        max_per_category=m.max_per_category,
        coverage_bonus=m.coverage_bonus,
    )
    return [str(shared.ids[rows[i]]) for i in order]


def tune_weights(
    directory: Directory | None,
    referrals: pd.DataFrame | Iterable[Referral],
    qrels: pd.DataFrame,
    grid: Mapping[str, Sequence[float]] | None = None,
    *,
    k: int = 10,
    embedder: Embedder | None = None,
    shared: SharedIndex | None = None,
) -> pd.DataFrame:
    """Grid-search rxmatch's :class:`~rxmatch.Weights` and ``diversity`` by nDCG@k.

    Tuning must never see the test split: a referrals table with any ``split == "test"``
    row is refused (:class:`TestSplitError`), and so is one without a ``split`` column.

    Parameters
    ----------
    directory : Directory | None
        the :class:`~rxmatch.Directory` (ignored when ``shared`` is given).
    referrals
        train and dev referrals (``load_synthetic_referrals`` rows).
    qrels : pd.DataFrame
        graded judgements (referral_id, resource_id, relevance).
    grid
        ``{name: values}`` with names among the Weights fields and ``"diversity"``;
        default :data:`DEFAULT_GRID` (243 configurations). Weights not in the grid keep
        their defaults.
    k : int
        cut-off of nDCG.

    Returns
    -------
    pandas.DataFrame
        DataFrame, one row per configuration, best first: the six weights, diversity,
        ``ndcg@k`` over all given referrals, ``ndcg@k_<split>`` per split, and ``is_default``.
    """
    if not isinstance(referrals, pd.DataFrame):
        raise InvalidParameterError(
            "tune_weights needs a referrals DataFrame with a 'split' column (train/dev rows)"
        )
    if "split" not in referrals.columns:
        raise TestSplitError(
            "tune_weights needs a 'split' column to make sure no test referral is used"
        )
    n_test = int((referrals["split"].astype(str) == "test").sum())
    if n_test:
        raise TestSplitError(
            f"tune_weights refuses test-split referrals ({n_test} rows have split == 'test'); "
            "tune on the train and dev splits only"
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"k must be a positive integer, not {k!r}")
    if shared is None:
        if directory is None:
            raise InvalidParameterError("give a directory or a SharedIndex")
        shared = SharedIndex.from_directory(directory, embedder)
    refs = referrals_from_frame(referrals)
    splits = referrals["split"].astype(str).to_numpy()
    rel = relevance_by_referral(qrels)
    shared.encode(refs)
    m = shared.matcher
    base = m.weights or DEFAULT_WEIGHTS
    base_div = float(m.diversity)
    judged = [
        i for i, r in enumerate(refs) if any(v > 0 for v in rel.get(r.referral_id, {}).values())
    ]
    split_names = sorted(set(splits))

    rows: list[dict[str, Any]] = []
    for weights, div in _configs(grid or DEFAULT_GRID, base, base_div):
        vals = np.full(len(refs), np.nan)
        for i in judged:
            r = refs[i]
            vals[i] = ndcg_at_k(rank_with(shared, r, weights, div, k), rel[r.referral_id], k)
        row: dict[str, Any] = {**weights.as_dict(), "diversity": div}
        row[f"ndcg@{k}"] = float(np.nanmean(vals)) if judged else float("nan")
        for sp in split_names:
            sel = vals[splits == sp]
            sel = sel[~np.isnan(sel)]
            row[f"ndcg@{k}_{sp}"] = float(sel.mean()) if sel.size else float("nan")
        row["is_default"] = weights == base and div == base_div
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values(f"ndcg@{k}", ascending=False, kind="stable").reset_index(drop=True)
