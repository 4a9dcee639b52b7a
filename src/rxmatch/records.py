"""Immutable result records: a Match per recommended resource, the Exclusions that answer
"why not X?", and Recommendations, the ranked list for one referral."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, overload

import pandas as pd

from .features.fuzzy import WordMatch

__all__ = ["Match", "Exclusion", "Recommendations", "COMPONENTS"]

#: Score components, each in [0, 1], in the order they appear in tables.
COMPONENTS = ("semantic", "lexical", "distance", "category_fit", "schedule", "preference")


@dataclass(frozen=True)
class Match:
    """One recommended resource.

    ``score`` is the final score in [0, 1] (after the freshness factor); ``confidence`` the
    calibrated probability of a good match (grade 2+ of 3) for that score; ``components``
    holds each score component in [0, 1] before weighting; ``reasons`` are short
    human-readable explanations; ``matched_words`` pairs the person's words with words of
    the resource (typo-tolerant).
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
    #: of 3), from the final score (:func:`rxmatch.rank.confidence`)
    confidence: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))

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
        d: dict[str, Any] = {
            "rank": self.rank,
            "resource_id": self.resource_id,
            "name": self.name,
            "category": self.category,
            "category_inferred": self.category_inferred,
            "score": self.score,
            "confidence": self.confidence,
        }
        for c in COMPONENTS:
            d[c] = self.components.get(c)
        d["distance_km"] = self.distance_km
        d["online"] = self.online
        d["matched_words"] = [f"{m.query_word}->{m.resource_word}" for m in self.matched_words]
        d["flags"] = list(self.flags)
        d["reasons"] = list(self.reasons)
        return d


@dataclass(frozen=True)
class Exclusion:
    """A resource that was a candidate but was filtered out, and why (reason code + text)."""

    resource_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class Recommendations(Sequence[Match]):
    """The ranked, explained matches for one referral (an immutable sequence of
    :class:`Match`). ``excluded`` answers "why not X?" for candidates that failed a hard
    rule (built on first access); ``notes`` says what the search did (for example that it
    widened the radius); ``n_candidates`` counts the resources within reach; ``facets``
    lists how the person's words were read (interests, barriers, dislikes)."""

    matches: tuple[Match, ...]
    referral_id: str | None = None
    notes: tuple[str, ...] = ()
    n_candidates: int = 0
    facets: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] | Callable[[], tuple[Exclusion, ...]] = field(
        default=(), repr=False, compare=False
    )
    _by_id: Mapping[str, Match] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_id", MappingProxyType({m.resource_id: m for m in self.matches})
        )

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

    def why_not(self, resource_id: str) -> str | None:
        """The reason a resource was excluded, or ``None`` if it was not excluded."""
        for e in self.excluded:
            if e.resource_id == resource_id:
                return e.reason
        return None

    def to_frame(self) -> pd.DataFrame:
        """One row per match: rank, resource_id, name, category, score, each component,
        distance_km, online, matched words, flags and reasons (``; ``-joined)."""
        cols = [
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
        ]
        rows = []
        for m in self.matches:
            d = m.to_dict()
            d["matched_words"] = "; ".join(d["matched_words"])
            d["flags"] = "; ".join(d["flags"])
            d["reasons"] = "; ".join(d["reasons"])
            rows.append(d)
        df = pd.DataFrame(rows, columns=cols)
        if self.referral_id is not None:
            df.insert(0, "referral_id", self.referral_id)
        return df

    def excluded_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(e.resource_id, e.code, e.reason) for e in self.excluded],
            columns=["resource_id", "code", "reason"],
        )
