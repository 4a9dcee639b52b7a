"""tune_weights: refuses the test split, and finds the configurations' real nDCG."""

import copy
from datetime import date

import pandas as pd
import pytest

import rxmatch
from rxmatch.evaluation import SharedIndex, TestSplitError, evaluate, tune_weights
from rxmatch.evaluation.tuning import rank_with
from rxmatch.features.passages import PassageOptions
from rxmatch.rank import score_candidates


def test_refuses_test_rows(tiny_shared, tiny_referrals, tiny_qrels):
    with pytest.raises(TestSplitError, match="refuses test-split"):
        tune_weights(None, tiny_referrals.assign(split="test"), tiny_qrels, shared=tiny_shared)
    with pytest.raises(TestSplitError, match="split"):
        tune_weights(None, tiny_referrals.drop(columns="split"), tiny_qrels, shared=tiny_shared)


def test_grid_table(tiny_shared, tiny_referrals, tiny_qrels):
    grid = {"semantic": (0.2, 0.77), "distance": (0.04, 0.2), "diversity": (0.0, 0.15)}
    table = tune_weights(None, tiny_referrals, tiny_qrels, grid=grid, k=3, shared=tiny_shared)
    assert len(table) == 8
    assert {
        "semantic",
        "lexical",
        "distance",
        "diversity",
        "ndcg@3",
        "ndcg@3_train",
        "ndcg@3_dev",
        "is_default",
    } <= set(table.columns)
    assert table["ndcg@3"].is_monotonic_decreasing
    assert table["is_default"].sum() == 1
    # the default configuration's score equals what evaluate measures for rxmatch
    default = table[table["is_default"]]["ndcg@3"].item()
    res = evaluate(
        ["rxmatch"], None, tiny_referrals, tiny_qrels, k=3, bootstrap=0, shared=tiny_shared
    )
    assert default == pytest.approx(res.summary(metrics=["ndcg@3"])["mean"].item())
    with pytest.raises(ValueError, match="unknown grid key"):
        tune_weights(None, tiny_referrals, tiny_qrels, grid={"speed": (1,)}, shared=tiny_shared)
    assert isinstance(table, pd.DataFrame)


# ---- one scoring path: tuning ranks exactly as Matcher.recommend ---------------------------
HARD_WORDS = [
    # two wishes, a barrier (knees) and a dislike (singing)
    "I'd love to do some painting and also gardening. My knees are bad. I don't like singing.",
    # housebound barrier with a wish
    "I can't leave the house these days but I would like some company and a chat.",
    # bringing a child, crowds, two wishes
    "I want a walking group and a book club. I'd bring my toddler. I hate crowds.",
    # money worry (preference component) and two wishes
    "Money is tight. I'd like to learn computers and meet other seniors.",
]


@pytest.fixture(scope="module")
def demo_shared():
    directory = rxmatch.datasets.load_demo_directory()
    return SharedIndex(
        # with passage evidence (cut at the 20 closest, so both paths of it are ranked)
        rxmatch.Matcher(
            rxmatch.HashingEmbedder(),
            reference_date=date(2024, 6, 1),
            passages=PassageOptions(top=20),
        ).fit(directory)
    )


def _hard_referrals():
    return [
        rxmatch.Referral(t, postal_code="94401", age=70, referral_id=f"h{i}", max_km=30)
        for i, t in enumerate(HARD_WORDS)
    ]


def test_hard_referrals_exercise_barriers_dislikes_and_wishes(demo_shared):
    """The referrals below really carry what the old tuning path left out."""
    feats = [demo_shared.candidates(r).state for r in _hard_referrals()]
    assert any(f.barrier_conflicts.any() for f in feats)
    assert any(f.dislike_similarity is not None for f in feats)
    assert any(f.facet_of is not None for f in feats)


@pytest.mark.parametrize(
    "weights, diversity",
    [
        (rxmatch.Weights(), 0.0),
        (rxmatch.Weights(semantic=0.3, lexical=0.4, distance=0.2, category_fit=0.1), 0.0),
        (rxmatch.Weights(semantic=0.9, lexical=0.0, distance=0.1), 0.15),
    ],
)
def test_tuning_ranks_exactly_as_recommend(demo_shared, weights, diversity):
    base = demo_shared.matcher
    matcher = copy.copy(base)
    matcher.weights, matcher.diversity = weights, diversity
    for ref in _hard_referrals():
        enc = demo_shared.encoded(ref)
        want = matcher.recommend(ref, 10, query_vector=enc).ids
        assert rank_with(demo_shared, ref, weights, diversity, 10) == list(want)
        # and the scores shown are the ones the single scoring path computes
        scored = score_candidates(
            demo_shared.candidates(ref).state, **{**base.score_params(), "weights": weights}
        )
        shown = {m.resource_id: m.score for m in matcher.recommend(ref, 10, query_vector=enc)}
        ids = demo_shared.ids[scored.rows]
        by_id = dict(zip(map(str, ids), scored.scores))
        assert all(by_id[i] == pytest.approx(s, abs=0, rel=1e-12) for i, s in shown.items())


def test_tuning_ranks_exactly_as_recommend_with_stated_audiences():
    """Records whose stated audience (ages in the name, an ancestry) leaves the person out
    are scored down the same way in tuning as in ``recommend`` (``audience_penalty``)."""
    rows = [
        dict(id="a", name="Walking Group 55+ Only", description="Walks in the park."),
        dict(id="b", name="Card Club", description="Cards for people of Irish descent."),
    ] + [dict(id=f"w{i}", name=f"Club {i}", description="Walks and cards.") for i in range(6)]
    for r in rows:
        r.update(lat=37.5, lon=-122.3, category="social")
    directory = rxmatch.Directory.from_frame(pd.DataFrame(rows))
    for penalty in (0.5, 0.0, 1.0):
        shared = SharedIndex(
            rxmatch.Matcher(
                rxmatch.HashingEmbedder(),
                multilingual=None,
                e5=None,
                passages=None,
                reference_date=date(2024, 6, 1),
                audience_penalty=penalty,
            ).fit(directory)
        )
        ref = rxmatch.Referral("walks in the park and cards", lat=37.5, lon=-122.3, age=30)
        assert shared.candidates(ref).state.audience.tolist().count(0) == len(rows) - 2
        want = shared.matcher.recommend(ref, 10).ids
        assert rank_with(shared, ref, rxmatch.Weights(), 0.0, 10) == list(want)
        if penalty == 1.0:
            assert set(want[-2:]) == {"a", "b"}  # a score of 0: last
