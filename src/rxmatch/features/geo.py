"""Places: vectorized haversine distances, distance decay, offline ZIP geocoding, and an
optional (network) geocoder that must be asked for explicitly."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from ..exceptions import GeocodingError

__all__ = [
    "EARTH_RADIUS_KM",
    "haversine_km",
    "decay",
    "geocode_zip",
    "geocode_address",
    "check_lat_lon",
    "GeoIndex",
]

EARTH_RADIUS_KM = 6371.009  # mean Earth radius, the value geopy.distance.great_circle uses


def haversine_km(
    lat1: Any, lon1: Any, lat2: Any, lon2: Any, cos_lat2: np.ndarray | None = None
) -> np.ndarray:
    """Great-circle distance in km, broadcasting over numpy arrays. ``cos_lat2``:
    ``cos(radians(lat2))`` when the caller keeps it (the same numbers, one cosine per point
    fewer)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    c2 = np.cos(p2) if cos_lat2 is None else cos_lat2
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * c2 * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def decay(
    distance_km: Any,
    *,
    scale: float,
    offset: float = 0.0,
    decay: float = 0.5,
    kind: Literal["gauss", "exp", "linear"] = "gauss",
) -> np.ndarray:
    """Distance decay as in Elasticsearch's ``function_score`` decay functions.

    Score is 1 within ``offset``; at ``offset + scale`` it equals ``decay``; it falls
    smoothly (``gauss``), exponentially (``exp``) or to zero at ``offset + scale/(1-decay)``
    (``linear``) beyond that.
    """
    if scale <= 0:
        raise ValueError("scale must be > 0")
    if not 0 < decay < 1:
        raise ValueError("decay must be in (0, 1)")
    d = np.maximum(0.0, np.asarray(distance_km, dtype=np.float64) - offset)
    if kind == "gauss":
        sigma2 = -(scale**2) / (2 * math.log(decay))
        return np.exp(-(d**2) / (2 * sigma2))
    if kind == "exp":
        return np.exp(math.log(decay) / scale * d)
    if kind == "linear":
        s = scale / (1 - decay)
        return np.maximum(0.0, (s - d) / s)
    raise ValueError(f"unknown decay kind {kind!r}; use 'gauss', 'exp' or 'linear'")


def check_lat_lon(lat: float, lon: float) -> str | None:
    """Return a message if the pair is not a valid coordinate (with a swap hint), else None.

    The message names the field and the problem, never the value: a coordinate is where a
    person lives, and messages reach logs, tables of skipped referrals and reports.
    """
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "latitude/longitude must be finite numbers"
    if not -90 <= lat <= 90:
        hint = " (lat and lon look swapped)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        return f"latitude out of range [-90, 90]{hint}"
    if not -180 <= lon <= 180:
        return "longitude out of range [-180, 180]"
    return None


@lru_cache(maxsize=1)
def _zip_table() -> dict[str, tuple[float, float]]:
    """Every US ZIP code's centroid, read once from the ``zipcodes`` package's table (and
    kept in rxmatch's cold-start cache: the package takes seconds to parse it).

    The module caches this table, never the codes people typed: a cache keyed by the
    query would keep every looked-up ZIP code (where people live) in process memory.
    """
    from .warm import zip_table

    return zip_table(_zip_table_from_package)


def _zip_table_from_package() -> dict[str, tuple[float, float]]:
    import zipcodes  # imported on first use: it loads a 42k-row table

    table: dict[str, tuple[float, float]] = {}
    for row in zipcodes.list_all():
        try:
            code, lat, lon = str(row["zip_code"]), float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(lat) and math.isfinite(lon):
            table.setdefault(code, (lat, lon))
    return table


def _zip_lookup(code: str) -> tuple[float, float] | None:
    return _zip_table().get(code)


