"""Properties of the re-ranking step (rank/rerank.py): ``top_n``, ``mmr`` and ``rerank``.

Built on small arrays only (no model): scores on a coarse grid so that ties are common,
unique ids, unit-norm embeddings.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmatch.rank.rerank import mmr, rerank, top_n
from rxmatch.rank.scoring import CandidateFeatures, ScoredCandidates

FAST = settings(max_examples=60, deadline=None)

#: scores on a grid of 1/16 (exact in binary, many ties): rounding to 12 decimals in the
#: code cannot merge or split ties, so the reference order below is exact
grid_scores = st.lists(st.integers(0, 16).map(lambda i: i / 16), min_size=0, max_size=40)


def _ids(m: int, seed: int) -> np.ndarray:
    """Unique ids in an order unrelated to the positions."""
    rng = np.random.default_rng(seed)
    return np.array([f"r{int(x):04d}" for x in rng.permutation(m * 3)[:m]], dtype=object)


def _reference_order(scores, ids) -> list[int]:
    """The documented order: score descending, ties by resource id ascending."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], str(ids[i])))


def _unit(rng: np.random.Generator, m: int, d: int = 6) -> np.ndarray:
    e = rng.normal(size=(m, d))
    return e / np.linalg.norm(e, axis=1, keepdims=True)


# ---- top_n --------------------------------------------------------------------------------
@FAST
@given(scores=grid_scores, n=st.integers(-2, 45), seed=st.integers(0, 2**16))
def test_top_n_is_the_first_n_of_a_full_sort_ties_by_id(scores, n, seed):
    s = np.array(scores, dtype=np.float64)
    ids = _ids(len(s), seed)
    got = top_n(s, ids, n)
    assert got.dtype == np.intp
    assert got.tolist() == _reference_order(scores, ids)[: max(n, 0)]


@FAST
@given(scores=grid_scores, n=st.integers(1, 45), seed=st.integers(0, 2**16))
def test_top_n_does_not_depend_on_the_input_order(scores, n, seed):
    s = np.array(scores, dtype=np.float64)
    ids = _ids(len(s), seed)
    perm = np.random.default_rng(seed + 1).permutation(len(s))
    a = ids[top_n(s, ids, n)]
    b = ids[perm][top_n(s[perm], ids[perm], n)]
    assert a.tolist() == b.tolist()


def test_top_n_with_ties_at_the_boundary_takes_the_smaller_ids():
    s = np.array([0.5, 0.9, 0.5, 0.5, 0.1])
    ids = np.array(["d", "z", "b", "c", "a"], dtype=object)
    assert top_n(s, ids, 2).tolist() == [1, 2]  # z (0.9), then b before c and d
    assert top_n(s, ids, 3).tolist() == [1, 2, 3]
    assert top_n(s, ids, 10).tolist() == [1, 2, 3, 0, 4]
    # scores equal to 12 decimals are ties too
    assert top_n(np.array([0.3 + 1e-14, 0.3]), np.array(["b", "a"]), 1).tolist() == [1]


def test_top_n_accepts_a_list_of_ids():
    assert top_n(np.array([0.2, 0.2, 0.7]), ["b", "a", "c"], 2).tolist() == [2, 1]


# ---- mmr ----------------------------------------------------------------------------------
mmr_case = st.fixed_dictionaries(
    {
        "scores": st.lists(st.integers(0, 16).map(lambda i: i / 16), min_size=1, max_size=30),
        "n": st.integers(1, 35),
        "lambda_": st.sampled_from([0.0, 0.3, 0.5, 0.8, 0.95]),
        "pool": st.integers(1, 40),
        "cap": st.one_of(st.none(), st.integers(1, 4)),
        "n_cat": st.integers(1, 4),
        "seed": st.integers(0, 2**16),
    }
)


def _mmr_inputs(case):
    s = np.array(case["scores"], dtype=np.float64)
    m = len(s)
    rng = np.random.default_rng(case["seed"])
    cats = np.array([f"c{int(x)}" for x in rng.integers(0, case["n_cat"], m)], dtype=object)
    return s, _unit(rng, m), _ids(m, case["seed"]), cats


@FAST
@given(case=mmr_case)
def test_mmr_returns_distinct_indices_from_the_score_pool(case):
    s, emb, ids, cats = _mmr_inputs(case)
    n, pool = case["n"], case["pool"]
    got = mmr(
        s, emb, ids, cats, n, lambda_=case["lambda_"], max_per_category=case["cap"], pool=pool
    )
    assert got.dtype == np.intp
    assert len(got) == min(n, len(s))
    assert len(set(got.tolist())) == len(got)
    # only the max(n, pool) best by score (ties by id) are ever considered
    assert set(got.tolist()) <= set(_reference_order(s, ids)[: max(n, pool)])
    # the first pick is always the best score: nothing is chosen yet, so nothing is redundant
    assert got[0] == _reference_order(s, ids)[0]


