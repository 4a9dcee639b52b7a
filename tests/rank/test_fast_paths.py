"""The per-query fast paths (issue #15) give exactly what the general code gives: the
factored care regex, the exact-type branches of ``plain``, the cached stems of the
directory's words, exclusions read with Python row numbers, the wish each candidate
answers best column by column, and the geo index's cached latitude cosines."""

import math
import re
from datetime import date, datetime
from enum import IntEnum
from typing import NamedTuple

import numpy as np
import pytest

from rxmatch import Matcher, Referral
from rxmatch.datasets import load_synthetic_referrals
from rxmatch.features import fuzzy
from rxmatch.features.eligibility import exclusion_reason, reason_code
from rxmatch.features.geo import GeoIndex, haversine_km
from rxmatch.features.kind import _CARE_RX, CARE_REQUEST_CUES, _factored_word_start
from rxmatch.features.schedule import Session
from rxmatch.features.text import HashingEmbedder
from rxmatch.rank.features import _row_argmax_max
from rxmatch.rank.results import exclusions
from rxmatch.records import plain

_CRAFTED = [
    "i want a therapist",
    "counselling please",
    "someone to talk to, maybe a professional",
    "看病",
    "我想看医生",
    "需要治疗",
    "bác sĩ",
    "home care for dad",
    "day care for my mom",
    "mental health support groups",
    "the therapy garden",
    "atherapy",
    "doctors",
    "",
]


def test_factored_care_regex_matches_the_same_texts_as_the_plain_pattern():
    plain_rx = re.compile(CARE_REQUEST_CUES)
    texts = [str(t).lower() for t in load_synthetic_referrals()["what_matters"]] + _CRAFTED
    hits = 0
    for t in texts:
        a, b = plain_rx.search(t), _CARE_RX.search(t)
        assert (a is None) == (b is None), t
        if a is not None:
            hits += 1
            assert a.start() == b.start()
    assert hits >= 5  # the check saw matches, not only misses


def test_factoring_keeps_patterns_without_a_leading_word_boundary():
    assert _factored_word_start("abc|d(e|f)") == "abc|d(e|f)"
    f = re.compile(_factored_word_start(r"\bcat\b|\bdo(g|ll)|bird|\bco\|w"))
    for t, hit in [
        ("a cat", True),
        ("doll", True),
        ("xdog", False),
        ("ladybird", True),
        ("co|w", True),
        ("xcow", False),
    ]:
        assert (f.search(t) is not None) is hit, t


class _Pair(NamedTuple):
    a: int
    b: float


class _Level(IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("x", "x"),
        (True, True),
        (3, 3),
        (2.5, 2.5),
        (math.nan, None),
        (math.inf, None),
        (np.float64(math.nan), None),
        (np.float32(0.5), 0.5),
        (np.int64(7), 7),
        (np.str_("y"), np.str_("y")),  # a str already: kept as it is
        (np.bool_(False), False),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 3, 4), "2026-01-02T03:04:00"),
        ((1, math.nan, "z"), [1, None, "z"]),
        ([np.int64(1), (2.0,)], [1, [2.0]]),
        (_Pair(1, math.nan), [1, None]),
        (_Level.LOW, _Level.LOW),
        ({"k": (Session(1, 600, 720),)}, {"k": [{"day": "Tue", "start": "10:00", "end": "12:00"}]}),
        (Session(6, 1380, 1440), {"day": "Sun", "start": "23:00", "end": "24:00"}),
        (frozenset({"b", "a"}), ["a", "b"]),
    ],
)
def test_plain_gives_the_json_values_of_the_general_rules(value, expected):
    got = plain(value)
    assert got == expected and type(got) is type(expected)


def test_cached_directory_stems_give_the_same_field_tokens():
    fields = {
        "name": "Gardening Volunteers",
        "tags": "gardens; volunteering; activities",
        "description": "Neighbours meet for planting, painting and walkers' stories.",
    }
    got = fuzzy.FuzzyIndex.field_tokens(fields)
    for fname, (by_stem, by_first) in got.items():
        words = fuzzy.content_words(fields.get(fname) or "")
        expect: dict[str, str] = {}
        for w in words:
            expect.setdefault(fuzzy.stem(w), w)
        assert by_stem == expect
        assert sum(len(v) for v in by_first.values()) == len(words)


def test_exclusions_are_those_read_with_numpy_row_numbers(demo_directory):
    matcher = Matcher(HashingEmbedder(64)).fit(demo_directory)
    ref = Referral(
        what_matters="a quiet group to make friends",
        lat=37.5,
        lon=-122.3,
        max_km=40,
        age=12,
        languages=["Spanish"],
        free_only=True,
    )
    f = matcher.candidate_features(ref)
    assert len(f.excluded_rows) >= 3 and len(set(f.excluded_codes.tolist())) >= 2
    got = exclusions(matcher.index_, ref, f)
    assert len(got) == len(f.excluded_rows)
    t = matcher.index_.table
    for e, r, c in zip(got, f.excluded_rows, f.excluded_codes):
        code = reason_code(int(c))
        assert e.resource_id == str(t.ids[r]) and e.code == code
        assert e.reason == exclusion_reason(
            code,
            min_age=t.min_age[r],
            max_age=t.max_age[r],
            languages=t.languages[r],
            accessibility_needs=ref.accessibility_needs,
            res_access=t.accessibility[r],
        )


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_row_argmax_max_is_numpys(m):
    rng = np.random.default_rng(m)
    a = rng.random((500, m))
    a[::7] = np.round(a[::7], 1)  # ties within rows
    a[::11, :] = 0.25  # whole rows tied: the first column
    arg, best = _row_argmax_max(a)
    np.testing.assert_array_equal(arg, a.argmax(axis=1))
    assert best.tobytes() == a.max(axis=1).tobytes()
    a[3, m - 1] = np.nan
    arg, best = _row_argmax_max(a)
    np.testing.assert_array_equal(arg, a.argmax(axis=1))
    np.testing.assert_array_equal(best, a.max(axis=1))


def test_geo_distances_are_haversine_to_the_bit():
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(36.5, 38.5, 5000), rng.uniform(-123.5, -121.0, 5000)
    geo = GeoIndex(lat, lon)
    for qlat, qlon, km in [(37.5, -122.3, 15.0), (37.0, -122.0, 3.0), (38.4, -121.1, 80.0)]:
        pos, d = geo.query_radius(qlat, qlon, km)
        full = haversine_km(qlat, qlon, lat, lon)
        np.testing.assert_array_equal(pos, np.flatnonzero(full <= km))
        assert d.tobytes() == full[pos].tobytes()
