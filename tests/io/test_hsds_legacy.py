"""Older HSDS exports (1.1 / 2.0): datapackage.json at the root, CSVs in data/ (issue 13, 4)."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import pytest

import rxmatch
from rxmatch.exceptions import DirectoryValidationError
from rxmatch.io import read_hsds
from rxmatch.io._categories import categorize_broad
from rxmatch.io.hsds import detect_hsds_version

SPEC_V2 = Path(__file__).resolve().parents[3] / "shared" / "data" / "hsds-spec" / "v2.0.1"


def _spec_fields() -> dict[str, tuple[str, list[str]]]:
    """resource name → (file name, field names) of the HSDS 2.0.1 datapackage."""
    path = SPEC_V2 / "datapackage.json"
    if not path.exists():
        pytest.skip("HSDS v2.0.1 datapackage not available")
    dp = json.loads(path.read_text("utf-8"))
    return {
        r["name"]: (r["path"], [f["name"] for f in r["schema"]["fields"]]) for r in dp["resources"]
    }


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow(r)


ORGS = [
    {"id": "o1", "name": "Harbor Community Action", "description": "A neighbourhood charity."},
]
SERVICES = [
    {"id": "s1", "organization_id": "o1", "name": "Food Pantry",
     "description": "Free groceries every week.", "url": "https://pantry.example"},
    {"id": "s2", "organization_id": "o1", "name": "Senior Lunch Club",
     "description": "Hot lunch and company."},
    {"id": "s3", "organization_id": "o1", "name": "Benefits Advice",
     "description": "Advice on benefits by appointment.", "url": "https://advice.example"},
    {"id": "s4", "organization_id": "o1", "name": "Job Club",
     "description": "Online job club by video call.", "url": "https://jobs.example"},
]  # fmt: skip
LOCATIONS = [
    {"id": "l1", "organization_id": "o1", "name": "Harbor Hall",
     "latitude": "37.5630", "longitude": "-122.3255"},
    {"id": "l2", "organization_id": "o1", "name": "Church Annex"},  # address + ZIP only
]  # fmt: skip
SALS = [
    {"id": "sal1", "service_id": "s1", "location_id": "l1"},
    {"id": "sal2", "service_id": "s1", "location_id": "l2"},
    {"id": "sal3", "service_id": "s2", "location_id": "l2"},
    {"id": "sal4", "service_id": "s2", "location_id": "l404"},  # does not exist
]
ADDRESSES = [
    {"id": "a1", "location_id": "l1", "address_1": "1 Harbor Way", "city": "San Mateo",
     "state_province": "CA", "postal_code": "94401", "country": "US"},
    {"id": "a2", "location_id": "l2", "address_1": "5 Elm Street", "city": "Burlingame",
     "state_province": "CA", "postal_code": "94010-1234", "country": "US"},
]  # fmt: skip


def make_v20(root: Path, *, skip: tuple[str, ...] = ("phone",)) -> Path:
    """An HSDS 2.0.1 export: datapackage.json at ``root``, CSVs in ``root/data``."""
    spec = _spec_fields()
    rows = {
        "organization": ORGS,
        "service": SERVICES,
        "location": LOCATIONS,
        "service_at_location": SALS,
        "physical_address": ADDRESSES,
        "taxonomy_term": [
            {"id": "t1", "term": "Basic Needs", "taxonomy": "AIRS"},
            {"id": "t2", "term": "Food Pantries", "parent_id": "t1", "taxonomy": "AIRS"},
            {"id": "t3", "term": "Individual and Family Life", "taxonomy": "AIRS"},
            {"id": "t4", "term": "Friendship Groups", "parent_id": "t3", "taxonomy": "AIRS"},
        ],
        "service_attribute": [
            {"id": "sa1", "service_id": "s1", "taxonomy_term_id": "t2"},
            {"id": "sa2", "service_id": "s2", "taxonomy_term_id": "t4"},
        ],
        "schedule": [
            {
                "id": "sc1",
                "service_id": "s1",
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": "09:00",
                "closes_at": "17:00",
            },
        ],  # fmt: skip
        "language": [{"id": "la1", "service_id": "s1", "language": "Spanish"}],
        "accessibility_for_disabilities": [
            {"id": "ac1", "location_id": "l1", "accessibility": "wheelchair"}
        ],
        "eligibility": [{"id": "e1", "service_id": "s2", "eligibility": "Adults 60 and over"}],
    }
    resources = []
    for name, (file, fields) in spec.items():
        resources.append({"name": name, "path": f"data/{file}"})
        if name in rows and name not in skip:
            extra = [k for r in rows[name] for k in r if k not in fields]
            _write(root / "data" / file, fields + list(dict.fromkeys(extra)), rows[name])
    (root / "datapackage.json").write_text(
        json.dumps({"name": "county-211", "version": "2.0.1", "resources": resources}), "utf-8"
    )
    return root


def make_v11(root: Path) -> Path:
    """An HSDS 1.1 style export (services_taxonomy + taxonomy, regular_schedules)."""
    files = {
        "organizations": (["id", "name", "description"], ORGS),
        "services": (
            ["id", "organization_id", "name", "description", "url", "fees"],
            [{**SERVICES[1], "fees": "None"}],
        ),
        "locations": (["id", "organization_id", "name", "latitude", "longitude"], LOCATIONS),
        "services_at_location": (["id", "service_id", "location_id"], [SALS[2]]),
        "physical_addresses": (
            ["id", "location_id", "address_1", "city", "state_province", "postal_code"],
            [{k: v for k, v in ADDRESSES[1].items() if k != "country"}],
        ),
        "taxonomy": (
            ["id", "name", "parent_id", "parent_name", "vocabulary"],
            [
                {"id": "PL", "name": "Leisure Activities/Recreation", "vocabulary": "AIRS"},
                {
                    "id": "PL-1",
                    "name": "Lunch Clubs",
                    "parent_id": "PL",
                    "parent_name": "Leisure Activities/Recreation",
                    "vocabulary": "AIRS",
                },
            ],  # fmt: skip
        ),
        "services_taxonomy": (
            ["id", "service_id", "taxonomy_id", "taxonomy_detail"],
            [{"id": "st1", "service_id": "s2", "taxonomy_id": "PL-1"}],
        ),
        "regular_schedules": (
            ["id", "service_id", "location_id", "weekday", "opens_at", "closes_at"],
            [
                {
                    "id": "r1",
                    "service_id": "s2",
                    "weekday": "Monday",
                    "opens_at": "11:30 AM",
                    "closes_at": "1:30 PM",
                },
                {
                    "id": "r2",
                    "service_id": "s2",
                    "weekday": "Funday",
                    "opens_at": "11:30",
                    "closes_at": "13:30",
                },
            ],  # fmt: skip
        ),
    }
    resources = []
    for name, (fields, rows) in files.items():
        _write(root / "data" / f"{name}.csv", fields, rows)
        resources.append({"name": name, "path": f"data/{name}.csv"})
    (root / "datapackage.json").write_text(json.dumps({"resources": resources}), "utf-8")
    return root


def _read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        return read_hsds(path, return_report=True)


def test_hsds_20_export_places_categories_and_reports(tmp_path):
    root = make_v20(tmp_path / "export")
    assert detect_hsds_version(root) == "2.0"
    d, rep = _read(root)
    assert set(d.ids) == {"s1/sal1", "s1/sal2", "s2/sal3", "s4"}
    # placed by coordinates
    at_hall = d.get("s1/sal1")
    assert at_hall["lat"] == pytest.approx(37.5630) and at_hall["lon"] == pytest.approx(-122.3255)
    assert not at_hall["online"]
    # placed at the ZIP centroid (ZIP+4 read as its ZIP), reported as a field issue
    annex = d.get("s1/sal2")
    assert annex["postal_code"] == "94010" and annex["lat"] is not None and not annex["online"]
    assert abs(annex["lat"] - 37.58) < 0.1
    probs = d.report.to_frame()
    zip_issue = probs.query("kind == 'issue' and id == 's1/sal2' and field == 'location'")
    assert zip_issue["reason"].str.contains("ZIP").any()
    # taxonomy → tags and category (the term, or the broader term it is filed under)
    assert "food pantries" in at_hall["tags"]
    assert at_hall["category"] == "essentials_advice"
    lunch = d.get("s2/sal3")
    assert lunch["category"] == "community_social"  # via "Individual and Family Life"
    assert lunch["min_age"] == 60  # from eligibility.csv
    # name and text carry the organisation and eligibility
    assert at_hall["name"] == "Food Pantry (Harbor Community Action)"
    assert "Run by Harbor Community Action." in lunch["description"]
    assert "Adults 60 and over" in lunch["description"]
    assert at_hall["schedule"] and at_hall["schedule"].startswith("Mon 09:00-17:00")
    assert "spanish" in at_hall["languages"]
    assert at_hall["accessibility"] == ("wheelchair",)
    # the service at a location that does not exist: reported, not online
    skipped = probs.query("kind == 'skipped'")
    bad = skipped[skipped["id"] == "s2/sal4"]
    assert len(bad) == 1 and "not found" in bad["reason"].iloc[0]
    # a service with no location and only a url: skipped and reported, never "online"
    s3 = skipped[skipped["id"] == "s3"]
    assert len(s3) == 1 and "no location" in s3["reason"].iloc[0]
    # the one that says it runs online by video is online, and that is reported
    assert d.get("s4")["online"]
    assert probs.query("kind == 'issue' and id == 's4'")["reason"].str.contains("online").any()
    assert rep.counts["online records"] == 1
    # the missing optional table (phones.csv listed but absent) is reported, not fatal
    assert skipped["reason"].str.contains("phones.csv").any()
    assert rep.source.startswith("hsds-2.0")


def test_hsds_11_export(tmp_path):
    root = make_v11(tmp_path / "old")
    assert detect_hsds_version(root) == "1.1"
    d, rep = _read(root)
    assert list(d.ids) == ["s2"]
    r = d.get("s2")
    assert not r["online"] and r["postal_code"] == "94010" and r["lat"] is not None
    assert r["category"] == "community_social"  # "Lunch Clubs" under Leisure Activities
    assert "lunch clubs" in r["tags"]
    assert r["schedule"] == "Mon 11:30-13:30"  # 11:30 AM - 1:30 PM
    assert r["free"] is True
    probs = d.report.to_frame()
    assert probs["reason"].str.contains("weekday").any()  # "Funday" reported


def test_datapackage_file_and_csvs_without_datapackage(tmp_path):
    root = make_v20(tmp_path / "export")
    d1, _ = _read(root / "datapackage.json")
    (root / "datapackage.json").unlink()  # no datapackage: CSVs in data/ are found
    d2, _ = _read(root)
    assert set(d1.ids) == set(d2.ids) == {"s1/sal1", "s1/sal2", "s2/sal3", "s4"}
    assert detect_hsds_version(root) == "2.0"


def test_table_without_id_column_is_reported(tmp_path):
    root = make_v20(tmp_path / "export")
    spec = _spec_fields()
    fields = [f for f in spec["location"][1] if f != "id"]
    _write(
        root / "data" / "locations.csv",
        fields,
        [{k: v for k, v in r.items() if k != "id"} for r in LOCATIONS],
    )
    d, rep = _read(root)
    probs = d.report.to_frame()
    assert probs["reason"].str.contains("locations.csv has no 'id' column").any()
    assert set(d.ids) == {"s4"}  # only the one that says it is online
    assert rep.counts["online records"] == 1
    # services without ids: a clear error, not a KeyError
    _write(root / "data" / "services.csv", ["name", "description"], [{"name": "x"}])
    with pytest.raises(DirectoryValidationError, match="services.csv has no 'id' column"):
        read_hsds(root)


def test_datapackage_path_escaping_the_folder_is_refused(tmp_path):
    root = make_v20(tmp_path / "export")
    (tmp_path / "secret.csv").write_text("id,name\n1,x\n", "utf-8")
    dp = json.loads((root / "datapackage.json").read_text("utf-8"))
    dp["resources"].append({"name": "phone", "path": "../secret.csv"})
    (root / "datapackage.json").write_text(json.dumps(dp), "utf-8")
    with pytest.raises(DirectoryValidationError, match="leaves the data folder"):
        read_hsds(root)
    dp["resources"][-1]["path"] = str(tmp_path / "secret.csv")  # absolute
    (root / "datapackage.json").write_text(json.dumps(dp), "utf-8")
    with pytest.raises(DirectoryValidationError, match="leaves the data folder"):
        read_hsds(root)


def test_airs_top_level_terms_map_to_categories():
    assert categorize_broad(["Basic Needs"]) == "essentials_advice"
    assert categorize_broad(["Housing"]) == "essentials_advice"
    assert categorize_broad(["Health Care"]) == "support_wellbeing"
    assert categorize_broad(["Mental Health Care and Counseling"]) == "support_wellbeing"
    assert categorize_broad(["Leisure Activities/Recreation"]) == "community_social"
    assert categorize_broad(["Arts and Culture"]) == "arts_culture"
    assert categorize_broad(["Volunteer Opportunities"]) == "volunteering"
    assert categorize_broad(["Community Services"]) == "community_social"
    # a specific term wins over the broad one it is filed under
    assert categorize_broad(["Food Pantries"], ["Individual and Family Life"]) == (
        "essentials_advice"
    )
    assert categorize_broad(["Unmapped Thing"]) is None


def test_flat_20_csvs_are_not_read_as_online(tmp_path):
    # the reported bug: services_at_location.csv was not recognised, so every service with
    # a url became an "online" record with no place and no category
    src = make_v20(tmp_path / "export") / "data"
    flat = tmp_path / "flat"
    flat.mkdir()
    for p in src.glob("*.csv"):
        (flat / p.name).write_bytes(p.read_bytes())
    d, rep = _read(flat)
    assert rep.counts["online records"] == 1  # only the video-call job club
    pantry = d.get("s1/sal1")
    assert not pantry["online"] and pantry["lat"] is not None
    assert pantry["category"] == "essentials_advice"
