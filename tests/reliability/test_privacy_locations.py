"""Privacy of locations and of the person's words in messages and reprs (issue 13, part 3).

Errors name the field and the problem, never the value when it is a location (SECURITY.md):
"latitude 91.123456 out of range" and "postal code '12 Elm Street Apt 4' is not a 5-digit
US ZIP code" showed the value in ``str()``, ``args`` and ``recommend_many``'s skipped
table. ``repr(Recommendations)`` showed the person's words through the facets (and each
Match's reasons). The ZIP lookup cached every code people typed.
"""

from __future__ import annotations

import contextlib

import pandas as pd
import pytest

from rxmatch import GeocodingError, Recommendations, Referral, ReferralError
from rxmatch.features import geo
from rxmatch.features.fuzzy import WordMatch
from rxmatch.records import Match

HOME = {"lat": 37.5630, "lon": -122.3255}


def _texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), *map(str, exc.args)]


LOCATIONS = [
    ({"lat": 91.123456, "lon": 0.5}, "lat", ["91.123456", "91.12"]),
    ({"lat": -91.654321, "lon": 0.5}, "lat", ["91.654321", "91.65"]),
    ({"lat": 37.123456, "lon": 181.987654}, "lon", ["181.987654", "181.98", "37.123456"]),
    ({"lat": 122.41234, "lon": 37.77123}, "lat", ["122.41234", "37.77123"]),  # swapped
    ({"postal_code": "12 Elm Street Apt 4"}, "postal_code", ["Elm", "12 Elm Street"]),
    ({"postal_code": "Flat 3, 9 Rose Lane"}, "postal_code", ["Rose Lane"]),
    ({"postal_code": "00000"}, "postal_code", ["00000"]),
    ({"postal_code": "99999-1234"}, "postal_code", ["99999"]),
]


@pytest.mark.parametrize("where,field,secrets", LOCATIONS)
def test_referral_location_errors_name_the_field_not_the_value(where, field, secrets):
    with pytest.raises(ReferralError) as info:
        Referral("painting with others", **where)
    assert info.value.field == field
    assert field in str(info.value)
    for text in _texts(info.value):
        for secret in secrets:
            assert secret not in text, (secret, text)
    assert info.value.__cause__ is None


def test_the_problem_is_still_said():
    with pytest.raises(ReferralError, match="out of range.*swapped"):
        Referral("x", lat=122.4, lon=37.7)
    with pytest.raises(ReferralError, match="not a 5-digit US ZIP code"):
        Referral("x", postal_code="12 Elm Street Apt 4")
    with pytest.raises(ReferralError, match="unknown US ZIP code"):
        Referral("x", postal_code="00000")


@pytest.mark.parametrize("code", ["12 Elm Street Apt 4", "00000", "1234567"])
def test_geocode_zip_errors_do_not_echo_the_code(code):
    with pytest.raises(GeocodingError) as info:
        geo.geocode_zip(code)
    for text in _texts(info.value):
        assert code not in text


def test_check_lat_lon_messages_have_no_value():
    for lat, lon in [(91.123456, 0.0), (0.0, 181.654321), (-95.5, 10.25)]:
        msg = geo.check_lat_lon(lat, lon)
        assert msg and "out of range" in msg
        assert str(lat) not in msg and str(lon) not in msg


def test_recommend_many_skipped_table_has_no_location(hashing_matcher):
    frame = pd.DataFrame(
        [
            {"referral_id": "a", "what_matters": "painting", **HOME},
            {"referral_id": "b", "what_matters": "painting", "lat": 91.123456, "lon": 0.5},
            {"referral_id": "c", "what_matters": "painting", "postal_code": "12 Elm Street"},
        ]
    )
    with pytest.warns(UserWarning, match="skipped"):
        out = hashing_matcher.recommend_many(frame, k=3, errors="skip")
    skipped = out.attrs["skipped"]
    assert [s["field"] for s in skipped] == ["lat", "postal_code"]
    blob = repr(skipped) + str(skipped)
    for secret in ("91.123456", "91.12", "Elm"):
        assert secret not in blob


def test_zip_lookups_are_not_cached_by_query():
    """The module may cache the ZIP table, never the codes people typed."""
    codes = [f"{94401 + i:05d}" for i in range(40)] + ["94401", "10001", "02134"]
    for code in codes:
        with contextlib.suppress(GeocodingError):
            geo.geocode_zip(code)
    cached = {
        name: obj.cache_info()
        for name, obj in vars(geo).items()
        if callable(getattr(obj, "cache_info", None))
    }
    for name, info in cached.items():
        assert info.currsize <= 1, (name, info)  # one table, not one entry per query
    assert geo.geocode_zip("94401") == pytest.approx((37.57, -122.32), abs=0.05)


SECRET = "zebrafinch"


def _match(**kw) -> Match:
    base = dict(
        rank=1,
        resource_id="r1",
        name="Art club",
        category="creative_arts",
        category_inferred=False,
        score=0.8,
        components={"semantic": 0.5},
        distance_km=1.2,
        online=False,
        reasons=(f"answers your wish: '{SECRET} painting'", f"'{SECRET}' in the name"),
        matched_words=(WordMatch(SECRET, "zebra", "name", 0.9),),
    )
    base.update(kw)
    return Match(**base)


def _word_match_fields():
    import dataclasses

    return [f.name for f in dataclasses.fields(WordMatch)]


def test_repr_of_recommendations_and_match_hides_the_persons_words():
    if _word_match_fields()[:2] != ["query_word", "resource_word"]:  # pragma: no cover
        pytest.skip("WordMatch changed shape")
    m = _match()
    recs = Recommendations(
        matches=(m,), referral_id="p1", facets=(f"{SECRET} painting", "no crowds")
    )
    for text in (repr(recs), repr(m), str(recs), str(m), repr([recs])):
        assert SECRET not in text and "crowds" not in text, text
    assert "r1" in repr(recs) and "p1" in repr(recs)
    # the data are still there for the caller
    assert recs.facets[0].startswith(SECRET) and SECRET in m.reasons[0]


def test_repr_of_real_recommendations_hides_facets(hashing_matcher):
    words = "I would love watercolour painting; but I can't stand crowds or loud music"
    recs = hashing_matcher.recommend(Referral(words, **HOME), k=5)
    assert recs.facets, "expected the words to be read into facets"
    text = repr(recs) + "".join(repr(m) for m in recs)
    for word in ("watercolour", "stand crowds", "loud music"):
        assert word not in text
