"""Read Open Referral HSDS 3.0 (Human Services Data Specification) into a Directory.

Two inputs are accepted: a datapackage folder of CSV tables (``services.csv`` or
``service.csv``, ``organizations.csv``, ``locations.csv``, ``service_at_location.csv``,
``schedules.csv``, ``languages.csv``, ``accessibility.csv``, ``cost_options.csv``,
``addresses.csv``, ``phones.csv``, ``attributes.csv``, ``taxonomy_terms.csv``: whichever
exist), or HSDS JSON: one ``service`` object, a list of them, or an API page with
``contents``. CSV tables are first assembled into the nested JSON shape, so both inputs map
the same way.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal, overload

from ..directory import Directory, RowProblem
from ..exceptions import DatasetNotFoundError, DirectoryValidationError
from ..features.schedule import Session, format_sessions
from ._build import build_directory
from ._categories import categorize
from ._fields import fees_to_free
from ._report import ImportReport

__all__ = ["read_hsds", "hsds_services_from_csv", "RXMATCH_TAXONOMY"]

#: Taxonomy name that rxmatch's own exports use for category terms (read back exactly).
RXMATCH_TAXONOMY = "rxmatch"
RXMATCH_TAG_TAXONOMY = "rxmatch_tag"

_BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_ACCESS_PATTERNS = (
    (re.compile(r"wheelchair"), "wheelchair"),
    (re.compile(r"induction loop|hearing loop|t-coil"), "hearing_loop"),
    (re.compile(r"step[- ]free|level access|no steps"), "step_free"),
    (re.compile(r"accessible (?:toilet|restroom|bathroom|wc)"), "accessible_toilet"),
    (re.compile(r"sign language|\bbsl\b|\basl\b|interpreter for the deaf"), "sign_language"),
    (re.compile(r"braille"), "braille"),
    (re.compile(r"large print"), "large_print"),
    (re.compile(r"\blift\b|elevator"), "elevator"),
    (re.compile(r"\bramp"), "ramp"),
    (re.compile(r"(?:disabled|accessible|blue badge) parking"), "disabled_parking"),
    (re.compile(r"quiet (?:space|room)"), "quiet_space"),
    (re.compile(r"\btty\b|text ?phone"), "tty"),
)
_ONLINE_WORDS = re.compile(r"\bonline\b|virtual|remote|video|by (?:tele)?phone|telephone|website")
_TABLES = {
    "services": ("services", "service"),
    "organizations": ("organizations", "organization"),
    "locations": ("locations", "location"),
    "service_at_location": ("service_at_location", "service_at_locations"),
    "schedules": ("schedules", "schedule"),
    "languages": ("languages", "language"),
    "accessibility": ("accessibility", "accessibilities"),
    "cost_options": ("cost_options", "cost_option"),
    "addresses": ("addresses", "address"),
    "phones": ("phones", "phone"),
    "attributes": ("attributes", "attribute"),
    "taxonomy_terms": ("taxonomy_terms", "taxonomy_term"),
    "taxonomies": ("taxonomies", "taxonomy"),
    "service_areas": ("service_areas", "service_area"),
}


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            {k: (v if v != "" else None) for k, v in row.items() if k is not None}
            for row in csv.DictReader(fh)
        ]


def _num(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def hsds_services_from_csv(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Assemble HSDS CSV tables into nested ``service`` objects (the HSDS API shape)."""
    folder = Path(folder)
    t: dict[str, list[dict[str, Any]]] = {}
    for key, names in _TABLES.items():
        for n in names:
            if (folder / f"{n}.csv").exists():
                t[key] = _read_csv(folder / f"{n}.csv")
                break
        else:
            t[key] = []
    if not t["services"]:
        raise DatasetNotFoundError(f"no services.csv (or service.csv) with rows in {folder}")

    def by(table: str, key: str) -> dict[Any, list[dict[str, Any]]]:
        out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for r in t[table]:
            if r.get(key):
                out[r[key]].append(r)
        return out

    for r in t["schedules"]:
        for k in ("interval", "timezone", "count"):
            r[k] = _num(r.get(k))
    for r in t["cost_options"]:
        r["amount"] = _num(r.get("amount"))
    for r in t["locations"]:
        r["latitude"], r["longitude"] = _num(r.get("latitude")), _num(r.get("longitude"))
    for r in t["services"]:
        r["minimum_age"], r["maximum_age"] = _num(r.get("minimum_age")), _num(r.get("maximum_age"))
    terms = {r["id"]: r for r in t["taxonomy_terms"]}
    orgs = {r["id"]: r for r in t["organizations"]}
    locs = {r["id"]: r for r in t["locations"]}
    attrs = by("attributes", "link_id")
    sched_svc, sched_loc, sched_sal = (
        by("schedules", "service_id"),
        by("schedules", "location_id"),
        by("schedules", "service_at_location_id"),
    )
    lang_svc, lang_loc = by("languages", "service_id"), by("languages", "location_id")
    phones_svc, phones_loc = by("phones", "service_id"), by("phones", "location_id")
    addr_loc, acc_loc = by("addresses", "location_id"), by("accessibility", "location_id")
    cost_svc, sal_svc, area_svc = (
        by("cost_options", "service_id"),
        by("service_at_location", "service_id"),
        by("service_areas", "service_id"),
    )

    def with_terms(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {**a, "taxonomy_term": terms[a["taxonomy_term_id"]]}
            if a.get("taxonomy_term_id") in terms
            else a
            for a in rows
        ]

    services = []
    for s in t["services"]:
        sid = s["id"]
        sals = []
        for sal in sal_svc.get(sid, []):
            loc = locs.get(sal.get("location_id"))
            loc_obj = None
            if loc is not None:
                lid = loc["id"]
                loc_obj = {
                    **loc,
                    "addresses": addr_loc.get(lid, []),
                    "accessibility": acc_loc.get(lid, []),
                    "languages": [x for x in lang_loc.get(lid, []) if not x.get("service_id")],
                    "phones": [x for x in phones_loc.get(lid, []) if not x.get("service_id")],
                    "schedules": [
                        x
                        for x in sched_loc.get(lid, [])
                        if not x.get("service_id") and not x.get("service_at_location_id")
                    ],
                    "attributes": with_terms(attrs.get(lid, [])),
                }
            sals.append(
                {
                    **sal,
                    "location": loc_obj,
                    "schedules": sched_sal.get(sal["id"], []),
                    "attributes": with_terms(attrs.get(sal["id"], [])),
                }
            )
        services.append(
            {
                **s,
                "organization": orgs.get(s.get("organization_id")),
                "service_at_locations": sals,
                "schedules": [
                    x for x in sched_svc.get(sid, []) if not x.get("service_at_location_id")
                ],
                "languages": lang_svc.get(sid, []),
                "phones": phones_svc.get(sid, []),
                "cost_options": cost_svc.get(sid, []),
                "service_areas": area_svc.get(sid, []),
                "attributes": with_terms(attrs.get(sid, [])),
            }
        )
    return services


