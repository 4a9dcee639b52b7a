"""Columns of a loaded index: packed strings and per-item decoding."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rxmatch.features.schedule import Session
from rxmatch.rank import columns as col

VALUES = ["Art club", "", None, "Café con leche ☕", "مرحبا", "line\nbreak", "x" * 5000]


def test_strings_round_trip_with_none_unicode_and_empty():
    packed = col.pack_strings(VALUES)
    c = col.StringColumn(packed["offsets"], packed["data"], packed.get("nulls"))
    assert len(c) == len(VALUES)
    assert list(c) == VALUES
    assert [c[i] for i in range(len(VALUES))] == VALUES
    assert c[-1] == VALUES[-1]
    assert c[1:4] == VALUES[1:4]


def test_array_indexing_gives_an_object_array_like_numpy_ids():
    packed = col.pack_strings(VALUES)
    c = col.StringColumn(packed["offsets"], packed["data"], packed.get("nulls"))
    rows = np.array([3, 0, 3])
    got = c[rows]
    assert got.dtype == object
    assert got.tolist() == [VALUES[3], VALUES[0], VALUES[3]]
    assert c[np.array([True, False] * 3 + [True])].tolist() == [VALUES[i] for i in (0, 2, 4, 6)]


def test_no_nulls_array_when_nothing_is_none():
    assert "nulls" not in col.pack_strings(["a", "b"])


def test_out_of_range_and_inconsistent_arrays_are_refused():
    packed = col.pack_strings(["a", "b"])
    c = col.StringColumn(packed["offsets"], packed["data"])
    with pytest.raises(IndexError):
        c[2]
    with pytest.raises(ValueError):
        col.StringColumn(packed["offsets"], packed["data"][:1])


def test_decoded_columns_round_trip_lists_sessions_bools_dates():
    lists = [("english", "spanish"), (), ("a;b", "c")]
    sessions = [(Session(0, 600, 720), Session(4, 1380, 60)), ()]
    enc = col.pack_strings([col.encode_list(v) for v in lists])
    lc = col.DecodedColumn(col.StringColumn(enc["offsets"], enc["data"]), col.decode_list)
    assert list(lc) == lists
    enc = col.pack_strings([col.encode_sessions(v) for v in sessions])
    sc = col.DecodedColumn(col.StringColumn(enc["offsets"], enc["data"]), col.decode_sessions)
    assert list(sc) == sessions
    bools = [True, None, False]
    assert list(col.DecodedColumn(col.bool_codes(bools), col.decode_bool)) == bools
    dates = [date(2024, 2, 29), None, date(1999, 12, 31)]
    assert list(col.DecodedColumn(col.date_ordinals(dates), col.decode_date)) == dates
    with pytest.raises(TypeError):
        lc[np.array([0, 1])]
