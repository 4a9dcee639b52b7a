"""The query path of answers routed to E5 (issue 15): E5 encodes on a second thread while
the other encoders embed the same answer for the ensemble, with the same vectors and the
same rankings as one after the other; the E5 engine encodes each distinct text once."""

from __future__ import annotations

import threading
from datetime import date

import numpy as np
import pytest

import rxmatch
from rxmatch.exceptions import ReferralError
from rxmatch.features import e5graph, query
from rxmatch.features.text import HashingEmbedder

from .test_e5graph import _tiny

REF_DATE = date(2026, 1, 1)
VI = "Tôi muốn đi ngắm chim vào buổi sáng. Tôi cũng thích vẽ tranh với mọi người."
TL = "Gusto kong maglakad sa parke tuwing umaga. Mahilig din akong magpinta kasama ang iba."
EN = "I would like to meet people and do some gentle walking, my knees are bad"


class Recording(HashingEmbedder):
    """A hashing encoder that records the thread of each call and, when given a barrier,
    waits at it: two encoders sharing a barrier get past it only if they run at once."""

    def __init__(self, dim: int, seed: int, *, queries: bool = False) -> None:
        super().__init__(dim, seed=seed)
        self.threads: list[int] = []
        self.barrier: threading.Barrier | None = None
        self.fail: BaseException | None = None
        if queries:  # an E5-like encoder: a query path of its own
            self.encode_queries = self._queries

    def _wait(self) -> None:
        self.threads.append(threading.get_ident())
        if self.barrier is not None:
            self.barrier.wait()

    def encode(self, texts, *, batch_size=64, show_progress_bar=False):
        return super().encode(list(texts))

    def _queries(self, texts, *, batch_size=64, show_progress_bar=False):
        self._wait()
        if self.fail is not None:
            raise self.fail
        return super().encode(["q " + t for t in texts])


@pytest.fixture(scope="module")
def encoders():
    primary = Recording(64, 0)
    ml = Recording(96, 1)
    ml.languages = frozenset({"en", "es", "zh"})
    e5 = Recording(128, 2, queries=True)
    e5.name, e5.languages = "toy-e5", frozenset({"en", "es", "vi", "tl"})
    return primary, ml, e5


@pytest.fixture(scope="module")
def matcher(demo_directory, encoders):
    primary, ml, e5 = encoders
    return rxmatch.Matcher(primary, multilingual=ml, e5=e5, reference_date=REF_DATE).fit(
        demo_directory
    )


def _ref(text: str) -> rxmatch.Referral:
    return rxmatch.Referral(text, postal_code="94401", age=70, max_km=15)


@pytest.fixture()
def overlap(monkeypatch):
    def set_to(on: bool, *, free: bool = True) -> None:
        monkeypatch.setattr(query, "OVERLAP_E5", on)
        monkeypatch.setattr(query, "core_free", lambda: free)  # the machine's load aside

    return set_to


def _primary_waits(primary, e5, barrier):
    """The primary encoder's ``encode_queries``-less path: wrap ``encode`` with the barrier."""
    plain = Recording.encode

    def encode(texts, **kw):
        primary._wait()
        return plain(primary, texts, **kw)

    primary.barrier = e5.barrier = barrier
    primary.encode = encode


def test_e5_runs_beside_the_other_encoders(matcher, encoders, overlap):
    primary, ml, e5 = encoders
    overlap(True)
    # the primary encoder (caller's thread) and E5 meet at a barrier: only possible when
    # they run at the same time; one after the other, the barrier times out
    _primary_waits(primary, e5, threading.Barrier(2, timeout=10))
    try:
        primary.threads.clear()
        e5.threads.clear()
        enc = matcher.encode(_ref(VI))
        assert enc.space == "e5" and enc.sentence_vectors is not None
        assert primary.threads == [threading.get_ident()]
        assert e5.threads and e5.threads[0] != threading.get_ident()
        overlap(False)
        primary.barrier = e5.barrier = threading.Barrier(2, timeout=0.5)
        with pytest.raises(threading.BrokenBarrierError):
            matcher.encode(_ref(VI))
    finally:
        primary.barrier = e5.barrier = None
        del primary.encode


