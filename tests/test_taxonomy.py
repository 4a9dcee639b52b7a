import pytest

from rxmatch import CATEGORY_KEYS, SOCIAL_PRESCRIBING_SECTORS, match_category
from rxmatch.taxonomy import category_label


@pytest.mark.parametrize(
    "name,key",
    [
        ("Arts and Culture", "arts_culture"),
        ("arts/crafts", "arts_culture"),
        ("Volunteer", "volunteering"),
        ("volunteering", "volunteering"),
        ("nature/outdoors", "nature_outdoors"),
        ("Nature & Outdoors", "nature_outdoors"),
        ("Community Groups & Social Connection", "community_social"),
        ("Food", "essentials_advice"),
        ("Housing", "essentials_advice"),
        ("Sports", "movement_sport"),
        ("Mental Health", "support_wellbeing"),
        ("Educaton", "learning_skills"),  # typo
    ],
)
def test_lenient_category_names(name, key):
    assert match_category(name) == key


def test_unknown_category_is_none():
    assert match_category("quantum chromodynamics") is None
    assert match_category("") is None


def test_sectors_first_and_labels():
    assert SOCIAL_PRESCRIBING_SECTORS == (
        "arts_culture",
        "nature_outdoors",
        "volunteering",
        "community_social",
    )
    assert len(CATEGORY_KEYS) == 8
    assert category_label("essentials_advice").startswith("Essentials")
