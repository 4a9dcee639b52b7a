"""Capacity-aware allocation of a caseload: one resource per referral, best total fit.

A matcher ranks resources for each person on their own. Across a whole caseload the top
choices collide: the one popular art class has twelve places and forty people whose first
match it is. :func:`allocate` takes every referral's candidate matches (the long frame of
:meth:`Matcher.recommend_many <rxmatch.Matcher.recommend_many>`), each resource's places
and an optional exposure cap, and assigns each referral at most one resource so that

1. as many people as possible are placed (``prioritise="placements"``, the default), and
2. among those allocations, the total match score is the largest,

without any resource receiving more people than its places (or than ``exposure_cap`` of
the caseload). It is a bipartite *b*-matching, solved exactly as a linear program over the
transportation polytope with HiGHS's dual simplex (:func:`scipy.optimize.linprog`); see
``docs/capacity.md``.
People who cannot be placed are reported with the reason, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..exceptions import InvalidParameterError, RxMatchError

if TYPE_CHECKING:  # pandas loads when an allocation runs, not at import
    import pandas as pd

__all__ = ["Allocation", "allocate"]

_REQUIRED = ("referral_id", "resource_id", "score")
_INT_TOL = 1e-6

REASON_NO_CANDIDATES = "no candidate resources"
REASON_BELOW_MIN = "no candidate scored at least min_score"
REASON_FULL = "every candidate resource is full (capacity or exposure cap)"
REASON_NOT_CHOSEN = "not placed: its candidates add nothing to the total score"


def _empty_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


@dataclass(frozen=True)
class Allocation:
    """The result of :func:`allocate`.

    Attributes
    ----------
    assignments : pd.DataFrame
        One row per placed referral: ``referral_id``, ``resource_id``,
        ``score``, ``rank_in_list`` (1 = the person's own top match), sorted by referral.
    unassigned : pd.DataFrame
        ``referral_id`` and ``reason`` for every referral not placed.
    load : pd.DataFrame
        One row per candidate resource: ``resource_id``, ``assigned``, ``capacity``
        (places; ``NaN`` = unlimited), ``limit`` (the binding maximum after the exposure
        cap; ``NaN`` = none), ``utilisation`` (``assigned / capacity``; ``NaN`` when
        unlimited).
    total_score : float
        Sum of the assigned scores.
    unconstrained_total : float
        Sum of every referral's top-1 score (what each person would get
        with unlimited places).
    fit_lost : float
        ``unconstrained_total - total_score`` (>= 0).
    fit_lost_relative : float
        ``fit_lost / unconstrained_total`` (0 when that is 0).
    n_referrals : int
        Caseload size (referrals given, with or without candidates).
    exposure_cap : float | None
        The share given, or ``None``.
    prioritise : str
        ``"placements"`` or ``"score"``.
    top1 : pd.DataFrame
        Each referral's unconstrained top-1 (``referral_id``, ``resource_id``,
        ``score``), used by :meth:`to_frame`.
    """

    assignments: pd.DataFrame
    unassigned: pd.DataFrame
    load: pd.DataFrame
    total_score: float
    unconstrained_total: float
    fit_lost: float
    fit_lost_relative: float
    n_referrals: int
    exposure_cap: float | None = None
    prioritise: str = "placements"
    top1: pd.DataFrame = field(default_factory=_empty_frame, repr=False)

    @property
    def n_assigned(self) -> int:
        """Number of referrals placed."""
        return len(self.assignments)

    @property
    def mapping(self) -> dict[Any, Any]:
        """``{referral_id: resource_id}`` for every placed referral."""
        return dict(zip(self.assignments["referral_id"], self.assignments["resource_id"]))

    def summary(self) -> str:
        """A few lines for a report: placements, fit kept and lost, the fullest resources."""
        n, a = self.n_referrals, self.n_assigned
        ranks = self.assignments["rank_in_list"]
        first = int((ranks == 1).sum()) if a else 0
        lines = [
            f"{a} of {n} referrals placed ({(a / n if n else 0):.0%}); "
            f"{first} got their top match, {a - first} a lower-ranked one.",
            f"total score {self.total_score:.3f} of an unconstrained {self.unconstrained_total:.3f}"
            f": fit lost {self.fit_lost:.3f} ({self.fit_lost_relative:.1%}).",
        ]
        if a:
            lines.append(f"mean rank of the assigned match: {ranks.mean():.2f}.")
        if self.exposure_cap is not None:
            lines.append(f"exposure cap: at most {self.exposure_cap:.0%} of the caseload each.")
        full = self.load[self.load["limit"].notna() & (self.load["assigned"] >= self.load["limit"])]
        if len(full):
            shown = ", ".join(map(str, full["resource_id"].head(5)))
            more = f" and {len(full) - 5} more" if len(full) > 5 else ""
            lines.append(f"{len(full)} resources full: {shown}{more}.")
        if len(self.unassigned):
            counts = self.unassigned["reason"].value_counts()
            lines.append("not placed: " + "; ".join(f"{c} × {r}" for r, c in counts.items()) + ".")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per referral of the caseload: the assigned ``resource_id``, ``score``
        and ``rank_in_list`` (missing if not placed), the unconstrained ``top1_resource_id``
        and ``top1_score``, ``score_lost`` and the ``reason`` when not placed."""
        import pandas as pd

        ids = pd.concat(
            [self.top1["referral_id"], self.unassigned["referral_id"]], ignore_index=True
        ).drop_duplicates()
        out = pd.DataFrame({"referral_id": ids})
        out = out.merge(self.assignments, on="referral_id", how="left")
        top = self.top1.rename(columns={"resource_id": "top1_resource_id", "score": "top1_score"})
        out = out.merge(top, on="referral_id", how="left")
        out["score_lost"] = out["top1_score"].fillna(0.0) - out["score"].fillna(0.0)
        out = out.merge(self.unassigned, on="referral_id", how="left")
        out["rank_in_list"] = out["rank_in_list"].astype("Int64")
        cols = [
            "referral_id",
            "resource_id",
            "score",
            "rank_in_list",
            "top1_resource_id",
            "top1_score",
            "score_lost",
            "reason",
        ]
        return _sort_by_id(out[cols], "referral_id")


