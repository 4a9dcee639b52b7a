"""Evaluation of rxmatch against baselines on labelled referrals.

* :mod:`~rxmatch.evaluation.metrics`: nDCG, recall, precision, MRR, MAP, sector coverage,
  intra-list diversity, distance, exposure Gini.
* :mod:`~rxmatch.evaluation.baselines`: ``random``, ``nearest``, ``category_keyword``,
  ``bm25``, ``dense``, ``vector_blend``, ``cords_two_stage`` and ``rxmatch``, all ranking
  the same eligible candidates within the person's reach.
* :mod:`~rxmatch.evaluation.harness`: :func:`evaluate` with bootstrap CIs and breakdowns.
* :mod:`~rxmatch.evaluation.tuning`: :func:`tune_weights` on train and dev only.
* :func:`cli_evaluate`: ``rxmatch evaluate --dataset synthetic --split test``.

See ``docs/evaluation.md``.
"""

from .baselines import (
    RANKING_PARAMS,
    SYSTEMS,
    BM25System,
    CategoryKeywordSystem,
    CordsTwoStageSystem,
    DenseSystem,
    NearestSystem,
    RandomSystem,
    Ranking,
    RxMatchSystem,
    System,
    VectorBlendSystem,
    ablation_systems,
    make_system,
)
from .bootstrap import bootstrap_gini_ci, bootstrap_indices, bootstrap_mean_ci
from .cache import cached_index, default_cache_path, load_cache, save_cache
from .cli import DATASETS, cli_evaluate, format_table
from .harness import (
    GROUP_COLUMNS,
    EvaluationResult,
    age_group,
    evaluate,
    metric_names,
    primary_sector,
    referrals_from_frame,
    relevance_by_referral,
    score_ranking,
)
from .metrics import (
    DEFAULT_MIN_RELEVANCE,
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
from .shared import CandidateSet, SharedIndex
from .tuning import DEFAULT_GRID, TestSplitError, rank_with, tune_weights

__all__ = [
    "evaluate",
    "EvaluationResult",
    "tune_weights",
    "TestSplitError",
    "DEFAULT_GRID",
    "rank_with",
    "cli_evaluate",
    "format_table",
    "DATASETS",
    "SharedIndex",
    "cached_index",
    "default_cache_path",
    "load_cache",
    "save_cache",
    "CandidateSet",
    "System",
    "Ranking",
    "SYSTEMS",
    "make_system",
    "ablation_systems",
    "RANKING_PARAMS",
    "RandomSystem",
    "NearestSystem",
    "CategoryKeywordSystem",
    "BM25System",
    "DenseSystem",
    "VectorBlendSystem",
    "CordsTwoStageSystem",
    "RxMatchSystem",
    "metric_names",
    "age_group",
    "primary_sector",
    "referrals_from_frame",
    "relevance_by_referral",
    "score_ranking",
    "GROUP_COLUMNS",
    "bootstrap_indices",
    "bootstrap_mean_ci",
    "bootstrap_gini_ci",
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
