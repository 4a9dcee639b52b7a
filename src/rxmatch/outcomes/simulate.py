"""A simulated population for the outcome loop (``docs/outcomes.md``, notebook 05).

What it is
----------
People are drawn from the synthetic evaluation set's train and dev referrals (their words,
home and constraints; ``rxmatch.datasets.load_synthetic_referrals``). Whether a person goes to a
resource they are shown is drawn from:

* **preference**: the synthetic set's graded relevance (``load_synthetic_qrels``), which
  the generator derived from each referral's latent needs and each resource's latent
  subtopic;
* **distance**: ``exp(-km / (0.5 * max_km + 1))``; online resources a flat
  ``online_factor`` (0.5: about a person's in-person factor at a typical city distance);
* **barriers**: the time fit (the ``schedule`` component) when the person gave
  availability;
* **the resource itself**: a hidden per-resource factor that no ranker can read from the
  directory: a log-normal "welcome" factor, and records the synthetic set marks stale
  (last verified 2019-2021) are closed with probability ``p_closed`` (nobody attends;
  people report "closed"), listed duplicates are "not as described" with probability
  ``p_misdescribed`` (attendance x 0.3);
* **position**: a person looks at rank ``k`` with probability ``1 / k`` (the examination
  curve) and their own motivation (uniform 0.5-1.5) scales everything.

The static ranker's candidate lists (top 50 by rxmatch) are computed once
(:func:`candidate_lists`); the simulation then only re-orders them, so it runs in
seconds. The learning ranker is :class:`~rxmatch.outcomes.OutcomeReranker`, refitted
after every batch of referrals from everything logged so far, exploring by Thompson
sampling in slots 4-10 only.

What it measures
----------------
* nDCG@10 of the greedy (non-exploring) learned ranking on **held-out people** against
  the true attendance probabilities, as outcomes accumulate, with bootstrap CIs over those
  people; the static ranker alongside. The held-out people are the population of
  :func:`load_population` when the candidate lists include it (1,000 people drawn afresh
  from the synthetic set's generator with a separate seed: new people, none of them a
  stream referral), else the synthetic test referrals; both are never in the stream. A
  simulated person is their referral plus a motivation factor that scales all their
  attendance probabilities alike and so leaves nDCG unchanged: drawing more people from
  the same referrals would repeat the same nDCG values, which is why more held-out people
  have to be new draws from the generator.
* An off-policy (IPS) estimate, from the logged events and their propensities, of the
  value (expected attendances per referral) of the final learned ranker and of the static
  one, against their true (simulated, on-policy) values.
* Exposure: Gini over resources and the share going to small organisations (declared
  capacity at most ``small_capacity`` places), for the static, the learned and the
  exploring policy. By default (``protect_small``) every list keeps small organisations'
  static exposure (``OutcomeReranker.rank(protected=...)``).

``python -m rxmatch.outcomes.simulate --seeds 0 1 2 3`` runs it for several seeds.

What it does not show: that real people behave like this. The gain comes from what the
simulation puts in the hidden per-resource factor; its size is a property of these
assumptions, not a forecast.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..evaluation.metrics import gini
from ..exceptions import InvalidParameterError
from .learn import OutcomeReranker, examination_curve

__all__ = [
    "World",
    "SimulationResult",
    "load_population",
    "candidate_lists",
    "build_world",
    "simulate",
]

#: P(attend | examined) per relevance grade 0-3, before distance, barriers and the resource
GRADE_RATE = (0.02, 0.10, 0.30, 0.50)


def load_population(n: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The held-out simulated population: ``(referrals, qrels)`` of 1,000 people drawn
    afresh from the synthetic set's generator (``datasets/synthetic/make_people.py``: the
    same directory, regions, needs, barriers, homes, texts and latent-variable relevance
    grades as the bundled referrals, a separate seed), so they are disjoint from every
    bundled referral. ``n``: the first ``n`` people only (they are in random order)."""
    import gzip
    import json
    from importlib import resources

    base = resources.files("rxmatch.outcomes").joinpath("data")
    with base.joinpath("sim_population_referrals.jsonl.gz").open("rb") as raw:
        text = gzip.decompress(raw.read()).decode("utf-8")
    refs = pd.DataFrame([json.loads(line) for line in text.splitlines() if line.strip()])
    with base.joinpath("sim_population_qrels.csv.gz").open("rb") as raw:
        qrels = pd.read_csv(raw, compression="gzip", dtype={"referral_id": str, "resource_id": str})
    if n is not None:
        if n < 0:
            raise InvalidParameterError("n must be >= 0")
        refs = refs.iloc[:n].reset_index(drop=True)
        qrels = qrels[qrels["referral_id"].isin(set(refs["referral_id"]))].reset_index(drop=True)
    return refs, qrels


