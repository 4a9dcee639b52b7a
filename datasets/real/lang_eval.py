"""Non-English answers on the real dev splits (issue #11, the per-language target): error
analysis and general variants of how an answer in another language is matched, scored
through the default matcher's own scoring path.

    python datasets/real/lang_eval.py [--datasets real-sanmateo,real-nyc] [--bootstrap 1000]
        [--only "NAME;..."] [--analyse]

The default matcher matches an answer in a language USEM3 lacks (Vietnamese, Tagalog,
Bengali, ...) by multilingual-E5 alone, read whole (the facet cues are English and
Spanish); Spanish, Chinese and USEM3's other languages by USEM3 (facets for Spanish);
English by MiniLM + USEM3 (+ passages). The variants change only the semantic component
of some answers (every other component, penalty, prior and the re-ranking are the
matcher's: :func:`rxmatch.rank.score_candidates`, :func:`rxmatch.rank.rerank`):

* **ensemble for E5-routed answers**: the E5 cosines z-scored over the candidates, plus
  the MiniLM (the words as written) and/or USEM3 cosines z-scored, with weights
  ``(e5, minilm, usem3)``; the sum put on the default encoder's reference scale, as the
  matcher puts E5's.
* **best sentence** (MaxSim over the answer's sentences, a punctuation splitter that reads
  no language): each sentence embedded by the answer's own encoder, the best sentence's
  cosine z-scored and mixed with the whole answer's (weight ``w``); for the E5-routed
  answers, or every answer that is read whole (non-English, facets off).
* **E5 as another member for USEM3-routed answers** (Spanish, Chinese, ...): the E5
  cosine z-scored and mixed into the semantic component with weight ``w``.
* **diagnostics** for E5-routed answers: the same ranking without the lexical, category
  fit or care-prior parts, or the semantic component alone.

Also printed: dense baselines over the same candidates (MiniLM, USEM3 and E5 cosine of the
words as written). Per language: nDCG@10 mean [95% CI], the paired difference with
rxmatch and the share of each top 10 that is unjudged (unjudged records count as not
relevant: a variant that was not pooled is a lower bound). ``--analyse`` prints, per
non-English referral (ids only, never the words), nDCG@10 of each system and the grades
and care shares of rxmatch's top 10. The test split is refused: there is no option for it.
Nothing here is specific to one directory.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import warnings

import numpy as np
import pandas as pd
from passages_eval import ranking_of, reranked  # this folder's helpers

import rxmatch
from rxmatch import Weights
from rxmatch.evaluation import RxMatchSystem, cached_index, evaluate
from rxmatch.evaluation.baselines import Ranking, System
from rxmatch.features.passages import mix_passage_score, split_sentences
from rxmatch.features.query import encode_person
from rxmatch.rank import score_candidates
from rxmatch.rank.features import REFERENCE_COSINE

#: variant -> parameters. route: which answers ("e5": routed to E5; "usem3": matched in
#: USEM3's space; "whole": every non-English answer read whole). mode: "ens" (weights
#: e5/minilm/usem3), "sent" (weight w), "e5member" (weight w), "diag" (what is left out)
VARIANTS: dict[str, dict] = {
    "E5 + MiniLM 0.5": dict(route="e5", mode="ens", e5=1.0, minilm=0.5, usem3=0.0),
    "E5 + MiniLM 1": dict(route="e5", mode="ens", e5=1.0, minilm=1.0, usem3=0.0),
    "E5 + USEM3 0.5": dict(route="e5", mode="ens", e5=1.0, minilm=0.0, usem3=0.5),
    "E5 + MiniLM 0.5 + USEM3 0.5": dict(route="e5", mode="ens", e5=1.0, minilm=0.5, usem3=0.5),
    "E5 + MiniLM 0.25 + USEM3 0.25": dict(route="e5", mode="ens", e5=1.0, minilm=0.25, usem3=0.25),
    "best sentence w0.25 (E5-routed)": dict(route="e5", mode="sent", w=0.25),
    "best sentence w0.5 (E5-routed)": dict(route="e5", mode="sent", w=0.5),
    "best sentence w0.35 (E5-routed)": dict(route="e5", mode="sent", w=0.35),
    "best sentence w0.5 (all read whole)": dict(route="whole", mode="sent", w=0.5),
    "best sentence w0.25 + E5 + MiniLM 0.25 + USEM3 0.25": dict(
        route="e5", mode="sent", w=0.25, e5=1.0, minilm=0.25, usem3=0.25
    ),
    "E5 member w0.25 (USEM3-routed)": dict(route="usem3", mode="e5member", w=0.25),
    "E5 member w0.5 (USEM3-routed)": dict(route="usem3", mode="e5member", w=0.5),
    "diag: no lexical (E5-routed)": dict(route="e5", mode="diag", drop="lexical"),
    "diag: no category fit (E5-routed)": dict(route="e5", mode="diag", drop="category_fit"),
    "diag: no care prior (E5-routed)": dict(route="e5", mode="diag", drop="care"),
    "diag: semantic only (E5-routed)": dict(route="e5", mode="diag", drop="all"),
}


#: the matcher before the E5 evidence (the baseline of the paired differences), and the
#: variant the library's default now computes (``Matcher(e5_ensemble_weight=0.25,
#: sentence_weight=0.25)``)
BEFORE = "rxmatch (before: e5_ensemble_weight=0, sentence_weight=0)"
WIRED = "best sentence w0.25 + E5 + MiniLM 0.25 + USEM3 0.25"


def _z(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else np.zeros_like(v)


def _reference(z: np.ndarray) -> np.ndarray:
    """A z-score on the default encoder's reference scale, clipped as the matcher clips."""
    mean, spread = REFERENCE_COSINE
    return np.clip(_z(z) * spread + mean, 0.0, 1.0)


