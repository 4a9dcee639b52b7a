"""Hard eligibility rules: age, language, accessibility, cost, online, category and
schedule (:func:`schedule_rule`).

Each rule is a filter, not a penalty; every exclusion keeps a reason code so that
"why not X?" can be answered. Unknown facts (a resource that does not say whether it is
accessible or free, or in which languages it runs, for a person who does not speak English)
are not excluded: they are flagged, and the flag lowers the score a little and shows in the
explanation, so that the link worker can check.

The rules run vectorized over candidate rows: languages and accessibility codes are stored
as bit masks (``uint64`` words), so a query does no per-row Python work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "EligibilityIndex",
    "EligibilityResult",
    "schedule_rule",
    "REASON_CODES",
    "FLAG_TEXT",
    "flag_texts",
    "exclusion_reason",
    "reason_code",
]

REASON_CODES = {
    "age_below_min": "the person is younger than the minimum age",
    "age_above_max": "the person is older than the maximum age",
    "language": "no language in common",
    "accessibility": "lacks a needed accessibility feature",
    "not_free": "not free, and free-only was asked",
    "not_online": "not online, and online-only was asked",
    "online_not_ok": "online only, and the person does not want online",
    "category_excluded": "in a category the person excluded",
    "schedule_conflict": "no session when the person is free",
}
_CODE_ORDER = tuple(REASON_CODES)

FLAG_TEXT = {
    1: "accessibility not stated",
    2: "cost not stated",
    4: "language not stated",
    8: "times not stated",
}


def _bitmasks(values: Sequence[Sequence[str]]) -> tuple[dict[str, int], np.ndarray]:
    # lists repeat (a few languages, a few accessibility codes): each distinct one is
    # read once, in order of first appearance (so the vocabulary is numbered as a loop
    # over the records numbers it)
    from ._bulk import distinct_texts

    which, distinct = distinct_texts([tuple(vs) for vs in values])
    vocab: dict[str, int] = {}
    for vs in distinct:
        for v in vs:
            vocab.setdefault(v, len(vocab))
    words = max(1, (len(vocab) + 63) // 64)
    mask = np.zeros((len(distinct), words), dtype=np.uint64)
    for i, vs in enumerate(distinct):
        for v in vs:
            b = vocab[v]
            mask[i, b // 64] |= np.uint64(1) << np.uint64(b % 64)
    return vocab, mask[which] if len(values) else np.zeros((0, words), dtype=np.uint64)


def _query_mask(
    vocab: dict[str, int], values: Sequence[str], words: int
) -> tuple[np.ndarray, list[str]]:
    mask = np.zeros(words, dtype=np.uint64)
    unknown = []
    for v in values:
        if v in vocab:
            b = vocab[v]
            mask[b // 64] |= np.uint64(1) << np.uint64(b % 64)
        else:
            unknown.append(v)
    return mask, unknown


@dataclass(frozen=True)
class EligibilityResult:
    """Outcome of the rules over candidate rows (aligned with the rows checked)."""

    keep: np.ndarray  # bool
    code: np.ndarray  # int8: -1 kept, else index into REASON_CODES
    flags: np.ndarray  # uint8 bit set of FLAG_TEXT keys

    def code_name(self, i: int) -> str | None:
        return reason_code(int(self.code[i]))


#: the flag of a kept candidate that lists no sessions when the person gave times
NO_SESSIONS_FLAG = 8


def schedule_rule(
    result: EligibilityResult,
    rows: np.ndarray,
    has_sessions: np.ndarray,
    fit_of: Callable[[int], tuple[float | None, Any]],
) -> None:
    """The schedule rule, for a person who needs their times to fit
    (``availability_required``): a kept candidate none of whose sessions fits
    (``fit_of(row)``, a :func:`~rxmatch.features.schedule.schedule_fit`) is left out as a
    ``schedule_conflict``, and one that lists no sessions is kept and flagged "times not
    stated". ``has_sessions`` is aligned with ``rows``; ``result`` is updated in place."""
    keep = result.keep
    code = _CODE_ORDER.index("schedule_conflict")
    for i in np.flatnonzero(keep & has_sessions):
        fit, _ = fit_of(int(rows[i]))
        if not fit:
            keep[i] = False
            result.code[i] = code
    result.flags[keep & ~has_sessions] |= NO_SESSIONS_FLAG


def reason_code(code: int) -> str | None:
    """The reason code (a key of :data:`REASON_CODES`) of an ``EligibilityResult.code``
    value; ``None`` for -1 (kept)."""
    return None if code < 0 else _CODE_ORDER[code]


