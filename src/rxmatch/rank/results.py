"""Results: scored candidates → re-ranked, explained :class:`~rxmatch.records.Match`
objects in one :class:`~rxmatch.records.Recommendations` (notes, exclusions and the
context of ``why_not``), and a resource's facts as plain JSON values (``Match.resource``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from ..features.audience import describe_audience
from ..features.eligibility import REASON_CODES, exclusion_reason, flag_texts, reason_code
from ..features.fuzzy import stem
from ..features.passages import best_passage
from ..index import PRIMARY
from ..records import CONTACT_FIELDS, Exclusion, Match, Recommendations, WhyNotContext, plain
from .explain import explain_match, summarize_match
from .rerank import rerank
from .scoring import CandidateFeatures, ScoredCandidates, confidence

if TYPE_CHECKING:
    from ..index import FittedIndex
    from ..referral import Referral

__all__ = ["ResultBuilder", "LOW_CONFIDENCE", "resource_facts", "exclusions"]

#: below this calibrated confidence of the best match, ``recs.notes`` says plainly that
#: there is no strong match in reach: the best is unlikely to be good (a top match is good
#: for half the real dev referrals; 0.2 until the confidence learnt the rank, which left the
#: top match under-confident; firing rates: ``datasets/real/calibrate.py``)
LOW_CONFIDENCE = 0.3

_VIA_NAMES = {0: "radius", 1: "outreach", 2: "online"}


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


def exclusions(
    index: FittedIndex, ref: Referral, features: CandidateFeatures
) -> tuple[Exclusion, ...]:
    """The candidates left out by a rule, with the reason in words."""
    t = index.table
    out = []
    # Python ints: indexing the table's arrays with them is faster than with numpy ints
    for r, c in zip(
        np.asarray(features.excluded_rows).tolist(), np.asarray(features.excluded_codes).tolist()
    ):
        code = reason_code(c)
        reason = exclusion_reason(
            code,
            min_age=t.min_age[r],
            max_age=t.max_age[r],
            languages=t.languages[r],
            accessibility_needs=ref.accessibility_needs,
            res_access=t.accessibility[r],
        )
        out.append(Exclusion(str(t.ids[r]), code, reason))
    return tuple(out)


def _age(v: Any) -> int | float | None:
    v = float(v)
    if math.isnan(v):
        return None
    return int(v) if v.is_integer() else v


def _contact_facts(index: FittedIndex, r: int) -> dict[str, Any]:
    facts: dict[str, Any] = dict.fromkeys(CONTACT_FIELDS)
    d = index.source.directory
    saved = index.contacts
    if d is None and saved:
        for key, col in saved.items():
            facts[key] = col[r]
    elif d is not None:
        # the contact columns of the Directory in memory, as lists (once per directory)
        cached = index._contact_columns
        if cached.get("directory") is not d:
            frame = getattr(d, "_frame", None)
            cached["columns"] = {
                c: (frame[c].tolist() if frame is not None and c in frame else None)
                for c in CONTACT_FIELDS
            }
            cached["directory"] = d
        rid = str(index.table.ids[r])
        try:
            pos = d.position(rid)
        except KeyError:
            pos = None
        if pos is not None:
            for key, col in cached["columns"].items():
                facts[key] = plain(col[pos]) if col is not None else plain(d.get(rid)[key])
    return facts


#: how many rows' facts :func:`resource_facts` keeps per index (then it starts again):
#: about 1 KB each, so at most ~10 MB, directory facts only (never the person's words)
FACTS_CACHE_ROWS = 8192


def _fresh(value: Any) -> Any:
    """A copy of a plain JSON value's lists and dicts (cached facts stay unshared)."""
    tp = type(value)
    if tp is list:
        return [v if type(v) is str else _fresh(v) for v in value]
    if tp is dict:
        return {k: v if type(v) is str else _fresh(v) for k, v in value.items()}
    return value


_SCALARS = (str, int, float, bool, type(None))


def _copy_dicts(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d.copy() for d in value]


