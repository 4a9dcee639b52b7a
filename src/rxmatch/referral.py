"""The Referral: a person's answer to "What matters to you?", where they live, and what
they need from a resource. Validation messages name the field, never the person's words."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .exceptions import GeocodingError, ReferralError, ScheduleParseError, UnknownCategoryError
from .features.geo import check_lat_lon, geocode_zip
from .features.schedule import parse_availability
from .features.text import MAX_TEXT_CHARS, clean_text
from .io._fields import MAX_SHORT_CHARS, clean_short_field, scrub_surrogates
from .taxonomy import CATEGORY_KEYS, match_category

__all__ = ["Referral", "TRAVEL_RADIUS_KM", "DEFAULT_RADIUS_KM", "TRAVEL_SPEED", "travel_minutes"]

#: Default search radius per travel mode, in km (straight-line). Documented in the README:
#: about 25 minutes at 5 km/h walking with a 1.3 detour factor; ~40 minutes by bus at an
#: average 15 km/h door to door; ~30 minutes by car in mixed traffic.
TRAVEL_RADIUS_KM: dict[str, float] = {"walk": 2.0, "bike": 6.0, "transit": 10.0, "car": 25.0}
DEFAULT_RADIUS_KM = 10.0

#: (average speed km/h, detour factor over the straight line, fixed minutes) per travel mode,
#: used to turn a straight-line distance into rough door-to-door minutes in explanations.
TRAVEL_SPEED: dict[str, tuple[float, float, float]] = {
    "walk": (4.5, 1.3, 0.0),
    "bike": (14.0, 1.3, 2.0),
    "transit": (18.0, 1.4, 10.0),
    "car": (32.0, 1.3, 5.0),
}


def travel_minutes(distance_km: float, mode: str) -> float:
    """Rough door-to-door minutes for a straight-line distance and a travel mode."""
    speed, detour, fixed = TRAVEL_SPEED[mode]
    return fixed + 60.0 * distance_km * detour / speed


@dataclass(frozen=True, repr=False)
class Referral:
    """What the person told the link worker, and their constraints.

    The text is never logged or written anywhere by rxmatch; ``repr`` hides it.

    Parameters
    ----------
    what_matters : str
        the person's own words (any language the embedder supports).
    lat, lon : float | None
        home location; or ``postal_code`` (US ZIP, geocoded offline).
    max_km : float | None
        search radius; default from ``travel_mode`` (walk 2, bike 6, transit 10,
        car 25 km), else 10 km.
    age : float | None
        eligibility: outside a resource's stated age range excludes it.
    languages : tuple[str, ...]
        eligibility: a resource stating none of these languages is excluded.
    accessibility_needs : tuple[str, ...]
        eligibility: a resource stating its access without all of these is excluded.
    free_only : bool
        eligibility: resources stated as paid are excluded.
    online_ok : bool
        eligibility: ``False`` excludes online-only resources.
    online_only : bool
        eligibility: only online resources.
    availability : tuple[str, ...]
        free windows such as ``["weekday mornings", "after 6 pm"]``.
    availability_required : bool
        exclude resources whose stated sessions all fall outside
        ``availability`` (resources with no stated times are kept and flagged).
    prefer_free : bool
        favour free resources (a soft preference; ``free_only`` is the filter).
    preferred_categories, excluded_categories : tuple[str, ...]
        category names (matched leniently).
    referral_id : str | None
        an opaque id used in results and tables.
    """

    what_matters: str
    lat: float | None = None
    lon: float | None = None
    postal_code: str | None = None
    max_km: float | None = None
    travel_mode: str | None = None
    age: float | None = None
    languages: tuple[str, ...] = ()
    accessibility_needs: tuple[str, ...] = ()
    free_only: bool = False
    online_ok: bool = True
    online_only: bool = False
    availability: tuple[str, ...] = ()
    availability_required: bool = False
    prefer_free: bool = False
    preferred_categories: tuple[str, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    referral_id: str | None = None
    # parsed ``availability``, set by __post_init__: not a constructor parameter
    _windows: tuple[tuple[int, int], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        text = self.what_matters
        if text is None or not isinstance(text, str):
            raise ReferralError("must be a non-empty string", field="what_matters")
        # a lone surrogate (a latin-1 terminal read with surrogateescape) becomes U+FFFD
        # here, or a tokenizer or writer downstream raises an error holding the whole text
        text = scrub_surrogates(text)
        cleaned = clean_text(text, max_chars=MAX_TEXT_CHARS, what="what_matters")
        if not cleaned:
            raise ReferralError("is empty or only whitespace", field="what_matters")
        set_(self, "what_matters", cleaned)

        for name in (
            "languages",
            "accessibility_needs",
            "availability",
            "preferred_categories",
            "excluded_categories",
        ):
            v = getattr(self, name)
            if isinstance(v, str):
                v = tuple(p.strip() for p in v.replace(";", ",").split(",") if p.strip())
            elif v is not None and (not isinstance(v, Iterable) or isinstance(v, (bytes, Mapping))):
                raise ReferralError(
                    f"must be a string or a list of strings, not {type(v).__name__}", field=name
                )
            items = []
            for pos, item in enumerate(v or ()):
                if not isinstance(item, str):
                    raise ReferralError(f"cannot read item {pos}: not a string", field=name)
                if name in ("languages", "accessibility_needs"):  # short codes: one cleaning
                    item, changes = clean_short_field(item, max_chars=MAX_SHORT_CHARS["languages"])
                    if any(c.startswith("longer") for c in changes):
                        raise ReferralError(f"item {pos} is too long", field=name)
                else:
                    item = scrub_surrogates(item)
                if item:
                    items.append(item)
            set_(self, name, tuple(items))

        for name in ("lat", "lon", "max_km", "age"):
            if isinstance(getattr(self, name), bool):
                raise ReferralError("must be a number, not a boolean", field=name)
        if self.lat is not None or self.lon is not None:
            lat, lon = (_number(getattr(self, f), f, "lat and lon must both be numbers", "")
                        for f in ("lat", "lon"))  # fmt: skip
            if lat is None or lon is None:
                raise ReferralError("lat and lon must both be numbers", field="lat")
            msg = check_lat_lon(lat, lon)
            if msg:
                raise ReferralError(msg, field="lat" if "latitude" in msg else "lon")
            set_(self, "lat", lat)
            set_(self, "lon", lon)
        elif self.postal_code is not None and str(self.postal_code).strip():
            code, changes = clean_short_field(
                self.postal_code, max_chars=MAX_SHORT_CHARS["postal_code"]
            )
            if any(c.startswith("longer") for c in changes):
                raise ReferralError("is too long for a postal code", field="postal_code")
            try:
                lat, lon = geocode_zip(code)
            except GeocodingError as exc:
                raise ReferralError(str(exc), field="postal_code") from None
            set_(self, "lat", lat)
            set_(self, "lon", lon)
        elif not self.online_only:
            raise ReferralError(
                "a home location is needed: lat and lon, or a US postal_code (or online_only=True)",
                field="lat",
            )

        if self.travel_mode is not None:
            mode = str(self.travel_mode).lower().strip()
            mode = {
                "walking": "walk",
                "foot": "walk",
                "bus": "transit",
                "public transport": "transit",
                "driving": "car",
                "drive": "car",
                "bicycle": "bike",
                "cycling": "bike",
            }.get(mode, mode)
            if mode not in TRAVEL_RADIUS_KM:
                raise ReferralError(
                    f"unknown travel mode; use one of {', '.join(TRAVEL_RADIUS_KM)}",
                    field="travel_mode",
                )
            set_(self, "travel_mode", mode)
        if self.max_km is not None:
            mk = _number(self.max_km, "max_km", "a number of km")
            if mk is None or not math.isfinite(mk) or mk <= 0:
                raise ReferralError("must be a positive number of km", field="max_km")
            set_(self, "max_km", mk)
        if self.age is not None:
            age = _number(self.age, "age", "a number of years")
            if age is None or not math.isfinite(age) or not 0 <= age <= 130:
                raise ReferralError("must be between 0 and 130", field="age")
            set_(self, "age", age)
        for name in ("preferred_categories", "excluded_categories"):
            keys = []
            for pos, c in enumerate(getattr(self, name)):
                k = match_category(c)
                if k is None:  # the value is the person's: name its position, not its text
                    raise UnknownCategoryError(
                        f"referral field {name!r}: item {pos} is not a known category; "
                        f"use one of {', '.join(CATEGORY_KEYS)}"
                    )
                keys.append(k)
            set_(self, name, tuple(dict.fromkeys(keys)))
        from .directory import ACCESSIBILITY_CODES, normalize_language  # local: avoid a cycle

        set_(self, "languages", tuple(dict.fromkeys(normalize_language(x) for x in self.languages)))
        needs = tuple(str(a).strip().lower().replace(" ", "_") for a in self.accessibility_needs)
        unknown = [a for a in needs if a not in ACCESSIBILITY_CODES]
        if unknown:
            raise ReferralError(
                f"item(s) {[needs.index(a) for a in unknown]} are not known accessibility codes; "
                f"known: {', '.join(ACCESSIBILITY_CODES)}",
                field="accessibility_needs",
            )
        set_(self, "accessibility_needs", needs)
        try:
            set_(self, "_windows", parse_availability(self.availability))
        except ScheduleParseError:
            bad = next(  # name the window's position, never its text
                (i for i, w in enumerate(self.availability) if _unreadable_window(w)), None
            )
            where = f"window {bad}" if bad is not None else "a window"
            raise ReferralError(
                f"cannot read {where} (use e.g. 'weekday mornings', 'Tue 10:00-12:00')",
                field="availability",
            ) from None
        for name in (
            "free_only",
            "online_ok",
            "online_only",
            "availability_required",
            "prefer_free",
        ):
            set_(self, name, bool(getattr(self, name)))

    @property
    def radius_km(self) -> float:
        """The search radius in km: ``max_km``, else the travel mode's default, else 10."""
        if self.max_km is not None:
            return float(self.max_km)
        if self.travel_mode is not None:
            return TRAVEL_RADIUS_KM[self.travel_mode]
        return DEFAULT_RADIUS_KM

    @property
    def windows(self) -> tuple[tuple[int, int], ...]:
        return self._windows

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> Referral:
        """From a dict or a DataFrame row; unknown keys are ignored, NaN counts as missing."""
        names = {f for f in cls.__dataclass_fields__ if not f.startswith("_")}
        kwargs = {}
        for k, v in row.items():
            if k in names and not _missing(v):
                kwargs[k] = v
        if "referral_id" in kwargs:
            kwargs["referral_id"] = str(kwargs["referral_id"])
        if "what_matters" not in kwargs:
            kwargs["what_matters"] = ""
        return cls(**kwargs)

    def replace(self, **changes: Any) -> Referral:
        return replace(self, **changes)

    def __repr__(self) -> str:
        where = f"lat={self.lat:.4f}, lon={self.lon:.4f}" if self.lat is not None else "online"
        return (
            f"Referral(id={self.referral_id!r}, {where}, radius_km={self.radius_km}, "
            f"what_matters=<{len(self.what_matters)} chars>)"
        )


def _number(value: Any, name: str, what: str, must: str = "must be ") -> float | None:
    """``float(value)``, or a :class:`ReferralError` naming the field (never the value)
    when it is not a number, is too large for a float (``10**400``) or is a long text."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) > 100:
        raise ReferralError(f"{must}{what}", field=name)
    try:
        return float(value)
    except OverflowError:
        raise ReferralError(f"{must}{what} (this one is too large)", field=name) from None
    except (TypeError, ValueError):
        raise ReferralError(f"{must}{what}", field=name) from None


def _unreadable_window(window: Any) -> bool:
    try:
        parse_availability([window])
        return False
    except ScheduleParseError:
        return True


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, Sequence) and not isinstance(v, str):
        return False
    try:  # numpy NaN (float32), pandas NA and NaT count as missing too
        import pandas as pd

        return bool(pd.isna(v)) if not hasattr(v, "__len__") else False
    except (TypeError, ValueError, ImportError):
        return False
