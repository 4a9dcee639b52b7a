from __future__ import annotations

import numpy as np
import pytest

import rxmatch
from rxmatch.outcomes import OutcomeReranker, OutcomeStore, examination_curve


def _log(n=30000, seed=0, top_bias=True):
    """A log where resource 5 is truly good and 7 bad, and (if ``top_bias``) resource 0
    was always put on top: its raw attendance is high only because of its rank."""
    rng = np.random.default_rng(seed)
    res = rng.integers(0, 20, n)
    rank = rng.integers(2, 11, n)
    if top_bias:
        rank[res == 0] = 1
    score = rng.uniform(0.2, 0.8, n)
    quality = np.ones(20)
    quality[5], quality[7] = 2.5, 0.3
    e = examination_curve(10)[rank - 1]
    attended = rng.random(n) < np.clip(0.4 * score * quality[res] * e, 0, 1)
    return res, rank, score, attended


def test_lifts_recover_quality_and_undo_position_bias():
    res, rank, score, att = _log()
    rr = OutcomeReranker().fit_arrays(res, rank, score, np.ones(len(res)), att)
    lift = rr.lift(range(20))
    assert lift[5] > 1.8 and lift[7] < 0.5
    # resource 0 was always first; IPS by examination removes most of that advantage
    assert abs(lift[0] - np.median(lift)) < 0.25
    naive = OutcomeReranker(examination=np.ones(50)).fit_arrays(
        res, rank, score, np.ones(len(res)), att
    )
    assert naive.lift([0])[0] > 2.0  # without the weights it looks 3x better than it is
    # an unseen resource is average
    assert rr.lift(["never-shown"])[0] == pytest.approx(1.0)


def test_greedy_and_bounded_exploration():
    res, rank, score, att = _log(top_bias=False)
    rr = OutcomeReranker(n_draws=200).fit_arrays(res, rank, score, np.ones(len(res)), att)
    ids = list(range(20))
    flat = np.full(20, 0.5)
    greedy = rr.rank(ids, flat, 10, explore=False)
    assert greedy.order[0] == 5 and 7 not in greedy.order
    assert (greedy.propensity == 1).all() and greedy.exposure_cost == 0
    lists = [rr.rank(ids, flat, 10, rng=s) for s in range(40)]
    for out in lists:
        assert list(out.order[:3]) == list(greedy.order[:3])  # slots 1-3 never explored
        assert (out.propensity[:3] == 1).all()
        assert ((out.propensity[3:] > 0) & (out.propensity[3:] <= 1)).all()
        assert len(set(out.order)) == 10
        assert not out.explored[:3].any()
    shown_sets = {tuple(sorted(out.order)) for out in lists}
    assert len(shown_sets) > 1  # it does explore
    assert 0 < np.mean([o.exposure_cost for o in lists]) < 0.5
    # propensities agree with how often each resource is really shown in slots 4-10
    freq = np.zeros(20)
    for out in lists:
        freq[out.order[3:]] += 1
    est = {}
    for out in lists:
        for j, p in zip(out.order[3:], out.propensity[3:]):
            est.setdefault(j, []).append(p)
    for j, ps in est.items():
        assert abs(np.mean(ps) - freq[j] / len(lists)) < 0.25


def test_fit_from_a_store_and_rerank_recommendations(tmp_path):
    matcher = rxmatch.Matcher(rxmatch.HashingEmbedder(256)).fit(
        rxmatch.datasets.load_demo_directory()
    )
    person = rxmatch.Referral("painting and art with others", postal_code="94401")
    with OutcomeStore(tmp_path / "o.sqlite") as store:
        for i in range(30):
            recs = matcher.recommend(person.replace(referral_id=f"r{i}"), k=10, outcomes=store)
            # people keep going to the 6th-ranked resource, never to the others
            store.record("attended", f"r{i}", recs[5].resource_id)
        rr = OutcomeReranker().fit(store)
        liked = recs[5].resource_id
        assert rr.lift([liked])[0] > 2 * rr.lift([recs[0].resource_id])[0]
        wide = matcher.recommend(person.replace(referral_id="new"), k=20)
        new, props = rr.rerank(wide, k=10, rng=0)
        assert new[0].resource_id == liked and [m.rank for m in new] == list(range(1, 11))
        assert set(props) == {m.resource_id for m in new}
        assert store.log_shown(new, propensities=props) == 10
        logged = store.to_frame(referral_id="new")
        assert logged["propensity"].between(0, 1).all() and (logged["propensity"] < 1).any()


def test_unfitted_and_bad_parameters():
    with pytest.raises(rxmatch.NotFittedError):
        OutcomeReranker().rank(["a"], np.ones(1))
    with pytest.raises(rxmatch.InvalidParameterError):
        OutcomeReranker(explore_from=0)


