"""The outcome store: an append-only log of outcome events in SQLite or PostgreSQL.

>>> store = OutcomeStore("outcomes.sqlite")                       # doctest: +SKIP
>>> store.log_shown(matcher.recommend(person, k=10))              # doctest: +SKIP
>>> store.record("attended", "r-8f3a", "syn-00197")               # doctest: +SKIP
>>> store.forget("r-8f3a")                                        # doctest: +SKIP

* **SQLite** (a file path, or ``sqlite:///...``) is the embedded default: one file in WAL
  mode with a busy timeout; every write transaction starts with ``BEGIN IMMEDIATE``, so
  several processes on one machine can write to the same file without losing events.
* **PostgreSQL** (``postgresql://...``; psycopg 3) serves a team: the same table, the same
  migrations.

The schema is created and upgraded by Alembic when the store opens (the migration files
ship inside the package; concurrent openers are serialised by the write lock on SQLite and
an advisory lock on PostgreSQL). Rows are only ever inserted; they are deleted by
:meth:`OutcomeStore.forget` (one referral) and by :meth:`OutcomeStore.purge` (the
retention period), never updated. Open one store per process (an engine is not shared
across ``fork``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import OptionalDependencyError, OutcomeStoreError, OutcomeValidationError
from ..records import COMPONENTS, Recommendations
from ..taxonomy import CATEGORY_KEYS
from .events import EVENT_TYPES, OutcomeEvent, check_id

__all__ = ["OutcomeStore", "DEFAULT_RANKER_VERSION", "normalise_url"]

_MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x72786D61  # "rxma": serialises migrations across PostgreSQL clients
_DAY_MS = 86_400_000


def _default_version() -> str:
    from .. import __version__

    return f"rxmatch-{__version__}"


#: the ``ranker_version`` logged when none is given
DEFAULT_RANKER_VERSION = _default_version()


def _sqlalchemy():
    try:
        import sqlalchemy as sa
    except ImportError as exc:  # pragma: no cover - dev installs have it
        raise OptionalDependencyError(
            "the outcome store needs SQLAlchemy and Alembic: pip install 'rxmatch[outcomes]'"
        ) from exc
    return sa


def normalise_url(url: str | os.PathLike[str]) -> str:
    """A SQLAlchemy URL for ``url``: a plain path is a SQLite file; ``postgresql://`` and
    ``postgres://`` use psycopg 3."""
    s = os.fspath(url)
    if "://" not in s:
        if s == ":memory:":
            return "sqlite://"
        return "sqlite:///" + str(Path(s).expanduser().resolve())
    scheme, rest = s.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg://" + rest
    if scheme.startswith(("sqlite", "postgresql+")):
        return s
    raise OutcomeStoreError(
        f"unsupported outcome store URL scheme {scheme!r} (use a file path, sqlite:/// or postgresql://)"
    )


