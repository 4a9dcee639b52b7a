"""Candidate retrieval: resources inside the person's radius (BallTree, haversine), outreach
services whose own service radius reaches the person, and online resources."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..features.geo import haversine_km
from .table import ResourceTable

__all__ = ["Candidates", "retrieve_candidates"]


@dataclass(frozen=True)
class Candidates:
    rows: np.ndarray  # positions in the ResourceTable, sorted
    distance_km: np.ndarray  # NaN for online-only resources (or when the person has no place)
    via: np.ndarray  # "radius", "outreach" or "online" per row


def retrieve_candidates(
    table: ResourceTable,
    *,
    lat: float | None,
    lon: float | None,
    radius_km: float,
    online_ok: bool,
    online_only: bool,
) -> Candidates:
    """All resources the person could reach: within ``radius_km`` of home, or an outreach
    service whose ``service_radius_km`` covers home, or online (if ``online_ok``)."""
    found: dict[int, tuple[float, str]] = {}
    if lat is not None and lon is not None and not online_only:
        pos, dist = table.geo.query_radius(lat, lon, radius_km)
        for p, d in zip(table.geo_rows[pos], dist):
            found[int(p)] = (float(d), "radius")
        if len(table.outreach_rows):
            orow = table.outreach_rows
            d = haversine_km(lat, lon, table.lat[orow], table.lon[orow])
            for p, dd in zip(orow, d):
                if dd <= table.service_radius_km[p] and int(p) not in found:
                    found[int(p)] = (float(dd), "outreach")
    if online_ok or online_only:
        for p in table.online_rows:
            p = int(p)
            if p not in found:
                dist = float("nan")
                if lat is not None and table.has_place[p]:
                    dist = float(haversine_km(lat, lon, table.lat[p], table.lon[p]))
                found[p] = (dist, "online")
    rows = np.array(sorted(found), dtype=np.intp)
    return Candidates(
        rows=rows,
        distance_km=np.array([found[int(r)][0] for r in rows], dtype=np.float64),
        via=np.array([found[int(r)][1] for r in rows], dtype=object),
    )
