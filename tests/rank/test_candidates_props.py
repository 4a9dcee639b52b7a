"""Properties of candidate retrieval (rank/candidates.py): radius, outreach and online
resources, against a brute-force reference over a small hand-made table (no model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmatch.features.geo import GeoIndex, haversine_km
from rxmatch.rank.candidates import (
    VIA_ONLINE,
    VIA_OUTREACH,
    VIA_RADIUS,
    Candidates,
    retrieve_candidates,
)
from rxmatch.rank.table import ResourceTable

FAST = settings(max_examples=60, deadline=None)


def _table(lat, lon, online, service_radius_km) -> ResourceTable:
    """A ResourceTable with the columns retrieval reads, built the way ``Matcher.fit``
    builds them; the other columns are placeholders."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    online = np.asarray(online, dtype=bool)
    srad = np.asarray(service_radius_km, dtype=np.float64)
    n = len(lat)
    has_place = ~np.isnan(lat)
    geo_rows = np.flatnonzero(has_place)
    return ResourceTable(
        ids=np.array([f"r{i}" for i in range(n)], dtype=object),
        names=[""] * n,
        descriptions=[""] * n,
        tags=[()] * n,
        categories=["arts_culture"] * n,
        category_inferred=np.zeros(n, dtype=bool),
        lat=lat,
        lon=lon,
        online=online,
        has_place=has_place,
        service_radius_km=srad,
        min_age=np.full(n, np.nan),
        max_age=np.full(n, np.nan),
        free=[None] * n,
        cost=[None] * n,
        languages=[()] * n,
        accessibility=[()] * n,
        sessions=[()] * n,
        last_verified=[None] * n,
        embeddings=np.zeros((n, 2), dtype=np.float32),
        geo=GeoIndex(lat[geo_rows], lon[geo_rows]),
        geo_rows=geo_rows,
        online_rows=np.flatnonzero(online),
        outreach_rows=np.flatnonzero(has_place & ~np.isnan(srad) & (srad > 0)),
        fuzzy=None,
    )


def _reference(t: ResourceTable, lat, lon, radius_km, online_ok, online_only, online_rows=None):
    """Row by row: radius first, then outreach, then online (the documented precedence)."""
    home = lat is not None and lon is not None
    allowed_online = set((t.online_rows if online_rows is None else online_rows).tolist())
    rows, dist, via = [], [], []
    for i in range(len(t)):
        d = (
            float(haversine_km(lat, lon, t.lat[i], t.lon[i]))
            if home and t.has_place[i]
            else math.nan
        )
        srad = t.service_radius_km[i]
        if home and not online_only and t.has_place[i] and radius_km > 0 and d <= radius_km:
            way = VIA_RADIUS
        elif home and not online_only and t.has_place[i] and srad > 0 and d <= srad:
            way = VIA_OUTREACH
        elif (online_ok or online_only) and i in allowed_online:
            way = VIA_ONLINE
        else:
            continue
        rows.append(i)
        dist.append(d)
        via.append(way)
    return rows, dist, via


#: homes: an ordinary city, near the antimeridian, far north
HOMES = [(37.56, -122.33), (-17.7, 179.95), (71.0, 25.0)]


@st.composite
def tables(draw):
    home_lat, home_lon = draw(st.sampled_from(HOMES))
    n = draw(st.integers(0, 25))
    lat, lon, online, srad = [], [], [], []
    for _ in range(n):
        kind = draw(st.sampled_from(["place", "place", "online_only", "online_with_place"]))
        if kind == "online_only":
            lat.append(math.nan)
            lon.append(math.nan)
        else:
            lat.append(home_lat + draw(st.floats(-0.6, 0.6)))
            lon.append((home_lon + draw(st.floats(-0.9, 0.9)) + 180.0) % 360.0 - 180.0)
        online.append(kind != "place")
        srad.append(
            draw(st.one_of(st.just(math.nan), st.just(0.0), st.floats(1.0, 80.0)))
            if kind != "online_only"
            else math.nan
        )
    return _table(lat, lon, online, srad), (home_lat, home_lon)


def _assert_equal(c: Candidates, ref) -> None:
    rows, dist, via = ref
    assert c.rows.dtype == np.intp and c.via.dtype == np.int8
    assert c.rows.tolist() == rows
    assert c.via.tolist() == via
    np.testing.assert_allclose(c.distance_km, dist, rtol=0, atol=1e-9)  # NaN == NaN here
    assert len(c) == len(rows)


@FAST
@given(
    tab=tables(),
    radius=st.floats(0.0, 60.0),
    online_ok=st.booleans(),
    online_only=st.booleans(),
    has_home=st.booleans(),
)
def test_candidates_equal_a_brute_force_search(tab, radius, online_ok, online_only, has_home):
    t, (lat, lon) = tab
    if not has_home:
        lat = lon = None
    c = retrieve_candidates(
        t, lat=lat, lon=lon, radius_km=radius, online_ok=online_ok, online_only=online_only
    )
    _assert_equal(c, _reference(t, lat, lon, radius, online_ok, online_only))
    # rows are sorted and unique; every distance is within the way it was found
    assert np.all(np.diff(c.rows) > 0)
    assert np.all(c.distance_km[c.via == VIA_RADIUS] <= radius)
    out = c.via == VIA_OUTREACH
    assert np.all(c.distance_km[out] <= t.service_radius_km[c.rows[out]])
    if online_only or lat is None:
        assert np.all(c.via == VIA_ONLINE)
    if not (online_ok or online_only):
        assert not np.any(c.via == VIA_ONLINE)


