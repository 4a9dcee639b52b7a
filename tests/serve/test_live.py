"""The real server (``rxmatch serve``: uvicorn in a subprocess on 127.0.0.1): bounded load
with every answer checked, hot reload under load, and its whole log free of the words."""

from __future__ import annotations

import shutil
import signal
import threading
import time

import httpx
import pytest

import rxmatch
from rxmatch.datasets import DEMO_PEOPLE
from rxmatch.serve.load import drive, expected_ids

from .conftest import PHRASE, start_server, stop_server

BODIES = [{**p, "k": 5} for p in DEMO_PEOPLE] + [
    {"what_matters": "I would like to garden and be outdoors", "postal_code": "94403", "k": 5},
    {"what_matters": "help with food and bills", "lat": 37.49, "lon": -122.23, "k": 5},
]


def _answers(url: str) -> list[list[str]]:
    out = []
    for body in BODIES:
        r = httpx.post(url + "/recommend", json=body, timeout=60)
        assert r.status_code == 200, r.text
        out.append(expected_ids(r.json()))
    return out


def test_server_answers_like_the_library(live_server, demo_matcher):
    got = _answers(live_server.url)
    for body, ids in zip(BODIES, got):
        ref = rxmatch.Referral(**{k: v for k, v in body.items() if k != "k"})
        assert ids == demo_matcher.recommend(ref, k=5).ids
    r = httpx.get(live_server.url + "/")
    assert r.status_code == 200 and "<form" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert httpx.get(live_server.url + "/static/vendor/leaflet/leaflet.js").status_code == 200


def test_bounded_load_32_clients(live_server):
    """32 concurrent clients for a bounded time: no error, every answer the right one."""
    want = _answers(live_server.url)
    result = drive(
        live_server.url,
        BODIES,
        clients=32,
        seconds=8.0,
        check=lambda i, answer: expected_ids(answer) == want[i],
    )
    summary = result.summary()
    assert result.n_errors == 0, summary
    assert result.n_requests >= 32, summary
    assert all(n > 0 for n in result.per_body), result.per_body  # every referral answered
    assert summary["p50_ms"] is not None and summary["p99_ms"] >= summary["p50_ms"]


def test_no_words_in_the_server_log(live_server):
    url = live_server.url
    words = {"what_matters": PHRASE, "postal_code": "94401"}
    httpx.post(url + "/recommend", json=words)
    httpx.post(url + "/recommend/why-not", json={**words, "resource_id": "smd-001"})
    httpx.post(url + "/recommend/batch", json={"referrals": [words, {**words, "lat": 95}]})
    httpx.post(url + "/recommend", json={**words, "travel_mode": PHRASE})
    httpx.post(url + "/recommend", json={**words, "age": PHRASE})
    httpx.post(url + "/recommend", content=b'{"what_matters": "' + PHRASE.encode())
    httpx.get(url + "/recommend", params={"what_matters": PHRASE})
    httpx.get(url + "/resources/" + PHRASE)
    httpx.get(url + "/" + PHRASE, params={"q": PHRASE})
    time.sleep(0.5)  # the log lines are flushed per line; give the last one a moment
    log = live_server.log_text()
    assert "POST /recommend 200" in log and "GET <unmatched> 404" in log  # it is the log
    for word in ("Quixotic", "Marmalade", "husband", "garden"):
        assert word not in log, word


def test_hot_reload_under_load(demo_index, st_embedder, tmp_path):
    """Rebuild the index folder under a serving process, reload (POST /admin/reload, then
    SIGHUP) while 8 clients keep asking: no request fails and the new index is served."""
    served = tmp_path / "idx"
    shutil.copytree(demo_index, served)
    server = start_server(served, tmp_path / "server.log")
    try:
        url = server.url
        gone = expected_ids(httpx.post(url + "/recommend", json=BODIES[0], timeout=60).json())[0]
        assert httpx.get(f"{url}/resources/{gone}").status_code == 200

        results = []
        load = threading.Thread(
            target=lambda: results.append(
                drive(
                    url,
                    BODIES,
                    clients=8,
                    seconds=14.0,
                    check=lambda i, a: (
                        a["schema"] == "rxmatch.recommendations/1" and len(a["matches"]) > 0
                    ),
                )
            )
        )
        load.start()
        time.sleep(1.5)
        # the rebuilt index: one resource fewer, saved over the folder being served
        rebuilt = rxmatch.Matcher.load(served, embedder=st_embedder)
        rebuilt.remove([gone])
        rebuilt.save(served)
        r = httpx.post(url + "/admin/reload", timeout=120)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["previous_generation"], body["index"]["generation"]) == (1, 2)
        assert body["index"]["n_resources"] == len(rebuilt.directory_)
        # served at once: the removed resource is gone, and no answer names it
        assert httpx.get(f"{url}/resources/{gone}").status_code == 404
        after = httpx.post(url + "/recommend", json=BODIES[0], timeout=60).json()
        assert gone not in expected_ids(after) and len(after["matches"]) == 5
        # SIGHUP reloads too
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = httpx.get(url + "/readyz").json()
            if ready["index"]["generation"] == 3:
                break
            time.sleep(0.2)
        assert ready["index"]["generation"] == 3
        load.join()
        (result,) = results
        assert result.n_errors == 0, result.summary()
        assert result.n_requests > 8

        # a broken index (a file changed in place) is refused: the old index keeps serving
        (served / "embeddings.npy").write_bytes(b"not an array")
        r = httpx.post(url + "/admin/reload", timeout=120)
        assert r.status_code == 500 and r.json()["code"] == "index_format"
        ready = httpx.get(url + "/readyz").json()
        assert ready["status"] == "ready" and ready["index"]["generation"] == 3
        assert ready["last_reload_error"]
        assert httpx.post(url + "/recommend", json=BODIES[1], timeout=60).status_code == 200
        # a proxied request is never admin, even from loopback
        r = httpx.post(url + "/admin/reload", headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 403
    finally:
        stop_server(server)


@pytest.mark.parametrize("bad", ["", "not-an-index"])
def test_serve_refuses_a_missing_index(bad, tmp_path, capsys):
    from rxmatch.cli import main

    assert main(["serve", "--index", str(tmp_path / bad)]) == 2
    assert "error" in capsys.readouterr().err