def _copier(value: Any) -> Any:
    """The cheapest function that copies ``value`` as :func:`_fresh` does (a list of
    scalars, a list of dicts of scalars, or anything deeper), or ``None`` for a scalar."""
    tp = type(value)
    if tp is list:
        if all(type(v) in _SCALARS for v in value):
            return list.copy
        if all(type(v) is dict and all(type(x) in _SCALARS for x in v.values()) for v in value):
            return _copy_dicts
        return _fresh
    return _fresh if tp is dict else None


def resource_facts(index: FittedIndex, r: int) -> dict[str, Any]:
    """Table row ``r``'s facts as plain JSON values (``Match.resource``). Address, city,
    postal code, phone and url are not in the table: they come from the Directory when
    it is in memory (after ``fit``, or once it was decoded), else from the contact arrays
    a loaded index holds (``None`` for an index saved before them).

    They do not depend on the query: each row's are made once and kept on the (read-only)
    index, for the Directory in memory (:data:`FACTS_CACHE_ROWS` rows at most); every
    call returns its own copy."""
    cache = index._facts
    d = index.source.directory
    if cache.get("directory", cache) is not d:  # made for another Directory (or none yet)
        cache.clear()
        cache["directory"] = d
        cache["rows"] = {}
    rows: dict[int, tuple[dict[str, Any], tuple[tuple[str, Any], ...]]] = cache["rows"]
    got = rows.get(r)
    if got is None:
        facts = _resource_facts(index, r)
        # the values a caller could change in place (lists, dicts), with their copier
        copiers = ((k, _copier(v)) for k, v in facts.items())
        got = facts, tuple((k, c) for k, c in copiers if c is not None)
        if len(rows) >= FACTS_CACHE_ROWS:
            rows.clear()
        rows[r] = got
    facts, mutable = got
    out = facts.copy()
    for k, copy in mutable:
        out[k] = copy(out[k])
    return out


def _resource_facts(index: FittedIndex, r: int) -> dict[str, Any]:
    t = index.table
    facts = _contact_facts(index, r)
    facts.update(
        lat=plain(float(t.lat[r])) if t.has_place[r] else None,
        lon=plain(float(t.lon[r])) if t.has_place[r] else None,
        online=bool(t.online[r]),
        schedule=plain(t.sessions[r]),
        free=None if t.free[r] is None else bool(t.free[r]),
        cost=plain(t.cost[r]),
        languages=plain(list(t.languages[r])),
        accessibility=plain(list(t.accessibility[r])),
        min_age=_age(t.min_age[r]),
        max_age=_age(t.max_age[r]),
        last_verified=plain(t.last_verified[r]),
    )
    return facts


#: the longest passage quoted in an explanation (characters)
QUOTE_CHARS = 200


def quote_passage(index: FittedIndex, r: int, query: np.ndarray | None) -> tuple[str, ...]:
    """The reason quoting the passage of resource ``r``'s description that raised its
    score (passage evidence): directory text, never the person's words."""
    ps = index.passages
    if ps is None or query is None or PRIMARY not in ps.vectors:
        return ()
    text = best_passage(ps, PRIMARY, r, query, index.table.descriptions[r])
    if not text:
        return ()
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rstrip() + "…"
    return (f"its description says: '{text}'",)


def skipped_at_load(index: FittedIndex) -> Sequence[Any]:
    """The rows the directory's load report skipped (``RowProblem``s), when the report
    is at hand without decoding a saved index's table; else none."""
    report = index.source.report
    return () if report is None else report.skipped


