"""Six general re-ranking ideas on the real dev splits (session 5, issue #11), scored through
the default matcher's own scoring path:

    python datasets/real/variants_eval.py [--split dev] [--bootstrap 1000] [--only "NAME;..."]
        [--datasets real-sanmateo,real-nyc] [--packet DIR --packet-variant NAME]

* **Pseudo-relevance feedback in embedding space** (Rocchio 1971; the dense form of e.g.
  ANCE-PRF / "Rocchio for dense retrieval", Li et al. 2022): the default matcher ranks once;
  the mean of its top ``m`` candidates' vectors is a feedback vector in each encoder's space
  (MiniLM and USEM3 for the encoder ensemble; the answer's own vector set for answers routed
  to another encoder). Each candidate's cosine with the feedback vector (the two encoders
  mixed as the ensemble mixes them) is z-scored over the candidates, put on the semantic
  component's scale and mixed in with weight ``beta``: ``(1 - beta) * semantic + beta *
  feedback``. Since ``cos(d, q + b c)`` is linear in ``d . q`` and ``d . c`` up to a
  per-query constant, this is Rocchio's query update ``q' = q + b * mean(top m)`` on the
  candidates' scale. The rest (lexical, distance, category fit, penalties, prior, MMR) is
  unchanged.
* **Ages stated in a record's own words** (``"55+ only"``, ``"age 50 or over"``, ``"ages
  6-12"``, ``"18 years of age or older"``): many directories state who may attend only in
  the name or description, with no structured age range, so the eligibility filter cannot
  see it. For records without a structured age range, the loosest range their text states
  is read with a few English patterns; a candidate whose range excludes the age
  eligibility is checked against (the beneficiary's, as the matcher does) gets its final
  score multiplied by ``1 - penalty`` (a soft rule: the text may describe one programme of
  several). ``age_scope`` chooses where a statement counts: anywhere in the name or
  description (``text``), in the name only (``name``), or in the name and in description
  sentences worded as a rule for the whole record (``exclusive``: "only", "open to",
  "must be", "membership", "restricted to", "eligible").
* **An audience restricted by ancestry** ("for men and women of Italian-American
  background", "of Norwegian descent", "Scottish through birth"): a record whose text
  restricts who may join to an ancestry gets its final score multiplied by ``1 - penalty``
  unless the person's words name that identity (a shared 4-letter stem) or are written
  in a language that speaks for it (an answer detected as Vietnamese for a Vietnamese
  group; :data:`LANGUAGE_IDENTITY`).
* **Near-duplicates after the others**: walking down the final list, a candidate whose
  MiniLM cosine with one already listed is above ``dedup`` moves after the rest (the same
  posting repeated for several sites or dates fills a top 10 otherwise); and, for
  comparison, the matcher's own MMR diversity (``diversity``; 0 by default).
* **Hubness correction** (CSLS, Conneau et al. 2018, with the directory's records as the
  reference set): each record's mean MiniLM cosine with its 10 nearest records, z-scored
  over the candidates, is taken off the semantic component (``hub`` of its spread).
* **Reciprocal-rank fusion** (Cormack, Clarke & Buettcher 2009) of the semantic component
  (the encoder ensemble, facets and passages as the matcher computes it) and the lexical
  component in place of their weighted sum: ``(1 - w) / (k + rank_semantic) + w / (k +
  rank_lexical)``, put on the semantic component's scale and given both components'
  weight.

At ``beta = 0`` / ``penalty = 0`` the lists are the default rxmatch's (checked at start).
Unjudged records count as not relevant (variants that were not pooled are lower bounds);
the unjudged share of the top 10 is printed. ``--packet DIR`` writes a blind judging packet
(referral words, age, speaker, language and the full record; no system names; seeded random
order) of the unjudged top-10 pairs of ``--packet-variant``. The test split is refused.
Nothing here is specific to one directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from passages_eval import ranking_of, reranked, unjudged_share  # this folder's helpers
from scipy.stats import rankdata

import rxmatch
from rxmatch.evaluation import cached_index, evaluate
from rxmatch.evaluation.baselines import Ranking, RxMatchSystem, System
from rxmatch.features.audience import LANGUAGE_IDENTITY, ancestry_words, stated_ages
from rxmatch.features.beneficiary import eligibility_age, read_beneficiary
from rxmatch.features.language import answer_language
from rxmatch.features.passages import mix_passage_score
from rxmatch.rank import score_candidates

#: variant name -> parameters (prf_m: feedback depth, beta: feedback weight, age_penalty)
VARIANTS: dict[str, dict] = {
    "PRF m3 b0.2": dict(prf_m=3, beta=0.2),
    "PRF m3 b0.35": dict(prf_m=3, beta=0.35),
    "PRF m5 b0.2": dict(prf_m=5, beta=0.2),
    "PRF m5 b0.35": dict(prf_m=5, beta=0.35),
    "PRF m10 b0.2": dict(prf_m=10, beta=0.2),
    "PRF m10 b0.35": dict(prf_m=10, beta=0.35),
    "stated ages p0.25": dict(age_penalty=0.25),
    "stated ages p0.5": dict(age_penalty=0.5),
    "stated ages p1 (drop)": dict(age_penalty=1.0),
    "stated ages, name only p0.5": dict(age_penalty=0.5, age_scope="name"),
    "stated ages, name only p1 (drop)": dict(age_penalty=1.0, age_scope="name"),
    "stated ages, exclusive wording p0.5": dict(age_penalty=0.5, age_scope="exclusive"),
    "ancestry audience p0.25": dict(ancestry_penalty=0.25),
    "ancestry audience p0.5": dict(ancestry_penalty=0.5),
    "ancestry audience p0.5 + stated ages, name only p0.5": dict(
        ancestry_penalty=0.5, age_penalty=0.5, age_scope="name"
    ),
    "near-duplicates after, cos 0.8": dict(dedup=0.8),
    "near-duplicates after, cos 0.85": dict(dedup=0.85),
    "near-duplicates after, cos 0.9": dict(dedup=0.9),
    "near-duplicates after, cos 0.95": dict(dedup=0.95),
    "MMR diversity 0.05": dict(diversity=0.05),
    "MMR diversity 0.1": dict(diversity=0.1),
    "hubness (CSLS) g0.1": dict(hub=0.1),
    "hubness (CSLS) g0.2": dict(hub=0.2),
    "hubness (CSLS) g0.35": dict(hub=0.35),
    "RRF k20 lex0.25": dict(rrf_k=20, rrf_lex=0.25),
    "RRF k20 lex0.5": dict(rrf_k=20, rrf_lex=0.5),
    "RRF k60 lex0.25": dict(rrf_k=60, rrf_lex=0.25),
    "RRF k60 lex0.5": dict(rrf_k=60, rrf_lex=0.5),
}
#: the age scopes: statements anywhere in the name or description ("text"), in the
#: name only ("name"), or in the name or in a description sentence that words them as a
#: rule for the whole record ("exclusive": only / open to / must be / membership / restricted)
AGE_SCOPES = ("text", "name", "exclusive")
EXCLUSIVE = re.compile(
    r"\b(only|open to|must be|membership|members? (?:are|must)|restricted to|limited to|"
    r"eligible|eligibility)\b",
    re.I,
)


def _names_identity(words: set[str], identity: frozenset[str]) -> bool:
    """Whether a person's words name the identity (a shared 4-letter stem: Italy ~ Italian)."""
    stems = {w[:4] for w in words if len(w) >= 4}
    return any(
        w[:4] in stems if len(w) >= 4 else w in words for x in identity for w in x.split("-")
    )


