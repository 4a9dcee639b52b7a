"""Free-text opening hours ("Monday-Friday, 8:30-5; Saturday, 10-2") into weekly sessions.

Real directories write hours for people, not machines. :func:`parse_hours` reads the common
shapes: day names, day ranges and lists (``Monday, Wednesday, Friday``, ``Mon-Fri``,
``M-F``, ``Daily``, ``Weekends``), time ranges with or without am/pm (``8:30-5`` means
08:30-17:00), several ranges per day (``9-12, 1-5``), ``noon``/``midnight``, ``to``/
``through`` and "24 hours". Times without am/pm are read the way people write office
hours: a start of 1-5 o'clock is in the afternoon, an end that is not after the start is in
the afternoon or evening. Text it cannot place (months, notes such as "Closed holidays") is
returned as ``leftover`` so the caller can report a partial parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import ScheduleParseError
from ..features.schedule import MAX_SCHEDULE_CHARS, Session, format_sessions, guard_time_text

__all__ = ["HoursParse", "parse_hours"]

_DAY_WORDS = {
    "monday": 0, "mon": 0, "mo": 0, "m": 0,
    "tuesday": 1, "tues": 1, "tue": 1, "tu": 1,
    "wednesday": 2, "wed": 2, "we": 2, "w": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "th": 3,
    "friday": 4, "fri": 4, "fr": 4, "f": 4,
    "saturday": 5, "sat": 5, "sa": 5,
    "sunday": 6, "sun": 6, "su": 6,
}  # fmt: skip
_GROUP_WORDS = {
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "every day": tuple(range(7)),
    "7 days a week": tuple(range(7)),
    "7 days": tuple(range(7)),
    "seven days a week": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|mon|tue|wed|thu|fri|sat|sun|mo|tu|we|th|fr|sa|su|m|w|f)\.?"
_GROUP = r"(?:seven days a week|7 days a week|7 days|every day|everyday|daily|weekdays|weekends?)"
# "a"/"p" alone only when no letter follows: "11-4 and by appointment" is not 4 am
_T = r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|a(?![a-z])|p(?![a-z]))?|noon|midnight)"
_TOKEN = re.compile(
    rf"(?P<tr>(?<![\d:])(?P<t1>{_T})\s*-\s*(?P<t2>{_T})(?![\d:]))"
    rf"|(?P<dr>\b(?P<d1>{_DAY})\s*-\s*(?P<d2>{_DAY})(?![a-z]))"
    rf"|(?P<g>\b{_GROUP}\b)"
    rf"|(?P<d>\b{_DAY}(?![a-z]))",
)
_ALLDAY = re.compile(r"\b24\s*(?:-\s*)?(?:hours?|hrs?)\b|\b24\s*/\s*7\b|\bopen 24\b")
_NOISE = re.compile(
    r"\b(?:and|or|from|open|hours|hrs|closed (?:on )?(?:all )?(?:major )?holidays|"
    r"except holidays|by appointment|by appt|also|only|a day|a week|office|daily|"
    r"appointments?)\b|[,;:.&/()+\-\s]"
)


@dataclass(frozen=True)
class HoursParse:
    """The result of reading one hours string.

    ``sessions`` is empty when nothing could be read; ``leftover`` is the text that was not
    understood (empty when the whole string was read).
    """

    sessions: tuple[Session, ...]
    leftover: str
    #: How ambiguous parts were read ("9:00-5:00" as 09:00-17:00), for the load report.
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.sessions)

    @property
    def complete(self) -> bool:
        return bool(self.sessions) and not self.leftover

    @property
    def schedule(self) -> str | None:
        """The sessions in rxmatch's schedule format (``"Mon 08:30-17:00; ..."``)."""
        return format_sessions(self.sessions) if self.sessions else None


def _normalize(text: str) -> str:
    t = text.lower().replace("–", "-").replace("—", "-")
    t = re.sub(r"\s+(?:to|through|thru|until|till|til)\s+", "-", t)
    t = re.sub(r"(\d)\s*(?:o'?clock)", r"\1", t)
    t = re.sub(r"\b(a|p)\.\s?m\.?", r"\1m", t)
    t = re.sub(r"\b(?:12\s*)?noon\b", "12pm", t)
    t = re.sub(r"\b(?:12\s*)?midnight\b", "12am", t)
    return t


def _clock(text: str) -> tuple[int, int, str]:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a|p)?", text.strip())
    if not m:
        raise ValueError(text)
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if h > 24 or mi >= 60 or (h == 24 and mi):
        raise ValueError(text)
    return h, mi, (m.group(3) or "")[:1]


def _to_minutes(h: int, mi: int, ap: str) -> int:
    if ap == "p" and h < 12:
        h += 12
    elif ap == "a" and h == 12:
        h = 0
    return (h * 60 + mi) % 1440 if h < 24 else 1439


