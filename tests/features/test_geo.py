import numpy as np
import pytest
from geopy.distance import great_circle

from rxmatch import GeocodingError
from rxmatch.features.geo import GeoIndex, check_lat_lon, decay, geocode_zip, haversine_km


def test_haversine_matches_geopy_great_circle():
    rng = np.random.default_rng(0)
    lat1, lat2 = rng.uniform(-80, 80, 200), rng.uniform(-80, 80, 200)
    lon1, lon2 = rng.uniform(-180, 180, 200), rng.uniform(-180, 180, 200)
    ours = haversine_km(lat1, lon1, lat2, lon2)
    ref = [great_circle((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2)]
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("kind", ["gauss", "exp", "linear"])
def test_decay_equals_decay_at_offset_plus_scale(kind):
    d = decay([0.0, 1.0, 1.0 + 4.0, 100.0], scale=4.0, offset=1.0, decay=0.5, kind=kind)
    assert d[0] == pytest.approx(1.0) and d[1] == pytest.approx(1.0)
    assert d[2] == pytest.approx(0.5)
    assert d[3] < 0.01
    assert np.all(np.diff(d) <= 0)


def test_decay_rejects_bad_params():
    with pytest.raises(ValueError):
        decay([1.0], scale=0)
    with pytest.raises(ValueError):
        decay([1.0], scale=1, kind="cubic")


def test_geocode_zip_offline():
    lat, lon = geocode_zip("94401")
    assert 37.5 < lat < 37.65 and -122.4 < lon < -122.25
    assert geocode_zip(94401) == (lat, lon)
    assert geocode_zip("94401-1234") == (lat, lon)
    # 4-digit code that lost its leading zero (Boston)
    blat, blon = geocode_zip(2134)
    assert 42.3 < blat < 42.4
    with pytest.raises(GeocodingError):
        geocode_zip("00000")
    with pytest.raises(GeocodingError):
        geocode_zip("not a zip")


def test_lat_lon_swap_hint():
    assert "swapped" in check_lat_lon(-122.3, 37.5)
    assert check_lat_lon(37.5, -122.3) is None
    assert "longitude" in check_lat_lon(37.5, -222.3)


def test_ball_tree_radius_equals_brute_force():
    rng = np.random.default_rng(1)
    lat = 37.5 + rng.normal(0, 0.1, 2000)
    lon = -122.3 + rng.normal(0, 0.1, 2000)
    idx = GeoIndex(lat, lon)
    pos, dist = idx.query_radius(37.55, -122.31, 7.5)
    brute = np.flatnonzero(haversine_km(37.55, -122.31, lat, lon) <= 7.5)
    assert set(pos) == set(brute)
    assert np.all(dist <= 7.5 + 1e-9)
