"""recommend_many's pipeline (rxmatch.rank.batch.encode_and_rank: chunks encoded on a
worker thread while the previous ones are ranked) and its long table built at once: the
same results as one referral at a time, deterministic, errors as before."""

from __future__ import annotations

import importlib.util
import threading
from datetime import date

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch.exceptions import ReferralError
from rxmatch.rank import batch

TEXTS = [
    "I used to paint and miss being creative",
    "gardening and being outdoors. I don't like crowds",
    "lonely since my husband died, want to meet people and sing",
    "gentle exercise for bad knees, maybe swimming",
    "help with money and rent",
    "learn computers online",
    "me gustaría bailar y conocer gente",
    "walking group, birdwatching or a book club",
]
ZIPS = ["94401", "94063", "94010", "94403", "94070"]


def _rows(n: int) -> list[dict]:
    return [
        {
            "what_matters": TEXTS[i % len(TEXTS)]
            + ("" if i < len(TEXTS) else f" ({i % 5} days a week)"),
            "postal_code": ZIPS[(i * 3) % len(ZIPS)],
            "age": 25 + i % 60,
            "online_only": i % 11 == 5,
            "online_ok": i % 4 != 1,
            "referral_id": f"r{i}",
        }
        for i in range(n)
    ]


def _refs(n: int) -> list[rxmatch.Referral]:
    return [rxmatch.Referral(**row) for row in _rows(n)]


@pytest.fixture(scope="module")
def matcher(demo_directory):
    return rxmatch.Matcher(
        rxmatch.HashingEmbedder(384), reference_date=date(2026, 1, 1), online_pool=3
    ).fit(demo_directory)


@pytest.fixture
def pipelined(monkeypatch):
    """The pipeline for every encoder (by default only one-thread ONNX encoders get it)."""
    monkeypatch.setattr(batch, "_concurrent", lambda index, plan: True)


def _one_by_one(m: rxmatch.Matcher, refs: list[rxmatch.Referral], k: int) -> pd.DataFrame:
    return pd.concat([m.recommend(r, k).to_frame() for r in refs], ignore_index=True)


# ---- the pipeline with plain functions -----------------------------------------------------
def _record(log: list, *, fail_at: int | None = None, slow: float = 0.0):
    encoded: dict[int, int] = {}

    def encode(i):
        log.append((i, threading.current_thread().name))
        if i == fail_at:
            raise ReferralError("the words could not be encoded", field="what_matters")
        if slow:
            threading.Event().wait(slow)
        encoded[i] = 10 * i

    def rank(i):
        assert all(j in encoded for j in range(i + 1))  # this chunk and every earlier one
        return [encoded[i]]

    return encode, rank


@pytest.mark.parametrize("share", [False, True])
@pytest.mark.parametrize("n", [1, 2, 9])
def test_every_chunk_is_encoded_once_and_ranked_in_order(n, share):
    log: list = []
    encode, rank = _record(log, slow=0.002)
    assert batch._pipeline(n, encode, rank, share=share) == [10 * i for i in range(n)]
    assert sorted(i for i, _ in log) == list(range(n))
    assert "rxmatch-encode" in {t for _, t in log} or n == 1 and share
    assert not [t for t in threading.enumerate() if t.name == "rxmatch-encode"]


@pytest.mark.parametrize("share", [False, True])
def test_an_encoder_error_is_raised_and_the_worker_stops(share):
    log: list = []
    encode, rank = _record(log, fail_at=2, slow=0.002)
    with pytest.raises(ReferralError) as ei:
        batch._pipeline(40, encode, rank, share=share)
    assert ei.value.field == "what_matters"
    assert not [t for t in threading.enumerate() if t.name == "rxmatch-encode"]
    assert len(log) < 10  # the worker stopped taking chunks


def test_a_ranking_error_is_raised_and_the_worker_is_joined():
    log: list = []
    encode, _ = _record(log, slow=0.002)

    def rank(i):
        if i == 2:
            raise ValueError("ranking failed")
        return [i]

    with pytest.raises(ValueError, match="ranking failed"):
        batch._pipeline(40, encode, rank, share=False)
    assert not [t for t in threading.enumerate() if t.name == "rxmatch-encode"]
    assert len(log) < 40


