"""Benchmark rxmatch's index and ranking against a brute-force scan and the naive way.

    python benchmarks/bench_rank.py --sizes 1000,100000,1000000 --json results/run.json

Every size runs in its own subprocess (so memory numbers are not polluted by the previous
size) and measures, in the same run:

* ``build``: ``Matcher.fit(directory, embeddings=...)`` time and RSS growth (psutil,
  resident set size after minus before; the embeddings were allocated before).
* ``rank``: per-query ranking latency (p50/p95), query vectors precomputed, i.e. without
  encoding: ``recommend(referral, k, query_vector=matcher.encode(referral))``; also per
  facet count (``rank_by_wishes``: how many wishes the answer splits into, each scored on
  its own) and per language group (``rank_by_language``: en / es / other).
* ``e2e``: ``recommend(referral, k)`` with the real model encoding the query.
* ``batch``: ``recommend_many`` throughput (referrals per second, encoding included);
  ``batch_fast``: the same with ``OnnxEmbedder(threads=--batch-threads)`` on the loaded
  index (``--batch-fast`` referrals, best of two; an encoder on two threads embeds the
  whole batch, then ranks). Taking turns with it, in the same run: ``batch_fast_1thread``
  (the encoder on one thread: ``recommend_many``'s pipeline, two threads each embedding or
  ranking chunks of referrals), ``batch_fast_int8`` (the same with int8 queries,
  ``OnnxEmbedder(quantize=True)``, against the fp32-built index: not exact) and each of
  these two without the pipeline (``*_one_chunk``: the whole batch embedded, then ranked).
* ``save`` / ``load``: :func:`rxmatch.persistence.save_matcher` / ``Matcher.load``
  (mmap) time with and without SHA-256 verification, the RSS growth of the load, the
  first query after loading, and ranking latency on the loaded index (memory-mapped
  arrays, texts decoded on access), checked to give the same top 10 as the fitted one.
* ``e2e_fast``: end to end on the loaded index with ``rxmatch.features.onnx.OnnxEmbedder``
  (extra ``fast``) encoding the query, when it is installed; in the same pass, query by
  query in turn, ``e2e_fast_unpacked`` (``pack=False``: the padded graph, the previous
  round's way) and ``e2e_fast_split`` (``threads=2``: the referral's texts split into two
  rows of about equal token counts, run at the same time on two threads), then, in a pass
  of its own (its spinning pool threads would take a core from the next call),
  ``e2e_fast_2threads`` (two onnxruntime intra-op threads, ``parallel="ops"``);
  ``batch_fast_unpacked`` is ``batch_fast`` with ``pack=False``.
* baselines: ``brute``: one matrix product over all embeddings, a vectorized haversine
  filter and ``argpartition`` top-k; ``naive``: pandas ``DataFrame.apply`` with
  ``geopy.distance.distance`` per row plus ``sentence_transformers.util.semantic_search``
  over every row (on a few queries only at large sizes: the count is in the JSON).

numpy's BLAS runs on ``--blas-threads`` threads (default 1: one query's products are
small, and on a shared machine a multi-threaded BLAS waits for busy cores; ``0`` keeps the
library's default). The brute-force baseline runs with the same setting.

Directories come from ``synth.py`` (seeded); embeddings are random unit vectors (encoding
1M texts would take hours; ranking latency does not depend on their values). Queries are
referral homes in dense city areas (80 %) and rural places (20 %), radius 15 km, with the
words of the bundled referrals (``synth.real_text_queries``: the real-data San Mateo and
NYC referrals, English, Spanish and four more languages, and the synthetic evaluation set,
in their natural mix of lengths, wishes and languages). The first round's ten one-line
texts on the same homes are the ``*_oneline`` figures, for comparison.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

K = 10


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _pct(xs: list[float]) -> dict[str, float]:
    a = np.asarray(xs) * 1000.0
    return {
        "p50_ms": float(np.percentile(a, 50)),
        "p95_ms": float(np.percentile(a, 95)),
        "mean_ms": float(a.mean()),
        "n_queries": len(xs),
    }


def _haversine(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def brute_force(
    emb: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    online: np.ndarray,
    q: np.ndarray,
    qlat: float,
    qlon: float,
    radius: float,
    k: int,
) -> np.ndarray:
    """Full scan: all embeddings × query, vectorized distance filter, top-k."""
    sims = emb @ q
    d = _haversine(qlat, qlon, lat, lon)
    ok = (d <= radius) | online
    idx = np.flatnonzero(ok)
    if len(idx) > k:
        top = np.argpartition(-sims[idx], k)[:k]
        idx = idx[top]
    return idx[np.argsort(-sims[idx])]


def naive(frame: Any, emb_t: Any, q_t: Any, qlat: float, qlon: float, radius: float, k: int):
    """The naive way: geopy distance per row with DataFrame.apply, semantic_search on all."""
    import math

    from geopy.distance import distance
    from sentence_transformers import util

    def dist(row: Any) -> float:
        if math.isnan(row["lat"]):
            return math.nan
        return distance((qlat, qlon), (row["lat"], row["lon"])).km

    d = frame.apply(dist, axis=1)
    hits = util.semantic_search(q_t, emb_t, top_k=len(frame))[0]
    out = []
    online = frame["online"].to_numpy()
    dv = d.to_numpy()
    for h in hits:
        i = h["corpus_id"]
        if online[i] or dv[i] <= radius:
            out.append(i)
            if len(out) == k:
                break
    return out


def _grouped(times: list[list[float]], meta: Any, key: str) -> dict[str, dict[str, float]]:
    """Latency figures per group of queries (``times[i]``: the timings of query ``i``)."""
    out = {}
    for g in sorted(set(meta[key])):
        idx = [i for i, v in enumerate(meta[key]) if v == g]
        out[g] = _pct([t for i in idx for t in times[i]])
    return out


#: CPU time of the timed calls' thread, beside their wall time (on a loaded machine the
#: wall time includes waiting for a core; the CPU time does not): label -> seconds
CPU: dict[str, list[float]] = {}
#: the process's CPU time of the calls timed in turn (every thread: the encoder's second
#: thread too, and whatever else this process runs meanwhile): label -> seconds
PCPU: dict[str, list[float]] = {}


def _timed(fn: Any, items: list[Any], repeats: int, cpu: str | None = None) -> list[list[float]]:
    """Per item, the wall time of ``fn(item)`` in each of ``repeats`` passes over all
    (and the thread's CPU time of each call in ``CPU[cpu]``)."""
    times: list[list[float]] = [[] for _ in items]
    cpu_times = CPU.setdefault(cpu, []) if cpu else []
    for _ in range(repeats):
        for i, item in enumerate(items):
            c = time.thread_time()
            t = time.perf_counter()
            fn(item)
            times[i].append(time.perf_counter() - t)
            cpu_times.append(time.thread_time() - c)
    return times


def _timed_in_turn(fns: dict[str, Any], items: list[Any]) -> dict[str, list[list[float]]]:
    """``_timed`` for several matchers (``recommend(item, K)``), item by item, each item
    timed on every matcher in a rotating order (drift on a shared machine hits all
    alike); the thread CPU time of each call goes to ``CPU[name]``, the process's to
    ``PCPU[name]``."""
    names = list(fns)
    times: dict[str, list[list[float]]] = {k: [[] for _ in items] for k in names}
    for i, item in enumerate(items):
        for k in names[i % len(names) :] + names[: i % len(names)]:
            c, pc = time.thread_time(), time.process_time()
            t = time.perf_counter()
            fns[k].recommend(item, K)
            times[k][i].append(time.perf_counter() - t)
            CPU.setdefault(k, []).append(time.thread_time() - c)
            PCPU.setdefault(k, []).append(time.process_time() - pc)
    return times


def _distinct_share(matcher: Any, refs: list[Any]) -> float:
    """Of the texts a batch of referrals embeds (whole answers, wishes, dislikes), the
    share that are distinct (each distinct text is encoded once)."""
    from rxmatch.features.facets import split_facets
    from rxmatch.features.query import QueryEncoder, facet_texts

    q = QueryEncoder()
    texts = []
    for r in refs:
        f = split_facets(r.what_matters)
        interests, dislikes = facet_texts(f)
        texts += [q.main_text(r.what_matters, f), *interests, *dislikes]
    return len(set(texts)) / len(texts)


def _flat(times: list[list[float]]) -> list[float]:
    return [t for ts in times for t in ts]


def _frame(refs: list[Any]) -> Any:
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "referral_id": r.referral_id,
                "what_matters": r.what_matters,
                "lat": r.lat,
                "lon": r.lon,
                "max_km": r.max_km,
            }
            for r in refs
        ]
    )


