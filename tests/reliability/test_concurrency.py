"""A fitted Matcher answers from many threads at once with the same results as serially
(see ``docs/reliability.md`` for what is and is not thread-safe)."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import rxmatch
from rxmatch import Referral

WORDS = [
    "I used to paint and I miss it",
    "I want to get outdoors and walk in nature",
    "help with food and rent please",
    "I'd like to sing in a choir",
    "volunteering to help other people",
    "learn computers and English",
    "gentle exercise, yoga or tai chi",
    "meet people, I feel lonely since my wife died",
]
HOMES = [(37.5630, -122.3255), (37.4852, -122.2364), (37.6879, -122.4702), (37.5202, -122.2758)]


def referrals(n: int = 40) -> list[Referral]:
    return [
        Referral(
            WORDS[i % len(WORDS)],
            lat=HOMES[i % len(HOMES)][0],
            lon=HOMES[i % len(HOMES)][1],
            max_km=[5, 10, 25][i % 3],
            referral_id=f"r{i}",
            age=None if i % 4 else 70,
            availability=["weekday mornings"] if i % 5 == 0 else (),
        )
        for i in range(n)
    ]


def _concurrent(matcher, refs, workers=8):
    barrier = threading.Barrier(workers)

    def first(ref):  # line every worker up so they really overlap
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return matcher.recommend(ref, k=5)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        head = list(pool.map(first, refs[:workers]))
        tail = list(pool.map(lambda r: matcher.recommend(r, k=5), refs[workers:]))
    return head + tail


def test_hashing_matcher_from_8_threads_matches_serial(hashing_matcher):
    refs = referrals(40)
    serial = [hashing_matcher.recommend(r, k=5) for r in refs]
    parallel = _concurrent(hashing_matcher, refs)
    assert parallel == serial
    assert [r.to_frame().equals(s.to_frame()) for r, s in zip(parallel, serial)] == [True] * 40


@pytest.mark.model
def test_real_model_matcher_from_8_threads_matches_serial(demo_matcher):
    refs = referrals(8)
    serial = [demo_matcher.recommend(r, k=5) for r in refs]
    parallel = _concurrent(demo_matcher, refs)
    assert [p.ids for p in parallel] == [s.ids for s in serial]
    for p, s in zip(parallel, serial):
        assert [m.score for m in p] == pytest.approx([m.score for m in s], abs=1e-5)


@pytest.mark.model  # imports sentence-transformers (and torch): ~10 s
def test_lazy_model_load_happens_once_across_threads(monkeypatch):
    calls = []

    class FakeST:
        def __init__(self, *args, **kwargs):
            calls.append(1)

    import sentence_transformers

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", FakeST)
    emb = rxmatch.SentenceTransformerEmbedder(model="/nonexistent/only-for-this-test")
    with ThreadPoolExecutor(max_workers=8) as pool:
        models = list(pool.map(lambda _: emb._load(), range(32)))
    assert len(calls) == 1 and all(m is models[0] for m in models)


def test_embedding_cache_is_consistent_under_threads(demo_directory):
    cache = rxmatch.EmbeddingCache()
    emb = rxmatch.HashingEmbedder(dim=128)
    texts = list(demo_directory.frame["description"])
    with ThreadPoolExecutor(max_workers=8) as pool:
        outs = list(pool.map(lambda i: cache.encode(emb, texts[i % 7 :]), range(24)))
    assert len(cache) == len(set(texts))
    ref = emb.encode(texts)
    for i, out in enumerate(outs):
        assert (out == ref[i % 7 :]).all()


def test_loaded_index_from_8_threads_matches_the_fitted_one(hashing_matcher, tmp_path):
    # a loaded index decodes texts from its maps and fills caches on first use: under threads
    loaded = rxmatch.Matcher.load(
        hashing_matcher.save(tmp_path / "i") or tmp_path / "i", embedder=hashing_matcher.embedder_
    )
    refs = referrals(40)
    serial = [hashing_matcher.recommend(r, k=5) for r in refs]
    parallel = _concurrent(loaded, refs)
    assert [p.to_frame().equals(s.to_frame()) for p, s in zip(parallel, serial)] == [True] * 40
    assert [p.excluded for p in parallel] == [s.excluded for s in serial]
