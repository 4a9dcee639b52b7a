"""Read-only columns of a loaded index, decoded one item at a time.

A :class:`~rxmatch.rank.table.ResourceTable` built by ``Matcher.fit`` holds Python lists;
one loaded from a saved index holds these columns instead, over (memory-mapped) numpy
arrays, so that loading a million resources decodes nothing up front. Ranking reads a
handful of rows (the candidates' sessions, the top matches' names and tags), which are
decoded when asked for. They behave as read-only sequences: ``col[i]``, ``len(col)``,
``iter(col)``; :class:`StringColumn` also takes an integer array (``col[rows]``) and gives
an object array, as a numpy array of ids does.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np

from .._arrays import offsets_problem
from ..features.schedule import Session

__all__ = [
    "StringColumn",
    "DecodedColumn",
    "pack_strings",
    "encode_list",
    "decode_list",
    "encode_sessions",
    "decode_sessions",
    "bool_codes",
    "decode_bool",
    "date_ordinals",
    "decode_date",
    "NO_DATE",
    "missing",
]


def missing(v: Any) -> bool:
    """Whether a table value is missing: ``None``, a float NaN or pandas' ``NA``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return True
    pd = sys.modules.get("pandas")  # pandas' NA exists only once pandas is imported
    return pd is not None and v is pd.NA


def pack_strings(values: Sequence[str | None]) -> dict[str, np.ndarray]:
    """UTF-8 bytes of every value back to back, with ``(n + 1)`` int64 offsets; ``None``
    is marked in ``nulls`` (present only when some value is ``None``)."""
    nulls = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    encoded = [b"" if v is None else str(v).encode("utf-8") for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    out = {"offsets": offsets, "data": data}
    if nulls.any():
        out["nulls"] = nulls
    return out


class StringColumn(Sequence):
    """Strings stored as :func:`pack_strings` arrays; ``col[i]`` decodes one."""

    def __init__(self, offsets: np.ndarray, data: np.ndarray, nulls: np.ndarray | None = None):
        if data.ndim != 1:
            raise ValueError("the string data must be one-dimensional")
        problem = offsets_problem(offsets, total=len(data))
        if problem:
            raise ValueError(f"the string offsets {problem}")
        if nulls is not None and len(nulls) != len(offsets) - 1:
            raise ValueError("the string offsets and nulls do not agree")
        self._offsets = offsets
        self._data = data
        self._nulls = nulls

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _one(self, i: int) -> str | None:
        if self._nulls is not None and self._nulls[i]:
            return None
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        return self._data[lo:hi].tobytes().decode("utf-8")

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, (int, np.integer)):
            n = len(self)
            if not -n <= i < n:
                raise IndexError("column index out of range")
            return self._one(int(i) % n)
        if isinstance(i, slice):
            return [self._one(j) for j in range(*i.indices(len(self)))]
        rows = np.asarray(i)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        out = np.empty(len(rows), dtype=object)
        for k, r in enumerate(rows.tolist()):
            out[k] = self._one(r)
        return out

    def __iter__(self) -> Iterator[str | None]:
        for i in range(len(self)):
            yield self._one(i)


class DecodedColumn(Sequence):
    """Items decoded on access from a base sequence (a :class:`StringColumn` or an array)
    with ``decode``; distinct encoded values are decoded once (directory facts only)."""

    def __init__(self, base: Sequence[Any] | np.ndarray, decode: Callable[[Any], Any]):
        self._base = base
        self._decode = decode
        self._memo: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self._base)

    def _one(self, raw: Any) -> Any:
        key = raw.item() if isinstance(raw, np.generic) else raw
        try:
            return self._memo[key]
        except KeyError:
            val = self._memo[key] = self._decode(key)
            if len(self._memo) > 65536:  # bounded: long texts are decoded again
                self._memo.clear()
            return val

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, (int, np.integer)):
            return self._one(self._base[int(i)])
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        raise TypeError("a decoded column takes an integer or a slice")

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]


# ---- item codecs ---------------------------------------------------------------------------
def encode_list(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def decode_list(text: str | None) -> tuple[str, ...]:
    return () if not text else tuple(str(x) for x in json.loads(text))


def encode_sessions(sessions: Sequence[Session]) -> str:
    return ";".join(f"{s.day},{s.start},{s.end}" for s in sessions)


def decode_sessions(text: str | None) -> tuple[Session, ...]:
    if not text:
        return ()
    return tuple(Session(*map(int, part.split(","))) for part in text.split(";"))


def bool_codes(values: Sequence[bool | None]) -> np.ndarray:
    """-1 unknown, 0 false, 1 true (int8)."""
    return np.fromiter(
        (-1 if v is None else int(bool(v)) for v in values), dtype=np.int8, count=len(values)
    )


def decode_bool(code: int) -> bool | None:
    return None if code < 0 else bool(code)


#: the ordinal :func:`date_ordinals` stores where there is no date
NO_DATE = int(np.iinfo(np.int32).min)


def date_ordinals(values: Sequence[date | None]) -> np.ndarray:
    """Proleptic Gregorian ordinals (int32); the minimum int32 where there is no date."""
    return np.fromiter(
        (NO_DATE if d is None else d.toordinal() for d in values),
        dtype=np.int32,
        count=len(values),
    )


def decode_date(ordinal: int) -> date | None:
    return None if ordinal == NO_DATE else date.fromordinal(int(ordinal))
