"""Refit the calibrated confidence (``rxmatch.rank.scoring.CONFIDENCE_CALIBRATION``) on the
real dev splits, and check how reliable it is:

    python datasets/real/calibrate.py [--scores-out scores.csv] [--scores-in scores.csv]

The default matcher ranks every dev referral of both real datasets (San Mateo, NYC) through
the evaluation harness's shared index (``rxmatch.evaluation.cached_index``: the directory
embeddings come from the evaluation cache; every candidate within reach is ranked, as
``rxmatch evaluate`` does). Its top 10 final scores are paired with the judges' grades; a
match counts as good at grade 2 or 3. Unjudged pairs are counted and left out of the fit.
Platt scaling (scikit-learn ``LogisticRegression`` on the score, unpenalised) is fitted on
both dev sets together, and on each alone for a cross-check (fit on one directory, evaluate
on the other). Printed: the constants; Brier score, log loss and ECE (10 equal-width bins of
the predicted probability) of the current constants and the refit, pooled and per dataset;
the reliability table (observed vs predicted share of good matches by score quintile and by
bin); and how often the "no strong match" note (``LOW_CONFIDENCE``) fires on dev referrals
whose top match is graded 2+ or not, and on a few inputs nothing can serve (gibberish, a
wish the directory cannot serve, a home far outside the directory's area).

The test split is refused (``--split test``): the owner runs it. ``--scores-out`` writes the
pairs (dataset, referral id, resource id, rank, score, grade; ids and numbers only, never
the words) so that the fit can be re-run from them with ``--scores-in``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import rxmatch
from rxmatch.evaluation import cached_index
from rxmatch.evaluation.harness import referrals_from_frame
from rxmatch.rank.results import LOW_CONFIDENCE
from rxmatch.rank.scoring import CONFIDENCE_CALIBRATION, confidence

DATASETS = ("sanmateo", "nyc")
GOOD = 2  # grade 2 or 3 of 3 is a good match
NOTE = "no strong match"

#: inputs nothing in a directory can serve (the words are made up for this check)
UNSERVABLE = {
    "gibberish": dict(what_matters="qwxz vbnm plkj trrrb zzkq"),
    "a wish no directory serves": dict(
        what_matters="I want to learn to fly a helicopter and go deep-sea scuba diving on coral reefs"
    ),
    "home far outside the area": dict(
        what_matters="I would like to join a walking group and meet people",
        lat=61.2181,  # Anchorage, Alaska
        lon=-149.9003,
        postal_code=None,
    ),
}


def collect(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The default matcher's top 10 (scores and grades) for every dev referral of
    ``name``, and for the unservable inputs placed at the first dev referral's home."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_real_directory(name)
    refs = rxmatch.datasets.load_real_referrals(name, "dev")
    qrels = rxmatch.datasets.load_real_qrels(name)
    grade = {(r, s): g for r, s, g in zip(qrels.referral_id, qrels.resource_id, qrels.relevance)}
    shared = cached_index(directory)
    referrals = referrals_from_frame(refs)
    shared.encode(referrals)
    rows = []
    for ref in referrals:
        recs = shared.matcher.recommend(ref, 10, query_vector=shared.encoded(ref))
        fired = any(NOTE in n for n in recs.notes)
        for m in recs:
            rows.append(
                dict(
                    dataset=name,
                    referral_id=ref.referral_id,
                    resource_id=m.resource_id,
                    rank=m.rank,
                    score=m.score,
                    grade=grade.get((ref.referral_id, m.resource_id), np.nan),
                    note=fired,
                )
            )
    first = referrals[0]  # its home, reach and age; made-up words
    odd = []
    for label, kw in UNSERVABLE.items():
        recs = shared.matcher.recommend(dataclasses.replace(first, **kw), 10)
        best = max((m.score for m in recs), default=np.nan)
        odd.append(
            dict(
                dataset=name,
                input=label,
                n_candidates=recs.n_candidates,
                best_score=best,
                notes="; ".join(n for n in recs.notes if NOTE in n or "within reach" in n),
            )
        )
    return pd.DataFrame(rows), pd.DataFrame(odd)


def fit(scores: np.ndarray, good: np.ndarray) -> tuple[float, float]:
    """Platt scaling: ``(a, b)`` of ``sigmoid(a * score + b)`` (a logistic fit, practically
    unpenalised)."""
    lr = LogisticRegression(C=1e6).fit(scores.reshape(-1, 1), good.astype(int))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def out_of_fold(
    scores: np.ndarray, good: np.ndarray, groups: np.ndarray, folds: int = 5
) -> np.ndarray:
    """Each pair's refit confidence from a fit on the other referrals (``folds`` folds by
    referral, seeded): how the refit does on referrals it was not fitted on."""
    names = np.unique(groups)
    fold_of = dict(zip(names, np.random.default_rng(0).permutation(len(names)) % folds))
    fold = np.array([fold_of[g] for g in groups])
    p = np.empty(len(scores))
    for f in range(folds):
        held = fold == f
        p[held] = confidence(scores[held], fit(scores[~held], good[~held]))
    return p


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, float]:
    """Brier score, log loss and expected calibration error (equal-width bins of ``p``)."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    which = np.minimum((p * bins).astype(int), bins - 1)
    ece = sum(
        abs(p[which == i].mean() - y[which == i].mean()) * (which == i).sum()
        for i in range(bins)
        if (which == i).any()
    ) / len(p)
    return dict(
        n=len(p),
        brier=float(np.mean((p - y) ** 2)),
        log_loss=float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        ece=float(ece),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="dev", help="dev only (the test split is refused)")
    ap.add_argument("--scores-out", default="", help="write the scored pairs (ids, numbers)")
    ap.add_argument("--scores-in", default="", help="fit from pairs written by --scores-out")
    args = ap.parse_args()
    if args.split != "dev":
        sys.exit(f"calibrate.py fits on the dev split only; --split {args.split} is refused")
    odd = pd.DataFrame()
    if args.scores_in:
        pairs = pd.read_csv(args.scores_in, dtype={"referral_id": str, "resource_id": str})
    else:
        got = [collect(name) for name in DATASETS]
        pairs = pd.concat([g[0] for g in got], ignore_index=True)
        odd = pd.concat([g[1] for g in got], ignore_index=True)
    if args.scores_out:
        pairs.to_csv(args.scores_out, index=False)
    pd.set_option("display.width", 200)

    judged = pairs.dropna(subset=["grade"])
    print("== top-10 pairs of the default matcher, dev splits")
    for name, g in pairs.groupby("dataset", sort=False):
        n_ref = g.referral_id.nunique()
        print(
            f"{name}: {n_ref} referrals, {len(g)} pairs, unjudged {g.grade.isna().sum()} "
            f"({g.grade.isna().mean():.1%}, left out of the fit), "
            f"good (grade 2+) {(g.grade >= GOOD).sum() / g.grade.notna().sum():.1%} of judged"
        )
    s = judged.score.to_numpy(float)
    y = (judged.grade.to_numpy(float) >= GOOD).astype(float)
    ds = judged.dataset.to_numpy()

    new = fit(s, y)
    cross = {d: fit(s[ds == d], y[ds == d]) for d in DATASETS}
    print(
        f"\ncurrent CONFIDENCE_CALIBRATION = ({CONFIDENCE_CALIBRATION[0]:.2f}, "
        f"{CONFIDENCE_CALIBRATION[1]:.2f})"
    )
    print(f"refit on both dev sets: CONFIDENCE_CALIBRATION = ({new[0]:.2f}, {new[1]:.2f})")
    for d, c in cross.items():
        print(f"refit on {d} dev only: ({c[0]:.2f}, {c[1]:.2f})")

    rows = []
    groups = (judged.dataset + "/" + judged.referral_id).to_numpy()
    oof = out_of_fold(s, y, groups)
    for where, mask in [("both", np.ones(len(s), bool)), *[(d, ds == d) for d in DATASETS]]:
        for label, cal in [("current", CONFIDENCE_CALIBRATION), ("refit (both)", new)]:
            rows.append(
                dict(
                    evaluated_on=where,
                    calibration=label,
                    **reliability(confidence(s[mask], cal), y[mask]),
                )
            )
        rows.append(
            dict(
                evaluated_on=where,
                calibration="refit (both), 5-fold by referral",
                **reliability(oof[mask], y[mask]),
            )
        )
    for fitted, other in [("sanmateo", "nyc"), ("nyc", "sanmateo")]:
        m = ds == other
        rows.append(
            dict(
                evaluated_on=other,
                calibration=f"fit on {fitted} only",
                **reliability(confidence(s[m], cross[fitted]), y[m]),
            )
        )
        rows.append(
            dict(
                evaluated_on=other,
                calibration=f"fit on {other} only (in-sample)",
                **reliability(confidence(s[m], cross[other]), y[m]),
            )
        )
    print("\n== reliability (judged top-10 pairs; ECE over 10 equal-width bins)")
    print(pd.DataFrame(rows).round(4).to_string(index=False))
    cur, ref = reliability(confidence(s, CONFIDENCE_CALIBRATION), y), reliability(oof, y)
    better = ref["brier"] < cur["brier"] and ref["ece"] < cur["ece"]
    print(
        f"refit better than the current constants on referrals it was not fitted on "
        f"(5-fold by referral, Brier and ECE): {'yes' if better else 'no'}"
    )

    rank = judged["rank"].to_numpy(float)
    first = rank == 1
    two = np.column_stack([s, np.log(rank)])
    p2 = np.empty(len(s))
    names = np.unique(groups)
    fold_of = dict(zip(names, np.random.default_rng(0).permutation(len(names)) % 5))
    fold = np.array([fold_of[g] for g in groups])
    for f in range(5):
        held = fold == f
        lr = LogisticRegression(C=1e6).fit(two[~held], y[~held].astype(int))
        p2[held] = lr.predict_proba(two[held])[:, 1]
    print("\n== the top match alone (rank 1), and a diagnostic fit on score and log(rank)")
    diag = [
        dict(
            pairs="rank 1",
            calibration="current",
            **reliability(confidence(s[first], CONFIDENCE_CALIBRATION), y[first]),
        ),
        dict(
            pairs="rank 1",
            calibration="refit (both)",
            **reliability(confidence(s[first], new), y[first]),
        ),
        dict(
            pairs="rank 1",
            calibration="score + log(rank), 5-fold",
            **reliability(p2[first], y[first]),
        ),
        dict(pairs="all", calibration="score + log(rank), 5-fold", **reliability(p2, y)),
    ]
    print(pd.DataFrame(diag).round(4).to_string(index=False))
    print(
        f"rank 1: observed good {y[first].mean():.3f}, mean confidence current "
        f"{confidence(s[first], CONFIDENCE_CALIBRATION).mean():.3f}, refit "
        f"{confidence(s[first], new).mean():.3f}, score + log(rank) {p2[first].mean():.3f}"
    )

    q = pd.qcut(s, 5, labels=False, duplicates="drop")
    tab = (
        pd.DataFrame(
            dict(
                quintile=q + 1,
                score=s,
                observed=y,
                current=confidence(s, CONFIDENCE_CALIBRATION),
                refit=confidence(s, new),
            )
        )
        .groupby("quintile")
        .agg(
            n=("observed", "size"),
            score_min=("score", "min"),
            score_max=("score", "max"),
            observed=("observed", "mean"),
            current=("current", "mean"),
            refit=("refit", "mean"),
        )
    )
    print("\n== observed vs predicted share of good matches by score quintile (both dev sets)")
    print(tab.round(3).to_string())
    p = confidence(s, new)
    b = np.minimum((p * 10).astype(int), 9)
    bins = (
        pd.DataFrame(dict(bin=b, p=p, observed=y))
        .groupby("bin")
        .agg(n=("p", "size"), predicted=("p", "mean"), observed=("observed", "mean"))
    )
    bins.index = [f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in bins.index]
    print("\n== refit: observed vs predicted by bin of the predicted probability")
    print(bins.round(3).to_string())

    print(
        f"\n== the 'no strong match' note (best match's confidence < LOW_CONFIDENCE "
        f"= {LOW_CONFIDENCE})"
    )
    top = (
        pairs.sort_values("rank")
        .groupby(["dataset", "referral_id"], sort=False)
        .agg(
            best_score=("score", "max"),
            top_grade=("grade", "first"),
            best_grade=("grade", "max"),
            note=("note", "first"),
        )
    )
    out = []
    for label, cal in [("current", CONFIDENCE_CALIBRATION), ("refit", new)]:
        fires = confidence(top.best_score.to_numpy(float), cal) < LOW_CONFIDENCE
        for what, col in [("top match", "top_grade"), ("any of the top 10", "best_grade")]:
            g = top[col]
            for cls, m in [
                ("graded 2+", g >= GOOD),
                ("graded 0-1", g < GOOD),
                ("unjudged", g.isna()),
            ]:
                m = m.to_numpy()
                out.append(
                    dict(
                        calibration=label,
                        referrals_whose=f"{what} {cls}",
                        n=int(m.sum()),
                        note_fires=f"{fires[m].sum()} ({fires[m].mean():.0%})" if m.any() else "-",
                    )
                )
    print(pd.DataFrame(out).to_string(index=False))
    top_good = (top.top_grade >= GOOD).to_numpy()
    any_good = (top.best_grade >= GOOD).to_numpy()
    for label, cal in [("current", CONFIDENCE_CALIBRATION), ("refit", new)]:
        c = confidence(top.best_score.to_numpy(float), cal)
        fires = c < LOW_CONFIDENCE
        print(
            f"{label}: the top match's mean confidence {c.mean():.3f}, observed good "
            f"{top_good.mean():.3f}; where the note fires ({fires.sum()} referrals) the top "
            f"match is good for {top_good[fires].mean():.0%} (mean confidence "
            f"{c[fires].mean():.0%}) and some top-10 match is good for {any_good[fires].mean():.0%}"
        )
    fired_now = top.note.to_numpy(bool)
    check = confidence(top.best_score.to_numpy(float), CONFIDENCE_CALIBRATION) < LOW_CONFIDENCE
    print(
        f"(recs.notes agrees with the current constants for {np.mean(fired_now == check):.0%}"
        " of the referrals)"
        if not args.scores_in
        else ""
    )
    for label, cal in [("current", CONFIDENCE_CALIBRATION), ("refit", new)]:
        share = np.mean(confidence(s, cal) < LOW_CONFIDENCE)
        print(
            f"{label}: {share:.0%} of the judged top-10 pairs have a confidence below {LOW_CONFIDENCE}"
        )
    if len(odd):
        print("\n== inputs nothing can serve (default matcher, current constants)")
        odd["refit_confidence"] = confidence(odd.best_score.to_numpy(float), new).round(3)
        odd["current_confidence"] = confidence(
            odd.best_score.to_numpy(float), CONFIDENCE_CALIBRATION
        ).round(3)
        print(odd.to_string(index=False))


if __name__ == "__main__":
    main()
