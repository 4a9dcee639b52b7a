from __future__ import annotations

import warnings

import numpy as np
import pytest

import rxmatch
from rxmatch.evaluation import referrals_from_frame
from rxmatch.outcomes import OutcomeReranker, resource_signals, stale_report
from rxmatch.outcomes.simulate import build_world, simulate


@pytest.fixture(scope="module")
def world():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_synthetic_directory()
    matcher = rxmatch.Matcher(rxmatch.HashingEmbedder(256)).fit(directory)
    refs = rxmatch.datasets.load_synthetic_referrals()
    some = refs.groupby("split", group_keys=False).head(30)  # 30 per split
    cands = matcher.recommend_many(referrals_from_frame(some), k=30)
    return build_world(cands, seed=0)


def test_world_is_built_from_the_latent_truth(world):
    assert len(world.heldout) > 0 and len(world.stream) > 0
    assert not set(world.heldout) & set(world.stream)
    assert world.closed.any() and (world.quality[world.closed] == 0).all()
    for p in world.p_true:
        assert ((p >= 0) & (p <= 0.6)).all()


def test_simulation_runs_logs_and_measures(world):
    res = simulate(world, n_referrals=400, batch=200, seed=3, n_boot=200, ope_window=400)
    assert res.curve["referrals"].tolist() == [200, 400]
    assert (
        (res.curve["ndcg_lo"] <= res.curve["ndcg"]) & (res.curve["ndcg"] <= res.curve["ndcg_hi"])
    ).all()
    log = res.log
    assert len(log) == 400 * 10
    assert not log.loc[log["rank"] <= 3, "explored"].any()  # exploration only from slot 4
    assert log["propensity"].between(0, 1, inclusive="right").all()
    assert (log.loc[log["rank"] <= 3, "propensity"] == 1).all()
    # nobody attends a closed resource; closures are reported
    assert not log.loc[world.closed[log["resource"]], "attended"].any()
    assert set(log["declined"].dropna()) <= {"closed", "not_as_described"}
    assert set(res.ope["policy"]) == {"learned", "static"}
    assert set(res.exposure["policy"]) >= {"static", "learned (greedy)"}
    # the log is valid outcome events: the signals and the stale report read it
    events = res.events()
    assert {"shown", "attended", "declined"} <= set(events["event"])
    flagged = set(stale_report(events)["resource_id"])
    assert flagged and flagged <= set(world.resource_ids[world.closed | world.misdescribed])
    assert len(resource_signals(events)) > 0
    # the learned lifts of closed resources fall below the average
    seen = np.unique(log["resource"])
    lift = res.reranker.lift(seen)
    assert lift[world.closed[seen]].mean() < lift[~world.closed[seen]].mean()


def test_simulation_is_deterministic_for_a_seed(world):
    a = simulate(world, n_referrals=200, batch=100, seed=5, n_boot=50, ope_window=200)
    b = simulate(world, n_referrals=200, batch=100, seed=5, n_boot=50, ope_window=200)
    assert a.log.equals(b.log) and a.curve.equals(b.curve)
    c = simulate(
        world,
        n_referrals=200,
        batch=100,
        seed=5,
        n_boot=50,
        ope_window=200,
        reranker=OutcomeReranker(explore_from=None),
    )
    assert not c.log["explored"].any() and (c.log["propensity"] == 1).all()
