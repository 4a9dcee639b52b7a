"""Where the external (real, third-party) directory data lives."""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import DatasetNotFoundError

__all__ = ["shared_data_dir", "resolve_dataset"]

#: Environment variable naming the folder that holds ``ohana-smc/``, ``nyc-volunteer/`` ...
ENV_VAR = "RXMATCH_SHARED_DATA"


def shared_data_dir() -> Path:
    """The shared data folder: ``$RXMATCH_SHARED_DATA`` if set, else ``../shared/data``
    beside the source checkout (``<repo>/../shared/data``), else ``../shared/data``
    relative to the working directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    beside_repo = repo.parent / "shared" / "data"
    if beside_repo.exists():
        return beside_repo
    return Path.cwd().parent / "shared" / "data"


def resolve_dataset(path: str | os.PathLike[str] | None, folder: str, must_have: str) -> Path:
    """Resolve ``path`` (or ``<shared data>/<folder>`` when ``None``) and check that
    ``must_have`` exists inside it (or that ``path`` is that file).

    Raises :class:`DatasetNotFoundError` with the paths tried and how to point rxmatch at
    the data.
    """
    base = Path(path) if path is not None else shared_data_dir() / folder
    if base.is_file() and base.name == must_have:
        return base.parent
    if not (base / must_have).exists():
        raise DatasetNotFoundError(
            f"dataset {folder!r} not found: {base / must_have} does not exist. Pass its folder "
            f"as path=..., or set {ENV_VAR} to the folder that contains {folder}/"
        )
    return base
