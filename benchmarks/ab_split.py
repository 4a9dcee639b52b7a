"""Interleaved A/B of the query encoder on one referral: one thread against the split
(``OnnxEmbedder(threads=2)``: the referral's texts in two groups run at the same time on
two threads) and, with ``--ops``, two onnxruntime intra-op threads (``parallel="ops"``).

The texts are those a Matcher encodes with its primary encoder for the bundled real-text
referrals (``synth.real_text_queries``; the whole answer, each wish and dislike). The
variants take turns referral by referral in one process, in a rotating order ("ops" in
passes of its own afterwards: its spinning pool threads would slow the next call); the script
prints wall, calling-thread CPU and process CPU (every thread) per call, the paired median
ratio of wall times, the load averages before and after, and the largest difference of
the vectors from the one-thread ones. Only numbers are printed (no text).

    OPENBLAS_NUM_THREADS=1 python benchmarks/ab_split.py --passes 3 [--ops]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))


def referral_texts(n: int) -> list[list[str]]:
    """Per referral, the texts the primary encoder is asked for (English answers)."""
    from synth import real_text_queries

    import rxmatch
    from rxmatch.features.onnx import OnnxEmbedder

    real, _ = real_text_queries(max(n, 200), seed=0)
    emb = OnnxEmbedder(threads=1)
    m = rxmatch.Matcher(emb, multilingual=None, e5=None).fit(rxmatch.datasets.load_demo_directory())
    seen: list[list[str]] = []
    encode = emb.encode

    def record(texts, **kw):  # noqa: ANN001, ANN202 - a spy
        seen.append(list(texts))
        return encode(texts, **kw)

    emb.encode = record  # type: ignore[method-assign]
    for r in real[:n]:
        m.encode(r)
    return seen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--referrals", type=int, default=100)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--ops", action="store_true", help="also time parallel='ops'")
    args = ap.parse_args(argv)
    from rxmatch.features.onnx import OnnxEmbedder

    texts = referral_texts(args.referrals)
    variants = {"one": OnnxEmbedder(threads=1), "split": OnnxEmbedder(threads=2)}
    if args.ops:
        variants["ops"] = OnnxEmbedder(threads=2, parallel="ops")
    names = list(variants)
    for ts in texts[:5]:  # warm-up
        for e in variants.values():
            e.encode(ts)
    wall: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}
    pcpu: dict[str, list[float]] = {k: [] for k in names}
    diff = {k: 0.0 for k in names}
    load0 = os.getloadavg()
    # onnxruntime's intra-op pool threads spin for tens of ms after a run (a whole core):
    # "ops" in turn with the others would take a core from the next call, so it is timed
    # in passes of its own, after theirs
    rounds = [["one", "split"]] + ([["ops"]] if args.ops else [])
    ref = [variants["one"].encode(ts) for ts in texts]
    for turn in rounds:
        for _ in range(args.passes):
            for i, ts in enumerate(texts):
                for k in turn[i % len(turn) :] + turn[: i % len(turn)]:
                    c, pc = time.thread_time(), time.process_time()
                    t = time.perf_counter()
                    got = variants[k].encode(ts)
                    wall[k].append(time.perf_counter() - t)
                    cpu[k].append(time.thread_time() - c)
                    pcpu[k].append(time.process_time() - pc)
                    diff[k] = max(diff[k], float(np.abs(got - ref[i]).max()))
    load1 = os.getloadavg()
    lengths = [len(t) for t in texts]
    print(
        f"{len(texts)} referrals x {args.passes} passes; texts per referral p50 "
        f"{np.median(lengths):.0f}; load average before {[round(x, 2) for x in load0]} "
        f"after {[round(x, 2) for x in load1]}"
    )
    for k in names:
        w = np.array(wall[k]) * 1e3
        print(
            f"{k:6s} wall p50 {np.median(w):6.2f} p95 {np.percentile(w, 95):6.2f} ms | "
            f"thread CPU p50 {np.median(cpu[k]) * 1e3:6.2f} | process CPU p50 "
            f"{np.median(pcpu[k]) * 1e3:6.2f} | max abs diff from one {diff[k]:.1e}"
        )
    for k in names[1:]:
        ratio = np.median(np.array(wall[k]) / np.array(wall["one"]))
        print(f"paired median wall ratio {k}/one {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
