"""Per-resource signals from outcomes: attendance and retention with Beta-Binomial
shrinkage, records flagged stale, and capacity estimates for :func:`rxmatch.allocate`.

All functions take an :class:`~rxmatch.outcomes.OutcomeStore` or its
:meth:`~rxmatch.outcomes.OutcomeStore.to_frame` (any DataFrame with the columns
``event``, ``referral_id``, ``resource_id``, ``at``, ``reason``, ``category``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError
from .events import DECLINE_REASONS, STALE_REASONS

__all__ = ["resource_signals", "stale_report", "capacity_feed", "beta_binomial_prior"]


def _frame(events: Any) -> pd.DataFrame:
    if isinstance(events, pd.DataFrame):
        df = events
    elif hasattr(events, "to_frame"):
        df = events.to_frame()
    else:
        raise InvalidParameterError("events must be an OutcomeStore or its to_frame() DataFrame")
    need = {"event", "referral_id", "resource_id"}
    if not need <= set(df.columns):
        raise InvalidParameterError(f"events need the columns {sorted(need)}")
    return df


def beta_binomial_prior(
    successes: np.ndarray,
    trials: np.ndarray,
    *,
    min_strength: float = 2.0,
    max_strength: float = 1000.0,
) -> tuple[float, float]:
    """The pooled rate and the prior strength ``m`` (pseudo-trials) of a Beta prior fitted
    to several units' counts by the method of moments: ``m`` is large when the units'
    rates vary little beyond binomial noise (so each unit is pulled strongly to the pool).
    Returns ``(mean, m)``."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    ok = n > 0
    k, n = k[ok], n[ok]
    if n.sum() == 0:
        return float("nan"), max_strength
    p = k.sum() / n.sum()
    if len(n) < 3 or p <= 0 or p >= 1:
        return float(p), float(np.clip(20.0, min_strength, max_strength))
    rates = k / n
    # observed spread of the rates, weighted by trials, minus the binomial part
    w = n / n.sum()
    s2 = float(np.sum(w * (rates - p) ** 2))
    binomial = p * (1 - p) * float(np.mean(1.0 / n))
    between = s2 - binomial
    if between <= 1e-12:
        return float(p), max_strength
    m = p * (1 - p) / between - 1.0
    return float(p), float(np.clip(m, min_strength, max_strength))


def _distinct(df: pd.DataFrame, event: str) -> pd.Series:
    sub = df[df["event"] == event]
    return sub.groupby("resource_id")["referral_id"].nunique()


def resource_signals(
    events: Any,
    *,
    categories: Mapping[str, str] | pd.Series | None = None,
    prior_strength: float | None = None,
    interval: float = 0.9,
) -> pd.DataFrame:
    """Attendance and 12-week retention per resource, shrunk toward the category's mean.

    ``offered`` counts the referrals that were shown the resource or have any outcome for
    it; ``attended`` those that went; ``retained`` those still attending at 12 weeks.
    ``attendance`` is the posterior mean of a Beta-Binomial model whose prior is centred on
    the category's pooled rate (itself shrunk toward the overall rate) with strength
    ``prior_strength`` pseudo-referrals (fitted over all resources by the method of
    moments when ``None``), ``attendance_lo``/``_hi`` the
    ``interval`` credible interval; ``retention`` the same for retained / attended.
    ``categories`` maps resource ids to categories (default: the ``category`` logged on
    shown events; resources without one form the group ``"unknown"``). Also one column per
    decline reason. Sorted by ``offered``, most first.
    """
    from scipy.stats import beta as beta_dist

    df = _frame(events)
    if not 0 < interval < 1:
        raise InvalidParameterError("interval must be in (0, 1)")
    offered = df.groupby("resource_id")["referral_id"].nunique()
    out = pd.DataFrame({"offered": offered})
    for ev in ("shown", "chosen", "contacted", "attended", "attending_12w"):
        out[ev if ev != "attending_12w" else "retained"] = _distinct(df, ev)
    dec = df[df["event"] == "declined"]
    for reason in DECLINE_REASONS:
        out[f"declined_{reason}"] = dec[dec["reason"] == reason].groupby("resource_id").size()
    out = out.fillna(0).astype(int)
    # a referral that is attending at 12 weeks attended
    out["attended"] = np.maximum(out["attended"], out["retained"])
    if categories is not None:
        cat = pd.Series(dict(categories) if isinstance(categories, Mapping) else categories)
    elif "category" in df.columns:
        cat = df.dropna(subset=["category"]).groupby("resource_id")["category"].last()
    else:
        cat = pd.Series(dtype=object)
    out["category"] = cat.reindex(out.index).fillna("unknown").astype(str)
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    for rate, k_col, n_col in (
        ("attendance", "attended", "offered"),
        ("retention", "retained", "attended"),
    ):
        k_all = out[k_col].to_numpy(dtype=float)
        n_all = out[n_col].to_numpy(dtype=float)
        mean = np.full(len(out), np.nan)
        lo = np.full(len(out), np.nan)
        hi = np.full(len(out), np.nan)
        prior_mean = np.full(len(out), np.nan)
        # one prior strength from every resource; the category means are themselves
        # shrunk toward the overall rate (a small category does not get a prior of its own)
        p_all, m = beta_binomial_prior(k_all, n_all)
        if prior_strength is not None:
            m = float(prior_strength)
        if np.isfinite(p_all):
            for _, idx in out.groupby("category").indices.items():
                k, n = k_all[idx], n_all[idx]
                p0 = (k.sum() + m * p_all) / (n.sum() + m)
                p0 = float(np.clip(p0, 1e-3, 1 - 1e-3))
                a = k + m * p0
                b = n - k + m * (1 - p0)
                mean[idx] = a / (a + b)
                lo[idx] = beta_dist.ppf(lo_q, a, b)
                hi[idx] = beta_dist.ppf(hi_q, a, b)
                prior_mean[idx] = p0
        out[rate] = mean
        out[f"{rate}_lo"] = lo
        out[f"{rate}_hi"] = hi
        out[f"{rate}_category_mean"] = prior_mean
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{rate}_raw"] = np.where(
                out[n_col] > 0, out[k_col] / out[n_col].clip(lower=1), np.nan
            )
    out.index.name = "resource_id"
    return out.sort_values(["offered", "attended"], ascending=False).reset_index()


