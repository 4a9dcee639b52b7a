"""Immutable result records: a Match per recommended resource, the Exclusions that answer
"why not X?", and Recommendations, the ranked list for one referral."""

from __future__ import annotations

import json
import math
import sys
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .features.fuzzy import WordMatch
from .features.schedule import DAYS, Session

if TYPE_CHECKING:  # pandas loads for .to_frame(), not at import
    import pandas as pd

__all__ = [
    "Match",
    "Exclusion",
    "Recommendations",
    "WhyNotContext",
    "COMPONENTS",
    "SCHEMA",
    "RESOURCE_FIELDS",
    "plain",
]

#: Score components, each in [0, 1], in the order they appear in tables.
COMPONENTS = ("semantic", "lexical", "distance", "category_fit", "schedule", "preference")

#: The columns of :meth:`Recommendations.to_frame` (after ``referral_id``, when set).
FRAME_COLUMNS = (
    "rank",
    "resource_id",
    "name",
    "category",
    "category_inferred",
    "score",
    "confidence",
    *COMPONENTS,
    "distance_km",
    "online",
    "matched_words",
    "flags",
    "reasons",
)

#: The version of the JSON shape of :meth:`Recommendations.to_dict`.
SCHEMA = "rxmatch.recommendations/1"

#: The contact details of a resource: directory columns that are not in the ranking
#: table (a saved index keeps them as string arrays of their own).
CONTACT_FIELDS = ("address", "city", "postal_code", "phone", "url")

#: The keys of ``Match.resource`` (``Match.to_dict()["resource"]``), in order.
RESOURCE_FIELDS = (
    *CONTACT_FIELDS,
    "lat",
    "lon",
    "online",
    "schedule",
    "free",
    "cost",
    "languages",
    "accessibility",
    "min_age",
    "max_age",
    "last_verified",
)


#: "HH:MM" of every minute of the day (a match's schedule is written out as JSON values)
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)) + ("24:00",)


def _hhmm(m: int) -> str:
    if type(m) is int and 0 <= m <= 1440:
        return _CLOCK[m]
    return "24:00" if m == 1440 else f"{(m // 60) % 24:02d}:{m % 60:02d}"


