"""An outcome-aware re-ranker: learned from logged shown/attended pairs, with
inverse-propensity weighting and bounded Thompson-sampling exploration.

Model
-----
The static ranker's score ``s`` of a resource for a person stands for how well it fits
*them*. Outcomes add what the score cannot see: whether people who are shown a resource
actually go (a welcoming group, an accurate record, a bus that runs). The re-ranker learns
one multiplicative **lift** per resource,

    score' = s * lift_d ** weight,

from the log. Each shown event ``i`` of resource ``d`` at rank ``k`` contributes an
observed attendance ``a_i`` and an expected one ``s_i``; both are weighted by
``1 / (propensity_i * examination(k))`` (so that a resource shown often, or near the top,
does not look better merely because it was seen: inverse-propensity weighting):

    A_d = sum_i a_i / (p_i * e(k_i)),        E_d = sum_i s_i / p_i,

and the lift is the posterior mean of a Gamma-Poisson model shrunk toward the category's
pooled lift ``L_c`` with ``prior_strength`` pseudo-observations:

    lift_d = (A_d + m L_c) / (E_d + m)  (``m = prior_strength * mean(s)``).

**Exploration** is bounded: the first ``explore_from - 1`` slots always hold the best
posterior-mean scores; only slots ``explore_from`` and below are filled by Thompson
sampling (a lift drawn from each resource's Gamma posterior). :meth:`OutcomeReranker.rank`
returns each shown resource's probability of being shown under this policy (Monte Carlo
over the draws) for the "shown" events, and the share of exposure that exploration
moved away from the greedy list (its cost).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError, NotFittedError

__all__ = ["OutcomeReranker", "RankedList", "examination_curve"]


def examination_curve(k: int = 10, eta: float = 1.0) -> np.ndarray:
    """The probability that a link worker and the person look at rank 1..k: ``1/rank**eta``
    (a position-bias model; ``eta=0`` means every slot is read)."""
    return 1.0 / np.arange(1, k + 1, dtype=float) ** eta


@dataclass(frozen=True)
class RankedList:
    """The re-ranked list for one referral: ``order`` (positions in the input arrays, best
    first), ``propensity`` (probability that each shown item is shown by this policy),
    ``explored`` (shown only because of exploration), ``exposure_cost`` (the share of the
    list's examination-weighted exposure given to explored items)."""

    order: np.ndarray
    propensity: np.ndarray
    explored: np.ndarray
    exposure_cost: float


class OutcomeReranker:
    """Re-rank a static ranker's candidates with per-resource lifts learned from outcomes.

    Parameters
    ----------
    weight : exponent of the lift (0 = the static ranking).
    prior_strength : pseudo-observations pulling each lift toward its category's pool.
    examination : the position-bias curve ``e(rank)`` used for the weights (default
        :func:`examination_curve` with ``eta=1``).
    explore_from : the first slot (1-based) open to exploration; ``None`` turns it off.
    n_draws : Monte Carlo draws for the propensities.
    outcome : the event counted as success (``"attended"`` or ``"attending_12w"``).
    """

    def __init__(
        self,
        *,
        weight: float = 1.0,
        prior_strength: float = 5.0,
        examination: Sequence[float] | None = None,
        explore_from: int | None = 4,
        n_draws: int = 64,
        outcome: str = "attended",
    ) -> None:
        if weight < 0 or prior_strength <= 0:
            raise InvalidParameterError("weight must be >= 0 and prior_strength > 0")
        if explore_from is not None and explore_from < 1:
            raise InvalidParameterError("explore_from must be >= 1 (or None)")
        if outcome not in ("attended", "attending_12w"):
            raise InvalidParameterError("outcome must be 'attended' or 'attending_12w'")
        self.weight = float(weight)
        self.prior_strength = float(prior_strength)
        self.examination = (
            np.asarray(examination, dtype=float)
            if examination is not None
            else examination_curve(50)
        )
        self.explore_from = explore_from
        self.n_draws = int(n_draws)
        self.outcome = outcome
        self.lifts_: pd.DataFrame | None = None

    # -------------------------------------------------------------- learning
    def fit_arrays(
        self,
        resource: np.ndarray,
        rank: np.ndarray,
        score: np.ndarray,
        propensity: np.ndarray,
        attended: np.ndarray,
        category: np.ndarray | None = None,
    ) -> OutcomeReranker:
        """Learn from one row per shown event (integer or string resource ids)."""
        resource = np.asarray(resource)
        rank = np.asarray(rank, dtype=int)
        score = np.clip(np.asarray(score, dtype=float), 1e-6, None)
        p = np.clip(np.asarray(propensity, dtype=float), 1e-3, 1.0)
        a = np.asarray(attended, dtype=float)
        if not (len(resource) == len(rank) == len(score) == len(p) == len(a)):
            raise InvalidParameterError("the arrays must have the same length")
        e = self.examination[np.clip(rank, 1, len(self.examination)) - 1]
        frame = pd.DataFrame(
            {
                "resource_id": resource,
                "A": a / (p * e),
                "E": score / p,
                "n": 1,
                "category": "all" if category is None else np.asarray(category, dtype=object),
            }
        )
        frame["category"] = frame["category"].fillna("unknown")
        g = frame.groupby("resource_id").agg(
            A=("A", "sum"), E=("E", "sum"), n=("n", "sum"), category=("category", "last")
        )
        m = self.prior_strength * float(np.mean(score)) if len(score) else self.prior_strength
        pooled = g.groupby("category")[["A", "E"]].sum()
        pooled_lift = (pooled["A"] / pooled["E"].where(pooled["E"] > 0)).fillna(1.0)
        overall = float(g["A"].sum() / g["E"].sum()) if g["E"].sum() > 0 else 1.0
        g["prior_lift"] = g["category"].map(pooled_lift).astype(float).fillna(overall)
        g["shape"] = g["A"] + m * g["prior_lift"]
        g["rate"] = g["E"] + m
        # lifts relative to the overall pool, so an unseen resource has lift 1
        scale = overall if overall > 0 else 1.0
        g["lift"] = g["shape"] / g["rate"] / scale
        self._scale = scale
        self._m = m
        self._pooled_lift = pooled_lift / scale
        self.lifts_ = g
        return self

    def fit(self, events: Any, *, categories: Mapping[str, str] | None = None) -> OutcomeReranker:
        """Learn from an :class:`~rxmatch.outcomes.OutcomeStore` (or its ``to_frame()``):
        every ``shown`` event with a rank, score and propensity, labelled by whether the
        same referral has an ``attended`` (or ``attending_12w``) event for that resource."""
        df = events if isinstance(events, pd.DataFrame) else events.to_frame()
        shown = df[(df["event"] == "shown") & df["rank"].notna() & df["score"].notna()]
        shown = shown.drop_duplicates(["referral_id", "resource_id"], keep="first")
        success = (
            ("attended", "attending_12w") if self.outcome == "attended" else ("attending_12w",)
        )
        went = df[df["event"].isin(success)][["referral_id", "resource_id"]].drop_duplicates()
        went = set(zip(went["referral_id"], went["resource_id"]))
        attended = np.array(
            [(r, d) in went for r, d in zip(shown["referral_id"], shown["resource_id"])],
            dtype=float,
        )
        cat = shown["category"].to_numpy(dtype=object)
        if categories is not None:
            cat = np.array([categories.get(d) for d in shown["resource_id"]], dtype=object)
        return self.fit_arrays(
            shown["resource_id"].to_numpy(),
            shown["rank"].to_numpy(dtype=int),
            shown["score"].to_numpy(dtype=float),
            shown["propensity"].fillna(1.0).to_numpy(dtype=float),
            attended,
            cat,
        )

    # -------------------------------------------------------------- ranking
    def _posterior(
        self, ids: Sequence[Any], categories: Sequence[Any] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.lifts_ is None:
            raise NotFittedError("OutcomeReranker is not fitted; call fit() first")
        g = self.lifts_
        shape = g["shape"].reindex(ids).to_numpy(dtype=float, copy=True)
        rate = g["rate"].reindex(ids).to_numpy(dtype=float, copy=True)
        unseen = ~np.isfinite(shape)
        if unseen.any():
            prior = np.ones(len(ids))
            if categories is not None:
                prior = (
                    pd.Series(categories).map(self._pooled_lift).fillna(1.0).to_numpy(dtype=float)
                )
            shape[unseen] = self._m * prior[unseen] * self._scale
            rate[unseen] = self._m
        return shape, rate * self._scale

    def lift(self, ids: Sequence[Any], categories: Sequence[Any] | None = None) -> np.ndarray:
        """Posterior-mean lift per resource (1 = like the average resource)."""
        shape, rate = self._posterior(list(ids), categories)
        return shape / rate

    def rank(
        self,
        ids: Sequence[Any],
        scores: np.ndarray,
        k: int = 10,
        *,
        rng: np.random.Generator | int | None = None,
        explore: bool = True,
        categories: Sequence[Any] | None = None,
    ) -> RankedList:
        """Re-rank one referral's candidates (``ids`` with static ``scores``) to ``k``."""
        ids = list(ids)
        s = np.clip(np.asarray(scores, dtype=float), 1e-6, None)
        n = len(ids)
        k = min(int(k), n)
        shape, rate = self._posterior(ids, categories)
        mean_score = s * (shape / rate) ** self.weight
        greedy = np.argsort(-mean_score, kind="stable")[:k]
        if not explore or self.explore_from is None or self.explore_from > k or self.weight == 0:
            return RankedList(greedy, np.ones(k), np.zeros(k, dtype=bool), 0.0)
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        fixed = self.explore_from - 1
        head = greedy[:fixed]
        rest = np.setdiff1d(np.arange(n), head)
        draws = gen.gamma(shape[rest], 1.0 / rate[rest], size=(self.n_draws, len(rest)))
        sampled = s[rest] * draws**self.weight
        picks = rest[np.argsort(-sampled, axis=1)[:, : k - fixed]]  # (draws, k - fixed)
        order = np.concatenate([head, picks[0]])
        counts = np.zeros(n)
        np.add.at(counts, picks.ravel(), 1.0)
        prop = np.ones(k)
        prop[fixed:] = counts[picks[0]] / self.n_draws
        explored = ~np.isin(order, greedy)
        e = self.examination[:k]
        cost = float(e[explored].sum() / e.sum())
        return RankedList(order, prop, explored, cost)

    def rerank(
        self,
        recs: Any,
        k: int = 10,
        *,
        rng: np.random.Generator | int | None = None,
        explore: bool = True,
    ) -> tuple[Any, dict[str, float]]:
        """Re-rank a :class:`~rxmatch.Recommendations` (ask the matcher for more than ``k``,
        e.g. 30, so there is something to explore). Returns the new Recommendations (ranks
        renumbered) and ``{resource_id: propensity}`` for
        :meth:`OutcomeStore.log_shown(..., propensities=...) <rxmatch.outcomes.OutcomeStore.log_shown>`."""
        matches = list(recs.matches)
        if not matches:
            return recs, {}
        out = self.rank(
            [m.resource_id for m in matches],
            np.array([m.score for m in matches]),
            k,
            rng=rng,
            explore=explore,
            categories=[m.category for m in matches],
        )
        new = tuple(replace(matches[j], rank=i + 1) for i, j in enumerate(out.order))
        props = {m.resource_id: float(p) for m, p in zip(new, out.propensity)}
        return replace(recs, matches=new), props
