"""Import an Ohana API (Code for America) MongoDB export, such as the San Mateo County
directory in ``../shared/data/ohana-smc``.

The export is three JSON Lines files (``organizations.json``, ``locations.json``,
``services.json``) joined by integer ids; coordinates are ``[lon, lat]``. One rxmatch
record is made per service at a location (and one per location that has no service).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, overload

from ..directory import Directory, RowProblem
from ..exceptions import DatasetNotFoundError, DirectoryValidationError
from ._build import build_directory
from ._categories import categorize
from ._fields import clean_phone, fees_to_free, parse_age_limits
from ._hours import parse_hours
from ._paths import resolve_dataset
from ._report import ImportReport

__all__ = ["load_ohana", "OHANA_ACCESSIBILITY", "open_eligibility_labels"]

SOURCE = "ohana-smc"

#: Ohana accessibility codes → rxmatch accessibility codes.
OHANA_ACCESSIBILITY: dict[str, str] = {
    "wheelchair": "wheelchair",
    "restroom": "accessible_toilet",
    "disabled_parking": "disabled_parking",
    "ramp": "ramp",
    "elevator": "elevator",
    "deaf_interpreter": "sign_language",
    "tty": "tty",
    "tape_braille": "braille",
    "cd": "information_on_cd",
    "wheelchair_van": "wheelchair_transport",
}


def _h(v: Any) -> Any:
    """``v`` if it can be a dict key, else its ``repr`` (malformed ids stay distinct)."""
    try:
        hash(v)
        return v
    except TypeError:
        return repr(v)


def _read_jsonl(path: Path, skipped: list[RowProblem] | None = None) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines file. An unreadable file raises
    :class:`DatasetNotFoundError` / :class:`DirectoryValidationError` naming it; a line that
    is not a JSON object is skipped and reported in ``skipped``."""
    if not path.is_file():
        raise DatasetNotFoundError(f"Ohana export file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DirectoryValidationError(
            f"{path.name} is not UTF-8 text: {exc.reason}", field="*"
        ) from None
    out: list[dict[str, Any]] = []
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            out.append(obj)
        elif skipped is not None:
            skipped.append(
                RowProblem(-1, None, "*", f"{path.name} line {i + 1} is not a JSON object")
            )
    return out


