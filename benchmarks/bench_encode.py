"""Query encoding: the reference sentence-transformers model vs OnnxEmbedder (fp32, int8).

    python benchmarks/bench_encode.py --n 200 --json benchmarks/results/encode.json

In one run, on the same real texts (the first ``--n`` referrals of the synthetic set, in
file order: English and Spanish people's own words), for each encoder:

* **load**: time until the encoder is ready (the ONNX ones export the bundled weights in
  memory with torch first, then build the onnxruntime session);
* **single query**: ``encode([text])`` latency per text, p50 / p95 / mean in ms; the
  encoders take turns text by text (rotating order), so drift hits them alike;
* **batch**: ``encode(texts, batch_size=64)`` throughput in texts/s (best of
  ``--batch-repeats``);
* **agreement**: cosine of each text's vector with the reference's (min / mean).

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="number of referral texts")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--batch-repeats", type=int, default=3)
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 encoder")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args(argv)

    import torch

    import rxmatch
    from rxmatch.features.onnx import OnnxEmbedder

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    refs = rxmatch.datasets.load_synthetic_referrals()
    texts = refs["what_matters"].astype(str).tolist()[: args.n]
    n_es = int((refs["language_of_text"].iloc[: len(texts)] == "es").sum())

    encoders = {
        "reference (sentence-transformers, torch 1 thread)": rxmatch.SentenceTransformerEmbedder(),
        f"onnx fp32 ({args.threads} thread)": OnnxEmbedder(threads=args.threads),
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

    print(
        f"{len(texts)} referral texts ({n_es} Spanish), batch {args.batch_size}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    )
    print(
        "| encoder | load s | p50 ms | p95 ms | p50 speed-up | batch texts/s | "
        "batch speed-up | min cos | mean cos |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))

    if args.json:
        payload = {
            "date": date.today().isoformat(),
            "n_texts": len(texts),
            "n_spanish": n_es,
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
