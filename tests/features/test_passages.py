"""Passage index: sentence splitting, windows, and per-candidate passage similarity."""

import numpy as np
import pytest

from rxmatch.exceptions import InvalidParameterError
from rxmatch.features.passages import (
    PassageIndex,
    make_passages,
    mix_passage_score,
    passage_similarity,
    split_sentences,
)
from rxmatch.features.text import EmbeddingCache, HashingEmbedder


def test_split_sentences_keeps_abbreviations_and_initials():
    text = (
        "Meets at St. Mary Church on Tue. at 10 a.m. every week. Dr. J. Smith leads it! "
        "Any age? Yes.\nAudience: seniors"
    )
    assert split_sentences(text) == [
        "Meets at St. Mary Church on Tue. at 10 a.m. every week.",
        "Dr. J. Smith leads it!",
        "Any age?",
        "Yes.",
        "Audience: seniors",
    ]


def test_split_sentences_edge_cases():
    assert split_sentences("") == []
    assert split_sentences("no stop at all") == ["no stop at all"]
    assert split_sentences("中文句子。第二句。") == ["中文句子。", "第二句。"]
    assert split_sentences("Ends with 3.5 hours. Next one.") == [
        "Ends with 3.5 hours.",
        "Next one.",
    ]


def _desc(n: int) -> str:
    return " ".join(f"Sentence number {i} here." for i in range(n))


def test_windows_slide_over_the_sentences():
    ps = make_passages(_desc(4), window=2, stride=1)
    assert ps == [
        "Sentence number 0 here. Sentence number 1 here.",
        "Sentence number 1 here. Sentence number 2 here.",
        "Sentence number 2 here. Sentence number 3 here.",
    ]
    # a short description is one passage, the whole text
    assert make_passages(_desc(2), window=2) == [_desc(2)]
    # the last sentence is always covered, even when the stride skips past it
    ps = make_passages(_desc(5), window=2, stride=2)
    assert ps[-1].endswith("Sentence number 4 here.")
    assert len(ps) == 3


def test_cap_spreads_windows_over_the_whole_text():
    ps = make_passages(_desc(40), window=2, stride=1, max_passages=5)
    assert len(ps) == 5
    assert ps[0].startswith("Sentence number 0 ")
    assert ps[-1].endswith("Sentence number 39 here.")
    assert make_passages(_desc(40), window=2, max_passages=1) == [
        "Sentence number 0 here. Sentence number 1 here."
    ]


def test_min_sentences_and_bad_parameters():
    assert make_passages(_desc(3), min_sentences=4) == []
    assert len(make_passages(_desc(4), min_sentences=4)) == 3
    assert make_passages("", window=2) == []
    for bad in (dict(window=0), dict(stride=-1), dict(max_passages=True)):
        with pytest.raises(InvalidParameterError):
            make_passages(_desc(3), **bad)


def test_index_offsets_and_name_prefix():
    idx = PassageIndex.build(
        [_desc(3), "", "One sentence."],
        ["Quilt Guild", "Empty", "Club"],
        window=2,
    )
    assert idx.n_records == 3
    np.testing.assert_array_equal(idx.counts, [2, 0, 1])
    assert idx.texts[0].startswith("Quilt Guild. Sentence number 0")
    assert idx.texts[2] == "Club. One sentence."
    with pytest.raises(InvalidParameterError):
        PassageIndex.build(["a"], ["x", "y"])


def _reference(vectors, offsets, rows, q, agg):
    out = []
    for r in rows:
        block = vectors[offsets[r] : offsets[r + 1]]
        if not len(block):
            out.append(np.full(q.shape[0], np.nan))
            continue
        s = block @ q.T
        out.append({"max": s.max(0), "mean": s.mean(0), "first": s[0]}[agg])
    return np.array(out)


