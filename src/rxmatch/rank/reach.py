"""Reach: how far a person can go (their radius after their barriers), the widening for
rural homes, the pool of online resources closest in meaning, and the candidates that
follow (:func:`~rxmatch.rank.candidates.retrieve_candidates`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._arrays import max_row_norm
from ..features.facets import Facets
from ..referral import TRAVEL_RADIUS_KM
from .candidates import VIA_ONLINE, Candidates, retrieve_candidates

if TYPE_CHECKING:
    from ..index import FittedIndex
    from ..referral import Referral

__all__ = ["Reach", "AUTO", "closest_online", "pool_scores", "product_tolerance"]

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
        meaning (:func:`closest_online`: one product over their contiguous embeddings, the
        boundary settled by :func:`pool_scores`, ties to the lower row); else all of them
        (``None``)."""
        t = index.table
        pool = self.online_pool
        if q is None or pool is None or len(t.online_rows) <= pool:
            return None
        online = index.online_embeddings
        idx = closest_online(online, q, pool, online @ q, index.online_norm)
        return np.sort(t.online_rows[idx])

    def online_subsets(
        self, index: FittedIndex, Q: np.ndarray, wanted: Sequence[bool], *, batch: int = 256
    ) -> list[np.ndarray | None]:
        """:meth:`online_subset` for a batch of query vectors ``Q`` (one row each), with one
        matrix product per ``batch`` referrals instead of one matrix-vector product each.
        Each row of the product goes through the same :func:`closest_online` as
        :meth:`online_subset`, so the pools are the same by construction: the products'
        summation orders differ (the last bit of a similarity may), but the boundary is
        settled by :func:`pool_scores`, which gives a row its value wherever it stands."""
        t = index.table
        pool = self.online_pool
        n_online = len(t.online_rows)
        if pool is None or n_online <= pool:
            return [None] * len(Q)
        online = index.online_embeddings
        norm = index.online_norm
        out: list[np.ndarray | None] = []
        for lo in range(0, len(Q), batch):
            S = Q[lo : lo + batch] @ online.T  # (batch, n_online)
            for j, sims in enumerate(S):
                if not wanted[lo + j]:
                    out.append(np.empty(0, dtype=np.intp))  # not used: online is not ok
                    continue
                idx = closest_online(online, Q[lo + j], pool, sims, norm)
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


def pool_scores(rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``rows @ q`` row by row in one fixed summation order (numpy's pairwise sum along
    each row): a row's value depends on that row and ``q`` alone, never on its position
    or on how many rows there are. A BLAS product does not promise that (OpenBLAS's gemv
    sums the last ``n % 4`` rows of a matrix in another order than the others), so this
    is the similarity that decides the online pool's boundary (:func:`closest_online`)."""
    return np.multiply(rows, q).sum(axis=1)


def product_tolerance(dim: int, dtype: Any, max_norm: float, q: np.ndarray) -> float:
    """How far apart two float computations of ``row @ q`` (``dim`` terms, ``dtype``) can
    be, in any summation order, for rows of norm at most ``max_norm``, doubled: each is
    within ``gamma_dim * |row|.|q| <= gamma_dim * max_norm * |q|`` of the exact dot
    product (``gamma_n = n u / (1 - n u)``, ``u`` the unit roundoff), and a margin of
    twice their distance keeps every row that could be in the pool in
    :func:`closest_online`'s band (with a quarter more for rounding the band's edges).
    About 1e-4 for unit vectors of 384 float32."""
    u = float(np.finfo(dtype).eps) / 2
    gamma = dim * u / (1 - dim * u)
    return 5.0 * gamma * float(max_norm) * float(np.linalg.norm(q))


def closest_online(
    online: np.ndarray,
    q: np.ndarray,
    pool: int,
    sims: np.ndarray | None = None,
    max_norm: float | None = None,
) -> np.ndarray:
    """The positions (ascending) of the ``pool`` rows of ``online`` closest to ``q``: by
    :func:`pool_scores` descending, then by position ascending (among equal similarities,
    e.g. identical descriptions, the lower row wins), whatever product gave ``sims``.

    ``sims`` is ``online @ q`` computed in any summation order (a BLAS matrix-vector
    product, a row of a matrix product; computed here when ``None``), ``max_norm`` the
    largest norm of a row of ``online`` (computed when ``None``). Rows whose ``sims`` lies
    above the pool's threshold by more than :func:`product_tolerance` are in, those below
    it by more are out; only the few rows in between (near-ties, whole groups of equal
    vectors) are scored again with :func:`pool_scores` and ranked by (score, position).
    The answer is the same for any ``sims`` within the rounding bound of the exact
    product, so :meth:`Reach.online_subset` and :meth:`Reach.online_subsets` agree by
    construction."""
    n = len(online)
    if pool >= n:
        return np.arange(n)
    if sims is None:
        sims = online @ q
    if max_norm is None:
        max_norm = max_row_norm(online)
    dtype = np.result_type(online.dtype, q.dtype)
    tol = product_tolerance(online.shape[1], dtype, max_norm, q)
    threshold = float(np.partition(sims, n - pool)[n - pool])  # the pool-th largest
    above = sims > threshold + tol  # in: fewer than ``pool`` rows lie above the threshold
    below = sims < threshold - tol  # out: ``pool`` rows lie surely closer
    sure = np.flatnonzero(above)
    band = np.flatnonzero(~(above | below))  # also any NaN
    need = pool - len(sure)
    if len(band) > need:
        score = pool_scores(online[band], q)
        band = band[np.lexsort((band, -score))[:need]]
    return np.sort(np.concatenate([sure, band]))
