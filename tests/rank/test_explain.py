"""The one-sentence summary of a match for the link worker (issue 14, part 3)."""

from __future__ import annotations

from datetime import date

from rxmatch.features.fuzzy import WordMatch
from rxmatch.features.schedule import Session
from rxmatch.rank.explain import explain_match, summarize_match
from rxmatch.referral import travel_minutes


def _wm(q: str, r: str, field: str = "name") -> WordMatch:
    return WordMatch(query_word=q, resource_word=r, field=field, similarity=1.0)


def test_summary_reads_like_the_issue_example():
    s = summarize_match(
        category="arts_culture",
        distance_km=1.2,
        via="radius",
        free=True,
        cost=None,
        matched=[_wm("painting", "painting")],
        travel_mode="walk",
    )
    mins = travel_minutes(1.2, "walk")
    assert (
        s
        == f"Arts & culture, 1.2 km away (about {mins:.0f} min on foot), free; matches 'painting'."
    )


def test_summary_without_travel_mode_place_or_category():
    assert (
        summarize_match(category=None, distance_km=None, via="online", free=None, cost=None)
        == "A resource, online."
    )
    s = summarize_match(
        category="nature_outdoors", distance_km=3.04, via="radius", free=None, cost=None
    )
    assert s == "Nature & outdoors, 3.0 km away."
    s = summarize_match(
        category="support_wellbeing", distance_km=4.0, via="outreach", free=None, cost=None
    )
    assert s == "Support & wellbeing, comes to you (4.0 km away)."


def test_summary_cost_is_short_or_just_not_free():
    kw = dict(category="movement_sport", distance_km=0.5, via="radius", free=False)
    assert summarize_match(cost="$4 drop-in", **kw).endswith(", $4 drop-in.")
    long = summarize_match(cost="$8 per session; sliding scale $0-$8", **kw)
    assert long.endswith(", not free.") and "sliding" not in long


def test_summary_quotes_matched_words_then_the_wish_never_more():
    kw = dict(category="arts_culture", distance_km=0.5, via="radius", free=True, cost=None)
    words = [_wm("painting", "paint"), _wm("painting", "painting", "tags"), _wm("art", "art")]
    s = summarize_match(matched=words, facet="learn to paint again", **kw)
    assert s.endswith("; matches 'painting', 'art'.") and "learn to paint" not in s
    many = [_wm(w, w) for w in ("a1", "b2", "c3", "d4")]
    assert "'d4'" not in summarize_match(matched=many, **kw)
    s = summarize_match(facet="learn to paint again", **kw)
    assert s.endswith("; answers the wish 'learn to paint again'.")
    assert summarize_match(semantic=0.5, **kw).endswith("; close in meaning to what was said.")
    assert summarize_match(semantic=0.2, **kw) == "Arts & culture, 0.5 km away, free."


def test_summary_quotes_only_what_the_reasons_quote():
    matched = [_wm("gardning", "gardening")]
    common = dict(distance_km=0.8, via="radius", free=True, cost=None, travel_mode="bike")
    reasons = explain_match(
        matched=matched,
        components={"semantic": 0.5, "schedule": 1.0},
        category="nature_outdoors",
        category_inferred=False,
        best_session=Session(0, 540, 600),
        sessions=(Session(0, 540, 600),),
        availability_given=True,
        flags=(),
        last_verified=date(2025, 1, 1),
        today=date(2025, 6, 1),
        facet="grow vegetables",
        **common,
    )
    s = summarize_match(
        category="nature_outdoors",
        matched=matched,
        facet="grow vegetables",
        semantic=0.5,
        best_session=Session(0, 540, 600),
        fits_fully=True,
        **common,
    )
    mins = travel_minutes(0.8, "bike")
    assert s == (
        f"Nature & outdoors, 0.8 km away (about {mins:.0f} min by bike), free; matches 'gardning'; "
        "meets Mon 09:00-10:00, when free."
    )
    for quoted in s.split("'")[1::2]:
        assert any(f"'{quoted}'" in r for r in reasons)


def test_summary_flags_ask_for_a_check():
    s = summarize_match(
        category="arts_culture",
        distance_km=1.0,
        via="radius",
        free=True,
        cost=None,
        flags=("wheelchair access not stated",),
    )
    assert s.endswith("; check details before referring.")
