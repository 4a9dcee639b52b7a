"""When does ``rxmatch.distributed.recommend_many_dask`` pay off?

    python benchmarks/bench_dask.py --n 10000 --referrals 400 --workers 2 --json OUT

Compares, on the same synthetic directory (random unit embeddings, real model for the
queries) and the same referrals: ``Matcher.recommend_many`` in one process, and
``recommend_many_dask`` on a ``LocalCluster`` of worker processes (one thread each),
reporting the cluster start-up, the first call (which scatters the matcher, model
included, to every worker) and a second call (matcher already there).

Referral texts: the bundled referrals' words in their natural mix (``--texts real``,
default: ``synth.real_text_queries``) or the ten one-line texts (``--texts oneline``).
``break_even_referrals`` is the batch size from which the second call's per-referral gain
would pay for the one-off shipping (``first - second`` seconds), on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    import pandas as pd
    import torch
    from distributed import Client, LocalCluster
    from synth import real_text_queries, synth_directory, synth_embeddings, synth_queries

    import rxmatch
    from rxmatch.distributed import recommend_many_dask

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--referrals", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--texts", choices=("real", "oneline"), default="real")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    directory = synth_directory(args.n)
    st = rxmatch.SentenceTransformerEmbedder()
    matcher = rxmatch.Matcher(st, reference_date=date(2026, 1, 1)).fit(
        directory, embeddings=synth_embeddings(args.n)
    )
    if args.texts == "real":
        refs, _ = real_text_queries(args.referrals)
    else:
        refs = synth_queries(args.referrals)
    frame = pd.DataFrame(
        [
            {"referral_id": r.referral_id, "what_matters": r.what_matters, "lat": r.lat,
             "lon": r.lon, "max_km": r.max_km}
            for r in refs
        ]
    )  # fmt: skip
    res: dict[str, Any] = {
        "n": args.n,
        "referrals": args.referrals,
        "workers": args.workers,
        "texts": args.texts,
        "cpu_count": os.cpu_count() or 0,
        "load_average_at_start": list(os.getloadavg()),
    }
    t = time.perf_counter()
    expected = matcher.recommend_many(frame, k=10)
    res["single_process_s"] = time.perf_counter() - t

    t = time.perf_counter()
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        res["cluster_start_s"] = time.perf_counter() - t
        t = time.perf_counter()
        got = recommend_many_dask(matcher, frame, k=10, client=client)
        res["dask_first_call_s"] = time.perf_counter() - t
        t = time.perf_counter()
        got2 = recommend_many_dask(matcher, frame, k=10, client=client)
        res["dask_second_call_s"] = time.perf_counter() - t
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(got2, expected)
    res["speedup_second_call"] = res["single_process_s"] / res["dask_second_call_s"]
    res["ms_per_referral_single"] = 1000 * res["single_process_s"] / args.referrals
    res["ms_per_referral_dask"] = 1000 * res["dask_second_call_s"] / args.referrals
    gain_ms = res["ms_per_referral_single"] - res["ms_per_referral_dask"]
    shipping_s = res["dask_first_call_s"] - res["dask_second_call_s"]
    res["break_even_referrals"] = (
        round(1000 * (shipping_s + res["cluster_start_s"]) / gain_ms) if gain_ms > 0 else None
    )
    print(json.dumps(res, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
