"""The outcome events table.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_COMPONENTS = ("semantic", "lexical", "distance", "category_fit", "schedule", "preference")


def upgrade() -> None:
    op.create_table(
        "rxmatch_outcome_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("referral_id", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(128), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("propensity", sa.Float(), nullable=True),
        sa.Column("ranker_version", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(24), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        *[sa.Column(f"c_{name}", sa.Float(), nullable=True) for name in _COMPONENTS],
    )
    op.create_index("ix_rxmatch_outcome_events_referral", "rxmatch_outcome_events", ["referral_id"])
    op.create_index(
        "ix_rxmatch_outcome_events_resource", "rxmatch_outcome_events", ["resource_id", "event"]
    )
    op.create_index("ix_rxmatch_outcome_events_at", "rxmatch_outcome_events", ["at"])


def downgrade() -> None:
    op.drop_table("rxmatch_outcome_events")
