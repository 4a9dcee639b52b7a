from __future__ import annotations

import multiprocessing as mp
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

import rxmatch
from rxmatch.outcomes import (
    DECLINE_REASONS,
    EVENT_TYPES,
    OutcomeEvent,
    OutcomeStore,
    pseudonymous_id,
)
from rxmatch.outcomes.schema import TABLE, metadata


def _raw_rows(store: OutcomeStore) -> list[dict]:
    with store._engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {TABLE}")).mappings()]


def test_round_trip_of_every_event_type(store_url):
    t0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    sent = [
        OutcomeEvent(
            "shown",
            "ref-a1",
            "syn-00001",
            at=t0,
            rank=4,
            score=0.61,
            propensity=0.25,
            ranker_version="rxmatch-0.1.0+ts",
            components={"semantic": 0.5, "distance": 0.9},
            category="arts_culture",
        ),
        OutcomeEvent("chosen", "ref-a1", "syn-00001", at=t0 + timedelta(minutes=1)),
        OutcomeEvent("contacted", "ref-a1", "syn-00001", at=t0 + timedelta(days=2)),
        OutcomeEvent("attended", "ref-a1", "syn-00001", at=t0 + timedelta(days=9)),
        OutcomeEvent("attending_12w", "ref-a1", "syn-00001", at=t0 + timedelta(weeks=12)),
    ] + [
        OutcomeEvent("declined", "ref-a2", f"syn-0000{i}", at=t0, reason=reason)
        for i, reason in enumerate(DECLINE_REASONS)
    ]
    with OutcomeStore(store_url) as store:
        assert store.record_many(sent) == len(sent)
        back = store.events()
        assert back == sent
        assert {e.event for e in back} == set(EVENT_TYPES)
        assert back[0].time == t0
        assert store.count() == len(sent)
        assert store.count("declined") == len(DECLINE_REASONS)
        df = store.to_frame(referral_id="ref-a1")
        assert list(df["event"]) == ["shown", "chosen", "contacted", "attended", "attending_12w"]
        assert df.loc[0, "c_semantic"] == pytest.approx(0.5)
        assert df["c_lexical"].isna().all()
    # reopened from another store object: still there, schema not re-created
    with OutcomeStore(store_url) as again:
        assert again.count() == len(sent)


def test_record_keywords_and_validation_never_echo_the_value(tmp_path):
    store = OutcomeStore(tmp_path / "o.sqlite")
    store.record("declined", "ref-1", "r-9", reason="too_far")
    assert store.to_frame()["reason"].tolist() == ["too_far"]
    words = "Mary Smith feels lonely since her husband died"
    for kwargs in (
        {"event": "attended", "referral_id": words, "resource_id": "r-1"},
        {"event": "attended", "referral_id": "ref-1", "resource_id": words},
        {"event": "declined", "referral_id": "ref-1", "resource_id": "r-1", "reason": words},
    ):
        with pytest.raises(rxmatch.OutcomeValidationError) as info:
            store.record(**kwargs)
        assert "Mary" not in str(info.value) and "lonely" not in str(info.value)
    with pytest.raises(rxmatch.OutcomeValidationError, match="reason"):
        store.record("declined", "ref-1", "r-1")
    with pytest.raises(rxmatch.OutcomeValidationError, match="reason"):
        store.record("attended", "ref-1", "r-1", reason="cost")
    with pytest.raises(rxmatch.OutcomeValidationError, match="event"):
        store.record("liked", "ref-1", "r-1")
    with pytest.raises(rxmatch.OutcomeValidationError, match="propensity"):
        store.record("shown", "ref-1", "r-1", rank=1, propensity=1.5)
    with pytest.raises(rxmatch.OutcomeValidationError, match="components"):
        store.record("shown", "ref-1", "r-1", rank=1, components={"mood": 0.3})
    with pytest.raises(rxmatch.OutcomeValidationError, match="id"):
        store.record("attended", "x" * 65, "r-1")
    assert store.count() == 1  # nothing invalid was written


def test_pseudonymous_id_is_keyed_and_stable():
    a = pseudonymous_id("NHS-943 476 5919", "secret-1")
    assert a == pseudonymous_id("NHS-943 476 5919", "secret-1")
    assert a != pseudonymous_id("NHS-943 476 5919", "secret-2")
    assert len(a) == 32 and "943" not in a
    OutcomeEvent("attended", a, "r-1")  # a valid referral id


def test_forget_erases_one_referral(store_url):
    with OutcomeStore(store_url) as store:
        for rid in ("ref-keep", "ref-gone"):
            store.record("shown", rid, "r-1", rank=1, score=0.5, propensity=1.0)
            store.record("attended", rid, "r-1")
            store.record("declined", rid, "r-2", reason="cost")
        assert store.forget("ref-gone") == 3
        rows = _raw_rows(store)
        assert {r["referral_id"] for r in rows} == {"ref-keep"}
        assert len(rows) == 3
        assert store.forget("ref-gone") == 0


