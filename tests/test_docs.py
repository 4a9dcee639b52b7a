"""The documentation site: the build hook's link rewriting and the API reference's targets.

CI builds the site itself (`make test` runs `mkdocs build --strict`); these checks are fast
and need neither mkdocs nor the model.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOB = "https://github.com/rxmatch/rxmatch/blob/main/"


def _hook():
    spec = importlib.util.spec_from_file_location("_docs_links", ROOT / "docs/hooks/links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _File:
    def __init__(self, src_uri: str) -> None:
        self.src_uri = src_uri


class _Page:
    def __init__(self, src_uri: str) -> None:
        self.file = _File(src_uri)


def _render(markdown: str, src_uri: str) -> str:
    config = {
        "config_file_path": str(ROOT / "mkdocs.yml"),
        "docs_dir": str(ROOT / "docs"),
        "repo_url": "https://github.com/rxmatch/rxmatch",
    }
    return _hook().on_page_markdown(markdown, page=_Page(src_uri), config=config, files=None)


def test_links_outside_docs_become_github_links():
    out = _render(
        "[card](../datasets/real/README.md#how) [bench](../benchmarks/) [page](schema.md)"
        " [web](https://example.org/a.md) [here](#top)",
        "evaluation.md",
    )
    assert f"[card]({BLOB}datasets/real/README.md#how)" in out
    assert "[bench](https://github.com/rxmatch/rxmatch/tree/main/benchmarks)" in out
    assert "[page](schema.md)" in out  # docs pages are left to mkdocs to check
    assert "[web](https://example.org/a.md)" in out
    assert "[here](#top)" in out
    # from a page one folder down
    out = _render("[sec](../../SECURITY.md) [how-to](../capacity.md)", "guide/privacy.md")
    assert f"[sec]({BLOB}SECURITY.md)" in out
    assert "[how-to](../capacity.md)" in out


def test_links_in_code_blocks_are_left_alone():
    md = "```python\nx = a[0](../../SECURITY.md)\n```\n[sec](../SECURITY.md)\n"
    out = _render(md, "index.md")
    assert "x = a[0](../../SECURITY.md)" in out
    assert f"[sec]({BLOB}SECURITY.md)" in out


def test_the_data_card_is_included_with_its_links_fixed():
    out = _render((ROOT / "docs/data_card.md").read_text(encoding="utf-8"), "data_card.md")
    card = (ROOT / "datasets/real/README.md").read_text(encoding="utf-8")
    first_line = card.splitlines()[0]
    assert first_line in out
    assert "<!-- include:" not in out
    assert f"({BLOB}datasets/real/GUIDELINES.md)" in out
    assert "](GUIDELINES.md)" not in out


def _api_targets() -> list[str]:
    targets = []
    for page in sorted((ROOT / "docs/api").glob("*.md")):
        targets += re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M)
    return targets


@pytest.mark.parametrize("target", _api_targets())
def test_api_reference_targets_exist(target):
    """Each `::: rxmatch.X` of the API reference names a module or an attribute."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return
    pytest.fail(f"{target} cannot be imported")


def test_every_docs_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {
        p.relative_to(ROOT / "docs").as_posix()
        for p in (ROOT / "docs").rglob("*.md")
        if "hooks" not in p.parts
    }
    missing = sorted(p for p in pages if f": {p}" not in nav)
    assert not missing, f"docs pages missing from mkdocs.yml nav: {missing}"
