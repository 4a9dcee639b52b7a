"""Outcome events: what happened after a referral, as ids, enums, numbers and times only.

An event never holds words. The referral id must be **pseudonymous**: an id that means
nothing outside the service that made it (a random token, or
:func:`pseudonymous_id` of a local case number under a secret key), never a name, an NHS
number, an email address or a date of birth. Ids are checked for length and characters
(letters, digits and ``_ - . :``; no spaces), so sentences cannot be stored as ids.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..exceptions import OutcomeValidationError
from ..records import COMPONENTS
from ..taxonomy import CATEGORY_KEYS

__all__ = [
    "EVENT_TYPES",
    "DECLINE_REASONS",
    "STALE_REASONS",
    "OutcomeEvent",
    "pseudonymous_id",
    "check_id",
]

#: the kinds of event, in the order a referral goes through them
EVENT_TYPES = ("shown", "chosen", "contacted", "attended", "attending_12w", "declined")

#: why a person declined (or could not take up) a resource: a fixed list
DECLINE_REASONS = (
    "too_far",
    "wrong_time",
    "cost",
    "not_interested",
    "full",
    "closed",
    "not_as_described",
)

#: decline reasons that say the directory record is wrong or out of date
STALE_REASONS = ("full", "closed", "not_as_described")

_REFERRAL_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_RESOURCE_ID = re.compile(r"[A-Za-z0-9_.:/\-]{1,128}")
_VERSION = re.compile(r"[A-Za-z0-9_.:+\-]{1,64}")


def check_id(value: Any, field_name: str) -> str:
    """``value`` as an id string, or :class:`~rxmatch.OutcomeValidationError` (the error
    names the field and the rule, never the value)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise OutcomeValidationError(
            f"must be an id (str), not {type(value).__name__}", field=field_name
        )
    s = str(value)
    pattern = {"referral_id": _REFERRAL_ID, "ranker_version": _VERSION}.get(
        field_name, _RESOURCE_ID
    )
    if not pattern.fullmatch(s):
        limit = 128 if pattern is _RESOURCE_ID else 64
        raise OutcomeValidationError(
            f"must be an id of 1-{limit} letters, digits or '_-.:' (no spaces or words); "
            "the referral id must be pseudonymous",
            field=field_name,
        )
    return s


def pseudonymous_id(local_id: str, key: bytes | str, *, length: int = 32) -> str:
    """A pseudonymous referral id: HMAC-SHA256 of a local case id under a secret ``key``,
    as ``length`` hex characters. The same case gets the same id (so later outcomes join
    the shown events); without the key the id cannot be traced back."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not key:
        raise OutcomeValidationError("the key must not be empty", field="key")
    if not 8 <= length <= 64:
        raise OutcomeValidationError("length must be 8-64", field="length")
    return hmac.new(key, str(local_id).encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def _now_ms() -> int:
    return int(datetime.now(timezone.utc).timestamp() * 1000)


def _to_ms(at: datetime | int | float | None) -> int:
    if at is None:
        return _now_ms()
    if isinstance(at, datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return int(at.timestamp() * 1000)
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at):
        raise OutcomeValidationError("must be a datetime or epoch milliseconds", field="at")
    return int(at)


def _number(
    value: Any, field_name: str, lo: float | None = None, hi: float | None = None
) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise OutcomeValidationError("must be a number", field=field_name) from None
    v = float(value)
    if not math.isfinite(v):
        raise OutcomeValidationError("must be finite", field=field_name)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise OutcomeValidationError(f"must be in [{lo}, {hi}]", field=field_name)
    return v


@dataclass(frozen=True)
class OutcomeEvent:
    """One thing that happened for one (referral, resource) pair.

    ``event`` is one of :data:`EVENT_TYPES`. ``shown`` events carry the ``rank`` (1 = top),
    ``score``, score ``components`` (names from :data:`rxmatch.COMPONENTS`, values in
    [0, 1]), the ``ranker_version`` and the ``propensity``: the probability that the
    ranking policy shows this resource to this referral (1.0 for a deterministic ranker,
    less with exploration). ``declined`` events carry a ``reason`` from
    :data:`DECLINE_REASONS`. ``category`` (a taxonomy key) is optional on any event.
    ``at`` is the time (UTC; epoch milliseconds once validated).
    """

    event: str
    referral_id: str
    resource_id: str
    at: int = field(default_factory=_now_ms)
    rank: int | None = None
    score: float | None = None
    propensity: float | None = None
    ranker_version: str | None = None
    components: Mapping[str, float] = field(default_factory=dict)
    reason: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if self.event not in EVENT_TYPES:
            raise OutcomeValidationError(f"must be one of {', '.join(EVENT_TYPES)}", field="event")
        set_ = object.__setattr__
        set_(self, "referral_id", check_id(self.referral_id, "referral_id"))
        set_(self, "resource_id", check_id(self.resource_id, "resource_id"))
        set_(self, "at", _to_ms(self.at))
        if self.rank is not None:
            if isinstance(self.rank, bool) or int(self.rank) != self.rank or int(self.rank) < 1:
                raise OutcomeValidationError("must be a whole number >= 1", field="rank")
            set_(self, "rank", int(self.rank))
        set_(self, "score", _number(self.score, "score"))
        set_(self, "propensity", _number(self.propensity, "propensity", 0.0, 1.0))
        if self.propensity == 0.0:
            raise OutcomeValidationError(
                "must be > 0 (a shown resource had a chance)", field="propensity"
            )
        if self.ranker_version is not None:
            set_(self, "ranker_version", check_id(self.ranker_version, "ranker_version"))
        comps = dict(self.components or {})
        for name in comps:
            if name not in COMPONENTS:
                raise OutcomeValidationError(
                    f"unknown component (known: {', '.join(COMPONENTS)})", field="components"
                )
        set_(
            self,
            "components",
            {
                k: v
                for k, v in (
                    (k, _number(comps[k], f"components.{k}", 0.0, 1.0))
                    for k in COMPONENTS
                    if k in comps
                )
                if v is not None
            },
        )
        if self.event == "declined":
            if self.reason not in DECLINE_REASONS:
                raise OutcomeValidationError(
                    f"a declined event needs a reason from {', '.join(DECLINE_REASONS)}",
                    field="reason",
                )
        elif self.reason is not None:
            raise OutcomeValidationError("only declined events have a reason", field="reason")
        if self.category is not None and self.category not in CATEGORY_KEYS:
            raise OutcomeValidationError(
                "must be a taxonomy key (rxmatch.CATEGORY_KEYS)", field="category"
            )
        if self.event != "shown" and any(
            v is not None for v in (self.rank, self.score, self.propensity)
        ):
            raise OutcomeValidationError(
                "rank, score and propensity belong to shown events", field="event"
            )

    @property
    def time(self) -> datetime:
        """``at`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.at / 1000, tz=timezone.utc)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (components flattened to ``c_<name>``)."""
        d: dict[str, Any] = {
            "event": self.event,
            "referral_id": self.referral_id,
            "resource_id": self.resource_id,
            "at": self.at,
            "rank": self.rank,
            "score": self.score,
            "propensity": self.propensity,
            "ranker_version": self.ranker_version,
            "reason": self.reason,
            "category": self.category,
        }
        for name in COMPONENTS:
            d[f"c_{name}"] = self.components.get(name)
        return d
