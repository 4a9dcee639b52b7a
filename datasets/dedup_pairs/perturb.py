"""Perturbation recipes that turn a real directory record into the kind of duplicate other
directories publish (abbreviations, typos, suite numbers, moved pins, phone formats).

A recipe is a JSON list of steps, each ``[op, *args]``; every random choice is stored in
the args, so applying a recipe needs no random state. Used by ``make_pairs.py`` (to write
``pairs.csv``) and by ``tests/test_dedup.py`` (to rebuild the perturbed records from the
real San Mateo data at test time: no real record text is stored in this folder).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pandas as pd

NAME_ABBREV = [
    ("Center", "Ctr"), ("Street", "St"), ("Avenue", "Ave"), (" and ", " & "), ("Saint", "St."),
    ("Services", "Svcs"), ("Department", "Dept."), ("Association", "Assn."), ("County", "Co."),
    ("Community", "Comm."), ("Senior", "Sr."), ("International", "Intl."), ("Program", "Prog."),
]  # fmt: skip
ADDRESS_ABBREV = [
    ("Street", "St."), ("Avenue", "Ave."), ("Boulevard", "Blvd."), ("Drive", "Dr."),
    ("Road", "Rd."), ("Lane", "Ln."), ("Court", "Ct."), ("Place", "Pl."), ("Highway", "Hwy"),
]  # fmt: skip
PHONE_STYLES = ("parens", "dots", "plus1", "digits")


def _phone(phone: str, style: str) -> str:
    d = re.sub(r"\D", "", phone)[-10:]
    if len(d) < 10:
        return phone
    a, b, c = d[:3], d[3:6], d[6:]
    return {
        "parens": f"({a}) {b}-{c}",
        "dots": f"{a}.{b}.{c}",
        "plus1": f"+1 {a}-{b}-{c}",
        "digits": d,
    }[style]


def _typo(text: str, k: int) -> str:
    words = [i for i, w in enumerate(text.split(" ")) if len(w) >= 5 and w.isalpha()]
    if not words:
        return text
    parts = text.split(" ")
    i = words[k % len(words)]
    w = parts[i]
    j = 1 + (k // 7) % (len(w) - 2)
    if k % 2:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swap two letters
    else:
        w = w[:j] + w[j + 1 :]  # drop a letter
    parts[i] = w
    return " ".join(parts)


def apply_recipe(record: dict[str, Any], recipe: list[list[Any]], new_id: str) -> dict[str, Any]:
    """A perturbed copy of ``record`` (a row of ``Directory.to_frame()``)."""
    r = dict(record)
    r["id"] = new_id
    r["source"] = "perturbed"
    for step in recipe:
        op, args = step[0], step[1:]
        if op == "name_abbrev":
            for long, short in NAME_ABBREV:
                r["name"] = r["name"].replace(long, short)
        elif op == "name_typo":
            r["name"] = _typo(r["name"], int(args[0]))
        elif op == "name_upper":
            r["name"] = r["name"].upper()
        elif op == "name_suffix":
            r["name"] = f"{r['name']}, Inc." if args[0] == "inc" else f"The {r['name']}"
        elif op == "address_suite" and r.get("address"):
            r["address"] = f"{r['address']}, Suite {int(args[0])}"
        elif op == "address_abbrev" and r.get("address"):
            for long, short in ADDRESS_ABBREV:
                r["address"] = r["address"].replace(long, short)
        elif op == "move" and pd.notna(r.get("lat")):
            dist_m, bearing = float(args[0]), math.radians(float(args[1]))
            r["lat"] = float(r["lat"]) + dist_m * math.cos(bearing) / 111_195
            r["lon"] = float(r["lon"]) + dist_m * math.sin(bearing) / (
                111_195 * math.cos(math.radians(float(r["lat"])))
            )
        elif op == "phone_format" and r.get("phone"):
            r["phone"] = _phone(str(r["phone"]), str(args[0]))
        elif op == "drop_phone":
            r["phone"] = None
        elif op == "drop_coordinates":
            r["lat"] = r["lon"] = None
        elif op == "description_trim":
            r["description"] = str(r["description"]).split(". ")[0] + "."
    return r


def build_eval_frame(real: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The records a labelled pair set needs: the real records it names plus the perturbed
    copies (``pert-*`` ids) rebuilt from their recipes."""
    by_id = {r["id"]: r for r in real.to_dict("records")}
    rows: dict[str, dict[str, Any]] = {}
    for p in pairs.to_dict("records"):
        for rid in (p["id_a"], p["id_b"]):
            if rid in by_id:
                rows[rid] = by_id[rid]
        if str(p["id_b"]).startswith("pert-"):
            recipe = json.loads(p["recipe"])
            rows[p["id_b"]] = apply_recipe(by_id[p["id_a"]], recipe, p["id_b"])
    return pd.DataFrame(list(rows.values()))


def evaluate(pairs: pd.DataFrame, same_cluster: Any) -> dict[str, Any]:
    """Precision, recall and the confusion counts of a predicate ``same_cluster(a, b)``
    over the labelled pairs."""
    pred = [bool(same_cluster(a, b)) for a, b in zip(pairs["id_a"], pairs["id_b"], strict=True)]
    gold = [bool(x) for x in pairs["label"]]
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "n": len(gold),
        "predicted": pred,
    }
