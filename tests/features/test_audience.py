"""The audience a record states in its own words: ages in its name, an ancestry audience;
the flags they give a person, and their arrays (what a saved index holds)."""

from __future__ import annotations

import numpy as np
import pytest

from rxmatch.features.audience import (
    AUDIENCE_AGE,
    AUDIENCE_ANCESTRY,
    AudienceFacts,
    ancestry_words,
    audience_facts,
    describe_audience,
    person_identity_words,
    stated_ages,
)


@pytest.mark.parametrize(
    "text, want",
    [
        ("Walking Club 55+ Only", (55, None)),
        ("Seniors 60+ years", (60, None)),
        ("Art club, ages 6-12", (6, 12)),
        ("Homework help for ages 6 to 12", (6, 12)),
        ("Aged 50 or over", (50, None)),
        ("Open to adults 18 or over", (18, None)),
        ("Book club for people 18 years of age or older", (18, None)),
        ("ages 65+", (65, None)),
        # two statements: the loosest range (the lowest minimum; no maximum unless all have one)
        ("ages 6-12 and ages 13-17", (6, 17)),
        ("ages 13-17; 55+ only", (13, None)),
        # not an age statement
        ("a 5K run", (None, None)),
        ("60 volunteers needed", (None, None)),
        ("open to all ages", (None, None)),
        ("Route 66 Car Club", (None, None)),
        ("Meets at 10 and 11", (None, None)),
        ("ages 12-6", (None, None)),  # a backwards range is no range
        ("", (None, None)),
    ],
)
def test_stated_ages(text, want):
    assert stated_ages(text) == want


@pytest.mark.parametrize(
    "text, want",
    [
        ("A lodge for persons of Irish descent.", {"irish"}),
        ("for men and women of Italian-American background", {"italian", "american"}),
        ("Open to members of Czech or Slovak heritage.", {"czech", "slovak"}),
        ("Open to anyone Scottish through birth or marriage.", {"scottish"}),
        ("A club for people of Norwegian ancestry", {"norwegian"}),
        # not an ancestry audience
        ("A museum of Italian heritage and art.", None),  # heritage of a collection
        ("The history of Irish music, taught weekly.", None),
        ("Families of all backgrounds welcome.", None),
        ("of descent", None),
        ("", None),
    ],
)
def test_ancestry_words(text, want):
    got = ancestry_words(text)
    assert (got if got is None else set(got)) == want


def test_person_identity_words_add_what_the_language_speaks_for():
    assert "italy" in person_identity_words("My family is from Italy", "en")
    assert {"hispanic", "latino"} <= person_identity_words("Me gusta bailar", "es")
    assert person_identity_words("Me gusta bailar", "en") == {"me", "gusta", "bailar"}
    assert person_identity_words("", None) == frozenset()


def _facts() -> AudienceFacts:
    names = ["Walking Club 55+ Only", "Kids Art, ages 6-12", "Sons of Erin", "Park Walks", "Teens"]
    descs = [
        "Walks for seniors.",
        "Painting and drawing.",
        "A lodge for persons of Irish descent.",
        "Open to all ages.",
        "For ages 13-17.",  # stated in the description only: not read as an age
    ]
    min_age = np.array([np.nan, np.nan, np.nan, np.nan, np.nan])
    max_age = np.array([np.nan, 5.0, np.nan, np.nan, np.nan])  # record 1 has a structured range
    return audience_facts(names, descs, min_age, max_age)


def test_facts_read_ages_from_names_without_a_structured_range_and_ancestry_anywhere():
    f = _facts()
    assert len(f) == 5
    np.testing.assert_array_equal(f.min_age, [55, np.nan, np.nan, np.nan, np.nan])
    assert np.isnan(f.max_age).all()  # record 1's name range is ignored: it has a structured one
    assert f.has_identity.tolist() == [False, False, True, False, False]
    assert f.identity(2) == {"irish"} and f.identity(0) == frozenset()


def test_flags_follow_the_age_and_the_words():
    f = _facts()
    rows = np.arange(5)
    none = frozenset({"walking"})
    assert f.flags(rows, 30, none).tolist() == [AUDIENCE_AGE, 0, AUDIENCE_ANCESTRY, 0, 0]
    assert f.flags(rows, 60, none).tolist() == [0, 0, AUDIENCE_ANCESTRY, 0, 0]
    assert f.flags(rows, 55, none)[0] == 0  # the bound is inclusive
    assert f.flags(rows, None, none).tolist() == [0, 0, AUDIENCE_ANCESTRY, 0, 0]  # no age known
    # the words name the identity when they share its 4-letter stem ("irish"), not otherwise
    # ("Ireland" is "irel": a stem, not a dictionary)
    assert f.flags(rows, 60, person_identity_words("my irish grandmother", "en"))[2] == 0
    assert f.flags(rows, 60, person_identity_words("I love Ireland", "en"))[2] == AUDIENCE_ANCESTRY
    assert f.flags(rows[[2, 0]], 30, none).tolist() == [AUDIENCE_ANCESTRY, AUDIENCE_AGE]
    assert f.flags(rows[:0], 30, none).shape == (0,)


def test_a_range_flags_both_sides():
    f = audience_facts(["Youth ages 13-17"], [""], np.array([np.nan]), np.array([np.nan]))
    assert [int(f.flags(np.array([0]), a, frozenset())[0]) for a in (12, 13, 17, 18)] == [
        AUDIENCE_AGE,
        0,
        0,
        AUDIENCE_AGE,
    ]


def test_notes_state_the_records_audience_not_the_persons_words():
    f = _facts()
    (age,) = describe_audience(f, 0, AUDIENCE_AGE)
    assert "aged 55+" in age
    (heritage,) = describe_audience(f, 2, AUDIENCE_ANCESTRY)
    assert "heritage" in heritage and "irish" not in heritage.lower()
    both = audience_facts(["Youth ages 13-17"], [""], np.array([np.nan]), np.array([np.nan]))
    assert len(describe_audience(both, 0, AUDIENCE_AGE | AUDIENCE_ANCESTRY)) == 2
    assert "aged 13-17" in describe_audience(both, 0, AUDIENCE_AGE)[0]
    assert describe_audience(f, 3, 0) == ()


def test_arrays_round_trip_and_damaged_arrays_are_refused():
    f = _facts()
    arrays, vocab = f.to_arrays()
    g = AudienceFacts.from_arrays(arrays, vocab, 5)
    for k in ("min_age", "max_age", "offsets", "codes"):
        np.testing.assert_array_equal(getattr(g, k), getattr(f, k))
    assert g.vocabulary == f.vocabulary
    rows = np.arange(5)
    assert g.flags(rows, 30, frozenset()).tolist() == f.flags(rows, 30, frozenset()).tolist()
    with pytest.raises(ValueError):
        AudienceFacts.from_arrays(arrays, vocab, 6)  # another number of records
    with pytest.raises(ValueError):
        AudienceFacts.from_arrays(arrays, [], 5)  # codes out of the vocabulary
    bad = dict(arrays, offsets=arrays["offsets"][::-1].copy())
    with pytest.raises(ValueError):
        AudienceFacts.from_arrays(bad, vocab, 5)
    with pytest.raises(ValueError):
        AudienceFacts.from_arrays(dict(arrays, codes=arrays["codes"] + 0.5), vocab, 5)
