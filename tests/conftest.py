from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import rxmatch

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def st_embedder():
    """The real bundled model (all-MiniLM-L6-v2), loaded once per test session."""
    return rxmatch.SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def referral_texts() -> list[list[str]]:
    """The texts a Matcher encodes for each synthetic referral: the whole answer, then
    each interest (when there are several) and dislike."""
    from rxmatch.features.facets import split_facets
    from rxmatch.features.query import QueryEncoder, facet_texts

    q = QueryEncoder()
    refs = rxmatch.datasets.load_synthetic_referrals()["what_matters"].astype(str).tolist()
    out = []
    for t in refs:
        f = split_facets(t)
        interests, dislikes = facet_texts(f)
        out.append([q.main_text(t, f), *interests, *dislikes])
    return out


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


@pytest.fixture()
def in_threads() -> Callable[[Callable[[], Any], int], list[Any]]:
    """Run ``fn`` in ``n`` threads at once; return the results (re-raises the first error)."""

    def run(fn: Callable[[], Any], n: int = 4) -> list[Any]:
        with ThreadPoolExecutor(max_workers=n) as pool:
            return [f.result() for f in [pool.submit(fn) for _ in range(n)]]

    return run


#: fixtures that load the real bundled model: a test using one is a ``model`` test, so that
#: ``pytest -m "not model"`` is the fast suite (CI runs everything)
MODEL_FIXTURES = frozenset({"st_embedder", "demo_matcher"})


#: test modules that load a real encoder themselves (ONNX export of the bundled model, USEM3,
#: E5, the CLI in a subprocess, cold-start caches), without the fixtures above
MODEL_MODULES = frozenset(
    {
        "test_onnx.py",
        "test_multilingual.py",
        "test_warm.py",
        "test_fast_start.py",
        "test_cli.py",
        "test_cli_index.py",
        "test_multilingual_default.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) or (
            item.path.name in MODEL_MODULES
        ):
            item.add_marker(pytest.mark.model)
