"""End-to-end behaviour of the Matcher with the real bundled model (all-MiniLM-L6-v2)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch import (
    Directory,
    InvalidParameterError,
    Matcher,
    NotFittedError,
    Referral,
    ReferralError,
)
from rxmatch.features.geo import haversine_km

HOME = (37.5630, -122.3255)  # downtown San Mateo
FAR_HOME = (37.4636, -122.4286)  # Half Moon Bay, ~14 km away over the hills

ROWS = [
    dict(
        id="art-1",
        name="Third Avenue Watercolour Circle",
        description="A relaxed watercolour painting group for adults. Bring your own brushes or borrow ours.",
        lat=37.5641,
        lon=-122.3231,
        category="Arts",
        schedule="Tue 10:00-12:00",
        free=True,
        accessibility="wheelchair",
        languages="English",
        min_age=18,
    ),
    dict(
        id="art-2",
        name="Open Studio Collective",
        description="Drop-in art studio with easels, acrylics and friendly tutors. All abilities welcome.",
        lat=37.5660,
        lon=-122.3205,
        cost="$5 per session",
        free=False,
        schedule="Sat 13:00-16:00",
    ),
    dict(
        id="park-1",
        name="Central Park Morning Walk",
        description="Gentle guided walk around the park and rose garden, about an hour.",
        lat=37.5628,
        lon=-122.3238,
        category="nature",
        free=True,
        schedule="Mon-Fri 08:00-09:00",
    ),
    dict(
        id="food-1",
        name="Downtown Food Pantry",
        description="Free groceries and fresh produce for anyone who needs them. No questions asked.",
        lat=37.5652,
        lon=-122.3270,
        category="food",
        free=True,
    ),
    dict(
        id="coast-art",
        name="Coastside Painters",
        description="Plein air painting group that paints the harbour and beaches together each week.",
        lat=37.4640,
        lon=-122.4290,
        category="arts",
        free=True,
    ),
    dict(
        id="coast-walk",
        name="Harbour Bluff Walkers",
        description="Friendly walking group along the coastal trail.",
        lat=37.4700,
        lon=-122.4400,
        category="nature",
        free=True,
    ),
    dict(
        id="youth-1",
        name="Teen Garage Band Club",
        description="Young people learn guitar, drums and songwriting together.",
        lat=37.5645,
        lon=-122.3250,
        category="arts",
        min_age=13,
        max_age=17,
        free=True,
    ),
    dict(
        id="spanish-1",
        name="Coro Comunitario Voces",
        description="Coro comunitario para adultos. Cantamos música latinoamericana.",
        lat=37.5610,
        lon=-122.3190,
        category="arts",
        languages="Spanish",
        free=True,
    ),
    dict(
        id="steps-1",
        name="Upstairs Sketch Club",
        description="Sketching and drawing club in a second-floor room with no lift.",
        lat=37.5655,
        lon=-122.3262,
        category="arts",
        accessibility="quiet_space",
        free=True,
    ),
    dict(
        id="online-1",
        name="Draw Along Online",
        description="A weekly online drawing class over video call for beginners.",
        online=True,
        category="arts",
        free=True,
    ),
    dict(
        id="garden-1",
        name="Community Gardening Plots",
        description="Grow vegetables with neighbours in shared raised beds; tools provided.",
        lat=37.5600,
        lon=-122.3300,
        category="nature",
        free=True,
    ),
    dict(
        id="vol-1",
        name="Animal Shelter Volunteers",
        description="Volunteer to walk dogs and socialise cats at the county animal shelter.",
        lat=37.5700,
        lon=-122.3350,
        category="volunteer",
        free=True,
    ),
]


@pytest.fixture(scope="module")
def directory():
    return Directory.from_records(ROWS)


@pytest.fixture(scope="module")
def matcher(st_embedder, directory):
    return Matcher(st_embedder, diversity=0.0).fit(directory)


def person(text="I miss painting, it used to be my thing", where=HOME, **kw):
    kw.setdefault("max_km", 5)
    return Referral(text, lat=where[0], lon=where[1], **kw)


def test_painter_gets_arts_groups_first(matcher):
    recs = matcher.recommend(person(), k=5)
    # the two painting groups nearby, and the online drawing class, lead; nothing unrelated
    assert recs.ids[0] == "art-1"
    assert {"art-1", "art-2"} <= set(recs.ids[:3])
    assert set(recs.ids[:3]) <= {"art-1", "art-2", "online-1", "steps-1"}


def test_far_home_gives_a_different_list(matcher):
    near = matcher.recommend(person(max_km=5), k=5).ids
    far = matcher.recommend(person(where=FAR_HOME, max_km=5), k=5).ids
    assert near != far
    assert far[0] == "coast-art"
    assert "art-1" not in far


@pytest.mark.parametrize("max_km", [0.3, 1.0, 3.0, 20.0])
def test_nothing_beyond_max_km_except_online(matcher, directory, max_km):
    recs = matcher.recommend(person(max_km=max_km), k=50)
    for m in recs:
        r = directory.get(m.resource_id)
        if r["online"]:
            assert m.distance_km is None
        else:
            d = float(haversine_km(HOME[0], HOME[1], r["lat"], r["lon"]))
            assert d <= max_km + 1e-9 and m.distance_km == pytest.approx(d, abs=1e-3)
    assert "online-1" in recs.ids


def test_age_filter(matcher):
    adult = matcher.recommend(person("I want to play guitar in a band", age=40), k=20)
    assert "youth-1" not in adult.ids
    assert adult.why_not("youth-1") == "for ages up to 17"
    teen = matcher.recommend(person("I want to play guitar in a band", age=15), k=20)
    assert teen.ids[0] == "youth-1"
    assert "art-1" not in teen.ids  # 18+


def test_language_filter(matcher):
    en = matcher.recommend(person("I love singing in a choir", languages=["English"]), k=20)
    assert "spanish-1" not in en.ids and en.why_not("spanish-1").startswith("offered in spanish")
    es = matcher.recommend(person("Me encanta cantar en un coro", languages=["es"]), k=20)
    assert "spanish-1" in es.ids
    assert "art-1" not in es.ids  # English only


def test_accessibility_filter(matcher):
    recs = matcher.recommend(person(accessibility_needs=["wheelchair"]), k=20)
    assert "steps-1" not in recs.ids
    assert "art-1" in recs.ids
    # unknown accessibility is kept but flagged for the link worker to check
    assert "accessibility not stated" in recs.get("art-2").flags


def test_free_only_filter(matcher):
    recs = matcher.recommend(person(free_only=True), k=20)
    assert "art-2" not in recs.ids and recs.why_not("art-2") == "not free"
    assert "art-1" in recs.ids


def test_online_only_and_online_not_ok(matcher):
    only = matcher.recommend(person(online_only=True), k=20)
    assert only.ids == ["online-1"]
    no = matcher.recommend(person(online_ok=False), k=20)
    assert "online-1" not in no.ids


def test_excluded_and_preferred_categories(matcher):
    recs = matcher.recommend(person(excluded_categories=["arts"]), k=20)
    assert all(m.category != "arts_culture" for m in recs)
    pref = matcher.recommend(person("something to do", preferred_categories=["nature"]), k=3)
    assert pref[0].category == "nature_outdoors"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I'd like to try gardning", "garden-1"),
        ("I want to voluntear with animals", "vol-1"),
        ("watercolor paintng", "art-1"),
    ],
)
def test_typos_still_match(matcher, text, expected):
    recs = matcher.recommend(person(text), k=3)
    assert recs[0].resource_id == expected
    assert recs[0].components["lexical"] > 0


def test_explanations_name_matched_words(matcher):
    m = matcher.recommend(person("I used to love watercolour painting"), k=1)[0]
    assert m.resource_id == "art-1"
    words = {(w.query_word, w.resource_word) for w in m.matched_words}
    assert ("watercolour", "watercolour") in words
    text = " ".join(m.reasons)
    assert "'watercolour'" in text and "km away" in text and "free" in text
    assert "meets Tue 10:00-12:00" in text


def test_schedule_fit_and_reasons(matcher):
    recs = matcher.recommend(person("a walk in the park", availability=["weekday mornings"]), k=3)
    m = recs.get("park-1")
    assert m is not None and m.components["schedule"] == 1.0
    assert any("when you are free" in r for r in m.reasons)


def test_scores_and_components_in_range_and_sorted(matcher):
    recs = matcher.recommend(person(), k=20)
    scores = [m.score for m in recs]
    assert scores == sorted(scores, reverse=True)  # diversity=0: plain ranking
    for m in recs:
        assert 0.0 <= m.score <= 1.0
        assert all(0.0 <= v <= 1.0 for v in m.components.values())


def test_same_input_same_output(st_embedder, directory):
    a = Matcher(st_embedder).fit(directory).recommend(person(), k=10).to_frame()
    b = Matcher(st_embedder).fit(directory).recommend(person(), k=10).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_shuffled_directory_same_result(st_embedder):
    rng = np.random.default_rng(3)
    rows = [ROWS[i] for i in rng.permutation(len(ROWS))]
    a = Matcher(st_embedder).fit(Directory.from_records(ROWS)).recommend(person(), k=8)
    b = Matcher(st_embedder).fit(Directory.from_records(rows)).recommend(person(), k=8)
    assert a.ids == b.ids


def test_results_are_immutable(matcher):
    recs = matcher.recommend(person(), k=3)
    with pytest.raises(AttributeError):
        recs[0].score = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        recs[0].components["semantic"] = 1.0  # type: ignore[index]
    df = recs.to_frame()
    assert list(df.columns[:4]) == ["rank", "resource_id", "name", "category"]
    assert set(rxmatch.COMPONENTS) - {"schedule", "preference"} <= set(df.columns)


@pytest.mark.parametrize("k", [0, -1, 2.5, "3", True])
def test_bad_k(matcher, k):
    with pytest.raises(InvalidParameterError):
        matcher.recommend(person(), k=k)


def test_k_larger_than_directory(matcher):
    recs = matcher.recommend(person(max_km=50), k=1000)
    assert len(recs) == len(ROWS)  # no filter applies: every resource, once
    assert len(set(recs.ids)) == len(recs)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        Matcher().recommend(person())


def test_recommend_many(matcher):
    frame = pd.DataFrame(
        [
            {
                "referral_id": "p1",
                "what_matters": "painting",
                "lat": HOME[0],
                "lon": HOME[1],
                "max_km": 5,
            },
            {"referral_id": "p2", "what_matters": "gardening", "postal_code": "94401", "max_km": 5},
            {"referral_id": "bad", "what_matters": "  ", "postal_code": "94401"},
        ]
    )
    with pytest.raises(ReferralError, match="row 2"):
        matcher.recommend_many(frame, k=3)
    with pytest.warns(UserWarning, match="1 referrals skipped"):
        out = matcher.recommend_many(frame, k=3, errors="skip")
    assert list(out["referral_id"].unique()) == ["p1", "p2"]
    assert out.groupby("referral_id").size().max() == 3
    assert out.attrs["skipped"][0]["field"] == "what_matters"
    single = matcher.recommend(Referral.from_mapping(frame.iloc[0].to_dict()), k=3)
    assert list(out[out.referral_id == "p1"]["resource_id"]) == single.ids


def test_category_inferred_when_missing(matcher):
    cats = dict(zip(matcher.table_.ids, matcher.categories_))
    assert cats["art-2"] == "arts_culture"  # no category given
    assert bool(matcher.table_.category_inferred[list(matcher.table_.ids).index("art-2")])


def test_outreach_service_reaches_beyond_radius(st_embedder):
    rows = ROWS + [
        dict(
            id="visit-1",
            name="Home Visiting Befrienders",
            description="Volunteers visit isolated older people at home for a chat.",
            lat=37.60,
            lon=-122.38,
            service_radius_km=15,
            category="community",
        )
    ]
    m = Matcher(st_embedder).fit(Directory.from_records(rows))
    recs = m.recommend(person("I feel lonely at home", max_km=1), k=10)
    assert "visit-1" in recs.ids
    assert any("comes to you" in r for r in recs.get("visit-1").reasons)


def test_widening_only_without_explicit_max_km(st_embedder, directory):
    # ~20 km from every resource: nothing within a 2 km walk
    walker = Referral("painting", lat=37.40, lon=-122.20, travel_mode="walk", online_ok=False)
    wide = Matcher(st_embedder, max_widen_factor=20).fit(directory).recommend(walker)
    assert len(wide) >= 1 and "widened" in wide.notes[0]
    # an explicit max_km is a hard limit: no widening, nothing returned
    strict = Matcher(st_embedder, max_widen_factor=20).fit(directory)
    assert len(strict.recommend(walker.replace(max_km=2))) == 0
    off = Matcher(st_embedder, widen_if_fewer_than=0).fit(directory).recommend(walker)
    # nothing in reach is said plainly (and no widening is claimed)
    assert len(off) == 0 and off.notes == ("nothing in the directory is within reach of this home",)


def test_incremental_add_update_remove(st_embedder, directory):
    m = Matcher(st_embedder).fit(directory)
    m.add(
        [
            dict(
                id="pottery-1",
                name="Clay Corner",
                description="Beginner pottery on the wheel.",
                lat=37.5640,
                lon=-122.3245,
                category="arts",
                free=True,
            )
        ]
    )
    assert m.n_reembedded_ == 1 and len(m.table_) == len(ROWS) + 1
    assert m.recommend(person("I'd love to try pottery"), k=1)[0].resource_id == "pottery-1"
    m.update(
        [
            dict(
                id="pottery-1",
                name="Clay Corner",
                description="Gentle chair yoga for seniors.",
                lat=37.5640,
                lon=-122.3245,
                category="movement",
                free=True,
            )
        ]
    )
    assert m.n_reembedded_ == 1
    assert m.recommend(person("I'd love to try pottery"), k=1)[0].resource_id != "pottery-1"
    m.remove(["pottery-1"])
    assert "pottery-1" not in m.table_.ids and m.n_reembedded_ == 0
    fresh = Matcher(st_embedder).fit(directory)
    assert m.recommend(person(), k=5).ids == fresh.recommend(person(), k=5).ids
    with pytest.raises(InvalidParameterError, match="already in the index"):
        m.add([ROWS[0]])
    with pytest.raises(InvalidParameterError, match="no resource"):
        m.remove(["nope"])


def test_query_vector_skips_encoding(matcher):
    ref = person()
    q = matcher.encode_query(ref.what_matters)
    assert matcher.recommend(ref, k=5, query_vector=q).ids == matcher.recommend(ref, k=5).ids


def test_facets_cover_both_wishes_and_respect_barriers(st_embedder):
    rows = ROWS + [
        dict(
            id="hike-1",
            name="Peak Baggers Hiking Club",
            description="Fast-paced hikes up steep mountain trails, 15 km or more.",
            lat=37.5620,
            lon=-122.3260,
            category="nature",
            free=True,
        ),
    ]
    m = Matcher(st_embedder, diversity=0.0).fit(Directory.from_records(rows))
    text = "I used to paint, I'd like to get outdoors more, but my knees are bad"
    recs = m.recommend(person(text), k=4)
    cats = [x.category for x in recs]
    assert "arts_culture" in cats and "nature_outdoors" in cats
    assert any(f.startswith("barrier (mobility)") for f in recs.facets)
    assert any(r.startswith("answers your wish") for r in recs[0].reasons)
    # the strenuous hike is pushed below gentler outdoor options for bad knees
    ids = m.recommend(person(text), k=20).ids
    assert ids.index("hike-1") > ids.index("park-1")
    without = Matcher(st_embedder, diversity=0.0, facets=False).fit(Directory.from_records(rows))
    assert not without.recommend(person(text), k=4).facets


def test_dislikes_lower_what_resembles_them(st_embedder, directory):
    m = Matcher(st_embedder, diversity=0.0).fit(directory)
    base = m.recommend(person("something creative to do"), k=20)
    disliked = m.recommend(person("something creative to do, but I don't like singing"), k=20)
    assert disliked.get("spanish-1") is None or (
        disliked.ids.index("spanish-1") >= base.ids.index("spanish-1")
    )


def test_availability_required_filters_and_flags(matcher):
    ref = person("a walk in the park", availability=["weekends"], availability_required=True)
    recs = matcher.recommend(ref, k=20)
    assert "park-1" not in recs.ids and recs.why_not("park-1") == "no session when you are free"
    assert "times not stated" in recs.get("food-1").flags


def test_prefer_free_and_travel_minutes(matcher):
    recs = matcher.recommend(person(prefer_free=True, travel_mode="walk", max_km=3), k=5)
    assert recs.get("art-1").components["preference"] == 1.0
    assert recs.get("art-2").components["preference"] == 0.0
    assert any("min on foot" in r for r in recs.get("art-1").reasons)


def test_candidate_pool_scores_only_the_closest_in_meaning(st_embedder, directory):
    full = Matcher(st_embedder, candidate_pool=None).fit(directory)
    small = Matcher(st_embedder, candidate_pool=3).fit(directory)
    ref = person(max_km=50)
    comps = full.score_components(ref).sort_values("semantic", ascending=False)
    top3 = set(comps["resource_id"][:3])
    recs = small.recommend(ref, k=10)
    assert len(recs) == 3 and set(recs.ids) == top3
    with pytest.raises(InvalidParameterError):
        Matcher(st_embedder, candidate_pool=0).fit(directory)


def test_no_car_and_mobility_shrink_the_reach(matcher):
    by_car = Referral("painting groups", lat=HOME[0], lon=HOME[1], travel_mode="car")
    assert "coast-art" in matcher.recommend(by_car, k=20).ids  # ~14 km, within 25 km
    no_car = by_car.replace(what_matters="painting groups, but I have no car")
    recs = matcher.recommend(no_car, k=20)
    assert "coast-art" not in recs.ids
    assert any(n.startswith("no car: reach limited to 10 km") for n in recs.notes)
    knees = Referral("painting, my knees are bad", lat=HOME[0], lon=HOME[1])
    recs = matcher.recommend(knees, k=20)
    assert any("reach reduced to 6.0 km" in n for n in recs.notes)
    assert all(m.distance_km is None or m.distance_km <= 6.0 for m in recs)
    # an explicit max_km is the person's own limit: kept as given
    explicit = matcher.recommend(knees.replace(max_km=20), k=20)
    assert not any("reach" in n for n in explicit.notes) and "coast-art" in explicit.ids


def test_recommend_many_batched_online_pool_gives_what_recommend_gives(demo_directory):
    # 7 online resources, pool of 3: the batched product must pick each referral's pool
    m = rxmatch.Matcher(
        rxmatch.HashingEmbedder(256), online_pool=3, reference_date=date(2026, 1, 1)
    ).fit(demo_directory)
    refs = [
        rxmatch.Referral("online art class from home", postal_code="94401", referral_id="a"),
        rxmatch.Referral("video call support group", postal_code="94063", referral_id="b"),
        rxmatch.Referral("walks", postal_code="94401", online_ok=False, referral_id="c"),
        rxmatch.Referral("learn computers online", online_only=True, referral_id="d"),
    ]
    many = m.recommend_many(refs, k=6)
    for r in refs:
        one = m.recommend(r, k=6).to_frame()
        got = many[many["referral_id"] == r.referral_id].reset_index(drop=True)
        assert got["resource_id"].tolist() == one["resource_id"].tolist()
        np.testing.assert_allclose(got["score"], one["score"])
    online_ids = set(demo_directory.frame.loc[demo_directory.frame["online"], "id"])
    in_many = set(many["resource_id"]) & online_ids
    assert in_many and len(in_many) < len(online_ids)  # the pool was used
    assert not set(many.loc[many["referral_id"] == "c", "resource_id"]) & online_ids - set(
        demo_directory.frame.loc[demo_directory.frame["lat"].notna(), "id"]
    )


def test_get_and_set_params_follow_scikit_learn(matcher):
    import copy

    params = matcher.get_params()
    assert params["diversity"] == 0.0 and "weights" in params and "self" not in params
    m = copy.copy(matcher).set_params(care_penalty=0.3, diversity=0.1)
    assert (m.care_penalty, m.diversity) == (0.3, 0.1)
    assert matcher.care_penalty != 0.3 or matcher is m  # the original is untouched
    with pytest.raises(rxmatch.InvalidParameterError, match="unknown Matcher parameter"):
        m.set_params(nonsense=1)
    with pytest.raises(rxmatch.InvalidParameterError):
        m.set_params(care_penalty=2.0)
    assert m.care_penalty == 0.3  # a refused set_params changes nothing
    assert m.recommend(person(), k=3).ids  # ranks with the new parameters at once


def test_confidence_is_calibrated_and_min_confidence_holds_back(matcher):
    from rxmatch.rank import confidence

    recs = matcher.recommend(person(), k=5)
    assert all(0 < m.confidence < 1 for m in recs)
    ranks = [m.rank for m in recs]
    assert ranks == list(range(1, len(recs) + 1))
    assert [m.confidence for m in recs] == pytest.approx(
        list(confidence([m.score for m in recs], ranks=ranks))
    )
    assert "confidence" in recs.to_frame().columns
    strict = copy_with(matcher, min_confidence=0.99)
    held = strict.recommend(person(), k=5)
    assert len(held) == 0 and any("held back" in n for n in held.notes)


def test_gibberish_gets_an_honest_note(matcher):
    recs = matcher.recommend(person("qwxz vbnm plkj"), k=5)
    assert any("no strong match" in n for n in recs.notes)


def copy_with(matcher, **params):
    import copy

    return copy.copy(matcher).set_params(**params)