@pytest.mark.parametrize("pipeline", [False, True])
@pytest.mark.parametrize("n, chunk", [(0, 4), (3, 4), (4, 4), (5, 4), (23, 4), (60, 7)])
def test_encode_and_rank_gives_what_encode_many_gives(matcher, n, chunk, pipeline):
    from rxmatch.features.query import QueryEncoder

    refs = _refs(n)
    q, index = matcher._stage(QueryEncoder), matcher.index_
    calls: list = []

    def rank(c, encoded):
        calls.append([r.referral_id for r in c])
        return list(zip(c, encoded))

    got = batch.encode_and_rank(q, index, refs, rank, chunk=chunk, pipeline=pipeline)
    want = q.encode_many(index, refs)
    assert [r for r, _ in got] == refs
    if pipeline:  # chunk by chunk
        assert calls == [[r.referral_id for r in refs[i : i + chunk]] for i in range(0, n, chunk)]
    else:  # the whole batch at once
        assert calls == ([[r.referral_id for r in refs]] if refs else [])
    for (_, a), b in zip(got, want):  # the hashing encoder: the same vectors exactly
        assert a.space == b.space and a.facets == b.facets
        np.testing.assert_array_equal(a.vector, b.vector)
        for x, y in (
            (a.interest_vectors, b.interest_vectors),
            (a.dislike_vectors, b.dislike_vectors),
        ):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_array_equal(x, y)


def test_each_distinct_text_is_embedded_once(demo_directory, pipelined):
    class Counting(rxmatch.HashingEmbedder):
        def __init__(self, dim):
            super().__init__(dim)
            self.seen: list[str] = []

        def encode(self, texts, **kwargs):
            self.seen.extend(texts)
            return super().encode(texts, **kwargs)

    emb = Counting(384)
    m = rxmatch.Matcher(emb, reference_date=date(2026, 1, 1)).fit(demo_directory)
    emb.seen.clear()
    refs = _refs(3 * batch.CHUNK)  # the eight texts again and again
    m.recommend_many(refs, k=3)
    assert len(emb.seen) == len(set(emb.seen))  # across chunks too
    assert len(emb.seen) < 3 * batch.CHUNK


# ---- the Matcher ---------------------------------------------------------------------------
def test_other_encoders_embed_the_whole_batch_in_one_call(demo_directory):
    class Counting(rxmatch.HashingEmbedder):
        calls = 0

        def encode(self, texts, **kwargs):
            Counting.calls += 1
            return super().encode(texts, **kwargs)

    m = rxmatch.Matcher(Counting(384), reference_date=date(2026, 1, 1)).fit(demo_directory)
    Counting.calls = 0
    out = m.recommend_many(_refs(3 * batch.CHUNK), k=3)
    assert Counting.calls == 1 and out["referral_id"].nunique() > batch.CHUNK


def test_recommend_many_equals_recommend_one_by_one(matcher, pipelined):
    refs = _refs(3 * batch.CHUNK + 5)  # four chunks, the last one short
    many = matcher.recommend_many(refs, k=5)
    pd.testing.assert_frame_equal(many, _one_by_one(matcher, refs, 5), check_exact=True)
    assert many["referral_id"].nunique() >= 0.9 * len(refs)  # most lists are not empty
    # deterministic: the same batch again, and as a table
    again = matcher.recommend_many(pd.DataFrame(_rows(len(refs))), k=5)
    pd.testing.assert_frame_equal(again, many, check_exact=True)


def test_skipped_rows_are_reported_with_the_pipeline(matcher, pipelined):
    rows = [{"what_matters": TEXTS[i % 8], "postal_code": ZIPS[i % 5]} for i in range(70)]
    rows[40] = {"what_matters": "walks", "lat": 95.0, "lon": 0.0}  # an invalid place
    with pytest.raises(ReferralError, match="row 40"):
        matcher.recommend_many(pd.DataFrame(rows), k=3)
    with pytest.warns(UserWarning, match="1 referrals skipped"):
        out = matcher.recommend_many(pd.DataFrame(rows), k=3, errors="skip")
    assert [s["row"] for s in out.attrs["skipped"]] == [40]
    assert "40" not in set(out["referral_id"]) and out["referral_id"].nunique() == 69


class _FailingEmbedder(rxmatch.HashingEmbedder):
    """Refuses the words of one referral (as an encoder that cannot decode them)."""

    def encode(self, texts, **kwargs):
        if any("zebrafinch" in t for t in texts):
            raise UnicodeError("cannot encode 'zebrafinch melancholy'")
        return super().encode(texts, **kwargs)


def test_an_encoding_error_mid_batch_names_the_field_not_the_words(demo_directory, pipelined):
    m = rxmatch.Matcher(_FailingEmbedder(384), reference_date=date(2026, 1, 1)).fit(demo_directory)
    refs = _refs(80)
    refs[70] = refs[70].replace(what_matters="zebrafinch melancholy")  # the third chunk
    with pytest.raises(ReferralError) as ei:
        m.recommend_many(refs, k=3)
    assert ei.value.field == "what_matters" and "zebrafinch" not in str(ei.value)
    assert ei.value.__cause__ is None and ei.value.__suppress_context__
    assert not [t for t in threading.enumerate() if t.name == "rxmatch-encode"]