class EligibilityIndex:
    """Per-resource facts for the hard rules, as arrays built once at fit time."""

    def __init__(
        self,
        *,
        min_age: np.ndarray,
        max_age: np.ndarray,
        languages: Sequence[Sequence[str]],
        accessibility: Sequence[Sequence[str]],
        free: Sequence[bool | None],
        online: np.ndarray,
        has_place: np.ndarray,
        category_index: np.ndarray,
    ):
        self.min_age = np.asarray(min_age, dtype=np.float64)
        self.max_age = np.asarray(max_age, dtype=np.float64)
        self.lang_vocab, self.lang_mask = _bitmasks(languages)
        self.has_lang = np.array([len(v) > 0 for v in languages], dtype=bool)
        self.access_vocab, self.access_mask = _bitmasks(accessibility)
        self.has_access = np.array([len(v) > 0 for v in accessibility], dtype=bool)
        self.free = np.array([-1 if f is None else int(bool(f)) for f in free], dtype=np.int8)
        self.online = np.asarray(online, dtype=bool)
        self.has_place = np.asarray(has_place, dtype=bool)
        self.category_index = np.asarray(category_index, dtype=np.intp)

    #: the arrays :meth:`arrays` returns and :meth:`from_arrays` takes
    ARRAYS = ("min_age", "max_age", "lang_mask", "has_lang", "access_mask", "has_access", "free")

    def arrays(self) -> tuple[dict[str, np.ndarray], dict[str, dict[str, int]]]:
        """The index as arrays and its two vocabularies (to save it without pickle)."""
        arrays = {name: getattr(self, name) for name in self.ARRAYS}
        return arrays, {"languages": self.lang_vocab, "accessibility": self.access_vocab}

    @classmethod
    def from_arrays(
        cls,
        arrays: dict[str, np.ndarray],
        vocabularies: dict[str, dict[str, int]],
        *,
        online: np.ndarray,
        has_place: np.ndarray,
        category_index: np.ndarray,
    ) -> EligibilityIndex:
        """The index from :meth:`arrays` (a saved index reloads it with no per-row work)."""
        self = cls.__new__(cls)
        for name in cls.ARRAYS:
            setattr(self, name, arrays[name])
        self.lang_vocab = {str(k): int(v) for k, v in vocabularies["languages"].items()}
        self.access_vocab = {str(k): int(v) for k, v in vocabularies["accessibility"].items()}
        self.online = np.asarray(online, dtype=bool)
        self.has_place = np.asarray(has_place, dtype=bool)
        self.category_index = np.asarray(category_index, dtype=np.intp)
        return self

    def check(
        self,
        rows: np.ndarray,
        *,
        age: float | None,
        languages: Sequence[str],
        accessibility_needs: Sequence[str],
        free_only: bool,
        online_only: bool,
        online_ok: bool,
        excluded_category_index: Sequence[int],
    ) -> EligibilityResult:
        """Apply the person's constraints to ``rows`` (positions in the fitted table)."""
        n = len(rows)
        code = np.full(n, -1, dtype=np.int8)
        flags = np.zeros(n, dtype=np.uint8)

        def fail(mask: np.ndarray, name: str) -> None:
            code[(code < 0) & mask] = _CODE_ORDER.index(name)

        if age is not None:
            lo, hi = self.min_age[rows], self.max_age[rows]
            fail(~np.isnan(lo) & (age < lo), "age_below_min")
            fail(~np.isnan(hi) & (age > hi), "age_above_max")
        if languages:
            qmask, _ = _query_mask(self.lang_vocab, languages, self.lang_mask.shape[1])
            common = ((self.lang_mask[rows] & qmask) != 0).any(axis=1)
            has = self.has_lang[rows]
            fail(has & ~common, "language")
            if "english" not in languages:
                flags[~has] |= 4
        if accessibility_needs:
            need, unknown = _query_mask(
                self.access_vocab, accessibility_needs, self.access_mask.shape[1]
            )
            has = self.has_access[rows]
            if unknown:  # no resource offers it: every resource that states its access lacks it
                fail(has, "accessibility")
            else:
                ok = ((self.access_mask[rows] & need) == need).all(axis=1)
                fail(has & ~ok, "accessibility")
            flags[~has] |= 1
        if free_only:
            fr = self.free[rows]
            fail(fr == 0, "not_free")
            flags[fr < 0] |= 2
        online = self.online[rows]
        if online_only:
            fail(~online, "not_online")
        if not online_ok:
            fail(online & ~self.has_place[rows], "online_not_ok")
        if len(excluded_category_index):
            fail(
                np.isin(self.category_index[rows], list(excluded_category_index)),
                "category_excluded",
            )
        keep = code < 0
        flags[~keep] = 0
        return EligibilityResult(keep=keep, code=code, flags=flags)


def flag_texts(bits: int) -> tuple[str, ...]:
    """The flags set in ``bits`` as short texts."""
    if not bits:
        return ()
    return tuple(t for b, t in FLAG_TEXT.items() if bits & b)


def _fmt_age(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def exclusion_reason(
    code: str,
    *,
    min_age: float,
    max_age: float,
    languages: Sequence[str],
    accessibility_needs: Sequence[str],
    res_access: Sequence[str],
) -> str:
    """A short human-readable reason for an exclusion code and the resource's facts."""
    if code == "age_below_min":
        return f"for ages {_fmt_age(min_age)}+"
    if code == "age_above_max":
        return f"for ages up to {_fmt_age(max_age)}"
    if code == "language":
        return f"offered in {', '.join(sorted(languages))} only"
    if code == "accessibility":
        lacking = [a for a in accessibility_needs if a not in set(res_access)]
        return f"no {', '.join(lacking).replace('_', ' ')}"
    if code == "not_free":
        return "not free"
    if code == "not_online":
        return "not available online"
    if code == "online_not_ok":
        return "online only"
    if code == "category_excluded":
        return "in an excluded category"
    if code == "schedule_conflict":
        return "no session when you are free"
    return REASON_CODES.get(code, code)
