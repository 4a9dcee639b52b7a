"""Referral outcomes close the loop: what happened after a referral, learned from.

* :class:`OutcomeStore`: an append-only log of :class:`OutcomeEvent` rows (shown, chosen,
  contacted, attended, attending at 12 weeks, declined with a reason) in SQLite or
  PostgreSQL. It stores ids, enums, numbers and times: never the person's words. The
  referral id must be pseudonymous (see :func:`pseudonymous_id`).
* :func:`resource_signals`, :func:`stale_report`, :func:`capacity_feed`: per-resource
  attendance and retention with Beta-Binomial shrinkage, records flagged by outcomes, and
  capacity estimates for :func:`rxmatch.allocate`.
* :class:`OutcomeReranker`: a re-ranker learned from logged shown/attended pairs with
  inverse-propensity weighting, with bounded Thompson-sampling exploration.
* :mod:`rxmatch.outcomes.simulate`: the simulation behind ``docs/outcomes.md``.

SQLAlchemy and Alembic (the ``outcomes`` extra) load when a store is first opened.
"""

from __future__ import annotations

from typing import Any

from .events import DECLINE_REASONS, EVENT_TYPES, STALE_REASONS, OutcomeEvent, pseudonymous_id

__all__ = [
    "EVENT_TYPES",
    "DECLINE_REASONS",
    "STALE_REASONS",
    "OutcomeEvent",
    "OutcomeStore",
    "pseudonymous_id",
    "resource_signals",
    "stale_report",
    "capacity_feed",
    "OutcomeReranker",
    "RankedList",
    "examination_curve",
]

_LAZY = {
    "OutcomeStore": ".store",
    "resource_signals": ".signals",
    "stale_report": ".signals",
    "capacity_feed": ".signals",
    "OutcomeReranker": ".learn",
    "RankedList": ".learn",
    "examination_curve": ".learn",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'rxmatch.outcomes' has no attribute {name!r}")
