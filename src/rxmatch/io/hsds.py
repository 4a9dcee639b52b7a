"""Read Open Referral HSDS (Human Services Data Specification) 1.1, 2.0 and 3.0 into a
Directory.

Two inputs are accepted: a datapackage folder of CSV tables (``datapackage.json`` at its
root or in ``data/`` is followed to the files; without one, the CSVs at the root or in
``data/``), or HSDS 3.0 JSON: one ``service`` object, a list of them, or an API page with
``contents``. 3.0 tables: ``services``, ``organizations``, ``locations``,
``service_at_location``, ``schedules``, ``languages``, ``accessibility``, ``cost_options``,
``addresses``, ``phones``, ``attributes``, ``taxonomy_terms``, ``service_areas`` (whichever
exist). 1.1/2.0 tables (``services_at_location``, ``physical_addresses``,
``postal_addresses``, ``services_taxonomy`` + ``taxonomy``, ``service_attributes`` +
``taxonomy_terms``, ``regular_schedules``, ``eligibility``,
``accessibility_for_disabilities``) are first turned into the 3.0 tables
(:mod:`rxmatch.io.hsds_legacy`). CSV tables are then assembled into the nested JSON shape,
so all inputs map the same way.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal, overload

from ..directory import Directory, RowProblem
from ..exceptions import DatasetNotFoundError, DirectoryValidationError
from ..features.schedule import Session, format_sessions
from ._build import build_directory
from ._categories import categorize_broad
from ._fields import fees_to_free, parse_age_limits
from ._report import ImportReport
from .hsds_legacy import find_package, read_tables, upgrade_tables
from .ohana import OHANA_ACCESSIBILITY

__all__ = ["read_hsds", "hsds_services_from_csv", "detect_hsds_version", "RXMATCH_TAXONOMY"]

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
_ONLINE_WORDS = re.compile(r"\bonline\b|virtual|remote|video|by (?:tele)?phone|telephone")


def _num(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def hsds_services_from_csv(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Assemble HSDS CSV tables (any version, 1.1-3.0) into nested ``service`` objects
    (the HSDS 3.0 API shape). ``folder`` holds ``datapackage.json`` (its resource paths
    are followed) or the CSV files (at its root or in ``data/``)."""
    return _services_from_package(Path(folder))[0]


def _services_from_package(path: Path) -> tuple[list[dict[str, Any]], str, list[RowProblem]]:
    """(nested services, HSDS version, problems found while reading the tables)."""
    pkg = find_package(path)
    problems = list(pkg.problems)
    tables = read_tables(pkg, problems)
    if pkg.version != "3.0":
        tables = upgrade_tables(tables, problems)
    if not tables.get("services"):
        raise DatasetNotFoundError(f"no services.csv (or service.csv) with rows in {path}")
    return _assemble(tables, problems), pkg.version, problems


def _assemble(
    t: dict[str, list[dict[str, Any]]], problems: list[RowProblem]
) -> list[dict[str, Any]]:
    for key in (
        "services", "organizations", "locations", "service_at_location", "schedules",
        "languages", "accessibility", "cost_options", "addresses", "phones", "attributes",
        "taxonomy_terms", "service_areas",
    ):  # fmt: skip
        t.setdefault(key, [])

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
    for r in t["services"]:
        r["minimum_age"], r["maximum_age"] = _num(r.get("minimum_age")), _num(r.get("maximum_age"))
    terms = {r["id"]: r for r in t["taxonomy_terms"] if r.get("id")}
    for term in terms.values():  # names of the broader terms, for the category
        chain: list[str] = []
        seen = {term.get("id")}
        parent_name = term.get("parent_name")
        parent = terms.get(term.get("parent_id"))
        while parent is not None and parent.get("id") not in seen and len(chain) < 10:
            seen.add(parent.get("id"))
            if parent.get("name"):
                chain.append(str(parent["name"]))
            parent = terms.get(parent.get("parent_id"))
        if parent_name and parent_name not in chain:
            chain.insert(0, str(parent_name))
        term["ancestors"] = chain
    orgs = {r["id"]: r for r in t["organizations"] if r.get("id")}
    locs = {r["id"]: r for r in t["locations"] if r.get("id")}
    attrs = by("attributes", "link_id")
    for a in t["attributes"]:
        if a.get("taxonomy_term_id") and a["taxonomy_term_id"] not in terms and a.get("link_id"):
            problems.append(
                RowProblem(
                    -1,
                    a.get("link_id"),
                    "taxonomy",
                    f"taxonomy link row {a.get('_line')}: term {a['taxonomy_term_id']!r} "
                    "not in the taxonomy table",
                )
            )
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
        sid = s.get("id")
        sal_rows = list(sal_svc.get(sid, [])) if sid else []
        if not sal_rows and s.get("location_id"):  # older exports: services.location_id
            sal_rows = [{"id": None, "service_id": sid, "location_id": s["location_id"]}]
        sals = []
        for sal in sal_rows:
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
                    "schedules": sched_sal.get(sal.get("id"), []) if sal.get("id") else [],
                    "attributes": with_terms(attrs.get(sal.get("id"), [])) if sal.get("id") else [],
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


