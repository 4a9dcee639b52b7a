"""Systems compared in an evaluation: rxmatch and the baselines it must beat.

Every system has the same interface: ``fit(directory_or_shared_index)`` then
``recommend(referral, k)`` returning a :class:`Ranking` (resource ids, best first, with the
distance of each). Every system ranks the **same candidate set**: the resources within the
person's radius, outreach services reaching them and online resources, after rxmatch's
hard eligibility filters (see :class:`~rxmatch.evaluation.shared.SharedIndex`). An
evaluation therefore compares *ranking*, never reach or eligibility. All systems share one
set of embeddings (all-MiniLM-L6-v2 by default), encoded once.

Baselines
---------
``random``            a seeded random order (per referral) of the candidates.
``nearest``           by distance, as directory websites sort ("near me"); online last.
``category_keyword``  the categories whose taxonomy vocabulary the person's words contain
                      (a directory site's category filter), by distance; all candidates by
                      distance when no category word is named.
``bm25``              Okapi BM25 (k1 = 1.5, b = 0.75) of the person's words against the
                      resource name, description and tags; ties (e.g. score 0) by distance.
``dense``             cosine similarity of the embeddings only.
``vector_blend``      Vector Institute *health-rec* ranking: ``0.5 * cosine +
                      0.5 * (1 - min(distance_km / 100, 1))``; online resources get the
                      distance term 0.5 (rxmatch's own online distance score).
``cords_two_stage``   CORDS-style: keep the candidates with cosine >= ``threshold`` (or, if
                      fewer than ``min_keep``, the ``min_keep`` most similar), then sort
                      them by distance (online last).
``rxmatch``           :class:`~rxmatch.Matcher` with its defaults (or given weights).
"""

from __future__ import annotations

import copy
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..directory import Directory
from ..exceptions import InvalidParameterError
from ..features.fuzzy import STOPWORDS, stem, tokenize
from ..features.text import Embedder
from ..matcher import resource_text
from ..rank.scoring import Weights
from ..referral import Referral
from ..taxonomy import CATEGORIES
from .shared import CandidateSet, SharedIndex

__all__ = [
    "Ranking",
    "System",
    "RandomSystem",
    "NearestSystem",
    "CategoryKeywordSystem",
    "BM25System",
    "DenseSystem",
    "VectorBlendSystem",
    "CordsTwoStageSystem",
    "RxMatchSystem",
    "RxMatchE5System",
    "SYSTEMS",
    "OPT_IN_SYSTEMS",
    "make_system",
]


@dataclass(frozen=True)
class Ranking:
    """One system's list for one referral: resource ids best first, the distance of each
    in km (``None`` for a resource reached online) and its category."""

    ids: tuple[str, ...]
    distance_km: tuple[float | None, ...]
    categories: tuple[str | None, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)


