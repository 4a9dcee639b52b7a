"""Refit the calibrated confidence (``rxmatch.rank.scoring.CONFIDENCE_CALIBRATION``) on the
real dev splits, and check how reliable it is:

    python datasets/real/calibrate.py [--scores-out scores.csv] [--scores-in scores.csv]

The default matcher ranks every dev referral of both real datasets (San Mateo, NYC) through
the evaluation harness's shared index (``rxmatch.evaluation.cached_index``: the directory
embeddings come from the evaluation cache; every candidate within reach is ranked, as
``rxmatch evaluate`` does). Its top 10 final scores and ranks are paired with the judges'
grades; a match counts as good at grade 2 or 3. Unjudged pairs are counted and left out of
the fit. Three calibrations are compared: the score-only Platt scaling of sessions 3-7
(``OLD``, fixed constants), a score-only refit, and a fit on the score and log(rank) (the
form of ``CONFIDENCE_CALIBRATION`` since session 8), each a logistic regression
(scikit-learn ``LogisticRegression``, practically unpenalised). The refits are evaluated out
of fold (5 folds by referral over both dev sets together) and across directories (fit on
one, evaluate on the other). Printed: the constants; Brier score, log loss and ECE (10
equal-width bins of the predicted probability) over all pairs and over the top matches
(rank 1), pooled and per dataset; paired bootstrap intervals (by referral) of the
out-of-fold Brier differences; the reliability tables (observed vs predicted share of good
matches by rank, by score quintile and by bin); and how often the "no strong match" note
(``LOW_CONFIDENCE``) fires on dev referrals whose top match is graded 2+ or not, and on a
few inputs nothing can serve (gibberish, a wish the directory cannot serve, a home far
outside the directory's area).

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
from rxmatch.rank.scoring import CONFIDENCE_CALIBRATION, ConfidenceCalibration, confidence

DATASETS = ("sanmateo", "nyc")
GOOD = 2  # grade 2 or 3 of 3 is a good match
NOTE = "no strong match"
#: the score-only Platt scaling of sessions 3-7, fit in session 3 (1,372 judged dev pairs)
OLD = ConfidenceCalibration(7.54, -3.10)
#: the note's threshold with the old constants (``LOW_CONFIDENCE`` before session 8)
OLD_LOW = 0.2

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


def fit(
    scores: np.ndarray, good: np.ndarray, ranks: np.ndarray | None = None
) -> ConfidenceCalibration:
    """A logistic fit (practically unpenalised) of ``good`` on the score, and on log(rank)
    too when ``ranks`` are given (else Platt scaling: ``log_rank`` is 0)."""
    x = scores.reshape(-1, 1) if ranks is None else np.column_stack([scores, np.log(ranks)])
    lr = LogisticRegression(C=1e6).fit(x, good.astype(int))
    log_rank = 0.0 if ranks is None else float(lr.coef_[0, 1])
    return ConfidenceCalibration(float(lr.coef_[0, 0]), float(lr.intercept_[0]), log_rank)


def fold_of(groups: np.ndarray, folds: int = 5) -> np.ndarray:
    """Each pair's fold: every referral (``groups``) wholly in one of ``folds``, seeded."""
    names = np.unique(groups)
    which = dict(zip(names, np.random.default_rng(0).permutation(len(names)) % folds))
    return np.array([which[g] for g in groups])


def out_of_fold(
    scores: np.ndarray,
    good: np.ndarray,
    groups: np.ndarray,
    folds: int = 5,
    ranks: np.ndarray | None = None,
) -> np.ndarray:
    """Each pair's refit confidence from a fit on the other referrals (``folds`` folds by
    referral, seeded): how the refit does on referrals it was not fitted on. With
    ``ranks``, the fit is on the score and log(rank)."""
    fold = fold_of(groups, folds)
    p = np.empty(len(scores))
    for f in range(folds):
        held = fold == f
        cal = fit(scores[~held], good[~held], None if ranks is None else ranks[~held])
        p[held] = confidence(scores[held], cal, None if ranks is None else ranks[held])
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


def paired_brier(
    p: np.ndarray, q: np.ndarray, y: np.ndarray, groups: np.ndarray, n: int = 2000
) -> tuple[float, float, float]:
    """Brier of ``p`` minus Brier of ``q`` on the same pairs, with a 95% interval from
    ``n`` bootstrap resamples of the referrals (``groups``)."""
    d = (p - y) ** 2 - (q - y) ** 2
    names, inv = np.unique(groups, return_inverse=True)
    total = np.bincount(inv, d, len(names))
    count = np.bincount(inv, minlength=len(names))
    idx = np.random.default_rng(0).integers(0, len(names), (n, len(names)))
    boot = total[idx].sum(1) / count[idx].sum(1)
    return float(d.mean()), float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))