def _load_services(path: Path) -> list[dict[str, Any]]:
    if path.is_dir():
        return hsds_services_from_csv(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DirectoryValidationError(
            f"{path.name} is not UTF-8 text: {exc.reason}", field="*"
        ) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise DirectoryValidationError(f"{path.name} is not valid JSON: {exc}", field="*") from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return list(data["contents"])
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return list(data)
    raise DatasetNotFoundError(f"{path} holds neither HSDS service objects nor a page of them")


def _hhmm(v: Any) -> int | None:
    if not v:
        return None
    m = re.match(r"^\s*(\d{1,2}):(\d{2})", str(v))
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 24 or mi > 59:
        return None
    return min(h * 60 + mi, 1439)


def _sessions(
    schedules: list[dict[str, Any]], rid: str, row: int, issues: list[RowProblem]
) -> tuple[Session, ...]:
    out: set[Session] = set()
    for sch in schedules:
        freq = str(sch.get("freq") or "").upper()
        days = [d.strip().upper()[-2:] for d in str(sch.get("byday") or "").split(",") if d.strip()]
        start, end = _hhmm(sch.get("opens_at")), _hhmm(sch.get("closes_at"))
        what = sch.get("id") or "?"
        if freq not in ("", "WEEKLY"):
            issues.append(
                RowProblem(
                    row, rid, "schedules", f"schedule {what}: freq {freq} is not weekly; ignored"
                )
            )
            continue
        if (_num(sch.get("interval")) or 1) > 1:
            issues.append(
                RowProblem(
                    row,
                    rid,
                    "schedules",
                    f"schedule {what}: every {int(_num(sch['interval']))} weeks; ignored",
                )
            )
            continue
        if (
            not days
            or start is None
            or end is None
            or start == end
            or any(d not in _BYDAY for d in days)
        ):
            issues.append(
                RowProblem(
                    row,
                    rid,
                    "schedules",
                    f"schedule {what}: needs byday, opens_at and closes_at; ignored",
                )
            )
            continue
        out.update(Session(_BYDAY[d], start, end) for d in days)
    return tuple(sorted(out))


def _access(items: list[dict[str, Any]], rid: str, row: int, issues: list[RowProblem]) -> list[str]:
    codes: list[str] = []
    for a in items:
        text = " ".join(str(a.get(k) or "") for k in ("description", "details")).lower()
        found = [code for pat, code in _ACCESS_PATTERNS if pat.search(text)]
        if not found and text.strip():
            issues.append(
                RowProblem(row, rid, "accessibility", f"no known feature in {text[:60]!r}")
            )
        codes.extend(found)
    return list(dict.fromkeys(codes))


def _terms(attrs: list[dict[str, Any]]) -> tuple[str | None, list[str], list[str]]:
    """(exact rxmatch category, other term names, rxmatch tags)."""
    exact = None
    names: list[str] = []
    tags: list[str] = []
    for a in attrs or []:
        term = a.get("taxonomy_term") or {}
        taxonomy = str(term.get("taxonomy") or "")
        if taxonomy == RXMATCH_TAXONOMY and term.get("code"):
            exact = str(term["code"])
        elif taxonomy == RXMATCH_TAG_TAXONOMY and term.get("name"):
            tags.append(str(term["name"]))
        elif term.get("name"):
            names.append(str(term["name"]))
        elif a.get("value"):
            names.append(str(a["value"]))
    return exact, names, tags


def _service_rows(
    s: dict[str, Any], sid: str, start: int
) -> tuple[list[dict[str, Any]], list[RowProblem], int, RowProblem | None]:
    """The records of one HSDS service (one per service_at_location, or one online)."""
    sals = [x for x in s.get("service_at_locations") or [] if isinstance(x, dict)]
    n_sal = len(sals)
    if not sals:
        schedules = [x for x in s.get("schedules") or [] if isinstance(x, dict)]
        text = " ".join(
            str(x or "")
            for x in (
                s.get("description"),
                s.get("url"),
                *[sch.get("attending_type") for sch in schedules],
            )
        ).lower()
        if _ONLINE_WORDS.search(text) or s.get("url"):
            sals = [{"id": None, "location": {"location_type": "virtual"}, "online_only": True}]
        else:
            return (
                [],
                [],
                n_sal,
                RowProblem(-1, sid, "service_at_locations", "no location and no online delivery"),
            )
    rows: list[dict[str, Any]] = []
    issues: list[RowProblem] = []
    for sal in sals:
        rid = sid if len(sals) == 1 else f"{sid}/{sal.get('id')}"
        row, row_issues = _row(start + len(rows), rid, s, sal)
        issues.extend(row_issues)
        rows.append(row)
    return rows, issues, n_sal, None


@overload
def read_hsds(
    path: str | os.PathLike[str], *, return_report: Literal[False] = ..., strict: bool = ...
) -> Directory: ...
@overload
def read_hsds(
    path: str | os.PathLike[str], *, return_report: Literal[True], strict: bool = ...
) -> tuple[Directory, ImportReport]: ...
def read_hsds(
    path: str | os.PathLike[str], *, return_report: bool = False, strict: bool = False
) -> Directory | tuple[Directory, ImportReport]:
    """Read HSDS 3.0 data (CSV datapackage folder or JSON) into a :class:`Directory`.

    One record per ``service_at_location`` (id ``<service id>`` when the service has one
    location, ``<service id>/<service_at_location id>`` otherwise). A service with no
    location becomes an online record when its location is ``virtual`` or its text or
    schedules speak of online, phone or video delivery; otherwise it is skipped and
    reported. Weekly schedules (``freq`` WEEKLY or empty, ``byday``, ``opens_at``,
    ``closes_at``) become sessions; other schedules are field issues. ``minimum_age``/
    ``maximum_age``, languages, accessibility (matched from its description), cost
    options (amount 0 or "free" → free), ``assured_date`` (else ``last_modified``) →
    ``last_verified``, and taxonomy terms (mapped onto rxmatch's categories; terms of the
    ``rxmatch`` taxonomy, written by :func:`to_hsds`, are read back exactly).

    Raises
    ------
    DatasetNotFoundError : ``path`` does not exist or holds no services.
    """
    p = Path(path)
    if not p.exists():
        raise DatasetNotFoundError(f"HSDS data not found: {p}")
    services = _load_services(p)
    rows: list[dict[str, Any]] = []
    skipped: list[RowProblem] = []
    issues: list[RowProblem] = []
    n_sal = 0
    for pos, s in enumerate(services):
        if not isinstance(s, dict):
            skipped.append(RowProblem(-1, None, "*", f"entry {pos} is not a JSON object"))
            continue
        try:
            sid = str(s.get("id") or "")
        except Exception:  # noqa: BLE001 - an id whose str() fails
            sid = ""
        if not sid:
            skipped.append(RowProblem(-1, None, "id", "service without id"))
            continue
        try:
            new_rows, new_issues, n_new, problem = _service_rows(s, sid, len(rows))
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            skipped.append(
                RowProblem(-1, sid, "*", f"malformed HSDS service ({type(exc).__name__})")
            )
            continue
        n_sal += n_new
        if problem is not None:
            skipped.append(problem)
            continue
        issues.extend(new_issues)
        rows.extend(new_rows)
    if not rows:
        raise DatasetNotFoundError(f"no usable HSDS services in {p} ({len(skipped)} skipped)")
    directory = build_directory(
        rows, source=f"hsds:{p.name}", skipped=skipped, issues=issues, strict=strict
    )
    if not return_report:
        return directory
    cats: dict[str, int] = defaultdict(int)
    for r in rows:
        cats[r["category"] or "(none)"] += 1
    report = ImportReport(
        source=f"hsds:{p.name}",
        n_source_records=len(services),
        n_records=len(rows),
        category_counts=dict(cats),
        counts={
            "services": len(services),
            "service_at_locations": n_sal,
            "online records": sum(bool(r["online"]) for r in rows),
            "records with sessions": sum(bool(r["schedule"]) for r in rows),
        },
    )
    return directory, report


def _row(
    row_no: int, rid: str, s: dict[str, Any], sal: dict[str, Any]
) -> tuple[dict[str, Any], list[RowProblem]]:
    issues: list[RowProblem] = []
    loc = sal.get("location") or {}
    online = str(loc.get("location_type") or "").lower() == "virtual"
    addrs = loc.get("addresses") or []
    addr = next(
        (a for a in addrs if a.get("address_type") == "physical"), addrs[0] if addrs else {}
    )
    schedules = (
        list(sal.get("schedules") or [])
        or list(s.get("schedules") or [])
        or list(loc.get("schedules") or [])
    )
    sessions = _sessions(schedules, rid, row_no, issues)
    langs = [
        x.get("name") or x.get("code")
        for x in (s.get("languages") or []) + (loc.get("languages") or [])
    ]
    costs = s.get("cost_options") or []
    free: bool | None = None
    cost_text = []
    for c in costs:
        amount = _num(c.get("amount"))
        label = " ".join(str(c.get(k) or "") for k in ("option", "amount_description")).strip()
        if amount == 0 or re.search(r"\bfree\b", label.lower()):
            free = True
        elif amount is not None and free is None:
            free = False
        cost_text.append(
            " ".join(
                x
                for x in (
                    f"{amount:g} {str(c.get('currency') or '').upper()}".strip()
                    if amount is not None
                    else "",
                    label,
                )
                if x
            )
        )
    fees = s.get("fees_description") or s.get("fees")
    if free is None:
        free = fees_to_free(fees)
    exact, term_names, tags = _terms(
        [
            *(s.get("attributes") or []),
            *(sal.get("attributes") or []),
            *(loc.get("attributes") or []),
        ]
    )
    category = exact or categorize(None, term_names)[0]
    parts = [str(s.get("description") or "").strip()]
    if sal.get("description") and str(sal["description"]).strip() not in parts[0]:
        parts.append(str(sal["description"]).strip())
    if s.get("eligibility_description"):
        parts.append(f"Eligibility: {str(s['eligibility_description']).strip()}")
    org = s.get("organization") or {}
    phones = [
        x.get("number")
        for x in (s.get("phones") or []) + (loc.get("phones") or [])
        if x.get("number")
    ]
    assured = s.get("assured_date") or (str(s.get("last_modified") or "")[:10] or None)
    lat, lon = (None, None) if online else (loc.get("latitude"), loc.get("longitude"))
    for a in s.get("attributes") or []:
        if not (a.get("taxonomy_term") or {}).get("name") and not a.get("value"):
            issues.append(
                RowProblem(row_no, rid, "attributes", f"attribute {a.get('id')} has no term")
            )
    row = {
        "id": rid,
        "name": s.get("name") or loc.get("name"),
        "description": " ".join(x for x in parts if x) or s.get("name"),
        "category": category,
        "tags": ";".join(dict.fromkeys(x.lower().replace(";", ",") for x in [*tags, *term_names])),
        "address": addr.get("address_1"),
        "city": addr.get("city"),
        "postal_code": addr.get("postal_code") if not online else None,
        "lat": lat,
        "lon": lon,
        "online": online,
        "phone": phones[0] if phones else None,
        "url": s.get("url") or loc.get("url") or org.get("website"),
        "schedule": format_sessions(sessions) if sessions else None,
        "free": free,
        "cost": "; ".join(x for x in cost_text if x) or fees,
        "min_age": _num(s.get("minimum_age")),
        "max_age": _num(s.get("maximum_age")),
        "languages": ";".join(x for x in langs if x),
        "accessibility": ";".join(_access(loc.get("accessibility") or [], rid, row_no, issues)),
        "last_verified": assured,
        "source": "hsds" + (f":{org.get('name')}" if org.get("name") else ""),
    }
    if online and not row["url"]:
        issues.append(RowProblem(row_no, rid, "url", "online service without a url"))
    return row, issues