# ---- the long table ------------------------------------------------------------------------
def test_the_long_table_is_the_per_referral_tables_joined(matcher):
    refs = _refs(40)
    results = [matcher.recommend(r, 4) for r in refs]
    want = pd.concat([r.to_frame() for r in results], ignore_index=True)
    pd.testing.assert_frame_equal(batch.matches_table(results, []), want, check_exact=True)
    regular = [r for r in results if r.matches and r.matches[0].distance_km is not None]
    fast = batch._one_frame(regular[:5])
    assert fast is not None  # built at once
    pd.testing.assert_frame_equal(
        fast, pd.concat([r.to_frame() for r in regular[:5]], ignore_index=True), check_exact=True
    )


def test_the_long_table_keeps_the_joined_dtypes_in_odd_cases(matcher):
    home = rxmatch.Referral(TEXTS[0], postal_code="94401", referral_id="home")
    online = rxmatch.Referral(TEXTS[5], online_only=True, referral_id="online")
    nothing = rxmatch.Referral(
        TEXTS[1], lat=0.0, lon=0.0, max_km=1, online_ok=False, referral_id="none"
    )
    for refs in ([home, online], [home, nothing], [nothing], [online, home, online]):
        results = [matcher.recommend(r, 4) for r in refs]
        want = pd.concat([r.to_frame() for r in results], ignore_index=True)
        got = batch.matches_table(results, [])
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    # an online-only list has no distances: joined with a local one the column is untyped
    mixed = [matcher.recommend(r, 4) for r in (home, online)]
    assert all(m.distance_km is None for m in mixed[1].matches)
    assert batch._one_frame(mixed) is None
    assert batch._one_frame([matcher.recommend(nothing, 4)]) is None


# ---- the fast encoder ----------------------------------------------------------------------
HAS_EXPORT = importlib.util.find_spec("onnxruntime") is not None and all(
    importlib.util.find_spec(m) for m in ("onnx", "torch")
)


@pytest.mark.model
@pytest.mark.skipif(not HAS_EXPORT, reason="needs torch, onnx")
@pytest.mark.parametrize("quantize", [False, True])
def test_onnx_batch_matches_one_by_one_and_repeats_exactly(demo_directory, quantize):
    from rxmatch.features.onnx import OnnxEmbedder

    emb = OnnxEmbedder(quantize=quantize, name="all-MiniLM-L6-v2")
    m = rxmatch.Matcher(emb, multilingual=None, e5=None, reference_date=date(2026, 1, 1))
    m.fit(demo_directory)
    refs = _refs(2 * batch.CHUNK + 9)
    many = m.recommend_many(refs, k=5)
    # the same batch gives the same table, to the bit (int8 too: fixed chunks)
    pd.testing.assert_frame_equal(m.recommend_many(refs, k=5), many, check_exact=True)
    one = _one_by_one(m, refs, 5)
    same = [
        many.loc[many["referral_id"] == r.referral_id, "resource_id"].tolist()
        == one.loc[one["referral_id"] == r.referral_id, "resource_id"].tolist()
        for r in refs
    ]
    if not quantize:  # fp32: a text's vector does not depend on its row-mates (to ~1e-7)
        assert all(same)
        np.testing.assert_allclose(
            many["score"].to_numpy(float), one["score"].to_numpy(float), rtol=0, atol=1e-5
        )
    else:  # int8: activations are quantized per run, so batch-mates move vectors a little
        shared = [
            len(
                set(many.loc[many["referral_id"] == r.referral_id, "resource_id"])
                & set(one.loc[one["referral_id"] == r.referral_id, "resource_id"])
            )
            / max(1, (one["referral_id"] == r.referral_id).sum())
            for r in refs
        ]
        assert np.mean(shared) >= 0.8 and sum(same) >= len(refs) // 3


def test_one_core_runs_the_same_chunks_without_a_thread(matcher, pipelined, monkeypatch):
    refs = _refs(2 * batch.CHUNK + 3)
    want = matcher.recommend_many(refs, k=4)
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    started = []
    monkeypatch.setattr(batch, "_pipeline", lambda *a, **kw: started.append(1))
    pd.testing.assert_frame_equal(matcher.recommend_many(refs, k=4), want, check_exact=True)
    assert not started


def test_this_thread_shares_the_encoding_only_with_one_thread_onnx_encoders():
    from types import SimpleNamespace

    from rxmatch.features.onnx import OnnxEmbedder
    from rxmatch.features.query import QueryPlan

    def index(emb, ml=None):
        return SimpleNamespace(
            embedder=emb, multilingual=None if ml is None else SimpleNamespace(embedder=ml)
        )

    primary, both = QueryPlan(["a"], [], [], [], []), QueryPlan(["a"], ["b"], [], [], [])
    assert batch._concurrent(index(OnnxEmbedder(threads=1)), primary)
    assert not batch._concurrent(index(OnnxEmbedder(threads=2)), primary)  # its own threads
    assert not batch._concurrent(index(rxmatch.HashingEmbedder(8)), primary)
    # every encoder the batch uses must be one
    mixed = index(OnnxEmbedder(threads=1), rxmatch.HashingEmbedder(8))
    assert batch._concurrent(mixed, primary) and not batch._concurrent(mixed, both)
