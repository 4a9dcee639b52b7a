"""Ranking: candidate retrieval → scoring → re-ranking → explanation."""

from .allocate import Allocation, allocate
from .candidates import Candidates, retrieve_candidates
from .explain import explain_match
from .rerank import mmr, rerank, top_n
from .scoring import (
    DEFAULT_WEIGHTS,
    CandidateFeatures,
    ConfidenceCalibration,
    ScoredCandidates,
    Weights,
    blend,
    category_affinity,
    confidence,
    freshness_factor,
    score_candidates,
)
from .table import ResourceTable

__all__ = [
    "Allocation",
    "allocate",
    "Candidates",
    "retrieve_candidates",
    "explain_match",
    "mmr",
    "rerank",
    "top_n",
    "CandidateFeatures",
    "ScoredCandidates",
    "score_candidates",
    "Weights",
    "DEFAULT_WEIGHTS",
    "blend",
    "category_affinity",
    "confidence",
    "ConfidenceCalibration",
    "freshness_factor",
    "ResourceTable",
]
