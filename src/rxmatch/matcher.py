"""The Matcher: fit a Directory once, then recommend for referrals.

The Matcher holds the parameters and wires the stages, each made from its parameters of
the same names. ``fit(directory)`` builds one :class:`~rxmatch.index.FittedIndex`
(:class:`~rxmatch.fitting.IndexBuilder`); ``recommend(referral, k)`` runs over it:

1. encode the words (:class:`~rxmatch.features.query.QueryEncoder`),
2. candidates within reach, eligibility, score components
   (:class:`~rxmatch.rank.features.FeatureBuilder` over :class:`~rxmatch.rank.reach.Reach`),
3. score (:func:`~rxmatch.rank.scoring.score_candidates`),
4. re-rank and explain (:class:`~rxmatch.rank.results.ResultBuilder`),

and returns immutable :class:`~rxmatch.records.Recommendations` (``recommend_many``: a
batch, :mod:`rxmatch.rank.batch`). Around the wiring: ``get_params``/``set_params``
(:mod:`rxmatch._params`), the fitted state and attributes (:mod:`rxmatch.state`),
``add``/``update``/``remove`` (:mod:`rxmatch.updates`), ``save``/``load``
(:mod:`rxmatch.saving`; the files: :mod:`rxmatch.persistence`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._params import Parameters
from .directory import Directory
from .features.passages import PassageOptions
from .features.query import EncodedQuery, QueryEncoder, encode_person
from .features.text import Embedder, EmbeddingCache
from .fitting import IndexBuilder
from .index import TextSpace, resource_text
from .rank import batch
from .rank.features import FeatureBuilder
from .rank.reach import AUTO, Reach
from .rank.results import LOW_CONFIDENCE, ResultBuilder
from .rank.scoring import (
    DEFAULT_WEIGHTS,
    CandidateFeatures,
    ScoredCandidates,
    Weights,
    score_candidates,
)
from .records import Recommendations
from .referral import Referral
from .saving import SaveLoad
from .state import FittedState as _Fitted
from .updates import IncrementalUpdates

if TYPE_CHECKING:  # pandas loads when a table is first built, not at import
    import pandas as pd


# EncodedQuery, TextSpace and resource_text are re-exported for older imports
__all__ = ["Matcher", "EncodedQuery", "TextSpace", "resource_text", "LOW_CONFIDENCE"]


class Matcher(Parameters, IncrementalUpdates, SaveLoad):
    """Hybrid, geo-aware matcher for social prescribing.

    Each parameter in a line or three; why each default, its dev figures and its costs:
    [the parameters guide](../guide/parameters.md).

    Parameters
    ----------
    embedder : Embedder | None
        an :class:`~rxmatch.features.Embedder`; default the bundled
        all-MiniLM-L6-v2 (sentence-transformers, offline).
    weights : Weights | None
        :class:`~rxmatch.rank.Weights` of the score components (default and
        choice: [guide](../guide/parameters.md#weights)).
    n : int
        default number of matches (``k``) per referral.
    decay_kind
        distance decay (as Elasticsearch's): the curve's shape.
    decay_offset : float
        full score within ``decay_offset × radius``, half at
        ``(decay_offset + decay_scale) × radius``.
    decay_scale : float
        where the score is half, beyond the offset (see ``decay_offset``).
    online_distance_score : float
        distance component given to online resources (no travel).
    diversity : float
        0 ranks by score; otherwise MMR with ``lambda = 1 - diversity`` for a more
        varied plan ([guide](../guide/parameters.md#list)).
    max_per_category : int | None
        cap of matches per category in one list (``None``: no cap).
    unknown_penalty : float
        score multiplier lost when a fact the person needs is not stated
        (accessibility, cost, language); the match is flagged, not excluded.
    stale_penalty : float
        most confidence lost by a record last verified 5+ years ago.
    reference_date : date | None
        "today" for freshness; default the date of ``fit``.
    widen_if_fewer_than : int
        with fewer in-person candidates than this
        within the radius, widen it (×1.5 steps, up to ``max_widen_factor`` × radius) and
        say so; never past an explicit ``max_km``; 0 never widens
        ([guide](../guide/parameters.md#reach)).
    max_widen_factor : float
        the widest radius, as a factor of the radius (see ``widen_if_fewer_than``).
    lexical_intent_floor : float
        category fit given to a category when the person names one of
        its words, whatever the embedding says.
    category_temperature : float | None
        softmax temperature of the category fit; ``None``: the
        embedder's ``category_temperature`` attribute, else 0.05.
    facets : bool
        split the words into interests, barriers and dislikes
        (:func:`rxmatch.features.facets.split_facets`) and use each ([guide](../guide/parameters.md#facets)).
    facet_weight : float
        share of the semantic score from the best-matching interest.
    coverage_bonus : float
        re-ranking bonus for a match that covers a wish not yet covered.
    dislike_penalty : float
        score lost by what resembles a dislike.
    barrier_penalty : float
        score lost by what conflicts with a barrier (strenuous activities for bad knees,
        crowds, adults only, ...).
    care_penalty : float
        the social-prescribing prior: lowers clinical, residential and
        administrative services unless the wishes ask for them ([guide](../guide/parameters.md#multipliers)).
    audience_penalty : float
        lowers a record whose own words state an audience that leaves the
        person out (ages in its name, an ancestry; :mod:`rxmatch.features.audience`).
    multilingual
        the encoder of non-English answers: ``"auto"``, the bundled USEM3 (16
        languages), or an Embedder; ``None``: off ([guide](../guide/parameters.md#encoders)).
    e5
        multilingual-E5 for the languages USEM3 lacks: ``"auto"`` (when the bundled model
        is the primary encoder), an Embedder with ``encode_queries``, or ``None``.
    passages
        passage evidence (MaxP) for long descriptions, built at ``fit``: ``"auto"``,
        a :class:`~rxmatch.features.passages.PassageOptions`, or ``None``.
    ensemble_weight : float
        weight of the multilingual encoder's cosines beside the default
        encoder's (0.5: the plain sum of z-scores; 0: the default encoder only).
    e5_ensemble_weight, sentence_weight : float
        for answers matched by E5 (read whole): the
        default encoder's and USEM3's z-scored cosines beside E5's (each with this weight,
        E5's 1), and the best sentence's cosine mixed with the whole answer's (0: off).
    query_without_barriers : bool
        leave barriers out of the text embedded as the whole answer
        (dislikes always are).
    context_in_query : bool
        keep context sentences (a loss, a move) in that text; they are
        never quoted as a wish.
    beneficiary : bool
        check ages for the person the words are about (a parent writing for a
        child; :mod:`rxmatch.features.beneficiary`); ``notes`` says which age was used.
    min_confidence : float
        hold back matches whose calibrated confidence
        (:func:`rxmatch.rank.confidence`) is below this, and say so in ``notes``.
    candidate_pool : int | None
        score in full only this many eligible candidates closest in meaning
        (two-stage retrieval); ``None``: all.
    online_pool : int | None
        of the online resources, only this many closest in meaning are
        candidates (``None``: all).
    mobility_reach : float
        factor on the radius when the words name a mobility limit and no
        ``max_km`` was given; "no car" caps it at the transit radius.
    cache : EmbeddingCache | None
        an :class:`~rxmatch.features.EmbeddingCache` shared between fits (directory
        texts only).
    batch_size : int
        passed to the encoders at ``fit``.
    show_progress_bar : bool | None
        passed to the encoders at ``fit``.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        weights: Weights | None = None,
        n: int = 10,
        decay_kind: Literal["gauss", "exp", "linear"] = "gauss",
        decay_offset: float = 0.1,
        decay_scale: float = 0.5,
        online_distance_score: float = 0.5,
        diversity: float = 0.0,
        max_per_category: int | None = None,
        unknown_penalty: float = 0.05,
        stale_penalty: float = 0.1,
        reference_date: date | None = None,
        widen_if_fewer_than: int = 3,
        max_widen_factor: float = 3.0,
        lexical_intent_floor: float = 0.7,
        category_temperature: float | None = None,
        facets: bool = True,
        facet_weight: float = 0.1,
        coverage_bonus: float = 0.0,
        dislike_penalty: float = 0.3,
        barrier_penalty: float = 0.25,
        care_penalty: float = 0.2,
        audience_penalty: float = 0.5,
        multilingual: Embedder | Literal["auto"] | None = "auto",
        e5: Embedder | Literal["auto"] | None = "auto",
        passages: PassageOptions | Literal["auto"] | None = "auto",
        ensemble_weight: float = 0.5,
        e5_ensemble_weight: float = 0.25,
        sentence_weight: float = 0.25,
        query_without_barriers: bool = False,
        context_in_query: bool = True,
        beneficiary: bool = True,
        min_confidence: float = 0.0,
        candidate_pool: int | None = 2000,
        online_pool: int | None = 300,
        mobility_reach: float = 0.6,
        cache: EmbeddingCache | None = None,
        batch_size: int = 64,
        show_progress_bar: bool | None = None,
    ):
        # scikit-learn's convention: every parameter is kept as given, under its own name,
        # and checked when used (``fit``, ``set_params``)
        self.embedder = embedder
        self.weights = weights
        self.n = n
        self.decay_kind = decay_kind
        self.decay_offset = decay_offset
        self.decay_scale = decay_scale
        self.online_distance_score = online_distance_score
        self.diversity = diversity
        self.max_per_category = max_per_category
        self.unknown_penalty = unknown_penalty
        self.stale_penalty = stale_penalty
        self.reference_date = reference_date
        self.widen_if_fewer_than = widen_if_fewer_than
        self.max_widen_factor = max_widen_factor
        self.lexical_intent_floor = lexical_intent_floor
        self.category_temperature = category_temperature
        self.facets = facets
        self.facet_weight = facet_weight
        self.coverage_bonus = coverage_bonus
        self.dislike_penalty = dislike_penalty
        self.barrier_penalty = barrier_penalty
        self.care_penalty = care_penalty
        self.audience_penalty = audience_penalty
        self.multilingual = multilingual
        self.e5 = e5
        self.passages = passages
        self.ensemble_weight = ensemble_weight
        self.e5_ensemble_weight = e5_ensemble_weight
        self.sentence_weight = sentence_weight
        self.query_without_barriers = query_without_barriers
        self.context_in_query = context_in_query
        self.beneficiary = beneficiary
        self.min_confidence = min_confidence
        self.candidate_pool = candidate_pool
        self.online_pool = online_pool
        self.mobility_reach = mobility_reach
        self.cache = cache
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar

    # ---- the parameters: get_params, set_params and the stages made from them
    # (``_stage``) are scikit-learn's convention (rxmatch._params.Parameters)
    def score_params(self) -> dict[str, Any]:
        """The keyword arguments of :func:`rxmatch.rank.score_candidates` this matcher
        uses."""
        return {
            "weights": self.weights or DEFAULT_WEIGHTS,
            "unknown_penalty": self.unknown_penalty,
            "barrier_penalty": self.barrier_penalty,
            "dislike_penalty": self.dislike_penalty,
            "care_penalty": self.care_penalty,
            "audience_penalty": self.audience_penalty,
        }

    # ---- fitting -------------------------------------------------------------------------
    def fit(
        self,
        directory: Directory,
        *,
        embeddings: np.ndarray | None = None,
        multilingual_embeddings: np.ndarray | None = None,
    ) -> Matcher:
        """Embed and index a :class:`Directory` (:class:`~rxmatch.fitting.IndexBuilder`).
        Returns ``self``.

        ``embeddings`` (optional): precomputed ``(len(directory), dim)`` vectors of the
        resource texts (:func:`resource_text`) made by this matcher's embedder, for example
        from a saved index; they are L2-normalized here and not recomputed.
        ``multilingual_embeddings``: the same for the multilingual encoder. With
        ``embeddings`` given and these not, no multilingual vector set is built.
        """
        if not isinstance(directory, Directory):
            raise TypeError("Matcher.fit expects an rxmatch.Directory (see Directory.load)")
        self._validate_params()
        state = getattr(self, "_state", None)
        index, cache = self._stage(IndexBuilder).build(
            directory,
            embeddings=embeddings,
            multilingual_embeddings=multilingual_embeddings,
            generation=0 if state is None else state.index.generation + 1,
        )
        return self._install(index, cache)

    # ---- encoding ------------------------------------------------------------------------
    def query_text(self, text: str) -> str:
        """The person's words as embedded: likely typos corrected against the directory's
        and the taxonomy's vocabulary ("gardning" → "gardening")."""
        return QueryEncoder.query_text(self.index_, text)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed a person's words (never cached, never logged)."""
        return encode_person(self.embedder_, [self.query_text(text)], batch_size=1)[0]

    def encode(self, referral: Referral) -> EncodedQuery:
        """Embed a referral's words and facets in one batch (see :class:`EncodedQuery`)."""
        return self.encode_many([referral])[0]

    def encode_many(self, referrals: Sequence[Referral]) -> list[EncodedQuery]:
        """Embed many referrals' words and facets in one batch per encoder. A non-English
        answer (detected offline) is embedded by the multilingual encoder, when the index
        has one; an English one by this matcher's embedder (and, with ``ensemble_weight``,
        its wishes by the multilingual encoder too)."""
        return self._stage(QueryEncoder).encode_many(self.index_, referrals)

    # ---- recommending --------------------------------------------------------------------
    def recommend(
        self,
        referral: Referral | dict[str, Any],
        k: int | None = None,
        *,
        query_vector: np.ndarray | None = None,
        outcomes: Any = None,
    ) -> Recommendations:
        """Ranked, explained matches for one referral (``k`` at most).

        ``query_vector``: the person's words already embedded with this matcher's embedder:
        an :class:`EncodedQuery` from :meth:`encode` (skips all encoding), or the vector
        of the whole answer from :meth:`encode_query` (facets are still encoded).
        ``outcomes``: an :class:`~rxmatch.outcomes.OutcomeStore`; a "shown" event is logged
        for every match (ids and numbers only; the referral needs a pseudonymous
        ``referral_id``).
        """
        state = self._fitted_state()
        ref = batch.as_referral(referral)
        k = batch.check_k(self.n if k is None else k)
        if query_vector is not None and not isinstance(query_vector, EncodedQuery):
            batch.check_query_vector(query_vector, state.index.table.embeddings.shape[1])
        out = self._rank(state, ref, query_vector, k)
        self._check_unchanged(state)
        if outcomes is not None:
            outcomes.log_shown(out)
        return out

    def recommend_many(
        self,
        referrals: pd.DataFrame | Iterable[Referral],
        k: int | None = None,
        *,
        errors: Literal["raise", "skip"] = "raise",
    ) -> pd.DataFrame:
        """Recommendations for a table of referrals at once: each distinct text of the
        batch embedded once, chunks of referrals embedded on a worker thread while the
        previous ones are ranked (:func:`rxmatch.rank.batch.encode_and_rank`; the output
        depends on the batch only, never on timing).

        Returns a long DataFrame: one row per (referral, match), with ``referral_id``
        (the row's ``referral_id`` column, else its position). With ``errors="skip"``,
        invalid referrals are left out and listed in ``result.attrs["skipped"]`` (a list of
        dicts (row, field, reason)), and a warning gives their count.
        """
        state = self._fitted_state()
        k = batch.check_k(self.n if k is None else k)
        refs, skipped = batch.read_referrals(referrals, errors)
        query, reach = self._stage(QueryEncoder), self._stage(Reach)

        def rank(chunk: Sequence[Referral], encoded: list[EncodedQuery]) -> list[Recommendations]:
            pools = batch.online_pools(state.index, reach, chunk, encoded)
            return [
                self._rank(state, r, v, k, online_rows=o) for r, v, o in zip(chunk, encoded, pools)
            ]

        # chunk by chunk, the next chunks encoded on a worker thread while this one ranks
        results = batch.encode_and_rank(query, state.index, refs, rank)
        self._check_unchanged(state)
        return batch.matches_table(results, skipped)

    def _rank(
        self, state: _Fitted, ref: Referral, query: Any, k: int, online_rows: Any = AUTO
    ) -> Recommendations:
        """Features → score → re-rank and explain, all on one fitted state."""
        try:
            features = self._features(state, ref, query, online_rows)
            scored = score_candidates(features, **self.score_params())
            results = self._stage(ResultBuilder)
            return results.build(state.index, ref, scored, k, state.reference_date)
        except (IndexError, ValueError, KeyError):
            self._check_unchanged(state)
            raise

    def _features(
        self, state: _Fitted, ref: Referral, query: Any, online_rows: Any = AUTO
    ) -> CandidateFeatures:
        stage = self._stage(
            FeatureBuilder, query=self._stage(QueryEncoder), reach=self._stage(Reach)
        )
        encoded = stage.query.resolve(state.index, ref, query)
        return stage.build(state.index, ref, encoded, state.freshness, online_rows=online_rows)

    # ---- the steps, for analysis ---------------------------------------------------------
    def candidate_features(
        self,
        referral: Referral,
        query: np.ndarray | EncodedQuery | None = None,
        *,
        online_rows: Any = AUTO,
    ) -> CandidateFeatures:
        """Candidates → eligibility → score components for one referral: everything about
        its candidates that does not depend on the weights (see
        :func:`rxmatch.rank.score_candidates`). ``query``: an :class:`EncodedQuery` from
        :meth:`encode`, or the vector of the whole answer (facets are then encoded)."""
        return self._features(self._fitted_state(), referral, query, online_rows)

    def score(
        self,
        referral: Referral,
        query: np.ndarray | EncodedQuery | None = None,
        *,
        online_rows: Any = AUTO,
    ) -> ScoredCandidates:
        """Every eligible candidate of ``referral`` with its score components and final
        score, before re-ranking (:meth:`candidate_features`, then
        :func:`rxmatch.rank.score_candidates` with this matcher's weights and penalties)."""
        return score_candidates(
            self.candidate_features(referral, query, online_rows=online_rows),
            **self.score_params(),
        )

    def score_components(
        self, referral: Referral, query_vector: np.ndarray | EncodedQuery | None = None
    ) -> pd.DataFrame:
        """Every eligible candidate with its score components and final score, before
        re-ranking, as a table (for analysis; :meth:`score` gives the arrays)."""
        return self.score(referral, query_vector).to_frame(self.table_.ids)

    def __repr__(self) -> str:
        fitted = f", fitted on {len(self.table_)} resources" if hasattr(self, "_state") else ""
        return f"Matcher(embedder={self.embedder!r}, n={self.n}{fitted})"
