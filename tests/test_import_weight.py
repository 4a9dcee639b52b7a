"""Import weight: ``import rxmatch`` and answering from a saved index load no pandas.

pandas (and the pyarrow it pulls in) costs about a third of a second at start-up; the CLI's
``recommend --index`` and the service answer without any table, so pandas must load only
when a table is read or built (``Directory.from_csv``, ``.to_frame()``, evaluation)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd

from rxmatch import Directory, Matcher
from rxmatch.features.text import HashingEmbedder

#: run first in the child: importing pandas raises, so any use shows as a traceback
_BLOCK = textwrap.dedent(
    """
    import sys

    class _NoPandas:
        def find_spec(self, name, path=None, target=None):
            if name == "pandas" or name.startswith("pandas."):
                raise ImportError("pandas imported on a path that must not need it")

    sys.meta_path.insert(0, _NoPandas())
    """
)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_rxmatch_and_cli_load_no_pandas():
    done = _run(
        """
        import rxmatch, rxmatch.cli, rxmatch.rank, rxmatch.features, rxmatch.datasets
        print(len(rxmatch.__all__))
        """
    )
    assert done.returncode == 0, done.stderr
    assert "pandas" not in done.stderr


def test_blocker_catches_a_pandas_import():
    # the guard itself must be able to fail
    done = _run("import rxmatch.datasets\nrxmatch.datasets.load_synthetic_qrels()\n")
    assert done.returncode != 0
    assert "pandas imported on a path that must not need it" in done.stderr


def test_load_and_recommend_from_a_saved_index_without_pandas(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["choir", "walk", "food"],
            "name": ["Community Choir", "Trail Walking Group", "Food Pantry"],
            "description": [
                "Sing together every week, all voices welcome",
                "Gentle guided walks on the coastal trail",
                "Free groceries for families",
            ],
            "category": ["arts_culture", "nature_outdoors", "food"],
            "lat": [37.56, 37.57, 37.55],
            "lon": [-122.32, -122.31, -122.33],
        }
    )
    Matcher(embedder=HashingEmbedder(dim=64)).fit(Directory.from_frame(frame)).save(
        tmp_path / "idx"
    )
    done = _run(
        f"""
        import json
        from rxmatch import Matcher, Referral
        from rxmatch.features.text import HashingEmbedder
        m = Matcher.load({str(tmp_path / "idx")!r}, embedder=HashingEmbedder(dim=64))
        recs = m.recommend(Referral("I love to sing in a choir", lat=37.56, lon=-122.32), k=2)
        print(json.dumps([x.resource_id for x in recs.matches]))
        json.loads(recs.to_json())
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith('["choir"')