def test_retention_purges_old_events(store_url):
    now = datetime.now(timezone.utc)
    with OutcomeStore(store_url) as store:
        store.record("attended", "ref-old", "r-1", at=now - timedelta(days=400))
        store.record("attended", "ref-mid", "r-1", at=now - timedelta(days=100))
        store.record("attended", "ref-new", "r-1", at=now - timedelta(days=1))
        with pytest.raises(rxmatch.OutcomeValidationError):
            store.purge()  # no retention set
        assert store.purge(365) == 1
        assert sorted(store.to_frame()["referral_id"]) == ["ref-mid", "ref-new"]
    # a store opened with a retention period purges on open
    with OutcomeStore(store_url, retention_days=30) as short:
        assert short.to_frame()["referral_id"].tolist() == ["ref-new"]
        assert short.purge(now=now + timedelta(days=45)) == 1
        assert short.count() == 0


def _writer(url: str, proc: int, n: int, barrier) -> None:
    store = OutcomeStore(url)
    barrier.wait()
    for i in range(n):
        if i % 10 == 9:  # some batched writes too
            store.record_many(
                [OutcomeEvent("contacted", f"p{proc}-b{i}-{j}", "r-1") for j in range(3)]
            )
        store.record("attended", f"p{proc}-{i}", f"r-{i % 7}")
    store.close()


def test_four_processes_writing_lose_no_event(store_url):
    OutcomeStore(store_url).close()  # schema created; the writers also race on re-opening
    ctx = mp.get_context("fork")
    n, procs = 60, 4
    barrier = ctx.Barrier(procs)
    workers = [ctx.Process(target=_writer, args=(store_url, p, n, barrier)) for p in range(procs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * procs
    with OutcomeStore(store_url) as store:
        df = store.to_frame()
    assert len(df) == procs * (n + 3 * (n // 10))
    attended = set(df.loc[df["event"] == "attended", "referral_id"])
    assert attended == {f"p{p}-{i}" for p in range(procs) for i in range(n)}


def test_four_processes_opening_an_empty_database_at_once(store_url):
    """Migrations race: four processes open (and migrate) a brand-new database together."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(4)
    workers = [ctx.Process(target=_writer, args=(store_url, p, 5, barrier)) for p in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * 4
    with OutcomeStore(store_url) as store:
        assert store.count() == 20


def test_migrations_upgrade_from_empty_to_the_declared_schema(store_url):
    with OutcomeStore(store_url) as store:
        assert store.schema_revision() == "0001"
        insp = sa.inspect(store._engine)
        assert TABLE in insp.get_table_names()
        got = {c["name"] for c in insp.get_columns(TABLE)}
        want = {c.name for c in metadata.tables[TABLE].columns}
        assert got == want
        assert {i["name"] for i in insp.get_indexes(TABLE)} == {
            i.name for i in metadata.tables[TABLE].indexes
        }
        # only numeric, short-id and enum columns: no room for words
        for col in insp.get_columns(TABLE):
            length = getattr(col["type"], "length", None)
            assert length is None or length <= 128, col["name"]


def test_bad_url_and_unreachable_server_are_outcome_store_errors(tmp_path):
    with pytest.raises(rxmatch.OutcomeStoreError, match="scheme"):
        OutcomeStore("mysql://localhost/x")
    with pytest.raises(rxmatch.OutcomeStoreError, match="postgresql"):
        OutcomeStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


PHRASE = "zanzibar marmalade accordion quintet"


@pytest.fixture(scope="module")
def hashing_matcher():
    return rxmatch.Matcher(rxmatch.HashingEmbedder(256)).fit(rxmatch.datasets.load_demo_directory())


def test_words_are_never_stored(store_url, hashing_matcher):
    person = rxmatch.Referral(
        f"I love painting and my {PHRASE} band", postal_code="94401", referral_id="ref-w1"
    )
    with OutcomeStore(store_url) as store:
        recs = hashing_matcher.recommend(person, k=8, outcomes=store)  # logs "shown"
        assert len(recs) > 0 and store.count("shown") == len(recs)
        assert any("paint" in r.lower() for m in recs for r in m.reasons)  # words were there
        frame = store.to_frame()
        assert frame["rank"].tolist() == list(range(1, len(recs) + 1))
        assert (frame["propensity"] == 1.0).all()
        assert frame["ranker_version"].iloc[0].startswith("rxmatch-")
        dumped = repr(_raw_rows(store)).lower()
        if store.backend == "sqlite":
            path = Path(store.url.removeprefix("sqlite:///"))
            store.close()
            for f in path.parent.glob(path.name + "*"):  # the db, its -wal and -shm
                dumped += f.read_bytes().decode("latin-1").lower()
    for word in ("painting", *PHRASE.split()):
        assert word not in dumped
    assert "ref-w1" in dumped  # the scan does read the stored rows
