"""The hybrid score: a weighted blend of semantic similarity, typo-tolerant lexical match,
distance decay, category intent, schedule fit and soft preferences; every component is in
[0, 1] and the weights sum to 1, so the score is in [0, 1]."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..exceptions import InvalidParameterError

if TYPE_CHECKING:  # pandas loads when a table is first built
    import pandas as pd
    from numpy.typing import ArrayLike

__all__ = [
    "CandidateFeatures",
    "ScoredCandidates",
    "score_candidates",
    "dislike_factor",
    "confidence",
    "CONFIDENCE_CALIBRATION",
    "ConfidenceCalibration",
    "Weights",
    "DEFAULT_WEIGHTS",
    "blend",
    "category_affinity",
    "freshness_factor",
    "candidate_similarities",
]


@dataclass(frozen=True)
class Weights:
    """Weights of the score components (normalized to sum to 1 when used).

    The defaults come from a coordinate search on the train and dev splits (351 labelled
    referrals) of the synthetic evaluation set, maximizing nDCG@10 (README, "Evaluation";
    the test split was never used to choose them). Among settings within 0.005 nDCG of the
    best, the one with more weight on distance was kept. The synthetic labels count every
    resource within reach as equally relevant, so distance gets little weight here; raise
    ``distance`` where nearness matters more to the people you serve. The synthetic labels
    also ignore time, so no weight on ``schedule`` can be learnt from them (on train+dev
    nDCG@10 falls as it grows: 0 → 0.473, 0.05 → 0.461, 0.10 → 0.436); 0.05 is kept as a
    prior so that, among similar matches, one the person can attend ranks first.
    ``schedule`` only counts when the person gave availability; otherwise its weight is
    spread over the others.
    """

    semantic: float = 0.77
    lexical: float = 0.15
    distance: float = 0.04
    category_fit: float = 0.04
    schedule: float = 0.05
    preference: float = 0.05

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __post_init__(self) -> None:
        for k, v in asdict(self).items():
            if not (isinstance(v, (int, float)) and v >= 0 and np.isfinite(v)):
                raise InvalidParameterError(f"weight {k!r} must be a finite number >= 0, not {v!r}")
        if sum(asdict(self).values()) <= 0:
            raise InvalidParameterError("at least one weight must be > 0")


DEFAULT_WEIGHTS = Weights()


def blend(components: Mapping[str, np.ndarray], weights: Weights) -> np.ndarray:
    """Weighted sum of the components present, with their weights renormalized to sum to 1
    (``schedule`` and ``preference`` are only present when the person gave them)."""
    w = weights.as_dict()
    total = sum(w.get(k, 0.0) for k in components)
    if total <= 0:
        raise InvalidParameterError(
            "all weights of the components in use are zero: give one of "
            f"{sorted(components)} a positive weight"
        )
    out = np.zeros_like(next(iter(components.values())), dtype=np.float64)
    for k, v in components.items():
        if w.get(k, 0.0):
            a = np.asarray(v, dtype=np.float64)
            nan = np.isnan(a)
            out += (w[k] / total) * (np.where(nan, 0.0, a) if nan.any() else a)
    return np.clip(out, 0.0, 1.0)


def category_affinity(
    query_vec: np.ndarray, prototypes: np.ndarray, temperature: float = 0.05
) -> np.ndarray:
    """How strongly the person's words point to each category: a softmax of cosine
    similarities to the category prototypes, scaled so the top category scores 1.

    ``temperature`` is in cosine units and suits all-MiniLM-L6-v2 (category similarities
    spread with a standard deviation of about 0.075 on the median referral). Encoders with
    a narrower spread (the multilingual USEM3 spreads about 0.02) need a proportionally
    lower temperature: ``Matcher(category_temperature=...)``. (Standardizing the
    similarities per query instead cost 0.018 nDCG@10 on the train+dev splits.)"""
    sims = np.asarray(prototypes @ query_vec, dtype=np.float64)
    z = (sims - sims.max()) / temperature
    p = np.exp(z)
    return p / p.max()


def freshness_factor(
    age_years: np.ndarray,
    *,
    grace_years: float = 1.0,
    full_years: float = 5.0,
    max_penalty: float = 0.15,
) -> np.ndarray:
    """Multiplier in [1 - max_penalty, 1] that lowers confidence in records not verified
    for more than ``grace_years``, reaching the full penalty at ``full_years``. Unknown
    ages (NaN) get no penalty."""
    a = np.asarray(age_years, dtype=np.float64)
    frac = np.clip((a - grace_years) / max(1e-9, full_years - grace_years), 0.0, 1.0)
    return np.where(np.isnan(a), 1.0, 1.0 - max_penalty * frac)


def candidate_similarities(
    embeddings: np.ndarray,
    rows: np.ndarray,
    queries: list[np.ndarray | None],
    *,
    chunk: int = 2048,
) -> list[np.ndarray | None]:
    """Cosine similarities of the resources ``rows`` with each query (a vector, an
    ``(m, dim)`` matrix, or ``None``), in one pass over the candidates' embeddings.

    The rows are gathered ``chunk`` at a time, so that each block of (possibly
    memory-mapped) vectors is dotted with every query while it is in cache, and no
    ``(len(rows), dim)`` copy is made. For a query vector each row's dot product is the
    one a full gather would give (the same matrix-vector kernel, row by row); for a matrix
    of wishes the float32 results can differ from a full gather's in the last bits (the
    matrix kernel blocks by the number of rows), so ``chunk`` is fixed: the same rows and
    queries always give the same values.
    """
    n = len(rows)
    out: list[np.ndarray | None] = [
        None if q is None else np.empty((n, *np.shape(q)[:-1]), dtype=np.float32) for q in queries
    ]
    for lo in range(0, n, chunk):
        block = np.take(embeddings, rows[lo : lo + chunk], axis=0)  # = embeddings[rows], faster
        for q, o in zip(queries, out):
            if q is not None:
                o[lo : lo + chunk] = block @ (q if q.ndim == 1 else q.T)
    return out


#: A dislike lowers a resource once its similarity to what the person dislikes passes
#: ``DISLIKE_FLOOR`` (cosine), fully at ``DISLIKE_FLOOR + DISLIKE_SPAN``.
DISLIKE_FLOOR = 0.3
DISLIKE_SPAN = 0.4


@dataclass(frozen=True, eq=False)
class CandidateFeatures:
    """Everything about one referral's eligible candidates that does not depend on the
    weights or penalties: the input of :func:`score_candidates`.

    Aligned arrays, one entry per candidate (``rows`` index the fitted table):
    ``distance_km`` (NaN without a place), ``via`` (radius / outreach / online codes of
    :mod:`rxmatch.rank.candidates`), ``flags`` (unknown-fact bits), ``components`` (each in
    [0, 1]), ``freshness`` (multiplier for stale records), ``barrier_conflicts`` (how many of
    the person's barriers each resource conflicts with), ``care_share`` (how much of each
    resource is clinical, residential or administrative, :mod:`rxmatch.features.kind`),
    ``asks_for_care`` (the person's wishes ask for such help), ``dislike_similarity`` (max cosine
    with a dislike, or ``None``), ``facet_of`` (the wish each resource answers best, or
    ``None`` with fewer than two wishes) and ``audience`` (int8 flags of
    :mod:`rxmatch.features.audience`: the audience a resource states in its own words
    leaves the person out by age, or by ancestry; ``None``: none read).

    The rest describes the retrieval: ``excluded_rows``/``excluded_codes`` (candidates the
    eligibility rules removed), ``notes``, ``n_candidates`` (before eligibility), ``words``
    (the person's content words, for explanations), ``best_sessions`` (position -> the
    session that best fits the person's time), ``facets``, ``reach_km`` and, when passage
    evidence raised a candidate's semantic score, ``passage_raised`` (per candidate) and
    ``passage_query`` (the whole answer's vector, in memory only), from which an
    explanation quotes the record's best passage.
    """

    rows: np.ndarray
    distance_km: np.ndarray
    via: np.ndarray
    flags: np.ndarray
    components: Mapping[str, np.ndarray]
    freshness: np.ndarray
    barrier_conflicts: np.ndarray
    care_share: np.ndarray | None = None
    asks_for_care: bool = False
    dislike_similarity: np.ndarray | None = None
    facet_of: np.ndarray | None = None
    audience: np.ndarray | None = None
    excluded_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    excluded_codes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    notes: tuple[str, ...] = ()
    n_candidates: int = 0
    words: Any = None
    best_sessions: Mapping[int, Any] = field(default_factory=dict)
    facets: Any = None
    reach_km: float = float("nan")
    passage_raised: np.ndarray | None = None
    passage_query: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, eq=False)
class ScoredCandidates:
    """:class:`CandidateFeatures` with their final ``scores`` (what is shown and ranked)."""

    features: CandidateFeatures
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def rows(self) -> np.ndarray:
        return self.features.rows

    def to_frame(self, ids: np.ndarray) -> pd.DataFrame:
        """One row per candidate (for analysis): ``resource_id`` (``ids`` of its row), every
        score component, ``score`` and ``distance_km``."""
        import pandas as pd

        f = self.features
        df = pd.DataFrame({"resource_id": ids[f.rows], **f.components})
        df["score"] = self.scores
        df["distance_km"] = f.distance_km
        return df


def dislike_factor(similarity: np.ndarray, penalty: float) -> np.ndarray:
    """Multiplier in [1 - penalty, 1] from the similarity to what the person dislikes."""
    ramp = np.clip((np.asarray(similarity, dtype=np.float64) - DISLIKE_FLOOR) / DISLIKE_SPAN, 0, 1)
    return 1.0 - penalty * ramp


def score_candidates(
    features: CandidateFeatures,
    *,
    weights: Weights | None = None,
    unknown_penalty: float = 0.05,
    barrier_penalty: float = 0.25,
    dislike_penalty: float = 0.3,
    care_penalty: float = 0.0,
    audience_penalty: float = 0.0,
) -> ScoredCandidates:
    """The one place a score is computed: the weighted blend of the components, times the
    freshness factor, ``1 - unknown_penalty`` for a fact the person needs that the resource
    does not state, ``1 - barrier_penalty`` per barrier the resource conflicts with, and the
    :func:`dislike_factor`, and the social-prescribing prior: unless the person's wishes ask
    for clinical, residential or administrative help, ``1 - care_penalty × care_share``; and
    ``1 - audience_penalty`` for a resource whose stated audience leaves the person out
    (by age, by ancestry, or both: once). ``Matcher.recommend``, tuning, ablations and evaluation all score through here."""
    n = len(features.rows)
    if not n:
        return ScoredCandidates(features, np.zeros(0))
    scores = blend(features.components, weights or DEFAULT_WEIGHTS)
    scores = scores * features.freshness
    scores = scores * np.where(features.flags > 0, 1.0 - unknown_penalty, 1.0)
    conflicts = np.asarray(features.barrier_conflicts)
    if conflicts.any():
        scores = scores * (1.0 - barrier_penalty) ** conflicts
    if features.dislike_similarity is not None:
        scores = scores * dislike_factor(features.dislike_similarity, dislike_penalty)
    if care_penalty and features.care_share is not None and not features.asks_for_care:
        scores = scores * (1.0 - care_penalty * features.care_share)
    if audience_penalty and features.audience is not None:
        scores = scores * np.where(np.asarray(features.audience) > 0, 1.0 - audience_penalty, 1.0)
    return ScoredCandidates(features, scores)


class ConfidenceCalibration(NamedTuple):
    """Coefficients of the calibrated confidence,
    ``sigmoid(score * final_score + log_rank * log(rank) + intercept)``.

    Attributes
    ----------
    score : float
        Weight of the final score (positive: a higher score is a more likely good match).
    intercept : float
        The constant term.
    log_rank : float
        Weight of the log of the match's 1-based rank in the list shown (after re-ranking);
        0 for a calibration of the score alone, such as the ``(7.54, -3.10)`` pair used
        until the rank was learnt, which ``ConfidenceCalibration(7.54, -3.10)`` reproduces.
    """

    score: float
    intercept: float
    log_rank: float = 0.0


#: The probability that a judge grades a match 2 or 3 of 3, from its final score and its
#: rank: a logistic fit on the top 10 of the default matcher over the real dev splits (1,468
#: judged pairs of 151 referrals, San Mateo and NYC; ``datasets/real/calibrate.py``). At the
#: same score a match lower in the list is less often good (the top match is picked from
#: every candidate); the score-only Platt scaling used before, ``(7.54, -3.10)``, left the
#: top match under-confident (mean 0.37, observed 0.52). Out of fold (5 folds by referral)
#: the rank-1 Brier score is 0.216 against 0.239 (0.231 for a score-only refit), 0.192
#: against 0.194 over all pairs; docs/evaluation.md, "Calibrated confidence".
CONFIDENCE_CALIBRATION = ConfidenceCalibration(score=7.64, intercept=-2.47, log_rank=-0.41)


def confidence(
    scores: ArrayLike,
    calibration: ConfidenceCalibration | tuple[float, ...] = CONFIDENCE_CALIBRATION,
    ranks: ArrayLike | None = None,
) -> np.ndarray:
    """Calibrated probability of a good match (see :data:`CONFIDENCE_CALIBRATION`; refit it
    for another encoder or directory with ``datasets/real/calibrate.py``).

    Parameters
    ----------
    scores : ArrayLike
        Final scores.
    calibration : ConfidenceCalibration | tuple[float, ...]
        The coefficients; a plain ``(score, intercept)`` pair is a score-only calibration.
    ranks : ArrayLike | None
        Each match's 1-based rank in the list shown (after re-ranking), broadcast against
        ``scores``. ``None`` reads every score as the top match's (rank 1): the most
        generous reading, and the score-only sigmoid of ``score`` and ``intercept``.

    Returns
    -------
    np.ndarray
        Probabilities in (0, 1), one per score: increasing in the score at a fixed rank.

    Raises
    ------
    InvalidParameterError
        If a rank is below 1.
    """
    cal = ConfidenceCalibration(*calibration)
    z = cal.score * np.asarray(scores, dtype=np.float64) + cal.intercept
    if ranks is not None:
        r = np.asarray(ranks, dtype=np.float64)
        if np.any(r < 1):
            raise InvalidParameterError("ranks are 1-based: every rank must be at least 1")
        if cal.log_rank:
            z = z + cal.log_rank * np.log(r)
    return 1.0 / (1.0 + np.exp(-z))
