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


# ---- the grid index: exact against a full scan -----------------------------------------------
def _scan(lat, lon, qlat, qlon, r):
    d = haversine_km(qlat, qlon, lat, lon)
    keep = np.flatnonzero(d <= r)
    return keep, d[keep]


def test_grid_radius_search_equals_a_full_scan_everywhere():
    rng = np.random.default_rng(3)
    lat = np.concatenate(
        [
            rng.uniform(-90, 90, 4000),
            rng.normal(41.9, 0.2, 3000),
            rng.uniform(89, 90, 500),
            rng.uniform(-90, -89.5, 500),
            rng.normal(0, 1, 1000),
        ]
    ).clip(-90, 90)
    lon = np.concatenate(
        [
            rng.uniform(-180, 180, 4000),
            rng.normal(-87.7, 0.2, 3000),
            rng.uniform(-180, 180, 1000),
            rng.choice([-1, 1], 1000) * rng.uniform(179.5, 180, 1000),
        ]
    )
    idx = GeoIndex(lat, lon)
    cases = [
        (41.9, -87.7, 15),
        (41.9, -87.7, 0.3),
        (0.0, 180.0, 80),
        (0.3, -179.95, 120),
        (89.99, 10.0, 5),
        (-89.9, 0.0, 60),
        (60.0, 25.0, 900),
        (10.0, 10.0, 20_015),
        (-33.9, 151.2, 3000),
        (41.9, -87.7, 0.0),
    ] + [
        (rng.uniform(-90, 90), rng.uniform(-180, 180), rng.choice([1, 25, 250])) for _ in range(60)
    ]
    for qlat, qlon, r in cases:
        pos, d = idx.query_radius(qlat, qlon, r)
        exp, de = _scan(lat, lon, qlat, qlon, r) if r > 0 else (np.empty(0, int), np.empty(0))
        np.testing.assert_array_equal(pos, exp, err_msg=f"{qlat}, {qlon}, {r}")
        np.testing.assert_allclose(d, de)
        unsorted, du = idx.query_radius(qlat, qlon, r, sort=False)
        assert sorted(unsorted.tolist()) == exp.tolist()
        assert dict(zip(unsorted.tolist(), du.tolist())) == dict(zip(pos.tolist(), d.tolist()))


def test_grid_on_the_demo_directory_equals_a_full_scan(demo_directory):
    f = demo_directory.frame
    placed = f["lat"].notna().to_numpy()
    lat, lon = f["lat"].to_numpy(float)[placed], f["lon"].to_numpy(float)[placed]
    idx = GeoIndex(lat, lon)
    for r in (0.5, 2, 5, 10, 25, 75):
        pos, _ = idx.query_radius(37.5630, -122.3255, r)
        np.testing.assert_array_equal(pos, _scan(lat, lon, 37.5630, -122.3255, r)[0])
    assert len(idx.query_radius(37.5630, -122.3255, 75)[0]) == len(lat)
