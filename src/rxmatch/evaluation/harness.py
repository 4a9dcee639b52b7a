"""Run systems over labelled referrals and summarise with bootstrap confidence intervals.

>>> result = evaluate(["nearest", "rxmatch"], directory, referrals, qrels, k=10)  # doctest: +SKIP
>>> result.summary()                    # system × metric: mean, ci_low, ci_high, n
>>> result.summary(by="region")         # the same per region (or language_of_text, age_group)
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..directory import Directory
from ..exceptions import InvalidParameterError, ReferralError, RxMatchError
from ..features.text import Embedder
from ..referral import Referral
from .baselines import SYSTEMS, Ranking, System, make_system
from .bootstrap import bootstrap_gini_ci, bootstrap_indices, bootstrap_mean_ci
from .metrics import (
    DEFAULT_MIN_RELEVANCE,
    average_precision_at_k,
    distance_summary,
    intra_list_diversity,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
    sector_coverage,
)
from .shared import SharedIndex

__all__ = [
    "evaluate",
    "EvaluationResult",
    "metric_names",
    "age_group",
    "referrals_from_frame",
    "relevance_by_referral",
    "primary_sector",
    "GROUP_COLUMNS",
    "score_ranking",
]

#: Referral attributes results can be broken down by (when present in the input).
GROUP_COLUMNS = ("region", "language_of_text", "age_group", "sector", "split")

EXPOSURE = "exposure_gini"


def metric_names(k: int) -> list[str]:
    """The metrics an evaluation reports, in table order."""
    return [
        f"ndcg@{k}",
        f"recall@{k}",
        f"precision@{k}",
        "mrr",
        f"map@{k}",
        "sector_coverage",
        "diversity",
        "mean_km",
        "max_km",
        "empty",
        EXPOSURE,
    ]


def age_group(age: Any) -> str:
    """``"<30"``, ``"30-59"``, ``"60+"`` or ``"unknown"``."""
    try:
        a = float(age)
    except (TypeError, ValueError):
        return "unknown"
    if np.isnan(a):
        return "unknown"
    return "<30" if a < 30 else ("30-59" if a < 60 else "60+")


def relevance_by_referral(qrels: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``{referral_id: {resource_id: relevance}}`` from a qrels table (referral_id,
    resource_id, relevance)."""
    missing = {"referral_id", "resource_id", "relevance"} - set(qrels.columns)
    if missing:
        raise InvalidParameterError(f"qrels lacks column(s) {sorted(missing)}")
    out: dict[str, dict[str, float]] = {}
    for ref, res, rel in zip(qrels["referral_id"], qrels["resource_id"], qrels["relevance"]):
        if pd.isna(rel):
            raise InvalidParameterError(f"qrels row ({ref}, {res}): field 'relevance' is missing")
        out.setdefault(str(ref), {})[str(res)] = float(rel)
    return out


