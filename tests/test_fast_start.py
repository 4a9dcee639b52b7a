"""Fast by default (issue 14): a saved index built with the bundled model holds its ONNX
export and loads without torch, giving the torch path's rankings; thread defaults; the
source fingerprint, ``built_at`` and ``reference_date`` of a loaded index."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import rxmatch
from rxmatch.features.onnx import OnnxEmbedder, onnx_cache_path
from rxmatch.persistence import QUERY_ENCODER_FILE, read_manifest, source_fingerprint

DEMO_CSV = rxmatch.datasets.data_path("san_mateo_demo.csv")

REFERRALS = [
    rxmatch.Referral("I used to love painting and I feel lonely", postal_code="94401"),
    rxmatch.Referral(
        "I want to walk outside with other people, gardening maybe", lat=37.56, lon=-122.32
    ),
    rxmatch.Referral(
        "my knees hurt but I would like to dance or do chair yoga", postal_code="94401"
    ),
    rxmatch.Referral("I need help with food and my rent", postal_code="94403", free_only=True),
    rxmatch.Referral("Me gustaría cantar en un coro y conocer gente", postal_code="94401"),
    rxmatch.Referral("computers confuse me, I'd like a class; not sports", postal_code="94402"),
    rxmatch.Referral("volunteering with animals or kids at weekends", postal_code="94401"),
    rxmatch.Referral("since my wife died I don't go out", postal_code="94010", online_ok=False),
]


@pytest.fixture(scope="module")
def fast_index(demo_matcher, tmp_path_factory):
    """The demo index saved with its query encoder and the source fingerprint."""
    path = tmp_path_factory.mktemp("fast") / "idx"
    demo_matcher.save(path, source=DEMO_CSV)
    return path


def _top(recs):
    return [(m.resource_id, round(m.score, 6)) for m in recs]


# ---- ONNX by default, same rankings as torch --------------------------------------------
def test_saved_index_holds_the_fp32_export(fast_index):
    manifest = read_manifest(fast_index)
    assert manifest["query_encoder"] == {
        "file": QUERY_ENCODER_FILE,
        "name": "all-MiniLM-L6-v2",
        "runtime": "onnxruntime",
        "precision": "fp32",
    }
    assert QUERY_ENCODER_FILE in manifest["files"]  # checksummed like every other file
    emb = OnnxEmbedder(path=fast_index / QUERY_ENCODER_FILE)
    assert emb.name == "all-MiniLM-L6-v2" and not emb.quantized


def test_default_load_is_onnx_and_ranks_exactly_like_torch(fast_index, demo_matcher):
    fast = rxmatch.Matcher.load(fast_index)
    slow = rxmatch.Matcher.load(fast_index, backend="torch")
    assert isinstance(fast.embedder_, OnnxEmbedder)
    assert isinstance(slow.embedder_, rxmatch.SentenceTransformerEmbedder)
    for ref in REFERRALS:
        a, b = fast.encode(ref).vector, slow.encode(ref).vector
        assert float(a @ b) > 1 - 1e-5
        got, want = fast.recommend(ref, k=10), slow.recommend(ref, k=10)
        assert [m.resource_id for m in got] == [m.resource_id for m in want]
        np.testing.assert_allclose(
            [m.score for m in got], [m.score for m in want], rtol=0, atol=1e-5
        )
        # and the fitted (in-memory, torch) matcher agrees too
        assert [m.resource_id for m in demo_matcher.recommend(ref, k=10)] == [
            m.resource_id for m in want
        ]


_CHILD = """
import json, sys, time
import rxmatch
m = rxmatch.Matcher.load(sys.argv[1])
recs = m.recommend(rxmatch.Referral(sys.stdin.read(), postal_code="94401"), k=10)
print(json.dumps({
    "ids": [r.resource_id for r in recs],
    "embedder": type(m.embedder_).__name__,
    "heavy": sorted(k for k in ("torch", "sentence_transformers", "transformers", "sklearn")
                    if k in sys.modules),
}))
"""


def _child(index: Path, words: str, cache: Path, **env: str) -> dict:
    run_env = {**os.environ, "RXMATCH_CACHE_DIR": str(cache), **env}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(index)],
        input=words,
        capture_output=True,
        text=True,
        env=run_env,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_load_and_first_recommend_do_not_import_torch(fast_index, tmp_path):
    words = "I used to love painting and I feel lonely"
    got = _child(fast_index, words, tmp_path / "cache")
    assert got["embedder"] == "OnnxEmbedder"
    assert got["heavy"] == []  # no torch, sentence-transformers, transformers or sklearn
    slow = rxmatch.Matcher.load(fast_index, backend="torch")
    want = slow.recommend(rxmatch.Referral(words, postal_code="94401"), k=10)
    assert got["ids"] == [m.resource_id for m in want]


def test_index_without_the_export_uses_a_cache_written_once_and_announced(
    demo_matcher, tmp_path, monkeypatch, capfd
):
    path = tmp_path / "idx"
    demo_matcher.save(path, query_encoder=False)
    assert read_manifest(path)["query_encoder"] is None
    assert not (path / QUERY_ENCODER_FILE).exists()
    monkeypatch.setenv("RXMATCH_CACHE_DIR", str(tmp_path / "cache"))
    first = rxmatch.Matcher.load(path)
    err = capfd.readouterr().err
    cached = onnx_cache_path()
    assert cached.is_file() and str(tmp_path / "cache") in str(cached)
    assert "exported the bundled all-MiniLM-L6-v2 to ONNX once" in err and str(cached) in err
    assert Path(first.embedder_.path) == cached
    again = rxmatch.Matcher.load(path)
    assert "exported" not in capfd.readouterr().err
    ref = REFERRALS[0]
    assert _top(again.recommend(ref)) == _top(first.recommend(ref))
    # a re-save of a loaded index carries the export over (no torch needed for it)
    resaved = tmp_path / "idx2"
    again.save(resaved)
    assert (resaved / QUERY_ENCODER_FILE).read_bytes() == cached.read_bytes()


def test_backend_onnx_without_onnxruntime_is_a_clear_error(fast_index, monkeypatch):
    from rxmatch.features import onnx as fonnx

    monkeypatch.setattr(fonnx, "onnxruntime_available", lambda: False)
    with pytest.raises(rxmatch.OptionalDependencyError, match="onnxruntime"):
        rxmatch.Matcher.load(fast_index, backend="onnx")
    # auto falls back to torch
    assert isinstance(
        rxmatch.Matcher.load(fast_index).embedder_, rxmatch.SentenceTransformerEmbedder
    )


@pytest.mark.model
def test_torch_query_threads_default_to_one_and_batches_keep_torchs_count():
    import torch

    from rxmatch.features.text import _TORCH_DEFAULT_THREADS

    emb = rxmatch.SentenceTransformerEmbedder()
    emb.encode(["I like choirs"])
    assert torch.get_num_threads() == 1
    emb.encode([f"text {i}" for i in range(40)])
    assert torch.get_num_threads() == _TORCH_DEFAULT_THREADS[0]
    rxmatch.SentenceTransformerEmbedder(threads=2).encode(["x"])
    assert torch.get_num_threads() == 2


# ---- without the model: fingerprint, built_at, reference_date, parameters -----------------
@pytest.fixture(scope="module")
def hashing_index(tmp_path_factory):
    m = rxmatch.Matcher(rxmatch.HashingEmbedder(), multilingual=None).fit(
        rxmatch.datasets.load_demo_directory()
    )
    path = tmp_path_factory.mktemp("hashing") / "idx"
    m.save(path, source=DEMO_CSV)
    return m, path


def test_other_models_store_no_query_encoder(hashing_index, tmp_path):
    m, path = hashing_index
    manifest = read_manifest(path)
    assert manifest["query_encoder"] is None and not (path / QUERY_ENCODER_FILE).exists()
    with pytest.raises(rxmatch.InvalidParameterError, match="query_encoder=True"):
        m.save(tmp_path / "x", query_encoder=True)
    loaded = rxmatch.Matcher.load(path, embedder=rxmatch.HashingEmbedder())
    assert _top(loaded.recommend(REFERRALS[0])) == _top(m.recommend(REFERRALS[0]))


def test_manifest_records_built_at_and_the_source_fingerprint(hashing_index):
    _, path = hashing_index
    manifest = read_manifest(path)
    assert manifest["built_at"].endswith("+00:00")
    data = Path(DEMO_CSV).read_bytes()
    (entry,) = manifest["source"]["files"]
    assert entry == {
        "name": "san_mateo_demo.csv",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    from rxmatch.cli import index_info

    info = index_info(path)
    assert info["source_sha256"] == manifest["source"]["sha256"]
    assert info["source"] == "san_mateo_demo.csv"
    assert info["built_at"] == manifest["built_at"] and info["built_at_source"] == "manifest"


def test_source_fingerprint_changes_with_the_content(tmp_path):
    folder = tmp_path / "hsds"
    folder.mkdir()
    (folder / "a.csv").write_text("id,name\n1,x\n")
    (folder / "b.csv").write_text("id\n2\n")
    one = source_fingerprint(folder)
    assert [f["name"] for f in one["files"]] == ["hsds/a.csv", "hsds/b.csv"]
    assert source_fingerprint(folder) == one
    (folder / "b.csv").write_text("id\n3\n")
    assert source_fingerprint(folder)["sha256"] != one["sha256"]
    with pytest.raises(FileNotFoundError):
        source_fingerprint(tmp_path / "absent.csv")


def test_load_with_a_reference_date(hashing_index):
    m, path = hashing_index
    emb = rxmatch.HashingEmbedder()
    as_saved = rxmatch.Matcher.load(path, embedder=emb)
    assert as_saved.reference_date_ == m.reference_date_
    later = rxmatch.Matcher.load(path, embedder=emb, reference_date="2031-06-01")
    assert later.reference_date_ == date(2031, 6, 1) and later.reference_date == date(2031, 6, 1)
    # five years on, every dated record is staler: freshness can only go down
    dated = ~np.isnan(later.verified_ordinal_)
    assert (later.freshness_[dated] <= as_saved.freshness_[dated]).all()
    assert (later.freshness_[dated] < as_saved.freshness_[dated]).any()
    today = rxmatch.Matcher.load(path, embedder=emb, reference_date="today")
    assert today.reference_date_ == date.today()
    assert rxmatch.Matcher.load(
        path, embedder=emb, reference_date=date(2031, 6, 1)
    ).reference_date_ == date(2031, 6, 1)
    for bad in ("yesterday", "2031-13-01", 20310601):
        with pytest.raises(rxmatch.InvalidParameterError, match="reference_date"):
            rxmatch.Matcher.load(path, embedder=emb, reference_date=bad)


def test_bad_backend_and_threads(hashing_index):
    _, path = hashing_index
    with pytest.raises(rxmatch.InvalidParameterError, match="'backend'"):
        rxmatch.Matcher.load(path, backend="gpu")
    with pytest.raises(rxmatch.InvalidParameterError, match="'threads'"):
        rxmatch.SentenceTransformerEmbedder(threads=0)
    with pytest.raises(rxmatch.InvalidParameterError, match="'threads'"):
        OnnxEmbedder(threads="many")


def test_threads_env_var(monkeypatch):
    from rxmatch.features.text import default_threads, resolve_threads

    monkeypatch.delenv("RXMATCH_THREADS", raising=False)
    assert default_threads() == 1
    monkeypatch.setenv("RXMATCH_THREADS", "3")
    assert default_threads() == 3 and resolve_threads("auto", "x") == 3
    assert resolve_threads(2, "x") == 2 and resolve_threads(None, "x") is None
    for bad in ("0", "-1", "two", "1.5"):
        monkeypatch.setenv("RXMATCH_THREADS", bad)
        with pytest.raises(rxmatch.InvalidParameterError, match="RXMATCH_THREADS"):
            default_threads()


def test_onnx_session_takes_the_thread_default(monkeypatch, tmp_path):
    """RXMATCH_THREADS (read at first use) is how many threads one call uses: with the
    default ``parallel="texts"`` the texts are split over that many Python threads, each
    session run on one intra-op thread; with ``parallel="ops"`` onnxruntime's intra-op
    threads take them."""
    pytest.importorskip("onnxruntime")
    from rxmatch.features import onnx as fonnx

    seen = {}

    class FakeOpts:
        def __setattr__(self, k, v):
            seen[k] = v

    class FakeOrt:
        SessionOptions = FakeOpts

        class ExecutionMode:
            ORT_SEQUENTIAL = 0

        class GraphOptimizationLevel:
            ORT_ENABLE_ALL = 99

        @staticmethod
        def InferenceSession(*a, **k):
            raise RuntimeError("stop here")

    monkeypatch.setattr(fonnx, "_require", lambda m, w: FakeOrt)
    (tmp_path / "m.onnx").write_bytes(b"x")
    monkeypatch.setenv("RXMATCH_THREADS", "2")
    with pytest.raises(rxmatch.ModelUnavailableError):
        OnnxEmbedder(path=tmp_path / "m.onnx").encode(["x"])
    assert seen["intra_op_num_threads"] == 1
    with pytest.raises(rxmatch.ModelUnavailableError):
        OnnxEmbedder(path=tmp_path / "m.onnx", parallel="ops").encode(["x"])
    assert seen["intra_op_num_threads"] == 2
    monkeypatch.delenv("RXMATCH_THREADS")
    with pytest.raises(rxmatch.ModelUnavailableError):
        OnnxEmbedder(path=tmp_path / "m.onnx").encode(["x"])
    assert seen["intra_op_num_threads"] == 1


def test_cli_refuses_a_bad_thread_count(hashing_index, capsys):
    from rxmatch.cli import main

    _, path = hashing_index
    argv = ["recommend", "--index", str(path), "--what-matters", "painting", "--lat", "37.56"]
    assert main([*argv, "--lon", "-122.32", "--threads", "0"]) == 2
    err = capsys.readouterr().err
    assert "'threads' parameter" in err and "painting" not in err


@pytest.mark.parametrize("where", ["payload", "header"])
def test_checksums_verified_in_the_background_still_name_the_corrupted_file(
    hashing_index, tmp_path, where
):
    """Checksums are verified while the index is read; a corrupted array is reported as
    corrupted (by name) even when reading it fails first."""
    import shutil

    _, path = hashing_index
    bad = tmp_path / "bad"
    shutil.copytree(path, bad)
    target = bad / "arrays" / "table.lat.npy"
    data = bytearray(target.read_bytes())
    pos = len(data) - 3 if where == "payload" else 2  # a number, or the .npy magic
    data[pos] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(rxmatch.IndexFormatError, match=r"table\.lat\.npy.*corrupted"):
        rxmatch.Matcher.load(bad, embedder=rxmatch.HashingEmbedder())
    if where == "payload":  # sizes only: the flipped number is not noticed
        rxmatch.Matcher.load(bad, embedder=rxmatch.HashingEmbedder(), verify_checksums=False)