def test_ips_weighting_and_category_prior_also_recover_quality():
    res, rank, score, att = _log(top_bias=False)
    cats = np.where(res < 10, "arts_culture", "volunteering")
    ips = OutcomeReranker(weighting="ips").fit_arrays(res, rank, score, np.ones(len(res)), att)
    assert ips.lift([5])[0] > 1.5 and ips.lift([7])[0] < 0.6
    by_cat = OutcomeReranker(by_category=True).fit_arrays(
        res, rank, score, np.ones(len(res)), att, cats
    )
    # an unseen resource takes its category's pooled lift (arts holds the good resource 5)
    unseen = by_cat.lift(["new-a", "new-v"], categories=["arts_culture", "volunteering"])
    assert unseen[0] > unseen[1]
    with pytest.raises(rxmatch.InvalidParameterError):
        OutcomeReranker(weighting="magic")


def test_max_lift_and_exposure_penalty_limit_promotion():
    res, rank, score, att = _log(top_bias=False)
    ids = list(range(20))
    flat = np.full(20, 0.5)
    plain = OutcomeReranker(exposure_penalty=0).fit_arrays(res, rank, score, np.ones(len(res)), att)
    assert plain.rank(ids, flat, 10, explore=False).order[0] == 5
    # capped at 1.0, resource 5 cannot be promoted above the others any more
    capped = OutcomeReranker(max_lift=1.0, exposure_penalty=0).fit_arrays(
        res, rank, score, np.ones(len(res)), att
    )
    lifts = plain.lift(ids)
    first_at_cap = min(i for i in ids if lifts[i] >= 1.0)  # ties keep the input order
    assert first_at_cap != 5
    assert capped.rank(ids, flat, 10, explore=False).order[0] == first_at_cap
    assert 7 not in capped.rank(ids, flat, 10, explore=False).order  # demotion still works
    # a resource that already had most of the exposure is braked
    heavy = np.concatenate([res, np.full(20000, 3)])
    kw = dict(
        rank=np.concatenate([rank, np.ones(20000, dtype=int)]),
        score=np.concatenate([score, np.full(20000, 0.5)]),
        propensity=np.ones(len(heavy)),
        attended=np.concatenate([att, np.zeros(20000, dtype=bool)]),
    )
    scores = np.full(20, 0.5)
    scores[3] = 0.9  # far ahead on the static score
    no_brake = OutcomeReranker(exposure_penalty=0, prior_strength=1e6).fit_arrays(heavy, **kw)
    brake = OutcomeReranker(exposure_penalty=2.0, prior_strength=1e6).fit_arrays(heavy, **kw)
    assert no_brake.rank(ids, scores, 10, explore=False).order[0] == 3
    assert brake.rank(ids, scores, 10, explore=False).order[0] != 3


def test_protected_candidates_keep_their_static_exposure():
    from rxmatch.outcomes.learn import protected_bonus

    res, rank, score, att = _log(top_bias=False)
    rr = OutcomeReranker(exposure_penalty=0).fit_arrays(res, rank, score, np.ones(len(res)), att)
    ids = list(range(20))
    static = np.linspace(0.9, 0.1, 20)  # static order 0, 1, ..., 19
    e = examination_curve(10)
    # resource 7 (truly bad) is protected and is in the static top 10 at slot 8;
    # resource 15 (average) is protected but outside the static top 10
    protected = np.zeros(20, dtype=bool)
    protected[[7, 15]] = True
    floor = e[protected[:10]].sum()
    free = rr.rank(ids, static, 10, explore=False)
    assert 7 not in free.order  # learning alone drops it: the protected exposure falls
    assert e[protected[free.order]].sum() < floor
    kept = rr.rank(ids, static, 10, explore=False, protected=protected)
    assert e[protected[kept.order]].sum() >= floor - 1e-12
    # the rest keeps the learned order (one uniform bonus per list)
    rest = [r for r in kept.order if not protected[r]]
    assert rest == [r for r in free.order if not protected[r]][: len(rest)]
    # the bonus is the smallest that works, and 0 when the floor already holds
    mean = np.log(rr.lift(ids)) + rr.beta_ * static
    b = protected_bonus(mean, protected, e)
    assert b > 0
    below = np.argsort(-(mean + (b - 1e-3) * protected), kind="stable")[:10]
    assert e[protected[below]].sum() < floor
    assert protected_bonus(mean, np.zeros(20, dtype=bool), e) == 0.0
    assert protected_bonus(static, protected, e) == 0.0  # the static order itself
    # explored lists keep it too, and still explore
    lists = [rr.rank(ids, static, 10, rng=s, protected=protected) for s in range(40)]
    assert all(e[protected[o.order]].sum() >= floor - 1e-12 for o in lists)
    assert len({tuple(sorted(o.order)) for o in lists}) > 1
    assert all(list(o.order[:3]) == list(kept.order[:3]) for o in lists)
    with pytest.raises(rxmatch.InvalidParameterError):
        rr.rank(ids, static, 10, protected=protected[:5])