def primary_sector(relevance: Mapping[str, float], categories: Mapping[str, str | None]) -> str:
    """The category most common among a referral's most relevant judged resources (ties:
    alphabetical), or ``"none"`` when nothing is judged relevant."""
    if not relevance:
        return "none"
    top = max(relevance.values())
    if top <= 0:
        return "none"
    counts: dict[str, int] = {}
    for rid, v in relevance.items():
        if v == top:
            c = categories.get(rid) or "unknown"
            counts[c] = counts.get(c, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def referrals_from_frame(referrals: pd.DataFrame | Iterable[Referral]) -> list[Referral]:
    """Referrals from a DataFrame (one row each, via ``Referral.from_mapping``) or an
    iterable of :class:`~rxmatch.Referral`; every one needs a ``referral_id``."""
    out: list[Referral] = []
    if isinstance(referrals, pd.DataFrame):
        if "referral_id" not in referrals.columns:
            raise InvalidParameterError("the referrals table needs a 'referral_id' column")
        for i, (_, row) in enumerate(referrals.iterrows()):
            try:
                out.append(Referral.from_mapping(row.to_dict()))
            except RxMatchError as exc:
                raise ReferralError(
                    f"referral {row['referral_id']!s} (row {i}): {exc}",
                    field=getattr(exc, "field", None),
                ) from exc
    else:
        out = list(referrals)
    seen: set[str] = set()
    for i, r in enumerate(out):
        if not isinstance(r, Referral):
            raise InvalidParameterError(f"item {i} is not an rxmatch.Referral")
        if r.referral_id is None:
            raise ReferralError(f"referral at position {i} has no referral_id", field="referral_id")
        if r.referral_id in seen:
            raise ReferralError(f"referral_id {r.referral_id!s} appears twice", field="referral_id")
        seen.add(r.referral_id)
    return out


@dataclass
class EvaluationResult:
    """Per-referral metrics of every system, with summaries and breakdowns.

    Attributes
    ----------
    per_referral : pd.DataFrame
        long DataFrame: referral_id, system, metric, value and the referral's
        group columns (region, language_of_text, age_group, sector, split when known).
    rankings : dict[str, dict[str, Ranking]]
        ``{system: {referral_id: Ranking}}``, the lists that were scored.
    exposure : dict[str, np.ndarray]
        ``{system: counts}``, a referrals × resources 0/1 matrix of recommendations
        (rows in ``referral_ids`` order, columns in directory order).
    """

    per_referral: pd.DataFrame
    rankings: dict[str, dict[str, Ranking]]
    exposure: dict[str, np.ndarray]
    referral_ids: list[str]
    groups: pd.DataFrame
    k: int
    n_bootstrap: int
    seed: int
    runtime_s: float
    systems: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> list[str]:
        return metric_names(self.k)

    def _indices(self, n: int, key: str) -> np.ndarray:
        seq = np.random.SeedSequence([self.seed, zlib.crc32(key.encode())])
        return bootstrap_indices(n, self.n_bootstrap, seq)

    def summary(
        self, by: str | Sequence[str] | None = None, *, metrics: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Mean and percentile-bootstrap 95% CI per system × metric (and per group of
        ``by``: e.g. ``"region"``, ``"language_of_text"``, ``"age_group"``, ``"sector"``).

        Resampling is over referrals, with the same resamples for every system (paired)
        and a fixed seed (deterministic). Columns: [by...], system, metric, mean, ci_low,
        ci_high, n (referrals where the metric is defined).
        """
        by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
        for b in by_cols:
            if b not in self.groups.columns:
                raise InvalidParameterError(
                    f"cannot break down by {b!r}; available: {', '.join(self.groups.columns[1:])}"
                )
        wanted = list(metrics) if metrics is not None else self.metrics
        unknown = set(wanted) - set(self.metrics)
        if unknown:
            raise InvalidParameterError(f"unknown metric(s) {sorted(unknown)}")
        rows: list[dict[str, Any]] = []
        groups = [((), self.groups)] if not by_cols else list(self.groups.groupby(by_cols))
        pos = {rid: i for i, rid in enumerate(self.referral_ids)}
        for key, g in groups:
            key_t = key if isinstance(key, tuple) else (key,)
            ref_ids = list(g["referral_id"])
            idx = self._indices(len(ref_ids), "|".join(map(str, key_t)))
            sub = self.per_referral[self.per_referral["referral_id"].isin(set(ref_ids))]
            for system in self.systems:
                s_sub = sub[sub["system"] == system]
                for metric in wanted:
                    if metric == EXPOSURE:
                        counts = self.exposure[system][[pos[r] for r in ref_ids]]
                        mean, lo, hi = bootstrap_gini_ci(counts, idx)
                        n = len(ref_ids)
                    else:
                        vals = (
                            s_sub[s_sub["metric"] == metric]
                            .set_index("referral_id")["value"]
                            .reindex(ref_ids)
                            .to_numpy(np.float64)
                        )
                        mean, lo, hi = bootstrap_mean_ci(vals, idx)
                        n = int(np.sum(~np.isnan(vals)))
                    row = dict(zip(by_cols, key_t))
                    row.update(system=system, metric=metric, mean=mean, ci_low=lo, ci_high=hi, n=n)
                    rows.append(row)
        return pd.DataFrame(
            rows, columns=[*by_cols, "system", "metric", "mean", "ci_low", "ci_high", "n"]
        )

    def table(self, metrics: Sequence[str] | None = None, digits: int = 3) -> pd.DataFrame:
        """A wide, readable table: systems as rows, metrics as columns, cells
        ``"mean [ci_low, ci_high]"``."""
        s = self.summary(metrics=metrics)

        def cell(r: pd.Series) -> str:
            if np.isnan(r["mean"]):
                return "n/a"
            if np.isnan(r["ci_low"]):
                return f"{r['mean']:.{digits}f}"
            return f"{r['mean']:.{digits}f} [{r['ci_low']:.{digits}f}, {r['ci_high']:.{digits}f}]"

        s = s.assign(cell=s.apply(cell, axis=1))
        wide = s.pivot(index="system", columns="metric", values="cell")
        return wide.loc[self.systems, list(dict.fromkeys(s["metric"]))]

    def to_dict(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """``{system: {metric: {"mean", "ci_low", "ci_high"}}}`` (NaN as ``None``)."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for r in self.summary().itertuples(index=False):
            out.setdefault(r.system, {})[r.metric] = {
                name: (None if np.isnan(v) else float(v))
                for name, v in (("mean", r.mean), ("ci_low", r.ci_low), ("ci_high", r.ci_high))
            }
        return out

    def paired_difference(
        self, system_a: str, system_b: str, metric: str
    ) -> tuple[float, float, float]:
        """Mean of ``a - b`` over referrals (both defined) with a paired bootstrap 95% CI;
        a CI above 0 means ``a`` is better on this sample."""
        if metric == EXPOSURE or metric not in self.metrics:
            raise InvalidParameterError(
                f"paired_difference needs a per-referral metric, not {metric!r}"
            )
        pr = self.per_referral[self.per_referral["metric"] == metric]
        wide = pr.pivot(index="referral_id", columns="system", values="value").reindex(
            self.referral_ids
        )
        for s in (system_a, system_b):
            if s not in wide.columns:
                raise InvalidParameterError(f"system {s!r} was not evaluated")
        diff = (wide[system_a] - wide[system_b]).to_numpy(np.float64)
        return bootstrap_mean_ci(diff, self._indices(len(diff), f"diff|{system_a}|{system_b}"))


def _resolve_systems(systems: Sequence[str | System] | str | None, seed: int) -> list[System]:
    def build(name: str) -> System:
        key = str(name).strip().lower()
        return make_system(key, seed=seed) if key == "random" else make_system(key)

    if systems is None:
        return [build(n) for n in SYSTEMS]
    if isinstance(systems, str):
        systems = [s for s in systems.split(",") if s.strip()]
    out = [s if isinstance(s, System) else build(s) for s in systems]
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise InvalidParameterError(f"system names must be unique, got {names}")
    if not out:
        raise InvalidParameterError("no system to evaluate")
    return out


def score_ranking(
    ranking: Ranking,
    relevance: Mapping[str, float],
    k: int,
    embeddings: np.ndarray,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> dict[str, float]:
    """Every per-referral metric of one list (``embeddings``: the list's item rows)."""
    ids = list(ranking.ids)[:k]
    mean_km, max_km = distance_summary(ranking.distance_km[:k])
    return {
        f"ndcg@{k}": ndcg_at_k(ids, relevance, k),
        f"recall@{k}": recall_at_k(ids, relevance, k, min_relevance=min_relevance),
        f"precision@{k}": precision_at_k(ids, relevance, k, min_relevance=min_relevance),
        "mrr": reciprocal_rank(ids, relevance, k, min_relevance=min_relevance),
        f"map@{k}": average_precision_at_k(ids, relevance, k, min_relevance=min_relevance),
        "sector_coverage": sector_coverage(list(ranking.categories)[:k]),
        "diversity": intra_list_diversity(embeddings),
        "mean_km": mean_km,
        "max_km": max_km,
        "empty": float(len(ids) == 0),
    }


def evaluate(
    systems: Sequence[str | System] | str | None,
    directory: Directory | None,
    referrals: pd.DataFrame | Iterable[Referral],
    qrels: pd.DataFrame,
    k: int = 10,
    bootstrap: int = 1000,
    seed: int = 0,
    *,
    embedder: Embedder | None = None,
    shared: SharedIndex | None = None,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
    sector_categories: Mapping[str, str | None] | None = None,
) -> EvaluationResult:
    """Evaluate systems on labelled referrals.

    Parameters
    ----------
    systems
        names (see ``rxmatch.evaluation.SYSTEMS``), :class:`System` objects, a
        comma-separated string, or ``None`` for all.
    directory : Directory | None
        the :class:`~rxmatch.Directory` (ignored when ``shared`` is given).
    referrals
        a DataFrame (``load_synthetic_referrals``) or Referral objects with ids.
        Columns ``region``, ``language_of_text``, ``age`` and ``split`` become breakdowns.
    qrels : pd.DataFrame
        referral_id, resource_id, relevance (graded, > 0; unjudged = 0).
    k : int
        list length scored.
    bootstrap : int
        number of bootstrap resamples for the CIs (0: no CI).
    seed : int
        seeds the bootstrap and the random baseline.
    embedder : Embedder | None
        text encoder for the shared Matcher (default the bundled model).
    shared : SharedIndex | None
        a :class:`SharedIndex` to reuse (embeddings encoded once across calls).
    min_relevance : float
        grade from which an item counts as relevant in binary metrics.
    sector_categories : Mapping[str, str | None] | None
        resource_id → category used for the ``sector`` breakdown (default
        the directory's categories, given or inferred).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"k must be a positive integer, not {k!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise InvalidParameterError("bootstrap must be an integer >= 0")
    t0 = time.perf_counter()
    systems_ = _resolve_systems(systems, int(seed))
    if shared is None:
        if directory is None:
            raise InvalidParameterError("give a directory or a SharedIndex")
        shared = SharedIndex.from_directory(directory, embedder)
    refs = referrals_from_frame(referrals)
    rel = relevance_by_referral(qrels)
    shared.encode(refs)
    for s in systems_:
        s.fit(shared)

    cats = sector_categories or {str(i): c for i, c in zip(shared.ids, shared.categories)}
    meta = pd.DataFrame({"referral_id": [r.referral_id for r in refs]})
    if isinstance(referrals, pd.DataFrame):
        src = referrals.reset_index(drop=True)
        for col in ("region", "language_of_text", "split"):
            if col in src.columns:
                meta[col] = src[col].astype(object).where(src[col].notna(), "unknown").to_numpy()
    meta["age_group"] = [age_group(r.age) for r in refs]
    meta["sector"] = [primary_sector(rel.get(r.referral_id, {}), cats) for r in refs]

    records: list[tuple[str, str, str, float]] = []
    rankings: dict[str, dict[str, Ranking]] = {}
    exposure: dict[str, np.ndarray] = {}
    for s in systems_:
        rankings[s.name] = {}
        counts = np.zeros((len(refs), len(shared)), dtype=np.float32)
        for i, r in enumerate(refs):
            ranking = s.recommend(r, k)
            rankings[s.name][r.referral_id] = ranking
            rows = [shared.row_of[x] for x in ranking.ids]
            counts[i, rows] = 1.0
            values = score_ranking(
                ranking,
                rel.get(r.referral_id, {}),
                k,
                shared.embeddings[rows],
                min_relevance,
            )
            records.extend((r.referral_id, s.name, m, v) for m, v in values.items())
        exposure[s.name] = counts
    per = pd.DataFrame(records, columns=["referral_id", "system", "metric", "value"])
    per = per.merge(meta, on="referral_id", how="left")
    return EvaluationResult(
        per_referral=per,
        rankings=rankings,
        exposure=exposure,
        referral_ids=[r.referral_id for r in refs],
        groups=meta,
        k=int(k),
        n_bootstrap=int(bootstrap),
        seed=int(seed),
        runtime_s=time.perf_counter() - t0,
        systems=[s.name for s in systems_],
    )