def _scoped_text(name: str, description: str, scope: str) -> str:
    if scope == "text":
        return f"{name}. {description}"
    if scope == "name":
        return name
    sentences = re.split(r"(?<=[.!?;])\s+", description)
    return ". ".join([name, *[x for x in sentences if EXCLUSIVE.search(x)]])


def text_age_ranges(frame: pd.DataFrame, scope: str = "text") -> tuple[np.ndarray, np.ndarray]:
    """Per record (directory order): the text-stated lowest and highest age (NaN: none),
    only for records without a structured age range; ``scope``: see :data:`AGE_SCOPES`."""
    lo = np.full(len(frame), np.nan)
    hi = np.full(len(frame), np.nan)
    structured = frame["min_age"].notna() | frame["max_age"].notna()
    names = frame["name"].fillna("").astype(str)
    descs = frame["description"].fillna("").astype(str)
    for i, (s, n, d) in enumerate(zip(structured, names, descs)):
        if s:
            continue
        a, b = stated_ages(_scoped_text(n, d, scope))
        if a is not None:
            lo[i] = a
        if b is not None:
            hi[i] = b
    return lo, hi


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


class VariantSystem(System):
    """The default matcher with Rocchio feedback in embedding space and/or a soft penalty
    for ages a record's text states."""

    def __init__(
        self,
        name: str,
        *,
        prf_m=0,
        beta=0.0,
        age_penalty=0.0,
        age_scope="text",
        ages=None,
        rrf_k=0,
        rrf_lex=0.0,
        ancestry_penalty=0.0,
        ancestry=None,
        dedup=0.0,
        diversity=None,
        hub=0.0,
    ):
        super().__init__()
        self.name = name
        self.prf_m, self.beta, self.age_penalty = int(prf_m), float(beta), float(age_penalty)
        self.ages = None if ages is None else ages[age_scope]
        self.rrf_k, self.rrf_lex = int(rrf_k), float(rrf_lex)
        self.ancestry_penalty, self.ancestry = float(ancestry_penalty), ancestry
        self.dedup, self.diversity = float(dedup), diversity
        self.hub, self._hubness = float(hub), None

    def hubness(self, k: int = 10) -> np.ndarray:
        """Each record's mean MiniLM cosine with its ``k`` nearest other records."""
        if self._hubness is None:
            e = np.asarray(self._shared().matcher.table_.embeddings, dtype=np.float32)
            out = np.empty(len(e))
            for lo in range(0, len(e), 512):
                sims = e[lo : lo + 512] @ e.T
                for j in range(len(sims)):
                    sims[j, lo + j] = -np.inf
                top = np.partition(sims, -k, axis=1)[:, -k:]
                out[lo : lo + 512] = top.mean(axis=1)
            self._hubness = out
        return self._hubness

    def _feedback(self, enc, rows: np.ndarray, top: np.ndarray) -> np.ndarray:
        m = self._shared().matcher
        index = m.index_
        if enc.space == "primary":
            e1 = m.table_.embeddings
            c1 = _unit(np.asarray(e1[rows[top]], dtype=np.float64).mean(axis=0))
            f = np.asarray(e1[rows], dtype=np.float64) @ c1
            ml = m.multilingual_
            if enc.ensemble_vector is not None and ml is not None and m.ensemble_weight > 0:
                e2 = ml.embeddings
                c2 = _unit(np.asarray(e2[rows[top]], dtype=np.float64).mean(axis=0))
                f = mix_passage_score(
                    f, np.asarray(e2[rows], dtype=np.float64) @ c2, m.ensemble_weight
                )
            return f
        e = index.vector_sets[enc.space].embeddings
        c = _unit(np.asarray(e[rows[top]], dtype=np.float64).mean(axis=0))
        return np.asarray(e[rows], dtype=np.float64) @ c

    def recommend(self, referral, k: int = 10) -> Ranking:
        shared = self._shared()
        m = shared.matcher
        cands = shared.candidates(referral)
        state = cands.state
        rows = np.asarray(state.rows)
        params = m.score_params()
        if self.age_penalty > 0 or self.ancestry_penalty > 0:
            # the Matcher applies the chosen variant itself now (audience_penalty): the
            # variants here replace it
            params = {**params, "audience_penalty": 0.0}
        if self.prf_m > 0 and self.beta > 0 and len(rows) > self.prf_m:
            enc = shared.encoded(referral)
            first = score_candidates(state, **params).scores
            top = np.argsort(-first, kind="stable")[: self.prf_m]
            fb = self._feedback(enc, rows, top)
            comps = dict(state.components)
            sem = comps["semantic"]
            comps["semantic"] = np.clip(mix_passage_score(sem, fb, self.beta), 0.0, 1.0)
            state = dataclasses.replace(state, components=comps)
        if self.hub > 0 and len(rows) > 1:
            # CSLS-style hubness correction (Conneau et al. 2018), with the directory's own
            # records as the reference set: a record close to many others (a generic
            # description) loses ``hub`` spreads of the semantic component per spread of
            # its hubness over the candidates
            h = self.hubness()[rows]
            comps = dict(state.components)
            sem = comps["semantic"]
            if h.std() > 0:
                z = (h - h.mean()) / h.std()
                comps["semantic"] = np.clip(sem - self.hub * sem.std() * z, 0.0, 1.0)
                state = dataclasses.replace(state, components=comps)
        if self.rrf_k > 0 and len(rows) > 1:
            # reciprocal-rank fusion (Cormack et al. 2009) of the semantic and lexical
            # components in place of their weighted sum: the fused score takes both
            # components' weight, on the semantic component's scale
            comps = dict(state.components)
            sem, lex = comps["semantic"], comps["lexical"]
            r_sem = rankdata(-sem, method="average")
            r_lex = rankdata(-lex, method="average")
            fused = (1 - self.rrf_lex) / (self.rrf_k + r_sem) + self.rrf_lex / (self.rrf_k + r_lex)
            comps["semantic"] = np.clip(mix_passage_score(sem, fused, 1.0), 0.0, 1.0)
            state = dataclasses.replace(state, components=comps)
            w = params.get("weights") or rxmatch.Weights()
            params = dict(params)
            params["weights"] = dataclasses.replace(w, semantic=w.semantic + w.lexical, lexical=0.0)
        scored = score_candidates(state, **params)
        if self.age_penalty > 0 and len(rows):
            age, _ = eligibility_age(referral.age, read_beneficiary(referral.what_matters))
            if age is not None:
                lo, hi = self.ages
                out = (lo[rows] > age) | (hi[rows] < age)  # NaN compares False
                if out.any():
                    scored = dataclasses.replace(
                        scored, scores=scored.scores * np.where(out, 1.0 - self.age_penalty, 1.0)
                    )
        if self.ancestry_penalty > 0 and len(rows):
            words = {w.lower() for w in re.findall(r"\w+", referral.what_matters or "")}
            words |= LANGUAGE_IDENTITY.get(answer_language(referral.what_matters or ""), set())
            out = np.array(
                [
                    self.ancestry[r] is not None and not _names_identity(words, self.ancestry[r])
                    for r in rows
                ]
            )
            if out.any():
                scored = dataclasses.replace(
                    scored, scores=scored.scores * np.where(out, 1.0 - self.ancestry_penalty, 1.0)
                )
        t = m.table_
        depth = int(k) if self.dedup <= 0 else min(len(rows), 5 * int(k))
        order = reranked(m, scored, rows, depth, diversity=self.diversity)
        if self.dedup > 0 and len(order):
            # near-duplicate postings (MiniLM cosine above ``dedup`` with one already
            # listed) move after the others, in their order
            vec = np.asarray(t.embeddings[rows[order]], dtype=np.float64)
            kept: list[int] = []
            later: list[int] = []
            for i in range(len(order)):
                if kept and float((vec[kept] @ vec[i]).max()) > self.dedup:
                    later.append(i)
                else:
                    kept.append(i)
            order = np.asarray(order)[(kept + later)[: int(k)]]
        return ranking_of(shared, t, rows, order, state, cands)