class Vectors:
    """Per-text query vectors of each encoder, memoised in memory only."""

    def __init__(self, matcher):
        idx = matcher.index_
        self.minilm = matcher.embedder_
        self.usem3 = idx.multilingual.embedder if idx.multilingual is not None else None
        e5 = idx.vector_sets.get("e5")
        self.e5 = None if e5 is None else e5.embedder
        self.sets = {
            "minilm": idx.table.embeddings,
            "usem3": None if idx.multilingual is None else idx.multilingual.embeddings,
            "e5": None if e5 is None else e5.embeddings,
        }
        self._memo: dict[tuple[str, str], np.ndarray] = {}

    def query(self, encoder: str, texts: list[str]) -> np.ndarray:
        emb = {"minilm": self.minilm, "usem3": self.usem3, "e5": self.e5}[encoder]
        out = []
        for t in texts:  # one text per call: a vector depends on its own text only
            key = (encoder, t)
            if key not in self._memo:
                self._memo[key] = np.asarray(encode_person(emb, [t], batch_size=1)[0])
            out.append(self._memo[key])
        return np.vstack(out).astype(np.float32)

    def cosines(self, encoder: str, rows: np.ndarray, texts: list[str]) -> np.ndarray:
        """``(len(rows), len(texts))`` cosines of the candidates with each text."""
        return self.sets[encoder][rows] @ self.query(encoder, texts).T


class DenseOver(System):
    """Plain cosine of the words as written with one of the index's vector sets."""

    def __init__(self, name: str, encoder: str):
        super().__init__()
        self.name, self.encoder = name, encoder

    def _fit_extra(self, shared) -> None:
        self.vec = Vectors(shared.matcher)

    def order(self, referral, cands) -> np.ndarray:
        if not len(cands):
            return np.zeros(0, dtype=np.intp)
        cos = self.vec.cosines(self.encoder, cands.rows, [referral.what_matters])[:, 0]
        return np.lexsort((np.arange(len(cos)), -cos))


