"""The honest "no good match": the calibrated confidence, the note when the best match is
weak (``LOW_CONFIDENCE``) or nothing is in reach, and ``min_confidence`` (#11), on the
bundled demo directory (San Mateo) with the real bundled model."""

from __future__ import annotations

import copy

import pytest

import rxmatch
from rxmatch.rank.results import LOW_CONFIDENCE

HOME = (37.5630, -122.3255)  # downtown San Mateo, inside the demo directory's area
ANCHORAGE = (61.2181, -149.9003)  # some 3,000 km away from every record with a place
WEAK = "no strong match"
NOWHERE = "nothing in the directory is within reach"


def person(text: str, where: tuple[float, float] = HOME, **kw) -> rxmatch.Referral:
    kw.setdefault("max_km", 5)
    return rxmatch.Referral(text, lat=where[0], lon=where[1], **kw)


@pytest.mark.parametrize(
    "text",
    [
        "I miss painting, it used to be my thing",
        "I used to love birdwatching and walking in nature",
    ],
)
def test_a_clear_wish_the_directory_serves_gets_no_warning(demo_matcher, text):
    recs = demo_matcher.recommend(person(text), k=5)
    assert recs[0].confidence >= LOW_CONFIDENCE
    assert not any(WEAK in n or NOWHERE in n for n in recs.notes)


def test_gibberish_is_told_plainly_that_nothing_fits(demo_matcher):
    recs = demo_matcher.recommend(person("qwxz vbnm plkj trrrb zzkq"), k=5)
    assert len(recs) and recs.n_candidates > 0  # there were candidates, none fits
    best = max(m.confidence for m in recs)
    assert best < LOW_CONFIDENCE
    (note,) = [n for n in recs.notes if WEAK in n]
    assert f"{best:.0%}" in note  # the note names the best match's confidence


def test_min_confidence_at_the_note_threshold_holds_weak_matches_back(demo_matcher):
    strict = copy.copy(demo_matcher).set_params(min_confidence=LOW_CONFIDENCE)
    recs = strict.recommend(person("qwxz vbnm plkj trrrb zzkq"), k=5)
    assert len(recs) == 0
    assert any("held back" in n for n in recs.notes)
    kept = strict.recommend(person("I miss painting, it used to be my thing"), k=5)
    assert len(kept) and all(m.confidence >= LOW_CONFIDENCE for m in kept)


def test_a_home_far_outside_the_area_is_told_nothing_is_in_reach(demo_matcher):
    recs = demo_matcher.recommend(
        person("I used to love birdwatching", ANCHORAGE, online_ok=False), k=5
    )
    assert len(recs) == 0 and recs.n_candidates == 0
    assert any(NOWHERE in n for n in recs.notes)
    # with online help allowed, only what reaches everyone is offered
    online = demo_matcher.recommend(person("I used to love birdwatching", ANCHORAGE), k=5)
    assert len(online) and all(m.online for m in online)
    assert not any(NOWHERE in n for n in online.notes)
