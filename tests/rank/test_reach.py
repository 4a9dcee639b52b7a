"""The reach stage: the radius after the person's barriers, widening for rural homes, and
the online pool closest in meaning."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rxmatch import Referral
from rxmatch.features.facets import Facets
from rxmatch.features.text import EmbeddingCache, HashingEmbedder
from rxmatch.index import build_index, embed_directory
from rxmatch.rank.candidates import VIA_ONLINE
from rxmatch.rank.reach import Reach


@pytest.fixture(scope="module")
def index(demo_directory):
    sets = embed_directory(demo_directory, HashingEmbedder(64), EmbeddingCache())
    return build_index(demo_directory, sets)


def _ref(**kw):
    if "lat" not in kw and not kw.get("online_only"):
        kw.update(lat=37.5, lon=-122.3)
    return Referral(what_matters="gardening", **kw)


def test_barriers_shrink_the_radius_unless_max_km_is_given():
    reach = Reach(mobility_reach=0.5)
    both = Facets(barrier_kinds=frozenset({"no_car", "mobility"}))
    radius, notes = reach.reach_km(_ref(travel_mode="car"), both)
    assert radius == pytest.approx(5.0)  # car 25 km -> transit 10 km -> x0.5
    assert len(notes) == 2 and "no car" in notes[0] and "mobility" in notes[1]
    assert reach.reach_km(_ref(travel_mode="car", max_km=25), both) == (25.0, [])
    # on foot, "no car" changes nothing
    assert reach.reach_km(
        _ref(travel_mode="walk"), Facets(barrier_kinds=frozenset({"no_car"}))
    ) == (
        2.0,
        [],
    )
    assert Reach(mobility_reach=1.0).reach_km(_ref(), both)[0] == 10.0


def test_few_candidates_widen_the_radius_step_by_step(index):
    t = index.table
    i = int(t.geo_rows[0])
    # a home far from everything but a little beyond one resource
    lat, lon = float(t.lat[i]) + 0.12, float(t.lon[i])  # ~13 km north of it
    ref = _ref(lat=lat, lon=lon, online_ok=False)
    narrow, r0, notes0 = Reach(widen_if_fewer_than=0).candidates(index, ref)
    wide, r1, notes1 = Reach(widen_if_fewer_than=50, max_widen_factor=3.0).candidates(index, ref)
    assert r0 == 10.0 and not notes0
    assert 10.0 < r1 <= 30.0 and "widened" in notes1[-1]
    assert set(narrow.rows) <= set(wide.rows) and len(wide) >= len(narrow)
    # an explicit max_km is a hard limit
    _, r2, notes2 = Reach(widen_if_fewer_than=50).candidates(
        index, _ref(lat=lat, lon=lon, max_km=10)
    )
    assert r2 == 10.0 and not notes2


def test_the_online_pool_is_the_closest_in_meaning(index):
    t = index.table
    n_online = len(t.online_rows)
    assert n_online > 3
    q = index.online_embeddings[0]
    pool = Reach(online_pool=3)
    got = pool.online_subset(index, q)
    sims = index.online_embeddings @ q
    assert set(got) == set(t.online_rows[np.argsort(-sims)[:3]])
    assert Reach(online_pool=None).online_subset(index, q) is None
    # the batch version gives the same pools
    Q = index.online_embeddings[:4]
    batch = pool.online_subsets(index, Q, [True, True, False, True])
    for j in (0, 1, 3):
        assert np.array_equal(batch[j], pool.online_subset(index, Q[j]))
    assert len(batch[2]) == 0
    cands, _, _ = pool.candidates(index, _ref(online_only=True), q)
    assert set(cands.rows) == set(got) and (cands.via == VIA_ONLINE).all()


# ---- the online pool at ties: both paths, one rule ------------------------------------------
#: copies of one online record (other ids, the same words: one embedding) spread through the
#: directory, as one organisation's services with the same text in a real directory
N_COPIES = 8
#: more online records (other words), so that the batch path's short list is not all of them
N_OTHER = 60
WORDS = (
    "art music chess yoga knitting poetry history cooking garden birds stars film "
    "language book walking dance choir writing photos craft games quiz science travel "
    "memory tea prayer bingo drawing singing comedy theatre puzzles coding news"
).split()


def _tied_directory(demo_directory):
    import pandas as pd

    import rxmatch

    frame = demo_directory.to_frame()
    online = frame.index[frame["online"].astype(bool)]
    src = frame.loc[online[2]]  # not the first online row: copies land before and after it
    rng = np.random.default_rng(3)
    other = [
        {
            **src.to_dict(),
            "id": f"other-{k}",
            "name": f"Online {WORDS[k % len(WORDS)]} circle {k}",
            "description": " ".join(rng.choice(WORDS, 8)),
            "tags": ";".join(rng.choice(WORDS, 2)),
        }
        for k in range(N_OTHER)
    ]
    parts, step = [], len(frame) // N_COPIES
    for k in range(N_COPIES):
        parts.append(frame.iloc[k * step : (k + 1) * step])
        parts.append(pd.DataFrame([{**src.to_dict(), "id": f"copy-{k}"}]))
        parts.append(pd.DataFrame(other[k::N_COPIES]))
    parts.append(frame.iloc[N_COPIES * step :])
    return rxmatch.Directory.from_frame(pd.concat(parts, ignore_index=True)), str(src["id"])


@pytest.fixture(scope="module")
def tied(demo_directory):
    directory, src_id = _tied_directory(demo_directory)
    sets = embed_directory(directory, HashingEmbedder(64), EmbeddingCache())
    return build_index(directory, sets), directory, src_id


def _group(index):
    """The positions (in ``online_embeddings``) of the identical online vectors."""
    online = index.online_embeddings
    same = (online[:, None, :] == online[None, :, :]).all(axis=2).sum(axis=1)
    group = np.flatnonzero(same == same.max())
    assert len(group) == N_COPIES + 1
    return group


def test_the_online_pool_at_a_tie_keeps_the_lowest_rows_in_both_paths(tied):
    # a group of identical online vectors straddles the pool boundary: both paths keep
    # the same members, the ones at the lowest rows, whatever the order of the array
    index, _, _ = tied
    t, online = index.table, index.online_embeddings
    group = _group(index)
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((12, online.shape[1])).astype(np.float32)
    Q = np.vstack([online[group[:1]], online + 0.3, noise]).astype(np.float32)
    exact = online.astype(np.float64) @ Q.astype(np.float64).T  # (n_online, n_queries)
    checked = 0
    for j, q in enumerate(Q):
        s = exact[group[0], j]
        others = np.delete(exact[:, j], group)
        if np.abs(others - s).min() < 1e-4:  # another row as close as the group: no clear rule
            continue
        above = np.flatnonzero(exact[:, j] > s)
        for keep in range(1, len(group)):
            reach = Reach(online_pool=len(above) + keep)
            want = np.sort(t.online_rows[np.concatenate([above, group[:keep]])])
            one = reach.online_subset(index, q)
            many = reach.online_subsets(index, Q, [True] * len(Q))[j]
            assert np.array_equal(one, many), (j, keep)  # recommend's pool, recommend_many's
            assert np.array_equal(one, want), (j, keep)  # the lowest rows of the group
            checked += 1
    assert checked >= 10 * (len(group) - 1)


def test_recommend_many_keeps_recommends_online_pool_at_a_tie(tied):
    import rxmatch

    _, directory, src_id = tied
    frame = directory.to_frame()
    src = frame.loc[frame["id"] == src_id].iloc[0]
    group_ids = [i for i in frame["id"] if i == src_id or i.startswith("copy-")]  # by row
    m = rxmatch.Matcher(rxmatch.HashingEmbedder(256), reference_date=date(2026, 1, 1))
    m.fit(directory)
    words = f"{src['name']}. {src['description']}"
    refs = [
        rxmatch.Referral(words, online_only=True, referral_id="a"),
        rxmatch.Referral(words, postal_code="94401", referral_id="b"),
        rxmatch.Referral(src["name"], online_only=True, referral_id="c"),
        rxmatch.Referral("video call support group", online_only=True, referral_id="d"),
    ]
    for pool in range(1, len(group_ids)):  # the boundary at each place in the group
        m.set_params(online_pool=pool)
        many = m.recommend_many(refs, k=30)
        for r in refs:
            one = m.recommend(r, k=30).to_frame()
            got = many[many["referral_id"] == r.referral_id].reset_index(drop=True)
            assert got["resource_id"].tolist() == one["resource_id"].tolist(), (pool, r)
            np.testing.assert_allclose(got["score"], one["score"])
        # the words of the copies: the whole pool is the group, its lowest rows
        first = many[many["referral_id"] == "a"]["resource_id"]
        assert sorted(first, key=group_ids.index) == group_ids[:pool], pool


@pytest.mark.parametrize("dim", [1, 3, 8, 17, 64, 100, 128, 129, 384, 385, 768])
def test_pool_scores_give_a_row_its_value_wherever_it_stands(dim):
    # the kernel that settles the pool's boundary: a row's value (to the last bit) does
    # not depend on its position, on the other rows or on how many there are
    from rxmatch.rank.reach import pool_scores

    rng = np.random.default_rng(dim)
    A = rng.standard_normal((203, dim)).astype(np.float32)
    q = rng.standard_normal(dim).astype(np.float32)
    full = pool_scores(A, q)
    assert full.dtype == np.float32 and full.shape == (203,)
    bits = full.view(np.uint32)
    for i in range(len(A)):
        assert pool_scores(A[i : i + 1], q).view(np.uint32)[0] == bits[i]
    perm = rng.permutation(len(A))
    assert np.array_equal(pool_scores(A[perm], q).view(np.uint32), bits[perm])
    for m in (2, 3, 4, 5, 7, 31, 202):
        assert np.array_equal(pool_scores(A[-m:], q).view(np.uint32), bits[-m:])
        assert np.array_equal(pool_scores(np.ascontiguousarray(A[::3][:m]), q), full[::3][:m])
    np.testing.assert_allclose(full, A.astype(np.float64) @ q, rtol=1e-4, atol=1e-4)


def test_closest_online_is_the_same_for_any_product_within_the_rounding_bound():
    # the pool is the top by (pool_scores descending, position ascending), whichever
    # product (summation order) gave the similarities it starts from
    from rxmatch.rank.reach import closest_online, pool_scores, product_tolerance

    rng = np.random.default_rng(7)
    dim = 96
    base = rng.standard_normal((400, dim)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    online = base[rng.integers(0, 250, 400)]  # many rows repeated: tie groups everywhere
    norm = float(np.linalg.norm(online, axis=1).max())
    for trial in range(40):
        q = rng.standard_normal(dim).astype(np.float32)
        q /= np.linalg.norm(q)
        score = pool_scores(online, q)
        bound = product_tolerance(dim, np.float32, norm, q) * 2 / 5  # one product's error
        products = [
            online @ q,
            (online[::-1] @ q)[::-1],
            (q[None, :] @ online.T)[0],
            (online.astype(np.float64) @ q.astype(np.float64)).astype(np.float32),
            score + rng.uniform(-bound, bound, len(score)).astype(np.float32),
        ]
        for pool in (1, 5, 37, 100, 399):
            want = np.sort(np.lexsort((np.arange(len(online)), -score))[:pool])
            for sims in products:
                got = closest_online(online, q, pool, sims, norm)
                assert np.array_equal(got, want), (trial, pool)
            assert np.array_equal(closest_online(online, q, pool), want)
    # equal similarities: the lower positions win
    q = online[0]
    group = np.flatnonzero((online == online[0]).all(axis=1))
    assert len(group) >= 2
    assert np.array_equal(closest_online(online, q, 1), group[:1])
    zero = np.zeros(dim, dtype=np.float32)  # every row ties
    assert np.array_equal(closest_online(online, zero, 10), np.arange(10))
    assert np.array_equal(closest_online(online, q, 400), np.arange(400))
