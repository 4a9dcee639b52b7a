"""``OnnxEmbedder(threads=2)`` (``parallel="texts"``): a call's texts split into groups of
about equal token counts, encoded at the same time on two threads, each group as its own
packed run; the same vectors as one run (to float rounding), deterministic."""

from __future__ import annotations

import importlib.util
import pickle
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rxmatch
from rxmatch.exceptions import InvalidParameterError
from rxmatch.features.onnx import OnnxEmbedder, _split_groups

HAS_EXPORT = importlib.util.find_spec("onnxruntime") is not None and all(
    importlib.util.find_spec(m) for m in ("onnx", "torch")
)


# ---- groups (no model) ----------------------------------------------------------------------
@given(st.lists(st.integers(1, 256), max_size=200), st.integers(1, 6))
def test_groups_hold_every_text_once_and_are_balanced(lengths: list[int], k: int) -> None:
    groups = _split_groups(lengths, k)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert len(groups) == max(1, min(k, len(lengths)))
    assert all(groups) or not lengths
    loads = [sum(lengths[i] for i in g) for g in groups]
    if lengths:  # longest first, each to the lightest group: off by one text at most
        assert max(loads) - min(loads) <= max(lengths)
    assert _split_groups(lengths, k) == groups  # deterministic


def test_a_referral_splits_into_two_halves_by_tokens() -> None:
    # a whole answer of 40 tokens and wishes of 12, 9, 8, 7: 40 against 36
    assert _split_groups([40, 12, 9, 8, 7], 2) == [[0], [1, 2, 3, 4]]
    assert _split_groups([20, 20, 20], 2) == [[0, 2], [1]]
    assert _split_groups([5], 2) == [[0]]


def test_parallel_is_checked() -> None:
    with pytest.raises(InvalidParameterError, match="parallel"):
        OnnxEmbedder(parallel="processes")
    assert "parallel='ops'" in repr(OnnxEmbedder(threads=2, parallel="ops"))


# ---- the real model ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def one() -> OnnxEmbedder:
    return OnnxEmbedder(threads=1)


@pytest.fixture(scope="module")
def split() -> OnnxEmbedder:
    return OnnxEmbedder(threads=2)


class _ThreadSpy:
    """Records the thread of each ``run`` and the widths of its rows."""

    def __init__(self, session):
        self.session, self.calls = session, []
        self._lock = threading.Lock()

    def run(self, names, feeds):
        with self._lock:
            self.calls.append((threading.get_ident(), feeds["input_ids"].shape))
        return self.session.run(names, feeds)

    def __getattr__(self, name):
        return getattr(self.session, name)


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_split_vectors_equal_one_run_on_referrals(one, split, referral_texts) -> None:
    groups = referral_texts
    assert max(len(g) for g in groups) >= 4
    split._load()
    assert split._packed and split._workers == 2
    assert split._session.get_session_options().intra_op_num_threads == 1
    for g in groups[:120]:  # referral by referral, as Matcher.encode does
        got = split.encode(g)
        np.testing.assert_allclose(got, one.encode(g), rtol=0, atol=1e-6)
        np.testing.assert_array_equal(split.encode(g), got)  # deterministic
    flat = [t for g in groups for t in g]  # a batch: each group packed into rows and runs
    np.testing.assert_allclose(split.encode(flat), one.encode(flat), rtol=0, atol=1e-6)


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_a_referral_runs_as_two_rows_on_two_threads(split) -> None:
    texts = [
        "Since my hip operation I mostly stay in and I miss the company of other people",
        "birdwatching",
        "painting with watercolours",
        "meeting people",
        "loud places",
    ]
    split._load()
    spy = _ThreadSpy(split._session)
    session, split._session = split._session, spy
    try:
        split.encode(texts)
    finally:
        split._session = session
    assert len(spy.calls) == 2  # one run per group
    assert len({tid for tid, _ in spy.calls}) == 2  # on two threads
    assert all(shape[0] == 1 for _, shape in spy.calls)  # each group is one row
    widths = sorted(shape[1] for _, shape in spy.calls)
    tok = split._tokenizer
    total = sum(len(e.ids) for e in tok.encode_batch(texts))
    assert sum(widths) == total  # no padding, every token once


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_one_text_long_texts_and_none(one, split) -> None:
    assert split.encode([]).shape == (0, 384)
    np.testing.assert_array_equal(split.encode(["walking"]), one.encode(["walking"]))
    long_a = " ".join(["I would like to join a walking group near the park"] * 40)
    long_b = " ".join(["Me gustaría aprender a pintar con otras personas"] * 30)
    texts = [long_a, "choir", long_b, "a book club on Tuesdays", ""]
    got = split.encode(texts)
    np.testing.assert_allclose(got, one.encode(texts), rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(got[:4], axis=1), 1.0, atol=1e-6)


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_same_recommendations_and_pickling(one, split, demo_directory) -> None:
    m1 = rxmatch.Matcher(one, multilingual=None, e5=None).fit(demo_directory)
    m2 = rxmatch.Matcher(split, multilingual=None, e5=None).fit(demo_directory)
    answer = (
        "I used to love birdwatching, I would like to try painting, and I want to meet "
        "people. I don't like loud places."
    )
    ref = rxmatch.Referral(answer, postal_code="94401")
    assert m2.recommend(ref, 10).ids == m1.recommend(ref, 10).ids
    copy = pickle.loads(pickle.dumps(split))
    assert copy._pool is None and copy._session is None and copy.threads == 2
    np.testing.assert_array_equal(
        copy.encode([answer, "painting"]), split.encode([answer, "painting"])
    )
    ops = OnnxEmbedder(threads=2, parallel="ops")
    ops._load()
    assert ops._workers == 1 and ops._session.get_session_options().intra_op_num_threads == 2


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_a_busy_pool_does_not_hold_a_call(one, split) -> None:
    texts = ["I used to love painting and I miss my friends", "walking", "a choir"]
    split._load()
    release = threading.Event()
    blocker = split._pool.submit(release.wait, 30)  # the pool's one worker is busy
    try:
        got = split.encode(texts)  # the second group is taken back and run here
        assert not blocker.done()
    finally:
        release.set()
    np.testing.assert_allclose(got, one.encode(texts), rtol=0, atol=1e-6)