@pytest.mark.parametrize("agg", ["max", "first", "mean"])
def test_similarity_matches_a_loop_over_candidates(agg):
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, size=30)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    vectors = rng.normal(size=(int(counts.sum()), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = rng.permutation(30)[:17]
    queries = rng.normal(size=(3, 8)).astype(np.float32)
    got = passage_similarity(vectors, offsets, rows, queries, aggregate=agg)
    want = _reference(vectors, offsets, rows, queries, agg)
    assert got.shape == (17, 3)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(np.nan_to_num(got), np.nan_to_num(want), rtol=1e-5, atol=1e-6)
    one = passage_similarity(vectors, offsets, rows, queries[1], aggregate=agg)
    assert one.shape == (17,)
    np.testing.assert_allclose(np.nan_to_num(one), np.nan_to_num(want[:, 1]), rtol=1e-5, atol=1e-6)


def test_similarity_empty_and_bad_aggregate():
    offsets = np.array([0, 0, 0])
    vectors = np.zeros((0, 4), dtype=np.float32)
    got = passage_similarity(vectors, offsets, np.array([0, 1]), np.ones(4))
    assert np.isnan(got).all()
    assert passage_similarity(vectors, offsets, np.array([], dtype=int), np.ones(4)).shape == (0,)
    with pytest.raises(InvalidParameterError):
        passage_similarity(vectors, offsets, np.array([0]), np.ones(4), aggregate="sum")


def test_the_matching_sentence_wins_over_a_diluted_record():
    """A long record of many programmes with one quilting sentence: its best passage is
    closer to a quilting wish than its whole text is, and closer than a generic club's."""
    emb = HashingEmbedder(dim=256)
    long_desc = (
        "Offers tax help for seniors. Provides benefits counselling and legal referrals. "
        "Runs a lunch programme on weekdays. A quilting circle meets on Tuesdays. "
        "Transport to medical appointments is available. Eligibility: residents over 60."
    )
    names = ["Senior Services Centre", "Friendship Club"]
    descs = [long_desc, "A social club for friendship and fellowship. Members meet monthly."]
    idx = PassageIndex.build(descs, names, window=1)
    cache = EmbeddingCache()
    vecs = idx.embed(emb, cache=cache)
    assert vecs.shape == (len(idx), 256)
    assert cache.misses == len(set(idx.texts))
    idx.embed(emb, cache=cache)  # the second time, every passage comes from the cache
    assert cache.hits == len(idx)
    q = emb.encode(["quilting circle"])[0]
    whole = emb.encode([f"{n}. {d}" for n, d in zip(names, descs)]) @ q
    maxp = passage_similarity(vecs, idx.offsets, np.array([0, 1]), q)
    assert maxp[0] > whole[0]
    assert maxp[0] > maxp[1]


def test_mix_puts_the_passage_score_on_the_base_scale():
    base = np.array([0.2, 0.4, 0.3, 0.1, 0.5])
    passage = np.array([10.0, 0.0, np.nan, 5.0, 5.0])  # another scale, one record without
    out = mix_passage_score(base, passage, 0.5)
    assert out[2] == base[2]  # no passages: unchanged
    ok = [0, 1, 3, 4]
    b = base[ok]
    # the rescaled passage score has base's mean and spread over those candidates
    rescaled = 2 * out[ok] - b
    np.testing.assert_allclose(rescaled.mean(), b.mean())
    np.testing.assert_allclose(rescaled.std(), b.std())
    # with enough weight, the record whose passage matches best rises above the one the
    # whole record favoured
    assert out[0] < out[4]
    strong = mix_passage_score(base, passage, 0.75)
    assert strong[0] > strong[4]
    np.testing.assert_allclose(mix_passage_score(base, passage, 0.0), base)
    np.testing.assert_allclose(mix_passage_score(base, passage, 1.0)[ok], rescaled)


def test_mix_without_enough_passages_keeps_the_base():
    base = np.array([0.2, 0.4, 0.3])
    np.testing.assert_array_equal(
        mix_passage_score(base, np.array([np.nan, 1.0, np.nan]), 0.5), base
    )
    np.testing.assert_array_equal(mix_passage_score(base, np.array([1.0, 1.0, 1.0]), 0.5), base)
    with pytest.raises(InvalidParameterError):
        mix_passage_score(base, np.zeros(3), 1.5)
    with pytest.raises(InvalidParameterError):
        mix_passage_score(base, np.zeros(2), 0.5)


def test_passage_set_checks_its_shapes_and_scores_float16_vectors():
    from rxmatch.features.passages import PassageOptions, PassageSet

    rng = np.random.default_rng(0)
    v = rng.normal(size=(5, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    off = np.array([0, 2, 2, 5], dtype=np.int64)
    ps = PassageSet(PassageOptions(), off, {"primary": v.astype(np.float16), "other": v})
    assert len(ps) == 5 and ps.n_records == 3 and "5 passages of 3 records" in repr(ps)
    q = v[3]
    got = ps.similarity("primary", np.array([2, 1, 0]), q)
    want = passage_similarity(v, off, np.array([2, 1, 0]), q)
    np.testing.assert_allclose(got, want, atol=2e-3, equal_nan=True)
    assert np.isnan(got[1]) and got[0] == pytest.approx(1.0, abs=2e-3)
    assert set(ps.without("other").vectors) == {"primary"}
    with pytest.raises(InvalidParameterError, match="offsets"):
        PassageSet(PassageOptions(), np.array([1, 2]), {})
    with pytest.raises(InvalidParameterError, match="rows"):
        PassageSet(PassageOptions(), off, {"primary": v[:4]})


def test_passage_options_split_as_the_index_does():
    from rxmatch.features.passages import PassageOptions

    o = PassageOptions(window=2, stride=1, max_passages=12)
    got = o.split([_desc(3), ""], ["Club", "Empty"])
    assert list(got.offsets) == [0, 2, 2]
    assert got.texts[0] == "Club. Sentence number 0 here. Sentence number 1 here."


def test_as_float32_converts_every_float16_exactly():
    from rxmatch.features.passages import as_float32

    every = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).reshape(256, 256)
    got, want = as_float32(every), every.astype(np.float32)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok].view(np.uint32), want[ok].view(np.uint32))
    assert as_float32(np.ones(3)).dtype == np.float32
