"""Write a Directory (or a ranked list of recommendations) as HSDS 3.0 JSON.

Every object gets a deterministic UUID (uuid5 of the rxmatch record id), so exporting the
same directory twice gives the same document. The output validates against the official
HSDS 3.0 JSON schemas (see :func:`validate_hsds`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._ids import id_list
from ..directory import Directory
from ..exceptions import DatasetNotFoundError, InvalidParameterError
from ..records import Recommendations
from ..taxonomy import category_label
from .hsds import RXMATCH_TAG_TAXONOMY, RXMATCH_TAXONOMY

__all__ = [
    "to_hsds",
    "recommendations_to_hsds",
    "validate_hsds",
    "hsds_id",
    "RECOMMENDATIONS_FORMAT",
]

#: Namespace of rxmatch's uuid5 identifiers.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/rxmatch/rxmatch/hsds")
#: ``format`` value of the recommendations wrapper.
RECOMMENDATIONS_FORMAT = "rxmatch.recommendations.hsds/1"
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def hsds_id(*parts: object) -> str:
    """Deterministic UUID (uuid5) for an rxmatch object, e.g. ``hsds_id("service", rid)``."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(map(str, parts))))


def _present(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and math.isnan(v):
        return False
    return not (isinstance(v, str) and not v.strip())


def _hhmm(m: int) -> str:
    return f"{(m // 60) % 24:02d}:{m % 60:02d}"


def _term(taxonomy: str, code: str, name: str) -> dict[str, Any]:
    return {
        "id": hsds_id("taxonomy_term", taxonomy, code),
        "code": code,
        "name": name,
        "description": name,
        "taxonomy": taxonomy,
    }


def _service(rec: Mapping[str, Any]) -> dict[str, Any]:
    rid = str(rec["id"])
    sid = hsds_id("service", rid)
    svc: dict[str, Any] = {
        "id": sid,
        "name": rec["name"],
        "description": rec["description"],
        "status": "active",
    }
    if _present(rec.get("url")):
        svc["url"] = rec["url"]
    if _present(rec.get("min_age")):
        svc["minimum_age"] = float(rec["min_age"])
    if _present(rec.get("max_age")):
        svc["maximum_age"] = float(rec["max_age"])
    if _present(rec.get("last_verified")):
        svc["assured_date"] = str(rec["last_verified"])[:10]
    if _present(rec.get("cost")):
        svc["fees_description"] = rec["cost"]
    if _present(rec.get("phone")):
        svc["phones"] = [{"id": hsds_id("phone", rid), "number": rec["phone"]}]
    # Schedules: one WEEKLY rule per distinct (opens, closes), listing its days.
    by_time: dict[tuple[int, int], list[int]] = defaultdict(list)
    for s in rec.get("sessions") or ():
        by_time[(s.start, s.end)].append(s.day)
    schedules = []
    for (start, end), days in sorted(by_time.items()):
        schedules.append(
            {
                "id": hsds_id("schedule", rid, start, end),
                "freq": "WEEKLY",
                "interval": 1,
                "byday": ",".join(_BYDAY[d] for d in sorted(days)),
                "opens_at": _hhmm(start),
                "closes_at": _hhmm(end),
            }
        )
    if schedules:
        svc["schedules"] = schedules
    langs = list(rec.get("languages") or ())
    if langs:
        svc["languages"] = [
            {"id": hsds_id("language", rid, x), "name": str(x).title()} for x in langs
        ]
    if rec.get("free") is True:
        svc["cost_options"] = [
            {"id": hsds_id("cost_option", rid), "option": "Free", "amount": 0, "currency": "USD"}
        ]
    attrs = []
    if _present(rec.get("category")):
        key = str(rec["category"])
        attrs.append(
            {
                "id": hsds_id("attribute", rid, key),
                "link_id": sid,
                "link_type": "category",
                "link_entity": "service",
                "value": "inferred" if rec.get("category_source") == "inferred" else "given",
                "taxonomy_term": _term(RXMATCH_TAXONOMY, key, category_label(key)),
            }
        )
        attrs[-1]["taxonomy_term_id"] = attrs[-1]["taxonomy_term"]["id"]
    for tag in rec.get("tags") or ():
        term = _term(RXMATCH_TAG_TAXONOMY, str(tag), str(tag))
        attrs.append(
            {
                "id": hsds_id("attribute", rid, "tag", tag),
                "link_id": sid,
                "link_type": "tag",
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            }
        )
    if attrs:
        svc["attributes"] = attrs
    loc: dict[str, Any]
    if rec.get("online"):
        loc = {"id": hsds_id("location", rid), "location_type": "virtual", "name": rec["name"]}
        if _present(rec.get("url")):
            loc["url"] = rec["url"]
    else:
        loc = {"id": hsds_id("location", rid), "location_type": "physical", "name": rec["name"]}
        if _present(rec.get("lat")) and _present(rec.get("lon")):
            loc["latitude"] = float(rec["lat"])
            loc["longitude"] = float(rec["lon"])
        if _present(rec.get("address")) or _present(rec.get("postal_code")):
            loc["addresses"] = [
                {
                    "id": hsds_id("address", rid),
                    "address_1": rec.get("address") or "",
                    "city": rec.get("city") or "",
                    "state_province": "",
                    "postal_code": rec.get("postal_code") or "",
                    "country": "US",
                    "address_type": "physical",
                }
            ]
        access = list(rec.get("accessibility") or ())
        if access:
            loc["accessibility"] = [
                {"id": hsds_id("accessibility", rid, a), "description": str(a).replace("_", " ")}
                for a in access
            ]
    svc["service_at_locations"] = [{"id": hsds_id("service_at_location", rid), "location": loc}]
    return svc


def to_hsds(directory: Directory, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Export a directory as a list of HSDS 3.0 ``service`` objects (JSON-ready dicts).

    Each rxmatch record becomes one service with one ``service_at_location`` (a
    ``virtual`` location for online records), its weekly sessions as ``WEEKLY`` schedules,
    languages, a zero-amount cost option when free, ``assured_date`` from
    ``last_verified``, accessibility, and attributes linking the rxmatch category (taxonomy
    ``"rxmatch"``, value ``given``/``inferred``) and tags (taxonomy ``"rxmatch_tag"``).
    :func:`rxmatch.io.read_hsds` reads these back exactly.

    Parameters
    ----------
    directory : Directory
        the directory to export.
    ids : Iterable[str] | None
        export only these record ids, in this order (default: all, in directory order).
    """
    if ids is None:
        return [_service(rec) for rec in directory]
    out = []
    for rid in id_list(ids, "to_hsds: ids"):
        if rid not in directory:
            raise InvalidParameterError(f"no resource with id {rid!r} in the directory")
        out.append(_service(directory.get(rid)))
    return out


def recommendations_to_hsds(
    recs: Recommendations, directory: Directory, *, include_reasons: bool = True
) -> dict[str, Any]:
    """Recommendations as an HSDS page of services in rank order, plus rxmatch's scores.

    HSDS has no field for a match score, so the document is the HSDS API page shape
    (``total_items``, ``total_pages``, ``page_number``, ``size``, ``first_page``,
    ``last_page``, ``empty``, ``contents``: the ranked ``service`` objects, each valid
    HSDS 3.0) with one extra top-level key, ``rxmatch``::

        {"format": "rxmatch.recommendations.hsds/1", "referral_id": ..., "notes": [...],
         "matches": [{"rank", "service_id", "resource_id", "score", "components",
                      "distance_km", "online", "category", "reasons", "flags"}, ...]}

    ``matches[i]`` describes ``contents[i]``.

    The ``reasons`` explain a match by quoting the person's own words ("your words:
    'paint' matched ..."), which are health information. Pass ``include_reasons=False``
    to leave reasons and matched words out (scores, components, distance and flags stay)
    before the document leaves the link worker's system.
    """
    services = to_hsds(directory, recs.ids)
    matches = []
    for m, svc in zip(recs, services, strict=True):
        matches.append(
            {
                "rank": m.rank,
                "service_id": svc["id"],
                "resource_id": m.resource_id,
                "score": round(float(m.score), 6),
                "components": {
                    k: (None if v is None else round(float(v), 6)) for k, v in m.components.items()
                },
                "distance_km": None if m.distance_km is None else round(float(m.distance_km), 3),
                "online": bool(m.online),
                "category": m.category,
                "category_inferred": bool(m.category_inferred),
                "reasons": list(m.reasons) if include_reasons else [],
                "flags": list(m.flags),
            }
        )
    return {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
        "rxmatch": {
            "format": RECOMMENDATIONS_FORMAT,
            "referral_id": recs.referral_id,
            "notes": list(recs.notes),
            "matches": matches,
        },
    }


@lru_cache(maxsize=4)
def _validator_for(schema_dir: str, obj: str) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    base = Path(schema_dir)
    if not (base / f"{obj}.json").exists():
        raise DatasetNotFoundError(f"HSDS schema {obj}.json not found in {base}")
    prefix = "https://hsds.invalid/schema/"  # never fetched: all schemas are in the registry
    resources = []
    for f in sorted(base.glob("*.json")):
        if f.name == "openapi.json":
            continue
        contents = json.loads(f.read_text(encoding="utf-8"))
        contents = {**contents, "$id": prefix + f.name}
        resources.append((prefix + f.name, Resource.from_contents(contents, DRAFT202012)))
    registry = Registry().with_resources(resources)
    root = registry.contents(prefix + f"{obj}.json")
    return Draft202012Validator(root, registry=registry, format_checker=FormatChecker())


def validate_hsds(
    obj: Mapping[str, Any] | list[Mapping[str, Any]],
    schema_dir: str | Path,
    *,
    object_type: str = "service",
) -> list[str]:
    """Validate HSDS JSON against the official schemas in ``schema_dir`` (the spec's
    ``schema/`` folder, read locally: nothing is fetched). Relative ``$ref``s such as
    ``"phone.json"`` resolve inside that folder.

    Returns the list of error messages (empty when valid); a list of objects is validated
    item by item. Needs ``jsonschema`` (with ``referencing``).
    """
    validator = _validator_for(str(Path(schema_dir).resolve()), object_type)
    items = obj if isinstance(obj, list) else [obj]
    errors = []
    for i, item in enumerate(items):
        for e in validator.iter_errors(item):
            where = "/".join(map(str, e.absolute_path))
            errors.append(f"[{i}] {where}: {e.message}")
    return errors
