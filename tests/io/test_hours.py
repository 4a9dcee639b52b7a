import json

import pytest

from rxmatch.features.schedule import parse_schedule
from rxmatch.io import parse_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monday-Friday, 8:30-5", "Mon-Fri 08:30-17:00"),
        ("Mon-Fri 9am-5pm", "Mon-Fri 09:00-17:00"),
        ("Monday-Friday, 9-12, 1-5", "Mon-Fri 09:00-12:00; Mon-Fri 13:00-17:00"),
        ("Tuesday, 7-9:30 pm", "Tue 19:00-21:30"),
        (
            "Monday-Wednesday, 1-8; Thursday-Saturday, 11-5",
            "Mon-Wed 13:00-20:00; Thu-Sat 11:00-17:00",
        ),
        ("Monday, Wednesday, Friday, 8-4", "Mon 08:00-16:00; Wed 08:00-16:00; Fri 08:00-16:00"),
        (
            "Monday-Thursday, 10-9; Friday, Saturday, 10-4",
            "Mon-Thu 10:00-21:00; Fri-Sat 10:00-16:00",
        ),
        ("Daily, 7:30 am-12 midnight", "Daily 07:30-23:59"),
        ("Monday through Friday 8 a.m. to noon", "Mon-Fri 08:00-12:00"),
        ("M-F 9-5", "Mon-Fri 09:00-17:00"),
        ("24 hours daily", "Daily 00:00-23:59"),
        ("Saturday, Sunday, 10:30-5", "Sat-Sun 10:30-17:00"),
    ],
)
def test_parses_common_shapes_with_am_pm_inference(text, expected):
    got = parse_hours(text)
    assert got.complete, got.leftover
    assert set(got.sessions) == set(parse_schedule(expected))


@pytest.mark.parametrize("text", ["By appointment", "Varies", "9-5", "Sunrise to sunset", ""])
def test_unreadable_hours_give_no_session(text):
    got = parse_hours(text)
    assert not got.ok
    assert got.schedule is None


def test_partial_parse_keeps_sessions_and_reports_leftover():
    got = parse_hours("Monday-Friday, 9-5; Closed alternate Fridays for staff training")
    assert got.ok and not got.complete
    assert "training" in got.leftover
    assert len(got.sessions) == 5


def test_output_is_in_rxmatch_schedule_format():
    got = parse_hours("Monday-Thursday, 8:30-5; Friday, 8:30-4")
    assert got.schedule is not None
    assert parse_schedule(got.schedule) == got.sessions


@pytest.mark.realdata
def test_parse_rate_on_the_974_real_ohana_hours_strings(shared_data):
    lines = (shared_data / "ohana-smc" / "locations.json").read_text("utf-8").splitlines()
    hours = [h for h in (json.loads(x).get("hours") for x in lines if x.strip()) if h]
    assert len(hours) == 974
    results = [parse_hours(h) for h in hours]
    parsed = sum(r.ok for r in results) / len(hours)
    complete = sum(r.complete for r in results) / len(hours)
    assert parsed > 0.88  # measured 0.903
    assert complete > 0.70  # measured 0.731
    # every parsed schedule round-trips through the core schedule parser
    for r in results:
        if r.ok:
            assert parse_schedule(r.schedule) == r.sessions