class System:
    """Base class of evaluated systems: subclasses order a :class:`CandidateSet`."""

    name: str = "system"

    def __init__(self) -> None:
        self.shared_: SharedIndex | None = None

    def fit(self, data: Directory | SharedIndex, *, embedder: Embedder | None = None) -> System:
        """Fit on a :class:`~rxmatch.Directory` (builds a :class:`SharedIndex`) or reuse a
        shared one (the embeddings are then not recomputed). Returns ``self``."""
        if isinstance(data, SharedIndex):
            self.shared_ = data
        elif isinstance(data, Directory):
            self.shared_ = SharedIndex.from_directory(data, embedder)
        else:
            raise TypeError("fit expects an rxmatch.Directory or a SharedIndex")
        self._fit_extra(self.shared_)
        return self

    def _fit_extra(self, shared: SharedIndex) -> None:
        """Hook for systems that need more than the shared index (e.g. BM25)."""

    def _shared(self) -> SharedIndex:
        if self.shared_ is None:
            from ..exceptions import NotFittedError

            raise NotFittedError(f"system {self.name!r} is not fitted: call fit first")
        return self.shared_

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        """Positions in ``cands``, best first (all of them or a subset)."""
        raise NotImplementedError

    def recommend(self, referral: Referral, k: int = 10) -> Ranking:
        """The top ``k`` of this system for ``referral``."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InvalidParameterError(f"k must be a positive integer, not {k!r}")
        shared = self._shared()
        cands = shared.candidates(referral)
        if len(cands) == 0:
            return Ranking((), (), ())
        pos = np.asarray(self.order(referral, cands), dtype=np.intp)[: int(k)]
        return _ranking(shared, cands, pos)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _ranking(shared: SharedIndex, cands: CandidateSet, pos: np.ndarray) -> Ranking:
    rows = cands.rows[pos]
    dists = tuple(
        None if (cands.online[p] or math.isnan(cands.distance_km[p])) else float(d)
        for p, d in zip(pos, cands.distance_km[pos])
    )
    return Ranking(
        ids=tuple(str(shared.ids[r]) for r in rows),
        distance_km=dists,
        categories=tuple(shared.categories[r] for r in rows),
    )


def _sort_key_distance(cands: CandidateSet) -> np.ndarray:
    """Distance for sorting: online resources after every in-person one."""
    d = np.where(cands.online | np.isnan(cands.distance_km), np.inf, cands.distance_km)
    return d


def _lexsort(primary: np.ndarray, secondary: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    """Ascending by ``primary``, then ``secondary``, then id (deterministic)."""
    id_rank = np.argsort(np.argsort(np.asarray(ids, dtype=object).astype(str), kind="stable"))
    return np.lexsort((id_rank, secondary, np.round(primary, 12)))


def _ids(shared: SharedIndex, cands: CandidateSet) -> list[str]:
    return [str(shared.ids[r]) for r in cands.rows]


class RandomSystem(System):
    """A random order of the candidates, seeded per referral (reproducible, and the same
    whatever order the referrals come in)."""

    name = "random"

    def __init__(self, seed: int = 0):
        super().__init__()
        self.seed = int(seed)

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        key = f"{referral.referral_id}|{referral.lat}|{referral.lon}".encode()
        rng = np.random.default_rng([self.seed, zlib.crc32(key)])
        return rng.permutation(len(cands))


class NearestSystem(System):
    """Nearest first, as directory websites sort; online resources last."""

    name = "nearest"

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        d = _sort_key_distance(cands)
        return _lexsort(d, np.zeros(len(d)), _ids(self._shared(), cands))


class CategoryKeywordSystem(System):
    """A directory site's category filter: the categories whose taxonomy vocabulary
    (``rxmatch.CATEGORIES``) appears in the person's words, then nearest first. When no
    category word is named, all candidates, nearest first."""

    name = "category_keyword"

    def __init__(self) -> None:
        super().__init__()
        self._single: list[set[str]] = []
        self._phrases: list[list[str]] = []
        for c in CATEGORIES:
            words = [v.lower() for v in c.vocabulary]
            self._single.append({stem(w) for w in words if " " not in w})
            self._phrases.append([w for w in words if " " in w])

    def matched_categories(self, text: str) -> list[str]:
        """Category keys named in ``text`` (stem match; multi-word terms as phrases)."""
        stems = {stem(w) for w in tokenize(text)}
        low = " " + " ".join(tokenize(text)) + " "
        out = []
        for c, single, phrases in zip(CATEGORIES, self._single, self._phrases):
            if stems & single or any(f" {p} " in low for p in phrases):
                out.append(c.key)
        return out

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        shared = self._shared()
        wanted = set(self.matched_categories(referral.what_matters))
        pos = np.arange(len(cands))
        if wanted:
            cats = np.array([shared.categories[r] in wanted for r in cands.rows], dtype=bool)
            pos = pos[cats]
        d = _sort_key_distance(cands)[pos]
        ids = [str(shared.ids[cands.rows[p]]) for p in pos]
        return pos[_lexsort(d, np.zeros(len(pos)), ids)]


def _analyze(text: str) -> list[str]:
    return [stem(w) for w in tokenize(text) if len(w) > 2 and w not in STOPWORDS]


class BM25System(System):
    """Okapi BM25 over name, description and tags (rxmatch's tokenizer, stopwords and light
    stemmer; Lucene's idf ``log(1 + (N - df + 0.5) / (df + 0.5))``); ties by distance."""

    name = "bm25"

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        super().__init__()
        if k1 < 0 or not 0 <= b <= 1:
            raise InvalidParameterError("BM25 needs k1 >= 0 and 0 <= b <= 1")
        self.k1 = float(k1)
        self.b = float(b)

    def _fit_extra(self, shared: SharedIndex) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        t = shared.matcher.table_
        texts = [resource_text(n, d, g) for n, d, g in zip(t.names, t.descriptions, t.tags)]
        vec = CountVectorizer(analyzer=_analyze)
        tf = vec.fit_transform(texts).tocsc().astype(np.float64)
        n_docs = tf.shape[0]
        df = np.diff(tf.indptr)
        self.idf_ = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        doc_len = np.asarray(tf.sum(axis=1)).ravel()
        avg = doc_len.mean() if n_docs else 1.0
        self.vocabulary_ = vec.vocabulary_
        self._tf = tf
        self._norm = self.k1 * (1 - self.b + self.b * doc_len / max(avg, 1e-9))

    def scores(self, text: str, rows: np.ndarray) -> np.ndarray:
        """BM25 score of ``text`` for each resource row."""
        out = np.zeros(len(rows), dtype=np.float64)
        for term in set(_analyze(text)):
            j = self.vocabulary_.get(term)
            if j is None:
                continue
            col = self._tf[:, j].toarray().ravel()[rows]
            out += self.idf_[j] * col * (self.k1 + 1) / (col + self._norm[rows])
        return out

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        s = self.scores(referral.what_matters, cands.rows)
        return _lexsort(-s, _sort_key_distance(cands), _ids(self._shared(), cands))


class DenseSystem(System):
    """Cosine similarity of the person's words and the resource text, nothing else.

    ``embedder``: rank with another encoder's vectors (the directory is embedded with it at
    ``fit``, through the persistent evaluation cache); the candidate set is still the
    shared one, so only the encoder differs. ``name`` labels the system in tables.
    """

    name = "dense"

    def __init__(self, embedder: Embedder | None = None, *, name: str | None = None):
        super().__init__()
        self.embedder = embedder
        if name is not None:
            self.name = name

    def _fit_extra(self, shared: SharedIndex) -> None:
        self.vectors_ = None
        if self.embedder is None:
            return
        from .cache import cached_vectors

        t = shared.matcher.table_
        texts = [resource_text(n, d, g) for n, d, g in zip(t.names, t.descriptions, t.tags)]
        self.vectors_ = cached_vectors(self.embedder, texts)
        self._queries: dict[str, np.ndarray] = {}

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        cosine = cands.cosine
        if self.vectors_ is not None:
            q = self._queries.get(referral.what_matters)
            if q is None:
                encode = getattr(self.embedder, "encode_queries", None) or self.embedder.encode
                q = self._queries[referral.what_matters] = encode([referral.what_matters])[0]
            cosine = self.vectors_[cands.rows] @ q
        return _lexsort(-cosine, np.zeros(len(cands)), _ids(self._shared(), cands))


class VectorBlendSystem(System):
    """Vector Institute health-rec ranking score:
    ``w * cosine + (1 - w) * (1 - min(distance_km / max_km, 1))`` (w = 0.5, max 100 km)."""

    name = "vector_blend"

    def __init__(
        self, relevancy_weight: float = 0.5, max_km: float = 100.0, online_term: float = 0.5
    ):
        super().__init__()
        if not 0 <= relevancy_weight <= 1 or max_km <= 0:
            raise InvalidParameterError("relevancy_weight must be in [0, 1] and max_km > 0")
        self.relevancy_weight = float(relevancy_weight)
        self.max_km = float(max_km)
        self.online_term = float(online_term)

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        d = np.nan_to_num(cands.distance_km, nan=0.0)
        term = 1.0 - np.minimum(d / self.max_km, 1.0)
        term = np.where(cands.online | np.isnan(cands.distance_km), self.online_term, term)
        score = self.relevancy_weight * cands.cosine + (1 - self.relevancy_weight) * term
        return _lexsort(-score, np.zeros(len(cands)), _ids(self._shared(), cands))


class CordsTwoStageSystem(System):
    """CORDS-style two stages: semantic cut-off, then nearest first.

    Keeps the candidates with cosine >= ``threshold``; if fewer than ``min_keep`` pass,
    keeps the ``min_keep`` most similar instead. Then sorts the kept ones by distance
    (online last)."""

    name = "cords_two_stage"

    def __init__(self, threshold: float = 0.35, min_keep: int = 20):
        super().__init__()
        if min_keep < 1:
            raise InvalidParameterError("min_keep must be >= 1")
        self.threshold = float(threshold)
        self.min_keep = int(min_keep)

    def order(self, referral: Referral, cands: CandidateSet) -> np.ndarray:
        ids = _ids(self._shared(), cands)
        by_cos = _lexsort(-cands.cosine, np.zeros(len(cands)), ids)
        keep = np.flatnonzero(cands.cosine >= self.threshold)
        if len(keep) < self.min_keep:
            keep = by_cos[: self.min_keep]
        d = _sort_key_distance(cands)[keep]
        return keep[_lexsort(d, -cands.cosine[keep], [ids[p] for p in keep])]


class RxMatchSystem(System):
    """The real :class:`~rxmatch.Matcher` (candidates → eligibility → hybrid score → re-rank).

    ``weights``, ``diversity`` and any other ranking parameter in :data:`RANKING_PARAMS`
    override the shared Matcher's (which keeps its defaults); everything fitted is shared.
    ``name`` labels the system in tables (for ablations, e.g. ``"rxmatch -facets"``).
    """

    name = "rxmatch"

    def __init__(
        self,
        weights: Weights | None = None,
        diversity: float | None = None,
        *,
        name: str | None = None,
        **params: Any,
    ):
        super().__init__()
        unknown = set(params) - set(RANKING_PARAMS)
        if unknown:
            raise InvalidParameterError(
                f"RxMatchSystem: {sorted(unknown)} cannot change after fit; "
                f"allowed: {', '.join(RANKING_PARAMS)}"
            )
        self.weights = weights
        self.diversity = diversity
        self.params = params
        if name is not None:
            self.name = name

    def _fit_extra(self, shared: SharedIndex) -> None:
        m = shared.matcher
        if self.weights is not None or self.diversity is not None or self.params:
            params = dict(self.params)
            if self.weights is not None:
                params["weights"] = self.weights
            if self.diversity is not None:
                params["diversity"] = float(self.diversity)
            # a shallow copy shares the fitted index; only ranking parameters differ
            m = copy.copy(m).set_params(**params)
        self.matcher_ = m

    def recommend(self, referral: Referral, k: int = 10) -> Ranking:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InvalidParameterError(f"k must be a positive integer, not {k!r}")
        shared = self._shared()
        cands = shared.candidates(referral)
        dist = {
            str(shared.ids[r]): None if (o or math.isnan(d)) else float(d)
            for r, d, o in zip(cands.rows, cands.distance_km, cands.online)
        }
        recs = self.matcher_.recommend(referral, int(k), query_vector=shared.encoded(referral))
        return Ranking(
            ids=tuple(m.resource_id for m in recs),
            distance_km=tuple(dist.get(m.resource_id, m.distance_km) for m in recs),
            categories=tuple(m.category for m in recs),
        )


class RxMatchE5System(RxMatchSystem):
    """rxmatch with an E5 vector set: answers in the languages USEM3 lacks and E5 serves
    (Vietnamese, Tagalog, ...) are matched by multilingual-E5 alone; every other answer
    exactly as :class:`RxMatchSystem`. Since E5 is on by default (``Matcher(e5="auto")``)
    this is ``rxmatch`` itself whenever the shared index already has an E5 set (kept as an
    alias for older scripts); otherwise the shared index is refitted once with the E5
    vector set, the directory's E5 vectors read through the persistent evaluation cache.
    ``e5``: ``"auto"`` (:class:`~rxmatch.features.multilingual.FastE5Embedder`) or an
    Embedder."""

    name = "rxmatch-e5"

    def __init__(self, *args: Any, e5: Any = "auto", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.e5 = e5

    def _fit_extra(self, shared: SharedIndex) -> None:
        from ..features.query import routes_to_e5
        from .cache import load_cache, save_cache

        super()._fit_extra(shared)
        self._routes = routes_to_e5
        self._own = False
        if isinstance(self.e5, str) and self.matcher_.index_.e5 is not None:
            return  # the default already built it: rxmatch itself
        if isinstance(self.e5, str):
            from ..features.multilingual import FastE5Embedder

            e5: Any = FastE5Embedder()
        else:
            e5 = self.e5
        m = copy.copy(self.matcher_)
        index = m.index_
        t = index.table
        texts = [resource_text(n, d, g) for n, d, g in zip(t.names, t.descriptions, t.tags)]
        cache = load_cache()
        cache.encode(e5, texts)
        if cache.misses:
            save_cache(cache)
        ml = index.multilingual
        m.set_params(
            embedder=index.embedder,
            multilingual=None if ml is None else ml.embedder,
            e5=e5,
            cache=cache,
        )
        m.fit(
            index.directory,
            embeddings=t.embeddings,
            multilingual_embeddings=None if ml is None else ml.embeddings,
        )
        self.matcher_ = m
        self._own = True

    def recommend(self, referral: Referral, k: int = 10) -> Ranking:
        from ..features.language import answer_language

        if not self._own or not self._routes(
            self.matcher_.index_, answer_language(referral.what_matters)
        ):
            return super().recommend(referral, k)
        return _ranked_here(self._shared(), self.matcher_, referral, k)


class RxMatchNoE5System(RxMatchSystem):
    """rxmatch without its E5 vector set (``Matcher(e5=None)``): answers in the languages
    USEM3 lacks are matched by the default encoders, as before E5 was on by default; for
    ablations. The shared index is reused, without its E5 set."""

    name = "rxmatch-no-e5"

    def _fit_extra(self, shared: SharedIndex) -> None:
        from ..features.query import routes_to_e5
        from ..index import E5

        super()._fit_extra(shared)
        self._routes = routes_to_e5
        self._with = self.matcher_.index_
        if self._with.e5 is None:
            return
        m = copy.copy(self.matcher_)
        m.index_ = self._with.with_vector_set(E5, None)
        m.e5 = None
        self.matcher_ = m

    def recommend(self, referral: Referral, k: int = 10) -> Ranking:
        from ..features.language import answer_language

        if not self._routes(self._with, answer_language(referral.what_matters)):
            return super().recommend(referral, k)
        # the shared encoding is an E5 query: encode the words again without E5
        return _ranked_here(self._shared(), self.matcher_, referral, k)


def _ranked_here(shared: SharedIndex, matcher: Any, referral: Referral, k: int) -> Ranking:
    """``matcher``'s ranking of ``referral`` with the words encoded by that matcher."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"k must be a positive integer, not {k!r}")
    cands = shared.candidates(referral)
    dist = {
        str(shared.ids[r]): None if (o or math.isnan(d)) else float(d)
        for r, d, o in zip(cands.rows, cands.distance_km, cands.online)
    }
    recs = matcher.recommend(referral, int(k))
    return Ranking(
        ids=tuple(m.resource_id for m in recs),
        distance_km=tuple(dist.get(m.resource_id, m.distance_km) for m in recs),
        categories=tuple(m.category for m in recs),
    )


#: Matcher parameters that act at ranking time (safe to vary on a fitted index).
RANKING_PARAMS = (
    "facets",
    "facet_weight",
    "coverage_bonus",
    "dislike_penalty",
    "barrier_penalty",
    "care_penalty",
    "audience_penalty",
    "ensemble_weight",
    "e5_ensemble_weight",
    "sentence_weight",
    "passages",
    "min_confidence",
    "lexical_intent_floor",
    "query_without_barriers",
    "beneficiary",
    "mobility_reach",
    "category_temperature",
    "unknown_penalty",
    "online_distance_score",
    "decay_kind",
    "decay_offset",
    "decay_scale",
    "max_per_category",
    "widen_if_fewer_than",
    "max_widen_factor",
)


def ablation_systems() -> list[System]:
    """rxmatch and variants with one piece removed or changed, for ablation tables."""
    w = Weights()
    return [
        RxMatchSystem(),
        RxMatchSystem(name="rxmatch -facets", facets=False),
        RxMatchSystem(name="rxmatch -barriers", barrier_penalty=0.0, dislike_penalty=0.0),
        RxMatchSystem(name="rxmatch -audience", audience_penalty=0.0),
        RxMatchSystem(name="rxmatch -category_fit", weights=replace(w, category_fit=0.0)),
        RxMatchSystem(name="rxmatch -lexical", weights=replace(w, lexical=0.0)),
        RxMatchSystem(name="rxmatch -schedule", weights=replace(w, schedule=0.0)),
        RxMatchSystem(name="rxmatch -preference", weights=replace(w, preference=0.0)),
        RxMatchSystem(name="rxmatch -widening", widen_if_fewer_than=0),
        RxMatchSystem(name="rxmatch +distance 0.2", weights=replace(w, distance=0.2)),
        RxMatchSystem(name="rxmatch +diversity 0.1", diversity=0.1),
        RxMatchSystem(name="rxmatch +category cap 3", max_per_category=3),
    ]


#: Every system by name, in the order tables show them.
SYSTEMS: dict[str, type[System]] = {
    "random": RandomSystem,
    "nearest": NearestSystem,
    "category_keyword": CategoryKeywordSystem,
    "bm25": BM25System,
    "dense": DenseSystem,
    "vector_blend": VectorBlendSystem,
    "cords_two_stage": CordsTwoStageSystem,
    "rxmatch": RxMatchSystem,
}

#: Systems run only when named (they build another encoder): name -> class
OPT_IN_SYSTEMS: dict[str, type[System]] = {
    "rxmatch-e5": RxMatchE5System,
    "rxmatch-no-e5": RxMatchNoE5System,
}


#: Dense baselines with the other bundled encoders: name -> embedder class name
DENSE_ENCODERS = {"dense-usem3": "USEM3Embedder", "dense-e5": "E5SmallEmbedder"}


def make_system(name: str, **kwargs: Any) -> System:
    """A system by name (see :data:`SYSTEMS`, and :data:`DENSE_ENCODERS` for plain cosine
    with the multilingual encoders), constructed with ``kwargs``."""
    key = str(name).strip().lower()
    if key in DENSE_ENCODERS:
        from ..features import multilingual

        return DenseSystem(getattr(multilingual, DENSE_ENCODERS[key])(), name=key, **kwargs)
    if key in OPT_IN_SYSTEMS:
        return OPT_IN_SYSTEMS[key](**kwargs)
    if key not in SYSTEMS:
        known = [*SYSTEMS, *DENSE_ENCODERS, *OPT_IN_SYSTEMS]
        raise InvalidParameterError(f"unknown system {name!r}; known systems: {', '.join(known)}")
    return SYSTEMS[key](**kwargs)
