"""Every system ranks only the eligible candidates within reach, deterministically."""

import numpy as np
import pytest

import rxmatch
from rxmatch.evaluation import (
    SYSTEMS,
    BM25System,
    CategoryKeywordSystem,
    make_system,
    rank_with,
    referrals_from_frame,
)
from rxmatch.features.geo import haversine_km

HOME = (41.8800, -87.6300)  # as in conftest.py


@pytest.fixture()
def refs(tiny_referrals):
    return {r.referral_id: r for r in referrals_from_frame(tiny_referrals)}


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_systems_respect_radius_and_eligibility(name, tiny_shared, refs):
    system = make_system(name).fit(tiny_shared)
    p1 = system.recommend(refs["p1"], k=20)
    # far-paint is 67 km away (radius 10); kids-art has max_age 12 and p1 is 70
    assert "far-paint" not in p1.ids and "kids-art" not in p1.ids
    assert set(p1.ids) <= {str(tiny_shared.ids[r]) for r in tiny_shared.candidates(refs["p1"]).rows}
    p2 = system.recommend(refs["p2"], k=20)  # free only: the paid studio is out
    assert "paid-paint" not in p2.ids
    p3 = system.recommend(refs["p3"], k=20)  # radius 3 km, no online
    assert "online-art" not in p3.ids and "mid-garden" not in p3.ids
    for d in p3.distance_km:
        assert d is not None and d <= 3.0
    assert len(system.recommend(refs["p1"], k=2)) == 2


def test_distances_reported_and_online_is_none(tiny_shared, refs):
    ranking = make_system("nearest").fit(tiny_shared).recommend(refs["p1"], k=20)
    assert ranking.ids[0] == "near-walk" and ranking.ids[-1] == "online-art"
    assert ranking.distance_km[-1] is None
    d = [x for x in ranking.distance_km if x is not None]
    assert d == sorted(d)
    lat = HOME[0] + 0.005
    assert d[0] == pytest.approx(float(haversine_km(HOME[0], HOME[1], lat, HOME[1])), abs=1e-6)


def test_random_is_seeded(tiny_shared, refs):
    a = make_system("random", seed=1).fit(tiny_shared).recommend(refs["p1"], 20)
    b = make_system("random", seed=1).fit(tiny_shared).recommend(refs["p1"], 20)
    orders = {
        make_system("random", seed=s).fit(tiny_shared).recommend(refs["p1"], 20).ids
        for s in range(8)
    }
    assert a == b and len(orders) > 1


def test_category_keyword_filters_on_taxonomy_words(tiny_shared, refs):
    system = CategoryKeywordSystem().fit(tiny_shared)
    assert system.matched_categories("I want to sing in a choir") == ["arts_culture"]
    assert system.matched_categories("nothing in particular") == []
    ranking = system.recommend(refs["p1"], 20)  # "painting" → arts only, nearest first
    assert ranking.ids[0] == "near-paint"
    assert set(ranking.categories) == {"arts_culture"}


def test_bm25_prefers_lexical_match(tiny_shared, refs):
    system = BM25System().fit(tiny_shared)
    ranking = system.recommend(refs["p1"], 3)
    assert ranking.ids[0] == "near-paint"  # "watercolours" and "painting"
    scores = system.scores("watercolour painting", tiny_shared.candidates(refs["p1"]).rows)
    assert scores.max() > 0 and (scores >= 0).all()


def test_vector_blend_formula(tiny_shared, refs):
    system = make_system("vector_blend").fit(tiny_shared)
    cands = tiny_shared.candidates(refs["p1"])
    ranking = system.recommend(refs["p1"], 20)
    score = {}
    for r, cos, d, online in zip(cands.rows, cands.cosine, cands.distance_km, cands.online):
        term = 0.5 if online else 1 - min(d / 100, 1)
        score[str(tiny_shared.ids[r])] = 0.5 * cos + 0.5 * term
    got = [score[i] for i in ranking.ids]
    assert got == sorted(got, reverse=True)


def test_cords_two_stage_keeps_similar_then_sorts_by_distance(tiny_shared, refs):
    system = make_system("cords_two_stage", threshold=2.0, min_keep=3).fit(tiny_shared)
    cands = tiny_shared.candidates(refs["p1"])
    top3 = {str(tiny_shared.ids[r]) for r in cands.rows[np.argsort(-cands.cosine)[:3]]}
    ranking = system.recommend(refs["p1"], 20)
    assert set(ranking.ids) == top3
    d = [np.inf if x is None else x for x in ranking.distance_km]
    assert d == sorted(d)


def test_rxmatch_system_is_the_matcher(tiny_shared, refs):
    system = make_system("rxmatch").fit(tiny_shared)
    for ref in refs.values():
        assert list(system.recommend(ref, 5).ids) == tiny_shared.matcher.recommend(ref, 5).ids
        # the tuning re-blend reproduces the Matcher with its own parameters
        w = tiny_shared.matcher.weights or rxmatch.Weights()
        assert rank_with(tiny_shared, ref, w, tiny_shared.matcher.diversity, 5) == list(
            system.recommend(ref, 5).ids
        )


def test_unknown_system_and_bad_k(tiny_shared, refs):
    with pytest.raises(rxmatch.InvalidParameterError, match="unknown system"):
        make_system("magic")
    with pytest.raises(rxmatch.InvalidParameterError):
        make_system("dense").fit(tiny_shared).recommend(refs["p1"], 0)
    with pytest.raises(rxmatch.NotFittedError):
        make_system("dense").recommend(refs["p1"], 3)
