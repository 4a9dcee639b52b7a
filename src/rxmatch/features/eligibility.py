"""Hard eligibility rules: age, language, accessibility, cost and online-only.

Each rule is a filter, not a penalty; every exclusion keeps a reason code so that
"why not X?" can be answered. Unknown facts (a resource that does not say whether it is
accessible or free) are not excluded: they are flagged, and the flag lowers the score a
little and shows in the explanation, so that the link worker can check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["EligibilityResult", "check_eligibility", "REASON_CODES"]

REASON_CODES = {
    "age_below_min": "the person is younger than the minimum age",
    "age_above_max": "the person is older than the maximum age",
    "language": "no language in common",
    "accessibility": "lacks a needed accessibility feature",
    "not_free": "not free, and free-only was asked",
    "not_online": "not online, and online-only was asked",
    "online_not_ok": "online, and the person does not want online",
    "category_excluded": "in a category the person excluded",
}


@dataclass(frozen=True)
class EligibilityResult:
    keep: np.ndarray  # bool mask over the rows checked
    codes: tuple[str | None, ...]  # first failing rule per row (None if kept)
    reasons: tuple[str | None, ...]
    flags: tuple[tuple[str, ...], ...]  # unknowns to check, per row


def _fmt_age(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def check_eligibility(
    *,
    age: float | None,
    languages: Sequence[str],
    accessibility_needs: Sequence[str],
    free_only: bool,
    online_only: bool,
    online_ok: bool,
    excluded_categories: Sequence[str],
    min_age: np.ndarray,
    max_age: np.ndarray,
    res_languages: Sequence[tuple[str, ...]],
    res_access: Sequence[tuple[str, ...]],
    res_free: Sequence[bool | None],
    res_online: np.ndarray,
    res_has_place: np.ndarray,
    res_category: Sequence[str | None],
) -> EligibilityResult:
    """Check a person's constraints against resource rows (arrays aligned by row)."""
    n = len(res_online)
    keep = np.ones(n, dtype=bool)
    codes: list[str | None] = [None] * n
    reasons: list[str | None] = [None] * n
    flags: list[tuple[str, ...]] = [()] * n
    person_langs = set(languages)
    speaks_english = not person_langs or "english" in person_langs
    excluded = set(excluded_categories)

    def fail(i: int, code: str, reason: str) -> None:
        if keep[i]:
            keep[i] = False
            codes[i] = code
            reasons[i] = reason

    for i in range(n):
        f: list[str] = []
        if age is not None:
            lo, hi = min_age[i], max_age[i]
            if not math.isnan(lo) and age < lo:
                fail(i, "age_below_min", f"for ages {_fmt_age(lo)}+")
            elif not math.isnan(hi) and age > hi:
                fail(i, "age_above_max", f"for ages up to {_fmt_age(hi)}")
        rl = set(res_languages[i])
        if person_langs:
            if rl and not (rl & person_langs):
                fail(i, "language", f"offered in {', '.join(sorted(rl))} only")
            elif not rl and not speaks_english:
                f.append("language not stated")
        if accessibility_needs:
            ra = set(res_access[i])
            if ra:
                lacking = [a for a in accessibility_needs if a not in ra]
                if lacking:
                    fail(i, "accessibility", f"no {', '.join(lacking).replace('_', ' ')}")
            else:
                f.append("accessibility not stated")
        if free_only:
            if res_free[i] is False:
                fail(i, "not_free", "not free")
            elif res_free[i] is None:
                f.append("cost not stated")
        if online_only and not res_online[i]:
            fail(i, "not_online", "not available online")
        if not online_ok and res_online[i] and not res_has_place[i]:
            fail(i, "online_not_ok", "online only")
        if res_category[i] in excluded:
            fail(i, "category_excluded", "in an excluded category")
        flags[i] = tuple(f)
    return EligibilityResult(keep, tuple(codes), tuple(reasons), tuple(flags))
