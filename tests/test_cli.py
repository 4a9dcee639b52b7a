import json

from rxmatch.cli import main
from rxmatch.datasets import data_path


def test_recommend_json(capsys):
    code = main(
        [
            "recommend",
            "--directory",
            str(data_path("san_mateo_demo.csv")),
            "--text",
            "I miss painting with watercolours",
            "--zip",
            "94401",
            "--max-km",
            "5",
            "-k",
            "3",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["matches"]) == 3
    assert out["matches"][0]["category"] == "arts_culture"
    assert all(m["distance_km"] is None or m["distance_km"] <= 5 for m in out["matches"])


def test_recommend_table_and_errors(capsys, tmp_path):
    code = main(
        [
            "recommend",
            "--directory",
            str(data_path("san_mateo_demo.csv")),
            "--text",
            "gardening",
            "--lat",
            "37.56",
            "--lon",
            "-122.32",
            "-k",
            "2",
        ]
    )
    assert code == 0
    assert " 1. " in capsys.readouterr().out
    code = main(
        ["recommend", "--directory", str(tmp_path / "nope.csv"), "--text", "x", "--zip", "94401"]
    )
    assert code == 2 and "not found" in capsys.readouterr().err
    code = main(
        [
            "recommend",
            "--directory",
            str(data_path("san_mateo_demo.csv")),
            "--text",
            "x",
            "--zip",
            "00000",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "postal_code" in err


def test_demo_runs_for_three_people(capsys):
    assert main(["demo", "-k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["referral_id"] for p in out] == ["demo-1", "demo-2", "demo-3"]
    assert all(len(p["matches"]) == 3 for p in out)
    assert out[0]["matches"][0]["category"] == "arts_culture"
