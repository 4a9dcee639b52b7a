"""Check that a speed change left every ranking byte-identical (issue #15).

Writes, per query, the SHA-256 of ``recommend(referral, 10, query_vector=...).to_json()``
(ids, scores, components, reasons, facts, exclusions: everything a caller sees) for

* the demo directory and the synthetic directory (bundled model), with the first
  ``--referrals`` synthetic referrals, and ``recommend_many`` on 50 of them;
* a synthetic ``--n``-resource directory (``synth.py``, random unit embeddings, as in
  ``bench_rank.py``) with ``--queries`` real-text referrals (``synth.real_text_queries``).

Run it on the old code and on the new one, then compare::

    PYTHONPATH=/path/to/old/src python benchmarks/check_identical.py --out old.json
    python benchmarks/check_identical.py --out new.json --compare old.json

Query vectors are encoded once per run (the encoding is not what is checked); the
rankings are compared query by query, and the first differing query is named (by its
position: the words are not printed).

The matchers are fitted with ``e5=None``: the synthetic referrals are English and Spanish,
which the E5 vector set (on by default since #11) never serves, so it would change no
digest and only add minutes of fitting; digests written before #11 stay comparable.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits

    import rxmatch
    from rxmatch.datasets import (
        load_demo_directory,
        load_synthetic_directory,
        load_synthetic_referrals,
    )
    from rxmatch.referral import Referral

    threadpool_limits(1)
    out: dict[str, Any] = {"rxmatch": rxmatch.__file__}
    frame = load_synthetic_referrals()
    refs = [Referral.from_mapping(dict(r)) for _, r in frame.iterrows()][: args.referrals]
    st = rxmatch.SentenceTransformerEmbedder()
    for name, directory in (
        ("demo", load_demo_directory()),
        ("synthetic", load_synthetic_directory()),
    ):
        m = rxmatch.Matcher(st, reference_date=date(2026, 1, 1), e5=None).fit(directory)
        qv = m.encode_many(refs)
        out[name] = [
            _digest(m.recommend(r, 10, query_vector=v).to_json()) for r, v in zip(refs, qv)
        ]
        out[name + "_many"] = _digest(m.recommend_many(frame.head(50), 10).to_json())
    if args.n:
        from synth import real_text_queries, synth_directory, synth_embeddings

        directory = synth_directory(args.n, seed=0)
        emb = synth_embeddings(args.n, seed=0)
        m = rxmatch.Matcher(st, reference_date=date(2026, 1, 1)).fit(directory, embeddings=emb)
        real, _ = real_text_queries(args.queries, seed=0)
        qv = m.encode_many(real)
        out[f"synth_{args.n}"] = [
            _digest(m.recommend(r, 10, query_vector=v).to_json()) for r, v in zip(real, qv)
        ]
    return out


def compare(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    problems = []
    for key, value in old.items():
        if key == "rxmatch":
            continue
        got = new.get(key)
        if got is None:
            problems.append(f"{key}: missing")
        elif isinstance(value, list):
            diff = [i for i, (a, b) in enumerate(zip(value, got)) if a != b]
            if diff or len(value) != len(got):
                problems.append(
                    f"{key}: {len(diff)} of {len(value)} differ (first: query {diff[:1]})"
                )
        elif value != got:
            problems.append(f"{key}: differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="JSON file of the digests")
    ap.add_argument("--compare", help="digests of the other version to compare with")
    ap.add_argument("--referrals", type=int, default=300)
    ap.add_argument("--n", type=int, default=10_000, help="synthetic directory size (0: none)")
    ap.add_argument("--queries", type=int, default=400)
    args = ap.parse_args(argv)
    res = run(args)
    Path(args.out).write_text(json.dumps(res, indent=1))
    if args.compare:
        problems = compare(res, json.loads(Path(args.compare).read_text()))
        for p in problems:
            print("DIFFERENT", p)
        if problems:
            return 1
        print("identical:", ", ".join(k for k in res if k != "rxmatch"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