def candidate_lists(
    matcher: Any = None, *, k: int = 50, population: int = 0, limit: int | None = None
) -> pd.DataFrame:
    """The static ranker's top ``k`` for every synthetic referral (or the first ``limit``,
    which mix the splits) and for the first ``population`` people of
    :func:`load_population` (one matcher pass): the long frame of
    :meth:`Matcher.recommend_many <rxmatch.Matcher.recommend_many>`.
    ``matcher``: a matcher fitted on the synthetic directory (default: rxmatch's default
    encoder through the evaluation embedding cache)."""
    import rxmatch

    from ..evaluation import cached_index, referrals_from_frame

    if matcher is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the synthetic directory is messy on purpose
            directory = rxmatch.datasets.load_synthetic_directory()
        matcher = cached_index(directory).matcher
    frame = rxmatch.datasets.load_synthetic_referrals()
    if limit is not None:
        frame = frame.iloc[:limit]
    if population:
        frame = pd.concat([frame, load_population(population)[0]], ignore_index=True)
    return matcher.recommend_many(referrals_from_frame(frame), k=k)


@dataclass
class World:
    """The precomputed simulation world (built by :func:`build_world`)."""

    resource_ids: np.ndarray  # (R,)
    categories: np.ndarray  # (R,) taxonomy keys
    small: np.ndarray  # (R,) bool: a small organisation
    quality: np.ndarray  # (R,) hidden per-resource factor (0 = closed)
    closed: np.ndarray  # (R,) bool
    misdescribed: np.ndarray  # (R,) bool
    template_ids: list[str]
    cands: list[np.ndarray]  # per template: resource indices, static order
    scores: list[np.ndarray]  # per template: static scores
    p_true: list[np.ndarray]  # per template: P(attend | examined), mean person
    stream: np.ndarray  # template indices people are drawn from
    heldout: np.ndarray  # template indices for evaluation only (the population if any)
    test: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))  # test split
    examination: np.ndarray = field(default_factory=lambda: examination_curve(10))


