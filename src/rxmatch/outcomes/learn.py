"""An outcome-aware re-ranker: learned from logged shown/attended pairs, corrected for
position bias by the examination propensity, with bounded Thompson-sampling exploration.

Model
-----
The static ranker's score ``s`` of a resource for a person stands for how well it fits
*them*. Outcomes add what the score cannot see: whether people who are shown a resource
actually go (a welcoming group, an accurate record, a bus that runs). The re-ranker
models

    P(attend | shown at rank k) = e(k) * exp(alpha + beta * s) * lift_d ** weight

and ranks by ``exp(alpha + beta * s) * lift_d ** weight``. ``e(k)`` is the examination
propensity (the chance that rank ``k`` is read at all; :func:`examination_curve`);
``alpha`` and ``beta`` calibrate the static score to attendance (a Poisson regression on
the log; ``beta >= 0``, so with no outcomes the order is the static one); ``lift_d`` is one
multiplicative effect per resource. Each shown event ``i`` of resource ``d`` contributes
its attendance ``a_i`` and its expected attendance ``e(k_i) * g_i`` with
``g_i = exp(alpha + beta * s_i)``:

    A_d = sum_i a_i,        E_d = sum_i e(k_i) * g_i

(``weighting="exposure"``, the default: the examination propensity enters as the
exposure, so a resource shown near the top is expected to be attended more and does not
look better merely because it was seen). ``weighting="ips"`` uses Horvitz-Thompson
weights instead: ``A_d = sum a_i / (p_i e(k_i))``, ``E_d = sum g_i / p_i`` with ``p_i``
the logged probability of being shown; it is unbiased too but far noisier with
exploration propensities of a few percent (in the simulation of ``docs/outcomes.md`` it
learned worse). The lift is the posterior mean of a Gamma-Poisson model with a prior
worth ``prior_strength`` attendances (``k0``) centred on the overall rate (or, with
``by_category=True``, on the resource's category's pooled rate):

    lift_d = (A_d + k0) / (E_d + k0 / L)

(``L`` = 1 overall; lifts are reported relative to the overall rate, so an unseen
resource has lift 1).

**Exposure brake.** Ranking by learned quality alone lets the best-rated resources take
most of the exposure. The ranking score is lowered by
``exposure_penalty * log(1 + X_d / mean X)``, ``X_d`` the resource's examination-weighted
exposure in the log, so a resource already shown a lot must earn its place more clearly.

**Protected exposure.** Given a flag per candidate (for example small organisations),
:meth:`OutcomeReranker.rank` adds to every protected candidate's ranking score the
smallest bonus that gives the protected candidates at least the examination-weighted
exposure the static top ``k`` gives them (:func:`protected_bonus`; in explored lists each
Thompson draw gets its own). Summed over lists, their share of exposure cannot fall
below the static ranker's, whatever the outcomes say.

**Exploration** is bounded: the first ``explore_from - 1`` slots always hold the best
posterior-mean scores; only slots ``explore_from`` and below are filled by Thompson
sampling (a lift drawn from each resource's Gamma posterior). :meth:`OutcomeReranker.rank`
returns each shown resource's probability of being shown under this policy (Monte Carlo
over independent draws) for the "shown" events, which off-policy evaluation needs, and the
share of examination-weighted exposure that exploration moved away from the greedy list
(its cost).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError, NotFittedError

__all__ = ["OutcomeReranker", "RankedList", "examination_curve", "protected_bonus"]


def examination_curve(k: int = 10, eta: float = 1.0) -> np.ndarray:
    """The probability that a link worker and the person look at rank 1..k: ``1/rank**eta``
    (a position-bias model; ``eta=0`` means every slot is read)."""
    return 1.0 / np.arange(1, k + 1, dtype=float) ** eta


def _calibrate(
    score: np.ndarray, attended: np.ndarray, exam: np.ndarray, weight: np.ndarray
) -> tuple[float, float]:
    """``(alpha, beta)`` of ``P(attend | examined) = exp(alpha + beta * score)``: a
    weighted Poisson regression with offset ``log(exam)`` (Newton steps; ``beta >= 0`` so
    the static order is kept when nothing else is known). ``(0, 1)`` without data."""
    if len(score) == 0 or attended.sum() == 0:
        return 0.0, 1.0
    x = np.column_stack([np.ones_like(score), score])
    theta = np.array([np.log(np.sum(weight * attended) / np.sum(weight * exam)), 0.0])
    for _ in range(30):
        mu = exam * np.exp(np.clip(x @ theta, -30, 30))
        grad = x.T @ (weight * (attended - mu))
        hess = (x * (weight * mu)[:, None]).T @ x + np.diag([1e-9, 1e-6])
        step = np.linalg.solve(hess, grad)
        theta = theta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(theta[0]), float(np.clip(theta[1], 0.0, 100.0))


def protected_bonus(score: np.ndarray, protected: np.ndarray, exam: np.ndarray) -> float:
    """The smallest bonus ``b >= 0`` (to 1e-6) that, added to the ranking score of every
    ``protected`` candidate, gives the protected candidates of the top ``len(exam)`` at
    least the examination-weighted exposure they have in the static order (the candidates'
    order as given). A uniform bonus keeps the order within each group, so the protected
    exposure only grows with ``b`` (a per-list form of the fairness-of-exposure constraint
    of Singh & Joachims, 2018); the bonus is 0 when the constraint already holds."""
    k = min(len(exam), len(score))
    e = np.asarray(exam, dtype=float)[:k]
    floor = float(e[protected[:k]].sum())
    if floor <= 0:
        return 0.0

    def exposure(b: float) -> float:
        top = np.argsort(-(score + b * protected), kind="stable")[:k]
        return float(e[protected[top]].sum())

    if exposure(0.0) >= floor - 1e-12:
        return 0.0
    lo, hi = 0.0, float(np.ptp(score)) + 1.0  # at hi every protected candidate leads
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        if exposure(mid) >= floor - 1e-12:
            hi = mid
        else:
            lo = mid
    return hi


def _row_bonus(
    score: np.ndarray, protected: np.ndarray, exam: np.ndarray, need: float
) -> np.ndarray:
    """:func:`protected_bonus` for every row of ``score`` at once (bisection), with the
    exposure the protected candidates ``need`` in the slots weighted by ``exam``."""
    m = len(exam)

    def exposure(b: np.ndarray) -> np.ndarray:
        top = np.argsort(-(score + b[:, None] * protected), axis=1, kind="stable")[:, :m]
        return (exam[None, :] * protected[top]).sum(axis=1)

    rows = score.shape[0]
    ok = exposure(np.zeros(rows)) >= need - 1e-12
    lo, hi = np.zeros(rows), np.ptp(score, axis=1) + 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        good = exposure(mid) >= need - 1e-12
        hi, lo = np.where(good, mid, hi), np.where(good, lo, mid)
        if np.max(hi - lo) < 1e-6:
            break
    return np.where(ok, 0.0, hi)


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
    weight : float
        exponent of the lift (0 = the static ranking).
    prior_strength : float
        the prior's weight, in attendances, pulling each lift toward the
        overall (or its category's) rate.
    examination : Sequence[float] | None
        the position-bias curve ``e(rank)`` (default :func:`examination_curve`
        with ``eta=1``).
    explore_from : int | None
        the first slot (1-based) open to exploration; ``None`` turns it off.
    n_draws : int
        Monte Carlo draws for the propensities.
    outcome : str
        the event counted as success (``"attended"`` or ``"attending_12w"``).
    weighting : str
        ``"exposure"`` (examination propensity as exposure) or ``"ips"``
        (Horvitz-Thompson weights by shown-propensity and examination).
    max_lift : float | None
        promote no resource by more than this factor (demotions are not capped): a
        bound on how far a popular resource can take over others' exposure.
    exposure_penalty : float
        ``lambda``: each resource's ranking score is lowered by
        ``lambda * log(1 + X_d / mean X)``, ``X_d`` its examination-weighted exposure in
        the log (a feedback brake on a resource taking over others' exposure; 0 = off;
        0.15 kept the exposure Gini below the static ranker's in every seed of the
        simulation of ``docs/outcomes.md``; the small-organisation share not always).
    by_category : bool
        shrink toward the category's pooled rate instead of the overall one (off
        by default: a category's rate mixes in *who* it is shown to, and in the simulation
        it lowered held-out nDCG).
    """

    def __init__(
        self,
        *,
        weight: float = 1.0,
        prior_strength: float = 5.0,
        examination: Sequence[float] | None = None,
        explore_from: int | None = 4,
        n_draws: int = 200,
        outcome: str = "attended",
        weighting: str = "exposure",
        by_category: bool = False,
        max_lift: float | None = None,
        exposure_penalty: float = 0.15,
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
        if weighting not in ("exposure", "ips"):
            raise InvalidParameterError("weighting must be 'exposure' or 'ips'")
        self.weighting = weighting
        self.by_category = bool(by_category)
        if max_lift is not None and not max_lift >= 1:
            raise InvalidParameterError("max_lift must be >= 1 (or None)")
        self.max_lift = max_lift
        if not exposure_penalty >= 0:
            raise InvalidParameterError("exposure_penalty must be >= 0")
        self.exposure_penalty = float(exposure_penalty)
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
        if self.weighting == "ips":
            w, exp_w = 1.0 / p, 1.0 / (p * e)  # Horvitz-Thompson weights
        else:
            w, exp_w = np.ones_like(p), np.ones_like(p)
        self.alpha_, self.beta_ = _calibrate(score, a, e, w)
        g_i = np.exp(self.alpha_ + self.beta_ * score)
        frame = pd.DataFrame(
            {
                "resource_id": resource,
                "A": a * exp_w,
                "E": g_i * w if self.weighting == "ips" else g_i * e,
                "n": 1,
                "X": e,
                "category": "all"
                if category is None or not self.by_category
                else np.asarray(category, dtype=object),
            }
        )
        frame["category"] = frame["category"].fillna("unknown")
        g = frame.groupby("resource_id").agg(
            A=("A", "sum"),
            E=("E", "sum"),
            n=("n", "sum"),
            X=("X", "sum"),
            category=("category", "last"),
        )
        self._mean_exposure = float(g["X"].mean()) if len(g) else 1.0
        pooled = g.groupby("category")[["A", "E"]].sum()
        pooled_lift = (pooled["A"] / pooled["E"].where(pooled["E"] > 0)).fillna(1.0)
        overall = float(g["A"].sum() / g["E"].sum()) if g["E"].sum() > 0 else 1.0
        floor = 0.05 * overall if overall > 0 else 1e-3
        pooled_lift = pooled_lift.astype(float).clip(lower=floor)
        g["prior_lift"] = g["category"].map(pooled_lift).astype(float).fillna(overall)
        k0 = self.prior_strength
        g["shape"] = g["A"] + k0
        g["rate"] = g["E"] + k0 / g["prior_lift"]
        # lifts relative to the overall pool, so an unseen resource has lift 1
        scale = overall if overall > 0 else 1.0
        g["lift"] = g["shape"] / g["rate"] / scale
        self._scale = scale
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
            shape[unseen] = self.prior_strength
            rate[unseen] = self.prior_strength / (prior[unseen] * self._scale)
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
        protected: Sequence[bool] | np.ndarray | None = None,
    ) -> RankedList:
        """Re-rank one referral's candidates (``ids`` with static ``scores``, in the static
        ranker's order) to ``k``.

        ``protected``: one flag per candidate (for example small organisations). The list
        then gives the protected candidates at least the examination-weighted exposure that
        the static top ``k`` gives them (see :func:`protected_bonus`); summed over lists,
        their share of exposure is no lower than under the static ranker. It holds for
        explored lists too: each Thompson draw gets its own smallest bonus."""
        ids = list(ids)
        s = np.clip(np.asarray(scores, dtype=float), 1e-6, None)
        n = len(ids)
        k = min(int(k), n)
        shape, rate = self._posterior(ids, categories)
        base = self.beta_ * s  # log of the calibrated attendance rate, up to a constant
        cap = np.inf if self.max_lift is None else self.max_lift
        if self.exposure_penalty > 0:
            x = self.lifts_["X"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
            base = base - self.exposure_penalty * np.log1p(x / self._mean_exposure)
        mean_score = base + self.weight * np.log(np.minimum(shape / rate, cap))
        mask = None
        if protected is not None:
            mask = np.asarray(protected, dtype=bool)
            if mask.shape != (n,):
                raise InvalidParameterError("protected needs one flag per candidate")
            mean_score = mean_score + protected_bonus(mean_score, mask, self.examination[:k]) * mask
        greedy = np.argsort(-mean_score, kind="stable")[:k]
        if not explore or self.explore_from is None or self.explore_from > k or self.weight == 0:
            return RankedList(greedy, np.ones(k), np.zeros(k, dtype=bool), 0.0)
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        fixed = self.explore_from - 1
        head = greedy[:fixed]
        rest = np.setdiff1d(np.arange(n), head)
        # draw 0 is the list shown; draws 1..n_draws (independent of it) estimate how
        # likely each resource is to be shown (floored at half a draw)
        draws = gen.gamma(shape[rest], 1.0 / rate[rest], size=(self.n_draws + 1, len(rest)))
        sampled = base[rest] + self.weight * np.log(np.clip(draws, 1e-300, cap))
        if mask is not None:
            # every draw (the list shown and those behind the propensities) keeps the
            # protected candidates' static exposure: its own smallest bonus
            e_all = self.examination[:k]
            need = float(e_all[mask[:k]].sum() - e_all[:fixed][mask[head]].sum())
            if need > 1e-12:
                sampled = (
                    sampled
                    + _row_bonus(sampled, mask[rest], e_all[fixed:], need)[:, None] * mask[rest]
                )
        picks = rest[np.argsort(-sampled, axis=1)[:, : k - fixed]]  # (draws, k - fixed)
        order = np.concatenate([head, picks[0]])
        counts = np.zeros(n)
        np.add.at(counts, picks[1:].ravel(), 1.0)
        prop = np.ones(k)
        prop[fixed:] = np.maximum(counts[picks[0]], 0.5) / self.n_draws
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
        protected: Collection[str] | None = None,
    ) -> tuple[Any, dict[str, float]]:
        """Re-rank a :class:`~rxmatch.Recommendations` (ask the matcher for more than ``k``,
        e.g. 30, so there is something to explore). Returns the new Recommendations (ranks
        renumbered) and ``{resource_id: propensity}`` for
        :meth:`OutcomeStore.log_shown(..., propensities=...) <rxmatch.outcomes.OutcomeStore.log_shown>`.
        ``protected``: resource ids whose exposure must not fall below the static
        ranking's (see :meth:`rank`), for example small organisations."""
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
            protected=None
            if protected is None
            else np.array([m.resource_id in protected for m in matches]),
        )
        new = tuple(replace(matches[j], rank=i + 1) for i, j in enumerate(out.order))
        props = {m.resource_id: float(p) for m, p in zip(new, out.propensity)}
        return replace(recs, matches=new), props
