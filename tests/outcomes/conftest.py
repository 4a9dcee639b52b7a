"""Outcome-store fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL tests need ``RXMATCH_TEST_POSTGRES_URL`` (``.ci/services.d/postgres.sh``
starts a throwaway server and sets it in CI); without it they skip with a message. Each
PostgreSQL test gets a new empty database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

PG_ENV = "RXMATCH_TEST_POSTGRES_URL"


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"{PG_ENV} is not set: no PostgreSQL server for the outcome store tests "
            "(source .ci/services.d/postgres.sh to start one)"
        )
    return url


def _swap_db(url: str, name: str) -> str:
    head, _, tail = url.rpartition("/")
    query = ""
    if "?" in tail:
        query = "?" + tail.split("?", 1)[1]
    return f"{head}/{name}{query}"


@pytest.fixture()
def pg_url():
    """A fresh, empty PostgreSQL database (URL), dropped after the test."""
    psycopg = pytest.importorskip("psycopg")
    admin = _pg_admin_url()
    name = "rx_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _swap_db(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A URL for a new, empty outcome store on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "outcomes.sqlite")
    return request.getfixturevalue("pg_url")
