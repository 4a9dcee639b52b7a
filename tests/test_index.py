"""The FittedIndex: built from a Directory without a Matcher, saved and loaded by
persistence without a Matcher, updated by building a new one."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import rxmatch
from rxmatch.exceptions import InvalidParameterError
from rxmatch.features.text import EmbeddingCache, HashingEmbedder
from rxmatch.index import (
    MULTILINGUAL,
    PRIMARY,
    FittedIndex,
    TextSpace,
    build_index,
    directory_with,
    directory_without,
    embed_directory,
    reembed,
)
from rxmatch.persistence import load_index, matcher_config, save_index


@pytest.fixture(scope="module")
def index(demo_directory) -> FittedIndex:
    sets = embed_directory(demo_directory, HashingEmbedder(64), EmbeddingCache())
    return build_index(demo_directory, sets)


def test_build_index_holds_what_fit_computes(index, demo_directory):
    n = len(demo_directory)
    assert len(index) == n and list(index.table.ids) == demo_directory.ids
    assert set(index.vector_sets) == {PRIMARY}
    assert index.multilingual is None and index.embedder.name == HashingEmbedder(64).name
    assert index.table.embeddings.shape == (n, 64)
    for arr in (index.category_index, index.has_sessions, index.strenuous, index.care_share):
        assert len(arr) == n
    # the online resources' vectors, side by side
    np.testing.assert_array_equal(
        index.online_embeddings, index.table.embeddings[index.table.online_rows]
    )
    assert index.adult_only.tolist() == [
        (0 if np.isnan(a) else a) >= 16 for a in index.table.min_age
    ]
    assert index.directory is demo_directory and index.source.report is demo_directory.report


def test_the_matcher_ranks_on_the_same_index(index, demo_directory):
    m = rxmatch.Matcher(HashingEmbedder(64), reference_date=date(2026, 1, 1)).fit(demo_directory)
    np.testing.assert_array_equal(m.index_.table.embeddings, index.table.embeddings)
    np.testing.assert_array_equal(m.index_.category_index, index.category_index)
    assert m.table_ is m.index_.table and m.category_index_ is m.index_.category_index


def test_save_and_load_an_index_without_a_matcher(index, tmp_path):
    cfg = matcher_config(
        {"n": 5, "weights": None, "reference_date": None, "embedder": object()}, date(2026, 1, 1)
    )
    path = save_index(index, tmp_path / "ix", config=cfg, query_encoder=False)
    saved = load_index(path, embedder=HashingEmbedder(64))
    got = saved.index
    assert saved.params == {"n": 5} and saved.weights is None
    assert saved.fitted_reference_date == date(2026, 1, 1) and saved.reference_date is None
    assert saved.format_version == 2
    assert got.source.directory is None  # decoded only when asked for
    np.testing.assert_array_equal(np.asarray(got.table.embeddings), index.table.embeddings)
    np.testing.assert_array_equal(got.category_index, index.category_index)
    np.testing.assert_array_equal(got.kinds, index.kinds)
    assert list(got.table.names) == list(index.table.names)
    assert got.contacts is not None and set(got.contacts) <= set(rxmatch.records.CONTACT_FIELDS)
    assert got.directory.ids == index.directory.ids  # decoded from the stored table
    # the stored prototypes are in the cache: nothing is encoded again for them
    assert saved.cache.encode(HashingEmbedder(64), ["x"]).shape == (1, 64)


def test_with_vector_set_adds_replaces_and_checks(index):
    other = TextSpace(
        HashingEmbedder(32),
        np.zeros((len(index), 32), np.float32),
        np.zeros((len(rxmatch.CATEGORIES), 32), np.float32),
    )
    two = index.with_vector_set(MULTILINGUAL, other)
    assert two.multilingual is other and index.multilingual is None  # a new index
    assert two.table is index.table
    assert two.with_vector_set(MULTILINGUAL, None).multilingual is None
    with pytest.raises(InvalidParameterError, match="rows"):
        index.with_vector_set(
            "e5", TextSpace(other.embedder, other.embeddings[:3], other.prototypes)
        )
    with pytest.raises(InvalidParameterError, match="primary"):
        index.with_vector_set(PRIMARY, None)


def test_updates_build_new_directories_and_reuse_vectors(index, demo_directory):
    first = demo_directory.frame.head(2)
    with pytest.raises(InvalidParameterError, match="already in the index"):
        directory_with(demo_directory, first, replace=False)
    with pytest.raises(InvalidParameterError, match="no resource"):
        directory_with(demo_directory, first.assign(id=["new-1", "new-2"]), replace=True)
    changed = first.assign(description=["A new text.", first["description"].iloc[1]])
    d2 = directory_with(demo_directory, changed, replace=True)
    assert len(d2) == len(demo_directory)
    cache = EmbeddingCache()
    sets, n_new = reembed(index, d2, cache)
    assert n_new == 1 and len(cache) == 1  # only the changed text was embedded
    assert sets[PRIMARY].embeddings.shape == index.table.embeddings.shape
    d3 = directory_without(d2, [first["id"].iloc[0]])
    assert len(d3) == len(demo_directory) - 1
    with pytest.raises(InvalidParameterError, match="no resource"):
        directory_without(d2, ["nope"])
    rebuilt = build_index(d3, reembed(index, d3, cache)[0], generation=index.generation + 1)
    assert rebuilt.generation == 1 and len(rebuilt) == len(d3)


# ---- as plain arrays (FittedIndex.to_arrays / from_arrays) ---------------------------------
def _from_arrays(index: FittedIndex, arrays, meta) -> FittedIndex:
    from rxmatch.index import DirectorySource

    return FittedIndex.from_arrays(
        arrays, meta, index.vector_sets, DirectorySource(None, lambda: index.directory)
    )


def test_to_arrays_and_back_gives_the_same_index(index):
    arrays, meta = index.to_arrays()
    assert set(meta) == {"terms", "eligibility_vocabularies", "geo", "audience_vocabulary"}
    assert meta["terms"] == list(index.table.fuzzy.terms_)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    again = _from_arrays(index, arrays, meta)
    assert again.directory is index.directory and again.contacts is not None
    t, u = index.table, again.table
    for name in ("ids", "names", "descriptions", "tags", "languages", "sessions", "categories"):
        assert list(getattr(u, name)) == list(getattr(t, name)), name
    assert list(u.free) == list(t.free) and list(u.last_verified) == list(t.last_verified)
    for name in ("category_index", "kinds", "strenuous", "crowded", "verified_ordinal"):
        np.testing.assert_array_equal(getattr(again, name), getattr(index, name))
    np.testing.assert_array_equal(again.online_embeddings, index.online_embeddings)
    for name in ("min_age", "max_age", "offsets", "codes"):  # the stated audiences
        np.testing.assert_array_equal(getattr(again.audience, name), getattr(index.audience, name))
    # the round trip is exact: the restored index gives the same arrays again
    arrays2, meta2 = again.to_arrays()
    assert meta2 == meta and arrays2.keys() == arrays.keys()
    for k, v in arrays.items():
        np.testing.assert_array_equal(arrays2[k], v, err_msg=k)


def test_the_same_rankings_from_the_restored_index(index, demo_directory):
    m = rxmatch.Matcher(
        HashingEmbedder(64), multilingual=None, e5=None, reference_date=date(2026, 1, 1)
    ).fit(demo_directory)
    arrays, meta = m.index_.to_arrays()
    restored = _from_arrays(m.index_, arrays, meta)
    other = rxmatch.Matcher(
        HashingEmbedder(64), multilingual=None, e5=None, reference_date=date(2026, 1, 1)
    )
    other._install(restored, m.cache_)
    for text in ("I used to paint", "gardening with others, my knees are bad", "chess club"):
        ref = rxmatch.Referral(text, postal_code="94401")
        assert other.recommend(ref, 8).to_json() == m.recommend(ref, 8).to_json()


@pytest.mark.parametrize(
    "damage, match",
    [
        (lambda a, m: a.update({"table.geo_rows": a["table.geo_rows"] + 10_000}), "out of range"),
        (lambda a, m: a.pop("text.names.offsets"), "text.names.offsets is missing"),
        (lambda a, m: m.update({"terms": m["terms"][:-1]}), "fuzzy.indptr"),
        (lambda a, m: a.update({"derived.kinds": a["derived.kinds"][:-1]}), "do not have"),
        (lambda a, m: a.update({"audience.min_age": a["audience.min_age"][:-1]}), "audience"),
        (lambda a, m: m.pop("audience_vocabulary"), "audience_vocabulary"),
    ],
)
def test_from_arrays_refuses_damaged_arrays(index, damage, match):
    arrays, meta = index.to_arrays()
    damage(arrays, meta)
    with pytest.raises(rxmatch.IndexFormatError, match=match):
        _from_arrays(index, arrays, meta)


def test_the_matcher_index_can_be_swapped_for_the_same_table_only(index, demo_directory):
    m = rxmatch.Matcher(HashingEmbedder(64), multilingual=None, e5=None).fit(demo_directory)
    space = TextSpace(HashingEmbedder(32), np.ones((len(demo_directory), 32), np.float32), None)
    m.index_ = m.index_.with_vector_set(MULTILINGUAL, space)
    assert m.multilingual_ is space and m.index_.table is m.table_
    with pytest.raises(InvalidParameterError, match="same table"):
        m.index_ = index
