"""Shared last step of the importers: rows → validated Directory with one full report."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._stack import user_stacklevel
from ..directory import Directory, RowProblem
from ..exceptions import SkippedRowsWarning

if TYPE_CHECKING:
    pass

__all__ = ["build_directory"]


def build_directory(
    rows: Sequence[dict[str, Any]],
    *,
    source: str,
    skipped: Sequence[RowProblem] = (),
    issues: Sequence[RowProblem] = (),
    strict: bool = False,
) -> Directory:
    """``Directory.from_frame`` on ``rows`` with the importer's own skipped records
    (``extra_problems``) and field issues added to ``directory.report``.

    ``issues`` must use the row numbers of ``rows``. One :class:`SkippedRowsWarning` gives
    the total number of skipped records.
    """
    import pandas as pd

    frame = pd.DataFrame(list(rows))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedRowsWarning)
        directory = Directory.from_frame(
            frame, source=source, extra_problems=list(skipped), strict=strict
        )
    rep = directory.report
    if issues:
        merged = sorted([*rep.issues, *issues], key=lambda p: (p.row, p.field, p.reason))
        directory.report = dataclasses.replace(rep, issues=tuple(merged))
    if directory.report.skipped:
        warnings.warn(
            f"{directory.report.n_skipped} records skipped while importing {source}; "
            "see Directory.report",
            SkippedRowsWarning,
            stacklevel=user_stacklevel(),  # the caller's line, not rxmatch's
        )
    return directory
