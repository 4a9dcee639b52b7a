"""Find and merge duplicate records across (or within) directories.

Real directories list the same service more than once: two sources, a renamed programme,
"Ctr" in one and "Center" in the other, a suite number added, the phone written
differently, the pin moved a few metres. :func:`find_duplicates` compares records that are
close on the map (BallTree radius neighbours, haversine) or share a phone number, scores
each pair on name, address, phone and distance, and joins accepted pairs into clusters
(union-find). :func:`merge_duplicates` keeps one record per cluster and says where every
value came from.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import pandas as pd

from .directory import Directory, RowProblem
from .exceptions import InvalidParameterError
from .features.geo import GeoIndex, haversine_km

__all__ = [
    "DuplicatePair",
    "DuplicateCluster",
    "DuplicateClusters",
    "MergeResult",
    "find_duplicates",
    "merge_duplicates",
    "normalize_name",
    "normalize_address",
    "phone_digits",
]

_ABBREV = {
    "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "rd": "road", "dr": "drive", "ln": "lane", "ct": "court", "pl": "place", "hwy": "highway",
    "pkwy": "parkway", "sq": "square", "ctr": "center", "ctrs": "centers", "cntr": "center", "centre": "center",
    "cent": "center", "dept": "department", "assn": "association", "assoc": "association",
    "svc": "service", "svcs": "services", "srvcs": "services", "intl": "international",
    "natl": "national", "univ": "university", "mt": "mount", "ft": "fort", "hosp": "hospital",
    "lib": "library", "comm": "community", "cmty": "community", "sr": "senior", "srs": "seniors",
    "prog": "program", "programme": "program", "org": "organization", "fdn": "foundation",
    "n": "north", "s": "south", "e": "east", "w": "west", "co": "county", "cnty": "county",
    "bros": "brothers", "hs": "high school", "ymca": "ymca", "bldg": "building", "fl": "floor",
}  # fmt: skip
_DROP = {"the", "inc", "incorporated", "llc", "ltd", "corp", "corporation", "of", "a", "at"}
_SUITE = re.compile(
    r"(?:,\s*|\s+)(?:suite|ste|unit|apt|apartment|room|rm|floor|fl|bldg|building|#)\.?\s*#?\s*[\w-]+\b|\s#\s*\w+"
)


def _tokens(text: str) -> list[str]:
    t = str(text).lower().replace("&", " and ").replace("+", " and ")
    t = re.sub(r"[’'`]", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    out = []
    for w in t.split():
        w = _ABBREV.get(w, w)
        if w not in _DROP:
            out.extend(w.split())
    return out


def normalize_name(name: str | None) -> str:
    """Lower case, ``&``→``and``, abbreviations expanded (St→street, Ctr→center, ...),
    punctuation, ``the`` and company suffixes (Inc, LLC) removed.

    >>> normalize_name("The Senior Ctr. & Library, Inc.")
    'senior center and library'
    """
    return " ".join(_tokens(name or ""))


def normalize_address(address: str | None) -> str:
    """Like :func:`normalize_name`, with suite/unit/room/floor numbers removed.

    >>> normalize_address("111 Anza Blvd., Suite 410")
    '111 anza boulevard'
    """
    a = _SUITE.sub(" ", str(address or "").lower())
    return " ".join(_tokens(a))


def phone_digits(phone: str | None) -> str:
    """The last 10 digits of a phone number (``""`` if fewer than 7 digits)."""
    d = re.sub(r"\D", "", str(phone or ""))
    if len(d) == 11 and d.startswith("1"):
        d = d[1:]
    return d[-10:] if len(d) >= 7 else ""


@dataclass(frozen=True)
class DuplicatePair:
    """Two records judged (or scored) as possible duplicates.

    ``score`` in [0, 1] blends name similarity (0.55), address similarity (0.15), same
    phone (0.15) and nearness (0.15), over the evidence both records have.
    """

    id_a: str
    id_b: str
    score: float
    name_similarity: float
    address_similarity: float | None
    same_phone: bool | None
    distance_m: float | None
    reason: str


@dataclass(frozen=True)
class DuplicateCluster:
    """Records that describe one service. ``confidence`` is the lowest score among the
    pairs that joined the cluster; ``reasons`` explain each of those pairs."""

    ids: tuple[str, ...]
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DuplicateClusters(Sequence[DuplicateCluster]):
    """The clusters (largest first) and every accepted pair."""

    clusters: tuple[DuplicateCluster, ...]
    pairs: tuple[DuplicatePair, ...]
    threshold: float
    n_compared: int = 0
    _of: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_of", {rid: i for i, c in enumerate(self.clusters) for rid in c.ids}
        )

    @overload
    def __getitem__(self, i: int) -> DuplicateCluster: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[DuplicateCluster, ...]: ...
    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self.clusters[i]

    def __len__(self) -> int:
        return len(self.clusters)

    def __iter__(self) -> Iterator[DuplicateCluster]:
        return iter(self.clusters)

    def cluster_of(self, rid: str) -> DuplicateCluster | None:
        """The cluster holding ``rid`` (``None`` if it has no duplicate)."""
        i = self._of.get(rid)
        return None if i is None else self.clusters[i]

    def same_cluster(self, a: str, b: str) -> bool:
        return a in self._of and self._of.get(a) == self._of.get(b)

    def to_frame(self) -> pd.DataFrame:
        """One row per record in a cluster: cluster, id, confidence, reasons."""
        rows = [
            {
                "cluster": i,
                "id": rid,
                "size": len(c.ids),
                "confidence": c.confidence,
                "reasons": " | ".join(c.reasons),
            }
            for i, c in enumerate(self.clusters)
            for rid in c.ids
        ]
        return pd.DataFrame(rows, columns=["cluster", "id", "size", "confidence", "reasons"])

    def pairs_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.pairs])


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _candidate_pairs(
    lat: np.ndarray,
    lon: np.ndarray,
    phones: Sequence[str],
    radius_km: float,
    max_block: int,
    zips: Sequence[str] = (),
    approximate: Sequence[bool] = (),
) -> set[tuple[int, int]]:
    has = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    near = GeoIndex(lat[has], lon[has]).pairs_within(radius_km)
    pairs: set[tuple[int, int]] = {(int(has[i]), int(has[j])) for i, j in near}
    by_phone: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(phones):
        if p:
            by_phone[p].append(i)
    for members in by_phone.values():
        if 1 < len(members) <= max_block:
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
    # Records placed only by a ZIP centroid are compared with every record of that ZIP.
    by_zip: dict[str, list[int]] = defaultdict(list)
    for i, z in enumerate(zips):
        if z:
            by_zip[z].append(i)
    for i, approx in enumerate(approximate):
        if approx and zips[i]:
            for j in by_zip[zips[i]]:
                if j != i:
                    pairs.add((min(i, j), max(i, j)))
    return pairs


def find_duplicates(
    directory: Directory,
    *,
    threshold: float = 0.8,
    min_name_similarity: float = 0.85,
    radius_km: float = 1.0,
    max_phone_block: int = 50,
) -> DuplicateClusters:
    """Find records that describe the same service.

    Parameters
    ----------
    directory : Directory
        records to compare (merge several sources first with
        ``Directory.from_frame(pd.concat([a.to_frame(), b.to_frame()]))``).
    threshold : float
        pair score (0–1) at or above which two records are duplicates.
    min_name_similarity : float
        and the names (normalized, rapidfuzz ``token_sort_ratio``/100)
        must be at least this close: several programmes in one building share address and
        phone but not name. Unless the names are near-identical (≥ 0.95), a pair also needs
        one corroborating fact: same phone, address similarity ≥ 0.8, or both pinned by
        coordinates within 150 m.
    radius_km : float
        records further apart than this are compared only if they share a phone.
    max_phone_block : int
        phones shared by more records than this (a county switchboard) do
        not make candidate pairs.

    Returns
    -------
    DuplicateClusters
        Clusters (union-find over accepted pairs), largest first, with a confidence and
        reasons such as ``"same phone; name similarity 93; 12 m apart"``.

    Notes
    -----
    Candidates are BallTree (haversine) radius neighbours, records sharing a phone, and,
    for records placed only by a ZIP centroid, the records of the same ZIP; so the cost
    grows with the number of close pairs, not n².
    """
    from rapidfuzz import fuzz

    if not 0 < threshold <= 1:
        raise InvalidParameterError(f"threshold must be in (0, 1], not {threshold}")
    if radius_km <= 0:
        raise InvalidParameterError(f"radius_km must be > 0, not {radius_km}")
    f = directory.frame
    ids = f["id"].tolist()
    names = [normalize_name(x) for x in f["name"]]
    addrs = [normalize_address(x) if isinstance(x, str) else "" for x in f["address"]]
    phones = [phone_digits(x) if isinstance(x, str) else "" for x in f["phone"]]
    lat = f["lat"].to_numpy(dtype=float)
    lon = f["lon"].to_numpy(dtype=float)
    exact_place = (f["location_source"] == "coordinates").to_numpy()
    zips = [str(z)[:5] if isinstance(z, str) else "" for z in f["postal_code"]]
    cands = _candidate_pairs(lat, lon, phones, radius_km, max_phone_block, zips, list(~exact_place))
    accepted: list[tuple[int, int, DuplicatePair]] = []
    for a, b in sorted(cands):
        if not names[a] or not names[b]:
            continue
        ns = fuzz.token_sort_ratio(names[a], names[b]) / 100
        if ns < min_name_similarity:
            continue
        weights = {"name": 0.55}
        parts = {"name": ns}
        asim: float | None = None
        if addrs[a] and addrs[b]:
            asim = fuzz.token_sort_ratio(addrs[a], addrs[b]) / 100
            weights["address"], parts["address"] = 0.15, asim
        same_phone: bool | None = None
        if phones[a] and phones[b]:
            same_phone = phones[a] == phones[b]
            weights["phone"], parts["phone"] = 0.15, float(same_phone)
        dist_m: float | None = None
        if math.isfinite(lat[a]) and math.isfinite(lat[b]):
            dist_m = float(haversine_km(lat[a], lon[a], lat[b], lon[b])) * 1000
            if exact_place[a] and exact_place[b]:
                near = max(0.0, 1 - dist_m / (radius_km * 1000))
                weights["distance"], parts["distance"] = 0.15, near
        score = sum(weights[k] * parts[k] for k in weights) / sum(weights.values())
        near_m = dist_m if dist_m is not None and exact_place[a] and exact_place[b] else None
        corroborated = (
            bool(same_phone) or (asim or 0) >= 0.8 or (near_m is not None and near_m <= 150)
        )
        if score < threshold or not (corroborated or ns >= 0.95):
            continue
        bits = []
        if same_phone:
            bits.append("same phone")
        bits.append(f"name similarity {round(ns * 100)}")
        if asim is not None:
            bits.append(
                "same address" if asim >= 0.95 else f"address similarity {round(asim * 100)}"
            )
        if dist_m is not None:
            bits.append(
                f"{dist_m:.0f} m apart" if dist_m < 1000 else f"{dist_m / 1000:.1f} km apart"
            )
        pair = DuplicatePair(
            ids[a], ids[b], round(score, 4), round(ns, 4), asim, same_phone, dist_m, "; ".join(bits)
        )
        accepted.append((a, b, pair))
    uf = _UnionFind(len(ids))
    for a, b, _ in accepted:
        uf.union(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    edges: dict[int, list[DuplicatePair]] = defaultdict(list)
    for a, _b, p in accepted:
        edges[uf.find(a)].append(p)
    for i in range(len(ids)):
        r = uf.find(i)
        if r in edges:
            groups[r].append(i)
    clusters = [
        DuplicateCluster(
            tuple(ids[i] for i in members),
            min(p.score for p in edges[root]),
            tuple(f"{p.id_a} ~ {p.id_b}: {p.reason}" for p in edges[root]),
        )
        for root, members in groups.items()
    ]
    clusters.sort(key=lambda c: (-len(c.ids), -c.confidence, c.ids))
    return DuplicateClusters(
        tuple(clusters), tuple(p for _, _, p in accepted), threshold, n_compared=len(cands)
    )


@dataclass(frozen=True)
class MergeResult:
    """The merged directory and where its values came from.

    ``merged_from`` maps each kept id to every id merged into it (itself first);
    ``provenance`` has one row per (kept id, field, source record, value) where the merged
    records disagreed or the kept record borrowed a value.
    """

    directory: Directory
    merged_from: dict[str, tuple[str, ...]]
    provenance: pd.DataFrame


_FILL = ("address", "city", "postal_code", "phone", "url", "schedule", "cost", "free",
         "min_age", "max_age", "category", "last_verified")  # fmt: skip
_UNION = ("tags", "languages", "accessibility")


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, (str, tuple)) and not v


def merge_duplicates(
    directory: Directory,
    clusters: DuplicateClusters | Iterable[DuplicateCluster] | None = None,
    **kwargs: Any,
) -> MergeResult:
    """Keep one record per duplicate cluster.

    The kept record is the most recently verified (then the one with most fields filled,
    then the first). Empty fields are filled from the others, tags, languages and
    accessibility are joined, ``source`` lists every source (``"a+b"``), and the records
    merged away appear in ``directory.report.skipped`` ("duplicate of X"). ``clusters``
    defaults to ``find_duplicates(directory, **kwargs)``.
    """
    if clusters is None:
        clusters = find_duplicates(directory, **kwargs)
    frame = directory.to_frame()
    pos = {rid: i for i, rid in enumerate(frame["id"])}
    recs = frame.to_dict("records")
    drop: dict[str, tuple[str, float]] = {}
    merged_from: dict[str, tuple[str, ...]] = {}
    prov: list[dict[str, Any]] = []
    for c in clusters:
        members = [recs[pos[r]] for r in c.ids if r in pos]
        if len(members) < 2:
            continue

        def rank(r: dict[str, Any]) -> tuple[Any, ...]:
            lv = r.get("last_verified")
            filled = sum(not _missing(r.get(k)) for k in _FILL)
            return (0 if _missing(lv) else 1, str(lv), filled)

        keep = max(members, key=rank)
        others = [m for m in members if m is not keep]
        for col in _FILL:
            values = {m["id"]: m.get(col) for m in members if not _missing(m.get(col))}
            if _missing(keep.get(col)) and values:
                src = next(iter(values))
                keep[col] = values[src]
                prov.append(
                    {
                        "id": keep["id"],
                        "field": col,
                        "from_id": src,
                        "value": values[src],
                        "note": "filled",
                    }
                )
            elif len({str(v) for v in values.values()}) > 1:
                for rid, v in values.items():
                    prov.append({"id": keep["id"], "field": col, "from_id": rid, "value": v,
                                 "note": "kept" if rid == keep["id"] else "differs"})  # fmt: skip
        for col in _UNION:
            parts = [p for m in members for p in str(m.get(col) or "").split(";") if p]
            keep[col] = ";".join(dict.fromkeys(parts))
        keep["source"] = "+".join(dict.fromkeys(str(m.get("source")) for m in [keep, *others]))
        merged_from[keep["id"]] = (keep["id"], *(m["id"] for m in others))
        for m in others:
            drop[m["id"]] = (keep["id"], c.confidence)
    rows = [r for r in recs if r["id"] not in drop]
    for r in rows:
        r.pop("location_source", None)
        r.pop("category_source", None)
    problems = [
        RowProblem(pos[rid], rid, "id", f"duplicate of {kept}; merged (confidence {conf:.2f})")
        for rid, (kept, conf) in drop.items()
    ]
    merged = Directory.from_frame(
        pd.DataFrame(rows),
        source=directory.report.source,
        extra_problems=[*directory.report.skipped, *problems],
        geocode_postal_codes=False,
    )
    provenance = pd.DataFrame(prov, columns=["id", "field", "from_id", "value", "note"])
    return MergeResult(merged, merged_from, provenance)
