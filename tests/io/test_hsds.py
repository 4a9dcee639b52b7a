import json
import warnings

import pytest

import rxmatch
import rxmatch.io
from rxmatch.io import read_hsds

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def spec(shared_data):
    return shared_data / "hsds-spec" / "v3.0"


def _fixed_example(spec, tmp_path):
    """The spec's service_full.json with its (out-of-range) example coordinates replaced."""
    data = json.loads((spec / "examples" / "service_full.json").read_text("utf-8"))
    loc = data["service_at_locations"][0]["location"]
    assert (loc["latitude"], loc["longitude"]) == (100, 101)  # the spec's placeholder values
    loc["latitude"], loc["longitude"] = 37.5630, -122.3255
    path = tmp_path / "service_full_fixed.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


@pytest.mark.parametrize("example", ["examples/csv", "examples/service_full.json"])
def test_spec_examples_are_rejected_for_their_impossible_latitude(spec, example):
    # The spec's example location has latitude 100: the record is reported, not loaded.
    with pytest.raises(rxmatch.EmptyDirectoryError) as exc:
        read_hsds(spec / example)
    assert "ac148810-d857-441c-9679-408f346de14b" in str(exc.value)
    # the problem is named, the value is not (issue 13: messages never echo a location)
    assert "latitude out of range" in str(exc.value) and "100" not in str(exc.value)


def test_csv_and_json_examples_map_the_same(spec, tmp_path):
    fixed_json = _fixed_example(spec, tmp_path)
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for f in (spec / "examples" / "csv").glob("*.csv"):
        text = f.read_text("utf-8")
        if f.name == "locations.csv":
            text = text.replace(",100,101,", ",37.563,-122.3255,")
        (csv_dir / f.name).write_text(text, "utf-8")
    a = read_hsds(fixed_json).get("ac148810-d857-441c-9679-408f346de14b")
    b = read_hsds(csv_dir).get("ac148810-d857-441c-9679-408f346de14b")
    for col in ("name", "schedule", "min_age", "max_age", "languages", "free", "last_verified",
                "accessibility", "lat", "lon"):  # fmt: skip
        assert a[col] == b[col], col
    assert a["schedule"] == "Thu 10:00-18:00; Fri 10:00-18:00"
    assert (a["min_age"], a["max_age"]) == (12, 100)
    assert a["languages"] == ("urdu",)
    assert a["free"] is False  # cost option of 35 GBP
    assert str(a["last_verified"]) == "2005-01-01"  # assured_date
    assert set(a["accessibility"]) == {"hearing_loop", "wheelchair"}


def test_unmappable_fields_are_reported(spec, tmp_path):
    data = json.loads(_fixed_example(spec, tmp_path).read_text("utf-8"))
    data["schedules"][0]["freq"] = "MONTHLY"
    data["service_at_locations"][0]["schedules"] = []
    other = dict(data, id="5e9d2a4c-0000-4000-8000-000000000001", service_at_locations=[],
                 url=None, description="Home visits by a nurse.", schedules=[])  # fmt: skip
    online = dict(other, id="5e9d2a4c-0000-4000-8000-000000000002",
                  description="Online peer support group by video call.", url="https://x.example")  # fmt: skip
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"contents": [data, other, online]}), "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        d, rep = read_hsds(path, return_report=True)
    probs = d.report.to_frame()
    assert set(d.ids) == {data["id"], online["id"]}
    assert d.get(online["id"])["online"]
    skipped = probs.query("kind == 'skipped'")
    assert skipped["id"].tolist() == [other["id"]]
    assert "no location" in skipped["reason"].iloc[0]
    sched = probs.query("kind == 'issue' and field == 'schedules'")
    assert sched["reason"].str.contains("MONTHLY").any()
    assert rep.counts["online records"] == 1
