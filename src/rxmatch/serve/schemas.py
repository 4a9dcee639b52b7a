"""The JSON shapes of ``rxmatch serve``, as pydantic models (they make the OpenAPI document).

Every response body carries a ``schema`` field naming its shape and version:

- ``rxmatch.recommendations/1``: one referral's matches (:class:`RecommendationsOut`,
  the shape of :meth:`rxmatch.Recommendations.to_dict`);
- ``rxmatch.recommendations-batch/1``: several referrals' (:class:`BatchOut`);
- ``rxmatch.why-not/1``: why a resource is not among a referral's matches;
- ``rxmatch.resource/1`` and ``rxmatch.resources/1``: one resource, or the list of them;
- ``rxmatch.place/1``: a ZIP code's centroid (``POST /geocode``, for the console's map);
- ``rxmatch.health/1``, ``rxmatch.ready/1``, ``rxmatch.reload/1``: service state;
- ``rxmatch.error/1``: every 4xx/5xx answer (:class:`ErrorOut`).

A version only grows by new keys (response models accept keys they do not list); a key
removed or changed in meaning makes a new version. Request bodies name their fields
exactly like the parameters of :class:`rxmatch.Referral`; unknown fields are refused.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ReferralIn",
    "RecommendIn",
    "BatchIn",
    "WhyNotIn",
    "RecommendationsOut",
    "BatchItemOut",
    "BatchOut",
    "WhyNotOut",
    "ResourceOut",
    "ResourceListOut",
    "HealthOut",
    "ReadyOut",
    "ReloadOut",
    "ErrorOut",
    "GeocodeIn",
    "PlaceOut",
    "MAX_K",
    "MAX_BATCH",
]

#: the largest ``k`` a request may ask for
MAX_K = 100
#: the most referrals in one ``POST /recommend/batch``
MAX_BATCH = 100


# ---- requests ------------------------------------------------------------------------------
class ReferralIn(BaseModel):
    """A referral, with fields named like :class:`rxmatch.Referral`'s parameters (which
    checks their values: a bad one is a 422 ``invalid_referral`` naming the field).
    Lists may also be given as one comma-separated string."""

    model_config = ConfigDict(extra="forbid")

    what_matters: str = Field(
        description="the person's own words (never logged, never echoed in an error)",
        max_length=100_000,
    )
    lat: float | None = Field(None, description="home latitude (with lon)")
    lon: float | None = Field(None, description="home longitude (with lat)")
    postal_code: str | None = Field(None, description="home US ZIP code, geocoded offline")
    max_km: float | None = Field(None, description="search radius in km")
    travel_mode: str | None = Field(None, description="walk, bike, transit or car")
    age: float | None = None
    languages: list[str] | str = Field(default_factory=list)
    accessibility_needs: list[str] | str = Field(default_factory=list)
    free_only: bool = False
    online_ok: bool = True
    online_only: bool = False
    availability: list[str] | str = Field(
        default_factory=list, description="free windows, e.g. 'weekday mornings'"
    )
    availability_required: bool = False
    prefer_free: bool = False
    preferred_categories: list[str] | str = Field(default_factory=list)
    excluded_categories: list[str] | str = Field(default_factory=list)
    referral_id: str | None = Field(None, description="an opaque id echoed in the results")

    def referral_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :class:`rxmatch.Referral` (lists as tuples)."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            if name in ReferralIn.model_fields:
                v = getattr(self, name)
                out[name] = tuple(v) if isinstance(v, list) else v
        return out


class RecommendIn(ReferralIn):
    """``POST /recommend``: a referral and how many matches to return."""

    k: int = Field(10, ge=1, le=MAX_K, description="number of matches (at most)")


class BatchIn(BaseModel):
    """``POST /recommend/batch``: several referrals, answered one by one (a bad one gets
    an error entry; the others are answered)."""

    model_config = ConfigDict(extra="forbid")

    referrals: list[ReferralIn] = Field(min_length=1, max_length=MAX_BATCH)
    k: int = Field(10, ge=1, le=MAX_K)


class WhyNotIn(RecommendIn):
    """``POST /recommend/why-not``: the referral (as for ``/recommend``) and the resource
    asked about."""

    resource_id: str = Field(min_length=1, max_length=500)


# ---- responses -----------------------------------------------------------------------------
class _Open(BaseModel):
    # a version grows by new keys: keep the ones a newer rxmatch adds
    model_config = ConfigDict(extra="allow")


class SessionOut(_Open):
    day: str = Field(description="Mon .. Sun")
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM (at or before start: past midnight)")


class ResourceFacts(_Open):
    """Contact details, place, schedule, cost, languages, accessibility; null = unknown."""

    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    url: str | None = None
    lat: float | None = None
    lon: float | None = None
    online: bool = False
    schedule: list[SessionOut] = Field(default_factory=list)
    free: bool | None = None
    cost: str | None = None
    languages: list[str] = Field(default_factory=list)
    accessibility: list[str] = Field(default_factory=list)
    min_age: int | float | None = None
    max_age: int | float | None = None
    last_verified: str | None = Field(None, description="YYYY-MM-DD")


class MatchOut(_Open):
    rank: int
    resource_id: str
    name: str
    category: str | None = None
    category_inferred: bool = False
    score: float | None = Field(None, description="final score in [0, 1]; ranks follow it")
    confidence: float | None = Field(None, description="calibrated P(good match)")
    semantic: float | None = None
    lexical: float | None = None
    distance: float | None = None
    category_fit: float | None = None
    schedule: float | None = None
    preference: float | None = None
    distance_km: float | None = None
    online: bool = False
    matched_words: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    summary: str = Field("", description="one sentence for the link worker")
    resource: ResourceFacts


class RecommendationsOut(_Open):
    """One referral's matches: :meth:`rxmatch.Recommendations.to_dict`."""

    schema_: Literal["rxmatch.recommendations/1"] = Field(
        "rxmatch.recommendations/1", alias="schema"
    )
    referral_id: str | None = None
    n_candidates: int = Field(description="resources within reach")
    n_excluded: int = Field(description="of them, filtered out by a hard rule")
    notes: list[str] = Field(default_factory=list, description="what the search did")
    matches: list[MatchOut] = Field(description="best first")


