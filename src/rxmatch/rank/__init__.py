"""Ranking: candidate retrieval → scoring → re-ranking → explanation."""

from .allocate import Allocation, allocate
from .candidates import Candidates, retrieve_candidates
from .explain import explain_match
from .rerank import mmr, top_n
from .scoring import DEFAULT_WEIGHTS, Weights, blend, category_affinity, freshness_factor
from .table import ResourceTable

__all__ = [
    "Allocation",
    "allocate",
    "Candidates",
    "retrieve_candidates",
    "explain_match",
    "mmr",
    "top_n",
    "Weights",
    "DEFAULT_WEIGHTS",
    "blend",
    "category_affinity",
    "freshness_factor",
    "ResourceTable",
]
