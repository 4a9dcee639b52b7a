"""The mapping report an importer returns next to the Directory (``return_report=True``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["ImportReport"]


@dataclass(frozen=True)
class ImportReport:
    """What an importer could and could not map from a source format.

    ``Directory.report`` lists every record that was skipped and every field issue (row,
    record id, field, reason); this report adds the counts that say how well the source
    mapped onto rxmatch's schema.

    Attributes
    ----------
    source : str
        name of the source (``"ohana-smc"``, ``"hsds"``, ...).
    n_source_records : int
        records read from the source (before mapping).
    n_records : int
        rxmatch records produced (before Directory validation).
    category_counts : Mapping[str, int]
        records per taxonomy key (``"(none)"``: left for the Matcher to infer).
    hours_total, hours_parsed, hours_complete : int
        free-text hours strings seen, read into at
        least one session, and read with no text left over.
    counts : Mapping[str, int]
        other named counts (ages found, free, online, ...).
    unparsed_hours : tuple[str, ...]
        the hours strings that gave no session, in input order.
    """

    source: str
    n_source_records: int
    n_records: int
    category_counts: Mapping[str, int] = field(default_factory=dict)
    hours_total: int = 0
    hours_parsed: int = 0
    hours_complete: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    unparsed_hours: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_counts", MappingProxyType(dict(self.category_counts)))
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))

    @property
    def hours_parse_rate(self) -> float | None:
        """Share of hours strings read into at least one session (``None`` if none seen)."""
        return self.hours_parsed / self.hours_total if self.hours_total else None

    @property
    def n_category_unmapped(self) -> int:
        return int(self.category_counts.get("(none)", 0))

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.n_records} records from {self.n_source_records} source records"
        ]
        if self.category_counts:
            cats = ", ".join(f"{k} {v}" for k, v in sorted(self.category_counts.items()))
            lines.append(f"  categories: {cats}")
        if self.hours_total:
            lines.append(
                f"  hours: {self.hours_parsed}/{self.hours_total} read "
                f"({self.hours_parse_rate:.1%}), {self.hours_complete} completely"
            )
        for k, v in self.counts.items():
            lines.append(f"  {k}: {v}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
