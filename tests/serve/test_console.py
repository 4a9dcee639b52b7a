"""The console page at ``/`` in a real headless browser (Debian's chromium driven by
Playwright; never ``playwright install``): type an answer, get cards and map points, ask
"why not", keyboard-only use, labels for every control, screenshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install -y chromium); CI installs it",
        allow_module_level=True,
    )

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WORDS = "I used to paint watercolours and I miss being creative with other people"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # (a 422 answer is logged by chromium as a failed load: the error test asks for one)
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None
        ),
    )
    # nothing leaves the machine: every request goes to the service itself
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url),
    )
    page.goto(live_server.url + "/")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    yield page
    context.close()
    assert not errors, errors
    assert not outside, outside


def test_find_matches_map_and_why_not(page, live_server, tmp_path):
    page.get_by_label("What matters to them, in their own words").fill(WORDS)
    page.get_by_label("ZIP code").fill("94401")
    page.get_by_label("How they travel").select_option("transit")
    page.get_by_label("Weekday mornings").check()
    page.get_by_role("button", name="Find matches").click()
    cards = page.locator("#cards > li.card")
    cards.first.wait_for(timeout=60_000)
    n = cards.count()
    assert n == 10
    status = page.locator("#status")
    assert status.get_attribute("aria-live") == "polite"
    assert "best first" in status.inner_text()
    first = cards.first
    assert first.locator("h3").inner_text().startswith("1.")
    assert first.locator(".reasons li").count() >= 1
    assert "km away" in first.locator(".meta").inner_text()
    assert first.locator("dl.contact dt", has_text="Address").count() == 1
    # the map shows home and a numbered point per placed match, with no tiles configured
    sync_api.expect(page.locator("#map .match-pin").first).to_be_visible()
    pins = page.locator("#map .match-pin").count()
    assert 1 <= pins <= n
    assert page.locator("#map .home-pin").count() == 1  # home, from the ZIP code
    assert "No map tiles" in page.locator("#map-note").inner_text()
    shot = tmp_path / "console-matches.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    # why not: a resource by name, from the list the page offers
    shown = {c.get_attribute("data-resource-id") for c in cards.all()}
    options = page.locator("#resource-list option").evaluate_all("o => o.map(x => x.value)")
    assert len(options) == 82
    resources = live_server_resources(live_server)
    other = next(r for r in resources if r["resource_id"] not in shown)
    page.get_by_label("Resource name or id").fill(other["name"])
    page.get_by_role("button", name="Ask why not").click()
    answer = page.locator("#why-not-answer")
    sync_api.expect(answer).to_contain_text(other["name"] + ":")
    text = answer.inner_text()
    assert any(
        key in text for key in ("ranked below", "out of reach", "not free", "for ages", "not")
    )
    # a shown one answers with its rank
    page.get_by_label("Resource name or id").fill(first.get_attribute("data-resource-id"))
    page.get_by_role("button", name="Ask why not").click()
    sync_api.expect(answer).to_contain_text("recommended at rank 1")
    shot2 = tmp_path / "console-why-not.png"
    page.screenshot(path=str(shot2), full_page=True)
    assert shot2.stat().st_size > 20_000


def live_server_resources(live_server):
    import httpx

    return httpx.get(live_server.url + "/resources").json()["resources"]


def test_keyboard_only(page, tmp_path):
    """Tab to the text box, type, Tab to the ZIP code, type, Tab on to the button, Enter."""
    kb = page.keyboard
    focused = lambda: page.evaluate("document.activeElement && document.activeElement.id")  # noqa: E731

    for _ in range(10):
        kb.press("Tab")
        if focused() == "what-matters":
            break
    assert focused() == "what-matters"
    kb.type("I would like to garden outdoors with other people")
    kb.press("Tab")
    assert focused() == "postal-code"
    kb.type("94403")
    for _ in range(30):
        kb.press("Tab")
        if focused() == "find":
            break
    assert focused() == "find"
    kb.press("Enter")
    page.locator("#cards > li.card").first.wait_for(timeout=60_000)
    assert page.locator("#cards > li.card").count() == 10
    # a mistake is announced and the field at fault is marked and focused
    page.get_by_label("ZIP code").fill("00000")
    page.get_by_label("ZIP code").press("Enter")  # Enter in a text box submits the form
    sync_api.expect(page.locator("#status")).to_have_class("error")
    assert "postal_code" in page.locator("#status").inner_text()
    assert page.get_by_label("ZIP code").get_attribute("aria-invalid") == "true"
    assert focused() == "postal-code"
    # the previous person's matches are not left beside the error
    assert page.locator("#cards > li.card").count() == 0
    assert page.locator("#map .match-pin").count() == 0
    page.screenshot(path=str(tmp_path / "console-error.png"), full_page=True)


def test_every_control_is_labelled(page):
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => e.type !== 'hidden')
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !(e.tagName === 'BUTTON' && e.textContent.trim()))
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    assert page.locator("[aria-live]").count() >= 2  # results and the why-not answer
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#map").get_attribute("aria-label")
