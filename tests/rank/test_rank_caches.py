"""Per-query work done once per row or per index (issue #15): the cached facts of a row
(``Match.resource``) and the gathered similarities give exactly what the direct code
gives, and a cached value is never shared with a caller."""

import numpy as np
import pytest

from rxmatch import Matcher, Referral
from rxmatch.features.text import HashingEmbedder
from rxmatch.rank import results
from rxmatch.rank.scoring import candidate_similarities


@pytest.fixture(scope="module")
def hashing_matcher(demo_directory):
    return Matcher(HashingEmbedder(64), multilingual=None, e5=None).fit(demo_directory)


def test_cached_facts_are_the_facts_of_the_row(hashing_matcher):
    index = hashing_matcher.index_
    index._facts.clear()
    for r in range(len(index.table)):
        first = results.resource_facts(index, r)
        assert first == results._resource_facts(index, r)
        assert results.resource_facts(index, r) == first  # from the cache
    assert len(index._facts["rows"]) == len(index.table)
    assert any(f is not None for f in first.values())


def test_cached_facts_are_copies_a_caller_can_change(hashing_matcher):
    index = hashing_matcher.index_
    r = next(
        i for i in range(len(index.table)) if index.table.sessions[i] and index.table.languages[i]
    )
    got = results.resource_facts(index, r)
    want = results._resource_facts(index, r)
    got["languages"].append("klingon")
    got["schedule"][0]["day"] = "Never"
    got["name"] = "changed"
    assert results.resource_facts(index, r) == want


def test_facts_cache_is_bounded(hashing_matcher, monkeypatch):
    index = hashing_matcher.index_
    monkeypatch.setattr(results, "FACTS_CACHE_ROWS", 3)
    index._facts.clear()
    for r in range(10):
        assert results.resource_facts(index, r) == results._resource_facts(index, r)
        assert len(index._facts["rows"]) <= 3
    index._facts.clear()


def test_facts_follow_the_directory_in_memory(hashing_matcher):
    index = hashing_matcher.index_
    index._facts.clear()
    with_directory = results.resource_facts(index, 0)
    assert with_directory["address"] is not None or with_directory["phone"] is not None
    d = index.source.directory
    try:
        index.source.directory = None  # as a loaded index before its directory is decoded
        assert results.resource_facts(index, 0) == results._resource_facts(index, 0)
        assert results.resource_facts(index, 0) != with_directory
    finally:
        index.source.directory = d
    assert results.resource_facts(index, 0) == with_directory


def test_matches_carry_the_facts_of_their_rows(hashing_matcher):
    ref = Referral("gardening and meeting people", lat=37.5, lon=-122.3, max_km=40)
    index = hashing_matcher.index_
    for _ in range(2):  # the second time from the cache
        recs = hashing_matcher.recommend(ref, 5)
        assert len(recs.matches) == 5
        for m in recs.matches:
            r = int(np.flatnonzero(np.asarray(index.table.ids) == m.resource_id)[0])
            assert dict(m.resource) == results._resource_facts(index, r)


@pytest.mark.parametrize("n", [0, 1, 7, 2048, 2049, 5000])
def test_candidate_similarities_are_those_of_a_full_gather(n, tmp_path):
    rng = np.random.default_rng(n)
    emb = rng.standard_normal((6000, 32)).astype(np.float32)
    mm = np.lib.format.open_memmap(tmp_path / "e.npy", mode="w+", dtype=np.float32, shape=emb.shape)
    mm[:] = emb
    rows = np.sort(rng.choice(6000, n, replace=False))
    q = rng.standard_normal(32).astype(np.float32)
    wishes = rng.standard_normal((3, 32)).astype(np.float32)
    for source in (emb, mm):
        sem, per_wish, none = candidate_similarities(source, rows, [q, wishes, None])
        assert none is None
        assert sem.tobytes() == (emb[rows] @ q).tobytes()
        assert per_wish.shape == (n, 3)
        for lo in range(0, n, 2048):  # the wish products are made 2,048 rows at a time
            block = emb[rows[lo : lo + 2048]]
            assert per_wish[lo : lo + 2048].tobytes() == (block @ wishes.T).tobytes()


def test_lexical_scores_of_candidates_are_those_of_every_resource(hashing_matcher):
    from rxmatch.datasets import load_synthetic_referrals

    fuzzy = hashing_matcher.index_.table.fuzzy
    n = fuzzy.n_
    rng = np.random.default_rng(0)
    texts = list(load_synthetic_referrals()["what_matters"].astype(str)[:60])
    texts += ["gardning and paintng with frends", "walking walking walk", ""]
    looked_up_both_ways = 0
    for i, text in enumerate(texts):
        full, words = fuzzy.score(text)
        rows = np.sort(rng.choice(n, int(rng.integers(1, n)), replace=False))
        got, got_words = fuzzy.score(text, rows)  # ascending: short columns looked up in rows
        assert got_words == words
        assert got.tobytes() == full[rows].tobytes(), i
        perm = rng.permutation(len(rows))  # not ascending: rows looked up in each column
        shuffled, _ = fuzzy.score(text, rows[perm])
        assert shuffled.tobytes() == full[rows[perm]].tobytes(), i
        looked_up_both_ways += bool(got.any())
    assert looked_up_both_ways >= 20