def write_packet(out: Path, name: str, pairs: set, refs: pd.DataFrame, frame: pd.DataFrame):
    """A blind packet: referrals and their records in a seeded random order, full text."""
    by_ref: dict[str, list[str]] = {}
    for q, r in sorted(pairs):
        by_ref.setdefault(q, []).append(r)
    rng = random.Random(20261202)
    ids = sorted(by_ref)
    rng.shuffle(ids)
    rf = refs.set_index("referral_id")
    table = frame.set_index("id")
    parts = []
    for q in ids:
        row = rf.loc[q]
        recs = by_ref[q]
        rng.shuffle(recs)
        text = []
        for rid in recs:
            r = table.loc[rid]
            lo, hi = r["min_age"], r["max_age"]
            ages = ""
            if pd.notna(lo) or pd.notna(hi):
                ages = (
                    f"\n  ages: {'' if pd.isna(lo) else int(lo)}-{'' if pd.isna(hi) else int(hi)}"
                )
            text.append(
                f"- id: {rid}\n  name: {r['name']}\n  category: {r['category']}\n"
                f"  tags: {', '.join(list(r['tags'])[:20])}{ages}\n  text: {r['description']}\n"
            )
        parts.append(
            f"## referral {q}\n\nwords: {row['what_matters']}\n\nage of the person who would "
            f"attend: {row['age']}; speaker: {row['speaker']}; language: {row['language']}\n\n"
            + "".join(text)
        )
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "packet_00.md"
    path.write_text("\n".join(parts), "utf-8")
    pd.DataFrame(sorted(pairs), columns=["referral_id", "resource_id"]).to_csv(
        folder / "pairs.csv", index=False
    )
    print(f"[{name}] packet: {len(pairs)} pairs in {len(ids)} referrals -> {path}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--only", default="", help="variant names, separated by ;")
    ap.add_argument("--datasets", default=",".join(rxmatch.datasets.REAL_DATASETS))
    ap.add_argument("--packet", default="", help="folder (outside the repo) for a judging packet")
    ap.add_argument("--packet-variant", default="", help="variant names, separated by ;")
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
        shared = cached_index(directory)
        m = shared.matcher
        assert list(map(str, m.table_.ids)) == list(map(str, directory.frame["id"]))
        ages = {sc: text_age_ranges(directory.frame, sc) for sc in AGE_SCOPES}
        for sc, (lo, hi) in ages.items():
            n_age = int((np.isfinite(lo) | np.isfinite(hi)).sum())
            print(f"[{name}] records with ages stated ({sc}) and no structured range: {n_age}")
        systems: list = ["dense", RxMatchSystem(name="rxmatch"), VariantSystem("check", ages=ages)]
        f = directory.frame
        anc = [
            ancestry_words(f"{n}. {d}")
            for n, d in zip(
                f["name"].fillna("").astype(str), f["description"].fillna("").astype(str)
            )
        ]
        print(
            f"[{name}] records whose text states an ancestry audience: {sum(a is not None for a in anc)}"
        )
        systems += [VariantSystem(v, ages=ages, ancestry=anc, **VARIANTS[v]) for v in wanted]
        res = evaluate(systems, None, refs, qrels, shared=shared, bootstrap=args.bootstrap)
        same = all(
            res.rankings["rxmatch"][r].ids == res.rankings["check"][r].ids
            for r in res.rankings["rxmatch"]
        )
        print(f"[{name}] the unchanged variant reproduces rxmatch: {same}", flush=True)
        summ = res.summary(metrics=["ndcg@10"]).set_index("system")
        to_judge: set = set()
        pr = res.per_referral[res.per_referral["metric"] == "ndcg@10"]
        piv = pr.pivot_table(index="referral_id", columns="system", values="value")
        for s in ["dense", "rxmatch", *wanted]:
            share, pairs = unjudged_share(res, s, qrels)
            row = {
                "dataset": name,
                "system": s,
                "ndcg@10": f"{summ.loc[s, 'mean']:.3f} [{summ.loc[s, 'ci_low']:.3f}, "
                f"{summ.loc[s, 'ci_high']:.3f}]",
                "unjudged@10": round(share, 3),
            }
            if s not in ("dense", "rxmatch"):
                d, lo, hi = res.paired_difference(s, "rxmatch", "ndcg@10")
                row["vs rxmatch"] = f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                delta = piv[s] - piv["rxmatch"]
                row["wins/losses"] = f"{int((delta > 1e-9).sum())}/{int((delta < -1e-9).sum())}"
            if s != "dense":
                d, lo, hi = res.paired_difference(s, "dense", "ndcg@10")
                row["vs dense"] = f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
            rows_out.append(row)
            print(row, flush=True)
            if args.packet and s in args.packet_variant.split(";"):
                to_judge |= pairs
        if args.packet and to_judge:
            write_packet(Path(args.packet), name, to_judge, refs, directory.frame)
    print(pd.DataFrame(rows_out).to_string(index=False))


if __name__ == "__main__":
    main()
