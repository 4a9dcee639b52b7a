"""Checks of the plain arrays an index is made of, and small facts about them, shared by
the index, persistence, the feature stores and ranking (each check raises its own error
type with the problem it names)."""

from __future__ import annotations

import numpy as np

__all__ = ["max_row_norm", "offsets_problem"]


def offsets_problem(
    offsets: np.ndarray, *, total: int | None = None, length: int | None = None
) -> str | None:
    """What is wrong with ``offsets`` as the offsets of segments of a values array (segment
    ``i`` is ``values[offsets[i]:offsets[i + 1]]``), or ``None`` when nothing is.

    They must be a one-dimensional integer array of ``length`` entries when given (at least
    one: ``n`` segments have ``n + 1`` offsets) that starts at 0, never decreases and ends
    at ``total`` (the values' length) when given. The answer completes a sentence about the
    array ("passage offsets " + "decrease"); it names no value of the data.
    """
    off = np.asarray(offsets)
    if off.ndim != 1:
        return "are not one-dimensional"
    if off.dtype.kind not in "iu":
        return "are not integers"
    if length is not None and len(off) != length:
        return f"have {len(off)} entries, expected {length}"
    if not len(off):
        return "are empty (n segments need n + 1 offsets)"
    if int(off[0]) != 0:
        return "do not start at 0"
    if bool((off[1:] < off[:-1]).any()):  # not np.diff: it wraps around for unsigned
        return "decrease"
    if total is not None and int(off[-1]) != total:
        return f"end at {int(off[-1])}, not at the values' length {total}"
    return None


def max_row_norm(rows: np.ndarray) -> float:
    """The largest Euclidean norm of a row of ``rows`` (0.0 with no rows), summed in float64."""
    if not len(rows):
        return 0.0
    return float(np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64).max()))
