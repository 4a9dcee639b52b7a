import json
import uuid
import warnings

import pytest

import rxmatch
import rxmatch.io
from rxmatch.io import read_hsds, recommendations_to_hsds, to_hsds, validate_hsds

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def schema_dir(shared_data):
    return shared_data / "hsds-spec" / "v3.0" / "schema"


def test_validator_accepts_spec_example_and_rejects_broken(schema_dir, shared_data):
    example = json.loads(
        (shared_data / "hsds-spec/v3.0/examples/service_full.json").read_text("utf-8")
    )
    assert validate_hsds(example, schema_dir) == []
    broken = dict(example, status="open", id="not-a-uuid")
    errors = validate_hsds(broken, schema_dir)
    assert any("status" in e for e in errors) and any("uuid" in e for e in errors)
    broken_nested = json.loads(json.dumps(example))
    del broken_nested["phones"][0]["number"]  # required in phone.json, reached via $ref
    assert any("number" in e for e in validate_hsds(broken_nested, schema_dir))


def test_round_trip_spec_example(schema_dir, shared_data, tmp_path):
    data = json.loads(
        (shared_data / "hsds-spec/v3.0/examples/service_full.json").read_text("utf-8")
    )
    loc = data["service_at_locations"][0]["location"]
    loc["latitude"], loc["longitude"] = 37.5630, -122.3255
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data), "utf-8")
    d = read_hsds(src)
    out = to_hsds(d)
    assert validate_hsds(out, schema_dir) == []
    assert out == to_hsds(d)  # deterministic uuid5 ids
    assert uuid.UUID(out[0]["id"]).version == 5
    back_path = tmp_path / "out.json"
    back_path.write_text(json.dumps(out), "utf-8")
    back = read_hsds(back_path)
    a, b = d.frame.iloc[0], back.frame.iloc[0]
    for col in ("name", "description", "category", "schedule", "min_age", "max_age",
                "languages", "accessibility", "lat", "lon", "last_verified", "tags"):  # fmt: skip
        assert a[col] == b[col], col


def test_real_directory_exports_valid_hsds(schema_dir, shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        d = rxmatch.io.load_ohana(shared_data / "ohana-smc")
    ids = d.ids[:: max(1, len(d) // 150)]  # a spread sample keeps the test fast
    out = to_hsds(d, ids)
    assert validate_hsds(out, schema_dir) == []
    with_sched = [s for s in out if s.get("schedules")]
    assert with_sched and all(s["schedules"][0]["freq"] == "WEEKLY" for s in with_sched)


def test_recommendations_wrapper_validates(schema_dir, demo_directory):
    m = rxmatch.Matcher(rxmatch.HashingEmbedder()).fit(demo_directory)
    recs = m.recommend(rxmatch.Referral("I would like to paint", postal_code="94401"), k=4)
    doc = recommendations_to_hsds(recs, demo_directory)
    assert validate_hsds(doc["contents"], schema_dir) == []
    assert doc["total_items"] == len(recs) == len(doc["rxmatch"]["matches"])
    ranks = [x["resource_id"] for x in doc["rxmatch"]["matches"]]
    assert ranks == recs.ids
    assert [x["service_id"] for x in doc["rxmatch"]["matches"]] == [
        s["id"] for s in doc["contents"]
    ]
    assert doc["rxmatch"]["matches"][0]["score"] == pytest.approx(recs[0].score, abs=1e-6)
    assert any(x["reasons"] for x in doc["rxmatch"]["matches"])
    private = recommendations_to_hsds(recs, demo_directory, include_reasons=False)
    assert all(x["reasons"] == [] for x in private["rxmatch"]["matches"])
    assert "would like" not in json.dumps(private)  # none of the person's words leave
