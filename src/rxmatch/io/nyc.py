"""Import the NYC Service volunteer opportunities export (NYC Open Data, 2011)."""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal, overload

from ..directory import Directory, RowProblem
from ._build import build_directory
from ._paths import resolve_dataset
from ._report import ImportReport

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["load_nyc_volunteer", "NYC_VOLUNTEER_FILE"]

SOURCE = "nyc-volunteer"
NYC_VOLUNTEER_FILE = "NYC_Service__Volunteer_Opportunities__Historical__20250626.csv"
_LATLON = re.compile(r"\((-?\d+\.\d+),\s*(-?\d+\.\d+)\)")
_DATE_FMT = "%B %d %Y"


def _s(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return re.sub(r"\s+", " ", str(v)).strip()


def _date(v: Any) -> pd.Timestamp | None:
    import pandas as pd

    t = _s(v)
    if not t:
        return None
    ts = pd.to_datetime(t, format=_DATE_FMT, errors="coerce")
    return None if pd.isna(ts) else ts


@overload
def load_nyc_volunteer(
    path: str | os.PathLike[str] | None = ..., *, return_report: Literal[False] = ...
) -> Directory: ...
@overload
def load_nyc_volunteer(
    path: str | os.PathLike[str] | None = ..., *, return_report: Literal[True]
) -> tuple[Directory, ImportReport]: ...
def load_nyc_volunteer(
    path: str | os.PathLike[str] | None = None, *, return_report: bool = False
) -> Directory | tuple[Directory, ImportReport]:
    """Load NYC Service volunteer opportunities (NYC Open Data CSV) as a Directory.

    Parameters
    ----------
    path : str | os.PathLike[str] | None
        the folder holding the CSV, or the CSV itself. Default: ``nyc-volunteer`` in
        the shared data folder.
    return_report : bool
        also return an :class:`ImportReport`.

    Notes
    -----
    * Category ``volunteering`` for every row; ``category_desc`` ("Helping Neighbors in
      Need", "Environment", ...) and ``recurrence_type`` become tags.
    * Coordinates: ``Latitude``/``Longitude`` (the portal's geocode), else the "(lat, lon)"
      at the end of ``locality``, else the ``Postcode`` (ZIP centroid). Rows with none of
      these are skipped and reported. Four-digit postcodes lost their leading zero in the
      export and are padded; a postcode outside New York City is a field issue.
    * Start and end dates go into the description ("One-off, March 17 2011.") and
      ``last_modified_date`` into ``last_verified``. All opportunities date from 2011.
    """
    import pandas as pd

    p = resolve_dataset(path, "nyc-volunteer", NYC_VOLUNTEER_FILE)
    df = pd.read_csv(p / NYC_VOLUNTEER_FILE, dtype=str, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    rows: list[dict[str, Any]] = []
    skipped: list[RowProblem] = []
    issues: list[RowProblem] = []
    counts: Counter[str] = Counter()
    for rec in df.to_dict("records"):
        rid = f"nyc-{_s(rec.get('opportunity_id'))}"
        lat = lon = None
        if _s(rec.get("Latitude")) and _s(rec.get("Longitude")):
            lat, lon = float(rec["Latitude"]), float(rec["Longitude"])
            counts["coordinates from Latitude/Longitude"] += 1
        else:
            m = _LATLON.search(str(rec.get("locality") or ""))
            if m:
                lat, lon = float(m.group(1)), float(m.group(2))
                counts["coordinates from locality"] += 1
        postcode = _s(rec.get("Postcode"))[:5].zfill(5) if _s(rec.get("Postcode")) else None
        if lat is None and not postcode:
            skipped.append(
                RowProblem(
                    -1, rid, "lat", "no Latitude/Longitude, no (lat, lon) in locality, no Postcode"
                )
            )
            continue
        if lat is None:
            counts["placed by Postcode"] += 1
            if postcode and not postcode.startswith(
                ("100", "101", "102", "103", "104", "110", "111", "112", "113", "114", "116")
            ):
                issues.append(
                    RowProblem(
                        len(rows),
                        rid,
                        "postal_code",
                        f"Postcode {postcode} is outside New York City",
                    )
                )
        locality_lines = [
            ln.strip() for ln in str(rec.get("locality") or "").splitlines() if ln.strip()
        ]
        address_lines = [ln for ln in locality_lines if not _LATLON.fullmatch(ln)]
        start, end = _date(rec.get("start_date_date")), _date(rec.get("end_date_date"))
        recurrence = _s(rec.get("recurrence_type")).lower()
        when = ""
        if recurrence == "onetime" and start is not None:
            when = f"One-off, {start:%B %d %Y}."
        elif start is not None:
            when = f"Ongoing from {start:%B %d %Y}" + (
                f" to {end:%B %d %Y}." if end is not None else "."
            )
        org = _s(rec.get("org_title"))
        summary = _s(rec.get("summary"))
        cat_desc = _s(rec.get("category_desc"))
        desc = " ".join(
            x
            for x in (
                summary,
                f"Volunteer with {org}." if org else "",
                f"Area: {cat_desc}." if cat_desc else "",
                when,
            )
            if x
        )
        tags = ["volunteering"]
        if cat_desc:
            tags.append(cat_desc.lower())
        if recurrence:
            tags.append("one-off" if recurrence == "onetime" else recurrence)
        if _s(rec.get("Borough")):
            tags.append(_s(rec.get("Borough")).lower())
        verified = _date(rec.get("last_modified_date")) or _date(rec.get("created_date"))
        if verified is None:
            issues.append(
                RowProblem(len(rows), rid, "last_verified", "no readable last_modified_date")
            )
        rows.append(
            {
                "id": rid,
                "name": _s(rec.get("title")) + (f" ({org})" if org else ""),
                "description": desc,
                "category": "volunteering",
                "tags": ";".join(tags),
                "address": address_lines[0] if address_lines else None,
                "city": (
                    address_lines[1].split(",")[0].strip() if len(address_lines) > 1 else None
                ),
                "postal_code": postcode,
                "lat": lat,
                "lon": lon,
                "url": "https://www.nycservice.org" + _s(rec.get("display_url"))
                if _s(rec.get("display_url"))
                else None,
                "last_verified": verified.date().isoformat() if verified is not None else None,
                "source": SOURCE,
            }
        )
    directory = build_directory(rows, source=SOURCE, skipped=skipped, issues=issues)
    if not return_report:
        return directory
    report = ImportReport(
        source=SOURCE,
        n_source_records=len(df),
        n_records=len(rows),
        category_counts={"volunteering": len(rows)},
        counts=dict(counts),
    )
    return directory, report
