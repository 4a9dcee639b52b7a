from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch.outcomes import OutcomeStore, capacity_feed, resource_signals, stale_report
from rxmatch.outcomes.signals import beta_binomial_prior

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _events(rows):
    return pd.DataFrame(
        [
            {
                "event": ev,
                "referral_id": ref,
                "resource_id": res,
                "at": pd.Timestamp(at or NOW),
                "reason": reason,
                "category": cat,
            }
            for ev, ref, res, reason, cat, at in rows
        ]
    )


def _offers(resource, n, attended, category="arts_culture", retained=0):
    rows = []
    for i in range(n):
        ref = f"{resource}-p{i}"
        rows.append(("shown", ref, resource, None, category, None))
        if i < attended:
            rows.append(("attended", ref, resource, None, None, None))
        if i < retained:
            rows.append(("attending_12w", ref, resource, None, None, None))
    return rows


def test_beta_binomial_prior_strength_follows_the_spread():
    n = np.full(50, 200)
    rng = np.random.default_rng(0)
    alike = rng.binomial(200, 0.3, size=50)  # one true rate: binomial noise only
    differ = rng.binomial(200, rng.uniform(0.05, 0.6, size=50))
    p1, m1 = beta_binomial_prior(alike, n)
    p2, m2 = beta_binomial_prior(differ, n)
    assert p1 == pytest.approx(0.3, abs=0.02)
    assert m1 > 10 * m2  # rates that agree pull hard toward the pool


def test_shrinkage_pulls_small_samples_toward_the_category_mean():
    rows = (
        _offers("big-good", 200, 100)  # 50% over many referrals
        + _offers("tiny-perfect", 2, 2)  # 100% over two referrals
        + _offers("mid", 100, 30)
        + _offers("sport-1", 100, 10, category="movement_sport")
        + _offers("sport-2", 100, 12, category="movement_sport")
    )
    sig = resource_signals(_events(rows), prior_strength=20).set_index("resource_id")
    assert sig.loc["tiny-perfect", "attendance_raw"] == 1.0
    # two attendances out of two do not beat 100 out of 200
    assert sig.loc["tiny-perfect", "attendance"] < sig.loc["big-good", "attendance"]
    cat_mean = sig.loc["tiny-perfect", "attendance_category_mean"]
    assert cat_mean < sig.loc["tiny-perfect", "attendance"] < 1.0
    assert abs(sig.loc["big-good", "attendance"] - 0.5) < 0.03  # much data: close to raw
    assert (
        sig.loc["big-good", "attendance_lo"]
        < sig.loc["big-good", "attendance"]
        < sig.loc["big-good", "attendance_hi"]
    )
    # the sport category has its own (lower) centre
    assert sig.loc["sport-1", "attendance_category_mean"] < cat_mean
    assert sig.loc["big-good", "offered"] == 200 and sig.loc["big-good", "attended"] == 100


def test_retention_counts_attending_at_12_weeks():
    sig = resource_signals(_events(_offers("r", 50, 40, retained=30)), prior_strength=1)
    row = sig.iloc[0]
    assert row["retained"] == 30 and row["retention_raw"] == pytest.approx(0.75)


def test_stale_report_lists_flagged_records_only():
    rows = _offers("ok", 5, 2) + [
        ("declined", "a1", "gone", "closed", None, NOW - timedelta(days=3)),
        ("declined", "a2", "gone", "closed", None, NOW - timedelta(days=1)),
        ("declined", "a3", "gone", "not_as_described", None, None),
        ("declined", "a4", "packed", "full", None, NOW - timedelta(days=10)),
        ("attended", "a5", "packed", None, None, NOW - timedelta(days=2)),
        ("declined", "a6", "ok", "too_far", None, None),  # not a record problem
    ]
    rep = stale_report(_events(rows))
    assert rep["resource_id"].tolist() == ["gone", "packed"]
    gone = rep.iloc[0]
    assert (gone["closed"], gone["not_as_described"], gone["flags"], gone["referrals"]) == (
        2,
        1,
        3,
        3,
    )
    assert rep.iloc[1]["attended_since"] == 1
    assert stale_report(_events(_offers("ok", 3, 1))).empty


def test_capacity_feed_feeds_allocate():
    rows = [
        ("attended", f"p{i}", "club", None, None, NOW - timedelta(days=5)) for i in range(3)
    ] + [
        ("attended", "old", "club", None, None, NOW - timedelta(days=200)),
        ("declined", "x1", "packed", "full", None, NOW - timedelta(days=3)),
        ("declined", "x2", "reopened", "full", None, NOW - timedelta(days=20)),
        ("attended", "x3", "reopened", None, None, NOW - timedelta(days=2)),
    ]
    left = capacity_feed(
        _events(rows), {"club": 5, "packed": 10, "reopened": 4, "open": None}, now=NOW
    )
    assert left["club"] == 2  # 5 places, 3 attending in the last 12 weeks
    assert left["packed"] == 0  # reported full
    assert left["reopened"] == 3  # full earlier, but someone got in since
    assert np.isnan(left["open"])  # unlimited stays unlimited
    cands = pd.DataFrame(
        {
            "referral_id": ["a", "a", "b", "b", "c"],
            "resource_id": ["packed", "club", "packed", "club", "club"],
            "score": [0.9, 0.5, 0.8, 0.4, 0.6],
        }
    )
    alloc = rxmatch.allocate(cands, capacity=left)
    assert "packed" not in set(alloc.assignments["resource_id"])
    assert len(alloc.assignments) == 2  # two places left at the club


def test_signals_from_a_store(tmp_path):
    with OutcomeStore(tmp_path / "o.sqlite") as store:
        store.record("shown", "r1", "x", rank=1, score=0.5, propensity=1.0, category="volunteering")
        store.record("attended", "r1", "x")
        store.record("declined", "r2", "y", reason="closed")
        sig = resource_signals(store)
        rep = stale_report(store)
    assert set(sig["resource_id"]) == {"x", "y"}
    assert sig.set_index("resource_id").loc["x", "category"] == "volunteering"
    assert rep["resource_id"].tolist() == ["y"]
