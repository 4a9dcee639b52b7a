#!/usr/bin/env python3
"""Independent check of the synthetic set: recompute every label from the written files only.

Reads the directory, the resource truth, the referrals and referral_truth.csv, re-applies the labelling rules
of README.md ("How the labels were made") with its own code, and compares with synthetic_qrels.csv. Also checks
ids, duplicates, splits, tags and the "at least one relevance >= 2 per referral" guarantee.

    python datasets/synthetic/check_synthetic.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import text_bank as TB  # noqa: E402

DATA = HERE.parent.parent / "src" / "rxmatch" / "datasets" / "data"
PHYSICAL = {"wheelchair", "step_free", "accessible_toilet"}


def hav(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


def main() -> int:
    d = pd.read_csv(DATA / "synthetic_directory.csv", dtype=str, keep_default_na=False)
    t = pd.read_csv(DATA / "synthetic_resource_truth.csv", dtype=str, keep_default_na=False)
    refs = [json.loads(line) for line in open(DATA / "synthetic_referrals.jsonl", encoding="utf-8")]
    q = pd.read_csv(DATA / "synthetic_qrels.csv", dtype={"referral_id": str, "resource_id": str})
    rt = pd.read_csv(HERE / "referral_truth.csv", dtype=str, keep_default_na=False)
    problems = []

    def check(ok, msg):
        if not ok:
            problems.append(msg)

    check((d["id"] == t["id"]).all(), "directory and truth ids differ")
    check(d["id"].is_unique and d["id"].str.fullmatch(r"syn-\d{5}").all(), "bad resource ids")
    check(
        [r["referral_id"] for r in refs] == [f"ref-{i + 1:04d}" for i in range(len(refs))],
        "bad referral ids",
    )
    check(
        (rt["referral_id"] == [r["referral_id"] for r in refs]).all(), "referral_truth out of order"
    )
    check(
        not any(tag in TB.SUBTOPICS for tags in d["tags"] for tag in tags.split(";")),
        "subtopic id in tags",
    )
    check((d["description"].str.len() > 0).all(), "empty description")
    has_place = (
        ((d["lat"] != "") & (d["lon"] != "")) | (d["postal_code"] != "") | (d["online"] == "true")
    )
    check(has_place.all(), "record without a place")

    lat, lon = pd.to_numeric(t["true_lat"]).values, pd.to_numeric(t["true_lon"]).values
    online = (d["online"] == "true").values
    radius = pd.to_numeric(d["service_radius_km"]).values
    min_age = pd.to_numeric(d["min_age"]).fillna(-1).values
    max_age = pd.to_numeric(d["max_age"]).fillna(999).values
    free = (d["free"] == "true").values
    langs = [set(filter(None, x.split(";"))) for x in d["languages"]]
    acc = [
        set(filter(None, x.split(";"))) | (PHYSICAL if o else set())
        for x, o in zip(d["accessibility"], online)
    ]
    sub, cat = t["subtopic"].values, t["category"].values
    pos = {rid: k for k, rid in enumerate(d["id"])}
    dup_pairs = [(pos[a], pos[b]) for a, b in zip(t["id"], t["is_duplicate_of"]) if b]
    related = {s: set() for s in TB.SUBTOPICS}
    for group in TB.RELATED_GROUPS:
        for s in group:
            related[s] |= set(group) - {s}

    qrels = {(r.referral_id, r.resource_id): r.relevance for r in q.itertuples()}
    n_mismatch = 0
    for r, x in zip(refs, rt.itertuples()):
        T = set(x.target_subtopics.split(";"))
        R = set(filter(None, x.related_subtopics.split(";")))
        check(
            R
            == set().union(
                *(related[s] for s in T), *(set(TB.NEEDS[n]["r2"]) for n in x.needs.split(";"))
            )
            - T,
            f"{r['referral_id']}: related set differs from the map",
        )
        C = {TB.SUBTOPICS[s]["cat"] for s in T}
        dist = hav(r["lat"], r["lon"], lat, lon)
        g = np.zeros(len(d), dtype=int)
        for j in range(len(d)):
            if online[j]:
                reach, near = r["online_ok"], False
            else:
                reach = dist[j] <= r["max_km"] or (not np.isnan(radius[j]) and dist[j] <= radius[j])
                near = not reach and dist[j] <= 1.5 * r["max_km"]
            eligible = (
                min_age[j] <= r["age"] <= max_age[j]
                and (free[j] or not r["free_only"])
                and (not langs[j] or bool(langs[j] & set(r["languages"])))
                and set(r["accessibility_needs"]) <= acc[j]
            )
            if not eligible:
                continue
            if reach and sub[j] in T:
                g[j] = 3
            elif (reach and sub[j] in R) or (near and sub[j] in T):
                g[j] = 2
            elif reach and cat[j] in C:
                g[j] = 1
        for a, b in dup_pairs:
            g[a] = g[b]
        check(g.max() >= 2, f"{r['referral_id']}: no resource with relevance >= 2")
        expected = {(r["referral_id"], d["id"][j]): int(g[j]) for j in np.nonzero(g)[0]}
        got = {k: v for k, v in qrels.items() if k[0] == r["referral_id"]}
        n_mismatch += len(set(expected.items()) ^ set(got.items()))
    check(n_mismatch == 0, f"{n_mismatch} qrel rows differ from the recomputed labels")

    ref = pd.DataFrame(refs)
    for region, grp in ref.groupby("region"):
        shares = grp["split"].value_counts(normalize=True)
        check(
            abs(shares.get("train", 0) - 0.5) < 0.02 and abs(shares.get("dev", 0) - 0.2) < 0.02,
            f"split shares off in {region}",
        )
    print(f"{len(d)} resources, {len(refs)} referrals, {len(q)} qrels rows checked")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems[:30]))
        return 1
    print("all checks passed (labels recomputed independently match the qrels exactly)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
