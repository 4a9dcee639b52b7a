"""The one test run of the opt-in E5 routing (issue #11, ``Matcher(e5="auto")``, system
``rxmatch-e5``), after every choice was made on dev and its test top 10 was pooled and
judged (``j10``):

    python datasets/real/e5_test.py sanmateo    # and nyc

nDCG@10 of dense MiniLM, dense USEM3, rxmatch and rxmatch-e5 overall and per language,
paired differences (1,000 bootstrap resamples, seed 0), the unjudged share of each top 10,
and rxmatch without the ``j10`` judgements. Nothing may be changed after running it.
"""

import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from e5_routing import unjudged_share  # noqa: E402

import rxmatch  # noqa: E402
from rxmatch.evaluation import cached_index, evaluate  # noqa: E402

name = sys.argv[1]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    directory = rxmatch.datasets.load_real_directory(name)
refs = rxmatch.datasets.load_real_referrals(name, "test")
qrels = rxmatch.datasets.load_real_qrels(name)
shared = cached_index(directory)
systems = ["dense", "dense-usem3", "rxmatch", "rxmatch-e5"]
res = evaluate(systems, None, refs, qrels, k=10, bootstrap=1000, seed=0, shared=shared)
pd.set_option("display.width", 200)
print(f"== {name} test: {len(refs)} referrals")
print(res.summary(metrics=["ndcg@10", "recall@10"]).round(3).to_string())
by = res.summary(by="language_of_text", metrics=["ndcg@10"])
print(by.round(3).to_string())
for a, b in [
    ("rxmatch-e5", "dense"),
    ("rxmatch-e5", "rxmatch"),
    ("rxmatch-e5", "dense-usem3"),
    ("rxmatch", "dense"),
]:
    d, lo, hi = res.paired_difference(a, b, "ndcg@10")
    print(f"{a} - {b}: {d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
# per-language paired difference on the languages routed to E5
lang = dict(zip(refs["referral_id"].astype(str), refs["language_of_text"]))
for L in sorted(set(lang.values())):
    sub = refs[refs["language_of_text"] == L]
    r2 = evaluate(
        ["rxmatch", "rxmatch-e5", "dense"],
        None,
        sub,
        qrels,
        k=10,
        bootstrap=1000,
        seed=0,
        shared=shared,
    )
    d1 = r2.paired_difference("rxmatch-e5", "rxmatch", "ndcg@10")
    d2 = r2.paired_difference("rxmatch-e5", "dense", "ndcg@10")
    print(
        f"lang {L} n={len(sub)}: e5-rxmatch {d1[0]:+.3f} [{d1[1]:+.3f}, {d1[2]:+.3f}]; e5-dense {d2[0]:+.3f} [{d2[1]:+.3f}, {d2[2]:+.3f}]"
    )
print("share of top-10 unjudged:")
print(unjudged_share(res, refs, qrels).unstack().round(3).to_string())
# rxmatch without the j10 judgements
old = qrels[qrels["judge"] != "j10"] if "judge" in qrels.columns else qrels
r0 = evaluate(["rxmatch"], None, refs, old, k=10, bootstrap=0, seed=0, shared=shared)
print(
    "rxmatch ndcg@10 without j10 judgements:",
    r0.summary(metrics=["ndcg@10"])[["system", "mean"]].to_string(),
)
print(
    "judge column present:",
    "judge" in qrels.columns,
    "j10 rows:",
    int((qrels.get("judge") == "j10").sum()) if "judge" in qrels.columns else None,
)
