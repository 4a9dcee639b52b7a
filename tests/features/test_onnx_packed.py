"""The packed ONNX graph: a referral's whole answer and its wishes in one row and one
``session.run``, each token attending to its own text; the same vectors as the padded
graph, each distinct text encoded once, the rewritten graph cached by content."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rxmatch
from rxmatch.features import onnx as fonnx
from rxmatch.features.onnx import OnnxEmbedder, _pack_rows

HAS_EXPORT = importlib.util.find_spec("onnxruntime") is not None and all(
    importlib.util.find_spec(m) for m in ("onnx", "torch")
)


# ---- rows (no model) --------------------------------------------------------------------
@given(st.lists(st.integers(1, 256), min_size=1, max_size=120), st.integers(8, 128))
def test_rows_hold_every_text_once_within_capacity(lengths: list[int], capacity: int) -> None:
    arr = np.array(lengths)
    rows = _pack_rows(arr, capacity)
    assert sorted(i for r in rows for i in r) == list(range(len(lengths)))
    for r in rows:
        # a row's first text is its longest; the row fits max(capacity, that text)
        assert arr[r[0]] == arr[r].max()
        assert arr[r].sum() <= max(capacity, arr[r[0]])


def test_a_referral_fits_one_row() -> None:
    # a whole answer of 40 tokens and three wishes: one row of 61 tokens, no padding
    assert [sorted(r) for r in _pack_rows(np.array([40, 9, 7, 5]), 64)] == [[0, 1, 2, 3]]


def test_a_graph_without_attention_is_not_rewritten() -> None:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input_ids", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph([helper.make_node("Relu", ["input_ids"], ["y"])], "g", [x], [y])
    assert fonnx._packed_model_bytes(onnx.helper.make_model(graph)) is None


# ---- the real model ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def packed() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def padded() -> OnnxEmbedder:
    return OnnxEmbedder(pack=False)


class _CountingSession:
    """Counts ``run`` calls."""

    def __init__(self, session):
        self.session, self.runs = session, 0

    def run(self, names, feeds):
        self.runs += 1
        return self.session.run(names, feeds)

    def __getattr__(self, name):
        return getattr(self.session, name)


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_packed_vectors_equal_padded_ones_on_referrals(packed, padded, referral_texts) -> None:
    groups = referral_texts
    assert max(len(g) for g in groups) >= 3  # answers with several wishes are covered
    flat = [t for g in groups for t in g]
    want = padded.encode(flat)
    got = packed.encode(flat)  # the whole set at once: rows and runs of many referrals
    assert packed._packed and not padded._packed
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert float((got * want).sum(axis=1).min()) >= 0.99999
    for g in groups[:40]:  # referral by referral, as Matcher.encode does
        np.testing.assert_allclose(packed.encode(g), padded.encode(g), rtol=0, atol=1e-5)


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_one_run_per_referral_and_each_text_once(packed, demo_directory) -> None:
    m = rxmatch.Matcher(packed, multilingual=None, e5=None).fit(demo_directory)
    answer = (
        "Since my hip operation I mostly stay in. I used to love birdwatching, I would like "
        "to try painting, and I want to meet people. I don't like loud places."
    )
    packed._load()
    counting = _CountingSession(packed._session)
    session, packed._session = packed._session, counting
    try:
        enc = m.encode(rxmatch.Referral(answer, postal_code="94401"))
        assert enc.interest_vectors is not None and len(enc.interest_vectors) >= 2
        assert counting.runs == 1
        # a batch repeating a text: each distinct text tokenized and run once
        seen: list[str] = []
        tok = packed._tokenizer

        class _Spy:
            def encode_batch(self, texts, **kw):
                seen.extend(texts)
                return tok.encode_batch(texts, **kw)

        packed._tokenizer = _Spy()
        try:
            vecs = packed.encode(["walking", "painting", "walking", "  walking "])
        finally:
            packed._tokenizer = tok
        assert sorted(seen) == ["painting", "walking"]
        np.testing.assert_array_equal(vecs[0], vecs[2])
        np.testing.assert_array_equal(vecs[0], vecs[3])
    finally:
        packed._session = session


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
def test_the_rewritten_graph_is_cached_by_content(tmp_path, monkeypatch, packed) -> None:
    monkeypatch.setenv("RXMATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RXMATCH_NO_CACHE", raising=False)
    src = fonnx.export_onnx(tmp_path / "a" / "minilm.onnx")
    texts = ["I used to love painting", "walking", "Me gusta caminar con amigos"]
    first = OnnxEmbedder(path=src)
    v1 = first.encode(texts)
    assert first._packed
    entries = list((tmp_path / "cache" / "onnx-packed").iterdir())
    assert len(entries) == 1 and (entries[0] / "model.onnx").is_file()
    # the same bytes elsewhere (another index): the same entry, nothing written
    other = Path(tmp_path / "b" / "minilm.onnx")
    other.parent.mkdir()
    other.write_bytes(src.read_bytes())
    second = OnnxEmbedder(path=other)
    np.testing.assert_array_equal(second.encode(texts), v1)
    assert second._packed and list((tmp_path / "cache" / "onnx-packed").iterdir()) == entries
    np.testing.assert_allclose(v1, packed.encode(texts), rtol=0, atol=1e-6)
    # a damaged entry: the padded graph is rewritten again and the entry replaced
    (entries[0] / "model.onnx").write_bytes(b"damaged")
    third = OnnxEmbedder(path=other)
    np.testing.assert_allclose(third.encode(texts), v1, rtol=0, atol=1e-6)
    assert third._packed and (entries[0] / "model.onnx").stat().st_size > 1000
    # caching off: packed in memory, nothing written
    monkeypatch.setenv("RXMATCH_NO_CACHE", "1")
    monkeypatch.setenv("RXMATCH_CACHE_DIR", str(tmp_path / "nocache"))
    fourth = OnnxEmbedder(path=other)
    np.testing.assert_allclose(fourth.encode(texts), v1, rtol=0, atol=1e-6)
    assert fourth._packed and not (tmp_path / "nocache").exists()
