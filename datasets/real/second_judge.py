"""Second-judge sample of later judgements (judge labels added after round 1), and their κ.

    python datasets/real/second_judge.py packet --judges j8 j9-e5 j10 --out /tmp/judging
    python datasets/real/second_judge.py kappa --judges j8 j9-e5 j10 --second j11

``packet`` draws a seeded random sample of each (dataset, first judge) stratum of
``qrels.csv`` (``--fraction`` of its pairs, rounded up; raised so that there are at least
``--min-pairs`` in all) and writes a blind packet from the pair ids only: the referral
(words, age, speaker, language) and the record (name, category, tags, ages, full text),
referrals and records in a seeded random order, no first grade, no system name. The
first grades are never read in this step (only the judge column, to form the strata).

``kappa`` joins the second judge's rows in ``qrels_second_judge.csv`` (label
``--second``) with the first grades and prints weighted Cohen's κ (linear and
quadratic, scikit-learn ``cohen_kappa_score``), exact agreement and agreement within
one grade, per dataset, per first judge and in all.
"""

from __future__ import annotations

import argparse
import math
import random
import warnings
from pathlib import Path

import pandas as pd

import rxmatch

HERE = Path(__file__).parent
DATA = Path(rxmatch.__file__).parent / "datasets" / "data" / "real"


def _first(name: str, judges: list[str]) -> pd.DataFrame:
    q = pd.read_csv(DATA / name / "qrels.csv", dtype=str)
    return q[q["judge"].isin(judges)]


def sample(judges: list[str], fraction: float, min_pairs: int, seed: int) -> pd.DataFrame:
    strata = []
    for name in rxmatch.datasets.REAL_DATASETS:
        q = _first(name, judges)
        for judge in judges:
            pairs = sorted(
                zip(
                    q.loc[q["judge"] == judge, "referral_id"],
                    q.loc[q["judge"] == judge, "resource_id"],
                )
            )
            if pairs:
                strata.append((name, judge, pairs))
    total = sum(len(p) for _, _, p in strata)
    frac = max(fraction, min(1.0, min_pairs / max(1, total)))
    rows = []
    for name, judge, pairs in strata:
        rng = random.Random(f"{seed}-{name}-{judge}")
        n = min(len(pairs), math.ceil(frac * len(pairs)))
        for qid, rid in rng.sample(pairs, n):
            rows.append({"dataset": name, "referral_id": qid, "resource_id": rid})
    return pd.DataFrame(rows)


def write_packet(pairs: pd.DataFrame, out: Path, seed: int) -> None:
    from make_pool import record_text  # same folder

    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in pairs.groupby("dataset"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            directory = rxmatch.datasets.load_real_directory(name)
        refs = rxmatch.datasets.load_real_referrals(name).set_index("referral_id")
        table = directory.frame.set_index("id")
        ids = sorted(set(part["referral_id"]))
        rng.shuffle(ids)
        text = []
        for qid in ids:
            recs = sorted(part.loc[part["referral_id"] == qid, "resource_id"])
            rng.shuffle(recs)
            row = refs.loc[qid]
            text.append(
                f"## referral {qid}\n\nwords: {row['what_matters']}\n\nage of the person who "
                f"would attend: {row['age']}; speaker: {row['speaker']}; language: "
                f"{row['language']}\n\n" + "".join(record_text(table, r, None) for r in recs)
            )
        (out / f"second_{name}.md").write_text("\n".join(text), "utf-8")
        print(f"{name}: {len(part)} pairs in {len(ids)} referrals -> {out}")


def kappa(judges: list[str], second: str) -> pd.DataFrame:
    from sklearn.metrics import cohen_kappa_score

    joined = []
    for name in rxmatch.datasets.REAL_DATASETS:
        s = pd.read_csv(DATA / name / "qrels_second_judge.csv", dtype=str)
        s = s[s["judge"] == second]
        f = _first(name, judges)
        j = f.merge(s, on=["referral_id", "resource_id"], suffixes=("", "_2"))
        j["dataset"] = name
        joined.append(j)
    j = pd.concat(joined)
    j["a"], j["b"] = j["relevance"].astype(int), j["relevance_2"].astype(int)

    def stats(g: pd.DataFrame) -> pd.Series:
        one = len(set(g["a"]) | set(g["b"])) == 1
        return pd.Series(
            {
                "n": len(g),
                "kappa_linear": float("nan")
                if one
                else cohen_kappa_score(g["a"], g["b"], weights="linear"),
                "kappa_quadratic": float("nan")
                if one
                else cohen_kappa_score(g["a"], g["b"], weights="quadratic"),
                "exact": (g["a"] == g["b"]).mean(),
                "within_one": ((g["a"] - g["b"]).abs() <= 1).mean(),
                "mean_first": g["a"].mean(),
                "mean_second": g["b"].mean(),
            }
        )

    parts = {
        "all": stats(j),
        **{f"dataset {k}": stats(g) for k, g in j.groupby("dataset")},
        **{f"first judge {k}": stats(g) for k, g in j.groupby("judge")},
    }
    return pd.DataFrame(parts).T


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=("packet", "kappa"))
    ap.add_argument("--judges", nargs="+", required=True)
    ap.add_argument("--out", help="folder for the packet (outside the repository)")
    ap.add_argument("--fraction", type=float, default=0.25)
    ap.add_argument("--min-pairs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--second", default="j11")
    args = ap.parse_args()
    if args.step == "packet":
        if not args.out:
            raise SystemExit("--out is required for packet")
        pairs = sample(args.judges, args.fraction, args.min_pairs, args.seed)
        out = Path(args.out)
        write_packet(pairs, out, args.seed)
        pairs.to_csv(out / "second_sample.csv", index=False)
    else:
        with pd.option_context("display.width", 160):
            print(kappa(args.judges, args.second).round(3).to_string())


if __name__ == "__main__":
    main()
