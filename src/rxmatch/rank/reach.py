"""Reach: how far a person can go (their radius after their barriers), the widening for
rural homes, the pool of online resources closest in meaning, and the candidates that
follow (:func:`~rxmatch.rank.candidates.retrieve_candidates`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..features.facets import Facets
from ..referral import TRAVEL_RADIUS_KM
from .candidates import VIA_ONLINE, Candidates, retrieve_candidates

if TYPE_CHECKING:
    from ..index import FittedIndex
    from ..referral import Referral

__all__ = ["Reach", "AUTO"]

#: "compute the online pool for this query" (``recommend_many`` precomputes it in batches)
AUTO: Any = object()


@dataclass(frozen=True)
class Reach:
    """The reach stage of a Matcher (its ``widen_if_fewer_than``, ``max_widen_factor``,
    ``mobility_reach`` and ``online_pool`` parameters)."""

    widen_if_fewer_than: int = 3
    max_widen_factor: float = 3.0
    mobility_reach: float = 0.6
    online_pool: int | None = 300

    def reach_km(self, ref: Referral, facets: Facets) -> tuple[float, list[str]]:
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

    def online_subset(self, index: FittedIndex, q: np.ndarray | None) -> np.ndarray | None:
        """With more online resources than ``online_pool``, the ``online_pool`` closest in
        meaning (one product over their contiguous embeddings); else all of them (``None``)."""
        t = index.table
        pool = self.online_pool
        if q is None or pool is None or len(t.online_rows) <= pool:
            return None
        sims = index.online_embeddings @ q
        idx = np.argpartition(-sims, pool - 1)[:pool]
        return np.sort(t.online_rows[idx])

    def online_subsets(
        self, index: FittedIndex, Q: np.ndarray, wanted: Sequence[bool], *, batch: int = 256
    ) -> list[np.ndarray | None]:
        """:meth:`online_subset` for a batch of query vectors ``Q`` (one row each), with one
        matrix product per ``batch`` referrals instead of one matrix-vector product each. A
        short list (``online_pool`` + 32) from the batch product is re-scored with the
        per-query product, so the pools are those of :meth:`online_subset`."""
        t = index.table
        pool = self.online_pool
        n_online = len(t.online_rows)
        if pool is None or n_online <= pool:
            return [None] * len(Q)
        short = min(n_online, pool + 32)
        online = index.online_embeddings
        out: list[np.ndarray | None] = []
        for lo in range(0, len(Q), batch):
            S = Q[lo : lo + batch] @ online.T  # (batch, n_online)
            for j, sims in enumerate(S):
                if not wanted[lo + j]:
                    out.append(np.empty(0, dtype=np.intp))  # not used: online is not ok
                    continue
                cand = np.sort(np.argpartition(-sims, short - 1)[:short])
                exact = online[cand] @ Q[lo + j]
                idx = cand[np.argpartition(-exact, pool - 1)[:pool]]
                out.append(np.sort(t.online_rows[idx]))
        return out

    def candidates(
        self,
        index: FittedIndex,
        ref: Referral,
        q: np.ndarray | None = None,
        facets: Facets | None = None,
        online_rows: Any = AUTO,
    ) -> tuple[Candidates, float, list[str]]:
        """The candidates of ``ref``, the radius used and notes: with fewer than
        ``widen_if_fewer_than`` in-person candidates, and no explicit ``max_km``, the radius
        is widened step by step (×1.5) up to ``max_widen_factor`` times."""
        t = index.table
        if online_rows is AUTO:
            online_rows = (
                self.online_subset(index, q) if (ref.online_ok or ref.online_only) else None
            )
        radius, notes = self.reach_km(ref, facets or Facets())
        base_radius = radius
        kw: dict[str, Any] = dict(
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