def _load_services(path: Path) -> tuple[list[dict[str, Any]], str, list[RowProblem]]:
    if path.is_dir() or path.name.lower() == "datapackage.json":
        return _services_from_package(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DirectoryValidationError(
            f"{path.name} is not UTF-8 text: {exc.reason}", field="*"
        ) from None
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise DirectoryValidationError(
            f"{path.name} is not valid JSON ({type(exc).__name__})", field="*"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return list(data["contents"]), "3.0", []
    if isinstance(data, dict):
        return [data], "3.0", []
    if isinstance(data, list):
        return list(data), "3.0", []
    raise DatasetNotFoundError(f"{path} holds neither HSDS service objects nor a page of them")


def detect_hsds_version(path: str | os.PathLike[str]) -> str:
    """The HSDS version of a datapackage folder: ``"1.1"``, ``"2.0"`` or ``"3.0"`` (read
    from the tables present, else the datapackage's ``version``). JSON files are 3.0."""
    p = Path(path)
    if p.is_dir() or p.name.lower() == "datapackage.json":
        return find_package(p).version
    return "3.0"


def _hhmm(v: Any) -> int | None:
    """Minutes after midnight of ``"09:00"``, ``"09:00:00"``, ``"9:00 PM"``, ``"5pm"``."""
    if not v:
        return None
    m = re.match(
        r"^\s{0,8}(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s{0,3}([ap])?\.?m?\.?\s{0,8}$",
        str(v)[:40],
        re.I,
    )
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if m.group(3).lower() == "p" else 0)
    if h > 24 or mi > 59 or (h == 24 and mi):
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
        code = str(a.get("description") or "").strip().lower()
        found = [OHANA_ACCESSIBILITY[code]] if code in OHANA_ACCESSIBILITY else []
        found += [c for pat, c in _ACCESS_PATTERNS if pat.search(text) and c not in found]
        if not found and text.strip():
            issues.append(
                RowProblem(row, rid, "accessibility", f"no known feature in {text[:60]!r}")
            )
        codes.extend(found)
    return list(dict.fromkeys(codes))


def _terms(attrs: list[dict[str, Any]]) -> tuple[str | None, list[str], list[str], list[str]]:
    """(exact rxmatch category, other term names, rxmatch tags, broader term names)."""
    exact = None
    names: list[str] = []
    tags: list[str] = []
    broader: list[str] = []
    for a in attrs or []:
        term = a.get("taxonomy_term") or {}
        taxonomy = str(term.get("taxonomy") or "")
        if taxonomy == RXMATCH_TAXONOMY and term.get("code"):
            exact = str(term["code"])
        elif taxonomy == RXMATCH_TAG_TAXONOMY and term.get("name"):
            tags.append(str(term["name"]))
        elif term.get("name"):
            names.append(str(term["name"]))
            broader.extend(str(x) for x in term.get("ancestors") or [])
        elif a.get("value"):
            names.append(str(a["value"]))
    return exact, names, tags, broader


def _service_rows(
    s: dict[str, Any], sid: str, start: int, legacy: bool = False
) -> tuple[list[dict[str, Any]], list[RowProblem], int, list[RowProblem]]:
    """The records of one HSDS service (one per service_at_location, or one online) and
    the problems of the ones skipped."""
    all_sals = [x for x in s.get("service_at_locations") or [] if isinstance(x, dict)]
    n_sal = len(all_sals)
    skipped: list[RowProblem] = []
    sals = []
    for sal in all_sals:
        if sal.get("location") is None and sal.get("location_id") is not None:
            rid = sid if n_sal == 1 else f"{sid}/{sal.get('id') or sal.get('location_id')}"
            where = f"service_at_location row {sal['_line']}: " if sal.get("_line") else ""
            skipped.append(
                RowProblem(
                    -1,
                    rid,
                    "location_id",
                    f"{where}location {sal['location_id']!r} not found; not placed (and not "
                    "treated as online)",
                )
            )
        else:
            sals.append(sal)
    issues: list[RowProblem] = []
    if not sals and not all_sals:
        schedules = [x for x in s.get("schedules") or [] if isinstance(x, dict)]
        text = " ".join(
            str(x or "")
            for x in (
                s.get("name"),
                s.get("description"),
                *[sch.get("attending_type") for sch in schedules],
            )
        ).lower()
        said = _ONLINE_WORDS.search(text)
        if said:
            sals = [{"id": None, "location": {"location_type": "virtual"}, "online_only": True}]
            issues.append(
                RowProblem(
                    start,
                    sid,
                    "service_at_locations",
                    f"no location; kept as online because its text says {said.group(0)!r}",
                )
            )
        else:
            why = "no location linked, no address and nothing says it is delivered online"
            if s.get("url"):
                why += " (a url alone does not make a service online)"
            return [], [], n_sal, [RowProblem(-1, sid, "service_at_locations", why)]
    rows: list[dict[str, Any]] = []
    for sal in sals:
        if len(all_sals) <= 1:
            rid = sid
        else:
            rid = f"{sid}/{sal.get('id') or (sal.get('location') or {}).get('id')}"
        row, row_issues = _row(start + len(rows), rid, s, sal, legacy=legacy)
        issues.extend(row_issues)
        rows.append(row)
    return rows, issues, n_sal, skipped


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
    """Read HSDS 1.1, 2.0 or 3.0 data (a CSV datapackage folder, its ``datapackage.json``,
    or HSDS 3.0 JSON) into a :class:`Directory`.

    The folder's ``datapackage.json`` (at its root or in ``data/``) is followed to the
    CSV files (resource paths that leave the folder are refused); without one, the CSVs
    at the root or in ``data/`` are read. The version is read from the tables present
    (see :func:`detect_hsds_version`); 1.1/2.0 tables (``services_at_location``,
    ``physical_addresses``, ``services_taxonomy`` + ``taxonomy``, ``service_attributes``
    + ``taxonomy_terms``, ``regular_schedules``, ``eligibility``,
    ``accessibility_for_disabilities``, ``languages``) are mapped like their 3.0 forms.

    One record per ``service_at_location`` (id ``<service id>`` when the service has one
    location, ``<service id>/<service_at_location id>`` otherwise). Place: the location's
    latitude/longitude when valid, else its physical (then postal) address's ZIP centroid
    (a field issue). A service_at_location whose location does not exist is skipped and
    reported, never made online. A service with no location becomes an online record only
    when its location is ``virtual`` or its text or schedules speak of online, phone or
    video delivery (a field issue says so); otherwise it is skipped and reported. Weekly
    schedules (``freq`` WEEKLY or empty, ``byday``, ``opens_at``, ``closes_at``; 1.1
    ``weekday``) become sessions; other schedules are field issues. ``minimum_age``/
    ``maximum_age`` (else ages stated in the eligibility text), languages, accessibility,
    cost options (amount 0 or "free" → free), ``assured_date`` (else ``last_modified``) →
    ``last_verified``, and taxonomy terms (tags; mapped onto rxmatch's categories, using
    the broader terms when the term itself does not map; terms of the ``rxmatch``
    taxonomy, written by :func:`to_hsds`, are read back exactly). For 1.1/2.0 data the
    name adds the organisation's name when it differs and the description adds "Run by
    <organisation>." and the eligibility text.

    Raises
    ------
    DatasetNotFoundError
        ``path`` does not exist or holds no services.
    DirectoryValidationError
        unreadable JSON, a services table without ``id`` column,
        a datapackage resource path leaving the folder.
    """
    p = Path(path)
    if not p.exists():
        raise DatasetNotFoundError(f"HSDS data not found: {p}")
    services, version, table_problems = _load_services(p)
    legacy = version != "3.0"
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
            where = f" (services row {s['_line']})" if s.get("_line") else ""
            skipped.append(RowProblem(-1, None, "id", f"service without id{where}"))
            continue
        try:
            new_rows, new_issues, n_new, problems = _service_rows(s, sid, len(rows), legacy)
        except (AttributeError, TypeError, ValueError, KeyError, OverflowError) as exc:
            skipped.append(
                RowProblem(-1, sid, "*", f"malformed HSDS service ({type(exc).__name__})")
            )
            continue
        n_sal += n_new
        skipped.extend(problems)
        issues.extend(new_issues)
        rows.extend(new_rows)
    # problems of whole tables and of rows that belong to no record
    skipped = [*table_problems, *skipped]
    source = f"hsds:{p.name}" if not legacy else f"hsds-{version}:{p.name}"
    if not rows:
        detail = "; ".join(str(x) for x in skipped[:3])
        raise DatasetNotFoundError(
            f"no usable HSDS services in {p} ({len(skipped)} skipped{': ' if detail else ''}"
            f"{detail[:300]})"
        )
    directory = build_directory(rows, source=source, skipped=skipped, issues=issues, strict=strict)
    if not return_report:
        return directory
    cats: dict[str, int] = defaultdict(int)
    for r in rows:
        cats[r["category"] or "(none)"] += 1
    report = ImportReport(
        source=source,
        n_source_records=len(services),
        n_records=len(rows),
        category_counts=dict(cats),
        counts={
            "services": len(services),
            "service_at_locations": n_sal,
            "online records": sum(bool(r["online"]) for r in rows),
            "records with coordinates": sum(r["lat"] is not None for r in rows),
            "records placed at ZIP centroid": sum(
                r["lat"] is None and bool(r["postal_code"]) and not r["online"] for r in rows
            ),
            "records with sessions": sum(bool(r["schedule"]) for r in rows),
        },
    )
    return directory, report


def _coords(loc: dict[str, Any]) -> tuple[float | None, float | None, bool]:
    """(lat, lon, given-but-invalid)."""
    raw_lat, raw_lon = loc.get("latitude"), loc.get("longitude")
    if raw_lat in (None, "") and raw_lon in (None, ""):
        return None, None, False
    lat, lon = _num(raw_lat), _num(raw_lon)
    if (
        lat is None
        or lon is None
        or not -90 <= lat <= 90
        or not -180 <= lon <= 180
        or (lat == 0 and lon == 0)
    ):
        return None, None, True
    return lat, lon, False


def _zip(v: Any) -> str | None:
    s = str(v or "").strip()
    m = re.match(r"^(\d{5})(?:-?\d{4})?$", s)
    return m.group(1) if m else (s or None)


def _clean(v: Any) -> str:
    return re.sub(r"\s+", " ", str(v)).strip() if v else ""


def _row(
    row_no: int, rid: str, s: dict[str, Any], sal: dict[str, Any], legacy: bool = False
) -> tuple[dict[str, Any], list[RowProblem]]:
    issues: list[RowProblem] = []
    loc = sal.get("location") or {}
    online = str(loc.get("location_type") or "").lower() == "virtual"
    addrs = [a for a in loc.get("addresses") or [] if isinstance(a, dict)]
    physical = [a for a in addrs if str(a.get("address_type") or "physical") == "physical"]
    postal = [a for a in addrs if a.get("address_type") == "postal"]
    addr = next(iter(physical), addrs[0] if addrs else {})
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
    exact, term_names, tags, broader = _terms(
        [
            *(s.get("attributes") or []),
            *(sal.get("attributes") or []),
            *(loc.get("attributes") or []),
        ]
    )
    kw = s.get("keywords")
    kw = re.split(r"[;,|]", kw) if isinstance(kw, str) else kw if isinstance(kw, list) else []
    keywords = [k.strip() for k in kw if isinstance(k, str) and k.strip()]
    category = exact or categorize_broad([*term_names, *keywords], broader)
    org = s.get("organization") or {}
    org_name = _clean(org.get("name"))
    name = _clean(s.get("name")) or _clean(loc.get("name"))
    if legacy:
        if not name:
            name = org_name
        elif org_name and org_name.lower() not in name.lower():
            name = f"{name} ({org_name})"
    elig = _clean(s.get("eligibility_description"))
    parts = [str(s.get("description") or "").strip()]
    if legacy and not parts[0] and org.get("description"):
        parts[0] = _clean(org["description"])
    if sal.get("description") and str(sal["description"]).strip() not in parts[0]:
        parts.append(str(sal["description"]).strip())
    if legacy and org_name:
        parts.append(f"Run by {org_name}.")
    if legacy and _clean(s.get("audience")):
        parts.append(f"Audience: {_clean(s['audience'])}.")
    if elig:
        parts.append(f"Eligibility: {elig}")
    phones = [
        x.get("number")
        for x in (s.get("phones") or []) + (loc.get("phones") or [])
        if x.get("number")
    ]
    assured = s.get("assured_date") or (str(s.get("last_modified") or "")[:10] or None)
    lat = lon = None
    postal_code = None
    if not online:
        lat, lon, bad = _coords(loc)
        zip_ok = bool(re.fullmatch(r"\d{5}", _zip(addr.get("postal_code")) or ""))
        zero = _num(loc.get("latitude")) == 0 and _num(loc.get("longitude")) == 0
        if bad and not zip_ok and not zero:
            # nothing to fall back on: the Directory rejects the coordinates and says why
            lat, lon = loc.get("latitude"), loc.get("longitude")
        elif bad:
            issues.append(
                RowProblem(
                    row_no,
                    rid,
                    "location",
                    "latitude/longitude invalid; placed at its ZIP code's centroid"
                    if zip_ok
                    else "latitude/longitude invalid; ignored",
                )
            )
        postal_code = _zip(addr.get("postal_code"))
        if lat is None and postal_code is None and postal and _zip(postal[0].get("postal_code")):
            postal_code = _zip(postal[0].get("postal_code"))
            issues.append(
                RowProblem(
                    row_no,
                    rid,
                    "location",
                    "no coordinates or physical ZIP; placed at the postal-address ZIP centroid",
                )
            )
        elif lat is None and not bad and postal_code is not None:
            issues.append(
                RowProblem(
                    row_no, rid, "location", "no coordinates; placed at its ZIP code's centroid"
                )
            )
    min_age, max_age = _num(s.get("minimum_age")), _num(s.get("maximum_age"))
    if min_age is None and max_age is None and (elig or s.get("audience")):
        min_age, max_age = parse_age_limits(
            " . ".join(x for x in (_clean(s.get("audience")), elig) if x)
        )
    for a in s.get("attributes") or []:
        if not (a.get("taxonomy_term") or {}).get("name") and not a.get("value"):
            issues.append(
                RowProblem(row_no, rid, "attributes", f"attribute {a.get('id')} has no term")
            )
    row = {
        "id": rid,
        "name": name,
        "description": " ".join(x for x in parts if x) or name,
        "category": category,
        "tags": ";".join(
            dict.fromkeys(x.lower().replace(";", ",") for x in [*tags, *term_names, *keywords])
        ),
        "address": addr.get("address_1"),
        "city": addr.get("city"),
        "postal_code": postal_code,
        "lat": lat,
        "lon": lon,
        "online": online,
        "phone": phones[0] if phones else None,
        "url": s.get("url") or loc.get("url") or org.get("website") or org.get("url"),
        "schedule": format_sessions(sessions) if sessions else None,
        "free": free,
        "cost": "; ".join(x for x in cost_text if x) or fees,
        "min_age": min_age,
        "max_age": max_age,
        "languages": ";".join(x for x in langs if x),
        "accessibility": ";".join(_access(loc.get("accessibility") or [], rid, row_no, issues)),
        "last_verified": assured,
        "source": "hsds" + (f":{org.get('name')}" if org.get("name") else ""),
    }
    if online and not row["url"]:
        issues.append(RowProblem(row_no, rid, "url", "online service without a url"))
    return row, issues
