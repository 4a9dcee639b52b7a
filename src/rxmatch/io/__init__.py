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

from ._categories import KIND_TO_CATEGORY as OHANA_KIND_TO_CATEGORY
from ._hours import HoursParse, parse_hours
from ._paths import shared_data_dir
from ._report import ImportReport
from .hsds import read_hsds
from .hsds_out import hsds_id, recommendations_to_hsds, to_hsds, validate_hsds
from .nyc import load_nyc_volunteer
from .ohana import OHANA_ACCESSIBILITY, load_ohana, open_eligibility_labels

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
