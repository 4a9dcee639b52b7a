"""Candidate retrieval: resources inside the person's radius (a latitude/longitude grid,
exact haversine), outreach services whose own service radius reaches the person, and
online resources."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..features.geo import haversine_km
from .table import ResourceTable

__all__ = ["Candidates", "retrieve_candidates", "VIA_RADIUS", "VIA_OUTREACH", "VIA_ONLINE"]

VIA_RADIUS, VIA_OUTREACH, VIA_ONLINE = 0, 1, 2


@dataclass(frozen=True)
class Candidates:
    rows: np.ndarray  # positions in the ResourceTable, sorted ascending
    distance_km: np.ndarray  # NaN where unknown (online-only resources, or no home given)
    via: np.ndarray  # int8: VIA_RADIUS, VIA_OUTREACH or VIA_ONLINE

    def __len__(self) -> int:
        return len(self.rows)


def retrieve_candidates(
    table: ResourceTable,
    *,
    lat: float | None,
    lon: float | None,
    radius_km: float,
    online_ok: bool,
    online_only: bool,
    online_rows: np.ndarray | None = None,
) -> Candidates:
    """All resources the person could reach: within ``radius_km`` of home, or an outreach
    service whose ``service_radius_km`` covers home, or online (if ``online_ok``).
    A resource found several ways keeps the first of radius, outreach, online.
    ``online_rows`` restricts the online resources considered (default: all)."""
    parts_rows: list[np.ndarray] = []
    parts_dist: list[np.ndarray] = []
    parts_via: list[np.ndarray] = []
    home = lat is not None and lon is not None
    if home and not online_only:
        pos, dist = table.geo.query_radius(lat, lon, radius_km, sort=False)  # sorted below
        parts_rows.append(table.geo_rows[pos])
        parts_dist.append(dist)
        parts_via.append(np.full(len(pos), VIA_RADIUS, dtype=np.int8))
        orow = table.outreach_rows
        if len(orow):
            # only services within the widest service radius in latitude can reach home
            # (1 degree of latitude is at least 110.5 km)
            near = np.flatnonzero(
                np.abs(table.outreach_lat - lat) <= table.outreach_max_km / 110.5 + 1e-9
            )
            d = haversine_km(lat, lon, table.outreach_lat[near], table.outreach_lon[near])
            ok = d <= table.outreach_radius_km[near]
            parts_rows.append(orow[near[ok]])
            parts_dist.append(d[ok])
            parts_via.append(np.full(int(ok.sum()), VIA_OUTREACH, dtype=np.int8))
    online = table.online_rows if online_rows is None else online_rows
    if (online_ok or online_only) and len(online):
        orow = online
        d = np.full(len(orow), np.nan)
        if home:
            placed = table.has_place[orow]
            d[placed] = haversine_km(lat, lon, table.lat[orow[placed]], table.lon[orow[placed]])
        parts_rows.append(orow)
        parts_dist.append(d)
        parts_via.append(np.full(len(orow), VIA_ONLINE, dtype=np.int8))
    if not parts_rows:
        return Candidates(np.empty(0, np.intp), np.empty(0), np.empty(0, np.int8))
    rows = np.concatenate(parts_rows).astype(np.intp, copy=False)
    dist = np.concatenate(parts_dist)
    via = np.concatenate(parts_via)
    # keep the first way each row was found: the parts are in via order, so a stable sort
    # by row puts each row's first way first
    order = np.argsort(rows, kind="stable")
    rows, dist, via = rows[order], dist[order], via[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    return Candidates(rows[first], dist[first], via[first])
