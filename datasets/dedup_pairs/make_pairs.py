"""Write ``pairs.csv``: labelled duplicate / non-duplicate pairs over the real San Mateo
County directory (``../shared/data/ohana-smc``). Run from the repository root::

    python datasets/dedup_pairs/make_pairs.py

Deterministic (seed 0). Stores ids and perturbation recipes only; see README.md.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from perturb import NAME_ABBREV, PHONE_STYLES  # noqa: E402

import rxmatch.io  # noqa: E402
from rxmatch.dedup import normalize_name  # noqa: E402
from rxmatch.features.geo import haversine_km  # noqa: E402

SEED = 0
N_POSITIVE = 150
N_SAME_PLACE = 100
N_SAME_NAME_FAR = 40

#: Real near-duplicates in the SMC data, checked by hand (record ids, label, judgement).
HAND_CHECKED = [
    ("smc-L595-S595", "smc-L1592-S1592", 1, "InnVision Shelter Network listed twice: same text, address, phone"),
    ("smc-L734-S734", "smc-L876-S876", 1, "Cantabile Youth Singers twice: one pinned by ZIP, one by street address; same phone"),
    ("smc-L305-S305", "smc-L888-S888", 1, "DCARA listed twice at the same address (overview and services)"),
    ("smc-L1070-S1070", "smc-L1213-S1213", 0, "Martin Luther King Center: a seniors' social club vs the city recreation centre in the same building"),
]  # fmt: skip


def _recipe(rng: np.random.Generator, rec: dict) -> list[list]:
    steps: list[list] = []
    name = rec["name"]
    if any(long in name for long, _ in NAME_ABBREV) and rng.random() < 0.6:
        steps.append(["name_abbrev"])
    if rng.random() < 0.5:
        steps.append(["name_typo", int(rng.integers(0, 1000))])
    if rng.random() < 0.1:
        steps.append(["name_upper"])
    if rng.random() < 0.15:
        steps.append(["name_suffix", "inc" if rng.random() < 0.5 else "the"])
    if rec.get("address") and rng.random() < 0.4:
        steps.append(["address_suite", int(rng.integers(100, 400))])
    if rec.get("address") and rng.random() < 0.5:
        steps.append(["address_abbrev"])
    if rng.random() < 0.08:
        steps.append(["drop_coordinates"])
    elif rng.random() < 0.8:
        steps.append(
            ["move", round(float(rng.uniform(3, 80)), 1), round(float(rng.uniform(0, 360)), 1)]
        )
    if rec.get("phone"):
        u = rng.random()
        if u < 0.15:
            steps.append(["drop_phone"])
        elif u < 0.85:
            steps.append(["phone_format", str(rng.choice(PHONE_STYLES))])
    if rng.random() < 0.3:
        steps.append(["description_trim"])
    if not steps:
        steps.append(["name_typo", int(rng.integers(0, 1000))])
    return steps


def main() -> None:
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(SEED)
    d = rxmatch.io.load_ohana()
    f = d.to_frame()
    exact = f[f["location_source"] == "coordinates"].reset_index(drop=True)
    rows = []
    # 1. perturbed duplicates of real records
    picks = rng.choice(len(exact), size=N_POSITIVE, replace=False)
    for k, i in enumerate(sorted(picks)):
        rec = exact.iloc[i].to_dict()
        rows.append(
            {
                "kind": "perturbed_duplicate",
                "id_a": rec["id"],
                "id_b": f"pert-{k:03d}",
                "label": 1,
                "recipe": json.dumps(_recipe(rng, rec)),
                "note": "",
            }  # fmt: skip
        )
    hand = {(a, b) for a, b, *_ in HAND_CHECKED}
    lat, lon = exact["lat"].to_numpy(), exact["lon"].to_numpy()
    names = [normalize_name(x) for x in exact["name"]]
    # 2. hard negatives: different records in the same building (within 30 m)
    same_place, same_name_far = [], []
    for i in range(len(exact)):
        dist = haversine_km(lat[i], lon[i], lat, lon)
        for j in np.flatnonzero(dist < 0.03):
            if j > i and (exact.at[i, "id"], exact.at[j, "id"]) not in hand:
                same_place.append((i, int(j)))
        from rapidfuzz import fuzz

        for j in np.flatnonzero(dist > 3):
            if j > i and fuzz.token_sort_ratio(names[i], names[j]) >= 75:
                same_name_far.append((i, int(j)))
    for kind, pool, n in (
        ("same_place_negative", same_place, N_SAME_PLACE),
        ("same_name_far_negative", same_name_far, N_SAME_NAME_FAR),
    ):
        chosen = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
        for c in sorted(chosen):
            i, j = pool[c]
            rows.append(
                {
                    "kind": kind,
                    "id_a": exact.at[i, "id"],
                    "id_b": exact.at[j, "id"],
                    "label": 0,
                    "recipe": "[]",
                    "note": "",
                }  # fmt: skip
            )
    # 3. real near-duplicates checked by hand
    for a, b, label, note in HAND_CHECKED:
        if a in d and b in d:
            rows.append({"kind": "real_checked", "id_a": a, "id_b": b, "label": label,
                         "recipe": "[]", "note": note})  # fmt: skip
    out = pd.DataFrame(rows)
    out.insert(0, "pair_id", range(len(out)))
    out.to_csv(HERE / "pairs.csv", index=False)
    print(out["kind"].value_counts().to_string())


if __name__ == "__main__":
    main()