def test_same_vectors_and_rankings_with_and_without_the_second_thread(matcher, overlap):
    refs = [_ref(t) for t in (VI, TL, EN, VI)]
    got = {}
    for on in (False, True):
        overlap(on)
        encs = [matcher.encode(r) for r in refs]
        got[on] = (
            [(e.space, e.vector, e.sentence_vectors, e.member_vectors) for e in encs],
            [matcher.recommend(r).to_json() for r in refs],
            matcher.recommend_many(refs).to_csv(),
        )
    assert [e[0] for e in got[True][0]] == ["e5", "e5", "primary", "e5"]
    for (s0, v0, sv0, m0), (s1, v1, sv1, m1) in zip(got[False][0], got[True][0]):
        assert s0 == s1 and np.array_equal(v0, v1)
        assert (sv0 is None and sv1 is None) or np.array_equal(sv0, sv1)
        assert [k for k, _ in m0] == [k for k, _ in m1]
        assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(m0, m1))
    assert got[False][1] == got[True][1] and got[False][2] == got[True][2]


def test_an_e5_error_on_the_second_thread_reaches_the_caller_without_the_words(
    matcher, encoders, overlap
):
    _, _, e5 = encoders
    overlap(True)
    e5.fail = UnicodeEncodeError("utf-8", VI, 0, 1, "surrogates not allowed")
    try:
        with pytest.raises(ReferralError) as info:
            matcher.recommend(_ref(VI))
        assert "chim" not in str(info.value) and info.value.__cause__ is None
        e5.fail = RuntimeError("engine failed")
        with pytest.raises(RuntimeError, match="engine failed"):
            matcher.recommend(_ref(VI))
    finally:
        e5.fail = None
    assert matcher.recommend(_ref(VI)).to_json()  # and the matcher still answers


def test_on_a_busy_machine_e5_stays_on_the_calling_thread(matcher, encoders, overlap):
    _, _, e5 = encoders
    overlap(True, free=False)
    e5.threads.clear()
    assert matcher.encode(_ref(TL)).space == "e5"
    assert e5.threads == [threading.get_ident()]


def test_core_free_reads_the_load_average(monkeypatch):
    monkeypatch.setattr(query.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(query.os, "getloadavg", lambda: (0.4, 3.0, 3.0))
    assert query.core_free()
    monkeypatch.setattr(query.os, "getloadavg", lambda: (1.7, 0.1, 0.1))
    assert not query.core_free()  # a 2-core machine with more than one busy thread

    def unknown():
        raise OSError("no load average here")

    monkeypatch.setattr(query.os, "getloadavg", unknown)
    assert query.core_free()


def test_without_other_encoders_e5_runs_on_the_calling_thread(demo_directory, overlap):
    e5 = Recording(128, 2, queries=True)
    e5.name, e5.languages = "toy-e5-alone", frozenset({"vi", "tl"})
    m = rxmatch.Matcher(
        HashingEmbedder(64), e5=e5, e5_ensemble_weight=0.0, reference_date=REF_DATE
    ).fit(demo_directory)
    overlap(True)
    e5.threads.clear()
    assert m.encode(_ref(VI)).space == "e5"
    assert e5.threads == [threading.get_ident()]  # nothing to run beside: no thread


# -- the engine: each distinct text once ------------------------------------------------------


class _CharTokens:
    def encode(self, texts):
        return [[4 + (ord(c) % 40) for c in t][:12] for t in texts]


def test_engine_encodes_each_distinct_text_once():
    w = _tiny()
    eng = e5graph.E5Engine.__new__(e5graph.E5Engine)
    eng.w, eng.graph, eng.tokenizer = w, e5graph.build_graph(w), _CharTokens()
    eng._pos = np.asarray(w.tensors["emb.pos"], dtype=np.float32).reshape(-1, w.hidden)
    eng._type = np.asarray(w.tensors["emb.type"], dtype=np.float32)[: w.hidden]
    eng.window, eng.truncate, eng._sessions = w.max_positions - 2, False, {}
    sess = eng.session(1)
    runs = []

    class Counting:
        def run(self, *a, **kw):
            runs.append(1)
            return sess.run(*a, **kw)

    eng._sessions[1] = Counting()
    texts = ["abc", "hello there", "abc", "xyz", "hello there", "abc"]
    got = eng.encode(texts, "query", 1)
    assert len(runs) == 3  # three distinct texts, one window each
    alone = {t: eng.encode([t], "query", 1)[0] for t in set(texts)}
    for t, v in zip(texts, got):
        np.testing.assert_array_equal(v, alone[t])
    assert got.shape == (6, w.hidden) and got.dtype == np.float32
    assert not np.array_equal(got[0], got[1])