@FAST
@given(case=mmr_case)
def test_mmr_without_diversity_is_plain_score_order(case):
    s, emb, ids, cats = _mmr_inputs(case)
    n = case["n"]
    want = _reference_order(s, ids)[:n]
    assert mmr(s, emb, ids, cats, n, lambda_=1.0, pool=case["pool"]).tolist() == want
    # the greedy loop (forced by a cap no category reaches) gives the same order
    loose = mmr(s, emb, ids, cats, n, lambda_=1.0, pool=case["pool"], max_per_category=10**6)
    assert loose.tolist() == want


@FAST
@given(case=mmr_case)
def test_mmr_with_orthogonal_items_is_plain_score_order(case):
    # no item resembles another, so there is nothing to diversify
    s, _, ids, cats = _mmr_inputs(case)
    lam = max(case["lambda_"], 0.1)  # lambda 0 ignores the scores altogether
    got = mmr(s, np.eye(len(s)), ids, cats, case["n"], lambda_=lam, pool=case["pool"])
    assert got.tolist() == _reference_order(s, ids)[: case["n"]]


@FAST
@given(case=mmr_case)
def test_mmr_category_cap_holds_while_other_categories_remain(case):
    s, emb, ids, cats = _mmr_inputs(case)
    cap = case["cap"] or 1
    n, pool = case["n"], case["pool"]
    got = mmr(s, emb, ids, cats, n, lambda_=case["lambda_"], max_per_category=cap, pool=pool)
    in_pool = Counter(cats[_reference_order(s, ids)[: max(n, pool)]])
    # the greedy loop can take this many items before it must relax the cap
    capped = sum(min(c, cap) for c in in_pool.values())
    head = Counter(cats[got[:capped]])
    assert max(head.values()) <= cap
    if capped >= n:
        assert max(Counter(cats[got]).values()) <= cap


