"""Importers and exporters for real directory formats.

* :func:`load_ohana`: Ohana API Mongo export (San Mateo County, ``../shared/data/ohana-smc``).
* :func:`read_hsds`: Open Referral HSDS 3.0 (datapackage CSV folder or JSON services).
* :func:`to_hsds`, :func:`recommendations_to_hsds`: export as HSDS 3.0 JSON.
* :func:`load_nyc_volunteer`: NYC Service volunteer opportunities CSV (NYC Open Data).
* :func:`parse_hours`: free-text opening hours into weekly sessions.

Every importer returns a :class:`rxmatch.Directory` whose ``report`` lists every record it
skipped and every field it could not map; ``return_report=True`` adds an
:class:`ImportReport` of mapping counts.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the readers load on first use (a Referral needs only ._fields)
    from ._categories import KIND_TO_CATEGORY as OHANA_KIND_TO_CATEGORY
    from ._hours import HoursParse, parse_hours
    from ._paths import shared_data_dir
    from ._report import ImportReport
    from .hsds import read_hsds
    from .hsds_out import hsds_id, recommendations_to_hsds, to_hsds, validate_hsds
    from .nyc import load_nyc_volunteer
    from .ohana import OHANA_ACCESSIBILITY, load_ohana, open_eligibility_labels

#: public name -> (submodule, name there)
_HOMES = {
    "OHANA_KIND_TO_CATEGORY": ("_categories", "KIND_TO_CATEGORY"),
    "HoursParse": ("_hours", "HoursParse"),
    "parse_hours": ("_hours", "parse_hours"),
    "shared_data_dir": ("_paths", "shared_data_dir"),
    "ImportReport": ("_report", "ImportReport"),
    "read_hsds": ("hsds", "read_hsds"),
    "hsds_id": ("hsds_out", "hsds_id"),
    "recommendations_to_hsds": ("hsds_out", "recommendations_to_hsds"),
    "to_hsds": ("hsds_out", "to_hsds"),
    "validate_hsds": ("hsds_out", "validate_hsds"),
    "load_nyc_volunteer": ("nyc", "load_nyc_volunteer"),
    "OHANA_ACCESSIBILITY": ("ohana", "OHANA_ACCESSIBILITY"),
    "load_ohana": ("ohana", "load_ohana"),
    "open_eligibility_labels": ("ohana", "open_eligibility_labels"),
}

__all__ = [
    "load_ohana",
    "read_hsds",
    "load_nyc_volunteer",
    "to_hsds",
    "recommendations_to_hsds",
    "validate_hsds",
    "hsds_id",
    "open_eligibility_labels",
    "OHANA_ACCESSIBILITY",
    "OHANA_KIND_TO_CATEGORY",
    "ImportReport",
    "HoursParse",
    "parse_hours",
    "shared_data_dir",
]


def __getattr__(name: str) -> Any:  # PEP 562
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{home[0]}", __name__), home[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
