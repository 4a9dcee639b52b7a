"""The real-data benchmark: referrals written in people's own words over two real
directories (San Mateo County services, NYC volunteering opportunities), graded by hand.

Only the referrals and the judgements ship with rxmatch; the directories are read from the
shared data folder (``$RXMATCH_SHARED_DATA`` or ``../shared/data`` beside the checkout;
see :func:`rxmatch.io.shared_data_dir`). Data card: ``datasets/real/README.md``.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from ..directory import Directory
from ..exceptions import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["REAL_DATASETS", "load_real_referrals", "load_real_qrels", "load_real_directory"]

#: name -> (data folder, loader of the directory in the shared data folder)
REAL_DATASETS: dict[str, str] = {"sanmateo": "ohana-smc", "nyc": "nyc-volunteer"}

SPLITS = ("dev", "test")


def _check(name: str) -> str:
    key = str(name).lower().removeprefix("real-")
    if key not in REAL_DATASETS:
        raise InvalidParameterError(
            f"unknown real dataset {name!r}; known: {', '.join(REAL_DATASETS)}"
        )
    return key


def _path(name: str, file: str):  # type: ignore[no-untyped-def]
    from . import data_path

    return data_path(f"real/{name}/{file}")


def load_real_referrals(name: str, split: str | None = None) -> pd.DataFrame:
    """The referrals of real dataset ``name`` (``"sanmateo"`` or ``"nyc"``), optionally one
    split (``"dev"`` or ``"test"``). Columns: referral_id, what_matters, language, age,
    speaker, postal_code, travel_mode, max_km, patterns, needs_clinical, split."""
    import pandas as pd

    key = _check(name)
    rows = [
        json.loads(line)
        for line in _path(key, "referrals.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    df = pd.DataFrame(rows)
    df["language_of_text"] = df["language"]
    if split is not None:
        if split not in SPLITS:
            raise InvalidParameterError(f"split must be one of {SPLITS}, not {split!r}")
        df = df[df["split"] == split].reset_index(drop=True)
    return df


def load_real_qrels(name: str) -> pd.DataFrame:
    """Graded judgements of real dataset ``name``: referral_id, resource_id, relevance
    (0-3; judged pairs only, 0 included), judge."""
    import pandas as pd

    key = _check(name)
    return pd.read_csv(
        _path(key, "qrels.csv"), dtype={"referral_id": str, "resource_id": str, "judge": str}
    )


def load_real_directory(
    name: str, path: str | os.PathLike[str] | None = None, **kw: Any
) -> Directory:
    """The directory of real dataset ``name``, read from the shared data folder (or
    ``path``): :func:`rxmatch.io.load_ohana` or :func:`rxmatch.io.load_nyc_volunteer`.
    Raises :class:`~rxmatch.DatasetNotFoundError` when it is not there."""
    from .. import io

    key = _check(name)
    loader = io.load_ohana if key == "sanmateo" else io.load_nyc_volunteer
    return loader(path, **kw)  # a missing folder is a DatasetNotFoundError
