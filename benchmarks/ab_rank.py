"""Interleaved A/B of ranking CPU: two versions of rxmatch in one process (issue 15).

    git archive HEAD src | tar -x -C /tmp/old     # the code before a change
    OPENBLAS_NUM_THREADS=1 python benchmarks/ab_rank.py --old /tmp/old/src --new src

Imports the ``--old`` and the ``--new`` package one after the other (each under the name
``rxmatch``, the first's modules set aside), fits each on its own copy of the same
``synth.py`` directory and vectors, encodes the real-text queries
(``synth.real_text_queries``) once per version, checks that ``recommend(...).to_json()``
is the same for every query, then times ``recommend(referral, k, query_vector=...)`` with
the thread's CPU time (``time.thread_time``), the versions taking turns query by query:
each on another query (the same sequence shifted by half), so that neither finds the
other's rows in cache, and which goes first alternates per pass. On a shared machine the
wall time includes waiting for a core; the thread CPU time and the paired ratio do not.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def _load(src: str, n: int, queries: int) -> tuple[Any, list[Any], list[Any]]:
    """A matcher of the package under ``src`` with its encoded queries."""
    for name in [k for k in sys.modules if k == "rxmatch" or k.startswith("rxmatch.")]:
        del sys.modules[name]
    sys.modules.pop("synth", None)
    sys.path[:0] = [src, str(HERE)]
    try:
        import synth

        import rxmatch
    finally:
        del sys.path[:2]
    if not str(Path(rxmatch.__file__).resolve()).startswith(str(Path(src).resolve())):
        raise SystemExit(f"rxmatch was not imported from {src}: {rxmatch.__file__}")
    emb = synth.synth_embeddings(n, seed=0)  # one copy per version: no shared cache lines
    directory = synth.synth_directory(n, seed=0)
    m = rxmatch.Matcher(rxmatch.SentenceTransformerEmbedder(), reference_date=date(2026, 1, 1))
    m.fit(directory, embeddings=emb)
    real, _ = synth.real_text_queries(queries, seed=0)
    return m, real, m.encode_many(real)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the src directory of the old version")
    ap.add_argument("--new", default=str(HERE.parent / "src"), help="(default: this tree)")
    ap.add_argument("--n", type=int, default=100_000, help="synthetic directory size")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=4)
    ap.add_argument("-k", type=int, default=10)
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    versions = {"old": _load(args.old, args.n, args.queries)}
    versions["new"] = _load(args.new, args.n, args.queries)
    (ma, ra, qa), (mb, rb, qb) = versions["old"], versions["new"]
    same = sum(
        ma.recommend(r, args.k, query_vector=v).to_json()
        == mb.recommend(r2, args.k, query_vector=v2).to_json()
        for r, v, r2, v2 in zip(ra, qa, rb, qb)
    )
    print(f"same to_json: {same} of {len(ra)} queries")
    n = len(ra)
    cpu: dict[str, np.ndarray] = {name: np.zeros((args.passes, n)) for name in versions}
    gc.disable()  # a collection lands on whichever query allocates next
    try:
        for p in range(args.passes):
            first, second = ("old", "new") if p % 2 == 0 else ("new", "old")
            for i in range(n):
                for name, j in ((first, i), (second, (i + n // 2) % n)):
                    m, refs, qv = versions[name]
                    c = time.thread_time()
                    m.recommend(refs[j], args.k, query_vector=qv[j])
                    cpu[name][p, j] = time.thread_time() - c
            gc.collect()
    finally:
        gc.enable()
    a, b = cpu["old"].ravel() * 1e3, cpu["new"].ravel() * 1e3
    print(
        f"thread CPU ms, {args.n:,} resources, {n} queries x {args.passes} passes: "
        f"old p50 {np.median(a):.3f} mean {a.mean():.3f} | new p50 {np.median(b):.3f} "
        f"mean {b.mean():.3f} | p50 ratio {np.median(b) / np.median(a):.3f}, mean ratio "
        f"{b.mean() / a.mean():.3f}, paired median ratio {np.median(b / a):.3f}"
    )
    return 0 if same == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
