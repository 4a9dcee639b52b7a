"""Results apps can use (issue 14, part 3): plain JSON with contact details and a summary,
``why_not`` that always answers, and results that pickle and deep-copy."""

from __future__ import annotations

import copy
import gc
import json
import math
import pickle
from datetime import date

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch import Directory, Matcher, Referral
from rxmatch.features.geo import haversine_km
from rxmatch.rank.scoring import confidence
from rxmatch.records import RESOURCE_FIELDS, SCHEMA, Match, Recommendations, _ordinal

HOME = (37.5630, -122.3255)  # downtown San Mateo
#: a context sentence with a word found nowhere in the directory
CONTEXT = "My husband Bartholomew died in March and I feel very alone."


@pytest.fixture(scope="module")
def directory():
    return rxmatch.datasets.load_demo_directory()


@pytest.fixture(scope="module")
def matcher(directory):
    return Matcher(rxmatch.HashingEmbedder(), reference_date=date(2026, 1, 1)).fit(directory)


def _referral(**kw):
    base = dict(
        what_matters=f"{CONTEXT} I love painting and gardening.",
        lat=HOME[0],
        lon=HOME[1],
        travel_mode="walk",
        availability="weekday mornings",
        referral_id="r-1",
    )
    base.update(kw)
    return Referral(**base)


@pytest.fixture(scope="module")
def recs(matcher):
    return matcher.recommend(_referral(), k=5)


