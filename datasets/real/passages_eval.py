"""Passage evidence (MaxP) on the real dev splits: variants of the default matcher whose
semantic score is mixed with the best passage of each candidate's description.

    python datasets/real/passages_eval.py [--split dev] [--bootstrap 1000] [--only "NAME;..."]
        [--pool-out DIR --pool-variant NAME]

Each record's description is split into windows of sentences
(:class:`rxmatch.features.passages.PassageIndex`), embedded with the matcher's encoders
(MiniLM; USEM3 for the encoder ensemble and non-English answers), and a candidate's passage
score (max / first / mean cosine over its passages, through the same encoder ensemble and
facets as the whole-record cosine) is z-scored over the candidates, put on the scale of the
matcher's semantic component and mixed in with weight ``w``. Everything else is the default
matcher's scoring (``rxmatch.rank.score_candidates``) and re-ranking (``rxmatch.rank.rerank``);
at ``w = 0`` the lists are those of rxmatch with ``passages=None`` (checked at start; the
variant "MaxP w2 0.5, English route only, top 200 only" is what ``Matcher(passages="auto")``
now does, with the same top 10 for every dev referral). Unjudged records count
as not relevant (variants that were not pooled are lower bounds); the unjudged share of the
top 10 is printed. The passage vectors are kept in ``$RXMATCH_CACHE_DIR/passages.npz``
(directory texts only). The test split is refused.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import rxmatch
from rxmatch.evaluation import cached_index, evaluate
from rxmatch.evaluation.baselines import Ranking, RxMatchSystem, System
from rxmatch.evaluation.cache import default_cache_path, load_cache, save_cache
from rxmatch.features.passages import PassageIndex, mix_passage_score, passage_similarity
from rxmatch.rank import rerank, score_candidates

#: passage index builds: window, stride, cap, name prefix, fewest sentences for passages
BUILDS = {
    "w2": dict(window=2, stride=1, max_passages=12, prefix=True, min_sentences=1),
    "w1": dict(window=1, stride=1, max_passages=16, prefix=True, min_sentences=1),
    "w3": dict(window=3, stride=2, max_passages=8, prefix=True, min_sentences=1),
    "w2-noname": dict(window=2, stride=1, max_passages=12, prefix=False, min_sentences=1),
    "w2-long": dict(window=2, stride=1, max_passages=12, prefix=True, min_sentences=6),
    "w2-cap6": dict(window=2, stride=1, max_passages=6, prefix=True, min_sentences=1),
}
#: variants: build, aggregation, weight of the passage score, passages per facet too
VARIANTS = {
    "MaxP w2 0.25": dict(build="w2", agg="max", weight=0.25, facets=True),
    "MaxP w2 0.5": dict(build="w2", agg="max", weight=0.5, facets=True),
    "MaxP w2 0.75": dict(build="w2", agg="max", weight=0.75, facets=True),
    "MaxP w2 alone (1.0)": dict(build="w2", agg="max", weight=1.0, facets=True),
    "MaxP w2 0.5, whole answer only": dict(build="w2", agg="max", weight=0.5, facets=False),
    "FirstP w2 0.5": dict(build="w2", agg="first", weight=0.5, facets=True),
    "MeanP w2 0.5": dict(build="w2", agg="mean", weight=0.5, facets=True),
    "MaxP w2 long only 0.5": dict(build="w2-long", agg="max", weight=0.5, facets=True),
    "MaxP w2 0.5, English route only": dict(
        build="w2", agg="max", weight=0.5, facets=True, primary_only=True
    ),
    "MaxP w2 0.35, English route only": dict(
        build="w2", agg="max", weight=0.35, facets=True, primary_only=True
    ),
    "MaxP w2 0.5, English route only, MiniLM passages only": dict(
        build="w2", agg="max", weight=0.5, facets=True, primary_only=True, minilm_only=True
    ),
    "MaxP w2 at most 6 passages 0.5, English route only": dict(
        build="w2-cap6", agg="max", weight=0.5, facets=True, primary_only=True
    ),
    "MaxP w2 0.5, English route only, top 200 only": dict(
        build="w2", agg="max", weight=0.5, facets=True, primary_only=True, pool=200
    ),
}
#: not run by default (each needs its own embeddings: ~10-15 min per build of San Mateo on a
#: busy shared machine); ``--only`` runs them
MORE_VARIANTS = {
    "MaxP w1 0.5": dict(build="w1", agg="max", weight=0.5, facets=True),
    "MaxP w3 0.5": dict(build="w3", agg="max", weight=0.5, facets=True),
    "MaxP w2 no name 0.5": dict(build="w2-noname", agg="max", weight=0.5, facets=True),
}
ALL_VARIANTS = {**VARIANTS, **MORE_VARIANTS}


def passage_cache_path() -> Path:
    return default_cache_path().with_name("passages.npz")


def build_index(directory: rxmatch.Directory, spec: dict) -> PassageIndex:
    f = directory.frame
    return PassageIndex.build(
        list(f["description"].fillna("")),
        list(f["name"].fillna("")) if spec["prefix"] else None,
        window=spec["window"],
        stride=spec["stride"],
        max_passages=spec["max_passages"],
        min_sentences=spec["min_sentences"],
    )


class PassageSystem(System):
    """The default matcher, its semantic component mixed with the passage score."""

    def __init__(
        self,
        name: str,
        index: PassageIndex,
        vectors: dict,
        *,
        agg,
        weight,
        facets,
        primary_only=False,
        minilm_only=False,
        pool=None,
    ):
        super().__init__()
        self.name = name
        self.index, self.vectors = index, vectors
        self.agg, self.weight, self.facets = agg, weight, facets
        self.primary_only = primary_only
        self.minilm_only = minilm_only
        self.pool = pool

    def passage_score(self, enc, rows: np.ndarray) -> np.ndarray:
        m = self._shared().matcher
        off = self.index.offsets

        def sim(space: str, q: np.ndarray) -> np.ndarray:
            return passage_similarity(self.vectors[space], off, rows, q, aggregate=self.agg)

        space = "primary" if enc.space == "primary" else "multilingual"
        p = sim(space, enc.vector)
        ens = enc.ensemble_vector is not None and m.ensemble_weight > 0 and not self.minilm_only
        if space == "primary" and ens:
            p = mix_passage_score(p, sim("multilingual", enc.ensemble_vector), m.ensemble_weight)
        if self.facets and m.facets and enc.interest_vectors is not None:
            pf = sim(space, enc.interest_vectors).max(axis=1)
            p = (1 - m.facet_weight) * p + m.facet_weight * pf
        return p

    def recommend(self, referral, k: int = 10) -> Ranking:
        shared = self._shared()
        m = shared.matcher
        cands = shared.candidates(referral)
        state = cands.state
        rows = np.asarray(state.rows)
        enc = shared.encoded(referral)
        use = not (self.primary_only and enc.space != "primary")
        if len(rows) > 1 and self.weight > 0 and use:
            sem = state.components["semantic"]
            if self.pool is not None and len(rows) > self.pool:
                # passages for the ``pool`` best by the whole-record score only
                top = np.argpartition(-sem, self.pool - 1)[: self.pool]
                p = np.full(len(rows), np.nan)
                p[top] = self.passage_score(enc, rows[top])
            else:
                p = self.passage_score(enc, rows)
            comps = dict(state.components)
            comps["semantic"] = np.clip(mix_passage_score(sem, p, self.weight), 0.0, 1.0)
            state = dataclasses.replace(state, components=comps)
        scored = score_candidates(state, **m.score_params())
        order = reranked(m, scored, rows, k)
        return ranking_of(shared, m.table_, rows, order, state, cands)


def reranked(m, scored, rows, k: int, *, diversity: float | None = None) -> np.ndarray:
    """The matcher ``m``'s re-ranking (``rxmatch.rank.rerank``) of the scored candidates
    ``rows``: the top ``k`` positions (``diversity``: ``None`` keeps the matcher's)."""
    t = m.table_
    return rerank(
        scored,
        lambda idx: t.embeddings[rows[idx]],
        [str(x) for x in np.asarray(t.ids)[rows]],
        m.category_index_[rows],
        int(k),
        diversity=m.diversity if diversity is None else diversity,
        max_per_category=m.max_per_category,
        coverage_bonus=m.coverage_bonus,
    )


def ranking_of(shared, table, rows, order, state, cands) -> Ranking:
    """The :class:`Ranking` of the candidates ``rows`` in the re-ranked ``order``."""
    r = rows[order]
    d = np.asarray(state.distance_km)[order]
    online = np.asarray(cands.online)[order]
    return Ranking(
        ids=tuple(str(shared.ids[i]) for i in r),
        distance_km=tuple(None if (o or np.isnan(x)) else float(x) for x, o in zip(d, online)),
        categories=tuple(table.categories[i] for i in r),
    )


def unjudged_share(res, system: str, qrels: pd.DataFrame) -> tuple[float, set]:
    judged = set(zip(qrels["referral_id"], qrels["resource_id"]))
    n = miss = 0
    pairs = set()
    for rid, ranking in res.rankings[system].items():
        for res_id in ranking.ids[:10]:
            n += 1
            if (rid, res_id) not in judged:
                miss += 1
                pairs.add((rid, res_id))
    return (miss / n if n else 0.0), pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--only", default="", help="variant names, separated by ;")
    ap.add_argument("--datasets", default=",".join(rxmatch.datasets.REAL_DATASETS))
    ap.add_argument("--pool-out", default="", help="folder for the unjudged pairs")
    ap.add_argument("--pool-variant", default="", help="variant names, separated by ;")
    args = ap.parse_args()
    if args.split == "test":
        raise SystemExit("choices are made on dev: the test split is not for this script")
    wanted = [v for v in args.only.split(";") if v] or list(VARIANTS)
    rows_out = []
    for name in args.datasets.split(","):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            directory = rxmatch.datasets.load_real_directory(name)
        refs = rxmatch.datasets.load_real_referrals(name, args.split)
        qrels = rxmatch.datasets.load_real_qrels(name)
        # the prototype mixes passages itself: the shared index is fitted without the
        # Matcher's own passage evidence (on by default since it was wired)
        shared = cached_index(directory, passages=None)
        m = shared.matcher
        assert list(map(str, m.table_.ids)) == list(map(str, directory.frame["id"]))
        cache = load_cache(passage_cache_path())
        indexes, vectors = {}, {}
        for b in sorted({ALL_VARIANTS[v]["build"] for v in wanted}):
            idx = build_index(directory, BUILDS[b])
            t0 = time.perf_counter()
            vp = idx.embed(m.embedder_, cache=cache)
            t1 = time.perf_counter()
            vm = idx.embed(m.multilingual_.embedder, cache=cache)
            t2 = time.perf_counter()
            save_cache(cache, passage_cache_path())
            indexes[b], vectors[b] = idx, {"primary": vp, "multilingual": vm}
            print(
                f"[{name}] build {b}: {len(idx)} passages for {idx.n_records} records "
                f"({1000 * len(idx) / idx.n_records:.0f} per 1k records; "
                f"{int((idx.counts > 0).sum())} with passages); embed MiniLM {t1 - t0:.1f} s, "
                f"USEM3 {t2 - t1:.1f} s (0 s when cached)",
                flush=True,
            )
        systems: list = ["dense", RxMatchSystem(name="rxmatch")]
        check = PassageSystem(
            "w=0 check",
            indexes[next(iter(indexes))],
            vectors[next(iter(vectors))],
            agg="max",
            weight=0.0,
            facets=True,
        )
        systems.append(check)
        for v in wanted:
            spec = ALL_VARIANTS[v]
            systems.append(
                PassageSystem(
                    v,
                    indexes[spec["build"]],
                    vectors[spec["build"]],
                    agg=spec["agg"],
                    weight=spec["weight"],
                    facets=spec["facets"],
                    primary_only=spec.get("primary_only", False),
                    minilm_only=spec.get("minilm_only", False),
                    pool=spec.get("pool"),
                )
            )
        res = evaluate(systems, None, refs, qrels, shared=shared, bootstrap=args.bootstrap)
        same = all(
            res.rankings["rxmatch"][r].ids == res.rankings["w=0 check"][r].ids
            for r in res.rankings["rxmatch"]
        )
        print(f"[{name}] w=0 reproduces rxmatch: {same}", flush=True)
        summ = res.summary(metrics=["ndcg@10"]).set_index("system")
        for s in ["dense", "rxmatch", *wanted]:
            share, pairs = unjudged_share(res, s, qrels)
            row = {
                "dataset": name,
                "system": s,
                "ndcg@10": round(float(summ.loc[s, "mean"]), 3),
                "unjudged@10": round(share, 3),
            }
            if s not in ("dense", "rxmatch"):
                d, lo, hi = res.paired_difference(s, "rxmatch", "ndcg@10")
                row["vs rxmatch"] = f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                pr = res.per_referral[res.per_referral["metric"] == "ndcg@10"]
                piv = pr.pivot_table(index="referral_id", columns="system", values="value")
                delta = piv[s] - piv["rxmatch"]
                row["wins/losses"] = f"{int((delta > 1e-9).sum())}/{int((delta < -1e-9).sum())}"
            d, lo, hi = res.paired_difference(s, "dense", "ndcg@10") if s != "dense" else (0, 0, 0)
            row["vs dense"] = f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
            rows_out.append(row)
            print(row, flush=True)
            if args.pool_out and s in args.pool_variant.split(";"):
                out = Path(args.pool_out)
                out.mkdir(parents=True, exist_ok=True)
                path = out / f"{name}_unjudged.csv"
                old = pd.read_csv(path, dtype=str) if path.exists() else None
                new = pd.DataFrame(sorted(pairs), columns=["referral_id", "resource_id"])
                both = new if old is None else pd.concat([old, new]).drop_duplicates()
                both.to_csv(path, index=False)
        if "language_of_text" in res.groups.columns:
            by = res.summary(by="language_of_text", metrics=["ndcg@10"])
            keep = by[by["system"].isin(["dense", "rxmatch", *wanted])]
            print(
                keep.pivot_table(index="system", columns="language_of_text", values="mean")
                .round(3)
                .to_string(),
                flush=True,
            )
    print(pd.DataFrame(rows_out).to_string(index=False))


if __name__ == "__main__":
    main()
