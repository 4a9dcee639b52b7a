"""The outcome store's table, in SQLAlchemy Core (the same on SQLite and PostgreSQL).

The migrations in ``migrations/versions`` create exactly this table; a test checks that
the migrated database and this description agree.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..records import COMPONENTS

__all__ = ["metadata", "events_table", "TABLE"]

TABLE = "rxmatch_outcome_events"

metadata = sa.MetaData()

#: an auto-increment key on both backends (SQLite needs INTEGER for its rowid alias)
_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

events_table = sa.Table(
    TABLE,
    metadata,
    sa.Column("id", _KEY, primary_key=True, autoincrement=True),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("referral_id", sa.String(64), nullable=False),
    sa.Column("resource_id", sa.String(128), nullable=False),
    sa.Column("at", sa.BigInteger(), nullable=False),  # epoch milliseconds, UTC
    sa.Column("rank", sa.Integer(), nullable=True),
    sa.Column("score", sa.Float(), nullable=True),
    sa.Column("propensity", sa.Float(), nullable=True),
    sa.Column("ranker_version", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(24), nullable=True),
    sa.Column("category", sa.String(32), nullable=True),
    *[sa.Column(f"c_{name}", sa.Float(), nullable=True) for name in COMPONENTS],
    sa.Index("ix_rxmatch_outcome_events_referral", "referral_id"),
    sa.Index("ix_rxmatch_outcome_events_resource", "resource_id", "event"),
    sa.Index("ix_rxmatch_outcome_events_at", "at"),
)