class ErrorOut(_Open):
    """Every error answer. ``code`` is stable (see the table in the docs); ``message``
    names the field at fault, never the person's words."""

    schema_: Literal["rxmatch.error/1"] = Field("rxmatch.error/1", alias="schema")
    code: str
    status: int
    message: str
    field: str | None = Field(None, description="the request field at fault, if one")
    errors: list[dict[str, Any]] = Field(
        default_factory=list,
        description="for invalid_request: each problem as {field, type, message}",
    )


class BatchItemOut(_Open):
    index: int = Field(description="position in the request's referrals")
    result: RecommendationsOut | None = None
    error: ErrorOut | None = None


class BatchOut(_Open):
    schema_: Literal["rxmatch.recommendations-batch/1"] = Field(
        "rxmatch.recommendations-batch/1", alias="schema"
    )
    n_ok: int
    n_errors: int
    results: list[BatchItemOut]


class WhyNotOut(_Open):
    schema_: Literal["rxmatch.why-not/1"] = Field("rxmatch.why-not/1", alias="schema")
    referral_id: str | None = None
    resource_id: str
    name: str | None = Field(None, description="null when the directory does not hold it")
    recommended: bool = Field(description="true when it is among the matches")
    rank: int | None = None
    reason: str = Field(
        description="recommended at rank N, the excluding rule, ranked below the top k, "
        "out of reach (how far), skipped when the directory was loaded, or not in the "
        "directory"
    )


class ResourceOut(_Open):
    schema_: Literal["rxmatch.resource/1"] = Field("rxmatch.resource/1", alias="schema")
    resource_id: str
    name: str
    category: str | None = None
    description: str | None = None
    resource: ResourceFacts


class ResourceBrief(_Open):
    resource_id: str
    name: str
    category: str | None = None
    lat: float | None = None
    lon: float | None = None
    online: bool = False


class GeocodeIn(BaseModel):
    """``POST /geocode``: a US ZIP code (in the body: a home is never put in a URL)."""

    model_config = ConfigDict(extra="forbid")

    postal_code: str = Field(min_length=1, max_length=20)


class PlaceOut(_Open):
    schema_: Literal["rxmatch.place/1"] = Field("rxmatch.place/1", alias="schema")
    lat: float
    lon: float


class ResourceListOut(_Open):
    schema_: Literal["rxmatch.resources/1"] = Field("rxmatch.resources/1", alias="schema")
    n_resources: int
    resources: list[ResourceBrief]


class HealthOut(_Open):
    schema_: Literal["rxmatch.health/1"] = Field("rxmatch.health/1", alias="schema")
    status: Literal["ok"] = "ok"


class IndexOut(_Open):
    path: str
    n_resources: int
    model: str | None = None
    loaded_at: str = Field(description="UTC, ISO 8601")
    load_seconds: float
    generation: int = Field(description="1 for the first index, +1 on every reload")


class ReadyOut(_Open):
    schema_: Literal["rxmatch.ready/1"] = Field("rxmatch.ready/1", alias="schema")
    status: Literal["ready", "loading", "failed"]
    index: IndexOut | None = None
    reloading: bool = False
    last_reload_error: str | None = None


class ReloadOut(_Open):
    schema_: Literal["rxmatch.reload/1"] = Field("rxmatch.reload/1", alias="schema")
    status: Literal["reloaded"] = "reloaded"
    previous_generation: int | None = None
    index: IndexOut