def build_world(
    candidates: pd.DataFrame,
    *,
    seed: int = 0,
    welcome_sigma: float = 0.6,
    p_closed: float = 0.5,
    p_misdescribed: float = 0.5,
    small_capacity: int = 25,
    online_factor: float = 0.5,
    k: int = 10,
) -> World:
    """The world of :func:`simulate` from the static candidate lists."""
    import rxmatch

    rng = np.random.default_rng(seed)
    refs = rxmatch.datasets.load_synthetic_referrals()
    qrels = rxmatch.datasets.load_synthetic_qrels()
    if not set(candidates["referral_id"]) <= set(refs["referral_id"]):
        pop_refs, pop_qrels = load_population()
        refs = pd.concat([refs, pop_refs], ignore_index=True)
        qrels = pd.concat([qrels, pop_qrels], ignore_index=True)
    refs = refs.set_index("referral_id")
    truth = rxmatch.datasets.load_synthetic_truth().set_index("id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_synthetic_directory().frame.set_index("id")
    rel = {
        (a, b): g
        for a, b, g in qrels[["referral_id", "resource_id", "relevance"]].itertuples(index=False)
    }
    ids = np.array(sorted(set(candidates["resource_id"])))
    pos = {r: i for i, r in enumerate(ids)}
    tr = truth.reindex(ids)
    cats = tr["category"].fillna("unknown").to_numpy(dtype=object)
    stale = tr["stale"].astype(str).str.lower().eq("true").to_numpy()
    dup = tr["is_duplicate_of"].fillna("").astype(str).str.len().gt(0).to_numpy()
    closed = stale & (rng.random(len(ids)) < p_closed)
    misdescribed = dup & ~closed & (rng.random(len(ids)) < p_misdescribed)
    welcome = np.exp(rng.normal(-(welcome_sigma**2) / 2, welcome_sigma, len(ids)))
    quality = welcome * np.where(closed, 0.0, 1.0) * np.where(misdescribed, 0.3, 1.0)
    cap = pd.to_numeric(directory["capacity"].reindex(ids), errors="coerce").to_numpy()
    small = np.nan_to_num(cap, nan=np.inf) <= small_capacity

    template_ids, cands, scores, p_true, split = [], [], [], [], []
    for rid, g in candidates.sort_values(["referral_id", "rank"]).groupby("referral_id", sort=True):
        if len(g) < k:
            continue
        ref = refs.loc[rid]
        idx = np.array([pos[r] for r in g["resource_id"]])
        grade = np.array([rel.get((rid, r), 0) for r in g["resource_id"]], dtype=int)
        km = g["distance_km"].to_numpy(dtype=float)
        max_km = float(ref["max_km"]) if pd.notna(ref["max_km"]) else 10.0
        dist = np.where(
            np.isnan(km), online_factor, np.exp(-np.nan_to_num(km) / (0.5 * max_km + 1.0))
        )
        barrier = np.ones(len(g))
        avail = ref.get("availability")
        if isinstance(avail, list) and avail and "schedule" in g.columns:
            barrier = 0.5 + 0.5 * g["schedule"].fillna(0.5).to_numpy(dtype=float)
        p = np.asarray(GRADE_RATE)[grade] * dist * barrier * quality[idx]
        template_ids.append(rid)
        cands.append(idx)
        scores.append(g["score"].to_numpy(dtype=float))
        p_true.append(np.clip(p, 0.0, 0.6))
        split.append(ref["split"])
    split_arr = np.array(split)
    test = np.flatnonzero(split_arr == "test")
    population = np.flatnonzero(split_arr == "population")
    return World(
        resource_ids=ids,
        categories=cats,
        small=small,
        quality=quality,
        closed=closed,
        misdescribed=misdescribed,
        template_ids=template_ids,
        cands=cands,
        scores=scores,
        p_true=p_true,
        stream=np.flatnonzero((split_arr != "test") & (split_arr != "population")),
        heldout=population if len(population) else test,
        test=test,
        examination=examination_curve(k),
    )


def _ndcg(order: np.ndarray, gains: np.ndarray, e: np.ndarray) -> float:
    """nDCG with linear gains and the examination curve as discount (``1/rank``), against
    the best ordering of the candidate pool."""
    k = len(e)
    ideal = np.sort(gains)[::-1][:k]
    idcg = float(np.sum(ideal * e[: len(ideal)]))
    if idcg <= 0:
        return float("nan")
    return float(np.sum(gains[order[:k]] * e[: len(order[:k])]) / idcg)


def _value(order: np.ndarray, p: np.ndarray, e: np.ndarray) -> float:
    """Expected attendances of one list (a mean person)."""
    return float(np.sum(p[order[: len(e)]] * e[: len(order[: len(e)])]))


@dataclass
class SimulationResult:
    """What :func:`simulate` returns.

    ``curve``: one row per checkpoint (``referrals`` seen, from 0): held-out nDCG@10 of the learned
    (greedy) ranker with its 95% bootstrap CI, the static ranker's, their paired
    difference and CI; the mean value of the lists actually shown in that batch (with
    exploration) and the share of exposure exploration moved (``exposure_cost``).
    ``log``: one row per shown event (referral, template, resource index, rank, score,
    propensity, attended, declined reason). ``ope``: off-policy estimates against true values,
    from ``ope_log`` (a fresh log of the final, frozen policy).
    ``exposure``: Gini and small-organisation share per policy. ``reranker``: the final
    fitted :class:`OutcomeReranker`. ``heldout``: the final learned ranker against the
    static one on each held-out set (the drawn population, when the world has one, and
    the synthetic test referrals): nDCG@10 with CIs, the paired difference and whether the
    two marginal CIs overlap.
    """

    curve: pd.DataFrame
    log: pd.DataFrame
    ope: pd.DataFrame
    exposure: pd.DataFrame
    reranker: OutcomeReranker
    world: World
    ope_log: pd.DataFrame | None = None
    heldout: pd.DataFrame | None = None

    def events(self) -> pd.DataFrame:
        """The log as outcome events (the shape of ``OutcomeStore.to_frame()``): shown,
        attended, attending_12w and declined events with pseudonymous referral ids."""
        w = self.world
        log = self.log
        base = pd.DataFrame(
            {
                "referral_id": "sim-" + log["referral"].astype(str),
                "resource_id": w.resource_ids[log["resource"].to_numpy()],
                "at": pd.Timestamp("2026-01-01", tz="UTC")
                + pd.to_timedelta(log["referral"].to_numpy() * 15, unit="m"),
                "category": w.categories[log["resource"].to_numpy()],
            }
        )
        shown = base.assign(
            event="shown",
            rank=log["rank"].to_numpy(),
            score=log["score"].to_numpy(),
            propensity=log["propensity"].to_numpy(),
            reason=None,
        )
        att = base[log["attended"].to_numpy()].assign(event="attended", reason=None)
        ret = base[log["retained"].to_numpy()].assign(event="attending_12w", reason=None)
        dec_mask = log["declined"].notna().to_numpy()
        dec = base[dec_mask].assign(
            event="declined", reason=log.loc[dec_mask, "declined"].to_numpy()
        )
        out = pd.concat([shown, att, ret, dec], ignore_index=True)
        return out.sort_values(["at", "event"], kind="stable").reset_index(drop=True)


def _bootstrap(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return float("nan"), float("nan")
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def _compare(
    learned: np.ndarray, static: np.ndarray, rng: np.random.Generator, n_boot: int
) -> dict[str, float]:
    """Learned against static nDCG on the same people: means, marginal and paired CIs."""
    lo, hi = _bootstrap(learned, rng, n_boot)
    slo, shi = _bootstrap(static, rng, n_boot)
    dlo, dhi = _bootstrap(learned - static, rng, n_boot)
    return {
        "ndcg": float(np.nanmean(learned)),
        "ndcg_lo": lo,
        "ndcg_hi": hi,
        "static_ndcg": float(np.nanmean(static)),
        "static_lo": slo,
        "static_hi": shi,
        "diff": float(np.nanmean(learned - static)),
        "diff_lo": dlo,
        "diff_hi": dhi,
    }


def _exposure(world: World, lists: list[np.ndarray]) -> np.ndarray:
    e = world.examination
    expo = np.zeros(len(world.resource_ids))
    for order in lists:
        np.add.at(expo, order[: len(e)], e[: len(order[: len(e)])])
    return expo


def _exposure_row(name: str, world: World, expo: np.ndarray) -> dict[str, Any]:
    total = expo.sum()
    return {
        "policy": name,
        "gini": float(gini(expo)),
        "small_org_share": float(expo[world.small].sum() / total) if total else float("nan"),
        "resources_shown": int((expo > 0).sum()),
        "top10_resource_share": float(np.sort(expo)[::-1][:10].sum() / total)
        if total
        else float("nan"),
        "closed_share": float(expo[world.closed].sum() / total) if total else float("nan"),
    }


def simulate(
    world: World,
    *,
    n_referrals: int = 5000,
    batch: int = 250,
    seed: int = 0,
    reranker: OutcomeReranker | None = None,
    ope_window: int = 2000,
    n_boot: int = 1000,
    p_report: float = 0.5,
    p_retain: float = 0.6,
    protect_small: bool = True,
) -> SimulationResult:
    """Run the outcome loop for ``n_referrals`` people (in batches of ``batch``; the
    re-ranker is refitted after each batch) and measure it (see the module docstring).
    ``protect_small``: every list gives small organisations at least the exposure the
    static list gives them (:meth:`OutcomeReranker.rank`'s ``protected``)."""
    if n_referrals < batch or batch < 1:
        raise InvalidParameterError("need n_referrals >= batch >= 1")
    rng = np.random.default_rng(seed)
    boot_rng = np.random.default_rng(seed + 1)
    e = world.examination
    k = len(e)
    rr = reranker if reranker is not None else OutcomeReranker(examination=examination_curve(50))
    cat_of = world.categories

    def fit(log_cols: dict[str, list[np.ndarray]]) -> None:
        if not log_cols["resource"]:
            rr.fit_arrays(
                np.array([], dtype=int),
                np.array([], dtype=int),
                np.array([]),
                np.array([]),
                np.array([]),
            )
            return
        res = np.concatenate(log_cols["resource"])
        rr.fit_arrays(
            res,
            np.concatenate(log_cols["rank"]),
            np.concatenate(log_cols["score"]),
            np.concatenate(log_cols["propensity"]),
            np.concatenate(log_cols["attended"]),
            cat_of[res],
        )

    def greedy(t: int) -> np.ndarray:
        return rr.rank(
            world.cands[t],
            world.scores[t],
            k,
            explore=False,
            categories=cat_of[world.cands[t]],
            protected=world.small[world.cands[t]] if protect_small else None,
        ).order

    static_orders = {t: np.arange(k) for t in range(len(world.template_ids))}
    static_ndcg = np.array([_ndcg(static_orders[t], world.p_true[t], e) for t in world.heldout])

    names = (
        "referral",
        "template",
        "resource",
        "rank",
        "score",
        "propensity",
        "attended",
        "retained",
        "declined",
        "explored",
    )

    def serve(referral: int, into: dict[str, list[np.ndarray]]) -> tuple[float, float]:
        """One person: drawn from the stream, shown the exploring policy's list; what
        they do is drawn and logged. Returns the list's true value and exposure cost."""
        t = int(rng.choice(world.stream))
        cand, s, p = world.cands[t], world.scores[t], world.p_true[t]
        out = rr.rank(
            cand,
            s,
            k,
            rng=rng,
            categories=cat_of[cand],
            protected=world.small[cand] if protect_small else None,
        )
        order = out.order
        res = cand[order]
        motivation = rng.uniform(0.5, 1.5)
        examined = rng.random(k) < e
        attended = examined & (rng.random(k) < np.clip(p[order] * motivation, 0, 1))
        retained = attended & (rng.random(k) < p_retain)
        declined = np.full(k, None, dtype=object)
        report = examined & ~attended & (rng.random(k) < p_report)
        declined[report & world.closed[res]] = "closed"
        declined[report & world.misdescribed[res]] = "not_as_described"
        for name, val in (
            ("referral", np.full(k, referral)),
            ("template", np.full(k, t)),
            ("resource", res),
            ("rank", np.arange(1, k + 1)),
            ("score", s[order]),
            ("propensity", out.propensity),
            ("attended", attended),
            ("retained", retained),
            ("declined", declined),
            ("explored", out.explored),
        ):
            into[name].append(val)
        return _value(order, p, e), out.exposure_cost

    cols: dict[str, list[np.ndarray]] = {c: [] for c in names}
    rows = []
    n_batches = n_referrals // batch
    referral = 0
    fit(cols)
    learned = np.array([_ndcg(greedy(t), world.p_true[t], e) for t in world.heldout])
    rows.append(
        {
            "referrals": 0,
            **_compare(learned, static_ndcg, boot_rng, n_boot),
            "shown_value": float("nan"),
            "exposure_cost": float("nan"),
        }
    )
    for _b in range(n_batches):
        values, costs = [], []
        for _ in range(batch):
            v, c = serve(referral, cols)
            values.append(v)
            costs.append(c)
            referral += 1
        fit(cols)
        learned = np.array([_ndcg(greedy(t), world.p_true[t], e) for t in world.heldout])
        rows.append(
            {
                "referrals": referral,
                **_compare(learned, static_ndcg, boot_rng, n_boot),
                "shown_value": float(np.mean(values)),
                "exposure_cost": float(np.mean(costs)),
            }
        )
    log = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})
    final_orders = {t: greedy(t) for t in range(len(world.template_ids))}

    if np.array_equal(world.heldout, world.test):
        sets = [("test referrals", world.test)]
    else:
        sets = [("population", world.heldout)]
        if len(world.test):
            sets.append(("test referrals", world.test))
    held_rows = []
    for name, idx in sets:
        row = _compare(
            np.array([_ndcg(final_orders[t], world.p_true[t], e) for t in idx]),
            np.array([_ndcg(static_orders[t], world.p_true[t], e) for t in idx]),
            boot_rng,
            n_boot,
        )
        row["cis_overlap"] = bool(row["ndcg_lo"] <= row["static_hi"])
        held_rows.append({"set": name, "people": len(idx), "referrals": referral, **row})

    # --- off-policy evaluation. The final policy is frozen and serves ``ope_window`` new
    # people (exploring, propensities logged); from that fresh log, IPS estimates the
    # value of its greedy version and of the static ranker, which are compared with their
    # true values (expected attendances per referral over the stream population).
    fresh: dict[str, list[np.ndarray]] = {c: [] for c in names}
    for i in range(ope_window):
        serve(referral + i, fresh)
    window = pd.DataFrame({c: np.concatenate(v) for c, v in fresh.items()})
    ope_rows = []
    for name, orders in (("learned", final_orders), ("static", static_orders)):
        true_v = float(np.mean([_value(orders[t], world.p_true[t], e) for t in world.stream]))
        est = np.zeros(int(window["referral"].nunique()))
        for j, (_, g) in enumerate(window.groupby("referral", sort=True)):
            t = int(g["template"].iloc[0])
            target = world.cands[t][orders[t][:k]]
            slot = {int(r): i for i, r in enumerate(target)}
            total = 0.0
            for r, rank, prop, att in g[["resource", "rank", "propensity", "attended"]].itertuples(
                index=False
            ):
                if att and int(r) in slot:
                    total += (1.0 / e[rank - 1]) * e[slot[int(r)]] / prop
            est[j] = total
        lo, hi = _bootstrap(est, boot_rng, n_boot)
        ope_rows.append(
            {
                "policy": name,
                "ips_estimate": float(est.mean()),
                "ips_lo": lo,
                "ips_hi": hi,
                "true_value": true_v,
                "within_ci": bool(lo <= true_v <= hi),
                "logged_referrals": len(est),
            }
        )
    ope = pd.DataFrame(ope_rows)

    stream = list(world.stream)
    exposure = pd.DataFrame(
        [
            _exposure_row(
                "static",
                world,
                _exposure(world, [world.cands[t][static_orders[t]] for t in stream]),
            ),
            _exposure_row(
                "learned (greedy)",
                world,
                _exposure(world, [world.cands[t][final_orders[t]] for t in stream]),
            ),
            _exposure_row(
                "learned (exploring, as logged)",
                world,
                np.bincount(
                    window["resource"],
                    weights=e[window["rank"] - 1],
                    minlength=len(world.resource_ids),
                ),
            ),
        ]
    )
    return SimulationResult(
        pd.DataFrame(rows), log, ope, exposure, rr, world, window, pd.DataFrame(held_rows)
    )


