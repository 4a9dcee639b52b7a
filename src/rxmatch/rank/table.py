"""The fitted resource table: aligned numpy arrays built once by ``Matcher.fit``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ..features.fuzzy import FuzzyIndex
from ..features.geo import GeoIndex
from ..features.schedule import Session

__all__ = ["ResourceTable"]


@dataclass
class ResourceTable:
    ids: np.ndarray  # (n,) object
    names: list[str]
    descriptions: list[str]
    tags: list[tuple[str, ...]]
    categories: list[str | None]
    category_inferred: np.ndarray  # bool
    lat: np.ndarray  # float64, NaN for online-only
    lon: np.ndarray
    online: np.ndarray  # bool
    has_place: np.ndarray  # bool
    service_radius_km: np.ndarray  # float64, NaN if none
    min_age: np.ndarray
    max_age: np.ndarray
    free: list[bool | None]
    cost: list[str | None]
    languages: list[tuple[str, ...]]
    accessibility: list[tuple[str, ...]]
    sessions: list[tuple[Session, ...]]
    last_verified: list[date | None]
    embeddings: np.ndarray  # (n, d) float32, L2-normalized
    geo: GeoIndex  # over rows with a place
    geo_rows: np.ndarray  # positions in the table of the GeoIndex points
    online_rows: np.ndarray
    outreach_rows: np.ndarray
    fuzzy: FuzzyIndex

    def __len__(self) -> int:
        return len(self.ids)
