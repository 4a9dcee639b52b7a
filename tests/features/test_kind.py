"""Resource kinds and the person's request for care, from generic service words."""

import numpy as np
import pytest

from rxmatch.features.kind import CARE_KINDS, KINDS, asks_for_care, care_share, resource_kinds


def _kinds(name, tags=(), desc=""):
    return dict(zip(KINDS, resource_kinds([name], [list(tags)], [desc])[0]))


def test_rows_are_shares_or_zero():
    k = resource_kinds(
        ["Community Choir", "Blank", "Hospice of the Valley"],
        [["music"], [], ["hospice", "home health"]],
        ["Sing with friends.", "", "End of life care and nursing."],
    )
    assert k.shape == (3, len(KINDS))
    np.testing.assert_allclose(k.sum(axis=1), [1.0, 0.0, 1.0])


@pytest.mark.parametrize(
    "name, tags, desc, kind",
    [
        ("Lakeside Walking Club", ["recreation/leisure services"], "A weekly walk.", "community"),
        (
            "Volunteer Center",
            ["volunteer opportunities"],
            "Volunteers plant trees.",
            "volunteering",
        ),
        ("Grief Support Group", ["support groups"], "Peer support after a loss.", "peer_support"),
        ("Adult School", ["esl", "literacy"], "English classes for adults.", "learning"),
        ("Food Pantry", ["food pantry", "emergency food"], "Free groceries.", "essentials"),
        ("County Hospital", ["medical care", "outpatient"], "Clinic and treatment.", "clinical"),
        ("Sunrise Assisted Living", ["assisted living", "residential care"], "", "residential"),
        (
            "Planning Commission",
            ["administration and planning services"],
            "Advisory board.",
            "administrative",
        ),
    ],
)
def test_primary_kind(name, tags, desc, kind):
    k = _kinds(name, tags, desc)
    assert max(k, key=k.get) == kind


def test_care_share_counts_clinical_residential_and_administrative():
    k = resource_kinds(
        ["Hospice", "Choir"], [["hospice"], ["music", "choirs"]], ["Nursing care.", "Sing."]
    )
    share = care_share(k)
    assert share[0] == pytest.approx(1.0)
    assert share[1] == 0.0
    assert set(CARE_KINDS) <= set(KINDS)


@pytest.mark.parametrize(
    "wishes, expected",
    [
        (["I'd like to see a therapist"], True),
        (["necesito un psicólogo"], True),
        (["I need a nursing home for my mother"], True),
        (["I'd love to join a choir"], False),
        (["walk more", "I used to love birdwatching"], False),
    ],
)
def test_asks_for_care(wishes, expected):
    assert asks_for_care(wishes) is expected
