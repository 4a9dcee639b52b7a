"""Candidate features: for one referral, its candidates (:mod:`~rxmatch.rank.reach`), the
eligibility and schedule rules, and every score component that does not depend on the
weights (:class:`~rxmatch.rank.scoring.CandidateFeatures`, scored by
:func:`~rxmatch.rank.scoring.score_candidates`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..features.audience import person_identity_words
from ..features.beneficiary import eligibility_age, read_beneficiary
from ..features.eligibility import schedule_rule
from ..features.facets import Facets
from ..features.geo import decay
from ..features.kind import asks_for_care
from ..features.language import answer_language
from ..features.passages import PassageOptions, PassageSet, mix_passage_score
from ..features.query import EncodedQuery, QueryEncoder
from ..features.schedule import schedule_fit
from ..index import MULTILINGUAL, PRIMARY
from ..taxonomy import CATEGORY_KEYS
from .candidates import VIA_ONLINE, VIA_OUTREACH
from .reach import AUTO, Reach
from .scoring import CandidateFeatures, candidate_similarities, category_affinity

if TYPE_CHECKING:
    from ..index import FittedIndex
    from ..referral import Referral

__all__ = ["FeatureBuilder", "REFERENCE_COSINE"]

#: mean and spread of the default encoder's cosines over a referral's candidates (median
#: over the English referrals of the real San Mateo dev split): the scale the weights suit
REFERENCE_COSINE = (0.136, 0.080)


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


def _ensemble_z(own: np.ndarray, others: list[np.ndarray], weight: float) -> np.ndarray:
    """One encoder's cosines over the candidates with other encoders' beside them: the sum
    of their z-scores, ``own``'s with weight 1 and each other's with ``weight`` (an encoder
    whose cosines do not vary adds nothing). Returns float32 z units (to be rescaled)."""

    def z(v: np.ndarray) -> np.ndarray:
        out = _rescaled(v, 0.0, 1.0)
        return np.zeros(len(v)) if out is None else out

    out = z(own)
    for o in others:
        out = out + weight * z(o)
    return out.astype(np.float32)


def best_sentence(embeddings: np.ndarray, rows: np.ndarray, sentences: np.ndarray) -> np.ndarray:
    """Each candidate's cosine with the answer's closest sentence (MaxSim over sentences)."""
    return (embeddings[rows] @ np.asarray(sentences, dtype=np.float32).T).max(axis=1)


def _row_argmax_max(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a.argmax(axis=1), a.max(axis=1)`` of a tall ``(n, m)`` matrix with a few columns
    (one per wish), column by column: numpy reduces a short last axis slowly (~4x here).
    The same results (the first column of the maximum on ties)."""
    if a.ndim != 2 or a.shape[1] == 0:
        return a.argmax(axis=1), a.max(axis=1)
    cols = a.T
    best = cols[0].copy()
    arg = np.zeros(len(a), dtype=np.intp)
    for j in range(1, len(cols)):
        arg[cols[j] > best] = j
        np.maximum(best, cols[j], out=best)
    if np.isnan(best).any():  # argmax points at the first NaN: leave it to numpy
        return a.argmax(axis=1), a.max(axis=1)
    return arg, best


def passage_scores(
    passages: PassageSet,
    query: EncodedQuery,
    rows: np.ndarray,
    semantic: np.ndarray,
    *,
    top: int,
    ensemble_weight: float,
    facet_weight: float,
) -> np.ndarray:
    """Each candidate's best-passage score (NaN outside the ``top`` candidates by the
    whole-record ``semantic`` score, or for a record without passages): the cosine of the
    answer with the record's best passage in the primary space, mixed with the
    multilingual encoder's (the encoder ensemble, as the whole-record cosine) and, with
    several wishes, with the best wish's (``facet_weight``)."""
    n = len(rows)
    sel = np.arange(n) if n <= top else np.argpartition(-semantic, top - 1)[:top]
    r = rows[sel]
    q = np.asarray(query.vector, dtype=np.float32).ravel()
    wishes = query.interest_vectors
    # the candidates' passages gathered once per vector set
    sims = passages.max_similarities(PRIMARY, r, [q] if wishes is None else [q, wishes])
    p = sims[0]
    ens = query.ensemble_vector
    if ens is not None and ensemble_weight > 0 and MULTILINGUAL in passages.vectors:
        (other,) = passages.max_similarities(MULTILINGUAL, r, [ens])
        p = mix_passage_score(p, other, ensemble_weight)
    if wishes is not None:
        p = (1 - facet_weight) * p + facet_weight * sims[1].max(axis=1)
    if n <= top:
        return p
    out = np.full(n, np.nan)
    out[sel] = p
    return out


