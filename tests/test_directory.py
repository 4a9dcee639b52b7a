import json

import pandas as pd
import pytest

from rxmatch import (
    Directory,
    DirectoryValidationError,
    EmptyDirectoryError,
    SkippedRowsWarning,
)

GOOD = {
    "id": "a1",
    "name": "Art club",
    "description": "Painting for all",
    "lat": 37.56,
    "lon": -122.32,
}


def load(rows, **kw):
    return Directory.from_records(rows, **kw)


def test_loads_and_normalizes_fields():
    d = load(
        [
            {
                **GOOD,
                "category": "Arts and Culture",
                "tags": "painting; art",
                "languages": "English;es",
                "accessibility": "Wheelchair accessible;loop",
                "free": "yes",
                "schedule": "Tue 10:00-12:00",
                "min_age": "18",
                "last_verified": "2024-05-01",
            },
        ]
    )
    r = d.get("a1")
    assert r["category"] == "arts_culture" and r["category_source"] == "given"
    assert r["tags"] == ("painting", "art")
    assert r["languages"] == ("english", "spanish")
    assert r["accessibility"] == ("wheelchair", "hearing_loop")
    assert r["free"] is True and r["min_age"] == 18.0
    assert r["schedule"] == "Tue 10:00-12:00"
    assert d.report.n_skipped == 0


@pytest.mark.parametrize(
    "row,field,text",
    [
        ({**GOOD, "lat": -122.32, "lon": 37.56}, "lat", "swapped"),
        ({**GOOD, "lat": 95.0}, "lat", "out of range"),
        ({**GOOD, "description": "   "}, "description", "empty description"),
        ({**GOOD, "name": None}, "name", "empty name"),
        ({**GOOD, "lat": "abc"}, "lat", "not a number"),
        ({"id": "z", "name": "n", "description": "d"}, "lat", "no place"),
        (
            {"id": "z", "name": "n", "description": "d", "postal_code": "00000"},
            "postal_code",
            "unknown US ZIP",
        ),
    ],
)
def test_bad_rows_are_reported_with_id_and_field(row, field, text):
    with pytest.warns(SkippedRowsWarning):
        d = load([GOOD | {"id": "ok"}, row])
    assert len(d) == 1
    (p,) = d.report.skipped
    assert p.field == field and text in p.reason
    assert p.record_id == row.get("id")
    with pytest.raises(DirectoryValidationError) as exc:
        load([GOOD | {"id": "ok"}, row], strict=True)
    assert exc.value.field == field
    assert str(row["id"]) in str(exc.value)


def test_duplicate_ids_reported():
    with pytest.warns(SkippedRowsWarning):
        d = load([GOOD, GOOD | {"name": "Other"}])
    assert len(d) == 1 and d.get("a1")["name"] == "Art club"
    assert "duplicate id" in d.report.skipped[0].reason
    with pytest.raises(DirectoryValidationError, match="duplicate id"):
        load([GOOD, GOOD], strict=True)


def test_unparseable_schedule_is_an_issue_not_a_drop():
    d = load([GOOD | {"schedule": "whenever suits"}])
    assert len(d) == 1 and d.get("a1")["sessions"] == ()
    (issue,) = d.report.issues
    assert issue.record_id == "a1" and issue.field == "schedule"
    with pytest.raises(DirectoryValidationError, match="schedule"):
        load([GOOD | {"schedule": "whenever suits"}], strict=True)


def test_strings_and_nan_in_numeric_columns():
    d = load([GOOD | {"min_age": "eighteen", "capacity": float("nan"), "max_age": None}])
    assert len(d) == 1
    assert [(i.field, i.record_id) for i in d.report.issues] == [("min_age", "a1")]


def test_postal_code_only_and_online_only():
    d = load(
        [
            {"id": "z", "name": "n", "description": "d", "postal_code": "94401"},
            {"id": "o", "name": "n", "description": "d", "online": "true"},
        ]
    )
    assert d.get("z")["location_source"] == "postal_code"
    assert d.get("o")["location_source"] == "online"


def test_zero_usable_rows_raises():
    with pytest.raises(EmptyDirectoryError, match="no usable records.*x: description: empty"):
        load([{"id": "x", "name": "n", "description": ""}])


