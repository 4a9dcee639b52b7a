"""rxmatch serve in process (fastapi's TestClient) on the fitted demo matcher: answers equal
the library's, documented shapes, error codes, and no words in logs or error bodies."""

from __future__ import annotations

import inspect
import logging

import pytest

import rxmatch
from rxmatch import exceptions as ex

from .conftest import PHRASE

pytest.importorskip("fastapi")

from rxmatch.serve import schemas  # noqa: E402
from rxmatch.serve.errors import ERROR_CODES, SERVICE_CODES, error_code  # noqa: E402

PERSON = {
    "what_matters": "I used to paint watercolours and I would like to meet people",
    "postal_code": "94401",
    "age": 71,
    "travel_mode": "transit",
    "referral_id": "p-1",
}


def test_request_fields_are_named_like_referral():
    params = {n for n in inspect.signature(rxmatch.Referral).parameters if not n.startswith("_")}
    assert set(schemas.ReferralIn.model_fields) == params
    assert set(schemas.RecommendIn.model_fields) == params | {"k"}


def test_recommend_equals_the_library(app_client, demo_matcher):
    r = app_client.post("/recommend", json={**PERSON, "k": 5})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["schema"] == "rxmatch.recommendations/1"
    want = demo_matcher.recommend(rxmatch.Referral(**PERSON), k=5).to_dict()
    assert body == want
    assert len(body["matches"]) == 5
    assert body["matches"][0]["resource"]["phone"] is not None or body["matches"][0]["resource"]
    schemas.RecommendationsOut.model_validate(body)  # the documented shape holds


def test_lists_may_be_comma_separated(app_client, demo_matcher):
    body = {**PERSON, "availability": "weekday mornings, weekends", "languages": ["Spanish"]}
    r = app_client.post("/recommend", json=body)
    assert r.status_code == 200
    ref = rxmatch.Referral(
        **{**PERSON, "availability": ("weekday mornings", "weekends"), "languages": ("Spanish",)}
    )
    assert r.json() == demo_matcher.recommend(ref, k=10).to_dict()


def test_batch_answers_each_and_reports_the_bad_one(app_client, demo_matcher):
    other = {"what_matters": "I want to volunteer outdoors", "lat": 37.56, "lon": -122.32}
    bad = {"what_matters": "anything", "lat": 95.0, "lon": 3.0}
    r = app_client.post("/recommend/batch", json={"referrals": [PERSON, bad, other], "k": 3})
    assert r.status_code == 200
    body = r.json()
    schemas.BatchOut.model_validate(body)
    assert body["schema"] == "rxmatch.recommendations-batch/1"
    assert (body["n_ok"], body["n_errors"]) == (2, 1)
    assert [x["index"] for x in body["results"]] == [0, 1, 2]
    err = body["results"][1]["error"]
    assert (err["code"], err["status"], err["field"]) == ("invalid_referral", 422, "lat")
    for i, person in ((0, PERSON), (2, other)):
        # encoded in one batch: the same matches, scores equal up to float rounding
        want = demo_matcher.recommend(rxmatch.Referral(**person), k=3).to_dict()
        got = body["results"][i]["result"]
        assert [m["resource_id"] for m in got["matches"]] == [
            m["resource_id"] for m in want["matches"]
        ]
        assert [m["score"] for m in got["matches"]] == pytest.approx(
            [m["score"] for m in want["matches"]], abs=1e-5
        )
        assert [m["reasons"] for m in got["matches"]] == [m["reasons"] for m in want["matches"]]


def test_batch_limits(app_client):
    r = app_client.post("/recommend/batch", json={"referrals": []})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    many = [PERSON] * (schemas.MAX_BATCH + 1)
    r = app_client.post("/recommend/batch", json={"referrals": many})
    assert r.status_code == 422 and r.json()["field"] == "referrals"


def test_why_not_answers_for_any_id(app_client, demo_matcher):
    recs = demo_matcher.recommend(rxmatch.Referral(**PERSON), k=3)
    shown = recs.ids[0]
    r = app_client.post("/recommend/why-not", json={**PERSON, "k": 3, "resource_id": shown})
    assert r.status_code == 200
    body = r.json()
    schemas.WhyNotOut.model_validate(body)
    assert body["recommended"] is True and body["rank"] == 1
    assert body["reason"] == "recommended at rank 1"
    assert body["name"] == recs[0].name
    others = [rid for rid in demo_matcher.directory_.ids if rid not in recs.ids]
    for rid in others[:10]:
        r = app_client.post("/recommend/why-not", json={**PERSON, "k": 3, "resource_id": rid})
        body = r.json()
        assert body["recommended"] is False and body["rank"] is None
        assert body["reason"] == recs.why_not(rid) and body["reason"]
        assert body["name"] == demo_matcher.directory_.get(rid)["name"]
    r = app_client.post("/recommend/why-not", json={**PERSON, "resource_id": "no-such-id"})
    assert r.json()["reason"] == "not in the directory" and r.json()["name"] is None