def barrier_conflicts(index: FittedIndex, facets: Facets, rows: np.ndarray) -> np.ndarray:
    """How many of the person's barriers each resource conflicts with (strenuous
    activities for a mobility limit, adults-only groups for someone bringing a child,
    large events for someone who avoids crowds, in-person places for the housebound)."""
    n = np.zeros(len(rows), dtype=np.int8)
    kinds = facets.barrier_kinds
    if "mobility" in kinds:
        n += index.strenuous[rows]
    if "child" in kinds:
        n += index.adult_only[rows]
    if "crowds" in kinds:
        n += index.crowded[rows]
    if "housebound" in kinds:
        n += ~(index.table.online[rows] | np.isin(rows, index.table.outreach_rows))
    return n


@dataclass(frozen=True)
class FeatureBuilder:
    """The feature stage of a Matcher: distance decay (``decay_kind``, ``decay_offset``,
    ``decay_scale``, ``online_distance_score``), category fit (``category_temperature``,
    ``lexical_intent_floor``), facets (``facet_weight``), the encoder ensemble
    (``ensemble_weight``; ``e5_ensemble_weight`` and ``sentence_weight`` for answers
    matched by E5), two-stage retrieval (``candidate_pool``), the beneficiary's
    age (``beneficiary``) and passage evidence (``passages``: ``None`` leaves an index's
    passages unused; a :class:`PassageOptions` sets the weight and depth; otherwise those
    the index was built with), over the query and reach stages."""

    query: QueryEncoder = field(default_factory=QueryEncoder)
    reach: Reach = field(default_factory=Reach)
    decay_kind: str = "gauss"
    decay_offset: float = 0.1
    decay_scale: float = 0.5
    online_distance_score: float = 0.5
    lexical_intent_floor: float = 0.7
    category_temperature: float | None = None
    facet_weight: float = 0.1
    ensemble_weight: float = 0.5
    e5_ensemble_weight: float = 0.25
    sentence_weight: float = 0.25
    candidate_pool: int | None = 2000
    beneficiary: bool = True
    passages: Any = "auto"

    def passage_options(self, index: FittedIndex) -> PassageOptions | None:
        """The passage options used in ranking over ``index`` (``None``: no passages)."""
        if self.passages is None or index.passages is None:
            return None
        if isinstance(self.passages, PassageOptions):
            return self.passages
        return index.passages.options

    def eligibility_age(self, ref: Referral) -> tuple[float | None, str]:
        """The age eligibility is checked against, and a note when it is not the
        referral's ``age`` (see the Matcher's ``beneficiary``)."""
        if not self.beneficiary:
            return ref.age, ""
        age, source = eligibility_age(ref.age, read_beneficiary(ref.what_matters))
        if source == "beneficiary":
            return age, f"ages checked for the person the words are about ({age:g})"
        if source == "words":
            return age, f"ages checked for the age the words give ({age:g})"
        return age, ""

    def build(
        self,
        index: FittedIndex,
        ref: Referral,
        query: EncodedQuery,
        freshness: np.ndarray,
        *,
        online_rows: Any = AUTO,
    ) -> CandidateFeatures:
        """Candidates → eligibility → score components of one referral whose words are
        encoded (``query``, complete: see :meth:`QueryEncoder.resolve`); ``freshness``: the
        per-resource freshness factor."""
        t = index.table
        # the vector set the words were embedded for (``None``: the primary one)
        space = None if query.space == PRIMARY else index.vector_sets.get(query.space)
        if space is not None and online_rows is AUTO:
            online_rows = None  # every online resource: the pool is chosen in the primary space
        facets, fvecs, dvecs = query.facets, query.interest_vectors, query.dislike_vectors
        named = query.named_categories or frozenset()
        q = np.asarray(query.vector, dtype=np.float32).ravel()
        cands, reach, notes = self.reach.candidates(index, ref, q, facets, online_rows)
        age, age_note = self.eligibility_age(ref)
        if age_note:
            notes.append(age_note)
        rows = cands.rows
        elig = index.eligibility.check(
            rows,
            age=age,
            languages=ref.languages,
            accessibility_needs=ref.accessibility_needs,
            free_only=ref.free_only,
            online_only=ref.online_only,
            online_ok=ref.online_ok,
            excluded_category_index=[CATEGORY_KEYS.index(c) for c in ref.excluded_categories],
        )
        keep = elig.keep
        fits: dict[int, tuple[float | None, Any]] = {}  # table row -> schedule_fit(...)

        def fit_of(r: int) -> tuple[float | None, Any]:
            got = fits.get(r)
            if got is None:
                got = fits[r] = schedule_fit(t.sessions[r], ref.windows)
            return got

        if ref.availability_required and ref.windows:
            schedule_rule(elig, rows, index.has_sessions[rows], fit_of)
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
        ens, ml = query.ensemble_vector, index.multilingual
        if ens is not None and ml is not None and len(rows) > 1:
            sem32 = _ensemble(sem32, ml.embeddings[rows] @ ens, self.ensemble_weight)
        if space is not None and query.member_vectors and self.e5_ensemble_weight > 0:
            # an answer matched by E5, with the other encoders' cosines of its words beside
            # (z-scored; put on the reference scale below)
            members = [
                (t.embeddings if name == PRIMARY else index.vector_sets[name].embeddings)[rows] @ v
                for name, v in query.member_vectors
                if name == PRIMARY or index.vector_sets.get(name) is not None
            ]
            if members and len(rows) > 1:
                sem32 = _ensemble_z(sem32, members, self.e5_ensemble_weight)
        if space is not None and len(rows) > 1:
            # another encoder's cosines live on another scale: put them on the default
            # encoder's (the scale the weights were set on), keeping their order
            sem32, per_facet32 = (
                _on_reference_scale(sem32),
                (None if per_facet32 is None else _on_reference_scale(per_facet32)),
            )
        sem = np.clip(sem32, 0.0, 1.0).astype(np.float64)
        sv = query.sentence_vectors
        if space is not None and sv is not None and self.sentence_weight > 0 and len(rows) > 1:
            # an answer read whole (no facets): its best sentence beside the whole answer, so
            # that a context sentence (an illness, a loss) does not speak for all of it
            best = best_sentence(space.embeddings, rows, sv)
            sem = np.clip(mix_passage_score(sem, best, self.sentence_weight), 0.0, 1.0)
        facet_of = None
        if per_facet32 is not None:
            per_facet = np.clip(per_facet32, 0.0, 1.0).astype(np.float64)
            facet_of, best_facet = _row_argmax_max(per_facet)
            sem = (1 - self.facet_weight) * sem + self.facet_weight * best_facet
        pool = self.candidate_pool
        if pool is not None and len(rows) > pool:
            # two-stage: score fully only the ``pool`` closest in meaning (ties by position)
            keep_i = np.sort(np.argpartition(-sem, pool - 1)[:pool])
            rows, dist, via, flags = rows[keep_i], dist[keep_i], via[keep_i], flags[keep_i]
            sem = sem[keep_i]
            facet_of = None if facet_of is None else facet_of[keep_i]
            dislike32 = None if dislike32 is None else dislike32[keep_i]
        popts = self.passage_options(index)
        raised = None
        if popts is not None and popts.weight > 0 and query.space == PRIMARY and len(rows) > 1:
            # passage evidence (answers matched in the primary space only): the best passage
            # of each of the ``top`` closest records, mixed into the semantic score
            p = passage_scores(
                index.passages,  # type: ignore[arg-type]
                query,
                rows,
                sem,
                top=popts.top,
                ensemble_weight=self.ensemble_weight,
                facet_weight=self.facet_weight,
            )
            mixed = np.clip(mix_passage_score(sem, p, popts.weight), 0.0, 1.0)
            raised = mixed > sem  # the candidates a passage scored higher than their record
            sem = mixed
        comps["semantic"] = sem
        wishes = self.query.main_text(ref.what_matters, facets)
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
                index.embedder, "category_temperature", 0.05
            )
            affinity = category_affinity(q, index.prototypes, float(temp))
        else:
            affinity = category_affinity(q, space.prototypes, space.category_temperature)
        for ci in named:
            affinity[ci] = max(affinity[ci], self.lexical_intent_floor)
        comps["category_fit"] = affinity[index.category_index[rows]]
        best_sessions: dict[int, Any] = {}
        if ref.windows:
            sched = np.full(len(rows), 0.5)
            for i in np.flatnonzero(index.has_sessions[rows]):
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
                pref += np.isin(index.category_index[rows], keys)
                parts += 1
            if wants_free:
                fr = index.eligibility.free[rows]
                pref += np.where(fr == 1, 1.0, np.where(fr < 0, 0.5, 0.0))
                parts += 1
            comps["preference"] = pref / parts
        audience = None
        facts = index.audience
        if facts is not None and len(rows):
            # the audience a record states in its own words (ages in its name, an ancestry):
            # the person's words and language are read only when a candidate names an ancestry
            said = ref.what_matters or ""
            person = (
                person_identity_words(said, answer_language(said))
                if facts.has_identity[rows].any()
                else frozenset()
            )
            audience = facts.flags(rows, age, person)
        return CandidateFeatures(
            rows=rows,
            distance_km=dist,
            via=via,
            flags=flags,
            components=comps,
            freshness=freshness[rows],
            barrier_conflicts=barrier_conflicts(index, facets, rows),
            care_share=index.care_share[rows],
            asks_for_care=asks_for_care([wishes]),
            dislike_similarity=(
                None if dislike32 is None else np.clip(dislike32, 0.0, 1.0).max(axis=1)
            ),
            facet_of=facet_of,
            audience=audience,
            excluded_rows=ex_rows,
            excluded_codes=ex_codes,
            notes=tuple(notes),
            n_candidates=len(cands),
            words=words,
            best_sessions=best_sessions,
            facets=facets,
            reach_km=float(reach),
            passage_raised=raised,
            passage_query=None if raised is None else q,
        )
