import pytest

from rxmatch import Referral, ReferralError, UnknownCategoryError


def test_zip_is_geocoded_offline():
    r = Referral("I like painting", postal_code="94401")
    assert 37.5 < r.lat < 37.65


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None, 42])
def test_empty_text_rejected(text):
    with pytest.raises(ReferralError, match="what_matters"):
        Referral(text, postal_code="94401")


@pytest.mark.parametrize("km", [0, -5, float("nan"), "far"])
def test_bad_radius_rejected(km):
    with pytest.raises(ReferralError, match="max_km"):
        Referral("x", postal_code="94401", max_km=km)


def test_travel_mode_radius():
    assert Referral("x", postal_code="94401", travel_mode="walk").radius_km == 2.0
    assert Referral("x", postal_code="94401", travel_mode="bus").radius_km == 10.0
    assert Referral("x", postal_code="94401", travel_mode="car", max_km=40).radius_km == 40
    assert Referral("x", postal_code="94401").radius_km == 10.0
    with pytest.raises(ReferralError, match="travel_mode"):
        Referral("x", postal_code="94401", travel_mode="teleport")


def test_location_errors_name_the_field():
    with pytest.raises(ReferralError, match="postal_code"):
        Referral("x", postal_code="99999")
    with pytest.raises(ReferralError, match="swapped"):
        Referral("x", lat=-122.3, lon=37.5)
    with pytest.raises(ReferralError, match="home location"):
        Referral("x")
    assert Referral("x", online_only=True).lat is None


def test_categories_and_accessibility_are_validated():
    r = Referral("x", postal_code="94401", preferred_categories="Arts and culture, volunteer")
    assert r.preferred_categories == ("arts_culture", "volunteering")
    with pytest.raises(UnknownCategoryError):
        Referral("x", postal_code="94401", excluded_categories=["zzz"])
    with pytest.raises(ReferralError, match="accessibility"):
        Referral("x", postal_code="94401", accessibility_needs=["jetpack"])


def test_repr_never_shows_the_words():
    r = Referral("my secret health worries", postal_code="94401")
    assert "secret" not in repr(r) and "secret" not in str(r)


def test_text_is_cleaned_and_truncated():
    with pytest.warns(UserWarning, match="truncated"):
        r = Referral("a" * 100_000, postal_code="94401")
    assert len(r.what_matters) == 10_000
    assert Referral("hi\x00 there\u202e", postal_code="94401").what_matters == "hi there"


def test_help_does_not_show_the_private_windows_field():
    """``_windows`` (the parsed availability) is not a constructor parameter: help() and
    the signature show only the public fields; copies keep it."""
    import copy
    import dataclasses
    import inspect
    import pickle

    params = inspect.signature(Referral).parameters
    assert "_windows" not in params and "availability" in params
    with pytest.raises(TypeError):
        Referral("x", postal_code="94401", _windows=((0, 1),))
    r = Referral("x", postal_code="94401", availability=("weekday mornings",))
    assert r.windows and "_windows" not in repr(r)
    for copied in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r), dataclasses.replace(r)):
        assert copied.windows == r.windows and copied == r