def label(cal: ConfidenceCalibration) -> str:
    """The coefficients, short: ``(score, intercept)`` or ``(score, log_rank, intercept)``."""
    if not cal.log_rank:
        return f"({cal.score:.2f}, {cal.intercept:.2f})"
    return f"({cal.score:.2f} x score {cal.log_rank:+.2f} x log(rank) {cal.intercept:+.2f})"


def table(title: str, rows: list[dict]) -> None:
    print(f"\n== {title}")
    print(pd.DataFrame(rows).round(4).to_string(index=False))


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
    rank = judged["rank"].to_numpy(float)
    first = rank == 1
    groups = (judged.dataset + "/" + judged.referral_id).to_numpy()
    cur = CONFIDENCE_CALIBRATION

    by_score, by_rank = fit(s, y), fit(s, y, rank)
    print(f"\nold (sessions 3-7, score only): {label(OLD)}")
    print(f"current CONFIDENCE_CALIBRATION: {label(cur)}")
    print(f"refit on both dev sets, score only: {label(by_score)}")
    print(f"refit on both dev sets, score + log(rank): {label(by_rank)}")
    for d in DATASETS:
        m = ds == d
        print(
            f"refit on {d} dev only: score only {label(fit(s[m], y[m]))}; score + log(rank) "
            f"{label(fit(s[m], y[m], rank[m]))}"
        )

    oof_score = out_of_fold(s, y, groups)
    oof_rank = out_of_fold(s, y, groups, ranks=rank)
    pred = {
        f"old {label(OLD)}": confidence(s, OLD),
        "current (in-sample)" if cur == by_rank else "current": confidence(s, cur, rank),
        "score-only refit, out of fold": oof_score,
        "score + log(rank), out of fold": oof_rank,
    }
    rows = []
    for where, mask in [("both", np.ones(len(s), bool)), *[(d, ds == d) for d in DATASETS]]:
        for which, sub in [("all", mask), ("rank 1", mask & first)]:
            for name, p in pred.items():
                rows.append(
                    dict(
                        evaluated_on=where,
                        pairs=which,
                        calibration=name,
                        **reliability(p[sub], y[sub]),
                        mean=p[sub].mean(),
                        observed=y[sub].mean(),
                    )
                )
    table("reliability (judged top-10 pairs; out of fold: 5 folds by referral)", rows)

    rows = []
    for fitted, other in [("sanmateo", "nyc"), ("nyc", "sanmateo")]:
        f, o = ds == fitted, ds == other
        for form, r in [("score only", None), ("score + log(rank)", rank)]:
            cal = fit(s[f], y[f], None if r is None else r[f])
            p = confidence(s[o], cal, rank[o])
            for which, sub in [("all", np.ones(o.sum(), bool)), ("rank 1", first[o])]:
                rows.append(
                    dict(
                        evaluated_on=other,
                        pairs=which,
                        calibration=f"{form}, fit on {fitted} only",
                        **reliability(p[sub], y[o][sub]),
                        mean=p[sub].mean(),
                        observed=y[o][sub].mean(),
                    )
                )
    table("across directories (fit on one dev set, evaluated on the other)", rows)
    transfer = pd.DataFrame(rows)

    print("\n== Brier difference, score + log(rank) out of fold minus ... [95% CI, by referral]")
    for name, q in [
        ("score-only refit, out of fold", oof_score),
        ("old constants", pred[f"old {label(OLD)}"]),
    ]:
        for which, sub in [("all", np.ones(len(s), bool)), ("rank 1", first)]:
            d, lo, hi = paired_brier(oof_rank[sub], q[sub], y[sub], groups[sub])
            print(f"{name}, {which}: {d:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    rs, rr = reliability(oof_score, y), reliability(oof_rank, y)
    r1s, r1r = reliability(oof_score[first], y[first]), reliability(oof_rank[first], y[first])
    tr = transfer.groupby(["pairs", transfer.calibration.str.startswith("score only")]).brier.mean()
    better = (
        rr["brier"] < rs["brier"]
        and rr["log_loss"] < rs["log_loss"]
        and r1r["brier"] < r1s["brier"]
        and all(tr[(w, False)] < tr[(w, True)] for w in ("all", "rank 1"))
    )
    print(
        "score + log(rank) better than the score-only refit out of fold (Brier and log loss, "
        f"all pairs; Brier at rank 1) and across directories (mean Brier of the two "
        f"directions, all pairs and rank 1): {'yes' if better else 'no'}"
    )

    current = confidence(s, cur, rank)
    by_r = (
        pd.DataFrame(
            dict(
                rank=rank,
                score=s,
                observed=y,
                old=pred[f"old {label(OLD)}"],
                current=current,
                oof=oof_rank,
            )
        )
        .groupby("rank")
        .agg(
            n=("observed", "size"),
            score=("score", "mean"),
            observed=("observed", "mean"),
            old=("old", "mean"),
            current=("current", "mean"),
            out_of_fold=("oof", "mean"),
        )
    )
    print("\n== observed vs predicted share of good matches by rank (both dev sets)")
    print(by_r.round(3).to_string())
    q = pd.qcut(s, 5, labels=False, duplicates="drop")
    tab = (
        pd.DataFrame(
            dict(quintile=q + 1, score=s, observed=y, old=confidence(s, OLD), current=current)
        )
        .groupby("quintile")
        .agg(
            n=("observed", "size"),
            score_min=("score", "min"),
            score_max=("score", "max"),
            observed=("observed", "mean"),
            old=("old", "mean"),
            current=("current", "mean"),
        )
    )
    print("\n== observed vs predicted share of good matches by score quintile (both dev sets)")
    print(tab.round(3).to_string())
    b = np.minimum((current * 10).astype(int), 9)
    bins = (
        pd.DataFrame(dict(bin=b, p=current, observed=y))
        .groupby("bin")
        .agg(n=("p", "size"), predicted=("p", "mean"), observed=("observed", "mean"))
    )
    bins.index = [f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in bins.index]
    print("\n== current: observed vs predicted by bin of the predicted probability")
    print(bins.round(3).to_string())

    print(
        f"\n== the 'no strong match' note (the list's best confidence < LOW_CONFIDENCE "
        f"= {LOW_CONFIDENCE}; {OLD_LOW} with the old constants)"
    )
    cals = [("old", OLD), ("current", cur)]
    low = {"old": OLD_LOW, "current": LOW_CONFIDENCE}
    ranked = pairs.assign(
        **{
            name: confidence(pairs.score.to_numpy(float), cal, pairs["rank"].to_numpy(float))
            for name, cal in cals
        }
    ).sort_values("rank")
    top = ranked.groupby(["dataset", "referral_id"], sort=False).agg(
        top_score=("score", "first"),
        top_grade=("grade", "first"),
        best_grade=("grade", "max"),
        note=("note", "first"),
        **{name: (name, "max") for name, _ in cals},
    )
    out = []
    for name, _ in cals:
        fires = (top[name] < low[name]).to_numpy()
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
                        calibration=name,
                        referrals_whose=f"{what} {cls}",
                        n=int(m.sum()),
                        note_fires=f"{fires[m].sum()} ({fires[m].mean():.0%})" if m.any() else "-",
                    )
                )
    print(pd.DataFrame(out).to_string(index=False))
    top_good = (top.top_grade >= GOOD).to_numpy()
    any_good = (top.best_grade >= GOOD).to_numpy()
    for name, cal in cals:
        c = confidence(top.top_score.to_numpy(float), cal, 1)
        fires = (top[name] < low[name]).to_numpy()
        print(
            f"{name}: the top match's mean confidence {c.mean():.3f}, observed good "
            f"{top_good.mean():.3f}; where the note fires ({fires.sum()} referrals) the top "
            f"match is good for {top_good[fires].mean():.0%} (mean confidence "
            f"{c[fires].mean():.0%}) and some top-10 match is good for {any_good[fires].mean():.0%}"
        )
        for d in DATASETS:
            m = top.index.get_level_values("dataset") == d
            print(f"  {d}: fires for {fires[m].sum()} of {m.sum()} referrals")
    fired_now = top.note.to_numpy(bool)
    check = (top["current"] < LOW_CONFIDENCE).to_numpy()
    print(
        f"(recs.notes agrees with the current constants for {np.mean(fired_now == check):.0%}"
        " of the referrals)"
        if not args.scores_in
        else ""
    )
    for name, cal in cals:
        share = np.mean(confidence(s, cal, rank) < low[name])
        print(f"{name}: {share:.0%} of the judged top-10 pairs have a confidence below {low[name]}")
    if len(odd):
        print("\n== inputs nothing can serve (default matcher; the best match at rank 1)")
        for name, cal in cals:
            odd[f"{name}_confidence"] = confidence(odd.best_score.to_numpy(float), cal, 1).round(3)
        print(odd.to_string(index=False))


if __name__ == "__main__":
    main()
