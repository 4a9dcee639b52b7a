"""Properties of the hard eligibility rules (features/eligibility.py): ``EligibilityIndex``
against a row-by-row reference of the documented rules (age range, languages,
accessibility, free only, online only / online not wanted, excluded categories; reason
codes in rule order; unknown-fact flags), the saved-array round trip, and the helpers.
Small hand-made tables only (no model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmatch.features.eligibility import (
    FLAG_TEXT,
    REASON_CODES,
    EligibilityIndex,
    exclusion_reason,
    flag_texts,
    reason_code,
)

FAST = settings(max_examples=40, deadline=None)
CODES = list(REASON_CODES)
SMALL_LANGS = ["english", "spanish", "chinese", "tagalog", "vietnamese"]
#: more than 64 languages: the bit masks take two uint64 words
LARGE_LANGS = ["english"] + [f"lang{i:03d}" for i in range(99)]
ACCESS = ["wheelchair", "hearing_loop", "step_free", "quiet_space"]


@st.composite
def directories(draw):
    langs = draw(st.sampled_from([SMALL_LANGS, LARGE_LANGS]))
    n = draw(st.integers(0, 16))
    age = st.one_of(st.just(math.nan), st.integers(0, 95).map(float))
    res = dict(
        min_age=[draw(age) for _ in range(n)],
        max_age=[draw(age) for _ in range(n)],
        languages=[
            tuple(draw(st.lists(st.sampled_from(langs), max_size=4, unique=True))) for _ in range(n)
        ],
        accessibility=[
            tuple(draw(st.lists(st.sampled_from(ACCESS), max_size=3, unique=True)))
            for _ in range(n)
        ],
        free=[draw(st.sampled_from([None, True, False])) for _ in range(n)],
        online=[draw(st.booleans()) for _ in range(n)],
        has_place=[draw(st.booleans()) for _ in range(n)],
        category_index=[draw(st.integers(0, 5)) for _ in range(n)],
    )
    return res, langs


@st.composite
def people(draw, langs, n):
    return dict(
        rows=np.array(
            draw(st.lists(st.integers(0, n - 1), max_size=25)) if n else [], dtype=np.intp
        ),
        age=draw(st.one_of(st.none(), st.floats(0.0, 100.0))),
        languages=tuple(
            draw(st.lists(st.sampled_from([*langs[:6], "klingon"]), max_size=3, unique=True))
        ),
        accessibility_needs=tuple(
            draw(st.lists(st.sampled_from([*ACCESS, "braille"]), max_size=2, unique=True))
        ),
        free_only=draw(st.booleans()),
        online_only=draw(st.booleans()),
        online_ok=draw(st.booleans()),
        excluded_category_index=draw(st.lists(st.integers(0, 5), max_size=2, unique=True)),
    )


def _index(res) -> EligibilityIndex:
    return EligibilityIndex(
        min_age=np.array(res["min_age"], dtype=np.float64),
        max_age=np.array(res["max_age"], dtype=np.float64),
        languages=res["languages"],
        accessibility=res["accessibility"],
        free=res["free"],
        online=np.array(res["online"], dtype=bool),
        has_place=np.array(res["has_place"], dtype=bool),
        category_index=np.array(res["category_index"], dtype=np.intp),
    )


def _reference(res, p) -> tuple[list[int], list[int]]:
    """(code, flags) per checked row: the first rule broken, in REASON_CODES order;
    flags only for kept rows."""
    codes, flags = [], []
    for i in p["rows"].tolist():
        broken = []
        lo, hi = res["min_age"][i], res["max_age"][i]
        age = p["age"]
        if age is not None and not math.isnan(lo) and age < lo:
            broken.append("age_below_min")
        if age is not None and not math.isnan(hi) and age > hi:
            broken.append("age_above_max")
        langs = set(res["languages"][i])
        if p["languages"] and langs and not langs & set(p["languages"]):
            broken.append("language")
        acc = set(res["accessibility"][i])
        if p["accessibility_needs"] and acc and not set(p["accessibility_needs"]) <= acc:
            broken.append("accessibility")
        if p["free_only"] and res["free"][i] is False:
            broken.append("not_free")
        if p["online_only"] and not res["online"][i]:
            broken.append("not_online")
        if not p["online_ok"] and res["online"][i] and not res["has_place"][i]:
            broken.append("online_not_ok")
        if res["category_index"][i] in p["excluded_category_index"]:
            broken.append("category_excluded")
        if broken:
            codes.append(min(CODES.index(b) for b in broken))
            flags.append(0)
            continue
        codes.append(-1)
        f = 0
        if p["accessibility_needs"] and not acc:
            f |= 1
        if p["free_only"] and res["free"][i] is None:
            f |= 2
        if p["languages"] and "english" not in p["languages"] and not langs:
            f |= 4
        flags.append(f)
    return codes, flags


def _check(index: EligibilityIndex, p):
    return index.check(**p)


@FAST
@given(data=st.data())
def test_check_equals_the_rules_row_by_row(data):
    res, langs = data.draw(directories())
    p = data.draw(people(langs, len(res["min_age"])))
    r = _check(_index(res), p)
    codes, flags = _reference(res, p)
    assert r.keep.dtype == bool and r.code.dtype == np.int8 and r.flags.dtype == np.uint8
    assert r.code.tolist() == codes
    assert r.flags.tolist() == flags
    assert r.keep.tolist() == [c < 0 for c in codes]
    for j in range(len(codes)):
        assert r.code_name(j) == (None if codes[j] < 0 else CODES[codes[j]])


@FAST
@given(data=st.data())
def test_no_kept_record_has_an_age_range_that_excludes_the_age(data):
    res, langs = data.draw(directories())
    n = len(res["min_age"])
    p = data.draw(people(langs, n))
    p["age"] = data.draw(st.floats(0.0, 100.0))
    r = _check(_index(res), p)
    lo = np.array(res["min_age"])[p["rows"]]
    hi = np.array(res["max_age"])[p["rows"]]
    kept = r.keep
    assert not np.any(kept & (p["age"] < lo))  # NaN compares False: no limit stated
    assert not np.any(kept & (p["age"] > hi))
    # and no age rule removes a record whose range holds the age
    inside = ~(p["age"] < lo) & ~(p["age"] > hi)
    age_codes = [CODES.index("age_below_min"), CODES.index("age_above_max")]
    assert not np.any(inside & np.isin(r.code, age_codes))


@FAST
@given(data=st.data())
def test_a_further_constraint_never_keeps_more(data):
    res, langs = data.draw(directories())
    n = len(res["min_age"])
    p = data.draw(people(langs, n))
    index = _index(res)
    base = _check(index, p).keep
    tighter = [
        dict(p, free_only=True),
        dict(p, online_only=True),
        dict(p, online_ok=False),
        dict(
            p, accessibility_needs=(*p["accessibility_needs"], data.draw(st.sampled_from(ACCESS)))
        ),
        dict(
            p, excluded_category_index=[*p["excluded_category_index"], data.draw(st.integers(0, 5))]
        ),
    ]
    if p["age"] is None:
        tighter.append(dict(p, age=data.draw(st.floats(0.0, 100.0))))
    for q in tighter:
        assert not np.any(_check(index, q).keep & ~base)
    # another language the person speaks never removes a resource (once one is given)
    if p["languages"]:
        more = dict(p, languages=(*p["languages"], data.draw(st.sampled_from(langs))))
        assert not np.any(base & ~_check(index, more).keep)


@FAST
@given(data=st.data())
def test_the_saved_arrays_reload_to_the_same_rules(data):
    res, langs = data.draw(directories())
    p = data.draw(people(langs, len(res["min_age"])))
    a = _index(res)
    arrays, vocabularies = a.arrays()
    assert set(arrays) == set(EligibilityIndex.ARRAYS)
    b = EligibilityIndex.from_arrays(
        {k: v.copy() for k, v in arrays.items()},
        {k: {str(w): np.int64(i) for w, i in v.items()} for k, v in vocabularies.items()},
        online=np.array(res["online"], dtype=bool),
        has_place=np.array(res["has_place"], dtype=bool),
        category_index=np.array(res["category_index"], dtype=np.intp),
    )
    ra, rb = _check(a, p), _check(b, p)
    for name in ("keep", "code", "flags"):
        np.testing.assert_array_equal(getattr(ra, name), getattr(rb, name))


@FAST
@given(data=st.data())
def test_rows_are_checked_independently_in_any_order(data):
    res, langs = data.draw(directories())
    n = len(res["min_age"])
    p = data.draw(people(langs, n))
    index = _index(res)
    whole = _check(index, dict(p, rows=np.arange(n, dtype=np.intp)))
    part = _check(index, p)
    np.testing.assert_array_equal(part.code, whole.code[p["rows"]])
    np.testing.assert_array_equal(part.flags, whole.flags[p["rows"]])


# ---- hand-made cases ----------------------------------------------------------------------
def _one(**kw) -> dict:
    base = dict(
        min_age=[math.nan],
        max_age=[math.nan],
        languages=[()],
        accessibility=[()],
        free=[None],
        online=[False],
        has_place=[True],
        category_index=[0],
    )
    base.update(kw)
    return base


def _person(**kw) -> dict:
    base = dict(
        rows=np.array([0], dtype=np.intp),
        age=None,
        languages=(),
        accessibility_needs=(),
        free_only=False,
        online_only=False,
        online_ok=True,
        excluded_category_index=[],
    )
    base.update(kw)
    return base


def _code(res, **person) -> str | None:
    r = _check(_index(res), _person(**person))
    return reason_code(int(r.code[0]))


def test_age_limits_are_inclusive():
    teens = _one(min_age=[13.0], max_age=[19.0])
    assert _code(teens, age=13) is None and _code(teens, age=19) is None
    assert _code(teens, age=12.9) == "age_below_min"
    assert _code(teens, age=19.5) == "age_above_max"
    assert _code(teens, age=None) is None
    assert _code(_one(min_age=[65.0]), age=80) is None  # no upper limit stated


def test_the_first_broken_rule_names_the_exclusion():
    res = _one(
        min_age=[18.0], languages=[("spanish",)], free=[False], online=[True], has_place=[False]
    )
    kw = dict(languages=("english",), free_only=True, online_ok=False)
    assert _code(res, age=10, **kw) == "age_below_min"
    assert _code(res, age=30, **kw) == "language"
    assert _code(res, age=30, free_only=True, online_ok=False) == "not_free"
    assert _code(res, age=30, online_ok=False) == "online_not_ok"
    assert _code(res, age=30, excluded_category_index=[0]) == "category_excluded"


def test_unknown_facts_are_flagged_not_excluded():
    index = _index(_one())
    r = _check(
        index,
        _person(languages=("spanish",), accessibility_needs=("wheelchair",), free_only=True),
    )
    assert r.keep.tolist() == [True]
    assert flag_texts(int(r.flags[0])) == (
        "accessibility not stated",
        "cost not stated",
        "language not stated",
    )
    # an English speaker is not warned about an unstated language
    r = _check(index, _person(languages=("english", "spanish")))
    assert r.flags.tolist() == [0]


def test_accessibility_needs_every_feature_and_an_unknown_need_excludes_stated_access():
    res = _one(accessibility=[("wheelchair", "quiet_space")])
    assert _code(res, accessibility_needs=("wheelchair",)) is None
    assert _code(res, accessibility_needs=("wheelchair", "quiet_space")) is None
    assert _code(res, accessibility_needs=("wheelchair", "hearing_loop")) == "accessibility"
    # no resource offers braille: one that states its access lacks it, one that does not is flagged
    assert _code(res, accessibility_needs=("braille",)) == "accessibility"
    r = _check(_index(_one()), _person(accessibility_needs=("braille",)))
    assert r.keep.tolist() == [True] and r.flags.tolist() == [1]


def test_online_rules():
    online_only = _one(online=[True], has_place=[False])
    hybrid = _one(online=[True], has_place=[True])
    in_person = _one()
    assert _code(online_only, online_ok=False) == "online_not_ok"
    assert _code(hybrid, online_ok=False) is None  # it also meets in person
    assert _code(in_person, online_only=True) == "not_online"
    assert _code(hybrid, online_only=True) is None


def test_many_languages_use_several_mask_words():
    res = _one(languages=[(LARGE_LANGS[70],)])
    res = {k: v * 2 for k, v in res.items()}
    res["languages"] = [(LARGE_LANGS[70],), tuple(LARGE_LANGS[:65])]
    index = _index(res)
    assert index.lang_mask.shape == (2, 2)
    r = _check(index, _person(rows=np.array([0, 1]), languages=(LARGE_LANGS[70],)))
    assert r.keep.tolist() == [True, False]
    r = _check(index, _person(rows=np.array([0, 1]), languages=(LARGE_LANGS[64],)))
    assert r.keep.tolist() == [False, True]


def test_an_empty_index_and_no_rows():
    res = {k: [] for k in _one()}
    index = _index(res)
    r = _check(index, _person(rows=np.empty(0, dtype=np.intp), age=30, languages=("english",)))
    assert len(r.keep) == len(r.code) == len(r.flags) == 0


def test_reason_codes_helpers():
    assert reason_code(-1) is None
    assert [reason_code(i) for i in range(len(CODES))] == CODES
    assert flag_texts(0) == () and flag_texts(15) == tuple(FLAG_TEXT.values())
    kw = dict(
        min_age=18.0,
        max_age=64.5,
        languages=("spanish", "chinese"),
        accessibility_needs=("wheelchair", "hearing_loop"),
        res_access=("wheelchair",),
    )
    assert exclusion_reason("age_below_min", **kw) == "for ages 18+"
    assert exclusion_reason("age_above_max", **kw) == "for ages up to 64.5"
    assert exclusion_reason("language", **kw) == "offered in chinese, spanish only"
    assert exclusion_reason("accessibility", **kw) == "no hearing loop"
    for code in CODES:
        assert exclusion_reason(code, **kw)  # every code has a short reason
    assert exclusion_reason("something_else", **kw) == "something_else"


@pytest.mark.parametrize("bad_free", [[np.True_], [np.False_]])
def test_numpy_booleans_count_as_stated_cost(bad_free):
    r = _check(_index(_one(free=bad_free)), _person(free_only=True))
    assert r.code.tolist() == [-1 if bad_free[0] else CODES.index("not_free")]
    assert r.flags.tolist() == [0]
