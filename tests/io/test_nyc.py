import warnings

import pytest

import rxmatch
import rxmatch.io
from rxmatch.io import load_nyc_volunteer

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def nyc(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        return load_nyc_volunteer(shared_data / "nyc-volunteer", return_report=True)


def test_every_row_loaded_or_reported(nyc):
    d, rep = nyc
    assert len(d) + d.report.n_skipped == 665
    assert d.report.n_skipped == 2
    assert all(p.field == "lat" for p in d.report.skipped)
    assert rep.counts["coordinates from Latitude/Longitude"] == 383
    assert rep.counts["coordinates from locality"] > 150
    f = d.frame
    assert (f["category"] == "volunteering").all()
    in_nyc = f["lat"].between(40.4, 41.0) & f["lon"].between(-74.3, -73.6)
    flagged = {p.record_id for p in d.report.issues if p.field == "postal_code"}
    assert set(f.loc[~in_nyc, "id"]) == flagged == {"nyc-5022"}  # Oxfam, Boston 02114
    assert f["last_verified"].notna().all()


def test_known_row(nyc):
    d, _ = nyc
    r = d.get("nyc-5211")  # Dorchester Senior Citizens Center: no coordinates, ZIP only
    assert r["location_source"] == "postal_code" and r["postal_code"] == "11226"
    assert "Moving, lifting" in r["description"] and "March 17 2011" in r["description"]
    assert str(r["last_verified"]) == "2011-03-18"
    assert "ongoing" in r["tags"]