def plain(value: Any) -> Any:
    """``value`` as plain JSON types: NaN/inf and pandas NA become ``None``, numpy scalars
    Python numbers, tuples/sets/arrays lists, dates ISO strings, a :class:`Session` a
    ``{"day": "Tue", "start": "10:00", "end": "12:00"}`` dict (``end`` at or before
    ``start`` means past midnight)."""
    # fast paths for the exact built-in types a Match holds (the general checks below
    # give the same results; the abstract Mapping check is slow)
    tp = type(value)
    if tp is str or tp is bool or tp is int or value is None:
        return value
    if tp is float:
        return value if math.isfinite(value) else None
    if tp is Session:
        return {"day": DAYS[value.day], "start": _hhmm(value.start), "end": _hhmm(value.end)}
    if tp is tuple or tp is list:
        return [plain(v) for v in value]
    if tp is date:
        return value.isoformat()
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, (str, bool)):
            return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Session):
        return {"day": DAYS[value.day], "start": _hhmm(value.start), "end": _hhmm(value.end)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [plain(v) for v in items]
    pd = sys.modules.get("pandas")  # a pandas NA/NaT exists only once pandas is imported
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return str(value)


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Match:
    """One recommended resource.

    ``score`` is the final score in [0, 1] (after the freshness factor); ``confidence`` the
    calibrated probability of a good match (grade 2+ of 3) for that score at that rank;
    ``components`` holds each score component in [0, 1] before weighting; ``reasons`` are
    short human-readable explanations; ``matched_words`` pairs the person's words with
    words of the resource (typo-tolerant).
    """

    rank: int
    resource_id: str
    name: str
    category: str | None
    category_inferred: bool
    score: float
    components: Mapping[str, float]
    distance_km: float | None
    online: bool
    reasons: tuple[str, ...]
    matched_words: tuple[WordMatch, ...] = ()
    flags: tuple[str, ...] = ()
    #: calibrated probability that a link worker would judge this a good match (grade 2+
    #: of 3), from the final score and the rank (:func:`rxmatch.rank.confidence`)
    confidence: float | None = None
    #: one short sentence for the link worker, built from the reasons (it quotes only the
    #: matched words or wish the reasons quote)
    summary: str = ""
    #: the resource's facts as plain JSON values (see :data:`RESOURCE_FIELDS`): contact
    #: details, place, schedule, cost, languages, accessibility; ``None`` where unknown
    resource: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", _frozen(self.components))
        object.__setattr__(self, "resource", _frozen(self.resource))

    # read-only mappings (MappingProxyType) cannot be pickled: plain dicts on the way out
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["components"] = dict(self.components)
        state["resource"] = dict(self.resource)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["components"] = _frozen(state.get("components", {}))
        state["resource"] = _frozen(state.get("resource", {}))
        self.__dict__.update(state)

    def __repr__(self) -> str:
        # ``reasons`` and ``matched_words`` quote the person's words: a repr can reach a
        # log, so it shows how many there are, never what they say
        dist = "None" if self.distance_km is None else f"{self.distance_km:.1f}"
        return (
            f"Match(rank={self.rank}, resource_id={self.resource_id!r}, name={self.name!r}, "
            f"category={self.category!r}, score={self.score:.4f}, distance_km={dist}, "
            f"online={self.online}, reasons=<{len(self.reasons)}>, "
            f"matched_words=<{len(self.matched_words)}>, flags={self.flags!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """This match as plain JSON types (no NaN, tuples, dates or sessions), one entry of
        ``matches`` in :meth:`Recommendations.to_dict` (the shape is documented there)."""
        d = self._row()
        d["summary"] = self.summary
        d["resource"] = {key: plain(self.resource.get(key)) for key in RESOURCE_FIELDS}
        return d

    def _row(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rank": self.rank,
            "resource_id": self.resource_id,
            "name": self.name,
            "category": self.category,
            "category_inferred": bool(self.category_inferred),
            "score": plain(self.score),
            "confidence": plain(self.confidence),
        }
        for c in COMPONENTS:
            d[c] = plain(self.components.get(c))
        d["distance_km"] = plain(self.distance_km)
        d["online"] = bool(self.online)
        d["matched_words"] = [f"{m.query_word}->{m.resource_word}" for m in self.matched_words]
        d["flags"] = list(self.flags)
        d["reasons"] = list(self.reasons)
        return d

    def _frame_row(self) -> dict[str, Any]:
        """:meth:`_row` with the lists ``; ``-joined: a row of ``to_frame`` (its
        :data:`FRAME_COLUMNS`)."""
        d = self._row()
        d["matched_words"] = "; ".join(d["matched_words"])
        d["flags"] = "; ".join(d["flags"])
        d["reasons"] = "; ".join(d["reasons"])
        return d


@dataclass(frozen=True)
class Exclusion:
    """A resource that was a candidate but was filtered out, and why (reason code + text)."""

    resource_id: str
    code: str
    reason: str


class WhyNotContext:
    """What :meth:`Recommendations.why_not` needs beyond the matches, built by the Matcher:
    the home's place and the reach (never shown: not in ``repr`` nor ``to_dict``), the
    scored candidates, the ids skipped at load, and a weak reference to the fitted
    resource table. It holds none of the person's words.

    The table is not copied: a pickled result keeps the candidates' ids but neither the
    table nor the home's place, so it can no longer tell "out of reach" from "not in the
    directory" (it says so); a deep copy shares this context (it is read-only)."""

    __slots__ = (
        "_table",
        "home",
        "reach_km",
        "online_ok",
        "online_only",
        "rows",
        "scores",
        "min_confidence",
        "skipped",
        "k",
        "_ids",
    )

    def __init__(
        self,
        table: Any,
        *,
        home: tuple[float, float] | None,
        reach_km: float,
        online_ok: bool,
        online_only: bool,
        rows: np.ndarray,
        scores: np.ndarray,
        min_confidence: float = 0.0,
        skipped: Sequence[Any] = (),
        k: int = 0,
    ):
        self._table = None if table is None else weakref.ref(table)
        self.home = home
        self.reach_km = float(reach_km)
        self.online_ok = bool(online_ok)
        self.online_only = bool(online_only)
        self.rows = np.asarray(rows, dtype=np.intp)
        self.scores = np.asarray(scores, dtype=np.float64)
        self.min_confidence = float(min_confidence)
        self.skipped = skipped  # the load report's RowProblems (shared, not copied)
        self.k = int(k)
        self._ids: dict[str, int] | None = None  # candidate id -> position in rows

    @property
    def table(self) -> Any:
        return None if self._table is None else self._table()

    def candidate_ids(self) -> dict[str, int]:
        if self._ids is None:
            t = self.table
            if t is None:
                return {}
            self._ids = {str(rid): i for i, rid in enumerate(t.ids[self.rows])}
        return self._ids

    def row_of(self, resource_id: str) -> int | None:
        """The table row of ``resource_id`` (a scan of the ids), or ``None``."""
        t = self.table
        if t is None:
            return None
        ids = t.ids
        if isinstance(ids, np.ndarray):
            hit = np.flatnonzero(ids == resource_id)
            return int(hit[0]) if len(hit) else None
        offsets = getattr(ids, "_offsets", None)
        data = getattr(ids, "_data", None)
        if offsets is not None and data is not None:  # a StringColumn: compare lengths first
            want = resource_id.encode("utf-8")
            for r in np.flatnonzero(np.diff(offsets) == len(want)).tolist():
                if data[int(offsets[r]) : int(offsets[r + 1])].tobytes() == want:
                    return r
            return None
        for r, rid in enumerate(ids):
            if rid == resource_id:
                return r
        return None

    def skipped_reason(self, resource_id: str) -> str | None:
        for p in self.skipped:
            if p.record_id == resource_id:
                return f"{p.field}: {p.reason}" if p.field else str(p.reason)
        return None

    def __getstate__(self) -> dict[str, Any]:
        ids = self.candidate_ids()  # while the table is alive
        # without the table the home's place serves nothing: it is not written out
        return {
            "home": None,
            "reach_km": self.reach_km,
            "online_ok": self.online_ok,
            "online_only": self.online_only,
            "rows": self.rows,
            "scores": self.scores,
            "min_confidence": self.min_confidence,
            "skipped": self.skipped,
            "k": self.k,
            "_ids": ids if ids or not len(self.rows) else None,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._table = None
        for key in self.__slots__[1:]:
            setattr(self, key, state.get(key))

    def __deepcopy__(self, memo: dict[int, Any]) -> WhyNotContext:
        return self

    def __repr__(self) -> str:
        return f"WhyNotContext(<{len(self.rows)} candidates>)"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class Recommendations(Sequence[Match]):
    """The ranked, explained matches for one referral (an immutable sequence of
    :class:`Match`). ``excluded`` answers "why not X?" for candidates that failed a hard
    rule; :meth:`why_not` answers it for any id; ``notes`` says what the search did (for
    example that it widened the radius); ``n_candidates`` counts the resources within
    reach; ``facets`` lists how the person's words were read (interests, barriers,
    dislikes: kept out of ``repr`` and :meth:`to_dict`).

    Results can be pickled and deep-copied (a pickled result keeps what :meth:`why_not`
    needs except the fitted table, see :class:`WhyNotContext`).

    :meth:`to_dict` (and :meth:`to_json`) gives plain JSON types only, in the shape
    ``"rxmatch.recommendations/1"``::

        {
          "schema": "rxmatch.recommendations/1",
          "referral_id": str | null,
          "n_candidates": int,          # resources within reach
          "n_excluded": int,            # of them, filtered out by a hard rule (why_not)
          "notes": [str],               # what the search did
          "matches": [                  # best first
            {
              "rank": int, "resource_id": str, "name": str,
              "category": str | null, "category_inferred": bool,
              "score": float,           # final score in [0, 1]
              "confidence": float | null,  # calibrated P(good match)
              "semantic" | "lexical" | "distance" | "category_fit" | "schedule"
                | "preference": float | null,   # components in [0, 1], null if unused
              "distance_km": float | null, "online": bool,
              "matched_words": ["their word->resource word"],
              "flags": [str], "reasons": [str],
              "summary": str,           # one sentence for the link worker
              "resource": {
                "address", "city", "postal_code", "phone", "url": str | null,
                "lat", "lon": float | null, "online": bool,
                "schedule": [{"day": "Mon".."Sun", "start": "HH:MM", "end": "HH:MM"}],
                "free": bool | null, "cost": str | null,
                "languages": [str], "accessibility": [str],
                "min_age", "max_age": number | null,
                "last_verified": "YYYY-MM-DD" | null
              }
            }
          ]
        }

    A session's ``end`` at or before its ``start`` runs past midnight. ``null`` means not
    known. The person's words appear only as the matched words and wish quotes that
    ``reasons`` (and ``summary``) already hold: never the facets or other sentences.
    Version ``1`` only grows by new keys; a key removed or changed in meaning makes ``2``.
    """

    matches: tuple[Match, ...]
    referral_id: str | None = None
    notes: tuple[str, ...] = ()
    n_candidates: int = 0
    facets: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] | Callable[[], tuple[Exclusion, ...]] = field(
        default=(), repr=False, compare=False
    )
    _by_id: Mapping[str, Match] = field(default_factory=dict, repr=False, compare=False)
    #: what :meth:`why_not` needs beyond the matches (no words of the person)
    _context: WhyNotContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_id", MappingProxyType({m.resource_id: m for m in self.matches})
        )

    # a MappingProxyType and a callable cannot be pickled: store neither
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_by_id", None)
        state["exclusions"] = self.excluded
        state.pop("excluded", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["_by_id"] = MappingProxyType({m.resource_id: m for m in self.matches})

    def __repr__(self) -> str:
        # the facets are the person's words, and each Match's repr hides its reasons:
        # like ``repr(Referral)``, this repr can be logged
        return (
            f"Recommendations(referral_id={self.referral_id!r}, ids={self.ids!r}, "
            f"n_candidates={self.n_candidates}, notes=<{len(self.notes)}>, "
            f"facets=<{len(self.facets)}>)"
        )

    @cached_property
    def excluded(self) -> tuple[Exclusion, ...]:
        """Candidates within reach that a hard rule filtered out, with the reason."""
        ex = self.exclusions
        return tuple(ex() if callable(ex) else ex)

    @overload
    def __getitem__(self, i: int) -> Match: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Match, ...]: ...
    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self.matches[i]

    def __len__(self) -> int:
        return len(self.matches)

    def __iter__(self) -> Iterator[Match]:
        return iter(self.matches)

    @property
    def ids(self) -> list[str]:
        return [m.resource_id for m in self.matches]

    def get(self, resource_id: str) -> Match | None:
        return self._by_id.get(resource_id)

    def why_not(self, resource_id: str) -> str:
        """Why ``resource_id`` is not among the matches, always as a sentence:

        - a hard rule excluded it: that rule's reason (as in :attr:`excluded`, for example
          ``"not free"`` or ``"for ages up to 17"``);
        - ``"ranked below the top k: …"``: it was an eligible candidate, with its place by
          score among them (before the diversity re-ranking), or held back for a low
          confidence;
        - ``"out of reach: …"``: how far it is from home against the reach, or that it is
          online/in person when the referral ruled that out;
        - ``"skipped when the directory was loaded: …"``: the load report's reason;
        - ``"not in the directory"``.

        A shown match answers ``"recommended at rank N"``. A pickled result no longer holds
        the table: for an id that was not a candidate it says it was not in reach, without
        telling how far or whether the directory holds it."""
        resource_id = str(resource_id)
        m = self._by_id.get(resource_id)
        if m is not None:
            return f"recommended at rank {m.rank}"
        for e in self.excluded:
            if e.resource_id == resource_id:
                return e.reason
        ctx = self._context
        if ctx is None:
            return "not among the candidates within reach"
        pos = ctx.candidate_ids().get(resource_id)
        if pos is not None:
            return self._below_k(ctx, pos)
        if ctx.table is None:
            skipped = ctx.skipped_reason(resource_id)
            if skipped is not None:
                return f"skipped when the directory was loaded: {skipped}"
            if ctx._ids is None:
                return "not among the candidates within reach"
            return (
                "not among the candidates within reach (out of reach or not in the "
                "directory: a copied result no longer holds the directory to tell which)"
            )
        r = ctx.row_of(resource_id)
        if r is None:
            skipped = ctx.skipped_reason(resource_id)
            if skipped is not None:
                return f"skipped when the directory was loaded: {skipped}"
            return "not in the directory"
        return self._out_of_reach(ctx, r)

    def _below_k(self, ctx: WhyNotContext, pos: int) -> str:
        s = float(ctx.scores[pos])
        n = len(ctx.scores)
        rank = 1 + int((ctx.scores > s).sum())
        k = ctx.k or len(self.matches)
        text = (
            f"ranked below the top {k}: {_ordinal(rank)} of {n} eligible "
            f"candidates by score ({s:.3f})"
        )
        from .rank.scoring import confidence

        c = float(confidence(np.array([s]), ranks=np.array([rank]))[0])  # at its place by score
        if ctx.min_confidence > 0 and c < ctx.min_confidence:
            text += f"; held back, its confidence ({c:.0%}) is below {ctx.min_confidence:.0%}"
        elif rank <= k:
            text += "; left out by the re-ranking for variety"
        return text

    def _out_of_reach(self, ctx: WhyNotContext, r: int) -> str:
        t = ctx.table
        online = bool(t.online[r])
        placed = bool(t.has_place[r])
        if online and not placed:
            if not (ctx.online_ok or ctx.online_only):
                return "out of reach: online only, and this referral does not take online help"
            return (
                "ranked below the top k: online, but not among the online resources closest "
                "in meaning that were scored"
            )
        if ctx.online_only and not online:
            return "out of reach: in person, and this referral asked for online help only"
        if ctx.home is None:
            return "out of reach: in person, and the referral gives no home to measure from"
        from .features.geo import haversine_km

        d = float(haversine_km(ctx.home[0], ctx.home[1], t.lat[r], t.lon[r]))
        if d > ctx.reach_km:
            return f"out of reach: {d:.1f} km from home, beyond the {ctx.reach_km:.1f} km reach"
        return (
            f"ranked below the top k: within reach ({d:.1f} km) but not among the candidates "
            "closest in meaning that were scored"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only, in the shape ``"rxmatch.recommendations/1"`` documented
        on this class."""
        return {
            "schema": SCHEMA,
            "referral_id": self.referral_id,
            "n_candidates": int(self.n_candidates),
            "n_excluded": len(self.excluded),
            "notes": list(self.notes),
            "matches": [m.to_dict() for m in self.matches],
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON (strict: no NaN; ``ensure_ascii=False``; keyword
        arguments go to :func:`json.dumps`)."""
        kwargs.setdefault("ensure_ascii", False)
        kwargs.setdefault("allow_nan", False)
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """One row per match: rank, resource_id, name, category, score, each component,
        distance_km, online, matched words, flags and reasons (``; ``-joined)."""
        import pandas as pd

        df = pd.DataFrame([m._frame_row() for m in self.matches], columns=list(FRAME_COLUMNS))
        if self.referral_id is not None:
            df.insert(0, "referral_id", self.referral_id)
        return df

    def excluded_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [(e.resource_id, e.code, e.reason) for e in self.excluded],
            columns=["resource_id", "code", "reason"],
        )