def _batch_in_turn(
    variants: dict[str, tuple[Any, int | None]], refs: list[Any], repeats: int = 2
) -> dict[str, dict[str, float]]:
    """``recommend_many`` throughput of several (matcher, chunk) variants taking turns
    (``chunk``: ``rxmatch.rank.batch.CHUNK`` for that run; ``None``: the default), best
    of ``repeats``, with the process CPU time per referral (both threads) and the cores
    used on average (CPU / wall)."""
    from rxmatch.rank import batch

    frame = _frame(refs)
    names = list(variants)
    best: dict[str, tuple[float, float]] = {}
    default = batch.CHUNK
    for rep in range(repeats):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            matcher, chunk = variants[name]
            batch.CHUNK = default if chunk is None else chunk
            try:
                c, t = time.process_time(), time.perf_counter()
                out = matcher.recommend_many(frame, K)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
            finally:
                batch.CHUNK = default
            assert out["referral_id"].nunique() > 0
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    return {
        name: {
            "referrals": len(frame),
            "seconds": wall,
            "referrals_per_s": len(frame) / wall,
            "cpu_ms_per_referral": 1000 * cpu / len(frame),
            "cores_used": cpu / wall,
            "chunk": variants[name][1] or default,
        }
        for name, (wall, cpu) in best.items()
    }


