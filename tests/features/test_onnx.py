"""OnnxEmbedder: the bundled all-MiniLM-L6-v2 on onnxruntime, checked against the reference
sentence-transformers model on real texts (the demo directory, the synthetic referrals in
English and Spanish, a text past the 256-token limit), through the matcher, and for the
interface contract (export/reload, empty input, determinism, pickling, lazy imports)."""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import rxmatch
from rxmatch.features.onnx import INT8_NAME, REFERENCE_NAME, OnnxEmbedder, export_onnx

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None
HAS_EXPORT = HAS_ORT and all(importlib.util.find_spec(m) for m in ("onnx", "torch"))
pytestmark = pytest.mark.skipif(not HAS_EXPORT, reason="needs rxmatch[fast] and torch")


# ---- real texts ------------------------------------------------------------------------
def _texts() -> dict[str, list[str]]:
    demo = rxmatch.datasets.load_demo_directory()
    refs = rxmatch.datasets.load_synthetic_referrals()
    descriptions = demo.frame["description"].astype(str).tolist()
    long = " ".join(refs["what_matters"].astype(str).tolist()[:40])
    return {
        "demo": descriptions,
        "referrals_en": refs.loc[refs["language_of_text"] == "en", "what_matters"].tolist(),
        "referrals_es": refs.loc[refs["language_of_text"] == "es", "what_matters"].tolist(),
        "long": [long, long + " " + descriptions[0]],
    }


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    return _texts()


@pytest.fixture(scope="module")
def fp32() -> OnnxEmbedder:
    return OnnxEmbedder()  # in-memory export on first use


@pytest.fixture(scope="module")
def int8() -> OnnxEmbedder:
    return OnnxEmbedder(quantize=True)


@pytest.fixture(scope="module")
def reference_vectors(st_embedder, texts):
    return {k: st_embedder.encode(v) for k, v in texts.items()}


@pytest.fixture(scope="module")
def fp32_file(tmp_path_factory):
    return export_onnx(tmp_path_factory.mktemp("onnx") / "minilm.onnx")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


# ---- agreement with the reference model --------------------------------------------------
def test_long_text_exceeds_the_token_limit(fp32, texts):
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(rxmatch.features.default_model_path() + "/tokenizer.json"))
    raw.no_truncation()
    n_tokens = len(raw.encode(texts["long"][0], add_special_tokens=False).ids)
    assert n_tokens > 1000  # well past max_seq_length=256: truncation is exercised
    fp32._load()
    assert len(fp32._tokenizer.encode(texts["long"][0]).ids) == 256


@pytest.mark.model
@pytest.mark.parametrize("group", ["demo", "referrals_en", "referrals_es", "long"])
def test_fp32_agrees_with_reference(fp32, reference_vectors, texts, group):
    ours = fp32.encode(texts[group])
    ref = reference_vectors[group]
    cos = _cosines(ours, ref)
    print(
        f"fp32 {group}: n={len(cos)} min cos {cos.min():.7f} max |diff| {abs(ours - ref).max():.2e}"
    )
    assert cos.min() >= 0.9999
    # close enough to share the reference's name (caches, saved indexes)
    np.testing.assert_allclose(ours, ref, atol=1e-5)


@pytest.mark.model
@pytest.mark.parametrize("group", ["demo", "referrals_en", "referrals_es", "long"])
def test_int8_agrees_with_reference(int8, reference_vectors, texts, group):
    ours = int8.encode(texts[group])
    cos = _cosines(ours, reference_vectors[group])
    print(f"int8 {group}: n={len(cos)} min cos {cos.min():.4f} mean {cos.mean():.4f}")
    assert cos.min() >= 0.98
    assert cos.mean() >= 0.985


@pytest.mark.model
def test_truncation_matches_reference(fp32, st_embedder, texts):
    # both encoders cut at 256 tokens: what follows the limit changes nothing
    long, longer = texts["long"]
    ours = fp32.encode([long, longer])
    np.testing.assert_allclose(ours[0], ours[1], atol=1e-6)
    ref = st_embedder.encode([long, longer])
    np.testing.assert_allclose(ref[0], ref[1], atol=1e-6)


# ---- ranking through the matcher ---------------------------------------------------------
PEOPLE = [
    *rxmatch.datasets.DEMO_PEOPLE,
    {
        "what_matters": "I feel lonely since I retired and I'd like to learn to cook",
        "age": 67,
        "postal_code": "94401",
    },
    {
        "what_matters": "Necesito ayuda con el alquiler y quiero aprender inglés",
        "postal_code": "94403",
        "age": 41,
    },
    {
        "what_matters": "my knees hurt but I want to stay active, maybe swimming or gentle exercise",
        "postal_code": "94402",
        "age": 74,
    },
]