@FAST
@given(tab=tables(), r1=st.floats(0.0, 60.0), r2=st.floats(0.0, 60.0), online_ok=st.booleans())
def test_a_wider_radius_keeps_every_candidate(tab, r1, r2, online_ok):
    # what widening relies on: growing the radius never loses a resource, and the
    # in-person count it watches never falls
    t, (lat, lon) = tab
    lo, hi = sorted((r1, r2))
    kw = dict(lat=lat, lon=lon, online_ok=online_ok, online_only=False)
    a = retrieve_candidates(t, radius_km=lo, **kw)
    b = retrieve_candidates(t, radius_km=hi, **kw)
    assert set(a.rows.tolist()) <= set(b.rows.tolist())
    assert (a.via != VIA_ONLINE).sum() <= (b.via != VIA_ONLINE).sum()
    # a row keeps its way or is now found by radius (a wider circle takes precedence)
    way_b = dict(zip(b.rows.tolist(), b.via.tolist()))
    for r, v in zip(a.rows.tolist(), a.via.tolist()):
        assert way_b[r] in (v, VIA_RADIUS)


@FAST
@given(tab=tables(), radius=st.floats(0.0, 60.0), online_only=st.booleans(), data=st.data())
def test_online_rows_restrict_only_the_online_part(tab, radius, online_only, data):
    t, (lat, lon) = tab
    subset = np.array(
        sorted(data.draw(st.sets(st.sampled_from(t.online_rows.tolist()))))
        if len(t.online_rows)
        else [],
        dtype=np.intp,
    )
    kw = dict(lat=lat, lon=lon, radius_km=radius, online_ok=True, online_only=online_only)
    c = retrieve_candidates(t, online_rows=subset, **kw)
    _assert_equal(c, _reference(t, lat, lon, radius, True, online_only, subset))
    assert set(c.rows[c.via == VIA_ONLINE].tolist()) <= set(subset.tolist())
    full = retrieve_candidates(t, **kw)
    assert set(c.rows.tolist()) <= set(full.rows.tolist())
    in_person = full.via != VIA_ONLINE
    assert set(full.rows[in_person].tolist()) <= set(c.rows.tolist())


def test_precedence_and_distances_on_a_hand_made_table():
    home = (37.56, -122.33)
    north = lambda km: home[0] + km / 111.195  # noqa: E731  (km due north)
    t = _table(
        lat=[north(1), north(8), north(8), math.nan, north(0.5), north(30)],
        lon=[home[1]] * 3 + [math.nan] + [home[1]] * 2,
        online=[False, False, False, True, True, True],
        service_radius_km=[math.nan, 10.0, 5.0, math.nan, 20.0, math.nan],
    )
    c = retrieve_candidates(
        t, lat=home[0], lon=home[1], radius_km=2.0, online_ok=True, online_only=False
    )
    # 0 in the radius; 1 comes to the person (serves 10 km), 2 does not (5 km);
    # 3 online without a place; 4 online but also in the radius; 5 online, 30 km away
    assert c.rows.tolist() == [0, 1, 3, 4, 5]
    assert c.via.tolist() == [VIA_RADIUS, VIA_OUTREACH, VIA_ONLINE, VIA_RADIUS, VIA_ONLINE]
    d = c.distance_km
    assert d[0] == pytest.approx(1.0, abs=1e-3) and d[1] == pytest.approx(8.0, abs=1e-3)
    assert math.isnan(d[2]) and d[4] == pytest.approx(30.0, abs=1e-2)

    only = retrieve_candidates(
        t, lat=home[0], lon=home[1], radius_km=2.0, online_ok=False, online_only=True
    )
    assert only.rows.tolist() == [3, 4, 5] and set(only.via.tolist()) == {VIA_ONLINE}
    assert math.isnan(only.distance_km[0]) and only.distance_km[1] == pytest.approx(0.5, abs=1e-3)

    no_online = retrieve_candidates(
        t, lat=home[0], lon=home[1], radius_km=2.0, online_ok=False, online_only=False
    )
    assert no_online.rows.tolist() == [0, 1, 4]

    nowhere = retrieve_candidates(
        t, lat=None, lon=None, radius_km=2.0, online_ok=True, online_only=False
    )
    assert nowhere.rows.tolist() == [3, 4, 5] and np.isnan(nowhere.distance_km).all()
    none = retrieve_candidates(
        t, lat=None, lon=None, radius_km=2.0, online_ok=False, online_only=False
    )
    assert len(none) == 0 and none.rows.dtype == np.intp and none.via.dtype == np.int8


def test_an_empty_table_has_no_candidates():
    t = _table([], [], [], [])
    for online_only in (False, True):
        c = retrieve_candidates(
            t, lat=37.5, lon=-122.3, radius_km=10.0, online_ok=True, online_only=online_only
        )
        assert len(c) == 0
