#!/usr/bin/env python3
"""Draw a fresh population of people from the synthetic set's generator (for held-out evaluation).

The outcome simulation (``rxmatch.outcomes.simulate``, ``docs/outcomes.md``) trains its learner on
people drawn from the synthetic set's train/dev referrals. To measure the learned ranker on more
held-out people than the 147 test referrals, this script draws *new* people from the same generator
(``make_synthetic.py``: the same directory, rebuilt from its seed and checked against the bundled
file; the same regions, needs, barriers, homes, texts and latent-variable relevance grades) with a
separate seed, so they are disjoint from every bundled referral.

    python datasets/synthetic/make_people.py                 # 1,000 people, seed 1
    python datasets/synthetic/make_people.py --n 1000 --seed 1 --out DIR

Writes (gzip, into ``src/rxmatch/outcomes/data/`` unless ``--out``):
  sim_population_referrals.jsonl.gz   referrals in the shape of synthetic_referrals.jsonl (split "population")
  sim_population_qrels.csv.gz         graded relevance 1-3 from the latent variables (0 omitted)
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import make_synthetic as ms  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="people to draw")
    ap.add_argument(
        "--seed", type=int, default=1, help="the people's seed (the directory's is fixed)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "rxmatch" / "outcomes" / "data")
    args = ap.parse_args(argv)
    if args.seed == ms.SEED:
        ap.error("use a seed other than the bundled set's, so the people are new draws")

    # 1. the directory, exactly as make_synthetic.py builds it (its first use of the generator)
    ms.rng = np.random.default_rng(ms.SEED)
    recs = ms.build_resources()
    built = ms.directory_frame(recs)
    bundled = pd.read_csv(
        ROOT / "src" / "rxmatch" / "datasets" / "data" / "synthetic_directory.csv", dtype=str
    )
    if list(built["id"]) != list(bundled["id"]) or list(built["description"].astype(str)) != list(
        bundled["description"].astype(str)
    ):
        raise SystemExit("the rebuilt directory differs from the bundled one; not drawing people")
    ra = ms.ResourceArrays(recs)

    # 2. the people: the bundled set's region and Spanish-text shares, a separate seed
    ms.rng = np.random.default_rng(args.seed)
    counts = {k: int(round(args.n * p)) for k, p in ms.REGION_REFERRAL_SHARE.items()}
    counts["city"] += args.n - sum(counts.values())
    regions = [k for k, c in counts.items() for _ in range(c)]
    regions = [regions[i] for i in ms.rng.permutation(len(regions))]
    text_langs = ["en"] * len(regions)
    for kind, n_es in ms.SPANISH_TEXTS.items():
        idx = [i for i, r in enumerate(regions) if r == kind]
        n_es = int(round(n_es * args.n / ms.N_REFERRALS))
        for i in ms.rng.choice(idx, size=min(n_es, len(idx)), replace=False).tolist():
            text_langs[i] = "es"
    counters = {"home_resamples": 0, "need_resamples": 0}
    people = [ms.sample_person(k, tl, ra, counters) for k, tl in zip(regions, text_langs)]

    ref_rows, qrel_rows = [], []
    for i, (kind, p) in enumerate(zip(regions, people)):
        rid = f"pop{args.seed}-{i + 1:05d}"
        ref_rows.append(
            {
                "referral_id": rid,
                "what_matters": p["what_matters"],
                "lat": round(p["lat"], 5),
                "lon": round(p["lon"], 5),
                "postal_code": p["postal_code"],
                "region": ms.REGION_NAME[kind],
                "age": p["age"],
                "languages": p["languages"],
                "travel_mode": p["travel_mode"],
                "max_km": p["max_km"],
                "free_only": p["free_only"],
                "accessibility_needs": p["accessibility_needs"],
                "online_ok": p["online_ok"],
                "availability": p["availability"],
                "split": "population",
                "language_of_text": p["language_of_text"],
            }
        )
        g = p["grades"]
        for j in sorted(np.nonzero(g)[0].tolist(), key=lambda j: (-int(g[j]), j)):
            qrel_rows.append((rid, recs[j]["id"], int(g[j])))

    args.out.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same bytes on every run
    path = args.out / "sim_population_referrals.jsonl.gz"
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ref_rows).encode())
    buf = io.StringIO()
    pd.DataFrame(qrel_rows, columns=["referral_id", "resource_id", "relevance"]).to_csv(
        buf, index=False
    )
    path = args.out / "sim_population_qrels.csv.gz"
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(buf.getvalue().encode())
    print(
        f"{len(ref_rows)} people (seed {args.seed}; {counts}; "
        f"{text_langs.count('es')} Spanish texts), {len(qrel_rows)} qrels; "
        f"{counters['home_resamples']} home / {counters['need_resamples']} need resamples"
    )


if __name__ == "__main__":
    main()