@FAST
@given(case=mmr_case, data=st.data())
def test_mmr_coverage_bonus_covers_every_group_first(case, data):
    s, emb, ids, cats = _mmr_inputs(case)
    m = len(s)
    groups = np.array(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    n, pool = case["n"], case["pool"]
    # values lie in [-1, 1]: a bonus of 3 beats any score or redundancy difference
    got = mmr(
        s, emb, ids, cats, n, lambda_=case["lambda_"], pool=pool, groups=groups, coverage_bonus=3
    )
    n_groups = len(set(groups[_reference_order(s, ids)[: max(n, pool)]].tolist()))
    first = groups[got[: min(n_groups, len(got))]].tolist()
    assert len(set(first)) == len(first)


@FAST
@given(case=mmr_case)
def test_mmr_embeddings_as_a_callable_give_the_same_list(case):
    s, emb, ids, cats = _mmr_inputs(case)
    kw = dict(lambda_=case["lambda_"], max_per_category=case["cap"], pool=case["pool"])
    seen = []

    def gather(rows):
        seen.append(np.asarray(rows).copy())
        return emb[rows]

    a = mmr(s, emb, ids, cats, case["n"], **kw)
    b = mmr(s, gather, ids, cats, case["n"], **kw)
    assert a.tolist() == b.tolist()
    for rows in seen:  # only the pool is gathered
        assert len(rows) <= max(case["n"], case["pool"])


@FAST
@given(case=mmr_case)
def test_mmr_is_deterministic(case):
    s, emb, ids, cats = _mmr_inputs(case)
    kw = dict(lambda_=case["lambda_"], max_per_category=case["cap"], pool=case["pool"])
    a = mmr(s, emb, ids, cats, case["n"], **kw)
    b = mmr(s.copy(), emb.copy(), ids.copy(), cats.copy(), case["n"], **kw)
    assert a.tolist() == b.tolist()


def test_mmr_demotes_a_near_duplicate_of_what_is_already_chosen():
    s = np.array([0.9, 0.89, 0.8])
    e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # 1 duplicates 0; 2 is different
    ids, cats = ["a", "b", "c"], ["x", "x", "x"]
    assert mmr(s, e, ids, cats, 3, lambda_=1.0).tolist() == [0, 1, 2]
    # 0.8*0.89 - 0.2*1 = 0.512 < 0.8*0.8 - 0 = 0.64
    assert mmr(s, e, ids, cats, 3, lambda_=0.8).tolist() == [0, 2, 1]
    # a small diversity (0.95*0.89 - 0.05 = 0.7955 > 0.76) keeps the score order
    assert mmr(s, e, ids, cats, 3, lambda_=0.95).tolist() == [0, 1, 2]


def test_mmr_does_not_reward_dissimilarity_beyond_zero():
    # a negative cosine is no better than an orthogonal item: redundancy is clipped at 0
    s = np.array([0.9, 0.5, 0.6])
    e = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    assert mmr(s, e, ["a", "b", "c"], [None] * 3, 3, lambda_=0.5).tolist() == [0, 2, 1]


def test_mmr_category_cap_takes_other_categories_first_then_relaxes():
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    e = np.eye(5)
    cats = ["art", "art", "art", "walk", "art"]
    got = mmr(s, e, list("abcde"), cats, 5, lambda_=1.0, max_per_category=1)
    # one art, then the only walk, then (cap relaxed: nothing else left) by score
    assert got.tolist() == [0, 3, 1, 2, 4]


def test_mmr_coverage_bonus_needs_groups_and_a_positive_bonus():
    s = np.array([0.9, 0.85, 0.3])
    e = np.eye(3)
    groups = np.array([0, 0, 1])
    args = (s, e, ["a", "b", "c"], [None] * 3, 3)
    assert mmr(*args, lambda_=1.0, groups=groups, coverage_bonus=0.0).tolist() == [0, 1, 2]
    assert mmr(*args, lambda_=1.0, groups=groups, coverage_bonus=0.7).tolist() == [0, 2, 1]
    # a bonus smaller than the score gap does not reorder
    assert mmr(*args, lambda_=1.0, groups=groups, coverage_bonus=0.5).tolist() == [0, 1, 2]


@pytest.mark.parametrize("n", [0, -1])
def test_mmr_and_top_n_of_nothing(n):
    e = np.eye(2)
    assert mmr(np.array([0.5, 0.4]), e, ["a", "b"], ["x", "y"], n).tolist() == []
    assert mmr(np.zeros(0), np.zeros((0, 2)), [], [], 3).tolist() == []
    assert top_n(np.zeros(0), [], 3).tolist() == []


# ---- rerank (the step recommend and tuning share) -----------------------------------------
def _scored(scores, facet_of=None) -> ScoredCandidates:
    m = len(scores)
    f = CandidateFeatures(
        rows=np.arange(m),
        distance_km=np.zeros(m),
        via=np.zeros(m, dtype=np.int8),
        flags=np.zeros(m, dtype=np.uint8),
        components={"semantic": np.asarray(scores)},
        freshness=np.ones(m),
        barrier_conflicts=np.zeros(m, dtype=np.int8),
        facet_of=facet_of,
    )
    return ScoredCandidates(f, np.asarray(scores, dtype=np.float64))


@FAST
@given(case=mmr_case, diversity=st.sampled_from([0.0, 0.2, 0.5, 0.9]), data=st.data())
def test_rerank_is_mmr_with_lambda_one_minus_diversity(case, diversity, data):
    s, emb, ids, cats = _mmr_inputs(case)
    m = len(s)
    facet_of = data.draw(
        st.one_of(st.none(), st.lists(st.integers(0, 2), min_size=m, max_size=m).map(np.array))
    )
    bonus = data.draw(st.sampled_from([0.0, 0.1, 3.0]))
    got = rerank(
        _scored(s, facet_of),
        emb,
        ids,
        cats,
        case["n"],
        diversity=diversity,
        max_per_category=case["cap"],
        coverage_bonus=bonus,
    )
    want = mmr(
        s,
        emb,
        ids,
        cats,
        case["n"],
        lambda_=1.0 - diversity,
        max_per_category=case["cap"],
        groups=facet_of,
        coverage_bonus=bonus if facet_of is not None else 0.0,
    )
    assert got.tolist() == want.tolist()
    if diversity == 0.0 and case["cap"] is None and (facet_of is None or bonus == 0):
        assert got.tolist() == _reference_order(s, ids)[: case["n"]]


def test_rerank_ignores_the_coverage_bonus_with_fewer_than_two_wishes():
    s = [0.9, 0.85, 0.3]
    args = (np.eye(3), ["a", "b", "c"], [None] * 3, 3)
    # facet_of None (one wish): no groups, so the bonus cannot act
    assert rerank(_scored(s), *args, coverage_bonus=5.0).tolist() == [0, 1, 2]
    assert rerank(_scored(s, np.array([0, 0, 1])), *args, coverage_bonus=5.0).tolist() == [
        0,
        2,
        1,
    ]
