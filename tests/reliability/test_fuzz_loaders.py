"""Fuzzing the directory loaders (CSV, JSON, JSON Lines, records; the HSDS and Ohana
importers when present): whatever the input, the only exceptions are rxmatch's own
documented errors, and a directory that loads can be fitted and queried.

Bounded: a few hundred hypothesis examples in all (counts in ``docs/reliability.md``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import rxmatch
from rxmatch import Directory, Matcher, Referral, RxMatchError

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = [
    "id",
    "name",
    "description",
    "category",
    "tags",
    "postal_code",
    "lat",
    "lon",
    "online",
    "schedule",
    "free",
    "cost",
    "min_age",
    "max_age",
    "languages",
    "accessibility",
    "service_radius_km",
    "capacity",
    "last_verified",
]
GOOD = {
    "id": "g1",
    "name": "Walking group",
    "description": "Gentle walks in the park",
    "lat": 37.563,
    "lon": -122.3255,
}
PLAUSIBLE = {
    "lat": st.one_of(st.floats(-100, 100), st.just("37.5"), st.just("N37")),
    "lon": st.one_of(st.floats(-200, 200), st.just("-122.3")),
    "postal_code": st.sampled_from(["94401", "00000", "9440", "94401-1234", "abc", 94401.0]),
    "schedule": st.sampled_from(["Mon 10:00-12:00", "Daily 9am-5pm", "Mon-Fri", "25:00", ""]),
    "category": st.sampled_from(["Arts and Culture", "volunteer", "??", "nature_outdoors"]),
    "last_verified": st.sampled_from(["2024-05-01", "yesterday", "2024-13-45", 20240501]),
    "free": st.sampled_from(["yes", "no", "maybe", 1, 0, 2]),
    "online": st.sampled_from(["true", "false", "y", "often", 1, 5]),
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def records(draw):
    base = dict(GOOD) if draw(st.booleans()) else {}
    keys = draw(st.lists(st.sampled_from(COLUMNS) | st.text(max_size=6), max_size=8))
    for key in keys:
        strategy = json_values
        if key in PLAUSIBLE and draw(st.booleans()):
            strategy = PLAUSIBLE[key]
        base[key] = draw(strategy)
    return base


def load_quietly(fn, *args, **kwargs):
    """Run a loader; the only allowed exceptions are rxmatch's own errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except RxMatchError as exc:
            assert str(exc)  # a message, not an empty error
            return None


def check_usable(d: Directory | None) -> None:
    """A directory that loaded is consistent, and can be fitted and queried."""
    if d is None:
        return
    assert len(d) >= 1
    assert d.report.n_loaded == len(d)
    assert d.report.n_input >= d.report.n_loaded + 0  # skipped rows were input rows too
    assert len(set(d.ids)) == len(d)
    f = d.frame
    for col in ("lat", "lon", "min_age", "max_age", "capacity", "service_radius_km"):
        assert f[col].dtype.kind == "f"
        vals = f[col].dropna()
        assert all(math.isfinite(v) for v in vals)
    assert all(-90 <= v <= 90 for v in f["lat"].dropna())
    assert all(-180 <= v <= 180 for v in f["lon"].dropna())
    assert all(isinstance(t, str) and t for t in f["description"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = Matcher(rxmatch.HashingEmbedder(dim=64)).fit(d)
        recs = m.recommend(Referral("walks and painting", lat=37.563, lon=-122.3255), k=3)
    assert len(recs) <= 3 and all(0 <= r.score <= 1 for r in recs)


@settings(SETTINGS, max_examples=120)
@given(rows=st.lists(records(), max_size=5))
def test_from_records_with_weird_values(rows):
    d = load_quietly(Directory.from_records, rows)
    check_usable(d)
    if d is not None:
        # every input row is either loaded or reported as skipped
        assert d.report.n_loaded + d.report.n_skipped == len(rows)


def _write(path: Path, rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        path.write_text(json.dumps(rows, default=str), "utf-8")
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r, default=str) for r in rows), "utf-8")
    else:
        cols = list(dict.fromkeys(k for r in rows for k in r)) or ["id"]
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";" if fmt == "semicolon.csv" else ",")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
        path.write_text(buf.getvalue(), "utf-8")


@settings(SETTINGS, max_examples=60)
@given(
    rows=st.lists(records(), max_size=4),
    fmt=st.sampled_from(["json", "jsonl", "csv", "semicolon.csv"]),
)
def test_files_of_weird_records(tmp_path_factory, rows, fmt):
    p = tmp_path_factory.mktemp("f") / f"dir.{fmt}"
    _write(p, rows, fmt)
    check_usable(load_quietly(Directory.load, p))


@settings(SETTINGS, max_examples=80)
@given(
    data=st.binary(max_size=400),
    ext=st.sampled_from(["csv", "tsv", "json", "jsonl", "ndjson"]),
)
def test_random_bytes(tmp_path_factory, data, ext):
    p = tmp_path_factory.mktemp("b") / f"d.{ext}"
    p.write_bytes(data)
    check_usable(load_quietly(Directory.load, p))


csvish = st.text(
    alphabet=st.sampled_from(
        list('id,name;description\t"\n\r{}[]:0123456789.-e latlon\ufeff\x00é🎨')
    ),
    max_size=300,
)


@settings(SETTINGS, max_examples=80)
@given(text=csvish, ext=st.sampled_from(["csv", "json", "jsonl"]))
def test_random_text(tmp_path_factory, text, ext):
    p = tmp_path_factory.mktemp("t") / f"d.{ext}"
    p.write_text("id,name,description,lat,lon\n" + text if ext == "csv" else text, "utf-8")
    check_usable(load_quietly(Directory.load, p))


# ---- importers of real formats (rxmatch.io), when present -----------------------------------
# These two tests found raw AttributeError/TypeError/JSONDecodeError/UnicodeDecodeError on
# malformed input; the importers now raise rxmatch errors or skip and report the record.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(SETTINGS, max_examples=40, phases=NO_SHRINK)
@given(
    doc=st.one_of(
        json_values,
        st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "name",
                        "description",
                        "locations",
                        "schedules",
                        "cost_options",
                        "attributes",
                        "languages",
                        "contents",
                    ]
                )
                | st.text(max_size=5),
                json_values,
                max_size=6,
            ),
            max_size=3,
        ),
    )
)
def test_hsds_importer_on_random_json(tmp_path_factory, doc):
    rio = pytest.importorskip("rxmatch.io", reason="rxmatch.io is not written yet")
    p = tmp_path_factory.mktemp("h") / "services.json"
    p.write_text(json.dumps(doc), "utf-8")
    check_usable(load_quietly(rio.read_hsds, p))


@settings(SETTINGS, max_examples=15, phases=NO_SHRINK)
@given(
    files=st.dictionaries(
        st.sampled_from(["locations.json", "services.json", "organizations.json"]),
        st.one_of(
            st.binary(max_size=100),
            st.lists(json_values, max_size=3).map(
                lambda xs: "\n".join(json.dumps(x) for x in xs).encode()
            ),
        ),
    )
)
def test_ohana_importer_on_random_files(tmp_path_factory, files):
    rio = pytest.importorskip("rxmatch.io", reason="rxmatch.io is not written yet")
    folder = tmp_path_factory.mktemp("o")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    check_usable(load_quietly(rio.load_ohana, folder))
