"""The stated-audience penalty in ranking (``Matcher(audience_penalty=...)``): a record
whose name states ages that leave the person out, or whose text restricts its audience to
an ancestry the person's words do not name, ranks lower; saved and loaded with the index.
Fast: a hashing encoder."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch.exceptions import InvalidParameterError
from rxmatch.features.audience import AUDIENCE_AGE, AUDIENCE_ANCESTRY
from rxmatch.features.text import HashingEmbedder

WALK = "A friendly walking group that walks in the park every morning."
CARDS = "Card games, bocce and dinners every Friday."


def _rows() -> list[dict]:
    rows = [
        dict(id="senior", name="Morning Walking Group 55+ Only", description=WALK),
        dict(
            id="lodge",
            name="Bocce and Card Club",
            description=CARDS + " A social club for men and women of Italian-American background.",
        ),
        dict(id="youth", name="Youth Walks, ages 12-17", description=WALK, min_age=12.0),
    ]
    rows += [
        dict(id=f"w{i}", name=f"Neighbourhood Club {i}", description=f"Meets at hall {i}. {t}")
        for i, t in enumerate([WALK, CARDS, WALK, CARDS, "Choir practice on Mondays."])
    ]
    for r in rows:
        r.update(lat=37.5, lon=-122.3, category="social")
    return rows


@pytest.fixture(scope="module")
def matcher() -> rxmatch.Matcher:
    directory = rxmatch.Directory.from_frame(pd.DataFrame(_rows()))
    return rxmatch.Matcher(
        HashingEmbedder(),
        multilingual=None,
        e5=None,
        passages=None,
        reference_date=date(2026, 1, 1),
    ).fit(directory)


def _ref(words: str, age: int | None) -> rxmatch.Referral:
    return rxmatch.Referral(what_matters=words, lat=37.5, lon=-122.3, age=age)


def _scores(m: rxmatch.Matcher, ref: rxmatch.Referral) -> dict[str, float]:
    s = m.score(ref)
    return dict(zip(map(str, m.table_.ids[s.rows]), s.scores))


def _rank(m: rxmatch.Matcher, ref: rxmatch.Referral, rid: str) -> int:
    return list(m.recommend(ref, 10).ids).index(rid)


def _off(m: rxmatch.Matcher) -> rxmatch.Matcher:
    return copy.copy(m).set_params(audience_penalty=0.0)


def test_the_index_reads_the_stated_audiences(matcher):
    a = matcher.index_.audience
    ids = list(map(str, matcher.table_.ids))
    assert a.min_age[ids.index("senior")] == 55
    assert np.isnan(a.min_age[ids.index("youth")])  # a structured age range: its name is not read
    assert a.identity(ids.index("lodge")) == {"italian", "american"}
    assert a.has_identity.sum() == 1


def test_a_55_plus_record_ranks_lower_for_a_30_year_old_not_for_a_60_year_old(matcher):
    words = "I would like a walking group in the morning"
    young, old = _ref(words, 30), _ref(words, 60)
    off = _off(matcher)
    assert matcher.audience_penalty == 0.5
    on_y, off_y = _scores(matcher, young), _scores(off, young)
    assert on_y["senior"] == pytest.approx(0.5 * off_y["senior"], rel=1e-12)
    assert all(on_y[k] == off_y[k] for k in on_y if k not in ("senior", "lodge"))
    assert _rank(matcher, young, "senior") > _rank(off, young, "senior")
    assert _scores(matcher, old)["senior"] == _scores(off, old)["senior"]  # 60 is in 55+
    assert _rank(matcher, old, "senior") == _rank(off, old, "senior")
    # the age of the person the words are about counts (the beneficiary's)
    for_mum = _ref("My mother is 80 and would like a walking group in the morning", 30)
    assert _scores(matcher, for_mum)["senior"] == _scores(off, for_mum)["senior"]


def test_a_flagged_match_says_what_audience_the_record_states(matcher):
    ref = _ref("I would like a walking group in the morning", 30)
    recs = matcher.recommend(ref, 10)
    senior = next(m for m in recs if m.resource_id == "senior")
    notes = [r for r in senior.reasons if "the record states" in r]
    assert notes == ["the record states it is for people aged 55+: check before referring"]
    others = [m for m in recs if m.resource_id not in ("senior", "lodge")]
    assert others and not any("the record states" in r for m in others for r in m.reasons)


def test_an_ancestry_limited_club_ranks_lower_unless_the_words_name_it(matcher):
    off = _off(matcher)
    plain = _ref("I would like to play bocce and cards on Fridays", 70)
    on_s, off_s = _scores(matcher, plain), _scores(off, plain)
    assert on_s["lodge"] == pytest.approx(0.5 * off_s["lodge"], rel=1e-12)
    assert _rank(matcher, plain, "lodge") > _rank(off, plain, "lodge")
    lodge = next(m for m in matcher.recommend(plain, 10) if m.resource_id == "lodge")
    assert any("stated heritage" in r for r in lodge.reasons)
    named = _ref("My family came from Italy; I would like to play bocce and cards on Fridays", 70)
    assert _scores(matcher, named)["lodge"] == _scores(off, named)["lodge"]


def test_flags_are_candidate_features(matcher):
    f = matcher.candidate_features(_ref("walking group or bocce and cards", 30))
    ids = list(map(str, matcher.table_.ids[f.rows]))
    flags = dict(zip(ids, f.audience.tolist()))
    assert flags["senior"] == AUDIENCE_AGE and flags["lodge"] == AUDIENCE_ANCESTRY
    assert sum(v != 0 for v in flags.values()) == 2


def test_a_zero_penalty_ranks_exactly_as_without_the_audience(matcher):
    off = _off(matcher)
    blind = copy.copy(matcher)
    blind.index_ = dataclasses.replace(matcher.index_, audience=None)  # no facts read
    for words, age in [
        ("I would like a walking group in the morning", 30),
        ("I would like to play bocce and cards on Fridays", 70),
        ("singing in a choir", None),
    ]:
        ref = _ref(words, age)
        a, b = off.recommend(ref, 10), blind.recommend(ref, 10)
        assert a.ids == b.ids
        assert [m.score for m in a] == [m.score for m in b]
        assert off.candidate_features(ref).audience is not None
        assert blind.candidate_features(ref).audience is None
        assert blind.set_params(audience_penalty=0.9).recommend(ref, 10).ids == a.ids


def test_the_parameter_is_checked(matcher):
    m = copy.copy(matcher)
    for bad in (-0.1, 1.5, float("nan"), "x"):
        with pytest.raises(InvalidParameterError):
            m.set_params(audience_penalty=bad)
    assert m.set_params(audience_penalty=1.0).score_params()["audience_penalty"] == 1.0
    assert rxmatch.Matcher().get_params()["audience_penalty"] == 0.5


def test_save_and_load_keep_the_audiences_and_the_penalty(matcher, tmp_path):
    m = copy.copy(matcher).set_params(audience_penalty=0.3)
    m.save(tmp_path / "idx")
    back = rxmatch.Matcher.load(tmp_path / "idx", embedder=HashingEmbedder(), multilingual=None)
    assert back.audience_penalty == 0.3
    a, b = m.index_.audience, back.index_.audience
    for k in ("min_age", "max_age", "offsets", "codes"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    assert a.vocabulary == b.vocabulary
    for ref in [_ref("a walking group", 30), _ref("bocce and cards", 70)]:
        x, y = m.recommend(ref, 10), back.recommend(ref, 10)
        assert x.ids == y.ids and [r.reasons for r in x] == [r.reasons for r in y]


def test_an_index_saved_without_audiences_loads_and_ranks_as_before(matcher, tmp_path):
    old = copy.copy(matcher)
    old.index_ = dataclasses.replace(matcher.index_, audience=None)
    old.save(tmp_path / "old")
    assert not list((tmp_path / "old").rglob("audience.*"))
    back = rxmatch.Matcher.load(tmp_path / "old", embedder=HashingEmbedder(), multilingual=None)
    assert back.index_.audience is None
    ref = _ref("I would like a walking group in the morning", 30)
    assert back.recommend(ref, 10).ids == _off(matcher).recommend(ref, 10).ids
