"""mkdocs hook (see ``hooks:`` in mkdocs.yml): pages that live outside ``docs/``.

* ``<!-- include: path/from/repo/root.md -->`` on a line of its own is replaced by that
  file (one source of truth, for example the real-data data card in ``datasets/real/``).
* A relative link that points outside ``docs/`` (``../datasets/...``, ``../../SECURITY.md``)
  becomes an absolute link to the file on GitHub (``repo_url`` + ``/blob/main/``), so the
  pages read the same on GitHub and on the site and ``mkdocs build --strict`` accepts them.

No network access: everything is read from the checkout.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

_INCLUDE = re.compile(r"^<!--\s*include:\s*(\S+)\s*-->\s*$", re.MULTILINE)
_LINK = re.compile(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)


def _is_relative(target: str) -> bool:
    return not (
        target.startswith(("#", "/", "mailto:")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)
    )


def _rewrite(markdown: str, source_dir: str, page_dir: str, repo_root: Path, blob: str) -> str:
    """Rewrite the relative links of a text from a file in ``source_dir`` shown on a page
    in ``page_dir`` (both relative to the repository root)."""

    def link(m: re.Match[str]) -> str:
        target = m.group(2)
        if not _is_relative(target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(source_dir, path))
        if resolved == "docs" or resolved.startswith("docs/"):
            if source_dir == page_dir:
                return m.group(0)  # a docs page linking a docs page: mkdocs checks it
            rel = posixpath.relpath(resolved, page_dir)
            return f"{m.group(1)}{rel}{'#' + anchor if anchor else ''}{m.group(3)}"
        kind = "tree" if (repo_root / resolved).is_dir() else "blob"
        url = f"{blob.replace('/blob/', f'/{kind}/')}{resolved}"
        return f"{m.group(1)}{url}{'#' + anchor if anchor else ''}{m.group(3)}"

    # leave fenced code blocks alone
    out, last = [], 0
    for fence in _FENCE.finditer(markdown):
        out.append(_LINK.sub(link, markdown[last : fence.start()]))
        out.append(fence.group(0))
        last = fence.end()
    out.append(_LINK.sub(link, markdown[last:]))
    return "".join(out)


def on_page_markdown(markdown, page, config, files, **kwargs):
    repo_root = Path(config["config_file_path"]).resolve().parent
    docs_dir = Path(config["docs_dir"]).resolve()
    blob = config["repo_url"].rstrip("/") + "/blob/main/"
    page_dir = posixpath.dirname((docs_dir / page.file.src_uri).relative_to(repo_root).as_posix())

    def include(m: re.Match[str]) -> str:
        rel = m.group(1)
        text = (repo_root / rel).read_text(encoding="utf-8")
        # links in the included file are relative to it, not to the page
        return _rewrite(text, posixpath.dirname(rel), page_dir, repo_root, blob)

    markdown = _INCLUDE.sub(include, markdown)
    return _rewrite(markdown, page_dir, page_dir, repo_root, blob)
