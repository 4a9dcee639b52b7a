"""Small readers of free-text fields shared by the importers (age limits, fees, phones),
and the one cleaning of identifiers and short fields (:func:`clean_short_field`)."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "parse_age_limits",
    "fees_to_free",
    "clean_phone",
    "clean_short_field",
    "scrub_surrogates",
    "MAX_ID_CHARS",
    "MAX_SHORT_CHARS",
]

_NUM = r"(\d{1,3})"
_AGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "ages 14-21", "age 5 to 12", "youth 14-21", "between the ages of 18 and 25"
    (
        re.compile(
            rf"\b(?:ages?|aged|youth|children|kids|teens|adults|persons|people|students)"
            rf"(?: of| from| between(?: the ages of)?)?\s*{_NUM}\s*(?:-|to|through|and)\s*{_NUM}\b"
        ),
        "range",
    ),
    (re.compile(rf"\b{_NUM}\s*(?:-|to)\s*{_NUM}\s*(?:years?|yrs?)(?: old| of age)?\b"), "range"),
    # "ages 18 and over", "age 60 or over", "60 and older", "18 years and up", "seniors 60+"
    (
        re.compile(
            rf"\b{_NUM}\s*(?:years?|yrs?)?(?: of age| old)?\s*(?:and|or)\s*(?:over|older|above|up)\b"
        ),
        "min",
    ),
    (re.compile(rf"\b(?:ages?|aged|seniors?|adults|over|youth|persons)\s*{_NUM}\s*\+"), "min"),
    (re.compile(rf"\b{_NUM}\s*\+"), "min"),
    (re.compile(rf"\b(?:over|older than|at least) (?:the age of )?{_NUM}\b"), "min_over"),
    # "age 11 or under", "12 and younger", "under 18"
    (
        re.compile(
            rf"\b{_NUM}\s*(?:years?|yrs?)?(?: old)?\s*(?:and|or)\s*(?:under|younger|below)\b"
        ),
        "max",
    ),
    (re.compile(rf"\b(?:under|younger than|up to age) (?:the age of |age )?{_NUM}\b"), "max_under"),
)
_WITH_ADULTS = re.compile(r"(?:and|their|,)\s+(?:their\s+)?(?:famil|parent|caregiver|adult)")
_NOT_A_LIMIT = re.compile(r"permission|accompan|consent|with a parent|with an adult|guardian")


def parse_age_limits(text: str | None) -> tuple[int | None, int | None]:
    """``(min_age, max_age)`` stated in a free-text audience or eligibility field.

    Only explicit numbers count ("ages 18 and over", "seniors 60+", "youth 14-21", "under
    18"); "seniors" alone gives nothing. Clauses about permission or accompaniment ("age
    11 or under must have parental permission") are not limits. When several groups are
    named, the union is kept; a group of children next to "parents"/"families" keeps no
    upper limit, because the adults are served too.

    >>> parse_age_limits("Youth 14-21")
    (14, 21)
    >>> parse_age_limits("Senior citizens age 60 or over")
    (60, None)
    >>> parse_age_limits("None. Youth age 11 or under must have parental permission")
    (None, None)
    """
    if not text:
        return None, None
    lo: list[int] = []
    hi: list[int] = []
    open_ended_hi = False
    open_ended_lo = False
    for clause in re.split(r"[.;]|\bbut\b", str(text).lower()):
        if _NOT_A_LIMIT.search(clause):
            continue
        taken: list[tuple[int, int]] = []
        for pat, kind in _AGE_PATTERNS:
            for m in pat.finditer(clause):
                a, b = m.span()
                if any(a < y and x < b for x, y in taken):
                    continue
                if re.match(r"\s*(?:months?|mos?)\b", clause[b:]):
                    continue
                nums = [int(g) for g in m.groups() if g is not None]
                if any(n > 110 for n in nums):
                    continue
                taken.append((a, b))
                if kind == "range" and nums[0] <= nums[1]:
                    lo.append(nums[0])
                    hi.append(nums[1])
                elif kind in ("min", "min_over"):
                    lo.append(nums[0] + (1 if kind == "min_over" else 0))
                    open_ended_hi = True
                elif kind in ("max", "max_under"):
                    hi.append(nums[0] - (1 if kind == "max_under" else 0))
                    open_ended_lo = True
        if taken and hi and _WITH_ADULTS.search(clause):
            open_ended_hi = True
    if not lo and not hi:
        return None, None
    min_age = None if open_ended_lo or not lo else min(lo)
    max_age = None if open_ended_hi or not hi else max(hi)
    if min_age is not None and max_age is not None and min_age > max_age:
        return None, None
    return min_age, max_age


_FREE = re.compile(
    r"^\s*(?:none|free|no fees?|no charge|no cost|n/a|gratis|\$0(?:\.00)?)\b(?!\s+(?:for|except))"
)
_FREE_LOOSE = re.compile(r"^\s*(?:none|free|no fees?|no charge|no cost)\b")
_PAID = re.compile(
    r"\$\s*\d|sliding scale|\bfees? (?:is|are|of)\b|\bper (?:hour|session|month|class)\b"
)


def fees_to_free(text: str | None) -> bool | None:
    """``True`` when a fees text says the service is free ("None.", "Free", "None. Donations
    welcome."), ``False`` when it names a price or a sliding scale, else ``None`` ("Vary").

    "None for attorney services" and "None, except for permits" count as free for the
    service itself only when no price follows.
    """
    if not text or not str(text).strip():
        return None
    t = str(text).lower()
    if _FREE.match(t) or (_FREE_LOOSE.match(t) and not _PAID.search(t)):
        return True
    if _PAID.search(t):
        return False
    return None


def clean_phone(text: str | None) -> str | None:
    """A phone number as written, trimmed; ``None`` if it holds fewer than 7 digits."""
    if not text:
        return None
    s = re.sub(r"\s+", " ", str(text)).strip()
    return s if len(re.sub(r"\D", "", s)) >= 7 else None


# ---- identifiers and short text fields ------------------------------------------------------
#: Longest identifier kept (longer ids are refused: an id is a key, not a text to cut).
MAX_ID_CHARS = 200
#: Longest tag, language, accessibility code and postal code kept (longer items are dropped).
MAX_SHORT_CHARS = {"tags": 100, "languages": 60, "accessibility": 60, "postal_code": 20}
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]{0,200}(?:\x07|\x1b\\)?|[@-_])")
#: Control characters (C0, DEL, C1: NUL, newlines, tabs, escape), zero-width characters
#: and joiners, the byte-order mark, bidirectional controls and lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (``"\\udce9"`` from a latin-1 terminal decoded
    with ``surrogateescape``) replaced by U+FFFD, so that no encoder, tokenizer or writer
    downstream raises a ``UnicodeEncodeError`` holding the whole text."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def clean_short_field(value: object, *, max_chars: int) -> tuple[str, list[str]]:
    """The one cleaning of identifiers and short fields (ids, tags, languages, postal
    codes): Unicode NFC; ANSI escape sequences, control characters (NUL, newlines),
    zero-width, bidirectional and surrogate characters removed; surrounding spaces
    stripped. Returns ``(clean, changes)``: ``changes`` names what was done (``"normalised
    to NFC"``, ``"removed 2 control/invisible characters"``, ``"longer than N
    characters"``), never the value. The caller decides what a too-long value means (an id
    is refused, a tag dropped); ``clean`` is cut to ``max_chars`` in that case.
    """
    raw = value if isinstance(value, str) else str(value)
    changes: list[str] = []
    if len(raw) > 20 * max_chars:  # do not normalise megabytes to throw them away
        raw = raw[: 20 * max_chars]
    s = _ANSI.sub("", raw)
    if s != raw:
        changes.append("removed ANSI escape sequences")
    n = len(_INVISIBLE.findall(s))
    if n:
        s = _INVISIBLE.sub("", s)
        changes.append(f"removed {n} control/invisible characters")
    nfc = unicodedata.normalize("NFC", s)
    if nfc != s:
        changes.append("normalised to NFC")
    s = re.sub(r"\s+", " ", nfc).strip()
    if len(s) > max_chars or len(value if isinstance(value, str) else raw) > 20 * max_chars:
        changes.append(f"longer than {max_chars} characters")
        s = s[:max_chars]
    return s, changes