class LangVariant(System):
    """The default matcher with the semantic component of some answers changed."""

    def __init__(self, name: str, spec: dict):
        super().__init__()
        self.name, self.spec = name, spec

    def _fit_extra(self, shared) -> None:
        self.vec = Vectors(shared.matcher)
        # the candidates' components as the matcher made them before the E5 evidence
        # (the default since: ``e5_ensemble_weight``, ``sentence_weight``)
        self.base_ = copy.copy(shared.matcher).set_params(
            e5_ensemble_weight=0.0, sentence_weight=0.0
        )

    def applies(self, enc) -> bool:
        route = self.spec["route"]
        if route == "e5":
            return enc.space == "e5"
        if route == "usem3":
            return enc.space == "multilingual"
        return enc.space != "primary" and not enc.facets.all  # read whole, non-English

    def semantic(self, text: str, enc, state) -> np.ndarray:
        s, rows = self.spec, np.asarray(state.rows)
        sem = np.asarray(state.components["semantic"], dtype=np.float64)
        own = "e5" if enc.space == "e5" else "usem3"
        if "e5" in s:  # the encoder ensemble (its sum on the reference scale)
            z = s["e5"] * _z(self.vec.cosines("e5", rows, [text])[:, 0])
            for enc_name in ("minilm", "usem3"):
                if s[enc_name]:
                    z = z + s[enc_name] * _z(self.vec.cosines(enc_name, rows, [text])[:, 0])
            sem = _reference(z)
            if s["mode"] == "ens":
                return sem
        if s["mode"] == "sent":
            sents = split_sentences(text)
            if len(sents) < 2:
                return sem
            best = self.vec.cosines(own, rows, sents).max(axis=1)
            return np.clip(mix_passage_score(sem, best, s["w"]), 0.0, 1.0)
        if s["mode"] == "e5member":
            e5 = self.vec.cosines("e5", rows, [text])[:, 0]
            return np.clip(mix_passage_score(sem, e5, s["w"]), 0.0, 1.0)
        return sem

    def recommend(self, referral, k: int = 10) -> Ranking:
        shared = self._shared()
        m = shared.matcher
        cands = shared.candidates(referral)
        enc = shared.encoded(referral)
        state = self.base_.candidate_features(referral, enc)
        rows = np.asarray(state.rows)
        params = m.score_params()
        if len(rows) > 1 and self.applies(enc):
            if self.spec["mode"] == "diag":
                drop = self.spec["drop"]
                w = params["weights"]
                if drop == "care":
                    params["care_penalty"] = 0.0
                elif drop == "all":
                    params["weights"] = Weights(
                        semantic=1.0,
                        lexical=0.0,
                        distance=0.0,
                        category_fit=0.0,
                        schedule=0.0,
                        preference=0.0,
                    )
                else:
                    params["weights"] = dataclasses.replace(w, **{drop: 0.0})
            else:
                comps = dict(state.components)
                comps["semantic"] = self.semantic(referral.what_matters, enc, state)
                state = dataclasses.replace(state, components=comps)
        scored = score_candidates(state, **params)
        order = reranked(m, scored, rows, k)
        return ranking_of(shared, m.table_, rows, order, state, cands)


