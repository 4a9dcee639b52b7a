from __future__ import annotations

import json

from rxmatch.cli import main
from rxmatch.outcomes import OutcomeStore


def test_record_report_forget(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "o.sqlite")
    assert (
        main(
            [
                "outcomes",
                "record",
                "--store",
                db,
                "shown",
                "ref-1",
                "syn-1",
                "--rank",
                "1",
                "--score",
                "0.5",
                "--propensity",
                "1",
                "--category",
                "arts_culture",
            ]
        )
        == 0
    )
    assert main(["outcomes", "record", "--store", db, "attended", "ref-1", "syn-1"]) == 0
    assert (
        main(
            [
                "outcomes",
                "record",
                "--store",
                db,
                "declined",
                "ref-2",
                "syn-2",
                "--reason",
                "closed",
            ]
        )
        == 0
    )
    # a name instead of a pseudonymous id: refused, and not echoed
    assert main(["outcomes", "record", "--store", db, "attended", "Jane Doe", "syn-1"]) == 2
    err = capsys.readouterr().err
    assert "pseudonymous" in err and "Jane" not in err
    csv = tmp_path / "ev.csv"
    csv.write_text(
        "event,referral_id,resource_id,reason\ncontacted,ref-3,syn-1,\ndeclined,ref-3,syn-2,full\n"
    )
    assert main(["outcomes", "record", "--store", db, "--csv", str(csv)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("RXMATCH_OUTCOMES", db)
    assert main(["outcomes", "report", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["events"]["declined"] == 2 and rep["events"]["attended"] == 1
    assert [s["resource_id"] for s in rep["stale"]] == ["syn-2"]
    assert rep["stale"][0]["flags"] == 2
    assert main(["outcomes", "report"]) == 0
    assert "syn-2" in capsys.readouterr().out
    assert main(["outcomes", "forget", "ref-1"]) == 0
    assert "erased 2 events" in capsys.readouterr().out
    with OutcomeStore(db) as store:
        assert "ref-1" not in set(store.to_frame()["referral_id"])
        assert store.count() == 3


def test_no_store_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.delenv("RXMATCH_OUTCOMES", raising=False)
    assert main(["outcomes", "report"]) == 2
    assert "RXMATCH_OUTCOMES" in capsys.readouterr().err