#: the checkpoints of the learning curve reported in ``docs/outcomes.md``
CHECKPOINTS = (0, 250, 500, 1000, 2000, 3000, 4000, 5000)


def summarise(res: SimulationResult, seed: int) -> dict[str, Any]:
    """One seed's figures as plain data: the learning curve at :data:`CHECKPOINTS`, the
    held-out comparison, the off-policy check and exposure."""

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in df.to_dict("records")
        ]

    curve = res.curve[res.curve["referrals"].isin(CHECKPOINTS)]
    return {
        "seed": seed,
        "curve": records(curve),
        "heldout": records(res.heldout if res.heldout is not None else pd.DataFrame()),
        "ope": records(res.ope),
        "exposure": records(res.exposure),
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m rxmatch.outcomes.simulate``: the figures of ``docs/outcomes.md`` for
    several seeds (the static candidate lists are computed once)."""
    import argparse
    import json
    import time

    ap = argparse.ArgumentParser(description="rxmatch outcome-loop simulation, several seeds")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--referrals", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--population", type=int, default=1000, help="held-out people drawn")
    ap.add_argument(
        "--no-protect",
        action="store_true",
        help="let small organisations' exposure fall below the static ranker's",
    )
    ap.add_argument("--candidates", help="a pickled candidate frame to reuse (else computed)")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    if args.candidates:
        candidates = pd.read_pickle(args.candidates)
    else:
        candidates = candidate_lists(k=50, population=args.population)
    print(
        f"candidate lists: {candidates['referral_id'].nunique()} referrals "
        f"({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    out = []
    for seed in args.seeds:
        t1 = time.perf_counter()
        world = build_world(candidates, seed=seed)
        res = simulate(
            world,
            n_referrals=args.referrals,
            batch=args.batch,
            seed=seed,
            protect_small=not args.no_protect,
        )
        out.append(summarise(res, seed))
        pd.set_option("display.width", 200)
        print(
            f"\n=== seed {seed} ({time.perf_counter() - t1:.0f} s; held out: "
            f"{len(world.heldout)} people; stream: {len(world.stream)} referrals)"
        )
        cols = [
            "referrals",
            "ndcg",
            "ndcg_lo",
            "ndcg_hi",
            "static_ndcg",
            "static_lo",
            "static_hi",
            "diff",
            "diff_lo",
            "diff_hi",
        ]
        print(res.curve[res.curve["referrals"].isin(CHECKPOINTS)][cols].round(3).to_string())
        print(res.heldout.round(3).to_string() if res.heldout is not None else "")
        print(res.ope.round(3).to_string())
        print(res.exposure.round(3).to_string(), flush=True)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                meta = {
                    "population": args.population,
                    "referrals": args.referrals,
                    "protect_small": not args.no_protect,
                }
                json.dump({**meta, "seeds": out}, f, indent=1)


if __name__ == "__main__":
    main()
