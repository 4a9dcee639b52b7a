"""Weekly schedules: parse sessions, parse a person's free windows, and score the overlap.

Times are minutes from Monday 00:00 (a week has 10,080 minutes). A session whose end is
before its start crosses midnight (``Fri 22:00-02:00`` runs into Saturday); windows wrap
around the end of the week (Sunday night into Monday morning).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..exceptions import ScheduleParseError

__all__ = [
    "Session",
    "guard_time_text",
    "parse_schedule",
    "parse_schedule_notes",
    "parse_availability",
    "schedule_fit",
    "format_sessions",
    "DAYS",
]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Longest schedule / hours string read (after whitespace is collapsed); a week of
#: sessions written out ("Mon 10:00-12:00; ...") takes a few hundred characters.
MAX_SCHEDULE_CHARS = 2000
#: Longest single availability window ("weekday mornings", "Sat 10:00-14:00").
MAX_WINDOW_CHARS = 200
_WHITESPACE = re.compile(r"\s+")


def guard_time_text(text: object, *, what: str, max_chars: int = MAX_SCHEDULE_CHARS) -> str:
    """The one guard every schedule, hours and availability string passes before any
    regular expression sees it: runs of whitespace (any Unicode space, tab or newline)
    become one space, the ends are stripped, and the result is capped at ``max_chars``.

    After it, no pattern can meet a long run of spaces (the ``\\s*`` next to ``\\s+`` that
    made parsing cubic), and every pattern runs on bounded input. Raises
    :class:`ScheduleParseError` (naming ``what``, never the text) when the text is longer.
    """
    raw = text if isinstance(text, str) else str(text)
    if len(raw) > 50 * max_chars:  # do not even scan a huge value
        raise ScheduleParseError(f"{what} is longer than {max_chars} characters")
    out = _WHITESPACE.sub(" ", raw).strip()
    if len(out) > max_chars:
        raise ScheduleParseError(f"{what} is longer than {max_chars} characters")
    return out


WEEK = 7 * 1440
_DAY_ALIASES = {
    "mon": 0,
    "monday": 0,
    "lun": 0,
    "lunes": 0,
    "m": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "mar": 1,
    "martes": 1,
    "tu": 1,
    "wed": 2,
    "wednesday": 2,
    "mie": 2,
    "mié": 2,
    "miercoles": 2,
    "miércoles": 2,
    "w": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "jue": 3,
    "jueves": 3,
    "th": 3,
    "fri": 4,
    "friday": 4,
    "vie": 4,
    "viernes": 4,
    "f": 4,
    "sat": 5,
    "saturday": 5,
    "sab": 5,
    "sáb": 5,
    "sabado": 5,
    "sábado": 5,
    "sa": 5,
    "sun": 6,
    "sunday": 6,
    "dom": 6,
    "domingo": 6,
    "su": 6,
}
_GROUPS = {
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "every day": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekday": tuple(range(5)),
    "weekends": (5, 6),
    "weekend": (5, 6),
}


@dataclass(frozen=True, order=True)
class Session:
    """One weekly session: ``day`` 0=Monday…6=Sunday, ``start``/``end`` in minutes after
    midnight; ``end <= start`` means the session runs past midnight into the next day."""

    day: int
    start: int
    end: int

    @property
    def duration(self) -> int:
        d = self.end - self.start
        return d if d > 0 else d + 1440

    def week_interval(self) -> tuple[int, int]:
        """(start, end) in minutes from Monday 00:00; ``end`` may exceed one week."""
        s = self.day * 1440 + self.start
        return s, s + self.duration

    def __str__(self) -> str:
        return _session_text(self.day, self.start, self.end)


@lru_cache(maxsize=1 << 14)
def _session_text(day: int, start: int, end: int) -> str:
    """``str(Session(day, start, end))`` (cached: a directory's sessions repeat, and the
    explanation of each match quotes them)."""
    end_text = "24:00" if end == 1440 else _fmt(end)
    return f"{DAYS[day]} {_fmt(start)}-{end_text}"


def _fmt(m: int) -> str:
    return f"{(m // 60) % 24:02d}:{m % 60:02d}"


_TIME = r"(\d{1,2})(?:[:.](\d{2}))? ?(am|pm|a\.m\.|p\.m\.)?"
_WORD = r"[A-Za-zéá]+"
# Run on guard_time_text's output (single spaces, no ends): words and spaces are disjoint
# and every space is one character, so no two parts can trade characters (no backtracking
# blow-up; the old ``[A-Za-z ]+?`` then ``\s*,?\s+`` was cubic in a run of spaces).
_SESSION_RE = re.compile(
    rf"(?P<days>{_WORD}(?: {_WORD})*?)(?: ?[-–] ?(?P<day2>{_WORD}))? ?,? "
    rf"(?P<t1>{_TIME}) ?[-–] ?(?P<t2>{_TIME})",
    re.IGNORECASE,
)


def _clock(text: str) -> tuple[int, bool]:
    """``(minutes after midnight, am/pm given)`` of one time; ``ValueError`` when it is not
    a time of day (hours over 24, minutes over 59, ``24:30``)."""
    m = re.fullmatch(_TIME, guard_time_text(text, what="a time", max_chars=20), re.IGNORECASE)
    if not m:
        raise ValueError("not a time")
    h, mi, ap = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower().replace(".", "")
    if ap and not 1 <= h <= 12:
        raise ValueError("not a 12-hour time")
    if ap == "pm" and h < 12:
        h += 12
    elif ap == "am" and h == 12:
        h = 0
    if not (0 <= h <= 24 and 0 <= mi < 60) or (h == 24 and mi):
        raise ValueError("time out of range")
    return h * 60 + mi, bool(ap)


def _parse_time(text: str) -> int:
    return _clock(text)[0]


def _time_pair(t1: str, t2: str) -> tuple[int, int, str | None]:
    """The one reading of a time range: ``(start, end, note)``.

    A range that ends before it starts, with no am/pm on either side and both hours on
    the 12-hour dial (``9-5``, ``9:00-5:00``, ``10-2``), is office hours written for
    people (09:00-17:00), not a 20-hour overnight session: the end is moved to the
    afternoon and ``note`` says so. A 24-hour start (``22:00-02:00``) still crosses
    midnight, and so does an end written on the 24-hour clock (``09:00-05:00``, the
    canonical form :func:`format_sessions` writes).
    """
    a, a_ap = _clock(t1)
    b, b_ap = _clock(t2)
    note = None
    dial = not t2.strip().startswith("0")  # "05:00" is the 24-hour clock: kept overnight
    if (
        b < a
        and dial
        and not (a_ap or b_ap)
        and 60 <= a < 13 * 60
        and 60 <= b < 12 * 60
        and b + 720 > a
    ):
        b += 720
        note = (
            f"a range ending before it starts with no am/pm was read as "
            f"{_fmt(a)}-{_fmt(b)} (office hours), not as running overnight"
        )
    return a, b, note


def _days(first: str, second: str | None) -> tuple[int, ...]:
    first = first.strip().lower()
    if second is None and first in _GROUPS:
        return _GROUPS[first]
    if first not in _DAY_ALIASES:
        raise ValueError(first)
    a = _DAY_ALIASES[first]
    if second is None:
        return (a,)
    second = second.strip().lower()
    if second not in _DAY_ALIASES:
        raise ValueError(second)
    b = _DAY_ALIASES[second]
    return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))


def parse_schedule(value: object) -> tuple[Session, ...]:
    """Parse a weekly schedule into sessions.

    Accepts ``"Mon 10:00-12:00; Wed 18:30-20:00"``, day ranges (``"Mon-Fri 09:00-17:00"``),
    ``Daily``/``Weekdays``/``Weekends``, 12-hour times (``"Sat 10am-2pm"``), a list of
    such strings, or a list of ``{"day", "start", "end"}`` mappings. Empty input gives ``()``.
    ``"Mon 9-5"`` is 09:00-17:00 (see :func:`parse_schedule_notes` for the note saying
    so); times out of range (``25:00``) are refused. Raises :class:`ScheduleParseError`
    naming the part it could not read.
    """
    return parse_schedule_notes(value)[0]


def parse_schedule_notes(value: object) -> tuple[tuple[Session, ...], tuple[str, ...]]:
    """:func:`parse_schedule`, and the notes on how ambiguous parts were read (for the
    directory's load report)."""
    if value is None:
        return (), ()
    if isinstance(value, float) and value != value:  # NaN
        return (), ()
    parts: list[object]
    if isinstance(value, str):
        value = guard_time_text(re.sub(r"[\r\n]", ";", value), what="schedule")
        parts = [p for p in value.split(";") if p.strip()]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        raise ScheduleParseError(f"schedule must be a string or a list, not {type(value).__name__}")
    out: list[Session] = []
    notes: list[str] = []
    for pos, part in enumerate(parts):
        if isinstance(part, dict):
            try:
                days = _days(str(part["day"]), None)
                t1, t2, note = _time_pair(_time_text(part["start"]), _time_text(part["end"]))
            except (KeyError, ValueError, OverflowError):
                raise ScheduleParseError(f"cannot read schedule session {pos}") from None
        else:
            text = guard_time_text(part, what="schedule session")
            m = _SESSION_RE.fullmatch(text)
            if not m:
                raise ScheduleParseError(f"cannot read schedule session {text[:60]!r}")
            try:
                days = _days(m.group("days"), m.group("day2"))
                t1, t2, note = _time_pair(m.group("t1"), m.group("t2"))
            except ValueError as exc:
                raise ScheduleParseError(
                    f"cannot read schedule session {text[:60]!r} ({exc})"
                ) from None
        if t1 == t2:
            raise ScheduleParseError(f"schedule session {pos} has zero length")
        if note:
            notes.append(f"session {pos}: {note}")
        end = t2 if t2 == 1440 and t1 != 1440 else t2 % 1440  # "24:00" ends the day
        out.extend(Session(d, t1 % 1440, end) for d in days)
    return tuple(sorted(set(out))), tuple(notes)


def _time_text(v: object) -> str:
    """A time given as a value (``"10:00"``, ``10``, ``10.5`` hours); refuses
    non-finite and huge numbers instead of overflowing."""
    if isinstance(v, bool):
        raise ValueError("not a time")
    if isinstance(v, float):
        if not (v == v and abs(v) <= 24):
            raise ValueError("time out of range")
        if not v.is_integer():
            return f"{int(v)}:{round((v - int(v)) * 60):02d}"
        v = int(v)
    if isinstance(v, int) and not 0 <= v <= 24:
        raise ValueError("time out of range")
    return str(v)[:20]


def format_sessions(sessions: Sequence[Session]) -> str:
    """The canonical string form, ``"Mon 10:00-12:00; Wed 18:30-20:00"``."""
    return "; ".join(str(s) for s in sessions)


# Named parts of the day, in minutes after midnight.
_PARTS = {
    "morning": (6 * 60, 12 * 60),
    "mornings": (6 * 60, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "afternoons": (12 * 60, 17 * 60),
    "evening": (17 * 60, 22 * 60),
    "evenings": (17 * 60, 22 * 60),
    "night": (21 * 60, 30 * 60),
    "nights": (21 * 60, 30 * 60),
    "daytime": (8 * 60, 17 * 60),
    "day": (8 * 60, 17 * 60),
    "anytime": (0, 1440),
    "any time": (0, 1440),
}


#: Words that carry no time in a window ("free on weekday mornings", "any weekend").
_FILLER = frozenset(
    "i am im i'm can could free available availability only on in at the a an and or "
    "any all every most usually generally time times mostly".split()
)
#: Words that exclude what follows ("weekday mornings except tuesdays", "not mondays").
_NEGATION = re.compile(
    r"\b(?:except(?: for| on)?|excluding|but not|apart from|other than|besides|not|no|never|"
    r"without|but)\b"
)


def _day_word(w: str) -> tuple[int, ...] | None:
    """The days a word names ("weekends", "tuesdays", "mon"), else ``None``."""
    if w in _GROUPS:
        return _GROUPS[w]
    if len(w) > 2 and w.rstrip("s") in _DAY_ALIASES:
        return (_DAY_ALIASES[w.rstrip("s")],)
    if len(w) > 2 and w in _DAY_ALIASES:
        return (_DAY_ALIASES[w],)
    return None


def _read_window(text: str, pos: int) -> list[tuple[int, int]]:
    """One free window in words. Every word must be understood: a day, a part of the day,
    ``after``/``before`` a time, a filler word, or an exclusion of days (``except
    tuesdays``, ``but not weekends``, ``not mondays``). Anything else, including an
    exclusion of something other than days (``not evenings``), is refused: a window read
    half-way (or inverted) would silently show the wrong resources."""
    where = f"availability window {pos}"
    neg = _NEGATION.search(text)
    excluded: set[int] = set()
    if neg:
        head, tail = text[: neg.start()], text[neg.end() :]
        tail_words = tail.replace(",", " ").split()
        if not tail_words or _NEGATION.search(tail):
            raise ScheduleParseError(f"cannot read the exclusion in {where}")
        for w in tail_words:
            d = _day_word(w)
            if d is not None:
                excluded.update(d)
            elif w not in ("and", "or", "on", "the"):
                raise ScheduleParseError(
                    f"cannot read the exclusion in {where}: only days can be excluded "
                    f"(e.g. 'weekday mornings except tuesdays')"
                )
        text = head
    days: set[int] = set()
    span: tuple[int, int] | None = None
    m = re.search(r"\b(after|from|before|until)\s+(" + _TIME + r"|noon|midnight)(?![\w:.])", text)
    if m:
        word = m.group(2)
        try:
            t = 720 if word == "noon" else 0 if word == "midnight" else _parse_time_loose(word)
        except ValueError:
            raise ScheduleParseError(f"cannot read the time in {where}") from None
        span = (t, 1440) if m.group(1) in ("after", "from") else (0, t)
        text = text[: m.start()] + " " + text[m.end() :]
    for w in text.replace(",", " ").split():
        d = _day_word(w)
        if d is not None:
            days.update(d)
        elif w in _PARTS:
            if span is not None and span != _PARTS[w]:
                raise ScheduleParseError(f"cannot read {where}: more than one time of day")
            span = _PARTS[w]
        elif w not in _FILLER:
            # the window is the person's words: name its position, never its text
            raise ScheduleParseError(f"cannot read {where}")
    if not days and span is None and not excluded:
        raise ScheduleParseError(f"cannot read {where}")
    chosen = sorted((days or set(range(7))) - excluded)
    if not chosen:
        raise ScheduleParseError(f"{where} excludes every day it names")
    lo, hi = span if span is not None else (0, 1440)
    return [(d * 1440 + lo, d * 1440 + hi) for d in chosen]


def parse_availability(windows: object) -> tuple[tuple[int, int], ...]:
    """Parse a person's free windows into week intervals (minutes from Monday 00:00).

    Understands phrases such as ``"weekday mornings"``, ``"evenings"``, ``"weekends"``,
    ``"after 6 pm"``, ``"before noon"``, ``"Tue afternoons"``, exclusions of days
    (``"weekday mornings except tuesdays"``, ``"evenings but not weekends"``, ``"not
    mondays"``) and explicit sessions in the schedule format (``"Sat 10:00-14:00"``).
    Raises :class:`ScheduleParseError` (naming the window's position) for anything else,
    including times out of range (``"Mon 25:00-26:00"``) and words it does not know.
    """
    if windows is None:
        return ()
    items = [windows] if isinstance(windows, str) else list(windows)  # type: ignore[arg-type]
    out: list[tuple[int, int]] = []
    for pos, item in enumerate(items):
        text = guard_time_text(item, what=f"availability window {pos}", max_chars=MAX_WINDOW_CHARS)
        text = text.lower()
        if not text:
            continue
        if re.search(r"\d", text) and not re.search(r"\b(?:after|from|before|until)\b", text):
            try:  # a time range: the schedule format, or nothing
                out.extend(s.week_interval() for s in parse_schedule(text))
            except ScheduleParseError:
                raise ScheduleParseError(f"cannot read availability window {pos}") from None
            continue
        out.extend(_read_window(text, pos))
    return tuple(sorted(out))


def _parse_time_loose(text: str) -> int:
    t = _parse_time(text)
    # "after 6" with no am/pm means the evening.
    if not re.search(r"am|pm|a\.m|p\.m", text) and t < 8 * 60:
        t += 12 * 60
    return t


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    total = 0
    for shift in (-WEEK, 0, WEEK):
        lo, hi = max(a[0], b[0] + shift), min(a[1], b[1] + shift)
        total += max(0, hi - lo)
    return total


def schedule_fit(
    sessions: Sequence[Session], windows: Sequence[tuple[int, int]]
) -> tuple[float | None, Session | None]:
    """How well a resource's sessions fit a person's free windows.

    Returns ``(fit, best_session)``: ``fit`` in [0, 1] is the largest share of one session
    that falls inside the person's windows (1.0: some session fits entirely), ``None`` when
    either side is unknown.
    """
    if not sessions or not windows:
        return None, None
    best, best_s = 0.0, None
    for s in sessions:
        iv = s.week_interval()
        covered = sum(_overlap(iv, w) for w in windows)
        share = min(1.0, covered / max(1, s.duration))
        if share > best:
            best, best_s = share, s
    return best, best_s