def stale_report(events: Any) -> pd.DataFrame:
    """Records that outcomes flag for the directory team: a decline with reason
    ``closed``, ``full`` or ``not_as_described``. One row per resource: the count of each
    reason, ``flags`` (their total), ``referrals`` (distinct referrals that flagged it),
    ``last_flagged`` (UTC) and ``attended_since`` (attendances after the last flag: a
    "closed" record that people still attend may just be wrong once). Most flags first."""
    df = _frame(events)
    flagged = df[(df["event"] == "declined") & df["reason"].isin(STALE_REASONS)]
    cols = ["resource_id", *STALE_REASONS, "flags", "referrals", "last_flagged", "attended_since"]
    if flagged.empty:
        return pd.DataFrame(columns=cols)
    counts = flagged.pivot_table(
        index="resource_id", columns="reason", values="referral_id", aggfunc="count", fill_value=0
    ).reindex(columns=list(STALE_REASONS), fill_value=0)
    counts["flags"] = counts.sum(axis=1)
    counts["referrals"] = flagged.groupby("resource_id")["referral_id"].nunique()
    at = pd.to_datetime(flagged["at"], utc=True) if "at" in flagged.columns else None
    if at is not None:
        last = at.groupby(flagged["resource_id"]).max()
        counts["last_flagged"] = last
        att = df[df["event"].isin(["attended", "attending_12w"])]
        att_at = pd.to_datetime(att["at"], utc=True)
        since = []
        for rid, when in last.items():
            since.append(int(((att["resource_id"] == rid) & (att_at > when)).sum()))
        counts["attended_since"] = since
    else:
        counts["last_flagged"] = pd.NaT
        counts["attended_since"] = 0
    counts = counts.reset_index()
    counts.columns.name = None
    return (
        counts[cols]
        .sort_values(["flags", "resource_id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def capacity_feed(
    events: Any,
    capacity: Mapping[str, float] | pd.Series | Any | None = None,
    *,
    now: datetime | None = None,
    attending_days: float = 84.0,
    full_days: float = 28.0,
) -> pd.Series:
    """Places left per resource, for ``allocate(..., capacity=...)``.

    Starts from the declared ``capacity`` (a mapping or Series resource_id -> places, or a
    :class:`~rxmatch.Directory` with a ``capacity`` column; missing = unlimited), subtracts
    the referrals that attended in the last ``attending_days`` (12 weeks by default) and
    sets 0 for a resource reported ``full`` in the last ``full_days`` with no attendance
    logged after that report. Resources without a declared capacity stay unlimited
    (``NaN``) unless reported full. Index: resource_id."""
    df = _frame(events)
    now_ts = pd.Timestamp(now or datetime.now(timezone.utc))
    if now_ts.tzinfo is None:
        now_ts = now_ts.tz_localize("UTC")
    if capacity is None:
        declared = pd.Series(dtype=float)
    else:
        frame = getattr(capacity, "frame", None)
        if isinstance(frame, pd.DataFrame) and {"id", "capacity"} <= set(frame.columns):
            declared = pd.Series(frame["capacity"].to_numpy(), index=frame["id"].to_numpy())
        else:
            declared = pd.Series(dict(capacity) if isinstance(capacity, Mapping) else capacity)
        declared = pd.to_numeric(declared, errors="coerce").astype(float)
    at = pd.to_datetime(df["at"], utc=True)
    recent = df[
        (df["event"].isin(["attended", "attending_12w"]))
        & (at >= now_ts - pd.Timedelta(days=attending_days))
    ]
    attending = recent.groupby("resource_id")["referral_id"].nunique()
    full = df[
        (df["event"] == "declined")
        & (df["reason"] == "full")
        & (at >= now_ts - pd.Timedelta(days=full_days))
    ]
    last_full = pd.to_datetime(full["at"], utc=True).groupby(full["resource_id"]).max()
    att_all = df[df["event"].isin(["attended", "attending_12w"])]
    last_att = pd.to_datetime(att_all["at"], utc=True).groupby(att_all["resource_id"]).max()
    ids = declared.index.union(attending.index).union(last_full.index)
    left = declared.reindex(ids) - attending.reindex(ids).fillna(0)
    left = left.clip(lower=0)
    for rid, when in last_full.items():
        if not (rid in last_att.index and last_att[rid] > when):
            left[rid] = 0.0
    left.index.name = "resource_id"
    left.name = "places_left"
    return left
