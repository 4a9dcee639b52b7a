from __future__ import annotations

import pytest

import rxmatch
from rxmatch.outcomes import OutcomeStore

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


@pytest.fixture()
def client_and_store(tmp_path):
    from fastapi.testclient import TestClient

    from rxmatch.serve import create_app

    matcher = rxmatch.Matcher(rxmatch.HashingEmbedder(256)).fit(
        rxmatch.datasets.load_demo_directory()
    )
    path = tmp_path / "o.sqlite"
    with TestClient(create_app(matcher=matcher, outcomes=str(path))) as client:
        yield client, path


def test_post_outcomes_records_and_forgets(client_and_store):
    client, path = client_and_store
    r = client.post(
        "/outcomes",
        json={
            "events": [
                {
                    "event": "shown",
                    "referral_id": "r-1",
                    "resource_id": "x1",
                    "rank": 1,
                    "score": 0.4,
                    "propensity": 1.0,
                    "components": {"semantic": 0.3},
                },
                {
                    "event": "attended",
                    "referral_id": "r-1",
                    "resource_id": "x1",
                    "at": "2026-05-01T10:00:00Z",
                },
                {
                    "event": "declined",
                    "referral_id": "r-2",
                    "resource_id": "x2",
                    "reason": "closed",
                },
            ]
        },
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"schema": "rxmatch.outcomes-recorded/1", "recorded": 3}
    with OutcomeStore(path) as store:
        df = store.to_frame()
    assert df["event"].tolist() == ["shown", "attended", "declined"]
    assert df.loc[1, "at"].isoformat() == "2026-05-01T10:00:00+00:00"
    r = client.post("/outcomes/forget", json={"referral_id": "r-1"})
    assert r.json() == {"schema": "rxmatch.outcomes-forgotten/1", "erased": 2}
    assert "/outcomes" in client.get("/openapi.json").json()["paths"]


def test_bad_events_are_refused_whole_and_not_echoed(client_and_store):
    client, path = client_and_store
    words = "Jane Smith cries every night"
    for event in (
        {"event": "attended", "referral_id": words, "resource_id": "x1"},  # free text id
        {"event": "declined", "referral_id": "r-9", "resource_id": "x1"},  # no reason
        {"event": "declined", "referral_id": "r-9", "resource_id": "x1", "reason": words},
        {"event": "attended", "referral_id": "r-9", "resource_id": "x1", "note": words},
    ):
        r = client.post(
            "/outcomes",
            json={
                "events": [{"event": "attended", "referral_id": "ok-1", "resource_id": "x"}, event]
            },
        )
        assert r.status_code == 422, event
        assert "Jane" not in r.text and "cries" not in r.text
        assert r.json()["code"] in ("invalid_outcome", "invalid_request")
    with OutcomeStore(path) as store:
        assert store.count() == 0  # all or none
