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


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in km, broadcasting over numpy arrays."""
    p1, l1, p2, l2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
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
    """Return a message if the pair is not a valid coordinate (with a swap hint), else None."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "latitude/longitude must be finite numbers"
    if not -90 <= lat <= 90:
        hint = " (lat and lon look swapped)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        return f"latitude {lat} out of range [-90, 90]{hint}"
    if not -180 <= lon <= 180:
        return f"longitude {lon} out of range [-180, 180]"
    return None


@lru_cache(maxsize=4096)
def _zip_lookup(code: str) -> tuple[float, float] | None:
    import zipcodes  # imported on first use: it loads a 42k-row table

    try:
        found = zipcodes.matching(code)
    except (ValueError, TypeError):
        return None
    for row in found:
        try:
            return float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def geocode_zip(postal_code: object) -> tuple[float, float]:
    """Centroid (lat, lon) of a US ZIP code, offline (the ``zipcodes`` package's table).

    Accepts ``94401``, ``"94401"``, ``"94401-1234"`` and 4-digit codes that lost a leading
    zero (``2134`` → ``02134``). Raises :class:`GeocodingError` for unknown codes.
    """
    text = str(postal_code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    text = text.split("-")[0].strip()
    if text.isdigit() and 3 <= len(text) < 5:
        text = text.zfill(5)
    if not (text.isdigit() and len(text) == 5):
        raise GeocodingError(f"postal code {postal_code!r} is not a 5-digit US ZIP code")
    found = _zip_lookup(text)
    if found is None:
        raise GeocodingError(f"unknown US ZIP code {text!r}")
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
    """Radius search over points with scikit-learn's BallTree (haversine metric)."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray):
        from sklearn.neighbors import BallTree

        self.lat = np.asarray(lat, dtype=np.float64)
        self.lon = np.asarray(lon, dtype=np.float64)
        self._tree = (
            BallTree(np.radians(np.column_stack([self.lat, self.lon])), metric="haversine")
            if len(self.lat)
            else None
        )

    def __len__(self) -> int:
        return len(self.lat)

    # The BallTree's own arrays, so that a saved index reloads it without rebuilding it
    # (about 1 s at 1M points) and without pickle. Restored only by the same scikit-learn
    # version that wrote it; any other version rebuilds the tree (same results).
    _STATE_ARRAYS = ("data", "idx_array", "node_data", "node_bounds")
    _STATE_INTS = ("leaf_size", "n_levels", "n_nodes", "n_trims", "n_leaves", "n_splits")

    def tree_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """The tree's arrays and its integer parameters (with the scikit-learn version that
        made them), or ``None`` for an empty index."""
        if self._tree is None:
            return None
        import sklearn

        state = self._tree.__getstate__()
        arrays = dict(zip(self._STATE_ARRAYS, state[:4]))
        meta: dict[str, Any] = dict(zip(self._STATE_INTS, (int(x) for x in state[4:10])))
        meta["sklearn_version"] = sklearn.__version__
        return arrays, meta

    @classmethod
    def from_tree_state(
        cls,
        lat: np.ndarray,
        lon: np.ndarray,
        arrays: dict[str, np.ndarray] | None,
        meta: dict[str, Any] | None,
    ) -> GeoIndex:
        """A GeoIndex over ``lat``/``lon`` from a :meth:`tree_state`; rebuilt when the state
        is missing, comes from another scikit-learn version or does not fit the points."""
        import sklearn
        from sklearn.neighbors import BallTree

        usable = (
            arrays is not None
            and meta is not None
            and meta.get("sklearn_version") == sklearn.__version__
            and len(lat) > 0
            and arrays["data"].shape == (len(lat), 2)
            and arrays["idx_array"].shape == (len(lat),)
        )
        if not usable:
            return cls(lat, lon)
        self = cls.__new__(cls)
        self.lat = np.asarray(lat, dtype=np.float64)
        self.lon = np.asarray(lon, dtype=np.float64)
        metric = BallTree(np.zeros((1, 2)), metric="haversine").__getstate__()[11]
        tree = BallTree.__new__(BallTree)
        tree.__setstate__(
            (
                *(np.ascontiguousarray(arrays[k]) for k in cls._STATE_ARRAYS),
                *(int(meta[k]) for k in cls._STATE_INTS),
                0,  # n_calls
                metric,
                None,  # sample_weight
            )
        )
        self._tree = tree
        return self

    def query_radius(
        self, lat: float, lon: float, radius_km: float, *, sort: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (sorted, unless ``sort=False``) and distances in km of the points within
        ``radius_km``."""
        if self._tree is None or radius_km <= 0:
            return np.empty(0, dtype=np.intp), np.empty(0)
        # the tree's own haversine distances (radians), so none is computed twice
        ind, dist = self._tree.query_radius(
            np.radians([[lat, lon]]), r=radius_km / EARTH_RADIUS_KM, return_distance=True
        )
        ind, dist = ind[0].astype(np.intp, copy=False), dist[0] * EARTH_RADIUS_KM
        if not sort:
            return ind, dist
        order = np.argsort(ind, kind="stable")
        return ind[order], dist[order]

    def pairs_within(self, radius_km: float) -> set[tuple[int, int]]:
        """Every pair of positions ``(i, j)``, ``i < j``, at most ``radius_km`` apart."""
        pairs: set[tuple[int, int]] = set()
        if self._tree is None or len(self) < 2 or radius_km <= 0:
            return pairs
        pts = np.radians(np.column_stack([self.lat, self.lon]))
        for i, nb in enumerate(self._tree.query_radius(pts, r=radius_km / EARTH_RADIUS_KM)):
            pairs.update((i, int(j)) for j in nb if j > i)
        return pairs
