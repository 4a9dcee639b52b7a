import importlib.util
import warnings
from pathlib import Path

import pandas as pd
import pytest

import rxmatch
import rxmatch.io
from rxmatch.dedup import (
    find_duplicates,
    merge_duplicates,
    normalize_address,
    normalize_name,
    phone_digits,
)

PAIRS_DIR = Path(__file__).resolve().parents[1] / "datasets" / "dedup_pairs"


def _perturb_module():
    spec = importlib.util.spec_from_file_location("dedup_perturb", PAIRS_DIR / "perturb.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dir(rows):
    return rxmatch.Directory.from_records(rows, source="t")


BASE = {"description": "A place", "lat": 37.5630, "lon": -122.3255}


def test_normalizers():
    assert normalize_name("St. Vincent de Paul Ctr & Library, Inc.") == normalize_name(
        "Saint Vincent de Paul Center and Library".replace("Saint", "St")
    )
    assert normalize_address("111 Anza Blvd., Suite 410") == normalize_address(
        "111 Anza Boulevard #5"
    )
    assert phone_digits("+1 (650) 348-7600") == phone_digits("650.348.7600") == "6503487600"
    assert phone_digits("ext 12") == ""


def test_same_service_found_with_reason_and_programmes_in_one_building_kept_apart():
    d = _dir(
        [
            {**BASE, "id": "a", "name": "Belmont Senior Center", "address": "20 Twin Pines Lane",
             "phone": "650 595-7444"},
            {**BASE, "id": "b", "name": "Belmont Sr. Ctr", "address": "20 Twin Pines Ln., Suite 2",
             "phone": "(650) 595-7444", "lat": 37.56305},
            {**BASE, "id": "c", "name": "Belmont Library Homework Club", "address": "20 Twin Pines Lane",
             "phone": "650 595-7444"},
            {**BASE, "id": "d", "name": "Belmont Senior Center", "lat": 37.9, "lon": -122.0},
        ]
    )  # fmt: skip
    c = find_duplicates(d)
    assert len(c) == 1 and set(c[0].ids) == {"a", "b"}
    reason = c[0].reasons[0]
    assert "same phone" in reason and "name similarity 100" in reason and "m apart" in reason
    assert 0.8 <= c[0].confidence <= 1
    assert not c.same_cluster("a", "c") and not c.same_cluster("a", "d")


def test_merge_keeps_provenance_and_reports_merged_records():
    d = _dir(
        [
            {**BASE, "id": "a", "name": "Art Club", "phone": "650 111-2222", "source": "x",
             "last_verified": "2020-01-01", "tags": "painting", "languages": "English"},
            {**BASE, "id": "b", "name": "Art Club", "phone": "650.111.2222", "source": "y",
             "last_verified": "2023-05-01", "url": "https://art.example", "tags": "drawing",
             "languages": "Spanish"},
        ]
    )  # fmt: skip
    with pytest.warns(rxmatch.SkippedRowsWarning):
        res = merge_duplicates(d)
    assert res.directory.ids == ["b"]  # the most recently verified is kept
    kept = res.directory.get("b")
    assert kept["source"] == "y+x"
    assert set(kept["tags"]) == {"painting", "drawing"}
    assert set(kept["languages"]) == {"english", "spanish"}
    assert res.merged_from == {"b": ("b", "a")}
    skipped = res.directory.report.skipped
    assert [(p.record_id, p.field) for p in skipped] == [("a", "id")]
    assert "duplicate of b" in skipped[0].reason
    prov = res.provenance
    assert set(prov.loc[prov["field"] == "phone", "from_id"]) == {"a", "b"}


def test_invalid_threshold():
    d = _dir([{**BASE, "id": "a", "name": "x"}])
    with pytest.raises(rxmatch.InvalidParameterError):
        find_duplicates(d, threshold=0)


@pytest.mark.realdata
def test_precision_recall_on_labelled_real_pairs(shared_data):
    pert = _perturb_module()
    pairs = pd.read_csv(PAIRS_DIR / "pairs.csv")
    assert set(pairs["kind"]) == {
        "perturbed_duplicate", "same_place_negative", "same_name_far_negative", "real_checked"
    }  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        smc = rxmatch.io.load_ohana(shared_data / "ohana-smc")
    frame = pert.build_eval_frame(smc.to_frame(), pairs)
    ev = rxmatch.Directory.from_frame(frame, source="dedup-eval")
    assert len(ev) == len(frame)
    clusters = find_duplicates(ev)
    result = pert.evaluate(pairs, clusters.same_cluster)
    assert result["precision"] >= 0.95  # measured 0.994 (1 false positive: real_checked MLK)
    assert result["recall"] >= 0.95  # measured 1.000
    # the real hand-checked duplicates in SMC itself are found
    real = find_duplicates(smc)
    assert real.same_cluster("smc-L595-S595", "smc-L1592-S1592")
    assert real.same_cluster("smc-L734-S734", "smc-L876-S876")
    assert len(real) < 20
