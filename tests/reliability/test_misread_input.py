"""Input read wrongly without a word (issue 13, part 4): times, encodings, field sizes,
huge numbers, surrogates, identifiers and short fields, short ZIP codes, JSON that is not a
list. Each case is either read correctly and reported, or refused with a clear
``RxMatchError`` naming the record/row and field, never a raw Python error and never the
person's words."""

from __future__ import annotations

import json
import warnings

import pytest

from rxmatch import (
    Directory,
    DirectoryValidationError,
    Referral,
    ReferralError,
    RxMatchError,
    ScheduleParseError,
    SkippedRowsWarning,
)
from rxmatch.features.schedule import Session, parse_availability, parse_schedule
from rxmatch.io._hours import parse_hours

HOME = {"lat": 37.5630, "lon": -122.3255}
GOOD = {
    "id": "a1",
    "name": "Art club",
    "description": "Painting and drawing for all ages, materials provided",
    "lat": 37.5630,
    "lon": -122.3255,
}
MON, TUE, SAT, SUN = 0, 1, 5, 6
DAY = 1440


def load(rows, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedRowsWarning)
        return Directory.from_records(rows, **kw)


def days_of(windows):
    return sorted({start // DAY for start, _ in windows})


# ---- times ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["Mon 9-5", "Mon 9:00-5:00", "Monday 9.00-5.00"])
def test_backwards_range_without_am_pm_is_business_hours(text):
    assert parse_schedule(text) == (Session(0, 9 * 60, 17 * 60),)


def test_overnight_24_hour_session_is_kept():
    assert parse_schedule("Fri 22:00-02:00") == (Session(4, 22 * 60, 2 * 60),)


def test_backwards_range_is_reported_in_the_directory():
    d = load([{**GOOD, "schedule": "Mon 9-5"}])
    assert d.get("a1")["schedule"] == "Mon 09:00-17:00"
    notes = [p for p in d.report.issues if p.field == "schedule"]
    assert notes and "17:00" in notes[0].reason


def test_hours_backwards_range_is_reported():
    h = parse_hours("Mon 9:00-5:00")
    assert h.schedule == "Mon 09:00-17:00"
    assert h.notes and "am/pm" in h.notes[0]


@pytest.mark.parametrize("text", ["Mon 25:00-26:00", "Mon 9:00-24:30", "Tue 10:75-11:00"])
def test_out_of_range_times_are_refused(text):
    with pytest.raises(ScheduleParseError):
        parse_schedule(text)
    with pytest.raises(ScheduleParseError):
        parse_availability([text])
    assert not parse_hours(text).ok


def test_out_of_range_time_in_a_referral_is_a_referral_error():
    with pytest.raises(ReferralError, match="availability"):
        Referral("I like music", **HOME, availability=["Mon 25:00-26:00"])


def test_except_is_understood_not_inverted():
    w = parse_availability(["weekday mornings except tuesdays"])
    assert days_of(w) == [0, 2, 3, 4]
    assert all(6 * 60 <= s % DAY < 12 * 60 for s, _ in w)


def test_but_not_is_understood_not_inverted():
    w = parse_availability(["evenings but not weekends"])
    assert days_of(w) == [0, 1, 2, 3, 4]
    assert all(s % DAY == 17 * 60 for s, _ in w)


def test_not_alone_is_every_other_day():
    assert days_of(parse_availability(["not mondays"])) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "text", ["not evenings", "mornings except when it rains", "weekends no", "never"]
)
def test_negation_it_cannot_read_is_refused(text):
    with pytest.raises(ScheduleParseError):
        parse_availability([text])


def test_unknown_words_next_to_a_day_are_refused():
    with pytest.raises(ScheduleParseError):
        parse_availability(["mon sometimes maybe"])


@pytest.mark.parametrize(
    "text,days",
    [("weekday mornings", [0, 1, 2, 3, 4]), ("weekends", [5, 6]), ("tue afternoons", [1])],
)
def test_plain_windows_still_read(text, days):
    assert days_of(parse_availability([text])) == days


# ---- encodings ------------------------------------------------------------------------------
def test_latin1_csv_is_decoded_and_reported(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(
        "id,name,description,lat,lon\n"
        "a1,Café Arts,Painting for all ages,37.56,-122.32\n"
        "a2,Walk group,Weekly walks in the park,37.56,-122.32\n".encode("latin-1")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Directory.from_csv(p)
    assert d.get("a1")["name"] == "Café Arts"
    enc = [p for p in d.report.issues if "UTF-8" in p.reason]
    assert [p.record_id for p in enc] == ["a1"]


def test_mixed_encoding_jsonl_reports_the_line(tmp_path):
    p = tmp_path / "d.jsonl"
    good = json.dumps({**GOOD, "id": "a2"}).encode()
    bad = json.dumps({**GOOD, "name": "Café"}, ensure_ascii=False).encode("latin-1")
    p.write_bytes(bad + b"\n" + good + b"\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Directory.from_jsonl(p)
    assert "a2" in d
    assert any("UTF-8" in s.reason for s in d.report.skipped + d.report.issues)


def test_non_utf8_json_is_a_clear_error(tmp_path):
    p = tmp_path / "d.json"
    p.write_bytes(json.dumps([{**GOOD, "name": "Café"}], ensure_ascii=False).encode("latin-1"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = Directory.from_json(p)
    except DirectoryValidationError:
        return
    assert d.get("a1")["name"] == "Café"


# ---- field size -----------------------------------------------------------------------------
def test_one_huge_csv_field_keeps_the_other_rows(tmp_path):
    p = tmp_path / "d.csv"
    huge = "x" * 200_000
    p.write_text(
        "id,name,description,lat,lon\n"
        f"a1,Art club,{huge},37.56,-122.32\n"
        "a2,Walk group,Weekly walks in the park,37.56,-122.32\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Directory.from_csv(p)
    assert "a2" in d and "a1" in d
    assert len(d.get("a1")["description"]) <= 10_000
    assert any(p.record_id == "a1" and "truncated" in p.reason for p in d.report.issues)


# ---- huge numbers ---------------------------------------------------------------------------
BIG = 10**400


@pytest.mark.parametrize("field", ["lat", "age", "max_km"])
def test_huge_number_in_a_referral_names_the_field(field):
    kwargs = {**HOME, field: BIG}
    with pytest.raises(ReferralError) as err:
        Referral("I like music", **kwargs)
    assert err.value.field == field
    assert "1000" not in str(err.value)


@pytest.mark.parametrize("field", ["lat", "min_age", "service_radius_km"])
def test_huge_number_in_a_directory_row_names_the_field(field):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Directory.from_records([{**GOOD, field: BIG}, {**GOOD, "id": "a2"}])
    probs = d.report.skipped + d.report.issues
    assert any(p.field == field and "number" in p.reason for p in probs)
    assert "a2" in d


def test_jsonl_line_with_a_huge_integer_is_skipped_and_reported(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(
        '{"id": "a1", "name": "A", "description": "d", "lat": '
        + "9" * 5000
        + ', "lon": 1}\n'
        + json.dumps({**GOOD, "id": "a2"})
        + "\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Directory.from_jsonl(p)
    assert "a2" in d
    assert any(s.row == 0 for s in d.report.skipped)


def test_json_with_a_huge_integer_is_a_clear_error(tmp_path):
    p = tmp_path / "d.json"
    p.write_text('[{"id": "a1", "lat": ' + "9" * 5000 + "}]", encoding="utf-8")
    with pytest.raises(DirectoryValidationError, match="number"):
        Directory.from_json(p)


def test_interval_of_1e400_in_a_schedule_is_refused():
    with pytest.raises(ScheduleParseError):
        parse_schedule([{"day": "Mon", "start": 1e400, "end": 10}])


# ---- surrogates -----------------------------------------------------------------------------
def test_lone_surrogate_in_the_words_is_cleaned():
    r = Referral("I like caf\udce9 music", **HOME)
    r.what_matters.encode("utf-8")  # no UnicodeEncodeError later, in a tokenizer or writer


def test_lone_surrogate_in_directory_text_is_cleaned():
    d = load([{**GOOD, "name": "Caf\udce9 Arts", "description": "Paint \ud800 here"}])
    rec = d.get("a1")
    (rec["name"] + rec["description"]).encode("utf-8")


def test_cli_with_a_surrogate_gives_no_traceback(tmp_path, capsys, monkeypatch):
    import rxmatch.matcher
    from rxmatch import HashingEmbedder, Matcher
    from rxmatch.cli import main

    real = Matcher
    monkeypatch.setattr(
        rxmatch.matcher, "Matcher", lambda n, **kw: real(HashingEmbedder(), n=n, **kw)
    )
    p = tmp_path / "d.json"
    p.write_text(json.dumps([GOOD]), encoding="utf-8")
    code = main(["recommend", "--directory", str(p), "--text", "I like caf\udce9 music",
                 "--lat", "37.56", "--lon", "-122.32", "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    out.encode("utf-8")


# ---- identifiers and short text fields ------------------------------------------------------
def test_nfc_and_nfd_ids_are_the_same_id():
    d = load([{**GOOD, "id": "caf\u00e9"}, {**GOOD, "id": "cafe\u0301"}])
    assert len(d) == 1 and "caf\u00e9" in d
    assert any("duplicate" in p.reason for p in d.report.skipped)


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("a\u200b1", "a1"),
        ("\x1b[31ma1\x1b[0m", "a1"),
        ("a1\n", "a1"),
        ("a\x001", "a1"),
        ("\u202ea1", "a1"),
    ],
)
def test_ids_are_cleaned_and_the_change_reported(raw, clean):
    d = load([{**GOOD, "id": raw}])
    assert d.ids == [clean]
    assert any(p.field == "id" and "cleaned" in p.reason for p in d.report.issues)


def test_huge_id_is_refused_and_huge_tag_dropped():
    d = load([{**GOOD, "id": "x" * 1_000_000}, {**GOOD, "id": "a2", "tags": "ok;" + "t" * 10**6}])
    assert d.ids == ["a2"]
    assert any(p.field == "id" for p in d.report.skipped)
    assert d.get("a2")["tags"] == ("ok",)
    assert any(p.field == "tags" for p in d.report.issues)


@pytest.mark.parametrize("field", ["tags", "languages", "postal_code"])
def test_control_characters_in_short_fields_are_removed(field):
    value = {
        "tags": "art\u202e;\x1b[2Jmusic",
        "languages": "span\x00ish",
        "postal_code": "944\u200b01",
    }
    d = load([{**GOOD, field: value[field]}])
    rec = d.get("a1")
    got = rec[field] if isinstance(rec[field], str) else ";".join(rec[field])
    assert not any(ch in got for ch in "\u202e\x1b\x00\u200b")
    assert any(p.field == field and "cleaned" in p.reason for p in d.report.issues)


def test_referral_languages_are_cleaned():
    r = Referral("I like music", **HOME, languages=["span\x00ish\u200b"])
    assert r.languages == ("spanish",)


# ---- short ZIP codes ------------------------------------------------------------------------
def test_three_digit_zip_is_refused():
    with pytest.raises(ReferralError, match="postal_code"):
        Referral("I like music", postal_code="501")


def test_four_digit_zip_is_still_padded():
    r = Referral("I like music", postal_code="2134")
    assert r.lat is not None


# ---- JSON that is not a list ----------------------------------------------------------------
@pytest.mark.parametrize("content,what", [("42", "number"), ("null", "null"), ('"x"', "string")])
def test_json_scalar_is_named(tmp_path, content, what):
    p = tmp_path / "d.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(DirectoryValidationError) as err:
        Directory.load(p)
    assert what in str(err.value) and "column" not in str(err.value)


# ---- errors never a raw Python error ---------------------------------------------------------
def test_all_errors_here_are_rxmatch_errors():
    for bad in ({"lat": BIG, "lon": 1}, {"lat": 1, "lon": 1, "age": BIG}):
        with pytest.raises(RxMatchError):
            Referral("x", **bad)


# ---- deeper libraries never see a lone surrogate (issue 13, part 3 leftover) -----------------
def test_surrogate_words_reach_the_matcher_without_an_encode_error(hashing_matcher):
    recs = hashing_matcher.recommend(Referral("I like caf\udce9 music and \ud800 art", **HOME), k=3)
    assert len(recs) > 0
    repr(recs).encode("utf-8")


def test_directory_with_surrogates_saves_and_loads(tmp_path):
    from rxmatch import HashingEmbedder, Matcher

    d = load([{**GOOD, "name": "Caf\udce9 Arts", "tags": "art\udce9"}, {**GOOD, "id": "a2"}])
    m = Matcher(HashingEmbedder()).fit(d)
    m.save(tmp_path / "index")  # pyarrow/CSV writers get clean UTF-8 text
    loaded = Matcher.load(tmp_path / "index", embedder=HashingEmbedder())
    assert loaded.directory_.get("a1")["name"] == "Caf\ufffd Arts"
