from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch.evaluation import referrals_from_frame
from rxmatch.outcomes import OutcomeReranker, resource_signals, stale_report
from rxmatch.outcomes.simulate import build_world, load_population, simulate


@pytest.fixture(scope="module")
def world():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_synthetic_directory()
    matcher = rxmatch.Matcher(rxmatch.HashingEmbedder(256)).fit(directory)
    refs = rxmatch.datasets.load_synthetic_referrals()
    some = refs.groupby("split", group_keys=False).head(30)  # 30 per split
    pop = load_population(40)[0]  # 40 people drawn afresh from the generator
    cands = matcher.recommend_many(referrals_from_frame(pd.concat([some, pop])), k=30)
    return build_world(cands, seed=0)


def test_population_is_fresh_people_with_latent_relevance():
    refs, qrels = load_population()
    assert len(refs) == 1000 and refs["referral_id"].is_unique
    assert (refs["split"] == "population").all()
    bundled = rxmatch.datasets.load_synthetic_referrals()
    assert not set(refs["referral_id"]) & set(bundled["referral_id"])
    assert not set(refs["what_matters"]) <= set(bundled["what_matters"])  # new draws
    assert set(refs.columns) >= set(bundled.columns)
    # every person has some resource graded >= 2 (as the generator guarantees), all of
    # them in the directory
    best = qrels.groupby("referral_id")["relevance"].max()
    assert set(best.index) == set(refs["referral_id"]) and (best >= 2).all()
    directory = set(rxmatch.datasets.load_synthetic_truth()["id"])
    assert set(qrels["resource_id"]) <= directory
    few_refs, few_qrels = load_population(5)
    assert few_refs.equals(refs.iloc[:5]) and set(few_qrels["referral_id"]) == set(
        few_refs["referral_id"]
    )


def test_world_is_built_from_the_latent_truth(world):
    assert len(world.heldout) > 0 and len(world.stream) > 0
    assert not set(world.heldout) & set(world.stream)
    # held out: the drawn population; the test split is held out too, never in the stream
    ids = np.array(world.template_ids)
    assert all(i.startswith("pop") for i in ids[world.heldout])
    assert len(world.test) > 0 and not set(world.test) & set(world.stream)
    assert not any(i.startswith("pop") for i in ids[world.stream])
    assert world.closed.any() and (world.quality[world.closed] == 0).all()
    for p in world.p_true:
        assert ((p >= 0) & (p <= 0.6)).all()


def test_simulation_runs_logs_and_measures(world):
    res = simulate(world, n_referrals=400, batch=200, seed=3, n_boot=200, ope_window=400)
    assert res.curve["referrals"].tolist() == [0, 200, 400]
    assert (
        (res.curve["ndcg_lo"] <= res.curve["ndcg"]) & (res.curve["ndcg"] <= res.curve["ndcg_hi"])
    ).all()
    # before any outcome the learned ranking is the static one
    assert res.curve["diff"].iloc[0] == 0
    held = res.heldout.set_index("set")
    assert held.loc["population", "people"] == len(world.heldout)
    assert held.loc["test referrals", "people"] == len(world.test)
    assert held.loc["population", "ndcg"] == pytest.approx(res.curve["ndcg"].iloc[-1])
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
    # small organisations keep at least their static exposure in every greedy list
    share = res.exposure.set_index("policy")["small_org_share"]
    assert share["learned (greedy)"] >= share["static"] - 1e-12
    # and in every list shown, exploring or not
    e = world.examination
    for t, g in log.groupby("template"):
        static_floor = e[world.small[world.cands[t][:10]]].sum()
        for _, shown in g.groupby("referral"):
            small = world.small[shown["resource"].to_numpy()]
            assert e[shown["rank"].to_numpy() - 1][small].sum() >= static_floor - 1e-9
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
