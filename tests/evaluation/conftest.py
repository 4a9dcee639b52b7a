"""A tiny hand-made directory and labels for fast evaluation tests (HashingEmbedder)."""

import pandas as pd
import pytest

import rxmatch
from rxmatch.evaluation import SharedIndex

HOME = (41.8800, -87.6300)  # Chicago Loop

ROWS = [
    # id, name, description, dlat (deg north of home), extra
    (
        "near-walk",
        "Lakefront Walking Group",
        "A gentle group walk by the lake and the park.",
        0.005,
        {"category": "nature"},
    ),
    (
        "near-paint",
        "Loop Watercolour Circle",
        "Relaxed watercolour painting for adults.",
        0.010,
        {"category": "arts"},
    ),
    (
        "mid-choir",
        "Community Choir",
        "Sing with friends in a friendly community choir.",
        0.030,
        {"category": "arts"},
    ),
    (
        "mid-food",
        "Neighbourhood Food Pantry",
        "Free groceries and fresh produce.",
        0.040,
        {"category": "essentials", "free": True},
    ),
    (
        "mid-garden",
        "Allotment Gardening Club",
        "Gardening on shared allotments, plants and vegetables.",
        0.050,
        {"category": "nature"},
    ),
    (
        "kids-art",
        "Kids Art Club",
        "Painting and crafts for children.",
        0.012,
        {"category": "arts", "max_age": 12},
    ),
    (
        "paid-paint",
        "Premium Painting Studio",
        "Oil painting classes with tutors.",
        0.015,
        {"category": "arts", "free": False, "cost": "$30"},
    ),
    (
        "far-paint",
        "Faraway Painting Retreat",
        "Painting retreat in the countryside.",
        0.60,
        {"category": "arts"},
    ),
    (
        "online-art",
        "Online Sketching Club",
        "Draw and sketch together over video.",
        None,
        {"category": "arts", "online": True},
    ),
]


def _frame():
    recs = []
    for rid, name, desc, dlat, extra in ROWS:
        row = {"id": rid, "name": name, "description": desc}
        if dlat is not None:
            row["lat"], row["lon"] = HOME[0] + dlat, HOME[1]
        row.update(extra)
        recs.append(row)
    return pd.DataFrame(recs)


@pytest.fixture(scope="session")
def tiny_directory():
    return rxmatch.Directory.from_frame(_frame())


@pytest.fixture(scope="session")
def tiny_shared(tiny_directory):
    return SharedIndex(
        rxmatch.Matcher(rxmatch.HashingEmbedder(), reference_date=None).fit(tiny_directory)
    )


@pytest.fixture()
def tiny_referrals():
    return pd.DataFrame(
        [
            dict(
                referral_id="p1",
                what_matters="I used to love painting with watercolours",
                lat=HOME[0],
                lon=HOME[1],
                max_km=10,
                age=70,
                free_only=False,
                split="train",
                region="chicago_city",
                language_of_text="en",
            ),
            dict(
                referral_id="p2",
                what_matters="I need food and would like to do some gardening",
                lat=HOME[0],
                lon=HOME[1],
                max_km=10,
                age=35,
                free_only=True,
                split="dev",
                region="chicago_city",
                language_of_text="en",
            ),
            dict(
                referral_id="p3",
                what_matters="Me gustaría cantar en un coro con amigos",
                lat=HOME[0],
                lon=HOME[1],
                max_km=3,
                age=25,
                online_ok=False,
                split="dev",
                region="chicago_city",
                language_of_text="es",
            ),
        ]
    )


@pytest.fixture()
def tiny_qrels():
    return pd.DataFrame(
        [
            ("p1", "near-paint", 3),
            ("p1", "paid-paint", 2),
            ("p1", "online-art", 1),
            ("p2", "mid-food", 3),
            ("p2", "mid-garden", 2),
            ("p3", "mid-choir", 3),
        ],
        columns=["referral_id", "resource_id", "relevance"],
    )
