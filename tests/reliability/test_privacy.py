"""Privacy: the whole pipeline works with the network blocked; the person's words never
reach logs, warnings, stderr/stdout or error messages; nothing about a referral is
written to disk, and the embedding cache never holds the referral text."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import socket
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

import rxmatch
from rxmatch import Matcher, Referral, RxMatchError
from rxmatch.cli import main as cli_main

SECRET = "zebrafinch melancholy"
TEXT = f"Since my {SECRET} started I miss painting and walking with other people"
HOME = {"lat": 37.5630, "lon": -122.3255}


class NetworkBlocked(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkBlocked(f"network access attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # rxmatch must not rely on it being set
    yield


def test_network_block_is_effective(no_network):
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("example.org", 80), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.org", 443)


@pytest.mark.model
def test_whole_pipeline_runs_offline(
    no_network, st_embedder, demo_matcher, demo_directory, tmp_path, capsys, monkeypatch
):
    # When this is the first use of the session's model (as when tests/reliability runs on
    # its own), the weights load here, under the block; otherwise the block still covers
    # encoding, fitting, recommending and the CLI.
    recs = demo_matcher.recommend(Referral(TEXT, **HOME), k=5)
    assert len(recs) == 5
    frame = pd.DataFrame([{"referral_id": "r1", "what_matters": TEXT, **HOME}])
    assert len(demo_matcher.recommend_many(frame, k=3)) == 3
    small = demo_directory.to_frame().head(12)
    m = Matcher(st_embedder).fit(rxmatch.Directory.from_frame(small))  # fit under the block
    assert len(m.recommend(Referral(TEXT, **HOME), k=3)) == 3
    csv = tmp_path / "dir.csv"
    small.to_csv(csv, index=False)
    # the CLI builds its own default Matcher; hand it the loaded model (no second load)
    monkeypatch.setattr("rxmatch.fitting.SentenceTransformerEmbedder", lambda: st_embedder)
    argv = ["recommend", "--directory", str(csv), "--text", TEXT, "--zip", "94401", "-k", "3"]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("score") == 3


@pytest.mark.model
def test_a_fresh_model_loads_offline(no_network):
    emb = rxmatch.SentenceTransformerEmbedder()  # its weights load here, under the block
    vec = emb.encode([TEXT])
    assert vec.shape == (1, 384)


def _run_library_calls(matcher: Matcher) -> None:
    ref = Referral(TEXT, **HOME, referral_id="p1", availability=["weekday mornings"])
    recs = matcher.recommend(ref, k=5)
    recs.to_frame()
    repr(ref), str(recs[0]), repr(recs)
    matcher.score_components(ref)
    frame = pd.DataFrame(
        [
            {"referral_id": "a", "what_matters": TEXT, **HOME},
            {"referral_id": "b", "what_matters": TEXT, "lat": 95.0, "lon": 0.0},
        ]
    )
    matcher.recommend_many(frame, k=3, errors="skip")
    Referral(TEXT * 400, **HOME)  # truncation warning


def test_referral_text_never_reaches_logs_warnings_or_streams(hashing_matcher, caplog):
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    try:
        with (
            caplog.at_level(logging.DEBUG),
            warnings.catch_warnings(record=True) as caught,
            redirect_stdout(out),
            redirect_stderr(err),
        ):
            warnings.simplefilter("always")
            _run_library_calls(hashing_matcher)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert caught, "expected at least the truncation and skipped-referral warnings"
    texts = [
        stream.getvalue(),
        caplog.text,
        *[r.getMessage() for r in caplog.records],
        *[str(w.message) for w in caught],
        out.getvalue(),
        err.getvalue(),
    ]
    for word in SECRET.split():
        assert not any(word in t for t in texts), word


BAD_REFERRALS = [
    {"lat": 95.0, "lon": 0.0},
    {"lat": -122.3, "lon": 37.5},
    {"postal_code": "00000"},
    {**HOME, "max_km": -1},
    {**HOME, "age": 500},
    {**HOME, "travel_mode": SECRET},
    {**HOME, "availability": [SECRET]},
    {**HOME, "accessibility_needs": [SECRET]},
    {**HOME, "languages": 7},
]


@pytest.mark.parametrize("kwargs", BAD_REFERRALS)
def test_error_messages_for_bad_referrals_do_not_contain_the_text(kwargs, hashing_matcher):
    with pytest.raises(RxMatchError) as ei:
        Referral(TEXT, **kwargs)
    assert "zebrafinch" not in str(ei.value) and "melancholy" not in str(ei.value)
    # and through recommend_many, which wraps the error with the row number
    frame = pd.DataFrame([{"what_matters": TEXT, **kwargs}])
    with pytest.raises(RxMatchError) as ei2:
        hashing_matcher.recommend_many(frame)
    assert "zebrafinch" not in str(ei2.value)


def test_unknown_category_error_does_not_echo_the_text():
    # a category name is not the person's words, but the text itself must not appear
    with pytest.raises(rxmatch.UnknownCategoryError) as ei:
        Referral(TEXT, **HOME, preferred_categories=["basket weaving"])
    assert "zebrafinch" not in str(ei.value)


def _snapshot(*folders: Path) -> dict[str, float]:
    out = {}
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for f in files:
                p = Path(root) / f
                out[str(p)] = p.stat().st_mtime_ns
    return out


def test_nothing_about_a_referral_is_written_to_disk(tmp_path, monkeypatch, demo_directory):
    home, tmp, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    for d in (home, tmp, cwd):
        d.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("TEMP", str(tmp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.chdir(cwd)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    cache = rxmatch.EmbeddingCache()
    m = Matcher(rxmatch.HashingEmbedder(), cache=cache).fit(demo_directory)
    before = _snapshot(home, tmp, cwd)
    ref = Referral(TEXT, **HOME)
    m.recommend(ref, k=5).to_frame()
    m.recommend_many([ref, ref.replace(referral_id="x")], k=3)
    m.score_components(ref)
    assert _snapshot(home, tmp, cwd) == before == {}
    keys = {h for _model, h in cache._store}
    for t in (TEXT, ref.what_matters, m.query_text(ref.what_matters)):
        assert hashlib.sha256(t.encode("utf-8")).hexdigest() not in keys
    assert len(cache) > 0  # it does hold the directory texts
