"""Capacity-aware allocation: optimality against an independent solver, constraints,
reasons for unplaced referrals, determinism, bad input, speed, and the demo directory."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

import rxmatch
from rxmatch.rank.allocate import Allocation, allocate


def frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["referral_id", "resource_id", "score"])


def greedy_total(cands: pd.DataFrame, limit: dict[str, float]) -> float:
    """Referrals in id order each take their best resource with a place left."""
    left = dict(limit)
    total = 0.0
    for _, g in cands.sort_values("referral_id").groupby("referral_id", sort=True):
        for _, row in g.sort_values(["score", "resource_id"], ascending=[False, True]).iterrows():
            if left.get(row.resource_id, np.inf) > 0:
                left[row.resource_id] = left.get(row.resource_id, np.inf) - 1
                total += row.score
                break
    return total


def oracle(cands: pd.DataFrame, cap: dict[str, int], placements: bool) -> tuple[int, float]:
    """Optimum by linear_sum_assignment on expanded capacity slots plus one 'unplaced'
    dummy column per referral: (number placed, total score)."""
    refs = sorted(cands["referral_id"].unique())
    slots = [(r, s) for r in sorted(cands["resource_id"].unique()) for s in range(cap[r])]
    n, big = len(refs), 1000.0
    benefit = np.full((n, len(slots) + n), -1e9)
    benefit[np.arange(n), len(slots) + np.arange(n)] = 0.0  # unplaced
    ri = {r: i for i, r in enumerate(refs)}
    for row in cands.itertuples():
        for j, (res, _) in enumerate(slots):
            if res == row.resource_id:
                benefit[ri[row.referral_id], j] = row.score + (big if placements else 0.0)
    rows, cols = linear_sum_assignment(benefit, maximize=True)
    real = cols < len(slots)
    total = sum(
        benefit[r, c] - (big if placements else 0.0) for r, c in zip(rows[real], cols[real])
    )
    return int(real.sum()), float(total)


def check_feasible(alloc: Allocation, cands: pd.DataFrame, cap: dict, exposure=None) -> None:
    a = alloc.assignments
    assert a["referral_id"].is_unique
    counts = a["resource_id"].value_counts()
    for res, c in counts.items():
        if res in cap and cap[res] is not None:
            assert c <= cap[res], res
        if exposure is not None:
            assert c <= exposure * alloc.n_referrals + 1e-9, res
    # every assignment is one of the person's candidates, with its score
    merged = a.merge(cands, on=["referral_id", "resource_id"], suffixes=("", "_c"))
    assert len(merged) == len(a)
    np.testing.assert_allclose(merged["score"], merged["score_c"])
    # every referral is either placed or reported
    placed, unplaced = set(a["referral_id"]), set(alloc.unassigned["referral_id"])
    assert not placed & unplaced
    assert len(placed) + len(unplaced) == alloc.n_referrals
    assert alloc.total_score == pytest.approx(a["score"].sum())
    assert alloc.fit_lost == pytest.approx(alloc.unconstrained_total - alloc.total_score)
    assert alloc.fit_lost >= -1e-12


# ---- hand-checked cases --------------------------------------------------------------------
def test_greedy_fails_optimum_found():
    cands = frame([("a", "x", 0.9), ("a", "y", 0.8), ("b", "x", 0.7), ("b", "y", 0.1)])
    cap = {"x": 1, "y": 1}
    assert greedy_total(cands, cap) == pytest.approx(1.0)  # a→x, b→y
    alloc = allocate(cands, cap)
    assert alloc.mapping == {"a": "y", "b": "x"}
    assert alloc.total_score == pytest.approx(1.5)
    assert alloc.unconstrained_total == pytest.approx(1.6)
    assert alloc.fit_lost == pytest.approx(0.1)
    assert alloc.fit_lost_relative == pytest.approx(0.1 / 1.6)
    ranks = dict(zip(alloc.assignments["referral_id"], alloc.assignments["rank_in_list"]))
    assert ranks == {"a": 2, "b": 1}
    check_feasible(alloc, cands, cap)


def test_three_way_chain():
    # greedy by id: a→x (0.9), b→y (0.9), c→ nothing; optimum places all three
    cands = frame(
        [
            ("a", "x", 0.9),
            ("a", "z", 0.85),
            ("b", "y", 0.9),
            ("b", "x", 0.8),
            ("c", "y", 0.6),
        ]
    )
    cap = {"x": 1, "y": 1, "z": 1}
    alloc = allocate(cands, cap)
    assert alloc.mapping == {"a": "z", "b": "x", "c": "y"}
    assert alloc.total_score == pytest.approx(2.25)
    assert alloc.unassigned.empty


def test_placements_versus_score_priority():
    # a: x .9, y .1; b: only x .5 — one place each
    cands = frame([("a", "x", 0.9), ("a", "y", 0.1), ("b", "x", 0.5)])
    cap = {"x": 1, "y": 1}
    by_place = allocate(cands, cap)
    assert by_place.mapping == {"a": "y", "b": "x"}
    assert by_place.total_score == pytest.approx(0.6)
    by_score = allocate(cands, cap, prioritise="score")
    assert by_score.mapping == {"a": "x"}
    assert by_score.total_score == pytest.approx(0.9)
    assert by_score.unassigned.to_dict("records") == [
        {
            "referral_id": "b",
            "reason": "every candidate resource is full (capacity or exposure cap)",
        }
    ]


def test_unlimited_capacity_is_unconstrained_top1():
    rng = np.random.default_rng(3)
    rows = [
        (f"r{i:03d}", f"s{j:02d}", float(rng.random()))
        for i in range(60)
        for j in rng.choice(20, size=5, replace=False)
    ]
    cands = frame(rows)
    for cap in (None, {}, {"s00": None, "s01": float("nan")}):
        alloc = allocate(cands, cap)
        assert alloc.fit_lost == 0.0
        assert alloc.fit_lost_relative == 0.0
        assert (alloc.assignments["rank_in_list"] == 1).all()
        best = cands.sort_values("score").groupby("referral_id").tail(1)
        assert alloc.total_score == pytest.approx(best["score"].sum())
        assert alloc.load["capacity"].isna().all() and alloc.load["utilisation"].isna().all()


def test_unassignable_referrals_are_reported():
    cands = frame(
        [
            ("a", "x", 0.9),
            ("b", "x", 0.8),  # x has one place: a or b is left out
            ("c", "y", 0.05),  # below min_score
        ]
    )
    alloc = allocate(cands, {"x": 1}, min_score=0.1, referrals=["a", "b", "c", "d"])
    assert alloc.n_referrals == 4
    assert alloc.mapping == {"a": "x"}
    reasons = dict(zip(alloc.unassigned["referral_id"], alloc.unassigned["reason"]))
    assert reasons == {
        "b": "every candidate resource is full (capacity or exposure cap)",
        "c": "no candidate scored at least min_score",
        "d": "no candidate resources",
    }
    table = alloc.to_frame()
    assert list(table["referral_id"]) == ["a", "b", "c", "d"]
    assert table.set_index("referral_id").loc["b", "top1_resource_id"] == "x"
    assert table.set_index("referral_id").loc["b", "score_lost"] == pytest.approx(0.8)
    assert table["reason"].isna().tolist() == [True, False, False, False]
    text = alloc.summary()
    assert "1 of 4 referrals placed" in text and "1 resources full: x" in text


def test_capacity_zero_and_load_table():
    cands = frame([("a", "x", 0.9), ("a", "y", 0.2), ("b", "y", 0.4), ("c", "y", 0.3)])
    alloc = allocate(cands, pd.Series({"x": 0, "y": 2}))
    # x has no place; y's two places go to the best two of a (0.2), b (0.4), c (0.3)
    assert alloc.mapping == {"b": "y", "c": "y"}
    assert alloc.unassigned["referral_id"].tolist() == ["a"]
    load = alloc.load.set_index("resource_id")
    assert load.loc["x", "assigned"] == 0 and load.loc["x", "capacity"] == 0
    assert load.loc["y", "assigned"] == 2 and load.loc["y", "utilisation"] == 1.0


def test_exposure_cap_honoured():
    # 10 referrals all prefer x; unlimited places, but no resource may take > 20%
    rows = []
    for i in range(10):
        rows += [(f"r{i}", "x", 0.9), (f"r{i}", "y", 0.5 + i / 100), (f"r{i}", "z", 0.4)]
        rows += [(f"r{i}", f"own{i}", 0.1)]
    cands = frame(rows)
    alloc = allocate(cands, None, exposure_cap=0.2)
    counts = alloc.assignments["resource_id"].value_counts()
    assert counts.max() <= 2
    assert counts["x"] == 2 and counts["y"] == 2 and counts["z"] == 2
    assert alloc.n_assigned == 10  # the rest go to their own small resources
    check_feasible(alloc, cands, {}, exposure=0.2)
    # the two highest y scores get y (x is equal for all: ties broken deterministically)
    ys = set(alloc.assignments.loc[alloc.assignments["resource_id"] == "y", "referral_id"])
    assert ys <= {f"r{i}" for i in range(10)}
    assert alloc.load.set_index("resource_id").loc["x", "limit"] == 2
    with pytest.raises(rxmatch.InvalidParameterError, match="allows 0 referrals"):
        allocate(cands, None, exposure_cap=0.05)


@pytest.mark.parametrize("placements", [True, False])
def test_matches_independent_optimum_on_random_instances(placements, monkeypatch):
    import scipy.optimize

    def no_mip(*args, **kwargs):
        raise AssertionError("the LP vertex was fractional: MIP fallback used")

    monkeypatch.setattr(scipy.optimize, "milp", no_mip)  # the LP alone must be integral
    rng = np.random.default_rng(11)
    for trial in range(40):
        n_ref, n_res = int(rng.integers(2, 9)), int(rng.integers(2, 6))
        rows = []
        for i in range(n_ref):
            k = int(rng.integers(1, n_res + 1))
            for j in rng.choice(n_res, size=k, replace=False):
                rows.append((f"r{i}", f"s{j}", round(float(rng.random()), 3)))
        cands = frame(rows)
        cap = {f"s{j}": int(rng.integers(0, 3)) for j in range(n_res)}
        alloc = allocate(cands, cap, prioritise="placements" if placements else "score")
        check_feasible(alloc, cands, cap)
        n_opt, total_opt = oracle(cands, cap, placements)
        if placements:
            assert alloc.n_assigned == n_opt, trial
        assert alloc.total_score == pytest.approx(total_opt, abs=1e-9), trial
        assert alloc.total_score >= greedy_total(cands, cap) - 1e-9 or placements


def test_deterministic_whatever_the_row_order():
    rng = np.random.default_rng(5)
    rows = [(f"r{i}", f"s{j}", 0.5) for i in range(12) for j in range(4)]  # all ties
    cands = frame(rows)
    cap = {f"s{j}": 2 for j in range(4)}
    first = allocate(cands, cap)
    for _ in range(3):
        shuffled = cands.sample(frac=1.0, random_state=int(rng.integers(1 << 30)))
        again = allocate(shuffled, cap)
        pd.testing.assert_frame_equal(first.assignments, again.assignments)
        pd.testing.assert_frame_equal(first.unassigned, again.unassigned)
    assert first.n_assigned == 8
    assert list(first.assignments["referral_id"]) == sorted(first.assignments["referral_id"])


def test_rank_column_is_used():
    cands = frame([("a", "x", 0.5), ("a", "y", 0.6)]).assign(rank=[1, 2])  # e.g. after MMR
    alloc = allocate(cands, {"y": 0})
    assert alloc.assignments.to_dict("records") == [
        {"referral_id": "a", "resource_id": "x", "score": 0.5, "rank_in_list": 1}
    ]


def test_integer_ids_keep_their_type():
    cands = pd.DataFrame(
        {"referral_id": [10, 9, 10], "resource_id": [1, 1, 2], "score": [0.9, 0.8, 0.1]}
    )
    alloc = allocate(cands, {1: 1})
    assert alloc.mapping == {9: 1, 10: 2}
    assert list(alloc.to_frame()["referral_id"]) == [9, 10]


def test_bad_input_names_the_field():
    ok = frame([("a", "x", 0.9)])
    with pytest.raises(rxmatch.InvalidParameterError, match="missing column"):
        allocate(ok.drop(columns="score"), None)
    with pytest.raises(rxmatch.InvalidParameterError, match=r"row 1 .*field 'score'"):
        allocate(frame([("a", "x", 0.9), ("b", "x", float("nan"))]), None)
    with pytest.raises(rxmatch.InvalidParameterError, match="more than once"):
        allocate(frame([("a", "x", 0.9), ("a", "x", 0.8)]), None)
    with pytest.raises(rxmatch.InvalidParameterError, match="capacity of resource x"):
        allocate(ok, {"x": -1})
    with pytest.raises(rxmatch.InvalidParameterError, match="capacity of resource x"):
        allocate(ok, {"x": 1.5})
    with pytest.raises(rxmatch.InvalidParameterError, match="exposure_cap"):
        allocate(ok, None, exposure_cap=1.5)
    with pytest.raises(rxmatch.InvalidParameterError, match="prioritise"):
        allocate(ok, None, prioritise="fairness")  # type: ignore[arg-type]
    with pytest.raises(rxmatch.InvalidParameterError, match="not in `referrals`"):
        allocate(ok, None, referrals=["b"])
    with pytest.raises(rxmatch.InvalidParameterError, match=">= 0"):
        allocate(frame([("a", "x", -0.1)]), None)


def test_empty_candidates():
    alloc = allocate(frame([]), None, referrals=["a"])
    assert alloc.n_assigned == 0 and alloc.total_score == 0.0
    assert alloc.unassigned["reason"].tolist() == ["no candidate resources"]


def test_speed_2000_referrals():
    rng = np.random.default_rng(0)
    n_ref, n_res, k = 2000, 500, 10
    ref = np.repeat([f"r{i:04d}" for i in range(n_ref)], k)
    # popular resources are picked more often, so capacity binds
    pop = rng.zipf(1.5, size=n_ref * 4) % n_res
    res = np.concatenate([rng.choice(np.unique(pop), size=k, replace=False) for _ in range(n_ref)])
    cands = pd.DataFrame(
        {
            "referral_id": ref,
            "resource_id": [f"s{j:03d}" for j in res],
            "score": rng.random(n_ref * k),
        }
    )
    cap = {f"s{j:03d}": int(c) for j, c in enumerate(rng.integers(1, 8, size=n_res))}
    t = time.perf_counter()
    alloc = allocate(cands, cap, exposure_cap=0.05)
    elapsed = time.perf_counter() - t
    check_feasible(alloc, cands, cap, exposure=0.05)
    assert alloc.fit_lost > 0  # capacity binds
    assert elapsed < 30  # measured ~1 s on 2 busy cores; loose for CI


# ---- the demo directory, end to end ----------------------------------------------------------
TEXTS = [
    "I used to paint and I miss doing something creative",
    "Since my wife died I hardly talk to anyone, I'd like some company",
    "I want to get fitter and walk more, maybe with a group",
    "I love gardening and being outdoors",
    "I'd like to sing in a choir",
    "I can't afford food this month",
    "I want to volunteer and feel useful again",
    "I'm anxious and low and would like to talk to people who understand",
    "I'd like to learn to dance",
    "I want to learn to use my phone and computer",
]
ZIPS = ["94401", "94402", "94403", "94010", "94063", "94070"]


@pytest.fixture(scope="module")
def demo_caseload(demo_directory):
    matcher = rxmatch.Matcher(rxmatch.HashingEmbedder()).fit(demo_directory)
    people = pd.DataFrame(
        {
            "referral_id": [f"p{i:02d}" for i in range(30)],
            "what_matters": [TEXTS[i % len(TEXTS)] for i in range(30)],
            "postal_code": [ZIPS[i % len(ZIPS)] for i in range(30)],
        }
    )
    return matcher.recommend_many(people, k=10)


def test_demo_directory_caseload(demo_caseload, demo_directory):
    cands = demo_caseload
    assert cands["referral_id"].nunique() == 30
    # the directory's own capacities (places per week) hardly bind for 30 people
    loose = allocate(cands, demo_directory)
    check_feasible(loose, cands, {})
    assert loose.n_assigned == 30
    caps = demo_directory.frame.set_index("id")["capacity"].dropna()
    load = loose.load.set_index("resource_id")
    for rid, c in caps.items():
        if rid in load.index:
            assert load.loc[rid, "assigned"] <= c
            assert load.loc[rid, "capacity"] == c
    # two places per resource: binding, and the optimum beats greedy
    tight = {rid: 2 for rid in demo_directory.frame["id"]}
    alloc = allocate(cands, tight)
    check_feasible(alloc, cands, tight)
    assert alloc.assignments["resource_id"].value_counts().max() <= 2
    assert alloc.fit_lost > 0
    assert alloc.total_score >= greedy_total(cands, tight) - 1e-9
    assert alloc.n_assigned == 30
    assert "30 of 30 referrals placed" in alloc.summary()
