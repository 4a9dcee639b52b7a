"""The one offsets check (``rxmatch._arrays.offsets_problem``) and the five places that use
it: the index's arrays, the passage set, the audience facts, the term columns of the fuzzy
index and the string columns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rxmatch._arrays import offsets_problem
from rxmatch.exceptions import InvalidParameterError
from rxmatch.features.audience import AudienceFacts
from rxmatch.features.fuzzy import TermColumns
from rxmatch.features.passages import PassageOptions, PassageSet
from rxmatch.rank.columns import StringColumn, pack_strings

_COUNTS = st.lists(st.integers(0, 5), min_size=0, max_size=20)


def _offsets(counts: list[int], dtype: str = "int64") -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(dtype)


@settings(max_examples=200, deadline=None)
@given(_COUNTS, st.sampled_from(["int64", "int32", "uint32", "uint64"]))
def test_offsets_made_from_segment_lengths_are_accepted(counts, dtype):
    off = _offsets(counts, dtype)
    assert offsets_problem(off) is None
    assert offsets_problem(off, total=sum(counts), length=len(counts) + 1) is None


@settings(max_examples=200, deadline=None)
@given(_COUNTS, st.data())
def test_every_damage_is_named(counts, data):
    off = _offsets(counts)
    total, length = sum(counts), len(counts) + 1
    damage = data.draw(st.sampled_from(["start", "decrease", "total", "length", "float", "2d"]))
    if damage == "start":
        bad = off + data.draw(st.integers(1, 3))
        want = "do not start at 0"
    elif damage == "decrease":
        assume(len(off) >= 2)
        i = data.draw(st.integers(1, len(off) - 1))
        bad = off.copy()
        bad[i] = off[i - 1] - 1  # below its predecessor (-1 after the leading 0)
        want = "decrease"
    elif damage == "total":
        bad = off
        total += data.draw(st.integers(1, 3))
        want = "end at"
    elif damage == "length":
        bad = off
        length += 1
        want = "entries, expected"
    elif damage == "float":
        bad = off.astype(np.float64)
        want = "are not integers"
    else:
        bad = off[None, :]
        want = "are not one-dimensional"
    problem = offsets_problem(bad, total=total, length=length)
    assert problem is not None and want in problem


def test_unsigned_offsets_that_decrease_are_refused():
    # np.diff wraps around for unsigned integers: a decrease must still be seen
    assert offsets_problem(np.array([0, 5, 3], dtype=np.uint32)) == "decrease"
    assert offsets_problem(np.array([], dtype=np.int64)).startswith("are empty")


def test_each_user_raises_its_own_error_type_on_decreasing_offsets():
    off = np.array([0, 3, 1, 4], dtype=np.int64)
    with pytest.raises(InvalidParameterError, match="passage offsets decrease"):
        PassageSet(PassageOptions(), off, {})
    arrays = {
        "min_age": np.full(3, np.nan),
        "max_age": np.full(3, np.nan),
        "offsets": off,
        "codes": np.zeros(4, dtype=np.int32),
    }
    with pytest.raises(ValueError, match="audience offsets decrease"):
        AudienceFacts.from_arrays(arrays, ["irish"], 3)
    with pytest.raises(ValueError, match=r"column offsets \(indptr\) decrease"):
        TermColumns.checked(np.ones(4), np.zeros(4, dtype=np.int32), off, (2, 3))
    packed = pack_strings(["abc", "", "d"])
    with pytest.raises(ValueError, match="string offsets decrease"):
        StringColumn(off, packed["data"])  # 4 bytes: "abc" + "d"
    good = StringColumn(packed["offsets"], packed["data"])
    assert list(good) == ["abc", "", "d"]