def _walk(value, path="$"):
    """Every leaf is a plain JSON type; floats are finite."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), path
            _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), (path, type(value))
        if isinstance(value, float):
            assert math.isfinite(value), path


# ---- to_dict / to_json ---------------------------------------------------------------------
def test_to_dict_is_versioned_plain_json_and_round_trips_strictly(recs):
    d = recs.to_dict()
    assert d["schema"] == SCHEMA == "rxmatch.recommendations/1"
    assert d["referral_id"] == "r-1"
    assert d["n_candidates"] == recs.n_candidates > 0
    assert d["n_excluded"] == len(recs.excluded)
    assert d["notes"] == list(recs.notes)
    assert [m["resource_id"] for m in d["matches"]] == recs.ids and len(recs) == 5
    _walk(d)
    assert json.loads(recs.to_json()) == d
    # strict JSON: NaN would raise here
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert "NaN" not in recs.to_json() and "Infinity" not in recs.to_json()


def test_match_to_dict_holds_the_contact_details_of_the_fitted_directory(recs, directory):
    for m in recs:
        d = m.to_dict()
        _walk(d)
        assert list(d["resource"]) == list(RESOURCE_FIELDS)
        rec = directory.get(m.resource_id)
        res = d["resource"]
        for key in ("address", "city", "postal_code", "phone", "url", "cost"):
            want = rec[key]
            assert res[key] == (None if want is None or want != want else want), key
        assert res["lat"] == pytest.approx(rec["lat"]) and res["lon"] == pytest.approx(rec["lon"])
        assert res["free"] == rec["free"] and res["online"] is False
        assert res["last_verified"] == rec["last_verified"].isoformat()
        assert res["languages"] == list(rec["languages"])
        assert res["accessibility"] == list(rec["accessibility"])
        assert res["schedule"] == [
            {"day": str(s).split()[0], "start": str(s)[4:9], "end": str(s)[10:]}
            for s in rec["sessions"]
        ]
        assert res["max_age"] is None or isinstance(res["max_age"], (int, float))
        assert d["confidence"] == m.confidence and 0 < d["confidence"] < 1
        assert d["score"] == m.score and d["distance_km"] == m.distance_km
    # some match of the demo has a phone and an address
    assert any(m.to_dict()["resource"]["phone"] for m in recs)
    assert all(m.to_dict()["resource"]["address"] for m in recs)


def test_summary_is_one_short_sentence_quoting_only_matched_words(recs):
    for m in recs:
        s = m.summary
        assert s.endswith(".") and s.count(".") <= 3 and len(s) < 200, s
        assert s.startswith(rxmatch.taxonomy.category_label(m.category))
        assert f"{m.distance_km:.1f} km away (about " in s and "min on foot)" in s
        assert ("free" in s) == (m.to_dict()["resource"]["free"] is not None)
        quoted = [q for q in s.split("'")[1::2]]
        assert quoted and set(quoted) <= {w.query_word for w in m.matched_words}
        assert all(any(f"'{q}'" in r for r in m.reasons) for q in quoted)
        assert m.to_dict()["summary"] == s
    assert recs[0].summary.split(";")[1].strip().startswith("matches '")


def test_the_persons_other_words_stay_out_of_json_and_repr(recs, matcher):
    text = recs.to_json()
    for word in ("Bartholomew", "husband", "alone", "died", "March"):
        assert word not in text
        assert word not in repr(recs) and all(word not in repr(m) for m in recs)
    assert "facets" not in recs.to_dict() and recs.facets  # the facets stay in Python only
    # the only words of theirs are the matched words the reasons already quote
    said = {"painting", "gardening"}
    for m in recs:
        for w in m.matched_words:
            assert w.query_word in said
    # nor the home's place
    assert str(HOME[0]) not in text and str(HOME[0]) not in repr(recs)


def test_to_json_passes_options_to_json_dumps(recs):
    assert json.loads(recs.to_json(indent=2)) == recs.to_dict()
    assert "\n" in recs.to_json(indent=2) and "\n" not in recs.to_json()


def test_to_frame_is_unchanged_by_the_new_fields(recs):
    df = recs.to_frame()
    assert "summary" not in df.columns and "resource" not in df.columns
    assert list(df["resource_id"]) == recs.ids


# ---- why_not -------------------------------------------------------------------------------
def test_why_not_always_answers(matcher, recs, directory):
    t = matcher.table_
    shown = recs.ids[0]
    assert recs.why_not(shown) == "recommended at rank 1"
    assert recs.why_not("no-such-id") == "not in the directory"
    answers = {}
    for rid in directory.ids:
        why = recs.why_not(rid)
        assert isinstance(why, str) and why
        answers[rid] = why
    kinds = {a.split(":")[0] for a in answers.values()}
    assert {"out of reach", "ranked below the top 5"} <= kinds
    # out of reach: how far, against the reach the search used
    far = [rid for rid, a in answers.items() if a.startswith("out of reach:")]
    assert far
    for rid in far:
        r = list(t.ids).index(rid)
        d = float(haversine_km(HOME[0], HOME[1], t.lat[r], t.lon[r]))
        assert f"{d:.1f} km from home" in answers[rid]
        reach = float(answers[rid].split("beyond the ")[1].split(" km")[0])
        assert d > reach
    # ranked below k: its place by score among the eligible candidates
    below = [rid for rid, a in answers.items() if a.startswith("ranked below the top 5:")]
    assert len(below) == recs.n_candidates - len(recs) - len(recs.excluded)
    ranks = sorted(int(answers[rid].split(": ")[1].split()[0][:-2]) for rid in below)
    assert all(r > 1 for r in ranks) and ranks[-1] == recs.n_candidates - len(recs.excluded)


def test_why_not_a_held_back_match_gives_the_confidence_it_had_at_its_rank(matcher):
    # ranked by score (no diversity): a match held back by min_confidence had, at its place
    # by score, the confidence the full list shows at that rank (not its score's alone)
    full = matcher.recommend(_referral(), k=5)
    floor = float(np.mean([full[2].confidence, full[3].confidence]))
    strict = copy.copy(matcher).set_params(min_confidence=floor).recommend(_referral(), k=5)
    held = [m for m in full if m.resource_id not in strict.ids]
    assert held and all(m.rank > 1 for m in held)
    for m in held:
        why = strict.why_not(m.resource_id)
        assert f"{_ordinal(m.rank)} of" in why
        assert f"held back, its confidence ({m.confidence:.0%}) is below {floor:.0%}" in why
        assert m.confidence < float(confidence([m.score])[0])  # the rank lowered it


def test_why_not_names_the_rule_that_excluded(matcher):
    recs = matcher.recommend(_referral(free_only=True), k=5)
    assert recs.excluded
    for e in recs.excluded:
        assert recs.why_not(e.resource_id) == e.reason
    assert any(recs.why_not(e.resource_id) == "not free" for e in recs.excluded)


def test_why_not_online_and_in_person(matcher):
    online = matcher.recommend(_referral(online_only=True), k=3)
    t = matcher.table_
    in_person = next(str(t.ids[r]) for r in range(len(t)) if not t.online[r])
    assert online.why_not(in_person) == (
        "out of reach: in person, and this referral asked for online help only"
    )
    offline = matcher.recommend(_referral(online_ok=False), k=3)
    only_online = [str(t.ids[r]) for r in range(len(t)) if t.online[r] and not t.has_place[r]]
    for rid in only_online:
        assert offline.why_not(rid).startswith("out of reach: online only")


def test_why_not_reports_rows_skipped_at_load(directory):
    rows = directory.to_frame().head(20).copy()
    bad = rows.iloc[[0]].copy()
    bad["id"] = "bad-1"
    bad["lat"] = None
    bad["lon"] = None
    bad["postal_code"] = None
    bad["online"] = False
    with pytest.warns(rxmatch.SkippedRowsWarning):
        d = Directory.from_frame(pd.concat([rows, bad], ignore_index=True))
    assert [p.record_id for p in d.report.skipped] == ["bad-1"]
    m = Matcher(rxmatch.HashingEmbedder()).fit(d)
    recs = m.recommend(_referral(), k=3)
    why = recs.why_not("bad-1")
    assert why.startswith("skipped when the directory was loaded: ") and "lat" in why


def test_why_not_on_a_loaded_index(matcher, tmp_path):
    matcher.save(tmp_path / "idx")
    loaded = Matcher.load(tmp_path / "idx", embedder=rxmatch.HashingEmbedder())
    ref = _referral()
    a, b = matcher.recommend(ref, k=5), loaded.recommend(ref, k=5)
    assert a.ids == b.ids
    for rid in list(matcher.table_.ids) + ["no-such-id"]:
        assert b.why_not(str(rid)) == a.why_not(str(rid))
    # a loaded index gives the contact details from its saved contact arrays, without
    # decoding its directory (issue 14: they were None)
    for ma, mb in zip(a, b):
        assert mb.to_dict()["resource"] == ma.to_dict()["resource"]
        assert ma.summary == mb.summary
    assert loaded.index_.source.directory is None
    json.loads(b.to_json())


# ---- pickle and deepcopy -------------------------------------------------------------------
def test_results_pickle_and_deep_copy(recs):
    for clone in (pickle.loads(pickle.dumps(recs)), copy.deepcopy(recs)):
        assert isinstance(clone, Recommendations) and clone == recs
        assert clone.to_dict() == recs.to_dict() and clone.to_json() == recs.to_json()
        assert repr(clone) == repr(recs) and clone.excluded == recs.excluded
        assert clone.get(recs.ids[0]) == recs[0]
        with pytest.raises(TypeError):
            clone[0].components["semantic"] = 1.0  # type: ignore[index]
        with pytest.raises(TypeError):
            clone[0].resource["phone"] = "x"  # type: ignore[index]
    m = pickle.loads(pickle.dumps(recs[0]))
    assert isinstance(m, Match) and m == recs[0] and m.to_dict() == recs[0].to_dict()
    assert copy.deepcopy(recs[0]) == recs[0]


def test_a_deep_copy_answers_why_not_as_the_original(recs, directory):
    clone = copy.deepcopy(recs)
    for rid in [*directory.ids, "no-such-id"]:
        assert clone.why_not(rid) == recs.why_not(rid)


def test_a_pickled_result_keeps_the_candidates_but_not_the_table(recs, directory):
    clone = pickle.loads(pickle.dumps(recs))
    for rid in directory.ids:
        before, after = recs.why_not(rid), clone.why_not(rid)
        if before.startswith(("recommended", "ranked below the top 5:")) or any(
            e.resource_id == rid for e in recs.excluded
        ):
            assert after == before
        else:  # out of reach: the table is not pickled, so how far is unknown
            assert after.startswith("not among the candidates within reach")
    assert clone.why_not("no-such-id").startswith("not among the candidates within reach")
    # the home's place is not written out with the result
    assert recs._context.home == HOME and clone._context.home is None
    assert copy.deepcopy(recs)._context.home == HOME


def test_results_outlive_their_matcher(directory):
    m = Matcher(rxmatch.HashingEmbedder()).fit(directory)
    recs = m.recommend(_referral(), k=3)
    below = next(rid for rid in directory.ids if recs.why_not(rid).startswith("ranked below"))
    data = pickle.dumps(recs)
    del m
    gc.collect()
    assert recs.why_not(below).startswith("ranked below the top 3:")  # ids kept
    assert pickle.loads(data).why_not(below) == recs.why_not(below)
    json.loads(recs.to_json())


def test_recommendations_built_by_hand_still_work():
    m = Match(
        rank=1,
        resource_id="a",
        name="A",
        category=None,
        category_inferred=False,
        score=float("nan"),
        components={"semantic": float("nan")},
        distance_km=None,
        online=True,
        reasons=(),
    )
    recs = Recommendations((m,), exclusions=lambda: ())
    d = json.loads(recs.to_json())
    assert d["matches"][0]["score"] is None and d["matches"][0]["semantic"] is None
    assert d["matches"][0]["resource"] == dict.fromkeys(RESOURCE_FIELDS)
    assert recs.why_not("a") == "recommended at rank 1"
    assert recs.why_not("b") == "not among the candidates within reach"
    clone = pickle.loads(pickle.dumps(recs))  # a callable of exclusions is resolved
    assert clone.excluded == () and clone.ids == ["a"]
