"""Properties of the explanations (rank/explain.py): ``explain_match`` reasons, their
order, and what they may quote; ``describe_age``; ``summarize_match`` quoting only what
the reasons quote. Plain values only (no model)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmatch.features.fuzzy import WordMatch
from rxmatch.features.schedule import Session
from rxmatch.rank.explain import describe_age, explain_match, summarize_match
from rxmatch.referral import TRAVEL_RADIUS_KM, travel_minutes
from rxmatch.taxonomy import CATEGORY_KEYS, category_label

FAST = settings(max_examples=60, deadline=None)
TODAY = date(2026, 6, 1)


def _wm(q: str, r: str | None = None, field: str = "name") -> WordMatch:
    return WordMatch(query_word=q, resource_word=r or q, field=field, similarity=1.0)


def _explain(**kw) -> tuple[str, ...]:
    base = dict(
        matched=(),
        components={},
        distance_km=None,
        via="radius",
        category=None,
        category_inferred=False,
        free=None,
        cost=None,
        best_session=None,
        sessions=(),
        availability_given=False,
        flags=(),
        last_verified=None,
        today=TODAY,
    )
    base.update(kw)
    return explain_match(**base)


# ---- explain_match: each reason -----------------------------------------------------------
def test_no_facts_no_reasons():
    assert _explain() == ()


def test_reasons_come_in_the_documented_order():
    r = _explain(
        facet="grow vegetables",
        matched=[_wm("gardning", "gardening")],
        components={"semantic": 0.6, "schedule": 1.0},
        category="nature_outdoors",
        distance_km=1.25,
        free=True,
        best_session=Session(0, 540, 600),
        sessions=(Session(0, 540, 600),),
        availability_given=True,
        flags=("accessibility not stated",),
        last_verified=TODAY - timedelta(days=3 * 365),
    )
    assert r == (
        "answers your wish: 'grow vegetables'",
        "your words: 'gardning' matched 'gardening' in the name",
        "close in meaning to what you said (similarity 0.60)",
        category_label("nature_outdoors"),
        "1.2 km away",
        "free",
        "meets Mon 09:00-10:00, when you are free",
        "accessibility not stated: check before referring",
        "last verified 2 years ago: details may have changed",
    )


def test_matched_words_name_the_field_and_stop_at_four():
    words = [
        _wm("art", "art", "tags"),
        _wm("paint", "painting", "description"),
        _wm("c", "c", "other"),
        _wm("d"),
        _wm("e"),
    ]
    (r,) = _explain(matched=words)
    assert r == (
        "your words: 'art' in the tags, 'paint' matched 'painting' in the description, "
        "'c' in other, 'd' in the name"
    )


@pytest.mark.parametrize(("sem", "shown"), [(0.0, False), (0.3499, False), (0.35, True)])
def test_semantic_reason_from_a_threshold(sem, shown):
    r = _explain(components={"semantic": sem})
    assert bool(r) is shown
    if shown:
        assert r == ("close in meaning to what you said (similarity 0.35)",)


def test_an_inferred_category_says_so():
    (r,) = _explain(category="arts_culture", category_inferred=True)
    assert r == f"{category_label('arts_culture')} (category inferred from the description)"


def test_place_reasons_by_the_way_a_resource_was_found():
    assert _explain(via="online", distance_km=12.0) == ("online: no travel needed",)
    assert _explain(via="online", distance_km=None) == ("online: no travel needed",)
    assert _explain(via="outreach", distance_km=4.04) == (
        "comes to you (serves your area; 4.0 km away)",
    )
    assert _explain(via="radius", distance_km=0.36) == ("0.4 km away",)
    assert _explain(via="radius", distance_km=None) == ()
    assert _explain(via="radius", distance_km=math.nan) == ()


@pytest.mark.parametrize("mode", sorted(TRAVEL_RADIUS_KM))
def test_every_travel_mode_of_a_referral_has_a_travel_time(mode):
    (r,) = _explain(distance_km=2.0, travel_mode=mode)
    mins = travel_minutes(2.0, mode)
    assert r.startswith(f"2.0 km away (about {mins:.0f} min ")
    s = summarize_match(
        category=None, distance_km=2.0, via="radius", free=None, cost=None, travel_mode=mode
    )
    assert f"about {mins:.0f} min" in s


def test_cost_reasons():
    assert _explain(free=True, cost="$5") == ("free",)
    assert _explain(free=False, cost="$5 a class") == ("cost: $5 a class",)
    assert _explain(free=None, cost="sliding scale") == ("cost: sliding scale",)
    assert _explain(free=False, cost=None) == ()


def test_schedule_reasons_when_availability_was_given():
    mon, tue = Session(0, 540, 600), Session(1, 1080, 1140)
    kw = dict(availability_given=True, sessions=(mon, tue))
    assert _explain(best_session=mon, components={"schedule": 1.0}, **kw) == (
        "meets Mon 09:00-10:00, when you are free",
    )
    assert _explain(best_session=mon, components={"schedule": 0.5}, **kw) == (
        "meets Mon 09:00-10:00, partly when you are free",
    )
    assert _explain(best_session=None, **kw) == (
        "its times do not fit when you said you are free: Mon 09:00-10:00; Tue 18:00-19:00",
    )
    assert _explain(availability_given=True) == ("times not stated",)


def test_sessions_are_listed_when_no_availability_was_given():
    four = tuple(Session(d, 600, 660) for d in range(4))
    assert _explain(sessions=four[:3]) == (
        "meets Mon 10:00-11:00; Tue 10:00-11:00; Wed 10:00-11:00",
    )
    assert _explain(sessions=four) == ("meets Mon 10:00-11:00; Tue 10:00-11:00; Wed 10:00-11:00…",)
    assert _explain(sessions=()) == ()


@pytest.mark.parametrize(
    ("days", "stale"), [(0, False), (700, False), (730, False), (731, True), (4000, True)]
)
def test_a_stale_record_is_flagged_after_stale_after_years(days, stale):
    r = _explain(last_verified=TODAY - timedelta(days=days))
    assert bool(r) is stale
    if stale:
        assert r[0].endswith(": details may have changed")
    assert bool(_explain(last_verified=TODAY - timedelta(days=days), stale_after_years=0.5)) is (
        days > 182
    )


def test_describe_age_buckets():
    assert describe_age(None, TODAY) is None
    assert describe_age(TODAY + timedelta(days=1), TODAY) is None  # verified "in the future"
    assert describe_age(TODAY, TODAY) == "last verified recently"
    assert describe_age(TODAY - timedelta(days=59), TODAY) == "last verified recently"
    assert describe_age(TODAY - timedelta(days=90), TODAY) == "last verified 3 months ago"
    assert describe_age(TODAY - timedelta(days=364), TODAY) == "last verified 12 months ago"
    assert describe_age(TODAY - timedelta(days=365), TODAY) == "last verified 1 year ago"
    assert describe_age(TODAY - timedelta(days=366), TODAY) == "last verified 1 year ago"
    assert describe_age(TODAY - timedelta(days=400), TODAY) == "last verified 1 year ago"
    assert describe_age(TODAY - timedelta(days=800), TODAY) == "last verified 2 years ago"


# ---- properties ---------------------------------------------------------------------------
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéñ", min_size=1, max_size=10)
session = st.builds(Session, st.integers(0, 6), st.integers(0, 1380), st.integers(1, 1440))
matches = st.lists(
    st.builds(
        WordMatch,
        query_word=word,
        resource_word=word,
        field=st.sampled_from(["name", "tags", "description"]),
        similarity=st.floats(0.8, 1.0),
    ),
    max_size=6,
)
inputs = st.fixed_dictionaries(
    {
        "matched": matches,
        "components": st.fixed_dictionaries(
            {"semantic": st.floats(0.0, 1.0), "schedule": st.floats(0.0, 1.0)}
        ),
        "distance_km": st.one_of(st.none(), st.just(math.nan), st.floats(0.0, 80.0)),
        "via": st.sampled_from(["radius", "outreach", "online"]),
        "category": st.one_of(st.none(), st.sampled_from(CATEGORY_KEYS)),
        "category_inferred": st.booleans(),
        "free": st.sampled_from([None, True, False]),
        "cost": st.one_of(st.none(), st.sampled_from(["$5", "$8 per session; sliding scale"])),
        "best_session": st.one_of(st.none(), session),
        "sessions": st.lists(session, max_size=5).map(tuple),
        "availability_given": st.booleans(),
        "flags": st.lists(st.sampled_from(["cost not stated", "times not stated"]), max_size=2),
        "last_verified": st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2027, 1, 1))),
        "travel_mode": st.one_of(st.none(), st.sampled_from(sorted(TRAVEL_RADIUS_KM))),
        "facet": st.one_of(st.none(), st.text(alphabet="abcdefgh ", min_size=1, max_size=20)),
    }
)


def _quoted(text: str) -> list[str]:
    return text.split("'")[1::2]


@FAST
@given(kw=inputs)
def test_reasons_quote_only_matched_words_and_the_wish(kw):
    r = _explain(**kw)
    assert isinstance(r, tuple) and all(isinstance(x, str) and x for x in r)
    allowed = {m.query_word for m in kw["matched"]} | {m.resource_word for m in kw["matched"]}
    if kw["facet"]:
        allowed.add(kw["facet"])
    for reason in r:
        assert set(_quoted(reason)) <= allowed
        assert "nan km" not in reason


@FAST
@given(kw=inputs)
def test_the_summary_quotes_only_what_the_reasons_quote(kw):
    reasons = _explain(**kw)
    s = summarize_match(
        category=kw["category"],
        distance_km=kw["distance_km"],
        via=kw["via"],
        free=kw["free"],
        cost=kw["cost"],
        matched=kw["matched"],
        facet=kw["facet"],
        semantic=kw["components"]["semantic"],
        best_session=kw["best_session"],
        flags=kw["flags"],
        travel_mode=kw["travel_mode"],
    )
    assert s.endswith(".") and "nan km" not in s
    for q in _quoted(s):
        # a matched word appears in the reasons only among the first four
        assert any(f"'{q}'" in reason for reason in reasons) or q in {
            m.query_word for m in kw["matched"][4:]
        }


def test_an_outreach_service_without_a_distance_says_no_distance():
    # as summarize_match does: no "nan km" (retrieval always measures outreach services,
    # but explain_match is public)
    assert _explain(via="outreach", distance_km=math.nan) == ()
    s = summarize_match(category=None, distance_km=math.nan, via="outreach", free=None, cost=None)
    assert s == "A resource."
