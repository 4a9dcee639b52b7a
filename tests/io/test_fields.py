import pytest

from rxmatch.io._fields import clean_phone, fees_to_free, parse_age_limits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Youth 14-21", (14, 21)),
        ("ages 18 and over", (18, None)),
        ("Senior citizens age 60 or over", (60, None)),
        ("seniors 60+", (60, None)),
        ("Children age 5 to 12", (5, 12)),
        ("Youth age 13-18 and their families", (13, None)),
        ("Senior citizens", (None, None)),
        ("None. Youth age 11 or under must have parental permission", (None, None)),
        ("Pregnant women age 18 or over with an infant under 3 months", (18, None)),
    ],
)
def test_age_limits_only_where_stated(text, expected):
    assert parse_age_limits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("None.", True),
        ("Free", True),
        ("None. Donations welcome.", True),
        ("$25 per year for membership.", False),
        ("Sliding scale.", False),
        ("Vary according to service.", None),
        (None, None),
    ],
)
def test_fees_to_free(text, expected):
    assert fees_to_free(text) is expected


def test_clean_phone():
    assert clean_phone(" 650  348-7600 ") == "650 348-7600"
    assert clean_phone("ext 12") is None
