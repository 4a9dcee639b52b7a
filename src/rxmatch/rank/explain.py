"""Explanations: turn score components and resource facts into short reasons a link worker
can read out ("'gardning' matched 'gardening' in the name", "1.2 km away", "free")."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

from ..features.fuzzy import WordMatch
from ..features.schedule import Session
from ..taxonomy import category_label

__all__ = ["explain_match", "describe_age", "summarize_match"]

_FIELD_NAMES = {"name": "the name", "tags": "the tags", "description": "the description"}
_HOW = {"walk": "on foot", "bike": "by bike", "transit": "by bus or train", "car": "by car"}


@lru_cache(maxsize=1 << 14)
def describe_age(last_verified: date | None, today: date) -> str | None:
    """How long ago a record was verified, in words (cached: directory dates only)."""
    if last_verified is None:
        return None
    days = (today - last_verified).days
    if days < 0:
        return None
    if days < 60:
        return "last verified recently"
    if days < 365:
        return f"last verified {days // 30} months ago"
    years = max(1, int(days / 365.25))  # day 365 is under 365.25 days, but not "0 years"
    return f"last verified {years} year{'s' if years != 1 else ''} ago"


def explain_match(
    *,
    matched: Sequence[WordMatch],
    components: Mapping[str, float],
    distance_km: float | None,
    via: str,
    category: str | None,
    category_inferred: bool,
    free: bool | None,
    cost: str | None,
    best_session: Session | None,
    sessions: Sequence[Session],
    availability_given: bool,
    flags: Sequence[str],
    last_verified: date | None,
    today: date,
    stale_after_years: float = 2.0,
    travel_mode: str | None = None,
    facet: str | None = None,
) -> tuple[str, ...]:
    """Reasons for one match, most telling first."""
    reasons: list[str] = []
    if facet:
        reasons.append(f"answers your wish: '{facet}'")
    if matched:
        parts = []
        for m in matched[:4]:
            where = _FIELD_NAMES.get(m.field, m.field)
            if m.query_word == m.resource_word:
                parts.append(f"'{m.query_word}' in {where}")
            else:
                parts.append(f"'{m.query_word}' matched '{m.resource_word}' in {where}")
        reasons.append("your words: " + ", ".join(parts))
    sem = components.get("semantic", 0.0)
    if sem >= 0.35:
        reasons.append(f"close in meaning to what you said (similarity {sem:.2f})")
    if category:
        label = category_label(category)
        reasons.append(
            f"{label}" + (" (category inferred from the description)" if category_inferred else "")
        )
    if via == "online":
        reasons.append("online: no travel needed")
    elif via == "outreach" and distance_km is not None and not math.isnan(distance_km):
        reasons.append(f"comes to you (serves your area; {distance_km:.1f} km away)")
    elif distance_km is not None and not math.isnan(distance_km):
        if travel_mode:
            from ..referral import travel_minutes

            mins = travel_minutes(distance_km, travel_mode)
            reasons.append(f"{distance_km:.1f} km away (about {mins:.0f} min {_HOW[travel_mode]})")
        else:
            reasons.append(f"{distance_km:.1f} km away")
    if free is True:
        reasons.append("free")
    elif cost:
        reasons.append(f"cost: {cost}")
    if availability_given:
        if best_session is not None and components.get("schedule", 0) >= 0.99:
            reasons.append(f"meets {best_session}, when you are free")
        elif best_session is not None:
            reasons.append(f"meets {best_session}, partly when you are free")
        elif sessions:
            reasons.append(
                "its times do not fit when you said you are free: "
                + "; ".join(str(s) for s in sessions[:3])
            )
        else:
            reasons.append("times not stated")
    elif sessions:
        reasons.append(
            "meets " + "; ".join(str(s) for s in sessions[:3]) + ("…" if len(sessions) > 3 else "")
        )
    for f in flags:
        reasons.append(f"{f}: check before referring")
    age = describe_age(last_verified, today)
    if (
        age
        and last_verified is not None
        and (today - last_verified).days > 365.25 * stale_after_years
    ):
        reasons.append(age + ": details may have changed")
    return tuple(reasons)


def summarize_match(
    *,
    category: str | None,
    distance_km: float | None,
    via: str,
    free: bool | None,
    cost: str | None,
    matched: Sequence[WordMatch] = (),
    facet: str | None = None,
    semantic: float = 0.0,
    best_session: Session | None = None,
    fits_fully: bool = False,
    flags: Sequence[str] = (),
    travel_mode: str | None = None,
) -> str:
    """One short sentence a link worker can read out, such as "Arts & culture, 1.2 km away
    (about 20 min on foot), free; matches 'painting'."

    It quotes only what :func:`explain_match` already quotes in the reasons: the person's
    matched words (``matched``), else the wish (``facet``) the resource answers; never any
    other sentence of theirs."""
    head = category_label(category) if category else "A resource"
    if via == "online":
        where = "online"
    elif via == "outreach" and distance_km is not None and not math.isnan(distance_km):
        where = f"comes to you ({distance_km:.1f} km away)"
    elif distance_km is not None and not math.isnan(distance_km):
        where = f"{distance_km:.1f} km away"
        if travel_mode in _HOW:
            from ..referral import travel_minutes

            mins = travel_minutes(distance_km, travel_mode)
            where += f" (about {mins:.0f} min {_HOW[travel_mode]})"
    else:
        where = ""
    first = head + (f", {where}" if where else "")
    if free is True:
        first += ", free"
    elif cost:
        short = len(cost) <= 30 and not any(c in cost for c in ";,")
        first += f", {cost}" if short else ", not free"
    parts = [first]
    words: list[str] = []
    for m in matched:
        if m.query_word not in words:
            words.append(m.query_word)
    if words:
        parts.append("matches " + ", ".join(f"'{w}'" for w in words[:3]))
    elif facet:
        parts.append(f"answers the wish '{facet}'")
    elif semantic >= 0.35:
        parts.append("close in meaning to what was said")
    if best_session is not None:
        parts.append(f"meets {best_session}" + (", when free" if fits_fully else ""))
    if flags:
        parts.append("check details before referring")
    return "; ".join(parts) + "."