@dataclass(frozen=True)
class ResultBuilder:
    """The results stage of a Matcher: re-ranking (``diversity``, ``max_per_category``,
    ``coverage_bonus``), the confidence floor (``min_confidence``) and explanations."""

    diversity: float = 0.0
    max_per_category: int | None = None
    coverage_bonus: float = 0.0
    min_confidence: float = 0.0

    def notes(
        self, ref: Referral, f: CandidateFeatures, order: np.ndarray, conf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The notes of a list, and the matches kept above ``min_confidence``."""
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
        return order, conf, notes

    def match(
        self,
        index: FittedIndex,
        ref: Referral,
        scored: ScoredCandidates,
        i: int,
        rank: int,
        conf: float,
        today: date,
        *,
        stems: Sequence[str] | None = None,
    ) -> Match:
        """Candidate ``i`` of ``scored`` as the explained Match at ``rank`` (``stems``: the
        stems of the person's content words, when several matches are explained)."""
        t, f = index.table, scored.features
        i = int(i)
        r = int(f.rows[i])
        comp = {name: float(v[i]) for name, v in f.components.items()}
        dist = float(f.distance_km[i])
        flags = flag_texts(int(f.flags[i]))
        best = f.best_sessions.get(i)
        km = None if math.isnan(dist) else dist
        via = _VIA_NAMES[int(f.via[i])]
        facet = f.facets.interests[int(f.facet_of[i])].text if f.facet_of is not None else None
        matched = (
            t.fuzzy.explain(f.words, tokens=index.field_tokens(r), stems=stems)
            if comp.get("lexical", 0) > 0
            else []
        )
        # each fact read once (a loaded index decodes a text column on every access)
        category, inferred = t.categories[r], bool(t.category_inferred[r])
        free, cost = t.free[r], t.cost[r]
        reasons = explain_match(
            matched=matched,
            components=comp,
            distance_km=km,
            via=via,
            category=category,
            category_inferred=inferred,
            free=free,
            cost=cost,
            best_session=best,
            sessions=t.sessions[r],
            availability_given=bool(ref.windows),
            flags=flags,
            last_verified=t.last_verified[r],
            today=today,
            travel_mode=ref.travel_mode,
            facet=facet,
        )
        if f.passage_raised is not None and f.passage_raised[i]:
            reasons = reasons + quote_passage(index, r, f.passage_query)
        if f.audience is not None and f.audience[i] and index.audience is not None:
            # the audience the record states leaves the person out (in the record's terms)
            reasons = reasons + describe_audience(index.audience, r, int(f.audience[i]))
        return Match(
            rank=rank,
            resource_id=str(t.ids[r]),
            name=t.names[r],
            category=category,
            category_inferred=inferred,
            score=float(scored.scores[i]),
            components=comp,
            distance_km=None if km is None else round(km, 3),
            online=bool(t.online[r]),
            reasons=reasons,
            matched_words=tuple(matched),
            flags=flags,
            confidence=float(conf),
            summary=summarize_match(
                category=category,
                distance_km=km,
                via=via,
                free=free,
                cost=cost,
                matched=matched,
                facet=facet,
                semantic=comp.get("semantic", 0.0),
                best_session=best,
                fits_fully=best is not None and comp.get("schedule", 0) >= 0.99,
                flags=flags,
                travel_mode=ref.travel_mode,
            ),
            resource=resource_facts(index, r),
        )

    def build(
        self,
        index: FittedIndex,
        ref: Referral,
        scored: ScoredCandidates,
        k: int,
        today: date,
    ) -> Recommendations:
        """Re-rank ``scored`` into the ``k`` best and explain them."""
        t, f = index.table, scored.features
        rows = f.rows
        order = rerank(
            scored,
            lambda idx: t.embeddings[rows[idx]],
            _Take(t.ids, rows),
            index.category_index[rows],
            k,
            diversity=self.diversity,
            max_per_category=self.max_per_category,
            coverage_bonus=self.coverage_bonus,
        )
        conf = confidence(scored.scores[order], ranks=np.arange(1, len(order) + 1))
        shown = len(order)
        order, conf, notes = self.notes(ref, f, order, conf)
        if len(order) != shown:
            # at the ranks shown once weaker matches are held back (a kept match only moves up)
            conf = confidence(scored.scores[order], ranks=np.arange(1, len(order) + 1))
        lexical = f.components.get("lexical")
        # the person's word stems, once for all the matches whose words are explained
        stems = (
            [stem(w) for w in f.words]
            if f.words and lexical is not None and len(order) and (lexical[order] > 0).any()
            else None
        )
        matches = tuple(
            self.match(index, ref, scored, i, rank, conf[rank - 1], today, stems=stems)
            for rank, i in enumerate(order, start=1)
        )
        home = (ref.lat, ref.lon) if ref.lat is not None and ref.lon is not None else None
        return Recommendations(
            matches=matches,
            referral_id=ref.referral_id,
            notes=tuple(notes),
            n_candidates=f.n_candidates,
            exclusions=exclusions(index, ref, f),
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
                skipped=skipped_at_load(index),
                k=k,
            ),
        )