def _top5(matcher, person) -> list[str]:
    return [m.resource_id for m in matcher.recommend(person, k=5)]


@pytest.fixture(scope="module")
def fp32_matcher(fp32, demo_directory):
    return rxmatch.Matcher(fp32, e5=None).fit(demo_directory)  # English words only


@pytest.mark.model
@pytest.mark.parametrize("i", range(len(PEOPLE)))
def test_fp32_same_top5_as_reference(fp32_matcher, demo_matcher, i):
    assert _top5(fp32_matcher, PEOPLE[i]) == _top5(demo_matcher, PEOPLE[i])


@pytest.mark.model
def test_int8_top5_close_to_reference(int8, demo_directory, demo_matcher):
    matcher = rxmatch.Matcher(int8, e5=None).fit(demo_directory)  # English words only
    overlaps = [len(set(_top5(matcher, p)) & set(_top5(demo_matcher, p))) for p in PEOPLE]
    print(f"int8 top-5 overlap with the reference: {overlaps}")
    assert min(overlaps) >= 3
    assert np.mean(overlaps) >= 4


@pytest.mark.model
def test_saved_reference_index_loads_with_fp32(tmp_path, demo_matcher, fp32, int8):
    demo_matcher.save(tmp_path / "index")
    loaded = rxmatch.Matcher.load(tmp_path / "index", embedder=fp32)
    for person in PEOPLE:
        assert _top5(loaded, person) == _top5(demo_matcher, person)
    with pytest.raises(rxmatch.IndexFormatError, match="saved with model 'all-MiniLM-L6-v2'"):
        rxmatch.Matcher.load(tmp_path / "index", embedder=int8)


# ---- export and reload -------------------------------------------------------------------
def test_export_and_reload_gives_identical_vectors(fp32, fp32_file, texts):
    loaded = OnnxEmbedder(path=fp32_file)
    sample = texts["demo"][:20] + texts["referrals_es"][:5]
    np.testing.assert_array_equal(loaded.encode(sample), fp32.encode(sample))
    assert loaded.name == REFERENCE_NAME
    assert not loaded.quantized


def test_int8_export_keeps_its_name(tmp_path, int8, texts):
    path = int8.export(tmp_path / "int8.onnx")
    loaded = OnnxEmbedder(path=path)
    assert loaded.name == INT8_NAME == int8.name
    assert loaded.quantized
    assert path.stat().st_size < 0.75 * 90e6  # int8 MatMul weights
    sample = texts["demo"][:10]
    np.testing.assert_array_equal(loaded.encode(sample), int8.encode(sample))


def test_saved_file_loads_without_torch(fp32_file, fp32):
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "sys.modules['sentence_transformers'] = None\n"
        "import numpy as np\n"
        "from rxmatch.features.onnx import OnnxEmbedder\n"
        f"e = OnnxEmbedder(path={str(fp32_file)!r})\n"
        "v = e.encode(['I would like to meet people', 'Me gusta pintar'])\n"
        "np.save(sys.stdout.buffer, v)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    import io

    vecs = np.load(io.BytesIO(out.stdout))
    expected = fp32.encode(["I would like to meet people", "Me gusta pintar"])
    np.testing.assert_array_equal(vecs, expected)


