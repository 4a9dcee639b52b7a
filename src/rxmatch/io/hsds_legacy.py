"""Find and read the CSV tables of an HSDS datapackage of any version (1.1, 2.0, 3.0), and
turn HSDS 1.1/2.0 tables into the HSDS 3.0 table shape that :mod:`rxmatch.io.hsds` maps.

* **Finding tables.** ``datapackage.json`` (at the folder root, or in ``data/``) lists
  resources whose ``path`` is relative to the file; paths that leave the folder (absolute,
  ``..``, symlinks out) are refused with :class:`DirectoryValidationError`, remote (URL)
  resources are reported and not read. Without a ``datapackage.json`` the CSVs at the root
  (else in ``data/``) are used. Table names are matched by resource name or file name, in
  the singular or plural spellings the HSDS versions use.
* **Version.** Read from the tables present (1.1: ``services_taxonomy``, ``taxonomy``,
  ``regular_schedules``, ``holiday_schedules``; 2.0: ``service_attributes``,
  ``physical_addresses``, ``accessibility_for_disabilities``, ... ; 3.0: ``attributes``,
  ``addresses``, ``accessibility``, ``cost_options``, ...); the datapackage ``version`` only
  decides when the tables do not.
* **Upgrading 1.1/2.0.** ``physical_addresses``/``postal_addresses`` → ``addresses``;
  ``services_taxonomy``/``service_attributes``/``other_attributes`` → ``attributes``;
  ``taxonomy``/``taxonomy_terms`` (``name`` or ``term``) → ``taxonomy_terms``;
  ``regular_schedules`` (``weekday``, ``opens_at``, ``closes_at``) → weekly ``schedules``;
  ``accessibility_for_disabilities`` → ``accessibility``; ``eligibility`` rows → the
  service's ``eligibility_description``; ``language`` → ``name``.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..directory import RowProblem
from ..exceptions import DatasetNotFoundError, DirectoryValidationError

__all__ = ["HsdsPackage", "find_package", "detect_version", "upgrade_tables", "TABLE_ALIASES"]

#: Canonical table key → the resource/file names (without ``.csv``) it is found under.
TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "services": ("services", "service"),
    "organizations": ("organizations", "organization"),
    "locations": ("locations", "location"),
    "service_at_location": (
        "service_at_location",
        "service_at_locations",
        "services_at_location",
        "services_at_locations",
    ),
    "schedules": ("schedules", "schedule"),
    "regular_schedules": ("regular_schedules", "regular_schedule"),
    "holiday_schedules": ("holiday_schedules", "holiday_schedule"),
    "languages": ("languages", "language"),
    "accessibility": ("accessibility", "accessibilities"),
    "accessibility_for_disabilities": (
        "accessibility_for_disabilities",
        "accessibility_for_disability",
    ),
    "cost_options": ("cost_options", "cost_option"),
    "addresses": ("addresses", "address"),
    "physical_addresses": ("physical_addresses", "physical_address"),
    "postal_addresses": ("postal_addresses", "postal_address"),
    "phones": ("phones", "phone"),
    "attributes": ("attributes", "attribute"),
    "service_attributes": ("service_attributes", "service_attribute"),
    "other_attributes": ("other_attributes", "other_attribute"),
    "services_taxonomy": ("services_taxonomy", "service_taxonomy", "services_taxonomies"),
    "taxonomy_terms": ("taxonomy_terms", "taxonomy_term"),
    "taxonomy": ("taxonomy", "taxonomies"),
    "eligibility": ("eligibility", "eligibilities"),
    "service_areas": ("service_areas", "service_area"),
}
_KEY_OF = {alias: key for key, aliases in TABLE_ALIASES.items() for alias in aliases}

_MARKERS_11 = {"services_taxonomy", "regular_schedules", "holiday_schedules"}
_MARKERS_20 = {
    "service_attributes",
    "other_attributes",
    "physical_addresses",
    "postal_addresses",
    "accessibility_for_disabilities",
    "eligibility",
}
_MARKERS_30 = {"attributes", "addresses", "accessibility", "cost_options"}

#: Tables whose ``id`` other tables refer to (a table without an ``id`` column is ignored).
NEEDS_ID = {
    "services": "services",
    "organizations": "organizations",
    "locations": "locations",
    "taxonomy_terms": "taxonomy terms",
    "taxonomy": "taxonomy terms",
}


@dataclass
class HsdsPackage:
    """The CSV tables of one HSDS folder: ``files`` maps a canonical table key (see
    :data:`TABLE_ALIASES`) to its file; ``version`` is ``"1.1"``, ``"2.0"`` or ``"3.0"``."""

    root: Path
    files: dict[str, Path]
    version: str
    declared_version: str | None = None
    problems: list[RowProblem] = field(default_factory=list)


def _inside(root: Path, rel: str) -> Path:
    p = Path(rel)
    if p.is_absolute() or re.match(r"^[A-Za-z]:|^[\\/]", rel):
        raise DirectoryValidationError(
            f"datapackage.json resource path {rel!r} leaves the data folder; refused",
            field="path",
        )
    full = (root / p).resolve()
    if not full.is_relative_to(root.resolve()):
        raise DirectoryValidationError(
            f"datapackage.json resource path {rel!r} leaves the data folder; refused",
            field="path",
        )
    return full


def _key(*names: str) -> str | None:
    for n in names:
        k = _KEY_OF.get(re.sub(r"[\s-]+", "_", n.strip().lower()))
        if k:
            return k
    return None


def detect_version(keys: set[str], declared: str | None = None) -> str:
    """``"1.1"``, ``"2.0"`` or ``"3.0"`` from the table keys present (and, when they do
    not decide, the datapackage's ``version``)."""
    m = re.match(r"^\s*v?([123])(?:\.(\d+))?", str(declared or ""))
    declared_v = None
    if m:
        declared_v = {"1": "1.1", "2": "2.0", "3": "3.0"}[m.group(1)]
    n11 = len(keys & _MARKERS_11) + (
        "taxonomy" in keys and "taxonomy_terms" not in keys and "attributes" not in keys
    )
    n20 = len(keys & _MARKERS_20)
    n30 = len(keys & _MARKERS_30)
    if n11 + n20 > n30:
        if n11:
            return "1.1"
        return "2.0"
    if n30 > n11 + n20:
        return "3.0"
    return declared_v or "3.0"


def find_package(path: Path) -> HsdsPackage:
    """The tables of the HSDS folder ``path`` (or of the ``datapackage.json`` it names)."""
    problems: list[RowProblem] = []
    if path.is_file() and path.name.lower().endswith(".json"):
        dp_file: Path | None = path
    else:
        dp_file = next(
            (
                p
                for p in (path / "datapackage.json", path / "data" / "datapackage.json")
                if p.is_file()
            ),
            None,
        )
    files: dict[str, Path] = {}
    declared = None
    if dp_file is not None:
        root = dp_file.parent
        try:
            dp = json.loads(dp_file.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise DirectoryValidationError(
                f"datapackage.json is not valid JSON ({type(exc).__name__})", field="*"
            ) from None
        if not isinstance(dp, dict) or not isinstance(dp.get("resources"), list):
            raise DirectoryValidationError("datapackage.json has no resources list", field="*")
        declared = str(dp["version"]) if isinstance(dp.get("version"), (str, int, float)) else None
        for i, res in enumerate(dp["resources"]):
            if not isinstance(res, dict):
                problems.append(
                    RowProblem(-1, None, "datapackage", f"resource {i} is not an object")
                )
                continue
            rel = res.get("path")
            if isinstance(rel, list) and len(rel) == 1:
                rel = rel[0]
            if not isinstance(rel, str) or not rel.strip():
                problems.append(
                    RowProblem(-1, None, "datapackage", f"resource {i} has no single file path")
                )
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*://", rel, re.I):
                problems.append(
                    RowProblem(
                        -1, None, "datapackage", f"resource {i} is remote ({rel[:80]}); not read"
                    )
                )
                continue
            full = _inside(root, rel)
            key = _key(str(res.get("name") or ""), Path(rel).stem)
            if key is None:
                continue
            if not full.is_file():
                problems.append(
                    RowProblem(-1, None, "datapackage", f"resource {rel!r} not found; not read")
                )
                continue
            files.setdefault(key, full)
        if "services" not in files:
            # exporters that list only some resources: fall back to the CSVs beside it
            for folder in (root, root / "data"):
                for p in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
                    k = _key(p.stem)
                    if k and k not in files:
                        files[k] = p
    else:
        root = path
        for folder in (path, path / "data"):
            found = {k: p for p in sorted(folder.glob("*.csv")) if (k := _key(p.stem)) is not None}
            if "services" in found:
                files = found
                root = folder
                break
    if "services" not in files:
        raise DatasetNotFoundError(f"no services table (services.csv or service.csv) in {path}")
    version = detect_version(set(files), declared)
    if version in ("1.1", "2.0") and "taxonomy" in files and "taxonomy_terms" not in files:
        files["taxonomy_terms"] = files.pop("taxonomy")
    return HsdsPackage(root, files, version, declared, problems)


_csv_limit_raised = False


def read_csv(path: Path, problems: list[RowProblem]) -> list[dict[str, Any]]:
    """Rows of a CSV file (empty cells → ``None``; ``_line``: its 1-based line number).

    Text that is not UTF-8 is read as Windows-1252 and reported."""
    global _csv_limit_raised
    if not _csv_limit_raised:
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        _csv_limit_raised = True
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        problems.append(
            RowProblem(-1, None, path.name, "not UTF-8 text; read as Windows-1252 (cp1252)")
        )
    reader = csv.DictReader(text.splitlines(keepends=True))
    out = []
    try:
        for n, row in enumerate(reader):
            r = {
                str(k).strip().lower(): (v.strip() if isinstance(v, str) and v.strip() else None)
                for k, v in row.items()
                if k is not None
            }
            r["_line"] = n + 2
            out.append(r)
    except csv.Error as exc:
        problems.append(RowProblem(-1, None, path.name, f"CSV error after {len(out)} rows: {exc}"))
    return out


def _columns(rows: list[dict[str, Any]], path: Path) -> set[str]:
    if rows:
        return set(rows[0])
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        header = next(csv.reader(fh), [])
    return {h.strip().lower() for h in header}


def read_tables(pkg: HsdsPackage, problems: list[RowProblem]) -> dict[str, list[dict[str, Any]]]:
    """Every table of ``pkg``; a table that needs an ``id`` column and has none is reported
    and left empty (``services`` without ``id`` raises :class:`DirectoryValidationError`)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, p in pkg.files.items():
        rows = read_csv(p, problems)
        if key in NEEDS_ID and "id" not in _columns(rows, p):
            if key == "services":
                raise DirectoryValidationError(
                    f"{p.name} has no 'id' column; services cannot be linked to their "
                    "locations or taxonomy",
                    field="id",
                )
            problems.append(
                RowProblem(
                    -1,
                    None,
                    "id",
                    f"{p.name} has no 'id' column: its {len(rows)} {NEEDS_ID[key]} rows "
                    "cannot be linked and were not read",
                )
            )
            rows = []
        out[key] = rows
    return out


_WEEKDAYS = {
    "mo": "MO", "mon": "MO", "monday": "MO",
    "tu": "TU", "tue": "TU", "tues": "TU", "tuesday": "TU",
    "we": "WE", "wed": "WE", "weds": "WE", "wednesday": "WE",
    "th": "TH", "thu": "TH", "thur": "TH", "thurs": "TH", "thursday": "TH",
    "fr": "FR", "fri": "FR", "friday": "FR",
    "sa": "SA", "sat": "SA", "saturday": "SA",
    "su": "SU", "sun": "SU", "sunday": "SU",
    # ISO 8601 day numbers (Monday = 1 ... Sunday = 7)
    "1": "MO", "2": "TU", "3": "WE", "4": "TH", "5": "FR", "6": "SA", "7": "SU",
}  # fmt: skip


def _weekday(v: Any) -> str | None:
    s = str(v or "").strip().lower().rstrip(".")
    s = re.sub(r"\.0$", "", s)
    return _WEEKDAYS.get(s)


def _split_keywords(v: Any) -> list[str]:
    return [k.strip() for k in re.split(r"[;,|]", str(v or "")) if k.strip()]


def upgrade_tables(
    t: dict[str, list[dict[str, Any]]], problems: list[RowProblem]
) -> dict[str, list[dict[str, Any]]]:
    """HSDS 1.1/2.0 tables → the HSDS 3.0 table keys used by :mod:`rxmatch.io.hsds`."""
    get = lambda k: t.get(k) or []  # noqa: E731
    out: dict[str, list[dict[str, Any]]] = {
        k: get(k)
        for k in (
            "services",
            "organizations",
            "locations",
            "service_at_location",
            "phones",
            "service_areas",
            "cost_options",
        )
    }
    # taxonomy terms: 1.1 ``taxonomy`` (name, parent_id, parent_name, vocabulary), 2.0
    # ``taxonomy_terms`` (term, parent_id, taxonomy)
    terms = []
    for r in get("taxonomy_terms"):
        terms.append(
            {
                **r,
                "name": r.get("name") or r.get("term"),
                "taxonomy": r.get("taxonomy") or r.get("vocabulary"),
            }
        )
    out["taxonomy_terms"] = terms
    attrs = list(get("attributes"))
    for r in get("services_taxonomy"):
        attrs.append(
            {
                "id": r.get("id"),
                "link_id": r.get("service_id"),
                "link_type": "service",
                "taxonomy_term_id": r.get("taxonomy_id") or r.get("taxonomy_term_id"),
                "value": r.get("taxonomy_detail"),
                "_line": r.get("_line"),
            }
        )
    for r in get("service_attributes"):
        attrs.append(
            {
                "id": r.get("id"),
                "link_id": r.get("service_id"),
                "link_type": "service",
                "taxonomy_term_id": r.get("taxonomy_term_id") or r.get("taxonomy_id"),
                "_line": r.get("_line"),
            }
        )
    attrs.extend(get("other_attributes"))
    out["attributes"] = attrs
    out["addresses"] = [
        *get("addresses"),
        *({**r, "address_type": "physical"} for r in get("physical_addresses")),
        *({**r, "address_type": "postal"} for r in get("postal_addresses")),
    ]
    out["accessibility"] = [
        *get("accessibility"),
        *(
            {**r, "description": r.get("accessibility") or r.get("description")}
            for r in get("accessibility_for_disabilities")
        ),
    ]
    out["languages"] = [
        {**r, "name": r.get("name") or r.get("language") or r.get("code")} for r in get("languages")
    ]
    schedules = list(get("schedules"))
    for r in get("regular_schedules"):
        day = _weekday(r.get("weekday"))
        if day is None:
            problems.append(
                RowProblem(
                    -1,
                    r.get("service_id") or r.get("location_id"),
                    "regular_schedules",
                    f"regular_schedules row {r.get('_line')}: weekday is not a day name or "
                    "ISO day number; ignored",
                )
            )
            continue
        schedules.append(
            {
                "id": r.get("id"),
                "service_id": r.get("service_id"),
                "location_id": r.get("location_id"),
                "service_at_location_id": r.get("service_at_location_id"),
                "freq": "WEEKLY",
                "byday": day,
                "opens_at": r.get("opens_at"),
                "closes_at": r.get("closes_at"),
            }
        )
    out["schedules"] = schedules
    # eligibility rows (1.1: ``eligibility`` text) join onto the service's text
    elig: dict[str, list[str]] = {}
    for r in get("eligibility"):
        text = r.get("eligibility") or r.get("description") or r.get("eligibility_description")
        if r.get("service_id") and text:
            elig.setdefault(r["service_id"], []).append(str(text))
    services = []
    for s in out["services"]:
        extra = [x for x in (s.get("eligibility_description"), s.get("eligibility")) if x]
        extra += elig.get(s.get("id") or "", [])
        services.append(
            {
                **s,
                "eligibility_description": "; ".join(dict.fromkeys(extra)) or None,
                "keywords": _split_keywords(s.get("keywords")),
            }
        )
    out["services"] = services
    return out
