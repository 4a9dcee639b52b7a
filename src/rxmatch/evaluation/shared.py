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
from ..features.text import Embedder
from ..matcher import Matcher
from ..referral import Referral

__all__ = ["SharedIndex", "CandidateSet"]


@dataclass(frozen=True)
class CandidateSet:
    """The eligible resources within a person's reach, aligned arrays.

    ``rows`` index the fitted table (directory order); ``distance_km`` is NaN for
    resources without a place; ``online`` is True when the resource is reached online (not
    inside the radius or an outreach area); ``cosine`` is the raw cosine similarity of the
    person's words and the resource text. ``state`` is the Matcher's scoring state (for
    re-scoring with other weights).
    """

    rows: np.ndarray
    distance_km: np.ndarray
    online: np.ndarray
    cosine: np.ndarray
    state: dict[str, Any]

    def __len__(self) -> int:
        return len(self.rows)


class SharedIndex:
    """Embeddings and candidate sets shared by every evaluated system.

    Parameters
    ----------
    matcher : a fitted :class:`~rxmatch.Matcher` (its embeddings, categories and
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
        self._vectors: dict[str, np.ndarray] = {}
        self._candidates: dict[Referral, CandidateSet] = {}

    @classmethod
    def from_directory(
        cls, directory: Directory, embedder: Embedder | None = None, **matcher_kwargs: Any
    ) -> SharedIndex:
        """Fit a :class:`~rxmatch.Matcher` (default parameters unless given) and wrap it."""
        return cls(Matcher(embedder, **matcher_kwargs).fit(directory))

    def __len__(self) -> int:
        return len(self.ids)

    # ---- query vectors -------------------------------------------------------------------
    def encode(self, referrals: Iterable[Referral]) -> None:
        """Embed the words of many referrals in one batch (memoised in memory)."""
        texts = [r.what_matters for r in referrals if r.what_matters not in self._vectors]
        texts = list(dict.fromkeys(texts))
        if not texts:
            return
        m = self.matcher
        vecs = m.embedder_.encode([m.query_text(t) for t in texts], batch_size=m.batch_size)
        for t, v in zip(texts, vecs):
            self._vectors[t] = np.asarray(v, dtype=np.float32)

    def query_vector(self, referral: Referral) -> np.ndarray:
        """The embedding of the person's words (as ``Matcher.encode_query``)."""
        v = self._vectors.get(referral.what_matters)
        if v is None:
            self.encode([referral])
            v = self._vectors[referral.what_matters]
        return v

    # ---- candidates ----------------------------------------------------------------------
    def candidates(self, referral: Referral) -> CandidateSet:
        """The eligible resources within reach of ``referral`` (memoised)."""
        got = self._candidates.get(referral)
        if got is not None:
            return got
        q = self.query_vector(referral)
        # The Matcher's own candidate retrieval and eligibility step, so that every system
        # ranks exactly the set rxmatch ranks.
        state = self.matcher._score(referral, q)
        rows = np.asarray(state["rows"], dtype=np.intp)
        via = np.asarray(state["via"], dtype=object)
        cs = CandidateSet(
            rows=rows,
            distance_km=np.asarray(state["dist"], dtype=np.float64),
            online=via == "online",
            cosine=(self.embeddings[rows] @ q).astype(np.float64)
            if len(rows)
            else np.zeros(0, dtype=np.float64),
            state=state,
        )
        self._candidates[referral] = cs
        return cs

    def clear(self) -> None:
        """Forget memoised query vectors and candidate sets."""
        self._vectors.clear()
        self._candidates.clear()