def _ci(values: np.ndarray, n_boot: int, seed: int = 0) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=np.float64)
    if not len(v):
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    return float(v.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default=",".join(rxmatch.datasets.REAL_DATASETS))
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--only", default="", help="variant names, separated by ;")
    ap.add_argument("--analyse", action="store_true", help="per-referral table (ids only)")
    args = ap.parse_args()
    split = "dev"  # choices are made on dev: the test split is not for this script
    wanted = [v for v in args.only.split(";") if v] or list(VARIANTS)
    all_rows = []
    for name in args.datasets.split(","):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            directory = rxmatch.datasets.load_real_directory(name)
        refs = rxmatch.datasets.load_real_referrals(name, split)
        qrels = rxmatch.datasets.load_real_qrels(name)
        shared = cached_index(directory)
        systems: list = [
            DenseOver("dense", "minilm"),
            DenseOver("dense-usem3", "usem3"),
            DenseOver("dense-e5", "e5"),
            RxMatchSystem(name=BEFORE, e5_ensemble_weight=0.0, sentence_weight=0.0),
            RxMatchSystem(name="rxmatch"),
            LangVariant("check (unchanged)", dict(route="e5", mode="ens", e5=1, minilm=0, usem3=0)),
            *(LangVariant(v, VARIANTS[v]) for v in wanted),
        ]
        res = evaluate(systems, None, refs, qrels, shared=shared, bootstrap=args.bootstrap)
        for a, b in [(BEFORE, "check (unchanged)"), ("rxmatch", WIRED)]:
            if b in res.rankings:
                same = sum(
                    res.rankings[a][r].ids == res.rankings[b][r].ids for r in res.rankings[a]
                )
                print(f"[{name}] same top 10 as {a}: {b} for {same} of {len(refs)}", flush=True)
        pr = res.per_referral[res.per_referral["metric"] == "ndcg@10"]
        piv = pr.pivot_table(index="referral_id", columns="system", values="value")
        lang = refs.set_index("referral_id")["language_of_text"].reindex(piv.index)
        groups = {
            "all": piv.index,
            "vi+tl": piv.index[lang.isin(["vi", "tl"])],
            "en": piv.index[lang == "en"],
            "other non-en": piv.index[~lang.isin(["vi", "tl", "en"])],
        }
        for code in sorted(lang.unique()):
            groups[code] = piv.index[lang == code]
        judged = set(zip(qrels["referral_id"], qrels["resource_id"]))
        for s in piv.columns:
            for g, ids in groups.items():
                if not len(ids):
                    continue
                mean, lo, hi = _ci(piv.loc[ids, s].to_numpy(), args.bootstrap)
                d, dlo, dhi = _ci((piv.loc[ids, s] - piv.loc[ids, BEFORE]).to_numpy(), 1000)
                top = [(r, x) for r in ids for x in res.rankings[s][r].ids[:10]]
                unj = sum(p not in judged for p in top) / max(1, len(top))
                all_rows.append(
                    dict(
                        dataset=name,
                        system=s,
                        group=g,
                        n=len(ids),
                        ndcg=f"{mean:.3f} [{lo:.3f}, {hi:.3f}]",
                        vs_before=f"{d:+.3f} [{dlo:+.3f}, {dhi:+.3f}]",
                        unjudged=round(unj, 3),
                    )
                )
        if args.analyse:
            grade = {
                (r, x): g
                for r, x, g in qrels[["referral_id", "resource_id", "relevance"]].itertuples(
                    index=False
                )
            }
            care = shared.matcher.index_.care_share
            row_of = shared.row_of
            for rid in piv.index[lang != "en"]:
                ids = res.rankings[BEFORE][rid].ids[:10]
                grades = "".join(str(grade.get((rid, x), "?")) for x in ids)
                cs = np.mean([care[row_of[x]] for x in ids]) if ids else float("nan")
                vals = " ".join(
                    f"{s}={piv.loc[rid, s]:.2f}"
                    for s in ("dense", "dense-usem3", "dense-e5", BEFORE)
                )
                n_rel = sum(1 for (r, _), g in grade.items() if r == rid and g >= 2)
                print(
                    f"{rid} {lang[rid]} {vals} top10 grades {grades} care {cs:.2f} "
                    f"relevant(>=2) {n_rel}",
                    flush=True,
                )
    out = pd.DataFrame(all_rows)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_rows", 2000)
    for (ds, g), part in out.groupby(["dataset", "group"], sort=False):
        print(f"\n== {ds} dev, {g} (n = {part['n'].iloc[0]})")
        print(part.drop(columns=["dataset", "group", "n"]).to_string(index=False))


if __name__ == "__main__":
    main()