def test_beneficiary_reading_is_the_one_reading_every_relation_first():
    from rxmatch.datasets import load_real_referrals, load_synthetic_referrals
    from rxmatch.features import beneficiary as b

    def reference(text):  # the reading before #15's reordering
        text = str(text or "")
        found = [(m.start(), rel) for rel, rx in b._RELATION.items() if (m := rx.search(text))]
        carer = b._CARER.search(text)
        if carer is not None:
            found.append((carer.start(), "client"))
        if found and b._FOR_OTHER.search(text):
            relation = min(found)[1]
            return b.Beneficiary(relation, b._first_age(b._OTHER_AGE, text), True)
        return b.Beneficiary(age=b._first_age(b._SELF_AGE, text))

    texts = [
        *load_synthetic_referrals()["what_matters"].astype(str),
        *load_real_referrals("sanmateo")["what_matters"].astype(str),
        *load_real_referrals("nyc")["what_matters"].astype(str),
        "My son is 15 and he wants something after school",
        "I'm the caregiver for Mr. Alvarez, he's 84",
        "she would love to paint, I'm 40",
        "para mi hijo, tiene 12 años",
        "I am 72 and my wife passed",
    ]
    others = 0
    for text in texts:
        got = b.read_beneficiary(text)
        assert got == reference(text)
        others += got.for_other
    assert others >= 5  # some answers speak for someone else


def test_cap_positions_by_latitude_row_are_those_cell_by_cell():
    import math

    from rxmatch.features.geo import EARTH_RADIUS_KM, GeoIndex, haversine_km

    rng = np.random.default_rng(5)
    # clustered points, some near the antimeridian and the poles
    lat = np.concatenate([rng.normal(37.5, 0.3, 4000), rng.uniform(-89, 89, 1000)])
    lon = np.concatenate([rng.normal(-122.3, 0.3, 4000), rng.uniform(-180, 180, 1000)])
    lon = np.where(lon > 180, lon - 360, lon)
    geo = GeoIndex(lat, lon)
    homes = [(37.5, -122.3), (37.9, -121.8), (0.0, 179.99), (10.0, -179.95), (60.0, 0.0)]
    homes += [
        (float(a), float(b)) for a, b in zip(rng.normal(37.5, 0.4, 40), rng.normal(-122.3, 0.4, 40))
    ]
    checked = 0
    for qlat, qlon in homes:
        for km in (0.5, 3.0, 15.0, 60.0):
            ang = km / EARTH_RADIUS_KM
            got = geo._cap_positions(qlat, qlon, ang)
            if got is None:
                continue
            # cell by cell, as before #15: every cell of the band, its points in order
            dlat = math.degrees(ang) + 1e-9
            dlon = math.degrees(math.asin(min(1.0, math.sin(ang) / math.cos(math.radians(qlat)))))
            dlon += 1e-9
            top = geo._n_lat - 1
            r0 = min(max(math.floor((qlat - dlat + 90.0) / geo.cell_deg), 0), top)
            r1 = min(max(math.floor((qlat + dlat + 90.0) / geo.cell_deg), 0), top)
            c0 = math.floor((qlon - dlon + 180.0) / geo.cell_deg)
            c1 = math.floor((qlon + dlon + 180.0) / geo.cell_deg)
            lo, hi = geo._cell_runs(r0, r1, c0, c1)
            want = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)] or [np.empty(0)])
            np.testing.assert_array_equal(got, want.astype(np.int64))
            assert got.dtype == np.int64
            pos, d = geo.query_radius(qlat, qlon, km)
            full = haversine_km(qlat, qlon, lat, lon)
            np.testing.assert_array_equal(pos, np.flatnonzero(full <= km))
            checked += len(got) > 0
    assert checked >= 100


@pytest.mark.parametrize(
    "value",
    [
        [],
        ["english", "spanish"],
        [{"day": "Tue", "start": "10:00", "end": "12:00"}, {"day": "Fri", "start": "09:00"}],
        [["nested"], {"deep": ["list"]}],
        {"a": 1, "b": ["x"]},
        [1, 2.5, None, True],
    ],
)
def test_a_copier_copies_as_deep_as_the_value(value):
    import copy

    copier = results._copier(value)
    got = copier(value)
    assert got == value == results._fresh(value)
    original = copy.deepcopy(value)
    # change every list and dict of the copy: the value is untouched
    stack = [got]
    while stack:
        v = stack.pop()
        items = list(v.values()) if isinstance(v, dict) else list(v)
        stack += [x for x in items if isinstance(x, (list, dict))]
        if isinstance(v, dict):
            v["changed"] = 1
        else:
            v.append("changed")
    assert value == original
    assert results._copier("text") is None and results._copier(3) is None
