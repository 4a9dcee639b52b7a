import pytest

from rxmatch import ScheduleParseError
from rxmatch.features.schedule import Session, parse_availability, parse_schedule, schedule_fit


def test_parse_sessions_ranges_and_12h():
    s = parse_schedule("Mon-Wed 09:00-12:00; Sat 10am-2pm")
    assert [x.day for x in s] == [0, 1, 2, 5]
    assert s[-1] == Session(5, 600, 840)
    assert parse_schedule([{"day": "Tue", "start": "18:30", "end": "20:00"}]) == (
        Session(1, 1110, 1200),
    )
    assert len(parse_schedule("Weekends 10:00-12:00")) == 2
    assert parse_schedule("") == () and parse_schedule(None) == ()


def test_session_crossing_midnight():
    (s,) = parse_schedule("Fri 22:00-02:00")
    assert s.duration == 240
    fit, best = schedule_fit((s,), parse_availability("Sat 00:00-03:00"))
    assert fit == pytest.approx(0.5) and best == s
    # Sunday night into Monday morning wraps around the week
    (sun,) = parse_schedule("Sun 23:00-01:00")
    fit, _ = schedule_fit((sun,), parse_availability("Mon 00:00-06:00"))
    assert fit == pytest.approx(0.5)


@pytest.mark.parametrize(
    "bad", ["whenever", "Mon 25:00-26:00", "Funday 10:00-12:00", "Mon 10:00-10:00"]
)
def test_unparseable_schedule_raises(bad):
    with pytest.raises(ScheduleParseError):
        parse_schedule(bad)


def test_availability_phrases():
    mornings = parse_availability("weekday mornings")
    assert len(mornings) == 5 and mornings[0] == (360, 720)
    evening = parse_availability("after 6 pm")
    assert evening[0] == (1080, 1440)
    weekend = parse_availability(["weekends"])
    assert weekend == ((7200, 8640), (8640, 10080))
    with pytest.raises(ScheduleParseError):
        parse_availability("when the moon is full")


def test_schedule_fit_values():
    sessions = parse_schedule("Tue 10:00-12:00; Thu 19:00-21:00")
    assert schedule_fit(sessions, parse_availability("weekday mornings"))[0] == 1.0
    assert schedule_fit(sessions, parse_availability("weekends"))[0] == 0.0
    assert schedule_fit((), parse_availability("weekends")) == (None, None)
