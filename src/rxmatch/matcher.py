"""The Matcher: fit a Directory once, then recommend for referrals.

``Matcher(...).fit(directory)`` embeds every description (cached by text hash), infers
missing categories, and builds the geo and lexical indexes. ``recommend(referral, k)``
runs candidates → eligibility → score → re-rank → explain and returns immutable
:class:`~rxmatch.records.Recommendations`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ._ids import id_list, refuse_text
from .directory import Directory, LoadReport
from .exceptions import (
    IndexChangedError,
    InvalidParameterError,
    NotFittedError,
    ReferralError,
    RxMatchError,
)
from .features._bulk import phrase_flags
from .features.beneficiary import eligibility_age, read_beneficiary
from .features.eligibility import (
    REASON_CODES,
    EligibilityIndex,
    exclusion_reason,
    flag_texts,
    reason_code,
)
from .features.facets import CROWD_WORDS, STRENUOUS_WORDS, Facets, split_facets
from .features.fuzzy import FieldTokens, FuzzyIndex, content_words, stem
from .features.geo import GeoIndex, decay
from .features.kind import asks_for_care, care_share, resource_kinds
from .features.language import answer_language
from .features.schedule import schedule_fit
from .features.text import Embedder, EmbeddingCache, SentenceTransformerEmbedder
from .rank.candidates import VIA_ONLINE, VIA_OUTREACH, retrieve_candidates
from .rank.explain import explain_match, summarize_match
from .rank.rerank import rerank
from .rank.scoring import (
    DEFAULT_WEIGHTS,
    CandidateFeatures,
    ScoredCandidates,
    Weights,
    candidate_similarities,
    category_affinity,
    confidence,
    freshness_factor,
    score_candidates,
)
from .rank.table import ResourceTable
from .records import CONTACT_FIELDS, Exclusion, Match, Recommendations, WhyNotContext, plain
from .referral import TRAVEL_RADIUS_KM, Referral
from .taxonomy import CATEGORIES, CATEGORY_KEYS, TAXONOMY_VOCABULARY

if TYPE_CHECKING:  # pandas loads when a table is first built, not at import
    import pandas as pd

__all__ = ["Matcher", "EncodedQuery", "resource_text"]


def resource_text(name: str, description: str, tags: Sequence[str]) -> str:
    """The text embedded for a resource: name, description and tags."""
    text = f"{name}. {description}"
    if tags:
        text += " Tags: " + ", ".join(tags) + "."
    return text


@dataclass(frozen=True, repr=False)
class EncodedQuery:
    """A person's words, embedded: the whole answer (``vector``), the facets read from it,
    and the embeddings of the facets that change the ranking (several interests; dislikes).
    Made by :meth:`Matcher.encode`; pass it to ``recommend(..., query_vector=...)`` to rank
    without encoding again. Never cached or written anywhere by rxmatch."""

    vector: np.ndarray
    facets: Facets
    interest_vectors: np.ndarray | None = None
    dislike_vectors: np.ndarray | None = None
    named_categories: frozenset[int] | None = None  # categories the words name (by index)
    #: "primary" (the matcher's embedder) or "multilingual" (a non-English answer, embedded
    #: by the multilingual encoder and matched against the directory's multilingual vectors)
    space: str = "primary"
    #: the wishes embedded by the multilingual encoder too, for the encoder ensemble
    ensemble_vector: np.ndarray | None = None

    def __repr__(self) -> str:
        return (
            f"EncodedQuery(dim={self.vector.shape[-1]}, space={self.space!r}, "
            f"facets={len(self.facets.all)})"
        )


#: below this calibrated confidence of the best match, ``recs.notes`` says plainly that
#: nothing in reach fits well (about the bottom fifth of top-10 scores on the real dev sets)
LOW_CONFIDENCE = 0.2

#: languages whose answers are split into facets (the cue lists are English and Spanish)
FACET_LANGUAGES = ("en", "es")

#: the name of the default encoder (the bundled all-MiniLM-L6-v2, or its ONNX export)
DEFAULT_EMBEDDER_NAME = "all-MiniLM-L6-v2"


@dataclass(frozen=True, eq=False)
class TextSpace:
    """A second set of directory vectors, made by another encoder (the multilingual one):
    the resources' ``embeddings`` and the category ``prototypes`` in its space."""

    embedder: Embedder
    embeddings: np.ndarray
    prototypes: np.ndarray

    @property
    def category_temperature(self) -> float:
        return float(getattr(self.embedder, "category_temperature", 0.05))


_AUTO = object()  # "compute the online pool for this query" (precomputed in batches)


def _objects(col: pd.Series, convert: Any) -> list[Any]:
    """``[None if pd.isna(v) else convert(v) for v in col]`` with the missing values found
    in one vectorised call (``convert=None`` keeps the values)."""
    missing = col.isna().to_numpy()
    if convert is None:
        return [None if m else v for v, m in zip(col, missing)]
    return [None if m else convert(v) for v, m in zip(col, missing)]


def _given_vectors(vectors: np.ndarray, n: int, what: str) -> np.ndarray:
    """Precomputed ``(n, dim)`` vectors as float32, L2-normalised (a memory map is kept
    as it is when already normalised)."""
    vecs = vectors if isinstance(vectors, np.memmap) else np.asarray(vectors)
    if vecs.dtype != np.float32:
        vecs = vecs.astype(np.float32)
    if vecs.ndim != 2 or vecs.shape[0] != n:
        raise InvalidParameterError(f"{what} must have shape ({n}, dim), not {vecs.shape}")
    # row norms a block at a time (each row's norm as one call over all rows gives it,
    # without a temporary the size of the matrix)
    norms = np.empty((len(vecs), 1), dtype=vecs.dtype)
    for lo in range(0, len(vecs), 65536):
        norms[lo : lo + 65536] = np.linalg.norm(vecs[lo : lo + 65536], axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)):
        raise InvalidParameterError(f"{what} hold non-finite values")
    if not np.allclose(norms, 1.0, atol=1e-4):
        norms[norms == 0] = 1.0
        vecs = vecs / norms
    return vecs


#: mean and spread of the default encoder's cosines over a referral's candidates (median
#: over the English referrals of the real San Mateo dev split): the scale the weights suit
REFERENCE_COSINE = (0.136, 0.080)


def _supports(space: TextSpace | None, lang: str) -> bool:
    """Whether the multilingual encoder was trained on ``lang`` (its ``languages``
    attribute; an encoder that does not say is taken to support every language)."""
    langs = getattr(getattr(space, "embedder", None), "languages", None)
    return langs is None or lang in langs


def _position(text: str, part: str) -> int:
    """Where a facet's words start in the answer (facets are kept in the person's order)."""
    i = text.find(part)
    return i if i >= 0 else len(text)


def _rescaled(values: np.ndarray, mean: float, spread: float) -> np.ndarray | None:
    """``values`` standardised over the candidates and put on ``mean`` and ``spread``
    (float64); ``None`` when they do not vary."""
    v = np.asarray(values, dtype=np.float64)
    sd = v.std()
    return (v - v.mean()) / sd * spread + mean if sd > 0 else None


def _on_reference_scale(cos: np.ndarray) -> np.ndarray:
    """Cosines standardised over the candidates and put on :data:`REFERENCE_COSINE`."""
    out = _rescaled(cos, *REFERENCE_COSINE)
    return cos if out is None else out.astype(np.float32)


