"""rxmatch's errors as HTTP answers: each exception class has a stable ``code`` string and
an HTTP status, and every error body has the shape ``rxmatch.error/1``::

    {"schema": "rxmatch.error/1", "code": "invalid_referral", "status": 422,
     "message": "referral field 'lat': ...", "field": "lat", "errors": []}

Messages come from rxmatch's exceptions, which name the record and the field, never the
person's words. Request validation problems (a wrong type, a missing field) are
``invalid_request`` with one ``{field, type, message}`` per problem and without the
``input`` FastAPI would echo back.
"""

from __future__ import annotations

import re
from typing import Any

from .. import exceptions as ex

__all__ = ["ERROR_CODES", "error_code", "error_body", "field_of"]

#: (exception class, code, HTTP status), most specific first: the first class an error is an
#: instance of gives its code. The codes are stable; new ones may be added.
ERROR_CODES: tuple[tuple[type[BaseException], str, int], ...] = tuple(
    (cls, code, status)
    for cls, code, status in (
        (ex.UnknownCategoryError, "unknown_category", 422),
        (ex.ReferralError, "invalid_referral", 422),
        (ex.GeocodingError, "geocoding_failed", 422),
        (ex.ScheduleParseError, "unreadable_schedule", 422),
        (ex.TestSplitError, "invalid_parameter", 422),
        (ex.InvalidParameterError, "invalid_parameter", 422),
        (ex.EmptyDirectoryError, "empty_directory", 422),
        (ex.DirectoryValidationError, "invalid_directory", 422),
        (getattr(ex, "OutcomeValidationError", None), "invalid_outcome", 422),
        (ex.IndexChangedError, "index_changed", 503),
        (ex.NotFittedError, "not_ready", 503),
        (ex.ModelUnavailableError, "model_unavailable", 503),
        (ex.IndexPathError, "index_path", 500),
        (ex.IndexFormatError, "index_format", 500),
        (ex.DatasetNotFoundError, "dataset_not_found", 404),
        (ex.OptionalDependencyError, "optional_dependency_missing", 501),
        (getattr(ex, "OutcomeStoreError", None), "outcome_store", 503),
        (ex.RxMatchError, "rxmatch_error", 400),
    )
    if cls is not None
)

#: codes of errors the service raises itself (not from an rxmatch exception)
SERVICE_CODES: dict[str, int] = {
    "invalid_request": 422,  # the body does not fit the request schema
    "resource_not_found": 404,  # GET /resources/{id}: no such id in the index
    "not_found": 404,  # no such endpoint
    "method_not_allowed": 405,
    "payload_too_large": 413,  # a request body over MAX_BODY_BYTES
    "forbidden": 403,  # /admin/* from an address that is not loopback
    "not_ready": 503,  # no index loaded yet (still loading, or the first load failed)
    "reload_in_progress": 409,  # a reload is already running
    "internal_error": 500,  # anything else (details are not sent, nor logged with text)
}

_SAFE_NAME = re.compile(r"^(?![A-Za-z0-9_]{1,64}$).*$", re.S)
_FIELD = re.compile(r"^referral field '([a-z_]+)'")


def error_code(exc: BaseException) -> tuple[str, int]:
    """The ``(code, status)`` of an rxmatch exception (``internal_error``/500 otherwise)."""
    for cls, code, status in ERROR_CODES:
        if isinstance(exc, cls):
            return code, status
    return "internal_error", 500


def field_of(exc: BaseException) -> str | None:
    """The request field an rxmatch error is about, when it names one."""
    f = getattr(exc, "field", None)
    if isinstance(f, str) and f not in ("*", "referral"):
        return f
    m = _FIELD.match(str(exc))  # UnknownCategoryError: "referral field 'x': item N ..."
    return m.group(1) if m else None


def error_body(
    code: str,
    status: int,
    message: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "schema": "rxmatch.error/1",
        "code": code,
        "status": status,
        "message": message,
        "field": field,
        "errors": errors or [],
    }


def exception_body(exc: BaseException) -> dict[str, Any]:
    code, status = error_code(exc)
    message = str(exc) if code != "internal_error" else "internal error"
    return error_body(code, status, message, field=field_of(exc))


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """pydantic's errors without ``input`` and ``ctx`` (they can hold the person's words):
    each as ``{field, type, message}`` with the field as a dotted path in the body (a
    part that is not a plain name, such as an unknown key, becomes ``?``)."""
    out = []
    for e in errors:
        # a key the client made up (extra_forbidden) could be anything: only plain names
        loc = [_SAFE_NAME.sub("?", str(p)) for p in e.get("loc", ()) if p != "body"]
        out.append(
            {
                "field": ".".join(loc) or None,
                "type": str(e.get("type", "")),
                "message": str(e.get("msg", "")),
            }
        )
    return out
