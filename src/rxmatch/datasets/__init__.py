"""Bundled sample datasets (installed with the package) and loaders for external data.

* :func:`load_demo_directory`: ~70 hand-written fictional resources in San Mateo, CA.
* :func:`load_real_referrals`, :func:`load_real_qrels`, :func:`load_real_directory`: the
  real-data benchmark (hand-written referrals and hand judgements over real directories
  read from the shared data folder).
* :func:`load_synthetic_directory`, :func:`load_synthetic_referrals`,
  :func:`load_synthetic_qrels`: the synthetic evaluation set (3 US regions, labelled
  referrals with fixed train/dev/test splits).

Data cards: ``datasets/*/README.md`` in the source repository.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..directory import Directory
from ..exceptions import DatasetNotFoundError

if TYPE_CHECKING:  # pandas loads with the tables, not at import
    import pandas as pd

__all__ = [
    "data_path",
    "load_real_referrals",
    "load_real_qrels",
    "load_real_directory",
    "REAL_DATASETS",
    "load_demo_directory",
    "load_synthetic_directory",
    "load_synthetic_referrals",
    "load_synthetic_qrels",
    "load_synthetic_truth",
    "DEMO_PEOPLE",
]


def data_path(name: str) -> Path:
    """Path of a bundled data file (inside the installed package)."""
    p = resources.files("rxmatch.datasets").joinpath("data", name)
    path = Path(str(p))
    if not path.exists():
        raise DatasetNotFoundError(
            f"bundled data file {name!r} is missing from the installed package"
        )
    return path


def load_demo_directory(**kwargs) -> Directory:
    """The demo directory: hand-written, fictional resources in and around San Mateo, CA."""
    return Directory.from_csv(data_path("san_mateo_demo.csv"), source="san_mateo_demo", **kwargs)


def load_synthetic_directory(**kwargs) -> Directory:
    """The synthetic evaluation directory (3 regions; deliberately messy records)."""
    return Directory.from_csv(data_path("synthetic_directory.csv"), source="synthetic", **kwargs)


def load_synthetic_referrals(split: str | None = None) -> pd.DataFrame:
    """Labelled referrals (people's own words, home, constraints), optionally one split
    (``"train"``, ``"dev"`` or ``"test"``)."""
    import pandas as pd

    rows = [
        json.loads(line)
        for line in data_path("synthetic_referrals.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    df = pd.DataFrame(rows)
    if split is not None:
        if split not in ("train", "dev", "test"):
            raise ValueError("split must be 'train', 'dev' or 'test'")
        df = df[df["split"] == split].reset_index(drop=True)
    return df


def load_synthetic_qrels() -> pd.DataFrame:
    """Graded relevance judgements: referral_id, resource_id, relevance (1–3; 0 omitted)."""
    import pandas as pd

    return pd.read_csv(
        data_path("synthetic_qrels.csv"), dtype={"referral_id": str, "resource_id": str}
    )


def load_synthetic_truth() -> pd.DataFrame:
    """The generator's latent truth per resource (region, subtopic, true category, ...)."""
    import pandas as pd

    return pd.read_csv(data_path("synthetic_resource_truth.csv"), dtype=str)


#: Three example people for ``rxmatch demo`` (fictional).
DEMO_PEOPLE = (
    {
        "referral_id": "demo-1",
        "what_matters": "I used to paint watercolours before my stroke and I miss having something creative to do. I'd love to meet people too.",
        "postal_code": "94401",
        "age": 71,
        "travel_mode": "transit",
    },
    {
        "referral_id": "demo-2",
        "what_matters": "Since my wife passed I don't really talk to anyone. The doctor says I should get out of the house, maybe walk more.",
        "lat": 37.5585,
        "lon": -122.2711,
        "age": 78,
        "max_km": 6,
    },
    {
        "referral_id": "demo-3",
        "what_matters": "Trabajo de noche y casi no tengo dinero para la comida este mes. Me gustaría ayudar en mi comunidad.",
        "postal_code": "94403",
        "age": 34,
        "languages": ["Spanish"],
        "free_only": True,
        "max_km": 8,
    },
)


from .real import REAL_DATASETS, load_real_directory, load_real_qrels, load_real_referrals  # noqa: E402
