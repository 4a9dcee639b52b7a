"""Alembic migrations of the outcome store (run by :class:`~rxmatch.outcomes.OutcomeStore`
when it opens a database)."""
