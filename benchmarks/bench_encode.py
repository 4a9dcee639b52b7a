"""Query encoding: the reference sentence-transformers model vs OnnxEmbedder (fp32, int8).

The fp32 encoder runs three ways: packed (the default: a referral's texts in one row and
one run), padded (``pack=False``, the previous round's way) and packed on two threads.

    python benchmarks/bench_encode.py --n 200 --json benchmarks/results/encode.json

In one run, on the same texts (``--n`` referral texts drawn in a seeded order from every
bundled referral: the real-data San Mateo and NYC referrals, in English, Spanish and four
more languages, and the synthetic set, in their natural mix; ``synth.referral_texts``),
for each encoder:

* **load**: time until the encoder is ready (the ONNX ones export the bundled weights in
  memory with torch first, then build the onnxruntime session);
* **single query**: ``encode([text])`` latency per text, p50 / p95 / mean in ms; the
  encoders take turns text by text (rotating order), so drift hits them alike;
* **batch**: ``encode(texts, batch_size=64)`` throughput in texts/s (best of
  ``--batch-repeats``);
* **agreement**: cosine of each text's vector with the reference's (min / mean);
* **groups**: single-query p50 per facet count (how many wishes the answer splits into)
  and per language group (en / es / other), and on the first round's ten one-line texts;
* **per referral** (``referral``): what encoding a referral costs when its whole answer and
  each of its wishes and dislikes are encoded in one call each (the old way, one forward
  pass per text) against one batched call per referral (``Matcher.encode``'s way), and
  ``Matcher.encode`` / ``Matcher.encode_many`` themselves (facet split and typo
  correction included), per referral.

torch runs on one thread (``torch.set_num_threads(1)``) and the ONNX encoders on one
intra-op thread (``--threads``), the setting of a server answering one query at a time.
Ratios are reference time / encoder time in the same run. No text is printed or written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for pkg in ("rxmatch", "torch", "sentence-transformers", "onnxruntime", "onnx", "tokenizers"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def _per_referral(encoders: dict[str, Any], texts: list[str]) -> dict[str, dict[str, float]]:
    """Encoding per referral: one call per text (whole answer, each wish, each dislike) vs
    one batched call per referral, and ``Matcher.encode`` / ``encode_many``, for the
    reference and the fp32 ONNX encoders (packed, padded, packed on two threads; a Matcher
    on the demo directory, one encoder)."""
    import rxmatch
    from rxmatch.features.facets import split_facets
    from rxmatch.features.query import QueryEncoder, facet_texts

    out = {}
    query = QueryEncoder()  # the Matcher's defaults
    for name, enc in list(encoders.items())[:4]:
        # English words only: no multilingual nor E5 vector set is needed
        m = rxmatch.Matcher(enc, multilingual=None, e5=None).fit(
            rxmatch.datasets.load_demo_directory()
        )
        parts = []
        for t in texts:
            f = split_facets(t)
            interests, dislikes = facet_texts(f)
            parts.append([m.query_text(x) for x in (query.main_text(t, f), *interests, *dislikes)])
        refs = [rxmatch.Referral(t, postal_code="94401") for t in texts]
        per_text, per_ref, full = [], [], []
        for p, r in zip(parts, refs):
            t0 = time.perf_counter()
            for x in p:
                enc.encode([x])
            t1 = time.perf_counter()
            enc.encode(p)
            t2 = time.perf_counter()
            m.encode(r)
            t3 = time.perf_counter()
            per_text.append(t1 - t0)
            per_ref.append(t2 - t1)
            full.append(t3 - t2)
        t0 = time.perf_counter()
        m.encode_many(refs)
        many = time.perf_counter() - t0
        out[name] = {
            "texts_per_referral_mean": float(np.mean([len(p) for p in parts])),
            "per_text_p50_ms": 1000 * float(np.median(per_text)),
            "per_referral_p50_ms": 1000 * float(np.median(per_ref)),
            "matcher_encode_p50_ms": 1000 * float(np.median(full)),
            "encode_many_ms_per_referral": 1000 * many / len(refs),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="number of referral texts")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--batch-repeats", type=int, default=3)
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 encoder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args(argv)

    import torch

    import rxmatch
    from rxmatch.features.onnx import OnnxEmbedder

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synth import QUERY_TEXTS, referral_texts

    pool = referral_texts()
    order = np.random.default_rng(args.seed).permutation(len(pool))[: args.n]
    meta = pool.iloc[order].reset_index(drop=True)
    texts = meta["text"].tolist()
    n_es = int((meta["language"] == "es").sum())
    n_other = int((meta["language"] == "other").sum())

    encoders = {
        "reference (sentence-transformers, torch 1 thread)": rxmatch.SentenceTransformerEmbedder(),
        f"onnx fp32 ({args.threads} thread)": OnnxEmbedder(threads=args.threads),
        # the previous round's way: texts padded to their length bucket, one run per bucket
        f"onnx fp32 padded ({args.threads} thread)": OnnxEmbedder(threads=args.threads, pack=False),
        "onnx fp32 (2 threads)": OnnxEmbedder(threads=2),
    }
    if not args.no_int8:
        encoders[f"onnx int8 ({args.threads} thread)"] = OnnxEmbedder(
            quantize=True, threads=args.threads
        )
    names = list(encoders)

    results: dict[str, dict] = {}
    for name, enc in encoders.items():
        t0 = time.perf_counter()
        enc.encode(texts[:1])
        load_s = time.perf_counter() - t0
        for t in texts[:10]:  # warm-up
            enc.encode([t])
        results[name] = {"load_s": load_s, "single_ms": []}

    for i, t in enumerate(texts):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            t0 = time.perf_counter()
            encoders[name].encode([t])
            results[name]["single_ms"].append(1000 * (time.perf_counter() - t0))
    for name in names:  # the first round's one-line texts, 5 passes
        lat = []
        for _ in range(5):
            for t in QUERY_TEXTS:
                t0 = time.perf_counter()
                encoders[name].encode([t])
                lat.append(1000 * (time.perf_counter() - t0))
        results[name]["oneline_p50_ms"] = float(np.percentile(lat, 50))
        single = np.asarray(results[name]["single_ms"])
        for key in ("wishes_group", "language"):
            results[name][f"p50_ms_by_{key}"] = {
                str(g): float(np.percentile(single[(meta[key] == g).to_numpy()], 50))
                for g in sorted(set(meta[key]))
            }

    vectors = {}
    for name, enc in encoders.items():
        best = float("inf")
        for _ in range(args.batch_repeats):
            t0 = time.perf_counter()
            vectors[name] = enc.encode(texts, batch_size=args.batch_size)
            best = min(best, time.perf_counter() - t0)
        results[name]["batch_texts_per_s"] = len(texts) / best

    ref_name = names[0]
    ref = results[ref_name]
    rows = []
    for name in names:
        r = results[name]
        lat = np.asarray(r.pop("single_ms"))
        cos = (vectors[name] * vectors[ref_name]).sum(axis=1)
        r.update(
            p50_ms=float(np.percentile(lat, 50)),
            p95_ms=float(np.percentile(lat, 95)),
            mean_ms=float(lat.mean()),
            cos_min=float(cos.min()),
            cos_mean=float(cos.mean()),
            name=encoders[name].name,
        )
    for name in names:
        r = results[name]
        r["speedup_p50"] = ref["p50_ms"] / r["p50_ms"]
        r["speedup_p95"] = ref["p95_ms"] / r["p95_ms"]
        r["speedup_batch"] = r["batch_texts_per_s"] / ref["batch_texts_per_s"]
        rows.append(
            f"| {name} | {r['load_s']:.1f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | "
            f"{r['speedup_p50']:.2f}× | {r['batch_texts_per_s']:.0f} | "
            f"{r['speedup_batch']:.2f}× | {r['cos_min']:.5f} | {r['cos_mean']:.5f} |"
        )

    per_referral = _per_referral(encoders, texts)

    print(
        f"{len(texts)} referral texts ({n_es} Spanish, {n_other} in other languages), "
        f"batch {args.batch_size}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    print(
        "| encoder | load s | p50 ms | p95 ms | p50 speed-up | batch texts/s | "
        "batch speed-up | min cos | mean cos |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    groups = sorted(set(meta["wishes_group"]))
    langs = sorted(set(meta["language"]))
    print("\nsingle-query p50 ms by wishes / language, and on the one-line texts")
    print(
        "| encoder | "
        + " | ".join(f"{g} wishes" for g in groups)
        + " | "
        + " | ".join(langs)
        + " | one-line |"
    )
    print("|---" * (2 + len(groups) + len(langs)) + "|")
    for name in names:
        r = results[name]
        cells = [f"{r['p50_ms_by_wishes_group'][g]:.2f}" for g in groups]
        cells += [f"{r['p50_ms_by_language'][g]:.2f}" for g in langs]
        print(f"| {name} | " + " | ".join(cells) + f" | {r['oneline_p50_ms']:.2f} |")
    print("\nper referral, ms (p50 over referrals; encode_many: total / referrals)")
    print(
        "| encoder | one call per text | one call per referral | gain | "
        "Matcher.encode | Matcher.encode_many |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in per_referral.items():
        print(
            f"| {name} | {r['per_text_p50_ms']:.2f} | {r['per_referral_p50_ms']:.2f} | "
            f"{r['per_text_p50_ms'] / r['per_referral_p50_ms']:.2f}× | "
            f"{r['matcher_encode_p50_ms']:.2f} | {r['encode_many_ms_per_referral']:.2f} |"
        )

    if args.json:
        payload = {
            "date": date.today().isoformat(),
            "n_texts": len(texts),
            "n_spanish": n_es,
            "n_other_languages": n_other,
            "by_wishes": meta["wishes_group"].value_counts().sort_index().to_dict(),
            "by_language": meta["language"].value_counts().sort_index().to_dict(),
            "per_referral": per_referral,
            "batch_size": args.batch_size,
            "onnx_threads": args.threads,
            "torch_threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "versions": _versions(),
            "results": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
