import warnings

import pytest

import rxmatch
import rxmatch.io
from rxmatch.io import load_ohana

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def smc(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        return load_ohana(shared_data / "ohana-smc", return_report=True)


def test_loads_real_directory_and_reports_every_skip(smc):
    d, rep = smc
    assert len(d) > 1600
    skipped = d.report.to_frame().query("kind == 'skipped'")
    test_locations = {rid.split("-")[1] for rid in skipped.query("field == 'kind'")["id"]}
    assert len(test_locations) == 4  # the 4 kind == "test" locations
    assert len(d) + d.report.n_skipped == rep.n_records + len(skipped.query("field == 'kind'"))
    assert all(not rid.startswith(tuple(f"smc-{t}-" for t in test_locations)) for rid in d.ids)


def test_hours_parse_rate_and_unparsed_reported_as_field_issues(smc):
    d, rep = smc
    assert rep.hours_total > 960
    assert rep.hours_parse_rate > 0.88
    issues = d.report.to_frame().query("kind == 'issue' and field == 'hours'")
    unread = issues[issues["reason"].str.startswith("cannot read hours")]
    assert len(unread) >= len(rep.unparsed_hours) > 0
    assert "By appointment" in rep.unparsed_hours


def test_known_record_fields(smc):
    d, _ = smc
    r = d.get("smc-L1-S1")  # SMC/Silicon Valley Convention and Visitors Bureau
    assert r["name"].startswith("San Mateo County/Silicon Valley Convention")
    assert r["lat"] == pytest.approx(37.5909749) and r["lon"] == pytest.approx(-122.3486066)
    assert r["city"] == "Burlingame" and r["postal_code"] == "94010"
    assert r["schedule"].startswith("Mon 08:30-17:00") and "Fri 08:30-16:00" in r["schedule"]
    assert r["free"] is True  # fees "None."
    assert r["phone"] == "800 288-4748"
    assert r["accessibility"] == ("wheelchair",)
    assert str(r["last_verified"]) == "2013-11-11"  # later of location/service updated_at
    legal = d.get("smc-L2-S2")  # Legal Aid Society
    assert legal["category"] == "essentials_advice"
    assert set(legal["languages"]) >= {"spanish", "french", "russian"}


def test_categories_accessibility_and_ages(smc):
    d, rep = smc
    f = d.frame
    cats = rep.category_counts
    assert cats["arts_culture"] > 150 and cats["nature_outdoors"] > 40
    assert 0 < rep.n_category_unmapped < 400
    # unmapped categories are inferred by the directory, and marked as such
    assert (f["category_source"] == "inferred").sum() == rep.n_category_unmapped or (
        f["category"].isna().sum() == rep.n_category_unmapped
    )
    libs = f[
        f["name"].str.contains("Library", na=False) & f["tags"].map(lambda t: "libraries" in t)
    ]
    assert (libs["category"] == "arts_culture").mean() > 0.9
    access = {a for t in f["accessibility"] for a in t}
    assert {"accessible_toilet", "sign_language", "braille", "disabled_parking"} <= access
    assert "restroom" not in access and "deaf_interpreter" not in access
    assert f["min_age"].notna().sum() > 250
    assert f["free"].eq(True).sum() > 400
    assert f["last_verified"].notna().all()


def test_missing_folder_raises_dataset_not_found(tmp_path):
    with pytest.raises(rxmatch.DatasetNotFoundError, match="locations.json"):
        load_ohana(tmp_path)