def geocode_zip(postal_code: object) -> tuple[float, float]:
    """Centroid (lat, lon) of a US ZIP code, offline (the ``zipcodes`` package's table).

    Accepts ``94401``, ``"94401"``, ``"94401-1234"`` and 4-digit codes that lost a leading
    zero (``2134`` → ``02134``). A 3-digit code is refused, not padded: ``"501"`` is far
    more likely a typo or a cut value than ZIP 00501 (a New York IRS code). Raises
    :class:`GeocodingError` for unknown codes.
    """
    text = str(postal_code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    text = text.split("-")[0].strip()
    if text.isdigit() and len(text) == 4:
        text = text.zfill(5)
    # the code (or the address typed in its place) is where a person lives: the messages
    # name the problem, never the value
    if not (text.isdigit() and len(text) == 5):
        raise GeocodingError("postal code is not a 5-digit US ZIP code")
    found = _zip_lookup(text)
    if found is None:
        raise GeocodingError("unknown US ZIP code")
    return found


def geocode_address(address: str, *, geocoder: Any) -> tuple[float, float]:
    """Geocode a free-text address with a geopy geocoder that the caller provides.

    This is the only function in rxmatch that can reach the network, and only through the
    geocoder object you pass (for example ``geopy.geocoders.Nominatim(user_agent=...)``
    wrapped in ``geopy.extra.rate_limiter.RateLimiter``). Nothing calls it by default.
    """
    if geocoder is None:
        raise GeocodingError("geocode_address needs an explicit geopy geocoder (opt-in)")
    loc = geocoder(address) if callable(geocoder) else geocoder.geocode(address)
    if loc is None:
        raise GeocodingError("the geocoder found no match for the address")
    return float(loc.latitude), float(loc.longitude)


class GeoIndex:
    """Exact radius search over points on the sphere with a latitude/longitude grid.

    Points are sorted by grid cell (``cell_deg`` degrees; 0.05° is 5.6 km of latitude);
    a query visits the cells that can hold a point of the spherical cap around home (the
    cap's latitude band and, unless it contains a pole, its longitude extent
    ``asin(sin(r / R) / cos(lat))``, across the antimeridian too), then keeps the points
    whose haversine distance is within the radius. Caps that hold a pole or span more
    than ``max_cells`` cells check every point. Building is a vectorized sort (no tree);
    the arrays (:meth:`state`) reload a saved index as they are.

    :meth:`pairs_within` (duplicate detection) uses scikit-learn's BallTree (haversine),
    built on first use.
    """

    CELL_DEG = 0.05
    MAX_CELLS = 20_000

    def __init__(self, lat: np.ndarray, lon: np.ndarray, *, cell_deg: float = CELL_DEG):
        self.lat = np.asarray(lat, dtype=np.float64)
        self.lon = np.asarray(lon, dtype=np.float64)
        self._setup(float(cell_deg))
        keys = self._keys(self.lat, self.lon)
        order = np.argsort(keys, kind="stable")
        cells, starts = np.unique(keys[order], return_index=True)
        self._install(order, cells, np.append(starts, len(order)))

    def _setup(self, cell_deg: float) -> None:
        if not 0 < cell_deg <= 10:
            raise ValueError("cell_deg must be in (0, 10]")
        self.cell_deg = cell_deg
        self._n_lat = int(math.ceil(180.0 / cell_deg)) + 1
        self._n_lon = int(math.ceil(360.0 / cell_deg))
        self._tree = None

    def _install(self, order: np.ndarray, cells: np.ndarray, starts: np.ndarray) -> None:
        self._order = np.asarray(order, dtype=np.int64)
        self._cells = np.asarray(cells, dtype=np.int64)
        self._starts = np.asarray(starts, dtype=np.int64)
        # the points in cell order, so that a cell's points are read contiguously
        self._slat = np.ascontiguousarray(self.lat[self._order])
        self._slon = np.ascontiguousarray(self.lon[self._order])
        # and the cosine of each one's latitude: a query's haversine skips that cosine
        self._scos = np.cos(np.radians(self._slat))

    def _rows(self, lat: Any) -> Any:
        return np.clip(np.floor((np.asarray(lat) + 90.0) / self.cell_deg), 0, self._n_lat - 1)

    def _cols(self, lon: Any) -> Any:
        return np.floor(np.mod(np.asarray(lon) + 180.0, 360.0) / self.cell_deg) % self._n_lon

    def _keys(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return self._rows(lat).astype(np.int64) * self._n_lon + self._cols(lon).astype(np.int64)

    def __len__(self) -> int:
        return len(self.lat)

    # ---- saving -------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The grid's arrays and cell size (to save the index without pickle)."""
        arrays = {"order": self._order, "cells": self._cells, "starts": self._starts}
        return arrays, {"kind": "grid", "cell_deg": self.cell_deg}

    @classmethod
    def from_state(
        cls, lat: np.ndarray, lon: np.ndarray, arrays: dict[str, np.ndarray], meta: dict[str, Any]
    ) -> GeoIndex:
        """A GeoIndex over ``lat``/``lon`` from :meth:`state`, without sorting again."""
        if meta.get("kind") != "grid":
            raise ValueError(f"unknown geo index kind {meta.get('kind')!r}")
        self = cls.__new__(cls)
        self.lat = np.asarray(lat, dtype=np.float64)
        self.lon = np.asarray(lon, dtype=np.float64)
        self._setup(float(meta["cell_deg"]))
        order, cells, starts = arrays["order"], arrays["cells"], arrays["starts"]
        if (
            len(order) != len(self.lat)
            or len(starts) != len(cells) + 1
            or (len(order) and int(starts[-1]) != len(order))
        ):
            raise ValueError("the geo index arrays do not fit the points")
        self._install(order, cells, starts)
        return self

    # ---- queries ------------------------------------------------------------------------
    def _cap_positions(self, lat: float, lon: float, ang: float) -> np.ndarray | None:
        """Positions (in cell order) of the points in the cells the cap can reach, or
        ``None`` when every point must be checked."""
        if ang >= math.pi / 2 - abs(math.radians(lat)):
            return None  # the cap holds a pole: every longitude
        eps = 1e-9
        dlat = math.degrees(ang) + eps
        dlon = math.degrees(math.asin(min(1.0, math.sin(ang) / math.cos(math.radians(lat))))) + eps
        # ``_rows`` of the band's edges, on Python floats (the same numbers, no arrays)
        top = self._n_lat - 1
        r0 = min(max(math.floor((lat - dlat + 90.0) / self.cell_deg), 0), top)
        r1 = min(max(math.floor((lat + dlat + 90.0) / self.cell_deg), 0), top)
        c0 = math.floor((lon - dlon + 180.0) / self.cell_deg)
        c1 = math.floor((lon + dlon + 180.0) / self.cell_deg)
        if c1 - c0 + 1 >= self._n_lon or (r1 - r0 + 1) * (c1 - c0 + 1) > self.MAX_CELLS:
            return None
        if c0 >= 0 and c1 < self._n_lon:
            # no antimeridian: each latitude row's cells are consecutive keys, so its points
            # are one run of positions (the same positions, in the same order)
            base = np.arange(r0, r1 + 1, dtype=np.int64) * self._n_lon
            lo = self._starts[np.searchsorted(self._cells, base + c0)]
            hi = self._starts[np.searchsorted(self._cells, base + c1, side="right")]
        else:
            lo, hi = self._cell_runs(r0, r1, c0, c1)
        lens = hi - lo
        if not lens.any():
            return np.empty(0, dtype=np.int64)
        offsets = np.repeat(lo - (np.cumsum(lens) - lens), lens)
        return offsets + np.arange(int(lens.sum()), dtype=np.int64)

    def _cell_runs(self, r0: int, r1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        """The first and past-the-last positions of each non-empty cell of rows ``r0..r1``
        and columns ``c0..c1`` (wrapped around the antimeridian)."""
        cols = np.arange(c0, c1 + 1) % self._n_lon
        keys = (np.arange(r0, r1 + 1)[:, None] * self._n_lon + cols[None, :]).ravel()
        i = np.searchsorted(self._cells, keys)
        found = i < len(self._cells)
        found[found] = self._cells[i[found]] == keys[found]
        i = i[found]
        return self._starts[i], self._starts[i + 1]

    def query_radius(
        self, lat: float, lon: float, radius_km: float, *, sort: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (sorted, unless ``sort=False``) and distances in km of the points within
        ``radius_km`` (inclusive)."""
        if not len(self.lat) or radius_km <= 0:
            return np.empty(0, dtype=np.intp), np.empty(0)
        sel = self._cap_positions(float(lat), float(lon), float(radius_km) / EARTH_RADIUS_KM)
        if sel is None:
            slat, slon, scos = self._slat, self._slon, self._scos
        else:
            slat, slon, scos = self._slat[sel], self._slon[sel], self._scos[sel]
        d = haversine_km(lat, lon, slat, slon, scos)
        keep = np.flatnonzero(d <= radius_km)
        pos = (self._order[keep] if sel is None else self._order[sel[keep]]).astype(np.intp)
        d = d[keep]
        if sort:
            o = np.argsort(pos, kind="stable")
            pos, d = pos[o], d[o]
        return pos, d

    def pairs_within(self, radius_km: float) -> set[tuple[int, int]]:
        """Every pair of positions ``(i, j)``, ``i < j``, at most ``radius_km`` apart."""
        pairs: set[tuple[int, int]] = set()
        if len(self) < 2 or radius_km <= 0:
            return pairs
        pts = np.radians(np.column_stack([self.lat, self.lon]))
        if self._tree is None:
            from sklearn.neighbors import BallTree

            self._tree = BallTree(pts, metric="haversine")
        for i, nb in enumerate(self._tree.query_radius(pts, r=radius_km / EARTH_RADIUS_KM)):
            pairs.update((i, int(j)) for j in nb if j > i)
        return pairs
