from __future__ import annotations

from pathlib import Path

import pytest

import rxmatch

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def st_embedder():
    """The real bundled model (all-MiniLM-L6-v2), loaded once per test session."""
    return rxmatch.SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def demo_directory():
    return rxmatch.datasets.load_demo_directory()


@pytest.fixture(scope="session")
def demo_matcher(st_embedder, demo_directory):
    return rxmatch.Matcher(st_embedder).fit(demo_directory)


@pytest.fixture(scope="session")
def shared_data():
    if not SHARED_DATA.exists():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the repo in CI)")
    return SHARED_DATA
