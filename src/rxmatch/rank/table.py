"""The fitted resource table: aligned numpy arrays built once by ``Matcher.fit``.

Per-row Python facts (names, tags, sessions, ...) are lists after ``fit`` and read-only
:mod:`~rxmatch.rank.columns` (decoded on access) after loading a saved index: either way
they are indexed by table row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..features.fuzzy import FuzzyIndex
from ..features.geo import GeoIndex
from ..features.schedule import Session

__all__ = ["ResourceTable"]


@dataclass
class ResourceTable:
    ids: np.ndarray | Sequence[str]  # (n,) object array, or a StringColumn
    names: Sequence[str]
    descriptions: Sequence[str]
    tags: Sequence[tuple[str, ...]]
    categories: Sequence[str]
    category_inferred: np.ndarray  # bool
    lat: np.ndarray  # float64, NaN for online-only
    lon: np.ndarray
    online: np.ndarray  # bool
    has_place: np.ndarray  # bool
    service_radius_km: np.ndarray  # float64, NaN if none
    min_age: np.ndarray
    max_age: np.ndarray
    free: Sequence[bool | None]
    cost: Sequence[str | None]
    languages: Sequence[tuple[str, ...]]
    accessibility: Sequence[tuple[str, ...]]
    sessions: Sequence[tuple[Session, ...]]
    last_verified: Sequence[date | None]
    embeddings: np.ndarray  # (n, d) float32, L2-normalized
    geo: GeoIndex  # over rows with a place
    geo_rows: np.ndarray  # positions in the table of the GeoIndex points
    online_rows: np.ndarray
    outreach_rows: np.ndarray
    fuzzy: FuzzyIndex

    def __post_init__(self) -> None:
        # contiguous places of the outreach services (a few % of rows), checked against
        # every home without gathering them from the full columns on each query
        o = np.asarray(self.outreach_rows, dtype=np.intp)
        self.outreach_lat = np.ascontiguousarray(self.lat[o])
        self.outreach_lon = np.ascontiguousarray(self.lon[o])
        self.outreach_radius_km = np.ascontiguousarray(self.service_radius_km[o])
        self.outreach_max_km = float(self.outreach_radius_km.max()) if len(o) else 0.0

    def __len__(self) -> int:
        return len(self.ids)