def test_bad_file_is_model_unavailable(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(rxmatch.ModelUnavailableError, match="onnxruntime cannot load"):
        OnnxEmbedder(path=bad).encode(["hello"])
    with pytest.raises(rxmatch.ModelUnavailableError, match="cannot read the ONNX file"):
        OnnxEmbedder(path=tmp_path / "missing.onnx").encode(["hello"])


def test_preload_builds_in_the_background_and_errors_surface_at_first_use(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx model")
    emb = OnnxEmbedder(path=bad)
    emb.preload()  # the file is readable: the failure is the session's, in the thread
    for _ in range(2):  # raised at first use, and again (not swallowed) by a second one
        with pytest.raises(rxmatch.ModelUnavailableError, match="onnxruntime cannot load"):
            emb.encode(["hello"])
    with pytest.raises(rxmatch.ModelUnavailableError, match="cannot read the ONNX file"):
        OnnxEmbedder(path=tmp_path / "missing.onnx").preload()  # an unreadable file: now
    lazy = OnnxEmbedder()
    lazy.preload()  # the bundled model (exported on first use): left to the first use
    assert lazy._session is None


def test_preload_gives_the_same_vectors_and_keeps_the_session(fp32_file, fp32, tmp_path):
    import shutil

    path = shutil.copy(fp32_file, tmp_path / "model.onnx")
    emb = OnnxEmbedder(path=path)
    emb.preload()
    texts = ["I used to love painting", "Me gusta caminar"]
    np.testing.assert_array_equal(emb.encode(texts), fp32.encode(texts))
    session = emb._session
    (tmp_path / "model.onnx").write_bytes(b"replaced once loaded")  # e.g. a rebuilt index
    emb.preload()  # loaded: nothing to do, the file is not read again
    assert emb._session is session and not emb.quantized
    np.testing.assert_array_equal(emb.encode(texts), fp32.encode(texts))


# ---- interface contract --------------------------------------------------------------------
def test_contract(fp32):
    assert isinstance(fp32, rxmatch.Embedder)
    sample = ["Me gusta pintar", "I like gardening", "", "ñandú café ü", "  padded  "]
    a = fp32.encode(sample)
    assert a.shape == (5, 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, fp32.encode(sample))  # deterministic, same bits
    alone = fp32.encode([sample[1]])  # independent of the batch (padding, order)
    np.testing.assert_allclose(alone[0], a[1], atol=1e-6)
    small_batches = fp32.encode(sample, batch_size=2)
    np.testing.assert_allclose(small_batches, a, atol=1e-6)
    assert float(a[0] @ a[1]) < 0.99
    with pytest.raises(TypeError):
        fp32.encode("a single string")
    with pytest.raises(rxmatch.InvalidParameterError, match="batch_size"):
        fp32.encode(sample, batch_size=0)


def test_empty_input_does_not_load_the_model():
    emb = OnnxEmbedder()
    out = emb.encode([])
    assert out.shape == (0, 384) and out.dtype == np.float32
    assert emb._session is None
    assert emb.dim == 384 and emb.name == REFERENCE_NAME
    assert OnnxEmbedder(quantize=True).name == INT8_NAME
    assert OnnxEmbedder(name="custom").name == "custom"


def test_pickle_round_trip_drops_the_session(fp32_file):
    emb = OnnxEmbedder(path=fp32_file)
    before = emb.encode(["a walk in the park"])
    copy = pickle.loads(pickle.dumps(emb))
    assert copy._session is None and copy._tokenizer is None
    assert copy.path == emb.path and copy.threads == emb.threads
    np.testing.assert_array_equal(copy.encode(["a walk in the park"]), before)
    assert len(pickle.dumps(emb)) < 10_000  # no weights inside


def test_threaded_first_use_loads_once(fp32_file, in_threads):
    emb = OnnxEmbedder(path=fp32_file)
    out = in_threads(lambda: (emb.encode(["hola", "I like choirs", "adiós"]), emb._session), 4)
    results = [r for r, _ in out]
    assert len({id(s) for _, s in out}) == 1
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_import_rxmatch_does_not_import_onnxruntime_or_torch():
    code = (
        "import sys, rxmatch, rxmatch.features\n"
        "import rxmatch.features.onnx\n"
        "bad = [m for m in ('onnxruntime', 'onnx', 'torch', 'tokenizers') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_missing_onnxruntime_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    emb = OnnxEmbedder()
    assert emb.dim == 384
    with pytest.raises(rxmatch.OptionalDependencyError, match=r"rxmatch\[fast\]"):
        emb.encode(["hola"])


def test_bad_parameters(tmp_path):
    with pytest.raises(rxmatch.InvalidParameterError, match="'threads' parameter"):
        OnnxEmbedder(threads=0)
    with pytest.raises(rxmatch.InvalidParameterError, match="'threads' parameter"):
        OnnxEmbedder(threads=True)
    with pytest.raises(rxmatch.InvalidParameterError, match="quantize"):
        OnnxEmbedder(path=tmp_path / "x.onnx", quantize=True)


def test_evaluate_cli_knows_the_onnx_encoders():
    from rxmatch.evaluation.cli import _embedder

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # building it loads nothing
        fast = _embedder("onnx")
        small = _embedder("onnx-int8")
    assert isinstance(fast, OnnxEmbedder) and fast.name == REFERENCE_NAME
    assert isinstance(small, OnnxEmbedder) and small.quantize and small.name == INT8_NAME
    assert fast._session is None and small._session is None


def test_mixed_lengths_in_one_call_equal_one_text_at_a_time(fp32):
    """Batches split by length (a long answer is not padded with its short wishes) give
    the same vectors as encoding each text alone."""
    answer = (
        "Since my hip operation I mostly stay in. The physio says I should walk more, and I "
        "used to love birdwatching and painting with my sister on Sunday afternoons."
    )
    texts = [answer, "walk more", "I used to love birdwatching", "painting", answer[:40]]
    together = fp32.encode(texts)
    alone = np.vstack([fp32.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