def _sort_by_id(df: pd.DataFrame, col: str) -> pd.DataFrame:
    try:
        return df.sort_values(col, kind="mergesort", ignore_index=True)
    except TypeError:  # mixed id types: order by their text
        return df.sort_values(col, key=lambda s: s.astype(str), kind="mergesort", ignore_index=True)


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ids, in sorted id order (deterministic whatever the row order)."""
    import pandas as pd

    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:
        as_text = values.astype(str)
        codes, uniques_text = pd.factorize(as_text, sort=True)
        first = pd.Series(values.to_numpy(), index=as_text.to_numpy())
        uniques = first[~first.index.duplicated()].reindex(uniques_text).to_numpy()
    return np.asarray(codes), np.asarray(uniques, dtype=object)


def _capacity_of(capacity: Any, resources: np.ndarray) -> np.ndarray:
    """Places per resource as float (``inf`` = unlimited), validated."""
    import pandas as pd

    if capacity is None:
        return np.full(len(resources), np.inf)
    frame = getattr(capacity, "frame", None)
    if isinstance(frame, pd.DataFrame) and {"id", "capacity"} <= set(frame.columns):
        capacity = pd.Series(frame["capacity"].to_numpy(), index=frame["id"].to_numpy())
    if isinstance(capacity, pd.Series):
        lookup: Mapping[Any, Any] = capacity.to_dict()
    elif isinstance(capacity, Mapping):
        lookup = capacity
    else:
        raise InvalidParameterError(
            "capacity must be a mapping or Series resource_id -> places, a Directory, or None"
        )
    out = np.full(len(resources), np.inf)
    for i, rid in enumerate(resources):
        v = lookup.get(rid)
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"capacity of resource {rid!s}: expected a number of places, not {type(v).__name__}"
            ) from None
        if math.isnan(f):
            continue
        if f < 0 or (math.isfinite(f) and f != int(f)):
            raise InvalidParameterError(
                f"capacity of resource {rid!s}: places must be a whole number >= 0, not {v!r}"
            )
        out[i] = f
    return out


def _validate(candidates: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(candidates, pd.DataFrame):
        raise InvalidParameterError("candidates must be a pandas DataFrame")
    missing = [c for c in _REQUIRED if c not in candidates.columns]
    if missing:
        raise InvalidParameterError(
            f"candidates frame is missing column(s) {missing}; expected {list(_REQUIRED)} "
            "(e.g. the output of Matcher.recommend_many)"
        )
    cols = list(_REQUIRED) + (["rank"] if "rank" in candidates.columns else [])
    df = candidates[cols].reset_index(drop=True).copy()
    df.attrs = {}  # e.g. recommend_many's attrs["skipped"] frame breaks pandas merges
    for col in ("referral_id", "resource_id"):
        bad = df[col].isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InvalidParameterError(f"candidates row {row}, field {col!r}: missing id")
    score = pd.to_numeric(df["score"], errors="coerce")
    bad = score.isna() | ~np.isfinite(score.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidParameterError(
            f"candidates row {row} (referral {df.at[row, 'referral_id']!s}, resource "
            f"{df.at[row, 'resource_id']!s}), field 'score': not a finite number"
        )
    if (score < 0).any():
        row = int(np.flatnonzero((score < 0).to_numpy())[0])
        raise InvalidParameterError(
            f"candidates row {row} (referral {df.at[row, 'referral_id']!s}), field 'score': "
            "scores must be >= 0"
        )
    df["score"] = score.astype(float)
    dup = df.duplicated(["referral_id", "resource_id"])
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise InvalidParameterError(
            f"candidates row {row}: referral {df.at[row, 'referral_id']!s} lists resource "
            f"{df.at[row, 'resource_id']!s} more than once"
        )
    return df


def _solve(
    score: np.ndarray,
    ref_code: np.ndarray,
    res_code: np.ndarray,
    limit: np.ndarray,
    n_ref: int,
    prioritise: str,
) -> np.ndarray:
    """0/1 choice per candidate edge maximizing the objective.

    The constraint matrix (one row per referral, one per limited resource, plus, in the
    second stage, the placement count) describes a network-flow polytope, so a *basic*
    optimal solution is integral. HiGHS's dual simplex returns one; it is checked, and
    should it ever be fractional the same problem goes to HiGHS's MIP solver.
    """
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import csr_array, vstack

    m = len(score)
    cols = np.arange(m)
    rows = [csr_array((np.ones(m), (ref_code, cols)), shape=(n_ref, m))]
    upper = [np.ones(n_ref)]
    finite = np.isfinite(limit)
    if finite.any():
        sub = np.flatnonzero(finite)
        pos = np.full(len(limit), -1)
        pos[sub] = np.arange(len(sub))
        keep = finite[res_code]
        rows.append(
            csr_array(
                (np.ones(int(keep.sum())), (pos[res_code[keep]], cols[keep])),
                shape=(len(sub), m),
            )
        )
        upper.append(limit[sub])

    def run(c: np.ndarray, a: Any, b: np.ndarray) -> np.ndarray:
        res = linprog(c, A_ub=a, b_ub=b, bounds=(0, 1), method="highs-ds")
        if res.status != 0 or res.x is None:  # pragma: no cover - always feasible (x = 0)
            raise RxMatchError(f"allocation solver failed: {res.message}")
        x = np.asarray(res.x)
        if np.abs(x - np.round(x)).max(initial=0.0) > _INT_TOL:  # pragma: no cover
            res = milp(
                c,
                constraints=[LinearConstraint(a, -np.inf, b)],
                integrality=np.ones(m),
                bounds=Bounds(0, 1),
                options={"mip_rel_gap": 0.0},
            )
            if res.status != 0 or res.x is None:
                raise RxMatchError(f"allocation solver failed: {res.message}")
            x = np.asarray(res.x)
        return x

    a = vstack(rows).tocsr()
    b = np.concatenate(upper)
    if prioritise == "placements":
        placed = float(np.round(run(-np.ones(m), a, b).sum()))
        # exactly "at least `placed`": a looser bound would admit fractional vertices
        a = vstack([a, csr_array(-np.ones((1, m)))]).tocsr()
        b = np.concatenate([b, [-placed]])
    x = run(-score, a, b)
    chosen = x > 0.5
    # check the rounded solution, not the solver's word for it
    per_ref = np.bincount(ref_code[chosen], minlength=n_ref)
    per_res = np.bincount(res_code[chosen], minlength=len(limit))
    if per_ref.max(initial=0) > 1 or np.any(per_res > limit):  # pragma: no cover - defensive
        raise RxMatchError("allocation solver returned an infeasible solution")
    return chosen


def allocate(
    candidates: pd.DataFrame,
    capacity: Mapping[Any, Any] | pd.Series | Any | None = None,
    *,
    exposure_cap: float | None = None,
    min_score: float = 0.0,
    referrals: Iterable[Any] | None = None,
    prioritise: Literal["placements", "score"] = "placements",
) -> Allocation:
    """Assign each referral of a caseload at most one resource, respecting places.

    Parameters
    ----------
    candidates : pd.DataFrame
        Long frame with columns ``referral_id``, ``resource_id``, ``score``
        (>= 0) and optionally ``rank`` (the person's own ranking; else ranked by score,
        ties by resource id). For example ``matcher.recommend_many(frame, k=10)``.
    capacity : Mapping[Any, Any] | pd.Series | Any | None
        Places per resource: a mapping or Series ``resource_id -> places``, or a
        :class:`~rxmatch.Directory` (its ``capacity`` column). A resource missing from it,
        or with a missing value, is unlimited; ``None`` = all unlimited.
    exposure_cap : float | None
        Optional share of the caseload in (0, 1] that any one resource may
        receive: at most ``floor(exposure_cap * n_referrals)`` people each.
    min_score : float
        Candidates scoring below this are not considered.
    referrals : Iterable[Any] | None
        The whole caseload's referral ids, so that people with no candidate at all
        (absent from ``candidates``) are reported as unassigned. Default: the ids in
        ``candidates``.
    prioritise : Literal['placements', 'score']
        ``"placements"`` (default): place as many people as possible, then
        maximize the total score among those allocations. ``"score"``: maximize the total
        score only (may leave someone unplaced whose only option went to a better fit).

    Returns
    -------
    Allocation
        assignments, unassigned (with reasons), per-resource load, total score, the
        unconstrained top-1 total and the fit lost to capacity.

    Notes
    -----
    The problem is a bipartite *b*-matching (a min-cost flow); its linear program has
    integral basic optima. It is solved with HiGHS's dual simplex through
    :func:`scipy.optimize.linprog` (``method="highs-ds"``), twice when prioritising
    placements (first the most placements, then the best total score with that many);
    the solution is checked to be integral (else re-solved by :func:`scipy.optimize.milp`)
    and, once rounded, against every constraint. Rows are put in sorted id order first,
    so the result does not depend on the input row order; among allocations with equal
    objective, the one returned is fixed for a given input.

    Examples
    --------
    >>> import pandas as pd
    >>> cands = pd.DataFrame({
    ...     "referral_id": ["a", "a", "b", "b"],
    ...     "resource_id": ["x", "y", "x", "y"],
    ...     "score": [0.9, 0.8, 0.7, 0.1],
    ... })
    >>> alloc = allocate(cands, {"x": 1, "y": 1})
    >>> alloc.mapping   # greedy gives a→x, b→y (total 1.0); the optimum is 1.5
    {'a': 'y', 'b': 'x'}
    """
    import pandas as pd

    if prioritise not in ("placements", "score"):
        raise InvalidParameterError(
            f"prioritise must be 'placements' or 'score', not {prioritise!r}"
        )
    if not isinstance(min_score, (int, float)) or isinstance(min_score, bool):
        raise InvalidParameterError("min_score must be a number")
    df = _validate(candidates)

    # the caseload
    if referrals is not None:
        caseload = pd.Series(list(dict.fromkeys(referrals)), dtype=object)
        unknown = set(df["referral_id"]) - set(caseload)
        if unknown:
            some = sorted(map(str, unknown))[:3]
            raise InvalidParameterError(
                f"candidates name referral(s) not in `referrals`: {', '.join(some)}"
            )
    else:
        caseload = pd.Series(df["referral_id"].unique(), dtype=object)
    n = len(caseload)

    if exposure_cap is not None:
        if isinstance(exposure_cap, bool) or not 0 < float(exposure_cap) <= 1:
            raise InvalidParameterError(f"exposure_cap must be in (0, 1], not {exposure_cap!r}")
        cap_count = math.floor(float(exposure_cap) * n + 1e-9)
        if n and cap_count < 1:
            raise InvalidParameterError(
                f"exposure_cap={exposure_cap} of a caseload of {n} allows 0 referrals per "
                f"resource; use at least {1 / n:.3g}"
            )
    else:
        cap_count = math.inf

    # each person's own ranking (before min_score)
    if "rank" in df.columns:
        df["rank_in_list"] = pd.to_numeric(df["rank"], errors="coerce")
        if df["rank_in_list"].isna().any():
            raise InvalidParameterError("candidates field 'rank': not a number in some rows")
        df = df.drop(columns="rank")
    else:
        df = _sort_by_id(df, "resource_id")
        df = df.sort_values(["referral_id", "score"], ascending=[True, False], kind="mergesort")
        df["rank_in_list"] = df.groupby("referral_id", sort=False).cumcount() + 1
    df["rank_in_list"] = df["rank_in_list"].astype(int)

    had_any = set(df["referral_id"])
    df = df[df["score"] >= min_score].reset_index(drop=True)

    # canonical order: by referral id, then resource id
    ref_code_all, ref_ids = _factorize(df["referral_id"])
    res_code, res_ids = _factorize(df["resource_id"])
    order = np.lexsort((res_code, ref_code_all))
    df = df.iloc[order].reset_index(drop=True)
    ref_code, res_code = ref_code_all[order], res_code[order]
    score = df["score"].to_numpy(dtype=float)

    places = _capacity_of(capacity, res_ids)
    limit = np.minimum(places, cap_count)

    # unconstrained top-1 (ties: lower resource id, i.e. lower code)
    best = np.lexsort((res_code, -score, ref_code))
    first = np.ones(len(best), dtype=bool)
    first[1:] = ref_code[best][1:] != ref_code[best][:-1]
    top_idx = best[first]
    top1 = pd.DataFrame(
        {
            "referral_id": df["referral_id"].to_numpy()[top_idx],
            "resource_id": df["resource_id"].to_numpy()[top_idx],
            "score": score[top_idx],
        }
    )
    unconstrained = float(score[top_idx].sum())

    if len(df) == 0:
        chosen = np.zeros(0, dtype=bool)
    else:
        top_load = np.bincount(res_code[top_idx], minlength=len(res_ids))
        if np.all(top_load <= limit):
            chosen = np.zeros(len(df), dtype=bool)  # everyone's first choice fits
            chosen[top_idx] = True
        else:
            chosen = _solve(score, ref_code, res_code, limit, len(ref_ids), prioritise)

    assignments = df.loc[chosen, ["referral_id", "resource_id", "score", "rank_in_list"]]
    assignments = assignments.reset_index(drop=True)
    assigned_count = np.bincount(res_code[chosen], minlength=len(res_ids))

    # who was not placed, and why
    placed = set(assignments["referral_id"])
    eligible = set(ref_ids)
    full_edge = (assigned_count >= limit)[res_code]
    open_options = np.bincount(ref_code, weights=~full_edge, minlength=len(ref_ids))
    all_full = dict(zip(ref_ids, open_options == 0))
    unassigned_rows = []
    for rid in caseload:
        if rid in placed:
            continue
        if rid not in had_any:
            reason = REASON_NO_CANDIDATES
        elif rid not in eligible:
            reason = REASON_BELOW_MIN
        else:
            reason = REASON_FULL if all_full[rid] else REASON_NOT_CHOSEN
        unassigned_rows.append((rid, reason))
    unassigned = _sort_by_id(
        pd.DataFrame(unassigned_rows, columns=["referral_id", "reason"]), "referral_id"
    )

    cap_col = np.where(np.isfinite(places), places, np.nan)
    limit_col = np.where(np.isfinite(limit), limit, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(np.isfinite(places) & (places > 0), assigned_count / places, np.nan)
    load = pd.DataFrame(
        {
            "resource_id": res_ids,
            "assigned": assigned_count.astype(int),
            "capacity": cap_col,
            "limit": limit_col,
            "utilisation": util,
        }
    )

    total = float(assignments["score"].sum())
    lost = max(0.0, unconstrained - total)
    return Allocation(
        assignments=assignments,
        unassigned=unassigned,
        load=load,
        total_score=total,
        unconstrained_total=unconstrained,
        fit_lost=lost,
        fit_lost_relative=lost / unconstrained if unconstrained > 0 else 0.0,
        n_referrals=n,
        exposure_cap=None if exposure_cap is None else float(exposure_cap),
        prioritise=prioritise,
        top1=top1,
    )