def _ensemble(primary: np.ndarray, other: np.ndarray, weight: float) -> np.ndarray:
    """Mix two encoders' cosines over the same candidates: ``other`` is standardised and
    put on ``primary``'s scale (its mean and spread over these candidates), then averaged
    with weight ``weight`` (0.5 is the plain sum of z-scores, in ``primary``'s units)."""
    p = np.asarray(primary, dtype=np.float64)
    rescaled = _rescaled(other, p.mean(), p.std()) if p.std() > 0 else None
    if rescaled is None:
        return primary
    return ((1.0 - weight) * p + weight * rescaled).astype(np.float32)


class _Take:
    """``seq[rows[i]]`` on access: the ids of the candidate rows without gathering them all
    (re-ranking reads the ids of the few leaders only, to break ties)."""

    __slots__ = ("_seq", "_rows")

    def __init__(self, seq: Any, rows: np.ndarray):
        self._seq, self._rows = seq, rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i: int) -> Any:
        return self._seq[int(self._rows[i])]


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
    multilingual : the encoder of non-English answers. ``"auto"`` (default): the bundled
        USEM3 (16 languages) beside the default English model; a multilingual vector set of
        the directory is built at ``fit`` and saved in the index, and answers detected
        (offline) to be in one of its languages are matched in that space. ``None``: off.
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
        multilingual: Embedder | Literal["auto"] | None = "auto",
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
        self.multilingual = multilingual
        self.ensemble_weight = ensemble_weight
        self.context_in_query = context_in_query
        self.beneficiary = beneficiary
        self.min_confidence = min_confidence
        self.query_without_barriers = query_without_barriers
        self.candidate_pool = candidate_pool
        self.online_pool = online_pool
        self.mobility_reach = mobility_reach
        self.cache = cache
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar

    # ---- parameters (scikit-learn's convention) -------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        import inspect

        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

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
        for k, v in params.items():
            setattr(self, k, v)
        try:
            self._validate_params()
        except InvalidParameterError:
            for k, v in old.items():
                setattr(self, k, v)
            raise
        return self

    # ---- fitting -------------------------------------------------------------------------
    def _validate_params(self) -> None:
        if not isinstance(self.n, int) or self.n < 1:
            raise InvalidParameterError(f"n must be a positive integer, not {self.n!r}")
        if not 0.0 <= float(self.diversity) < 1.0:
            raise InvalidParameterError("diversity must be in [0, 1)")
        if self.decay_kind not in ("gauss", "exp", "linear"):
            raise InvalidParameterError(
                f"decay_kind must be 'gauss', 'exp' or 'linear', not {self.decay_kind!r}"
            )
        for name in (
            "decay_scale",
            "decay_offset",
            "facet_weight",
            "dislike_penalty",
            "barrier_penalty",
            "coverage_bonus",
            "lexical_intent_floor",
            "max_widen_factor",
            "online_distance_score",
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InvalidParameterError(f"{name} must be a finite number, not {v!r}")
        if self.decay_scale <= 0 or self.decay_offset < 0:
            raise InvalidParameterError("decay_scale must be > 0 and decay_offset >= 0")
        if not 0 < self.mobility_reach <= 1:
            raise InvalidParameterError("mobility_reach must be in (0, 1]")
        if not 0 <= self.online_distance_score <= 1:
            raise InvalidParameterError("online_distance_score must be in [0, 1]")
        if not 0 <= self.min_confidence < 1:
            raise InvalidParameterError("min_confidence must be in [0, 1)")
        if not 0 <= self.ensemble_weight <= 1:
            raise InvalidParameterError("ensemble_weight must be in [0, 1]")
        if not (
            self.multilingual is None
            or (isinstance(self.multilingual, str) and self.multilingual == "auto")
            or callable(getattr(self.multilingual, "encode", None))
        ):
            raise InvalidParameterError("multilingual must be 'auto', None or an Embedder")
        if not 0 <= self.care_penalty < 1:
            raise InvalidParameterError("care_penalty must be in [0, 1)")
        if not 0 <= self.dislike_penalty <= 1 or not 0 <= self.barrier_penalty <= 1:
            raise InvalidParameterError("dislike_penalty and barrier_penalty must be in [0, 1]")
        if not 0 <= self.unknown_penalty < 1 or not 0 <= self.stale_penalty < 1:
            raise InvalidParameterError("unknown_penalty and stale_penalty must be in [0, 1)")
        if self.candidate_pool is not None and (
            not isinstance(self.candidate_pool, int) or self.candidate_pool < 1
        ):
            raise InvalidParameterError("candidate_pool must be a positive integer or None")
        if self.online_pool is not None and (
            not isinstance(self.online_pool, int) or self.online_pool < 1
        ):
            raise InvalidParameterError("online_pool must be a positive integer or None")
        if self.category_temperature is not None and not self.category_temperature > 0:
            raise InvalidParameterError("category_temperature must be > 0 or None")
        if self.max_per_category is not None and self.max_per_category < 1:
            raise InvalidParameterError("max_per_category must be >= 1 or None")
        if self.weights is not None and not isinstance(self.weights, Weights):
            raise InvalidParameterError("weights must be an rxmatch.rank.Weights")

    def fit(
        self,
        directory: Directory,
        *,
        embeddings: np.ndarray | None = None,
        multilingual_embeddings: np.ndarray | None = None,
    ) -> Matcher:
        """Embed and index a :class:`Directory`. Returns ``self``.

        ``embeddings`` (optional): precomputed ``(len(directory), dim)`` vectors of the
        resource texts (:func:`resource_text`) made by this matcher's embedder, for example
        from a saved index; they are L2-normalized here and not recomputed.
        ``multilingual_embeddings``: the same for the multilingual encoder. With
        ``embeddings`` given and these not, no multilingual vector set is built.
        """
        if not isinstance(directory, Directory):
            raise TypeError("Matcher.fit expects an rxmatch.Directory (see Directory.load)")
        self._validate_params()
        emb = self.embedder if self.embedder is not None else SentenceTransformerEmbedder()
        cache = self.cache if self.cache is not None else EmbeddingCache()
        df = directory._frame  # read only (``frame`` is a copy)
        texts = (  # what is embedded (nothing when the vectors are given)
            [resource_text(n, d, t) for n, d, t in zip(df["name"], df["description"], df["tags"])]
            if embeddings is None
            else []
        )
        show = self.show_progress_bar if self.show_progress_bar is not None else len(df) > 2000
        if embeddings is None:
            vecs = cache.encode(emb, texts, batch_size=self.batch_size, show_progress_bar=show)
        else:
            vecs = _given_vectors(embeddings, len(df), "embeddings")
        protos = cache.encode(emb, [c.prototype for c in CATEGORIES], batch_size=self.batch_size)
        if protos.shape[1] != vecs.shape[1]:
            raise InvalidParameterError(
                f"embeddings have {vecs.shape[1]} dimensions but the embedder makes {protos.shape[1]}"
            )
        ml = None
        ml_emb = self._multilingual_embedder(emb)
        if ml_emb is not None and (embeddings is None or multilingual_embeddings is not None):
            if multilingual_embeddings is None:
                mvecs = cache.encode(
                    ml_emb, texts, batch_size=self.batch_size, show_progress_bar=show
                )
            else:
                mvecs = _given_vectors(multilingual_embeddings, len(df), "multilingual_embeddings")
            mprotos = cache.encode(ml_emb, [c.prototype for c in CATEGORIES])
            if mprotos.shape[1] != mvecs.shape[1]:
                raise InvalidParameterError(
                    "multilingual_embeddings do not have the multilingual encoder's dimensions"
                )
            ml = TextSpace(ml_emb, mvecs, mprotos)
        return self._build(directory, vecs, protos, emb, cache, ml)

    def _multilingual_embedder(self, primary: Embedder) -> Embedder | None:
        """The encoder of non-English answers: ``multilingual`` when it is an Embedder;
        with ``"auto"``, the bundled USEM3 (when its package is installed) beside the
        default English model, none beside any other encoder."""
        m = self.multilingual
        if m is None:
            return None
        if not isinstance(m, str):
            return m
        if not str(getattr(primary, "name", "")).startswith(DEFAULT_EMBEDDER_NAME):
            return None  # another encoder: its own multilingual reach is the user's choice
        from .features.multilingual import bundled_multilingual

        return bundled_multilingual()

    def _build(
        self,
        directory: Directory,
        vecs: np.ndarray,
        protos: np.ndarray,
        emb: Embedder,
        cache: EmbeddingCache,
        multilingual: TextSpace | None = None,
    ) -> Matcher:
        df = directory._frame  # read only (``frame`` is a copy)
        cats = _objects(df["category"], str)
        inferred = np.array([c is None for c in cats], dtype=bool)
        if inferred.any():
            best = np.asarray(vecs[inferred] @ protos.T).argmax(axis=1)
            it = iter(best)
            cats = [CATEGORY_KEYS[next(it)] if c is None else c for c in cats]
        category_index = np.array([CATEGORY_KEYS.index(c) for c in cats], dtype=np.intp)

        lat = df["lat"].to_numpy(np.float64)
        lon = df["lon"].to_numpy(np.float64)
        has_place = ~np.isnan(lat)
        online = df["online"].to_numpy(bool)
        srad = df["service_radius_km"].to_numpy(np.float64)
        geo_rows = np.flatnonzero(has_place)
        fuzzy = FuzzyIndex().fit(
            {
                "name": list(df["name"]),
                "tags": [" ".join(t) for t in df["tags"]],
                "description": list(df["description"]),
            },
            extra_vocabulary=TAXONOMY_VOCABULARY,
        )
        free = _objects(df["free"], bool)
        table = ResourceTable(
            ids=df["id"].to_numpy(object),
            names=list(df["name"]),
            descriptions=list(df["description"]),
            tags=list(df["tags"]),
            categories=cats,
            category_inferred=inferred,
            lat=lat,
            lon=lon,
            online=online,
            has_place=has_place,
            service_radius_km=srad,
            min_age=df["min_age"].to_numpy(np.float64),
            max_age=df["max_age"].to_numpy(np.float64),
            free=free,
            cost=_objects(df["cost"], str),
            languages=list(df["languages"]),
            accessibility=list(df["accessibility"]),
            sessions=list(df["sessions"]),
            last_verified=_objects(df["last_verified"], None),
            embeddings=vecs,
            geo=GeoIndex(lat[geo_rows], lon[geo_rows]),
            geo_rows=geo_rows,
            online_rows=np.flatnonzero(online),
            outreach_rows=np.flatnonzero(has_place & ~np.isnan(srad) & (srad > 0)),
            fuzzy=fuzzy,
        )
        eligibility = EligibilityIndex(
            min_age=table.min_age,
            max_age=table.max_age,
            languages=table.languages,
            accessibility=table.accessibility,
            free=free,
            online=online,
            has_place=has_place,
            category_index=category_index,
        )
        # whole words of the lists in f"{name} {description} {tags}".lower()
        strenuous, crowded = phrase_flags(
            (STRENUOUS_WORDS, CROWD_WORDS),
            (table.names, table.descriptions, [" ".join(tg) for tg in table.tags]),
        )
        derived = {
            "category_index": category_index,
            "has_sessions": np.array([len(x) > 0 for x in table.sessions], dtype=bool),
            "strenuous": strenuous,
            "crowded": crowded,
            "verified_ordinal": np.array(
                [np.nan if d is None else d.toordinal() for d in table.last_verified],
                dtype=np.float64,
            ),
            "kinds": resource_kinds(table.names, table.tags, table.descriptions).astype(np.float32),
        }
        return self._install(
            table, eligibility, derived, protos, emb, cache, directory, multilingual=multilingual
        )

    def _install(
        self,
        table: ResourceTable,
        eligibility: EligibilityIndex,
        derived: Mapping[str, np.ndarray],
        protos: np.ndarray,
        emb: Embedder,
        cache: EmbeddingCache,
        directory: Directory | None,
        directory_loader: Any = None,
        *,
        multilingual: TextSpace | None = None,
        contacts: Mapping[str, Sequence[str | None]] | None = None,
    ) -> Matcher:
        """Set the fitted state from its parts (by ``fit``, and by loading a saved index,
        which passes ``directory_loader`` to decode the Directory only when asked for, and
        the saved ``contacts`` columns that serve ``Match.resource`` until then).
        ``_generation`` is odd while the state is being replaced and even once it is
        whole: a ranking that overlaps a replacement raises :class:`IndexChangedError`."""
        self._generation = getattr(self, "_generation", 0) | 1  # odd: being replaced
        self.table_ = table
        self.eligibility_ = eligibility
        # contiguous copy of the online resources' vectors (a few % of rows): ranks them
        # without gathering from the (possibly memory-mapped) matrix on every query
        online_vecs = derived.get("online_embeddings")  # stored by a saved index
        self.online_embeddings_ = (
            np.ascontiguousarray(table.embeddings[table.online_rows])
            if online_vecs is None
            else online_vecs
        )
        self.has_sessions_ = np.asarray(derived["has_sessions"], dtype=bool)
        self.strenuous_ = np.asarray(derived["strenuous"], dtype=bool)
        self.crowded_ = np.asarray(derived["crowded"], dtype=bool)
        self.adult_only_ = np.nan_to_num(table.min_age, nan=0.0) >= 16
        self.category_index_ = np.asarray(derived["category_index"], dtype=np.intp)
        self.verified_ordinal_ = np.asarray(derived["verified_ordinal"], dtype=np.float64)
        kinds = derived.get("kinds")  # absent from indexes saved before kinds existed
        if kinds is None:
            kinds = resource_kinds(table.names, table.tags, table.descriptions)
        self.kinds_ = np.asarray(kinds, dtype=np.float32)
        self.care_share_ = care_share(self.kinds_)
        self.prototypes_ = protos
        self.taxonomy_vocabulary_ = TAXONOMY_VOCABULARY
        self.category_stems_ = [
            {stem(w) for v in c.vocabulary for w in v.split()} for c in CATEGORIES
        ]
        self.embedder_ = emb
        self.cache_ = cache
        self.multilingual_ = multilingual
        self._directory = directory
        self._directory_loader = directory_loader
        self._saved_contacts = contacts
        self._tokens_cache: dict[int, dict[str, FieldTokens]] = {}
        self._generation += 1  # even: whole again
        self.reference_date_ = self.reference_date or date.today()
        age_days = self.reference_date_.toordinal() - self.verified_ordinal_
        self.freshness_ = freshness_factor(age_days / 365.25, max_penalty=self.stale_penalty)
        return self

    @property
    def directory_(self) -> Directory:
        """The fitted Directory (decoded from a loaded index's table on first access)."""
        self._check_fitted()
        d = self._directory
        if d is None:  # two threads may both decode it; either result is the same
            d = self._directory = self._directory_loader()
        return d

    # ---- incremental updates -------------------------------------------------------------
    def _with_records(self, records: pd.DataFrame | Directory, *, replace: bool) -> Matcher:
        import pandas as pd

        self._check_fitted()
        refuse_text(records, "update" if replace else "add", "a DataFrame, a Directory or a list")
        new = (
            records
            if isinstance(records, Directory)
            else Directory.from_frame(
                pd.DataFrame(records) if not isinstance(records, pd.DataFrame) else records,
                source="update",
            )
        )
        old = self.directory_.frame
        new_f = new.frame
        clash = set(new_f["id"]) & set(old["id"])
        if replace:
            missing = set(new_f["id"]) - set(old["id"])
            if missing:
                raise InvalidParameterError(
                    f"update: no resource with id(s) {sorted(missing)[:5]}; use add()"
                )
        elif clash:
            raise InvalidParameterError(
                f"add: id(s) {sorted(clash)[:5]} already in the index; use update()"
            )
        keep = ~old["id"].isin(new_f["id"])
        frame = pd.concat([old[keep.to_numpy()], new_f], ignore_index=True)
        report = LoadReport(
            self.directory_.report.source,
            self.directory_.report.n_input + new.report.n_input,
            len(frame),
            self.directory_.report.skipped + new.report.skipped,
            self.directory_.report.issues + new.report.issues,
        )
        return self._refit(Directory(frame, report))

    def _refit(self, directory: Directory) -> Matcher:
        """Refit on ``directory``, embedding only new or changed resource texts."""
        t = self.table_
        old_text = {
            rid: resource_text(n, d, tg)
            for rid, n, d, tg in zip(t.ids, t.names, t.descriptions, t.tags)
        }
        old_pos = {rid: i for i, rid in enumerate(t.ids)}
        df = directory.frame
        texts = [
            resource_text(n, d, tg) for n, d, tg in zip(df["name"], df["description"], df["tags"])
        ]
        # which rows keep their vectors (same id, same text) and from where: found once,
        # used for every vector set of the index
        kept, kept_from, todo = [], [], []
        for i, (rid, text) in enumerate(zip(df["id"], texts)):
            if old_text.get(rid) == text:
                kept.append(i)
                kept_from.append(old_pos[rid])
            else:
                todo.append(i)
        self.n_reembedded_ = len(todo)

        def reuse(old: np.ndarray, embedder: Embedder) -> np.ndarray:
            out = np.empty((len(df), old.shape[1]), dtype=np.float32)
            out[kept] = old[kept_from]
            if todo:
                out[todo] = self.cache_.encode(
                    embedder, [texts[i] for i in todo], batch_size=self.batch_size
                )
            return out

        vecs = reuse(t.embeddings, self.embedder_)
        ml = self.multilingual_
        if ml is not None:
            ml = TextSpace(ml.embedder, reuse(ml.embeddings, ml.embedder), ml.prototypes)
        return self._build(directory, vecs, self.prototypes_, self.embedder_, self.cache_, ml)

    def add(self, records: pd.DataFrame | Directory | list[dict[str, Any]]) -> Matcher:
        """Add new resources to a fitted index; only their texts are embedded."""
        return self._with_records(records, replace=False)

    def update(self, records: pd.DataFrame | Directory | list[dict[str, Any]]) -> Matcher:
        """Replace existing resources (matched by ``id``); only changed texts are embedded."""
        return self._with_records(records, replace=True)

    def remove(self, ids: Iterable[str]) -> Matcher:
        """Remove resources by id (unknown ids raise :class:`InvalidParameterError`)."""
        self._check_fitted()
        ids = set(id_list(ids, "remove: ids"))
        old = self.directory_.frame
        unknown = ids - set(old["id"])
        if unknown:
            raise InvalidParameterError(f"remove: no resource with id(s) {sorted(unknown)[:5]}")
        frame = old[~old["id"].isin(ids).to_numpy()].reset_index(drop=True)
        if frame.empty:
            raise InvalidParameterError("remove: that would leave the index empty")
        rep = self.directory_.report
        return self._refit(
            Directory(
                frame, LoadReport(rep.source, rep.n_input, len(frame), rep.skipped, rep.issues)
            )
        )

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
        fingerprinted in the manifest. See :func:`rxmatch.persistence.save_matcher`."""
        from .persistence import save_matcher

        self._check_fitted()
        save_matcher(self, path, query_encoder=query_encoder, source=source)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        embedder: Embedder | None = None,
        multilingual: Embedder | Literal["auto"] | None = "auto",
        mmap: bool = True,
        backend: Literal["auto", "onnx", "torch"] = "auto",
        threads: int | Literal["auto"] | None = "auto",
        reference_date: date | str | None = None,
    ) -> Matcher:
        """Load an index saved with :meth:`save`; the embeddings are memory-mapped.
        ``multilingual``: the encoder of non-English answers when the index holds a
        multilingual vector set (``"auto"``: the bundled USEM3; ``None``: ignore it).
        ``backend``: the default query encoder runs on onnxruntime when installed
        (``"auto"``, no torch import), or ``"onnx"`` / ``"torch"``; ``threads``: its
        threads (``"auto"``: ``$RXMATCH_THREADS`` or 1); ``reference_date``: "today" for
        freshness (a date, ISO string or ``"today"``; default the fit date). See
        :func:`rxmatch.persistence.load_matcher`."""
        from .persistence import load_matcher

        return load_matcher(
            path,
            embedder=embedder,
            multilingual=multilingual,
            mmap=mmap,
            backend=backend,
            threads=threads,
            reference_date=reference_date,
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "table_"):
            raise NotFittedError("this Matcher is not fitted yet: call fit(directory) first")

    @property
    def categories_(self) -> list[str]:
        """The category of every resource (given, or inferred), in directory order."""
        self._check_fitted()
        return list(self.table_.categories)

    # ---- recommending --------------------------------------------------------------------
    def _k(self, k: int | None) -> int:
        k = self.n if k is None else k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise InvalidParameterError(f"k must be an integer, not {type(k).__name__}")
        if k < 1:
            raise InvalidParameterError(f"k must be at least 1, not {k}")
        return int(k)

    def _encode_person(self, texts: list[str], *, batch_size: int) -> np.ndarray:
        """Embed a person's words: with the embedder's ``encode_queries`` when it has one
        (asymmetric models such as E5 prefix queries differently from passages)."""
        encode = getattr(self.embedder_, "encode_queries", None) or self.embedder_.encode
        return encode(texts, batch_size=batch_size)

    def query_text(self, text: str) -> str:
        """The person's words as embedded: likely typos corrected against the directory's
        and the taxonomy's vocabulary ("gardning" → "gardening")."""
        self._check_fitted()
        return self.table_.fuzzy.correct(text)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed a person's words (never cached, never logged)."""
        self._check_fitted()
        return self._encode_person([self.query_text(text)], batch_size=1)[0]

    def encode(self, referral: Referral) -> EncodedQuery:
        """Embed a referral's words and facets in one batch (see :class:`EncodedQuery`)."""
        return self.encode_many([referral])[0]

    def encode_many(self, referrals: Sequence[Referral]) -> list[EncodedQuery]:
        """Embed many referrals' words and facets in one batch per encoder. A non-English
        answer (detected offline) is embedded by the multilingual encoder, when the index
        has one; an English one by this matcher's embedder (and, with ``ensemble_weight``,
        its wishes by the multilingual encoder too)."""
        self._check_fitted()
        ml = self.multilingual_
        texts: list[str] = []
        ml_texts: list[str] = []
        plan = []
        for r in referrals:
            lang = "en" if ml is None else answer_language(r.what_matters)
            # in the primary space: English, and languages the multilingual encoder was
            # not trained on (then both encoders are asked, as for English)
            english = lang == "en" or not _supports(ml, lang)
            # the facet cues are English and Spanish: other answers are read whole
            f = (
                split_facets(r.what_matters)
                if self.facets and lang in FACET_LANGUAGES
                else Facets()
            )
            interests, dislikes = self._facet_texts(f)
            main = self._main_text(r.what_matters, f)
            if english:
                start = len(texts)
                fix = self.query_text if lang == "en" else str  # English typo correction
                texts.extend(fix(x) for x in (main, *interests, *dislikes))
                ens = -1
                if ml is not None and self.ensemble_weight > 0:
                    ens = len(ml_texts)
                    ml_texts.append(main)
            else:  # the multilingual space: no English typo correction
                start, ens = len(ml_texts), -1
                ml_texts.extend([main, *interests, *dislikes])
            plan.append(
                (english, f, start, len(interests), len(dislikes), self._named_categories(r), ens)
            )
        if not plan:
            return []
        try:  # an encoder's error may hold the words: never let it reach a log
            vecs = self._encode_person(texts, batch_size=self.batch_size) if texts else None
            ml_vecs = None
            if ml_texts:
                encode = getattr(ml.embedder, "encode_queries", None) or ml.embedder.encode
                ml_vecs = encode(ml_texts, batch_size=self.batch_size)
        except UnicodeError:
            raise ReferralError("the words could not be encoded", field="what_matters") from None
        out = []
        for english, f, start, n_i, n_d, named, ens in plan:
            v = vecs if english else ml_vecs
            out.append(
                EncodedQuery(
                    vector=v[start],
                    facets=f,
                    interest_vectors=v[start + 1 : start + 1 + n_i] if n_i else None,
                    dislike_vectors=v[start + 1 + n_i : start + 1 + n_i + n_d] if n_d else None,
                    named_categories=named,
                    space="primary" if english else "multilingual",
                    ensemble_vector=None if ens < 0 else ml_vecs[ens],
                )
            )
        return out

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
        self._check_fitted()
        if isinstance(referral, Referral):
            ref = referral
        elif isinstance(referral, Mapping):
            ref = Referral.from_mapping(referral)
        else:
            raise ReferralError("must be a Referral or a mapping", field="referral")
        k = self._k(k)
        if query_vector is not None and not isinstance(query_vector, EncodedQuery):
            v = np.asarray(query_vector, dtype=np.float32).ravel()
            if v.shape != (self.table_.embeddings.shape[1],) or not np.isfinite(v).all():
                raise InvalidParameterError(
                    f"query_vector must be {self.table_.embeddings.shape[1]} finite numbers"
                )
        gen = self._stable_generation()
        try:
            q = self.encode(ref) if query_vector is None else query_vector
            out = self._rank(ref, q, k)
        except (IndexError, ValueError, KeyError):
            self._check_generation(gen)
            raise
        self._check_generation(gen)
        if outcomes is not None:
            outcomes.log_shown(out)
        return out

    def _stable_generation(self) -> int:
        gen = getattr(self, "_generation", 0)
        if gen % 2:
            raise IndexChangedError(
                "the index is being updated (add/update/remove in another thread); retry"
            )
        return gen

    def _check_generation(self, gen: int) -> None:
        if getattr(self, "_generation", 0) != gen:
            raise IndexChangedError(
                "the index changed while this query ran (add/update/remove in another "
                "thread); no mixed result is returned: retry"
            ) from None

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
        dicts)
        (row, field, reason), and a warning gives their count.
        """
        import warnings

        import pandas as pd

        self._check_fitted()
        k = self._k(k)
        if errors not in ("raise", "skip"):
            raise InvalidParameterError(f"errors must be 'raise' or 'skip', not {errors!r}")
        refs: list[Referral] = []
        skipped: list[dict[str, Any]] = []
        if isinstance(referrals, pd.DataFrame):
            items: Iterable[Any] = (row for _, row in referrals.iterrows())
        else:
            items = referrals
        for i, item in enumerate(items):
            try:
                r = item if isinstance(item, Referral) else Referral.from_mapping(dict(item))
                if r.referral_id is None:
                    r = r.replace(referral_id=str(i))
                refs.append(r)
            except RxMatchError as exc:
                if errors == "raise":
                    raise ReferralError(f"referral at row {i}: {exc}") from exc
                skipped.append({"row": i, "field": getattr(exc, "field", None), "reason": str(exc)})
        frames = []
        gen = self._stable_generation()
        try:
            if refs:
                encoded = self.encode_many(refs)
                # the online pool of every referral from one matrix product per batch
                online = self._online_subsets(
                    np.stack(
                        [
                            np.asarray(v.vector, dtype=np.float32)
                            if v.space == "primary"
                            else np.zeros(self.table_.embeddings.shape[1], dtype=np.float32)
                            for v in encoded
                        ]
                    ),
                    [
                        (r.online_ok or r.online_only) and v.space == "primary"
                        for r, v in zip(refs, encoded)
                    ],
                )
                online = [o if v.space == "primary" else None for o, v in zip(online, encoded)]
                for r, v, o in zip(refs, encoded, online):
                    frames.append(self._rank(r, v, k, online_rows=o).to_frame())
        except (IndexError, ValueError, KeyError):
            self._check_generation(gen)
            raise
        self._check_generation(gen)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        # a list of {"row", "field", "reason"} (a DataFrame in attrs breaks pd.concat)
        out.attrs["skipped"] = skipped
        if skipped:
            warnings.warn(
                f"{len(skipped)} referrals skipped; see result.attrs['skipped']", stacklevel=2
            )
        return out

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

    # ---- internals -----------------------------------------------------------------------
    def _online_subsets(
        self, Q: np.ndarray, wanted: Sequence[bool], *, batch: int = 256
    ) -> list[np.ndarray | None]:
        """:meth:`_online_subset` for a batch of query vectors ``Q`` (one row each), with one
        matrix product per ``batch`` referrals instead of one matrix-vector product each. A
        short list (``online_pool`` + 32) from the batch product is re-scored with the
        per-query product, so the pools are those :meth:`recommend` finds."""
        t = self.table_
        pool = self.online_pool
        n_online = len(t.online_rows)
        if pool is None or n_online <= pool:
            return [None] * len(Q)
        short = min(n_online, pool + 32)
        out: list[np.ndarray | None] = []
        for lo in range(0, len(Q), batch):
            S = Q[lo : lo + batch] @ self.online_embeddings_.T  # (batch, n_online)
            for j, sims in enumerate(S):
                if not wanted[lo + j]:
                    out.append(np.empty(0, dtype=np.intp))  # not used: online is not ok
                    continue
                cand = np.sort(np.argpartition(-sims, short - 1)[:short])
                exact = self.online_embeddings_[cand] @ Q[lo + j]
                idx = cand[np.argpartition(-exact, pool - 1)[:pool]]
                out.append(np.sort(t.online_rows[idx]))
        return out

    def _online_subset(self, q: np.ndarray | None) -> np.ndarray | None:
        """With more online resources than ``online_pool``, the ``online_pool`` closest in
        meaning (one product over their contiguous embeddings); else all of them."""
        t = self.table_
        pool = self.online_pool
        if q is None or pool is None or len(t.online_rows) <= pool:
            return None
        sims = self.online_embeddings_ @ q
        idx = np.argpartition(-sims, pool - 1)[:pool]
        return np.sort(t.online_rows[idx])

    def _reach_km(self, ref: Referral, facets: Facets) -> tuple[float, list[str]]:
        """The radius after the person's barriers: without an explicit ``max_km``, "no car"
        caps it at the transit radius (unless they travel on foot or by bike) and a mobility
        limit shrinks it by ``mobility_reach``. An explicit ``max_km`` is kept as given."""
        radius = ref.radius_km
        notes: list[str] = []
        if ref.max_km is not None:
            return radius, notes
        kinds = facets.barrier_kinds
        if "no_car" in kinds and ref.travel_mode in (None, "car"):
            capped = min(radius, TRAVEL_RADIUS_KM["transit"])
            if capped < radius:
                notes.append(f"no car: reach limited to {capped:g} km (public transport)")
            radius = capped
        if "mobility" in kinds and self.mobility_reach < 1.0:
            radius *= self.mobility_reach
            notes.append(f"mobility limits: reach reduced to {radius:.1f} km")
        return radius, notes

    def _candidates(
        self,
        ref: Referral,
        q: np.ndarray | None = None,
        facets: Facets | None = None,
        online_rows: Any = _AUTO,
    ) -> tuple[Any, float, list[str]]:
        t = self.table_
        if online_rows is _AUTO:
            online_rows = self._online_subset(q) if (ref.online_ok or ref.online_only) else None
        radius, notes = self._reach_km(ref, facets or Facets())
        base_radius = radius
        kw = dict(
            lat=ref.lat,
            lon=ref.lon,
            online_ok=ref.online_ok,
            online_only=ref.online_only,
            online_rows=online_rows,
        )
        cands = retrieve_candidates(t, radius_km=radius, **kw)
        if self.widen_if_fewer_than > 0 and not ref.online_only and ref.max_km is None:
            limit = radius * self.max_widen_factor
            while (cands.via != VIA_ONLINE).sum() < self.widen_if_fewer_than and radius < limit:
                radius = min(limit, radius * 1.5)
                cands = retrieve_candidates(t, radius_km=radius, **kw)
            if radius > base_radius:
                notes.append(
                    f"few resources within {base_radius:g} km: search widened to {radius:.1f} km"
                )
        return cands, radius, notes

    def _eligibility_age(self, ref: Referral) -> tuple[float | None, str]:
        """The age eligibility is checked against, and a note when it is not the
        referral's ``age`` (see ``beneficiary``)."""
        if not self.beneficiary:
            return ref.age, ""
        age, source = eligibility_age(ref.age, read_beneficiary(ref.what_matters))
        if source == "beneficiary":
            return age, f"ages checked for the person the words are about ({age:g})"
        if source == "words":
            return age, f"ages checked for the age the words give ({age:g})"
        return age, ""

    def _main_text(self, text: str, f: Facets) -> str:
        """The words embedded as the whole answer: without what the person dislikes and,
        with ``query_without_barriers``, without the barriers, so that "I don't like
        singing" does not pull choirs up. Context sentences (a loss, a diagnosis, a move)
        stay unless ``context_in_query=False``: on the real dev splits they help find the
        right kind of group ("newly retired", "new to the area"). Unchanged when nothing
        else is left."""
        drop = list(f.dislikes)
        drop += list(f.barriers) if self.query_without_barriers else []
        drop += [] if self.context_in_query else list(f.context)
        if not self.facets or not drop or not (f.interests or f.context):
            return text
        keep = list(f.interests) + (list(f.context) if self.context_in_query else [])
        if not keep:
            return text
        return ". ".join(x.text for x in sorted(keep, key=lambda x: _position(text, x.text)))

    @staticmethod
    def _facet_texts(f: Facets) -> tuple[list[str], list[str]]:
        """The facets that are embedded on their own: the interests (only when there are
        several, so that each can be matched) and the dislikes."""
        interests = [x.text for x in f.interests] if len(f.interests) >= 2 else []
        return interests, [x.text for x in f.dislikes]

    def _named_categories(self, ref: Referral) -> frozenset[int]:
        """Categories whose words the person names (typo-corrected, English and Spanish)."""
        stems = {stem(w) for w in content_words(self.query_text(ref.what_matters))}
        return frozenset(ci for ci, vocab in enumerate(self.category_stems_) if stems & vocab)

    def candidate_features(
        self,
        referral: Referral,
        query: np.ndarray | EncodedQuery | None = None,
        *,
        online_rows: Any = _AUTO,
    ) -> CandidateFeatures:
        """Candidates → eligibility → score components for one referral: everything about
        its candidates that does not depend on the weights (see
        :func:`rxmatch.rank.score_candidates`). ``query``: an :class:`EncodedQuery` from
        :meth:`encode`, or the vector of the whole answer (facets are then encoded)."""
        self._check_fitted()
        ref = referral
        t = self.table_
        named = None
        if query is None:
            query = self.encode(ref)
        space = self.multilingual_ if getattr(query, "space", "primary") != "primary" else None
        if space is not None and online_rows is _AUTO:
            online_rows = None  # every online resource: the pool is chosen in the primary space
        if isinstance(query, EncodedQuery):
            facets, fvecs, dvecs = query.facets, query.interest_vectors, query.dislike_vectors
            named = query.named_categories
            if not self.facets:
                facets, fvecs, dvecs = Facets(), None, None
            q = query.vector
        else:  # the whole answer's vector, given: facets and the ensemble encoded here
            q = query
            enc = self.encode(ref)
            facets, fvecs, dvecs = enc.facets, enc.interest_vectors, enc.dislike_vectors
            named = enc.named_categories
            if enc.space != "primary":  # the given vector is the primary embedder's
                fvecs = dvecs = None
            query = replace(
                enc, vector=q, space="primary", interest_vectors=fvecs, dislike_vectors=dvecs
            )
        if named is None:
            named = self._named_categories(ref)
        q = np.asarray(q, dtype=np.float32).ravel()
        cands, reach, notes = self._candidates(ref, q, facets, online_rows)
        age, age_note = self._eligibility_age(ref)
        if age_note:
            notes.append(age_note)
        rows = cands.rows
        excluded_idx = [CATEGORY_KEYS.index(c) for c in ref.excluded_categories]
        elig = self.eligibility_.check(
            rows,
            age=age,
            languages=ref.languages,
            accessibility_needs=ref.accessibility_needs,
            free_only=ref.free_only,
            online_only=ref.online_only,
            online_ok=ref.online_ok,
            excluded_category_index=excluded_idx,
        )
        keep = elig.keep
        fits: dict[int, tuple[float | None, Any]] = {}  # table row -> schedule_fit(...)

        def fit_of(r: int) -> tuple[float | None, Any]:
            got = fits.get(r)
            if got is None:
                got = fits[r] = schedule_fit(t.sessions[r], ref.windows)
            return got

        if ref.availability_required and ref.windows:
            code = tuple(REASON_CODES).index("schedule_conflict")
            for i in np.flatnonzero(keep & self.has_sessions_[rows]):
                fit, _ = fit_of(int(rows[i]))
                if not fit:
                    keep[i] = False
                    elig.code[i] = code
            elig.flags[keep & ~self.has_sessions_[rows]] |= 8
        ex_rows, ex_codes = rows[~keep], elig.code[~keep]
        rows, dist, via, flags = (
            rows[keep],
            cands.distance_km[keep],
            cands.via[keep],
            elig.flags[keep],
        )

        comps: dict[str, np.ndarray] = {}
        sem32, per_facet32, dislike32 = candidate_similarities(
            t.embeddings if space is None else space.embeddings,
            rows,
            [q, fvecs if len(rows) else None, dvecs if len(rows) else None],
        )
        ens = getattr(query, "ensemble_vector", None)
        if ens is not None and self.multilingual_ is not None and len(rows) > 1:
            sem32 = _ensemble(
                sem32, self.multilingual_.embeddings[rows] @ ens, self.ensemble_weight
            )
        if space is not None and len(rows) > 1:
            # another encoder's cosines live on another scale: put them on the default
            # encoder's (the scale the weights were set on), keeping their order
            sem32, per_facet32 = (
                _on_reference_scale(sem32),
                (None if per_facet32 is None else _on_reference_scale(per_facet32)),
            )
        sem = np.clip(sem32, 0.0, 1.0).astype(np.float64)
        facet_of = None
        if per_facet32 is not None:
            per_facet = np.clip(per_facet32, 0.0, 1.0).astype(np.float64)
            facet_of = per_facet.argmax(axis=1)
            sem = (1 - self.facet_weight) * sem + self.facet_weight * per_facet.max(axis=1)
        pool = self.candidate_pool
        if pool is not None and len(rows) > pool:
            # two-stage: score fully only the ``pool`` closest in meaning (ties by position)
            keep_i = np.sort(np.argpartition(-sem, pool - 1)[:pool])
            rows, dist, via, flags = rows[keep_i], dist[keep_i], via[keep_i], flags[keep_i]
            sem = sem[keep_i]
            facet_of = None if facet_of is None else facet_of[keep_i]
            dislike32 = None if dislike32 is None else dislike32[keep_i]
        comps["semantic"] = sem
        wishes = self._main_text(ref.what_matters, facets)
        lexical, words = t.fuzzy.score(wishes, rows)
        comps["lexical"] = lexical
        d_score = decay(
            np.where(np.isnan(dist), 0.0, dist),
            kind=self.decay_kind,
            offset=self.decay_offset * reach,
            scale=self.decay_scale * reach,
        )
        d_score = np.where(via == VIA_ONLINE, self.online_distance_score, d_score)
        d_score = np.where(via == VIA_OUTREACH, 1.0, d_score)
        comps["distance"] = d_score
        if space is None:
            temp = self.category_temperature or getattr(
                self.embedder_, "category_temperature", 0.05
            )
            affinity = category_affinity(q, self.prototypes_, float(temp))
        else:
            affinity = category_affinity(q, space.prototypes, space.category_temperature)
        for ci in named:
            affinity[ci] = max(affinity[ci], self.lexical_intent_floor)
        comps["category_fit"] = affinity[self.category_index_[rows]]
        best_sessions: dict[int, Any] = {}
        if ref.windows:
            sched = np.full(len(rows), 0.5)
            for i in np.flatnonzero(self.has_sessions_[rows]):
                fit, best = fit_of(int(rows[i]))
                sched[i] = fit
                best_sessions[int(i)] = best
            comps["schedule"] = sched
        wants_free = ref.prefer_free or ref.free_only or "money" in facets.barrier_kinds
        if ref.preferred_categories or wants_free:
            pref = np.zeros(len(rows))
            parts = 0
            if ref.preferred_categories:
                keys = [CATEGORY_KEYS.index(c) for c in ref.preferred_categories]
                pref += np.isin(self.category_index_[rows], keys)
                parts += 1
            if wants_free:
                fr = self.eligibility_.free[rows]
                pref += np.where(fr == 1, 1.0, np.where(fr < 0, 0.5, 0.0))
                parts += 1
            comps["preference"] = pref / parts
        return CandidateFeatures(
            rows=rows,
            distance_km=dist,
            via=via,
            flags=flags,
            components=comps,
            freshness=self.freshness_[rows],
            barrier_conflicts=self._barrier_conflicts(facets, rows),
            care_share=self.care_share_[rows],
            asks_for_care=asks_for_care([wishes]),
            dislike_similarity=(
                None if dislike32 is None else np.clip(dislike32, 0.0, 1.0).max(axis=1)
            ),
            facet_of=facet_of,
            excluded_rows=ex_rows,
            excluded_codes=ex_codes,
            notes=tuple(notes),
            n_candidates=len(cands),
            words=words,
            best_sessions=best_sessions,
            facets=facets,
            reach_km=float(reach),
        )

    def score(
        self,
        referral: Referral,
        query: np.ndarray | EncodedQuery | None = None,
        *,
        online_rows: Any = _AUTO,
    ) -> ScoredCandidates:
        """Every eligible candidate of ``referral`` with its score components and final
        score, before re-ranking (:meth:`candidate_features`, then
        :func:`rxmatch.rank.score_candidates` with this matcher's weights and penalties)."""
        return score_candidates(
            self.candidate_features(referral, query, online_rows=online_rows),
            **self.score_params(),
        )

    def score_params(self) -> dict[str, Any]:
        """The keyword arguments of :func:`rxmatch.rank.score_candidates` this matcher
        uses."""
        return {
            "weights": self.weights or DEFAULT_WEIGHTS,
            "unknown_penalty": self.unknown_penalty,
            "barrier_penalty": self.barrier_penalty,
            "dislike_penalty": self.dislike_penalty,
            "care_penalty": self.care_penalty,
        }

    def _exclusions(self, ref: Referral, features: CandidateFeatures) -> tuple[Exclusion, ...]:
        t = self.table_
        out = []
        for r, c in zip(features.excluded_rows, features.excluded_codes):
            code = reason_code(int(c))
            out.append(
                Exclusion(
                    str(t.ids[r]),
                    code,
                    exclusion_reason(
                        code,
                        min_age=t.min_age[r],
                        max_age=t.max_age[r],
                        languages=t.languages[r],
                        accessibility_needs=ref.accessibility_needs,
                        res_access=t.accessibility[r],
                    ),
                )
            )
        return tuple(out)

    def _barrier_conflicts(self, facets: Facets, rows: np.ndarray) -> np.ndarray:
        """How many of the person's barriers each resource conflicts with (strenuous
        activities for a mobility limit, adults-only groups for someone bringing a child,
        large events for someone who avoids crowds, in-person places for the housebound)."""
        n = np.zeros(len(rows), dtype=np.int8)
        kinds = facets.barrier_kinds
        if "mobility" in kinds:
            n += self.strenuous_[rows]
        if "child" in kinds:
            n += self.adult_only_[rows]
        if "crowds" in kinds:
            n += self.crowded_[rows]
        if "housebound" in kinds:
            n += ~(self.table_.online[rows] | np.isin(rows, self.table_.outreach_rows))
        return n

    def _field_tokens(self, r: int) -> dict[str, FieldTokens]:
        """The content words of resource ``r``'s name, tags and description, cached (they
        are directory text; the cache is bounded and emptied by every fit)."""
        cache = self._tokens_cache
        got = cache.get(r)
        if got is None:
            t = self.table_
            got = t.fuzzy.field_tokens(
                {"name": t.names[r], "tags": " ".join(t.tags[r]), "description": t.descriptions[r]}
            )
            if len(cache) >= 8192:
                cache.clear()
            cache[r] = got
        return got

    def _rank(
        self, ref: Referral, q: np.ndarray | EncodedQuery, k: int, online_rows: Any = _AUTO
    ) -> Recommendations:
        t = self.table_
        scored = self.score(ref, q, online_rows=online_rows)
        f = scored.features
        rows = f.rows
        order = rerank(
            scored,
            lambda idx: t.embeddings[rows[idx]],
            _Take(t.ids, rows),
            self.category_index_[rows],
            k,
            diversity=self.diversity,
            max_per_category=self.max_per_category,
            coverage_bonus=self.coverage_bonus,
        )
        conf = confidence(scored.scores[order]) if len(order) else np.zeros(0)
        notes = list(f.notes)
        if len(order) and conf.max() < LOW_CONFIDENCE:
            notes.append(
                f"no strong match in reach: the best has a confidence of {conf.max():.0%}; "
                "consider a wider search or another kind of help"
            )
        elif not len(order) and f.n_candidates == 0:
            notes.append("nothing in the directory is within reach of this home")
        if ref.languages and len(f.excluded_codes):
            lang_code = tuple(REASON_CODES).index("language")
            if not len(order) and (np.asarray(f.excluded_codes) == lang_code).all():
                notes.append(
                    "every resource in reach was left out for language: none lists the "
                    "language(s) given (check the spelling, e.g. 'English', 'Spanish')"
                )
        if self.min_confidence > 0 and len(order):
            held = int((conf < self.min_confidence).sum())
            if held:
                order, conf = order[conf >= self.min_confidence], conf[conf >= self.min_confidence]
                notes.append(
                    f"{held} weaker match(es) held back (confidence below "
                    f"{self.min_confidence:.0%})"
                )
        interests = f.facets.interests
        via_names = {0: "radius", 1: "outreach", 2: "online"}
        matches = []
        for rank, i in enumerate(order, start=1):
            r = rows[i]
            comp = {name: float(v[i]) for name, v in f.components.items()}
            dist = float(f.distance_km[i])
            flags = flag_texts(int(f.flags[i]))
            best = f.best_sessions.get(int(i))
            km = None if math.isnan(dist) else dist
            via = via_names[int(f.via[i])]
            facet = interests[int(f.facet_of[i])].text if f.facet_of is not None else None
            matched = (
                t.fuzzy.explain(f.words, tokens=self._field_tokens(int(r)))
                if comp.get("lexical", 0) > 0
                else []
            )
            reasons = explain_match(
                matched=matched,
                components=comp,
                distance_km=km,
                via=via,
                category=t.categories[r],
                category_inferred=bool(t.category_inferred[r]),
                free=t.free[r],
                cost=t.cost[r],
                best_session=best,
                sessions=t.sessions[r],
                availability_given=bool(ref.windows),
                flags=flags,
                last_verified=t.last_verified[r],
                today=self.reference_date_,
                travel_mode=ref.travel_mode,
                facet=facet,
            )
            matches.append(
                Match(
                    rank=rank,
                    resource_id=str(t.ids[r]),
                    name=t.names[r],
                    category=t.categories[r],
                    category_inferred=bool(t.category_inferred[r]),
                    score=float(scored.scores[i]),
                    components=comp,
                    distance_km=None if km is None else round(km, 3),
                    online=bool(t.online[r]),
                    reasons=reasons,
                    matched_words=tuple(matched),
                    flags=flags,
                    confidence=float(conf[rank - 1]),
                    summary=summarize_match(
                        category=t.categories[r],
                        distance_km=km,
                        via=via,
                        free=t.free[r],
                        cost=t.cost[r],
                        matched=matched,
                        facet=facet,
                        semantic=comp.get("semantic", 0.0),
                        best_session=best,
                        fits_fully=best is not None and comp.get("schedule", 0) >= 0.99,
                        flags=flags,
                        travel_mode=ref.travel_mode,
                    ),
                    resource=self._resource_facts(int(r)),
                )
            )
        home = (ref.lat, ref.lon) if ref.lat is not None and ref.lon is not None else None
        return Recommendations(
            matches=tuple(matches),
            referral_id=ref.referral_id,
            notes=tuple(notes),
            n_candidates=f.n_candidates,
            exclusions=self._exclusions(ref, f),
            facets=tuple(f.facets.describe()),
            _context=WhyNotContext(
                t,
                home=home,
                reach_km=f.reach_km,
                online_ok=ref.online_ok,
                online_only=ref.online_only,
                rows=rows,
                scores=scored.scores,
                min_confidence=self.min_confidence,
                skipped=self._skipped_at_load(),
                k=k,
            ),
        )

    def __repr__(self) -> str:
        fitted = f", fitted on {len(self.table_)} resources" if hasattr(self, "table_") else ""
        return f"Matcher(embedder={self.embedder!r}, n={self.n}{fitted})"

    def _skipped_at_load(self) -> Sequence[Any]:
        """The rows the directory's load report skipped (``RowProblem``s), when the report
        is at hand without decoding a saved index's table; else none."""
        d = self._directory
        report = d.report if d is not None else getattr(self._directory_loader, "report", None)
        return () if report is None else report.skipped

    def _resource_facts(self, r: int) -> dict[str, Any]:
        """Table row ``r``'s facts as plain JSON values (``Match.resource``). Address, city,
        postal code, phone and url are not in the table: they come from the Directory when
        it is in memory (after ``fit``, or once ``directory_`` was decoded), else from the
        contact arrays a loaded index holds (``None`` for an index saved before them)."""
        t = self.table_
        facts: dict[str, Any] = dict.fromkeys(CONTACT_FIELDS)
        d = self._directory
        saved = self._saved_contacts
        if d is None and saved:
            for key, col in saved.items():
                facts[key] = col[r]
        elif d is not None:
            # the contact columns of the Directory in memory, as lists (once per directory)
            cached = getattr(self, "_contact_columns", None)
            if cached is None or cached[0] is not d:
                frame = getattr(d, "_frame", None)
                cols = {
                    c: (frame[c].tolist() if frame is not None and c in frame else None)
                    for c in CONTACT_FIELDS
                }
                cached = self._contact_columns = (d, cols)
            rid = str(t.ids[r])
            if rid in d:
                pos = d.position(rid)
                for key, col in cached[1].items():
                    facts[key] = plain(col[pos]) if col is not None else plain(d.get(rid)[key])
        lo, hi = t.min_age[r], t.max_age[r]
        facts.update(
            lat=plain(float(t.lat[r])) if t.has_place[r] else None,
            lon=plain(float(t.lon[r])) if t.has_place[r] else None,
            online=bool(t.online[r]),
            schedule=plain(t.sessions[r]),
            free=None if t.free[r] is None else bool(t.free[r]),
            cost=plain(t.cost[r]),
            languages=plain(list(t.languages[r])),
            accessibility=plain(list(t.accessibility[r])),
            min_age=self._age(lo),
            max_age=self._age(hi),
            last_verified=plain(t.last_verified[r]),
        )
        return facts

    @staticmethod
    def _age(v: Any) -> int | float | None:
        v = float(v)
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() else v
