"""The schedule rule: candidates whose sessions never fit the person's times are left out
(``schedule_conflict``); those that list no sessions are kept and flagged."""

from __future__ import annotations

import numpy as np

from rxmatch.features.eligibility import (
    FLAG_TEXT,
    NO_SESSIONS_FLAG,
    EligibilityResult,
    flag_texts,
    reason_code,
    schedule_rule,
)


def _result(n: int) -> EligibilityResult:
    return EligibilityResult(
        keep=np.ones(n, dtype=bool),
        code=np.full(n, -1, dtype=np.int8),
        flags=np.zeros(n, dtype=np.uint8),
    )


def test_sessions_that_never_fit_are_left_out_and_no_sessions_are_flagged():
    rows = np.array([10, 11, 12, 13])
    has_sessions = np.array([True, True, False, True])
    fits = {10: (1.0, "Mon"), 11: (0.0, None), 13: (None, None)}
    asked = []

    def fit_of(r: int):
        asked.append(r)
        return fits[r]

    res = _result(4)
    res.keep[3] = False  # already left out by another rule: not asked about, kept out
    res.code[3] = 0
    schedule_rule(res, rows, has_sessions, fit_of)
    assert res.keep.tolist() == [True, False, True, False]
    assert reason_code(int(res.code[1])) == "schedule_conflict"
    assert res.code[3] == 0 and res.code[0] == -1 and res.code[2] == -1
    assert sorted(asked) == [10, 11]  # only kept rows with sessions are fitted
    assert flag_texts(int(res.flags[2])) == (FLAG_TEXT[NO_SESSIONS_FLAG],)
    assert res.flags[[0, 1, 3]].tolist() == [0, 0, 0]
