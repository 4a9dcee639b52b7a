"""Whom the words are about (features/beneficiary.py), and eligibility following them."""

from __future__ import annotations

import copy

import pytest

import rxmatch
from rxmatch.features.beneficiary import Beneficiary, eligibility_age, read_beneficiary


@pytest.mark.parametrize(
    ("text", "relation", "age"),
    [
        ("My son is 15 and he's on his phone all day. I want him to find a club.", "child", 15),
        ("This is about my mom, she's 88 and lives alone. She loved bingo.", "parent", 88),
        ("I'm the caregiver for Mr. Alvarez, he's 84. He would love books.", "client", 84),
        ("Mi hijo tiene 15 años y le encanta el fútbol.", "child", 15),
        ("Dad is 89, used to be an architect. He'd love to be around artists.", "parent", 89),
        ("I'm asking for my neighbor Doris, she's 79 and won't ask for herself.", "friend", 79),
        ("My daughter has autism. Is there something for her on Saturdays?", "child", None),
    ],
)
def test_words_for_someone_else(text: str, relation: str, age: float | None) -> None:
    b = read_beneficiary(text)
    assert b.for_other and b.relation == relation and b.age == age


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("My wife passed last spring. I'd like somewhere to go to talk to people.", None),
        ("Lost my husband to cancer. I used to garden with him.", None),
        ("I'm 72 and I'd like to learn to paint.", 72),
        ("Tengo 68 años y me gusta caminar.", 68),
        ("I'm 8 months sober and I need to keep busy.", None),  # not an age
        ("My kids have left home and I'm 3 years into retirement.", None),
    ],
)
def test_words_about_the_speaker(text: str, age: float | None) -> None:
    b = read_beneficiary(text)
    assert not b.for_other and b.relation == "self" and b.age == age


def test_eligibility_age_rules() -> None:
    child = Beneficiary("child", 15.0, True)
    assert eligibility_age(44, child) == (15.0, "beneficiary")  # follows the person
    assert eligibility_age(15, child) == (15.0, "referral")  # the same: nothing to say
    assert eligibility_age(None, child) == (15.0, "beneficiary")
    assert eligibility_age(70, Beneficiary(age=72.0)) == (70.0, "referral")  # given wins
    assert eligibility_age(None, Beneficiary(age=72.0)) == (72.0, "words")
    assert eligibility_age(None, Beneficiary()) == (None, "")
    # someone else named, but no age for them: the referral's age stands
    assert eligibility_age(40, Beneficiary("child", None, True)) == (40.0, "referral")


@pytest.mark.parametrize("name", ["sanmateo", "nyc"])
def test_reads_the_benchmark_speakers(name: str) -> None:
    """On the hand-written real-data referrals in English and Spanish (the cue
    languages), the speaker label (self or someone else) is read right for at least 95%,
    and every age it reads equals the beneficiary's age the writer gave. (The cues were
    written with these referrals in view, so this is a regression check, not an
    accuracy estimate.)"""
    refs = rxmatch.datasets.load_real_referrals(name)
    refs = refs[refs["language"].isin(["en", "es"])]
    right, ages = 0, 0
    for r in refs.itertuples():
        b = read_beneficiary(r.what_matters)
        right += b.for_other == (r.speaker != "self")
        if b.age is not None and b.for_other == (r.speaker != "self"):
            ages += 1
            assert b.age == r.age, r.referral_id
    assert right / len(refs) >= 0.95
    assert ages >= 5 if name == "sanmateo" else ages >= 1


def test_matcher_checks_ages_for_the_child(demo_matcher) -> None:
    """A parent (44) writes for a 15-year-old: adult-only resources drop out, youth ones
    may come in, and the notes say which age was used; with ``beneficiary=False`` the
    referral's age is used as before."""
    words = (
        "My son is 15 and he's on his phone all day. He used to like drawing. "
        "I want him to find something after school with other kids."
    )
    person = rxmatch.Referral(words, postal_code="94401", age=44)
    recs = demo_matcher.recommend(person, k=10)
    assert "ages checked for the person the words are about (15)" in recs.notes
    off = copy.copy(demo_matcher).set_params(beneficiary=False).recommend(person, k=10)
    assert not any("ages checked" in n for n in off.notes)
    assert recs.ids != off.ids
    # the same list as a referral of the 15-year-old; what dropped out says why
    as_child = demo_matcher.recommend(rxmatch.Referral(words, postal_code="94401", age=15), k=10)
    assert recs.ids == as_child.ids
    dropped = set(off.ids) - set(recs.ids)
    reasons = [recs.why_not(i) for i in dropped]
    assert any("age" in r for r in reasons), reasons