def _batch(matcher: Any, refs: list[Any], repeats: int = 2) -> dict[str, float]:
    """``recommend_many`` throughput, encoding included (best of ``repeats``)."""
    frame = _frame(refs)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        out = matcher.recommend_many(frame, K)
        best = min(best, time.perf_counter() - t)
    assert out["referral_id"].nunique() > 0
    return {"referrals": len(frame), "seconds": best, "referrals_per_s": len(frame) / best}


def run_one(n: int, args: argparse.Namespace) -> dict[str, Any]:
    import pandas as pd
    import torch
    from synth import (
        QUERY_TEXTS,
        real_text_queries,
        synth_directory,
        synth_embeddings,
        synth_queries,
    )

    import rxmatch
    from rxmatch.persistence import save_matcher

    torch.set_num_threads(args.threads)
    res: dict[str, Any] = {"n": n, "load_average_at_start": list(os.getloadavg())}
    t = time.perf_counter()
    directory = synth_directory(n, seed=args.seed)
    emb = synth_embeddings(n, seed=args.seed)
    res["synth_s"] = time.perf_counter() - t
    res["embedding_matrix_mb"] = emb.nbytes / 2**20
    st = rxmatch.SentenceTransformerEmbedder()
    st.encode(QUERY_TEXTS)  # loads the model
    # two query sets with the same homes: the people's own words (real-data and synthetic
    # referrals in their natural mix: the headline figures) and the ten one-line texts
    real, meta = real_text_queries(args.queries, seed=args.seed)
    oneline = synth_queries(args.queries, seed=args.seed)
    res["queries"] = {
        "n": len(real),
        "by_wishes": meta["wishes_group"].value_counts().sort_index().to_dict(),
        "by_language": meta["language"].value_counts().sort_index().to_dict(),
        "by_source": meta["source"].value_counts().sort_index().to_dict(),
    }

    gc.collect()
    rss0 = _rss()
    t = time.perf_counter()
    matcher = rxmatch.Matcher(st, reference_date=date(2026, 1, 1)).fit(directory, embeddings=emb)
    res["build_s"] = time.perf_counter() - t
    gc.collect()
    res["build_rss_mb"] = (_rss() - rss0) / 2**20

    # the words and their facets embedded once (EncodedQuery): ranking then encodes nothing
    qv = matcher.encode_many(real)
    qv_one = matcher.encode_many(oneline)
    for r, v in list(zip(real, qv))[:5]:
        matcher.recommend(r, K, query_vector=v)  # warm-up
    ncand: list[int] = []

    def rank(item: Any) -> None:
        ncand.append(matcher.recommend(item[0], K, query_vector=item[1]).n_candidates)

    times = _timed(rank, list(zip(real, qv)), args.repeats, cpu="rank")
    res["rank"] = _pct(_flat(times))
    res["rank"]["mean_candidates"] = float(np.mean(ncand))
    res["rank_by_wishes"] = _grouped(times, meta, "wishes_group")
    res["rank_by_language"] = _grouped(times, meta, "language")
    ncand.clear()
    res["rank_oneline"] = _pct(
        _flat(_timed(rank, list(zip(oneline, qv_one)), args.repeats, cpu="rank_oneline"))
    )
    res["rank_oneline"]["mean_candidates"] = float(np.mean(ncand))

    e2e_meta = meta.iloc[: args.e2e_queries]
    times = _timed(lambda r: matcher.recommend(r, K), real[: args.e2e_queries], 1)
    res["e2e"] = _pct(_flat(times))
    res["e2e_by_wishes"] = _grouped(times, e2e_meta, "wishes_group")
    res["e2e_oneline"] = _pct(
        _flat(_timed(lambda r: matcher.recommend(r, K), oneline[: args.e2e_queries], 1))
    )
    res["batch"] = _batch(matcher, real[: args.batch], repeats=1)
    res["batch_oneline"] = _batch(matcher, oneline[: args.batch], repeats=1)

    tmp = Path(tempfile.mkdtemp(prefix="rxbench-", dir=args.tmpdir))
    try:
        t = time.perf_counter()
        save_matcher(matcher, tmp / "index")
        res["save_s"] = time.perf_counter() - t
        res["index_disk_mb"] = sum(p.stat().st_size for p in (tmp / "index").iterdir()) / 2**20
        gc.collect()
        rss0 = _rss()
        t = time.perf_counter()
        loaded = rxmatch.Matcher.load(tmp / "index", embedder=st, mmap=True)
        res["load_s"] = time.perf_counter() - t
        gc.collect()
        res["load_rss_mb"] = (_rss() - rss0) / 2**20
        t = time.perf_counter()
        loaded.recommend(real[0], K, query_vector=qv[0])
        res["first_query_after_load_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        rxmatch.Matcher.load(tmp / "index", embedder=st, mmap=True, verify_checksums=False)
        res["load_nochecksum_s"] = time.perf_counter() - t
        # saving a loaded index again (its texts are kept as loaded, not decoded again)
        t = time.perf_counter()
        save_matcher(loaded, tmp / "again")
        res["save_loaded_s"] = time.perf_counter() - t
        shutil.rmtree(tmp / "again", ignore_errors=True)
        # ranking on the loaded index (memory-mapped arrays, texts decoded on access)
        for r, v in zip(real, qv):
            loaded.recommend(r, K, query_vector=v)  # one pass to touch the mapped pages
        times = _timed(
            lambda item: loaded.recommend(item[0], K, query_vector=item[1]),
            list(zip(real, qv)),
            args.repeats,
        )
        same = sum(
            loaded.recommend(r, K, query_vector=v).ids
            == matcher.recommend(r, K, query_vector=v).ids
            for r, v in zip(real, qv)
        )
        res["loaded_rank"] = _pct(_flat(times))
        res["load_same_results"] = same == len(real)
        res["load_same_results_share"] = same / len(real)
        # end to end on the loaded index with the fast query encoder (rxmatch[fast])
        try:
            from rxmatch.features.onnx import OnnxEmbedder

            fast_emb = OnnxEmbedder(threads=args.threads)
            fast_emb.encode(["warm up"])
        except Exception as exc:  # noqa: BLE001 - the extra is optional
            res["e2e_fast"] = {"skipped": f"{type(exc).__name__}: {exc}"}
        else:
            fast = rxmatch.Matcher.load(tmp / "index", embedder=fast_emb, mmap=True)
            # in the same run, query by query in turn: the padded graph (round 3's way,
            # the baseline), the packed one on two intra-op threads, and split in two
            # rows run at the same time on two threads
            variants = {
                "e2e_fast": fast,
                "e2e_fast_unpacked": rxmatch.Matcher.load(
                    tmp / "index",
                    embedder=OnnxEmbedder(threads=args.threads, pack=False),
                    mmap=True,
                ),
                "e2e_fast_2threads": rxmatch.Matcher.load(
                    tmp / "index", embedder=OnnxEmbedder(threads=2, parallel="ops"), mmap=True
                ),
                "e2e_fast_split": rxmatch.Matcher.load(
                    tmp / "index", embedder=OnnxEmbedder(threads=2), mmap=True
                ),
            }
            # onnxruntime's intra-op pool threads spin for tens of ms after each run (a whole
            # core: measured ~40 ms of CPU in a 50 ms pause): in turn with the others they
            # would take a core from the next variant's call. So the intra-op variant is
            # timed in a pass of its own, after the others.
            ops = variants.pop("e2e_fast_2threads")
            for mv in variants.values():
                for r in real[:3]:
                    mv.recommend(r, K)  # warm-up
            vtimes = _timed_in_turn(variants, real[: args.e2e_queries])
            for r in real[:3]:
                ops.recommend(r, K)  # warm-up
            vtimes["e2e_fast_2threads"] = _timed_in_turn(
                {"e2e_fast_2threads": ops}, real[: args.e2e_queries]
            )["e2e_fast_2threads"]
            variants["e2e_fast_2threads"] = ops
            for key, vt in vtimes.items():
                if key != "e2e_fast":
                    res[key] = _pct(_flat(vt))
                    res[key + "_by_wishes"] = _grouped(vt, e2e_meta, "wishes_group")
            times = vtimes["e2e_fast"]
            same = sum(
                fast.recommend(r, K).ids == matcher.recommend(r, K).ids
                for r in real[: args.e2e_queries]
            )
            res["e2e_fast"] = _pct(_flat(times))
            res["e2e_fast"]["same_top10_share"] = same / len(times)
            res["e2e_fast"]["unpacked_over_packed_p50"] = (
                res["e2e_fast_unpacked"]["p50_ms"] / res["e2e_fast"]["p50_ms"]
            )
            for key in ("e2e_fast_2threads", "e2e_fast_split"):
                res[key]["same_top10_share"] = sum(
                    variants[key].recommend(r, K).ids == matcher.recommend(r, K).ids
                    for r in real[: args.e2e_queries]
                ) / len(times)
            res["e2e_fast_split"]["ops_over_split_p50"] = (
                res["e2e_fast_2threads"]["p50_ms"] / res["e2e_fast_split"]["p50_ms"]
            )
            del variants
            res["e2e_fast_by_wishes"] = _grouped(times, e2e_meta, "wishes_group")
            res["e2e_fast_by_language"] = _grouped(times, e2e_meta, "language")
            res["e2e_fast_oneline"] = _pct(
                _flat(_timed(lambda r: fast.recommend(r, K), oneline[: args.e2e_queries], 1))
            )
            # batch throughput with the fast encoder on every core (the encoder's threads)
            fast_emb_b = OnnxEmbedder(threads=args.batch_threads)
            fast_b = rxmatch.Matcher.load(tmp / "index", embedder=fast_emb_b, mmap=True)
            fast_b.recommend_many(_frame(real[:8]), K)  # warm-up
            # taking turns: the pipelined batch, the whole batch encoded then ranked (the
            # previous way), the encoder on one thread, and int8 queries on one thread
            one = rxmatch.Matcher.load(tmp / "index", embedder=OnnxEmbedder(threads=1), mmap=True)
            int8 = rxmatch.Matcher.load(
                tmp / "index",
                embedder=OnnxEmbedder(threads=1, quantize=True, name=st.name),
                mmap=True,
            )
            for mv in (one, int8):
                mv.recommend_many(_frame(real[:40]), K)  # warm-up
            turns = _batch_in_turn(
                {
                    "batch_fast": (fast_b, None),
                    "batch_fast_1thread": (one, None),
                    "batch_fast_1thread_one_chunk": (one, 10**9),
                    "batch_fast_int8": (int8, None),
                    "batch_fast_int8_one_chunk": (int8, 10**9),
                },
                real[: args.batch_fast],
            )
            res.update(turns)
            res["batch_fast"]["encoder_threads"] = args.batch_threads
            for key, base in (
                ("batch_fast_1thread", "batch_fast"),
                ("batch_fast_1thread", "batch_fast_1thread_one_chunk"),
                ("batch_fast_int8", "batch_fast_int8_one_chunk"),
                ("batch_fast_int8", "batch_fast_1thread"),
            ):
                res[key][f"over_{base}"] = (
                    res[key]["referrals_per_s"] / res[base]["referrals_per_s"]
                )
            # (no agreement figure for int8 here: the directory's vectors are random, so
            # its rankings are ties broken by noise; quality: docs/fast_encoding.md)
            del one, int8
            t = time.perf_counter()
            fast_b.encode_many(real[: args.batch_fast])
            res["batch_fast"]["encode_s"] = time.perf_counter() - t
            # the same batch with the padded graph (round 3's way), in the same run
            fast_u = rxmatch.Matcher.load(
                tmp / "index",
                embedder=OnnxEmbedder(threads=args.batch_threads, pack=False),
                mmap=True,
            )
            fast_u.recommend_many(_frame(real[:8]), K)  # warm-up
            res["batch_fast_unpacked"] = _batch(fast_u, real[: args.batch_fast])
            res["batch_fast"]["packed_over_unpacked"] = (
                res["batch_fast"]["referrals_per_s"] / res["batch_fast_unpacked"]["referrals_per_s"]
            )
            res["batch_fast"]["distinct_texts_share"] = _distinct_share(
                fast_b, real[: args.batch_fast]
            )
            del fast_u
            del fast, fast_b
        loaded = None  # free the maps before the baselines
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    gc.collect()

    # ---- baselines (the whole answer's vector; they read no facets) ----------------------
    lat = directory.frame["lat"].to_numpy(np.float64)
    lon = directory.frame["lon"].to_numpy(np.float64)
    online = directory.frame["online"].to_numpy(bool)
    q_raw = [np.asarray(v.vector, dtype=np.float32) for v in qv]
    res["brute"] = _pct(
        _flat(
            _timed(
                lambda item: brute_force(
                    emb, lat, lon, online, item[1], item[0].lat, item[0].lon, item[0].radius_km, K
                ),
                list(zip(real, q_raw)),
                args.repeats,
                cpu="brute",
            )
        )
    )

    n_naive = args.naive_queries if n < 100_000 else max(2, args.naive_queries // 10)
    if n >= 1_000_000:
        n_naive = min(n_naive, 2)
    nframe = pd.DataFrame({"lat": lat, "lon": lon, "online": online})
    emb_t = torch.from_numpy(emb)
    times_n = []
    for r, v in list(zip(real, q_raw))[:n_naive]:
        t = time.perf_counter()
        naive(nframe, emb_t, torch.from_numpy(v), r.lat, r.lon, r.radius_km, K)
        times_n.append(time.perf_counter() - t)
    res["naive"] = _pct(times_n)

    # thread CPU time per call (ms): the same figures without the waits of a busy machine
    res["cpu_ms_p50"] = {k: 1000 * float(np.median(v)) for k, v in CPU.items() if v}
    res["cpu_ms_p95"] = {k: 1000 * float(np.percentile(v, 95)) for k, v in CPU.items() if v}
    res["process_cpu_ms_p50"] = {k: 1000 * float(np.median(v)) for k, v in PCPU.items() if v}
    res["ratio_brute_over_rxmatch_p50"] = res["brute"]["p50_ms"] / res["rank"]["p50_ms"]
    res["ratio_brute_over_rxmatch_cpu_p50"] = res["cpu_ms_p50"]["brute"] / res["cpu_ms_p50"]["rank"]
    res["ratio_brute_over_rxmatch_oneline_p50"] = (
        res["brute"]["p50_ms"] / res["rank_oneline"]["p50_ms"]
    )
    res["ratio_naive_over_rxmatch_p50"] = res["naive"]["p50_ms"] / res["rank"]["p50_ms"]
    res["build_rss_over_matrix"] = res["build_rss_mb"] / res["embedding_matrix_mb"]
    res["load_rss_over_matrix"] = res["load_rss_mb"] / res["embedding_matrix_mb"]
    return res


def _table(rows: list[dict[str, Any]]) -> str:
    cols = [
        ("n", "{:>9,}", "n"),
        ("build s", "{:>8.1f}", "build_s"),
        ("build MB", "{:>8.0f}", "build_rss_mb"),
        ("rank p50", "{:>8.2f}", ("rank", "p50_ms")),
        ("rank p95", "{:>8.2f}", ("rank", "p95_ms")),
        ("1line p50", "{:>9.2f}", ("rank_oneline", "p50_ms")),
        ("cands", "{:>7.0f}", ("rank", "mean_candidates")),
        ("e2e p50", "{:>8.2f}", ("e2e", "p50_ms")),
        ("e2e fast", "{:>8.2f}", ("e2e_fast", "p50_ms")),
        ("fast p95", "{:>8.2f}", ("e2e_fast", "p95_ms")),
        ("unpk p50", "{:>8.2f}", ("e2e_fast_unpacked", "p50_ms")),
        ("2thr p50", "{:>8.2f}", ("e2e_fast_2threads", "p50_ms")),
        ("splt p50", "{:>8.2f}", ("e2e_fast_split", "p50_ms")),
        ("splt p95", "{:>8.2f}", ("e2e_fast_split", "p95_ms")),
        ("batch/s", "{:>8.0f}", ("batch", "referrals_per_s")),
        ("fast b/s", "{:>8.0f}", ("batch_fast", "referrals_per_s")),
        ("unpk b/s", "{:>8.0f}", ("batch_fast_unpacked", "referrals_per_s")),
        ("1thr b/s", "{:>8.0f}", ("batch_fast_1thread", "referrals_per_s")),
        ("int8 b/s", "{:>8.0f}", ("batch_fast_int8", "referrals_per_s")),
        ("save s", "{:>7.2f}", "save_s"),
        ("resave s", "{:>8.2f}", "save_loaded_s"),
        ("load s", "{:>7.2f}", "load_s"),
        ("load MB", "{:>8.0f}", "load_rss_mb"),
        ("ld rank", "{:>8.2f}", ("loaded_rank", "p50_ms")),
        ("brute p50", "{:>9.2f}", ("brute", "p50_ms")),
        ("naive p50", "{:>10.1f}", ("naive", "p50_ms")),
        ("brute/rx", "{:>8.2f}", "ratio_brute_over_rxmatch_p50"),
        ("naive/rx", "{:>8.1f}", "ratio_naive_over_rxmatch_p50"),
    ]
    head = " ".join(f"{c[0]:>{len(c[1].format(1))}}" for c in cols)
    lines = [head]
    for r in rows:
        cells = []
        for _, fmt, key in cols:
            v = r.get(key[0], {}).get(key[1]) if isinstance(key, tuple) else r.get(key)
            cells.append(fmt.format(v) if v is not None else f"{'-':>{len(fmt.format(1))}}")
        lines.append(" ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--queries", type=int, default=200, help="ranking queries per size")
    ap.add_argument("--repeats", type=int, default=3, help="passes over the ranking queries")
    ap.add_argument("--e2e-queries", type=int, default=100)
    ap.add_argument("--batch", type=int, default=200, help="referrals in the batch test")
    ap.add_argument(
        "--batch-fast", type=int, default=400, help="referrals in the fast-encoder batch test"
    )
    ap.add_argument(
        "--batch-threads", type=int, default=2, help="encoder threads in the fast batch test"
    )
    ap.add_argument("--naive-queries", type=int, default=20, help="(fewer at >= 100k)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="numpy BLAS threads of each size's process (0: the library's default, all cores)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tmpdir", default=None)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.one is not None:
        print(json.dumps(run_one(args.one, args)))
        return 0

    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(n)]
        for opt in (
            "queries",
            "repeats",
            "e2e_queries",
            "batch",
            "batch_fast",
            "batch_threads",
            "naive_queries",
            "threads",
            "seed",
        ):
            cmd += [f"--{opt.replace('_', '-')}", str(getattr(args, opt))]
        if args.tmpdir:
            cmd += ["--tmpdir", args.tmpdir]
        env = os.environ.copy()
        if args.blas_threads > 0:  # before numpy loads in the child
            for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                env[var] = str(args.blas_threads)
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"size {n} failed")
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row["wall_s"] = time.perf_counter() - t
        rows.append(row)
        print(f"size {n:,} done in {row['wall_s']:.0f} s", file=sys.stderr, flush=True)
    print(_table(rows))
    if args.json:
        import rxmatch

        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "rxmatch_version": rxmatch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_at_end": list(os.getloadavg()),
            "k": K,
            "torch_threads": args.threads,
            "blas_threads": args.blas_threads or "library default (all cores)",
            "ranking_passes": args.repeats,
            "memory_metric": "psutil RSS delta (resident set size after minus before, MiB)",
            "embeddings": "random unit vectors, dim 384 (synthetic); queries: real model",
            "queries": "rank/e2e/batch: bundled referral texts (real-data San Mateo + NYC "
            "and synthetic, natural mix); *_oneline: the ten one-line texts",
        }
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