def open_eligibility_labels(path: str | os.PathLike[str]) -> dict[str, str]:
    """Open Eligibility category id → label (``"102-03"`` → ``"Food Pantry"``) from an
    ``oe.json`` taxonomy file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, str] = {}

    def walk(nodes: Iterable[dict[str, Any]]) -> None:
        for node in nodes:
            out[str(node["@id"])] = str(node["@title"])
            for key in ("second_level", "third_level", "fourth_level"):
                if key in node:
                    walk(node[key])

    walk(data["taxonomy"]["top_level"])
    return out


def _mongo_date(v: Any) -> datetime | None:
    if isinstance(v, dict) and "$date" in v:
        d = v["$date"]
        if isinstance(d, (int, float)):
            return datetime.fromtimestamp(d / 1000, tz=timezone.utc)
        if isinstance(d, str):
            return datetime.fromisoformat(d.replace("Z", "+00:00"))
    return None


def _text(v: Any) -> str:
    return re.sub(r"\s+", " ", str(v)).strip() if v else ""


def _meaningful(v: Any) -> str:
    t = _text(v)
    return "" if t.lower().rstrip(".") in ("", "none", "n/a", "na") else t


@overload
def load_ohana(
    path: str | os.PathLike[str] | None = ...,
    *,
    return_report: Literal[False] = ...,
    mail_zip_fallback: bool = ...,
    strict: bool = ...,
) -> Directory: ...
@overload
def load_ohana(
    path: str | os.PathLike[str] | None = ...,
    *,
    return_report: Literal[True],
    mail_zip_fallback: bool = ...,
    strict: bool = ...,
) -> tuple[Directory, ImportReport]: ...
def load_ohana(
    path: str | os.PathLike[str] | None = None,
    *,
    return_report: bool = False,
    mail_zip_fallback: bool = True,
    strict: bool = False,
) -> Directory | tuple[Directory, ImportReport]:
    """Load an Ohana API Mongo export (for example the San Mateo County directory).

    Parameters
    ----------
    path : str | os.PathLike[str] | None
        folder holding ``locations.json``, ``services.json``, ``organizations.json``
        (and optionally ``oe_taxonomy.json``). Default: ``ohana-smc`` in the shared data
        folder (``$RXMATCH_SHARED_DATA`` or ``../shared/data`` beside the repository).
    return_report : bool
        also return an :class:`ImportReport` (category counts, hours parse
        rate, ages found, ...).
    mail_zip_fallback : bool
        place a location with neither coordinates nor a street address at
        its mailing-address ZIP centroid (reported as a field issue). ``False`` skips it.
    strict : bool
        passed to :meth:`Directory.from_frame`.

    Returns
    -------
    Directory | tuple[Directory, ImportReport]
        Directory, or ``(Directory, ImportReport)`` when ``return_report`` is true.

    Notes
    -----
    * ``kind == "test"`` locations are skipped and listed in ``directory.report.skipped``.
    * Text: location description (or ``short_desc``), the service's own description,
      audience and eligibility; service keywords and Open Eligibility labels become tags.
    * Category: ``kind`` (arts, museums, libraries, entertainment → arts_culture; parks →
      nature_outdoors; sports → movement_sport; education → learning_skills; farmers
      markets → essentials_advice) plus votes from keywords and Open Eligibility labels;
      left empty (inferred by the Matcher) when nothing maps.
    * Free-text ``hours`` are parsed into sessions; strings that give no session, or
      only part of one, are field issues (field ``hours``) in ``directory.report``.
    * ``last_verified`` is the later of the location's and the service's ``updated_at``.

    Raises
    ------
    DatasetNotFoundError
        the folder or ``locations.json`` is missing.
    """
    base = resolve_dataset(path, "ohana-smc", "locations.json")
    bad_lines: list[RowProblem] = []
    orgs = {_h(o.get("id")): o for o in _read_jsonl(base / "organizations.json", bad_lines)}
    locations = _read_jsonl(base / "locations.json", bad_lines)
    services = _read_jsonl(base / "services.json", bad_lines)
    oe_path = base / "oe_taxonomy.json"
    oe = open_eligibility_labels(oe_path) if oe_path.exists() else {}
    by_loc: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for s in services:
        by_loc[_h(s.get("location_id"))].append(s)

    rows: list[dict[str, Any]] = []
    skipped: list[RowProblem] = list(bad_lines)
    issues: list[RowProblem] = []
    cats: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    hours_seen: dict[int, Any] = {}
    unparsed: list[str] = []
    loc_ids = {_h(loc.get("id")) for loc in locations}
    for s in services:
        if _h(s.get("location_id")) not in loc_ids:
            skipped.append(
                RowProblem(-1, f"smc-S{s.get('id')}", "location_id", "service's location not found")
            )

    for loc in locations:
        lid = _h(loc.get("id"))
        kind = loc.get("kind")
        try:
            svcs = sorted(by_loc.get(lid, []), key=lambda s: s.get("id", 0)) or [None]
        except TypeError:  # ids that do not compare (malformed export)
            svcs = by_loc.get(lid, []) or [None]
        if kind == "test":
            for s in svcs:
                rid = f"smc-L{lid}" + (f"-S{s['id']}" if s else "")
                skipped.append(
                    RowProblem(-1, rid, "kind", f"test record ({_text(loc.get('name'))[:60]!r})")
                )
            continue
        org = orgs.get(_h(loc.get("organization_id")), {})
        hours_parse = parse_hours(loc.get("hours")) if isinstance(loc.get("hours"), str) else None
        if hours_parse is not None:
            hours_seen[lid] = hours_parse
        for s in svcs:
            row_no = len(rows)
            rid = f"smc-L{lid}" + (f"-S{s.get('id')}" if s else "")
            try:
                row, row_issues = _record(
                    row_no, rid, loc, s, org, oe, hours_parse, mail_zip_fallback
                )
            except (AttributeError, TypeError, ValueError, KeyError) as exc:
                skipped.append(RowProblem(-1, rid, "*", f"malformed record ({type(exc).__name__})"))
                continue
            issues.extend(row_issues)
            rows.append(row)
            cats[row["category"] or "(none)"] += 1
            counts["records with min_age"] += row["min_age"] is not None
            counts["records with max_age"] += row["max_age"] is not None
            counts["records free"] += row["free"] is True
            counts["records with hours sessions"] += bool(row["schedule"])
            counts["records placed at mailing ZIP"] += row["_mail_zip"]
    for row in rows:
        row.pop("_mail_zip")
    for lid, hp in hours_seen.items():
        if not hp.ok:
            unparsed.append(next(loc["hours"] for loc in locations if _h(loc.get("id")) == lid))
    directory = build_directory(rows, source=SOURCE, skipped=skipped, issues=issues, strict=strict)
    if not return_report:
        return directory
    report = ImportReport(
        source=SOURCE,
        n_source_records=len(locations) + len(services),
        n_records=len(rows),
        category_counts=dict(cats),
        hours_total=len(hours_seen),
        hours_parsed=sum(hp.ok for hp in hours_seen.values()),
        hours_complete=sum(hp.complete for hp in hours_seen.values()),
        counts={"locations": len(locations), "services": len(services), **counts},
        unparsed_hours=tuple(unparsed),
    )
    return directory, report


def _record(
    row_no: int,
    rid: str,
    loc: dict[str, Any],
    svc: dict[str, Any] | None,
    org: dict[str, Any],
    oe: dict[str, str],
    hours_parse: Any,
    mail_zip_fallback: bool,
) -> tuple[dict[str, Any], list[RowProblem]]:
    issues: list[RowProblem] = []
    s = svc or {}
    name = _text(loc.get("name"))
    svc_name = _text(s.get("name"))
    if svc_name and svc_name.lower() != name.lower():
        name = f"{name}: {svc_name}"
    parts = [_text(loc.get("description")) or _text(loc.get("short_desc"))]
    if _text(s.get("description")):
        parts.append(_text(s.get("description")))
    org_name = _text(org.get("name"))
    if org_name and org_name.lower() not in name.lower():
        parts.append(f"Run by {org_name}.")
    audience = _meaningful(s.get("audience"))
    eligibility = _meaningful(s.get("eligibility"))
    if audience:
        parts.append(f"Audience: {audience}.")
    if eligibility:
        parts.append(f"Eligibility: {eligibility}.")
    keywords = [_text(k) for k in s.get("keywords") or [] if _text(k)]
    if loc.get("kind") == "farmers_markets":
        products = loc.get("products") or loc.get("products_sold") or []
        payments = loc.get("payments") or loc.get("payments_accepted") or []
        extra = "Farmers' market."
        if products:
            extra += f" Sells {', '.join(map(str, products)).lower()}."
        if payments:
            extra += f" Accepts {', '.join(map(str, payments))}."
        if loc.get("market_match"):
            extra += " Market Match (extra dollars for CalFresh/SNAP shoppers)."
        if parts[0]:
            parts.append(extra)
        else:
            parts[0] = extra
        keywords = [*keywords, "farmers market", "fresh produce"]
    if not parts[0] and keywords:
        parts[0] = f"{', '.join(keywords)}."
    description = " ".join(p for p in parts if p)
    labels = [oe[c] for c in s.get("category_ids") or [] if c in oe]
    category, _ = categorize(loc.get("kind"), [*keywords, *labels])
    tags = list(dict.fromkeys(k.lower() for k in [*keywords, *labels]))

    coords = loc.get("coordinates")
    lat = lon = None
    if isinstance(coords, list) and len(coords) == 2:
        lon, lat = coords
    addr = loc.get("address_attributes") or {}
    mail = loc.get("mail_address_attributes") or {}
    postal = _text(addr.get("zip"))[:5] or None
    mail_zip = False
    if lat is None and postal is None and mail_zip_fallback and _text(mail.get("zip")):
        postal = _text(mail.get("zip"))[:5]
        mail_zip = True
        issues.append(
            RowProblem(
                row_no,
                rid,
                "location",
                "no coordinates or street address; placed at the mailing-address ZIP centroid",
            )
        )
    hours_text = _text(s.get("hours")) or _text(loc.get("hours"))
    hp = parse_hours(hours_text) if _text(s.get("hours")) else hours_parse
    schedule = None
    if hp is not None:
        if hp.ok:
            schedule = hp.schedule
            if not hp.complete:
                issues.append(
                    RowProblem(
                        row_no, rid, "hours", f"hours read in part; ignored {hp.leftover[:80]!r}"
                    )
                )
        else:
            issues.append(
                RowProblem(row_no, rid, "hours", f"cannot read hours {hours_text[:80]!r}")
            )
    min_age, max_age = parse_age_limits(" . ".join(x for x in (audience, eligibility) if x))
    fees = _text(s.get("fees"))
    phones = [clean_phone(p.get("number")) for p in loc.get("phones_attributes") or []]
    phones = [p for p in phones if p]
    urls = [u for u in (s.get("urls") or []) + (loc.get("urls") or []) if u]
    access = [OHANA_ACCESSIBILITY.get(a, a) for a in loc.get("accessibility") or []]
    dates = [d for d in (_mongo_date(loc.get("updated_at")), _mongo_date(s.get("updated_at"))) if d]
    street = _text(addr.get("street"))
    return {
        "id": rid,
        "name": name,
        "description": description,
        "category": category,
        "tags": ";".join(t.replace(";", ",") for t in tags),
        "address": street or None,
        "city": _text(addr.get("city")) or (_text(mail.get("city")) if mail_zip else None),
        "postal_code": postal,
        "lat": lat,
        "lon": lon,
        "phone": phones[0] if phones else None,
        "url": urls[0] if urls else None,
        "schedule": schedule,
        "free": fees_to_free(fees),
        "cost": (fees[:297] + "...") if len(fees) > 300 else (fees or None),
        "min_age": min_age,
        "max_age": max_age,
        "languages": ";".join(loc.get("languages") or []),
        "accessibility": ";".join(dict.fromkeys(access)),
        "last_verified": max(dates).date().isoformat() if dates else None,
        "source": SOURCE,
        "_mail_zip": mail_zip,
    }, issues