class OutcomeStore:
    """Append-only store of :class:`~rxmatch.outcomes.OutcomeEvent` rows.

    Parameters
    ----------
    url : str | os.PathLike[str]
        a SQLite file path (created if missing), ``":memory:"``, a ``sqlite:///`` URL or
        a ``postgresql://user@host:port/db`` URL (psycopg 3; ``?host=/socket/dir`` for a
        unix socket).
    retention_days : float | None
        keep events for this many days: older ones are deleted when the store
        opens and on every :meth:`purge`. ``None`` keeps them until forgotten.
    busy_timeout : float
        seconds a SQLite writer waits for another process's write to finish.
    """

    def __init__(
        self,
        url: str | os.PathLike[str],
        *,
        retention_days: float | None = None,
        busy_timeout: float = 30.0,
    ) -> None:
        sa = _sqlalchemy()
        if retention_days is not None and (
            isinstance(retention_days, bool) or not retention_days > 0
        ):
            raise OutcomeValidationError(
                "must be a positive number of days", field="retention_days"
            )
        self.retention_days = retention_days
        self.url = normalise_url(url)
        self._busy_timeout = float(busy_timeout)
        try:
            self._engine = self._make_engine(sa)
            self.backend = self._engine.dialect.name
            self._migrate()
        except OutcomeStoreError:
            raise
        except Exception as exc:
            raise OutcomeStoreError(
                f"cannot open the outcome store ({type(exc).__name__} on {self._where()})"
            ) from exc
        from .schema import events_table

        self._table = events_table
        if retention_days is not None:
            self.purge()

    # ------------------------------------------------------------------ plumbing
    def _where(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def _make_engine(self, sa: Any) -> Any:
        if self.url.startswith("sqlite"):
            from sqlalchemy import event
            from sqlalchemy.pool import StaticPool

            memory = self.url in ("sqlite://", "sqlite:///:memory:")
            kwargs: dict[str, Any] = {"connect_args": {"timeout": self._busy_timeout}}
            if memory:
                kwargs.update(poolclass=StaticPool)
                kwargs["connect_args"]["check_same_thread"] = False
            engine = sa.create_engine(self.url, **kwargs)
            busy_ms = int(self._busy_timeout * 1000)

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
                cur = dbapi_conn.cursor()
                cur.execute(f"PRAGMA busy_timeout={busy_ms}")
                if not memory:
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA synchronous=NORMAL")
                cur.close()

            @event.listens_for(engine, "begin")
            def _on_begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock up front

            return engine
        return sa.create_engine(self.url, pool_pre_ping=True)

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        sa = _sqlalchemy()
        with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _write(self, fn: Any, what: str) -> Any:
        sa = _sqlalchemy()
        for attempt in range(5):
            try:
                with self._engine.begin() as conn:
                    return fn(conn)
            except sa.exc.OperationalError as exc:
                locked = "locked" in str(exc).lower() or "busy" in str(exc).lower()
                if not locked or attempt == 4:
                    raise OutcomeStoreError(
                        f"cannot {what} in the outcome store ({self._where()}: "
                        f"{type(exc.orig).__name__})"
                    ) from exc
                time.sleep(0.05 * (attempt + 1))
            except sa.exc.SQLAlchemyError as exc:
                raise OutcomeStoreError(
                    f"cannot {what} in the outcome store ({self._where()}: {type(exc).__name__})"
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _row(e: OutcomeEvent) -> dict[str, Any]:
        row = e.to_dict()
        return row

    # ------------------------------------------------------------------ writing
    def record(
        self,
        event: str | OutcomeEvent,
        referral_id: str | None = None,
        resource_id: str | None = None,
        **fields: Any,
    ) -> OutcomeEvent:
        """Append one event: an :class:`OutcomeEvent`, or its fields (``event``,
        ``referral_id``, ``resource_id`` and keywords such as ``reason="too_far"``)."""
        e = (
            event
            if isinstance(event, OutcomeEvent)
            else OutcomeEvent(
                event,
                referral_id,
                resource_id,
                **fields,  # type: ignore[arg-type]
            )
        )
        self.record_many([e])
        return e

    def record_many(self, events: Iterable[OutcomeEvent | Mapping[str, Any]]) -> int:
        """Append many events in one transaction (all or none); returns how many."""
        rows = []
        for e in events:
            if isinstance(e, Mapping):
                e = OutcomeEvent(**dict(e))
            elif not isinstance(e, OutcomeEvent):
                raise OutcomeValidationError("must be an OutcomeEvent or a mapping", field="events")
            rows.append(self._row(e))
        if not rows:
            return 0
        self._write(lambda conn: conn.execute(self._table.insert(), rows), "append events")
        return len(rows)

    def log_shown(
        self,
        recs: Recommendations,
        *,
        referral_id: str | None = None,
        ranker_version: str | None = None,
        propensities: Mapping[str, float] | None = None,
        at: datetime | int | None = None,
    ) -> int:
        """Log a ``shown`` event for every match of ``recs``: rank, score, components,
        category, ranker version and propensity (``propensities[resource_id]``; 1.0, a
        deterministic ranking, when not given). The referral id is ``referral_id`` or
        ``recs.referral_id`` and must be pseudonymous. Nothing of the person's words
        (reasons, matched words, facets) is written. Returns the number of events."""
        rid = referral_id if referral_id is not None else recs.referral_id
        if rid is None:
            raise OutcomeValidationError(
                "no referral id: pass referral_id= (a pseudonymous id)", field="referral_id"
            )
        check_id(rid, "referral_id")
        version = ranker_version or DEFAULT_RANKER_VERSION
        when = at if at is not None else datetime.now(timezone.utc)
        props = dict(propensities or {})
        events = []
        for m in recs.matches:
            comps = {
                k: v for k, v in dict(m.components).items() if k in COMPONENTS and v is not None
            }
            events.append(
                OutcomeEvent(
                    "shown",
                    rid,
                    m.resource_id,
                    at=when,  # type: ignore[arg-type]
                    rank=m.rank,
                    score=float(m.score),
                    propensity=float(props.get(m.resource_id, 1.0)),
                    ranker_version=version,
                    components={k: min(1.0, max(0.0, float(v))) for k, v in comps.items()},
                    category=m.category if m.category in CATEGORY_KEYS else None,
                )
            )
        return self.record_many(events)

    # ------------------------------------------------------------------ erasing
    def forget(self, referral_id: str) -> int:
        """Erase every event of one referral (right to erasure); returns how many."""
        rid = check_id(referral_id, "referral_id")
        t = self._table
        return int(
            self._write(
                lambda c: c.execute(t.delete().where(t.c.referral_id == rid)).rowcount, "forget"
            )
        )

    def purge(self, older_than_days: float | None = None, *, now: datetime | None = None) -> int:
        """Delete events older than ``older_than_days`` (default: ``retention_days``);
        returns how many."""
        days = self.retention_days if older_than_days is None else older_than_days
        if days is None:
            raise OutcomeValidationError("no retention period set", field="older_than_days")
        if isinstance(days, bool) or not days > 0:
            raise OutcomeValidationError(
                "must be a positive number of days", field="older_than_days"
            )
        now_ms = int((now or datetime.now(timezone.utc)).timestamp() * 1000)
        cutoff = now_ms - int(days * _DAY_MS)
        t = self._table
        return int(
            self._write(lambda c: c.execute(t.delete().where(t.c.at < cutoff)).rowcount, "purge")
        )

    # ------------------------------------------------------------------ reading
    def count(self, event: str | None = None) -> int:
        """How many events (of one type) the store holds."""
        sa = _sqlalchemy()
        t = self._table
        q = sa.select(sa.func.count()).select_from(t)
        if event is not None:
            if event not in EVENT_TYPES:
                raise OutcomeValidationError(
                    f"must be one of {', '.join(EVENT_TYPES)}", field="event"
                )
            q = q.where(t.c.event == event)
        with self._engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def to_frame(
        self,
        *,
        referral_id: str | None = None,
        resource_id: str | None = None,
        event: str | None = None,
    ) -> pd.DataFrame:
        """The events as a DataFrame (one row each, in insertion order): ``event``,
        ``referral_id``, ``resource_id``, ``at`` (UTC timestamp), ``rank``, ``score``,
        ``propensity``, ``ranker_version``, ``reason``, ``category``, ``c_<component>``."""
        sa = _sqlalchemy()
        t = self._table
        q = sa.select(t).order_by(t.c.id)
        if referral_id is not None:
            q = q.where(t.c.referral_id == check_id(referral_id, "referral_id"))
        if resource_id is not None:
            q = q.where(t.c.resource_id == check_id(resource_id, "resource_id"))
        if event is not None:
            q = q.where(t.c.event == event)
        with self._engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        cols = [c.name for c in t.columns if c.name != "id"]
        df = pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)
        df["at"] = pd.to_datetime(df["at"].astype("int64"), unit="ms", utc=True)
        return df

    def events(self, **filters: Any) -> list[OutcomeEvent]:
        """The events (filtered like :meth:`to_frame`) as :class:`OutcomeEvent` objects."""
        df = self.to_frame(**filters)
        out = []
        for r in df.to_dict("records"):
            comps = {k: r[f"c_{k}"] for k in COMPONENTS if pd.notna(r[f"c_{k}"])}

            def opt(v: Any) -> Any:
                return None if v is None or (isinstance(v, float) and v != v) else v

            out.append(
                OutcomeEvent(
                    r["event"],
                    r["referral_id"],
                    r["resource_id"],
                    at=int(r["at"].value // 1_000_000),
                    rank=None if opt(r["rank"]) is None else int(r["rank"]),
                    score=opt(r["score"]),
                    propensity=opt(r["propensity"]),
                    ranker_version=opt(r["ranker_version"]),
                    components=comps,
                    reason=opt(r["reason"]),
                    category=opt(r["category"]),
                )
            )
        return out

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self._engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"version_table": "rxmatch_outcomes_alembic_version"}
            )
            return ctx.get_current_revision()

    def close(self) -> None:
        """Close the store's connections."""
        self._engine.dispose()

    def __enter__(self) -> OutcomeStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OutcomeStore(backend={self.backend!r}, retention_days={self.retention_days})"
