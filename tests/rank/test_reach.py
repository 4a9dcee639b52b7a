"""The reach stage: the radius after the person's barriers, widening for rural homes, and
the online pool closest in meaning."""

from __future__ import annotations

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
