"""Alembic environment of the outcome store: run on the connection the store passes in
(``config.attributes["connection"]``), inside its transaction; never reads alembic.ini
or configures logging."""

from __future__ import annotations

from alembic import context

from rxmatch.outcomes.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes a connection
    raise RuntimeError("rxmatch outcome migrations run through rxmatch.outcomes.OutcomeStore")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table="rxmatch_outcomes_alembic_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