def test_resources(app_client, demo_matcher):
    r = app_client.get("/resources")
    assert r.status_code == 200
    body = r.json()
    schemas.ResourceListOut.model_validate(body)
    assert body["n_resources"] == len(demo_matcher.directory_) == len(body["resources"])
    rid = body["resources"][3]["resource_id"]
    r = app_client.get(f"/resources/{rid}")
    assert r.status_code == 200
    one = r.json()
    schemas.ResourceOut.model_validate(one)
    row = demo_matcher.directory_.get(rid)
    assert one["name"] == row["name"] and one["resource_id"] == rid
    assert one["resource"]["phone"] == (row["phone"] or None)
    assert one["resource"]["address"] == row["address"]
    assert set(one["resource"]) == set(rxmatch.records.RESOURCE_FIELDS)
    # the same facts as in a match
    match = next(
        m for m in demo_matcher.recommend(rxmatch.Referral(**PERSON), k=10).to_dict()["matches"]
    )
    assert (
        app_client.get(f"/resources/{match['resource_id']}").json()["resource"] == match["resource"]
    )


def test_unknown_resource_is_404_with_code(app_client):
    r = app_client.get("/resources/no-such-id")
    assert r.status_code == 404
    body = r.json()
    schemas.ErrorOut.model_validate(body)
    assert (body["code"], body["field"]) == ("resource_not_found", "resource_id")


def test_health_and_ready(app_client, demo_matcher):
    assert app_client.get("/healthz").json() == {"schema": "rxmatch.health/1", "status": "ok"}
    r = app_client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    schemas.ReadyOut.model_validate(body)
    assert body["status"] == "ready"
    assert body["index"]["n_resources"] == len(demo_matcher.directory_)
    assert body["index"]["generation"] == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"postal_code": "94401"}, "invalid_request", "what_matters"),
        ({**PERSON, "what_matters": "   "}, "invalid_referral", "what_matters"),
        ({**PERSON, "what_matters": 12}, "invalid_request", "what_matters"),
        ({**PERSON, "postal_code": None, "lat": PHRASE, "lon": 1}, "invalid_request", "lat"),
        ({**PERSON, "postal_code": None, "lat": 95, "lon": 3}, "invalid_referral", "lat"),
        ({**PERSON, "postal_code": "00000"}, "invalid_referral", "postal_code"),
        ({**PERSON, "postal_code": PHRASE}, "invalid_referral", "postal_code"),
        ({**PERSON, "travel_mode": PHRASE}, "invalid_referral", "travel_mode"),
        ({**PERSON, "availability": [PHRASE]}, "invalid_referral", "availability"),
        ({**PERSON, "accessibility_needs": PHRASE}, "invalid_referral", "accessibility_needs"),
        ({**PERSON, "preferred_categories": [PHRASE]}, "unknown_category", "preferred_categories"),
        ({**PERSON, "age": 400}, "invalid_referral", "age"),
        ({**PERSON, "max_km": -1}, "invalid_referral", "max_km"),
        ({**PERSON, "k": 0}, "invalid_request", "k"),
        ({**PERSON, "k": PHRASE}, "invalid_request", "k"),
        ({**PERSON, PHRASE: "x"}, "invalid_request", "?"),
        ({**PERSON, "free_only": PHRASE}, "invalid_request", "free_only"),
        ({**PERSON, "postal_code": None}, "invalid_referral", "lat"),
    ],
)
def test_bad_referrals_are_422_naming_the_field(app_client, body, code, field):
    r = app_client.post("/recommend", json=body)
    assert r.status_code == 422
    out = r.json()
    schemas.ErrorOut.model_validate(out)
    assert out["schema"] == "rxmatch.error/1"
    assert (out["code"], out["status"], out["field"]) == (code, 422, field)
    assert field in out["message"] or code == "invalid_request" and field == "?"
    for word in PHRASE.split():  # no part of the person's words is echoed back
        assert word not in r.text
    assert all(set(e) == {"field", "type", "message"} for e in out["errors"])  # no "input"