def test_missing_required_column():
    with pytest.raises(DirectoryValidationError, match="'description'"):
        Directory.from_frame(pd.DataFrame([{"id": "a", "name": "b"}]))


def test_csv_with_bom_semicolons_and_crlf(tmp_path):
    p = tmp_path / "d.csv"
    text = 'id;name;description;lat;lon\r\na;Art;"Painting; drawing\r\nand more";37.5;-122.3\r\nb;Walk;Walks;37.6;-122.3\r\n'
    p.write_bytes("\ufeff".encode() + text.encode())
    d = Directory.load(p)
    assert d.ids == ["a", "b"]
    assert "drawing" in d.get("a")["description"]


def test_json_and_jsonl(tmp_path):
    pj = tmp_path / "d.json"
    pj.write_text(json.dumps({"resources": [GOOD]}))
    assert Directory.load(pj).ids == ["a1"]
    pl = tmp_path / "d.jsonl"
    pl.write_text(json.dumps(GOOD) + "\n{not json\n" + json.dumps(GOOD | {"id": "a2"}) + "\n")
    with pytest.warns(SkippedRowsWarning):
        d = Directory.load(pl)
    assert d.ids == ["a1", "a2"]
    assert d.report.skipped[0].reason == "line 2 is not valid JSON"


def test_report_frame_and_summary():
    with pytest.warns(SkippedRowsWarning):
        d = load([GOOD, {**GOOD, "id": "b", "lat": 100}])
    f = d.report.to_frame()
    assert list(f.columns) == ["kind", "row", "id", "field", "reason", "line"]
    assert f.iloc[0]["id"] == "b"
    assert "1 of 2 rows loaded" in d.report.summary().replace("1 of 2", "1 of 2")


def test_directory_is_read_only_copy():
    d = load([GOOD])
    f = d.frame
    f.loc[0, "name"] = "changed"
    assert d.get("a1")["name"] == "Art club"


def test_skipped_rows_warning_points_at_the_callers_line(tmp_path):
    """The SkippedRowsWarning names the user's file and line, not rxmatch's."""
    import warnings

    from rxmatch.exceptions import SkippedRowsWarning

    path = tmp_path / "d.csv"
    path.write_text(
        "id,name,description,category,lat,lon\n"
        "1,A,a,arts_culture,37.5,-122.3\n"
        ",B,no id,arts_culture,37.5,-122.3\n"
    )
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        Directory.load(path)  # this line
    (w,) = [w for w in got if issubclass(w.category, SkippedRowsWarning)]
    assert w.filename == __file__
    import inspect

    src = inspect.getsource(test_skipped_rows_warning_points_at_the_callers_line)
    first = test_skipped_rows_warning_points_at_the_callers_line.__code__.co_firstlineno
    offset = next(i for i, ln in enumerate(src.splitlines()) if "# this line" in ln)
    assert w.lineno == first + offset


def test_csv_problems_name_the_file_line(tmp_path):
    """A CSV record's problems carry the file line it starts on (header = line 1), counted
    across multi-line quoted fields and blank lines; str() shows it."""
    path = tmp_path / "d.csv"
    path.write_text(
        "id,name,description,category,lat,lon\n"
        '1,A,"two\nlines",arts_culture,37.5,-122.3\n'
        "\n"
        ",C,no id,arts_culture,37.5,-122.3\n"
        "4,D,d,arts_culture,37.5,-122.3,extra\n"
        "5,E,e,arts_culture,537.5,-122.3\n"
    )
    with pytest.warns(SkippedRowsWarning):
        d = Directory.load(path)
    got = {(p.record_id, p.field): p for p in d.report.skipped}
    assert got[(None, "id")].line == 5 and str(got[(None, "id")]) == "line 5: id: missing id"
    assert got[("4", "*")].line == 6 and str(got[("4", "*")]).startswith("4 (line 6): *: ")
    assert got[("5", "lat")].line == 7
    assert list(d.report.to_frame()["line"]) == [p.line for p in d.report.skipped]
    # rows keep their meaning (0-based records), and JSON sources have no line
    assert got[(None, "id")].row == 1
    with pytest.warns(SkippedRowsWarning):
        other = load([GOOD, {**GOOD, "id": "b", "lat": 100}])
    assert all(p.line is None for p in other.report.skipped)
