"""Ablation of rxmatch on the real dev splits: one piece removed or changed at a time.

    python datasets/real/ablation.py [--split dev] [--bootstrap 1000]

Each variant is a Matcher with the defaults but one parameter changed (parameters that act
when the words are encoded get their own shared index; the directory embeddings come from
the evaluation cache, so they are computed once). Every variant ranks through the same
harness as ``rxmatch evaluate``; unjudged records count as not relevant, so variants that
were not pooled are measured as lower bounds. Public API only.
"""

from __future__ import annotations

import argparse
import warnings

import pandas as pd

import rxmatch
from rxmatch.evaluation import cached_index, evaluate
from rxmatch.evaluation.baselines import RxMatchSystem

OLD = dict(  # rxmatch 0.1.0's ranking defaults (tuned on the synthetic set)
    weights=rxmatch.Weights(semantic=0.68, lexical=0.19, distance=0.03, category_fit=0.10),
    facet_weight=0.5,
    coverage_bonus=0.05,
    query_without_barriers=True,
    ensemble_weight=0.0,
    care_penalty=0.0,
    context_in_query=False,
)
W = rxmatch.Weights()
VARIANTS: dict[str, dict] = {
    "rxmatch": {},
    "- encoder ensemble": dict(ensemble_weight=0.0),
    "- multilingual routing": dict(multilingual=None),
    "- care prior": dict(care_penalty=0.0),
    "- lexical": dict(
        weights=rxmatch.Weights(
            semantic=W.semantic, lexical=0.0, distance=W.distance, category_fit=W.category_fit
        )
    ),
    "- category fit": dict(
        weights=rxmatch.Weights(
            semantic=W.semantic, lexical=W.lexical, distance=W.distance, category_fit=0.0
        )
    ),
    "- facets": dict(facets=False),
    "context left out of the query": dict(context_in_query=False),
    "facet_weight 0.5 + coverage bonus": dict(facet_weight=0.5, coverage_bonus=0.05),
    "rxmatch 0.1.0 ranking": OLD,
}
#: parameters that act when the words are encoded (or at fit): a shared index of their own
ENCODE_TIME = {
    "multilingual",
    "facets",
    "context_in_query",
    "query_without_barriers",
    "ensemble_weight",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args()
    rows = []
    for name in rxmatch.datasets.REAL_DATASETS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            directory = rxmatch.datasets.load_real_directory(name)
        refs = rxmatch.datasets.load_real_referrals(name, args.split)
        qrels = rxmatch.datasets.load_real_qrels(name)
        base = cached_index(directory)
        dense = evaluate(["dense"], None, refs, qrels, shared=base, bootstrap=args.bootstrap)
        d = dense.summary(metrics=["ndcg@10"]).iloc[0]
        rows.append({"dataset": name, "system": "dense MiniLM", "ndcg@10": d["mean"]})
        for label, params in VARIANTS.items():
            enc = {k: v for k, v in params.items() if k in ENCODE_TIME}
            rank = {k: v for k, v in params.items() if k not in ENCODE_TIME}
            shared = cached_index(directory, **enc) if enc else base
            system = RxMatchSystem(name="rxmatch", **rank)
            res = evaluate(
                ["dense", system], None, refs, qrels, shared=shared, bootstrap=args.bootstrap
            )
            s = res.summary(metrics=["ndcg@10"]).set_index("system").loc["rxmatch"]
            diff, lo, hi = res.paired_difference("rxmatch", "dense", "ndcg@10")
            rows.append(
                {
                    "dataset": name,
                    "system": label,
                    "ndcg@10": s["mean"],
                    "vs dense": f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}]",
                }
            )
            print(rows[-1], flush=True)
    out = pd.DataFrame(rows)
    table = out.pivot_table(
        index="system", columns="dataset", values="ndcg@10", aggfunc="first", sort=False
    )
    print(table.round(3).to_string())
    print(
        out.pivot_table(
            index="system", columns="dataset", values="vs dense", aggfunc="first", sort=False
        ).to_string()
    )


if __name__ == "__main__":
    main()