def test_malformed_json_and_routes(app_client):
    r = app_client.post(
        "/recommend", content=b'{"what_matters": "' + PHRASE.encode(), headers=_JSON
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert "Quixotic" not in r.text
    r = app_client.get("/recommend")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = app_client.get("/no/such/thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


_JSON = {"content-type": "application/json"}


def test_reload_is_refused_off_loopback(app_client):
    r = app_client.post("/admin/reload")  # TestClient's client is "testclient", not loopback
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_every_rxmatch_error_has_a_code():
    classes = [
        getattr(ex, n)
        for n in ex.__all__
        if isinstance(getattr(ex, n), type) and issubclass(getattr(ex, n), ex.RxMatchError)
    ]
    assert len(classes) >= 15
    for cls in classes:
        code, status = error_code(cls.__new__(cls))
        assert code != "internal_error" and 400 <= status < 600, cls
    assert error_code(ex.ReferralError("x", field="lat")) == ("invalid_referral", 422)
    assert error_code(ex.UnknownCategoryError("x")) == ("unknown_category", 422)
    assert error_code(ex.IndexChangedError("x")) == ("index_changed", 503)
    assert error_code(RuntimeError("x")) == ("internal_error", 500)
    codes = {c for _, c, _ in ERROR_CODES} | set(SERVICE_CODES)
    assert all(c.replace("_", "").isalpha() and c.islower() for c in codes)


def test_openapi_documents_the_shapes(app_client):
    spec = app_client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/recommend", "post"),
        ("/recommend/batch", "post"),
        ("/recommend/why-not", "post"),
        ("/resources/{resource_id}", "get"),
        ("/resources", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/admin/reload", "post"),
    ]:
        assert method in paths[path], path
    comps = spec["components"]["schemas"]
    for name in ("RecommendIn", "RecommendationsOut", "MatchOut", "ErrorOut", "WhyNotOut"):
        assert name in comps
    rec = paths["/recommend"]["post"]["responses"]
    assert rec["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "RecommendationsOut"
    )
    assert rec["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
    assert comps["RecommendationsOut"]["properties"]["schema"]["const"] == (
        "rxmatch.recommendations/1"
    )


def test_no_words_in_any_log(app_client, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    words = {**PERSON, "what_matters": PHRASE}
    calls = [
        ("post", "/recommend", words),
        ("post", "/recommend/batch", {"referrals": [words, {**words, "lat": 95, "lon": 1}]}),
        ("post", "/recommend/why-not", {**words, "resource_id": "smd-001"}),
        ("post", "/recommend", {**words, "postal_code": PHRASE}),
        ("post", "/recommend", {**words, "travel_mode": PHRASE}),
        ("post", "/recommend", {**words, "k": PHRASE}),
        ("post", "/recommend", {**words, PHRASE: 1}),
    ]
    for method, path, body in calls:
        getattr(app_client, method)(path, json=body)
    app_client.get("/recommend", params={"what_matters": PHRASE})
    app_client.get("/" + PHRASE)
    app_client.get("/resources/" + PHRASE)
    # the test's own HTTP client logs the URLs it calls (query string and path included):
    # that is the client's side, left out; everything the server side logs is checked
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    access = [r for r in server if r.name == "rxmatch.serve.access"]
    assert len(access) >= len(calls) + 3  # the log was captured
    assert any("POST /recommend 200" in r.getMessage() for r in access)
    assert any("GET <unmatched> 404" in r.getMessage() for r in access)
    handler = logging.StreamHandler()
    text = "\n".join(handler.format(r) for r in server)
    for word in ("Quixotic", "Marmalade", "husband"):
        assert word not in text


def test_unexpected_error_is_500_without_its_text(app_client, demo_matcher, caplog, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(f"something broke while reading {PHRASE}")

    monkeypatch.setattr(demo_matcher, "recommend", boom)
    caplog.set_level(logging.DEBUG)
    r = app_client.post("/recommend", json={**PERSON, "what_matters": PHRASE})
    assert r.status_code == 500
    body = r.json()
    assert (body["code"], body["message"]) == ("internal_error", "internal error")
    assert "Quixotic" not in r.text and "Quixotic" not in caplog.text
    assert "RuntimeError" in caplog.text  # the type and place are logged


def test_import_rxmatch_does_not_import_the_web_stack():
    import subprocess
    import sys

    code = (
        "import sys, rxmatch, rxmatch.cli; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'rxmatch.serve') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_page_and_its_files_ship_in_the_package():
    import re

    from rxmatch.serve import STATIC_DIR

    html = (STATIC_DIR / "index.html").read_text("utf-8")
    refs = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert {"console.js", "console.css", "vendor/leaflet/leaflet.js"} <= set(refs)
    for ref in refs:
        assert (STATIC_DIR / ref).is_file(), ref
    leaflet = STATIC_DIR / "vendor" / "leaflet"
    assert (leaflet / "LICENSE").read_text("utf-8").startswith("BSD 2-Clause License")
    assert "1.9.4" in (leaflet / "leaflet.js").read_text("utf-8")[:300]
    # no inline script (the page's Content-Security-Policy allows none)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_a_huge_body_is_refused_before_it_is_read(app_client):
    from rxmatch.serve.app import MAX_BODY_BYTES

    big = b'{"what_matters": "' + b"a" * MAX_BODY_BYTES + b'"}'
    r = app_client.post("/recommend", content=big, headers=_JSON)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


def test_the_page_may_load_images_from_the_tile_server_only():
    from rxmatch.serve.app import _csp

    assert "img-src 'self' data:;" in _csp(None)
    osm = _csp("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in osm
    sub = _csp("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.example.org;" in sub
    for policy in (osm, sub):
        assert "connect-src 'self'" in policy and "script-src 'self';" in policy
