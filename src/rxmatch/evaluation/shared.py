"""One fitted Matcher shared by every system under evaluation.

:class:`SharedIndex` embeds the directory once (through a fitted :class:`~rxmatch.Matcher`)
and, per referral, the person's words once; it also computes, once per referral, the
*candidate set* every system ranks: the resources within the person's radius, outreach
services that reach them and online resources (unless ``online_ok=False``), after rxmatch's
hard eligibility filters (age, language, accessibility, free-only, online-only, excluded
categories). Because every baseline ranks exactly this set, an evaluation compares ranking,
not reach or eligibility.

Query vectors and candidate sets are memoised in memory only (never written anywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..directory import Directory
from ..features.query import encode_person
from ..features.text import Embedder
from ..matcher import EncodedQuery, Matcher
from ..rank.candidates import VIA_ONLINE
from ..rank.scoring import CandidateFeatures
from ..referral import Referral

__all__ = ["SharedIndex", "CandidateSet"]


@dataclass(frozen=True)
class CandidateSet:
    """The eligible resources within a person's reach, aligned arrays.

    ``rows`` index the fitted table (directory order); ``distance_km`` is NaN for
    resources without a place; ``online`` is True when the resource is reached online (not
    inside the radius or an outreach area); ``cosine`` is the raw cosine similarity of the
    person's words and the resource text. ``state`` is the Matcher's
    :class:`~rxmatch.rank.CandidateFeatures` (re-scored with other weights by
    :func:`~rxmatch.rank.score_candidates`, the one scoring path).
    """

    rows: np.ndarray
    distance_km: np.ndarray
    online: np.ndarray
    cosine: np.ndarray
    state: CandidateFeatures

    def __len__(self) -> int:
        return len(self.rows)


class SharedIndex:
    """Embeddings and candidate sets shared by every evaluated system.

    Parameters
    ----------
    matcher : Matcher
        a fitted :class:`~rxmatch.Matcher` (its embeddings, categories and
        eligibility rules are reused).
    """

    def __init__(self, matcher: Matcher):
        if not hasattr(matcher, "table_"):
            raise TypeError("SharedIndex needs a fitted Matcher (call Matcher.fit first)")
        self.matcher = matcher
        t = matcher.table_
        self.ids: np.ndarray = t.ids
        self.embeddings: np.ndarray = t.embeddings
        self.categories: list[str | None] = list(t.categories)
        self.row_of: dict[str, int] = {str(r): i for i, r in enumerate(t.ids)}
        self._encoded: dict[str, EncodedQuery] = {}
        self._raw: dict[str, np.ndarray] = {}
        self._candidates: dict[Referral, CandidateSet] = {}

    @classmethod
    def from_directory(
        cls, directory: Directory, embedder: Embedder | None = None, **matcher_kwargs: Any
    ) -> SharedIndex:
        """Fit a :class:`~rxmatch.Matcher` (default parameters unless given) and wrap it.
        ``candidate_pool`` and ``online_pool`` default to ``None`` here, so that every
        system ranks the full set of eligible candidates within reach."""
        matcher_kwargs.setdefault("candidate_pool", None)
        matcher_kwargs.setdefault("online_pool", None)
        return cls(Matcher(embedder, **matcher_kwargs).fit(directory))

    def __len__(self) -> int:
        return len(self.ids)

    # ---- query vectors -------------------------------------------------------------------
    def encode(self, referrals: Iterable[Referral]) -> None:
        """Embed the words (and facets) of many referrals in one batch (memoised in
        memory, keyed by the text; evaluation data only)."""
        todo: dict[str, Referral] = {}
        for r in referrals:
            if r.what_matters not in self._encoded:
                todo.setdefault(r.what_matters, r)
        if not todo:
            return
        for text, enc in zip(todo, self.matcher.encode_many(list(todo.values()))):
            self._encoded[text] = enc
        raw = [t for t in todo if t not in self._raw]
        if raw:  # the plain words, as a baseline would embed them (no rxmatch processing)
            vecs = encode_person(self.matcher.embedder_, raw, batch_size=self.matcher.batch_size)
            for t, v in zip(raw, vecs):
                self._raw[t] = np.asarray(v, dtype=np.float32)

    def encoded(self, referral: Referral) -> EncodedQuery:
        """The person's words and facets as embedded by ``Matcher.encode``."""
        e = self._encoded.get(referral.what_matters)
        if e is None:
            self.encode([referral])
            e = self._encoded[referral.what_matters]
        return e

    def query_vector(self, referral: Referral) -> np.ndarray:
        """The embedding of the person's words exactly as written (no typo correction, no
        facets): what the baselines rank with."""
        v = self._raw.get(referral.what_matters)
        if v is None:
            self.encode([referral])
            v = self._raw[referral.what_matters]
        return v

    # ---- candidates ----------------------------------------------------------------------
    def candidates(self, referral: Referral) -> CandidateSet:
        """The eligible resources within reach of ``referral`` (memoised)."""
        got = self._candidates.get(referral)
        if got is not None:
            return got
        enc = self.encoded(referral)
        # The Matcher's own candidate retrieval and eligibility step, so that every system
        # ranks exactly the set rxmatch ranks.
        state = self.matcher.candidate_features(referral, enc)
        rows = np.asarray(state.rows, dtype=np.intp)
        via = np.asarray(state.via)
        cs = CandidateSet(
            rows=rows,
            distance_km=np.asarray(state.distance_km, dtype=np.float64),
            online=via == VIA_ONLINE,
            cosine=(self.embeddings[rows] @ self.query_vector(referral)).astype(np.float64)
            if len(rows)
            else np.zeros(0, dtype=np.float64),
            state=state,
        )
        self._candidates[referral] = cs
        return cs

    def clear(self) -> None:
        """Forget memoised query vectors and candidate sets."""
        self._encoded.clear()
        self._raw.clear()
        self._candidates.clear()