def _time_range(t1: str, t2: str, notes: list[str] | None = None) -> tuple[int, int]:
    h1, m1, a1 = _clock(t1)
    h2, m2, a2 = _clock(t2)
    if h1 > 12 or h2 > 12:  # 24-hour clock: take literally
        a1 = a1 if h1 <= 12 else ""
        a2 = a2 if h2 <= 12 else ""
    end = _to_minutes(h2, m2, a2) if (a2 or h2 > 12) else None
    if a1 or h1 > 12:
        start = _to_minutes(h1, m1, a1)
    elif a2 and h1 <= 12:
        # "7-9:30 pm": the start shares the end's half of the day when that keeps it earlier.
        same = _to_minutes(h1, m1, a2)
        start = same if end is not None and same < end else _to_minutes(h1, m1, "a")
    elif 1 <= h1 <= 5 or (h1 == 6 and 7 <= h2 <= 11):
        start = (h1 + 12) * 60 + m1  # "1-8", "2-6:30", "6-9": afternoon/evening starts
    else:
        start = (h1 % 24) * 60 + m1
    if end is None:
        end = (h2 % 24) * 60 + m2
        if h2 == 24:
            end = 1439
        elif end <= start and h2 < 12:
            end += 720
            if notes is not None and not a1 and h1 <= 12:
                notes.append(
                    f"a range ending before it starts with no am/pm was read as "
                    f"{start // 60:02d}:{start % 60:02d}-{end // 60 % 24:02d}:{end % 60:02d}"
                    " (office hours), not as running overnight"
                )
        if end == start:
            end = (end + 720) % 1440
    if end == 0:
        end = 1439  # "until midnight"
    return start, end


def _days_of(m: re.Match[str]) -> tuple[int, ...]:
    if m.group("g"):
        return _GROUP_WORDS[m.group("g")]
    if m.group("dr"):
        a = _DAY_WORDS[m.group("d1").rstrip(".")]
        b = _DAY_WORDS[m.group("d2").rstrip(".")]
        return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))
    return (_DAY_WORDS[m.group("d").rstrip(".")],)


def parse_hours(text: str | None) -> HoursParse:
    """Read a free-text hours string into weekly sessions.

    >>> parse_hours("Monday-Friday, 8:30-5; Saturday, 10-2").schedule
    'Mon 08:30-17:00; Tue 08:30-17:00; Wed 08:30-17:00; Thu 08:30-17:00; Fri 08:30-17:00; Sat 10:00-14:00'
    >>> parse_hours("24 hours daily").schedule.split("; ")[0]
    'Mon 00:00-23:59'
    >>> parse_hours("By appointment").ok
    False
    """
    if text is None:
        return HoursParse((), "")
    try:  # one space for every run of whitespace, and a cap, before any pattern runs
        text = guard_time_text(text, what="hours")
    except ScheduleParseError:
        return HoursParse((), f"(hours text over {MAX_SCHEDULE_CHARS} characters, not read)")
    if not text:
        return HoursParse((), "")
    t = _normalize(text)
    if _ALLDAY.search(t) and not re.search(r"\d{1,2}(?::\d{2})?\s*-\s*\d", _ALLDAY.sub(" ", t)):
        rest = _ALLDAY.sub(" ", t)
        days: set[int] = set()
        for m in _TOKEN.finditer(rest):
            if m.group("g") or m.group("dr") or m.group("d"):
                days.update(_days_of(m))
                rest = rest.replace(m.group(0), " ", 1)
        sessions = tuple(Session(d, 0, 1439) for d in sorted(days or range(7)))
        return HoursParse(sessions, _leftover(rest))
    out: set[Session] = set()
    pending_days: list[int] = []
    days_have_time = False
    orphan_ranges: list[tuple[int, int]] = []
    consumed: list[tuple[int, int]] = []
    notes: list[str] = []
    for m in _TOKEN.finditer(t):
        if m.group("tr"):
            try:
                rng = _time_range(m.group("t1"), m.group("t2"), notes)
            except ValueError:
                continue
            consumed.append(m.span())
            if pending_days:
                out.update(Session(d, rng[0], rng[1]) for d in pending_days)
                days_have_time = True
            else:
                orphan_ranges.append(rng)
        else:
            word = m.group(0)
            # Single letters only count as days next to other day tokens ("M-F", "M, W, F").
            if m.group("d") and len(word.rstrip(".")) <= 2 and not pending_days:
                nxt = t[m.end() : m.end() + 12]
                if not re.match(rf"\s*[,&/]\s*{_DAY}|\s*,?\s*\d", nxt):
                    continue
            consumed.append(m.span())
            if days_have_time:
                pending_days, days_have_time = [], False
            pending_days.extend(_days_of(m))
    if pending_days and not days_have_time and orphan_ranges:
        out.update(Session(d, s, e) for d in pending_days for s, e in orphan_ranges)
    rest = t
    for a, b in sorted(consumed, reverse=True):
        rest = rest[:a] + " " + rest[b:]
    sessions = tuple(sorted(s for s in out if s.start != s.end))
    return HoursParse(
        sessions,
        _leftover(rest) if sessions else str(text).strip(),
        tuple(dict.fromkeys(notes)) if sessions else (),
    )


def _leftover(rest: str) -> str:
    return re.sub(r"\s+", " ", _NOISE.sub(" ", rest)).strip()
