"""The import graph of ``src/rxmatch``: no cycle through module-level imports, and data
flows one way (the feature and ranking stages, the fitted index and persistence never
import the Matcher).

The graph is read from the source with :mod:`ast`, nothing is imported. A module's
imports are split into *top-level* ones (run when the module is imported, including those
under a top-level ``if``/``try``, but not ``if TYPE_CHECKING:``) and *function-level* ones
(inside a function or method, run when it is called). Importing ``a.b.c`` also imports
the packages ``a.b`` (not the root package, nor the packages holding the importing module: those are always
imported first)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "rxmatch"


def _module_names(src: Path = SRC) -> dict[str, Path]:
    out = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterable[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement of a module and whether it runs at import time."""

    def walk(nodes: Iterable[ast.AST], top: bool) -> Iterable[tuple[ast.AST, bool]]:
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node, top
            elif isinstance(node, ast.If) and _is_type_checking(node):
                yield from walk(node.orelse, top)  # the body never runs
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(ast.iter_child_nodes(node), False)
            else:  # class bodies, if/try/with blocks run with the module
                yield from walk(ast.iter_child_nodes(node), top)

    yield from walk(tree.body, True)  # type: ignore[misc]


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _with_parents(name: str, known: Mapping[str, Path]) -> set[str]:
    """``name`` and its parent packages below the root, as far as they are ours."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(2, len(parts) + 1)} & set(known)


def import_graph(src: Path = SRC) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(top_level, function_level)``: each module's imported rxmatch modules."""
    known = _module_names(src)
    top: dict[str, set[str]] = {m: set() for m in known}
    func: dict[str, set[str]] = {m: set() for m in known}
    for mod, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node, at_top in _imports(tree):
            targets: set[str] = set()
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == ROOT or alias.name.startswith(ROOT + "."):
                        targets |= _with_parents(alias.name, known) or {ROOT}
            else:
                base = _resolve(mod, is_package, node)
                if base != ROOT and not base.startswith(ROOT + "."):
                    continue
                subs = {f"{base}.{a.name}" for a in node.names} & set(known)
                targets |= set().union(*(_with_parents(s, known) for s in subs)) if subs else set()
                if len(subs) < len(node.names):  # names from the module itself
                    targets |= _with_parents(base, known) or {ROOT}
            # the packages holding this module are imported before it: not an edge
            targets -= _with_parents(mod, known) | {mod}
            (top if at_top else func)[mod] |= targets
    return top, func


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of ``graph`` (``[a, b, ..., a]``), or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_the_graph_reads_relative_and_guarded_imports(tmp_path):
    pkg = tmp_path / ROOT
    (pkg / "rank").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .matcher import M\n")
    (pkg / "matcher.py").write_text("from .rank.scoring import s\nclass M: ...\n")
    (pkg / "rank" / "__init__.py").write_text("")
    (pkg / "rank" / "scoring.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..matcher import M\n"
        "try:\n    from .. import matcher\nexcept ImportError:\n    pass\n"
        "def f():\n    from ..matcher import M\n"
    )
    top, func = import_graph(tmp_path)
    assert top["rxmatch.matcher"] == {"rxmatch.rank", "rxmatch.rank.scoring"}
    assert top["rxmatch.rank.scoring"] == {"rxmatch.matcher"}  # the try block runs
    assert func["rxmatch.rank.scoring"] == {"rxmatch.matcher"}
    assert find_cycle(top) == ["rxmatch.matcher", "rxmatch.rank.scoring", "rxmatch.matcher"]


def test_no_import_cycle_through_module_level_imports():
    top, _ = import_graph()
    assert len(top) > 50  # the whole package was read
    cycle = find_cycle(top)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    "prefix",
    [
        "rxmatch.rank",
        "rxmatch.features",
        "rxmatch.index",
        "rxmatch.fitting",
        # the parts the Matcher is made of (parameters, fitted state, updates, save/load)
        "rxmatch._params",
        "rxmatch.state",
        "rxmatch.updates",
        "rxmatch.saving",
    ],
)
def test_stages_never_import_the_matcher(prefix):
    top, func = import_graph()
    bad = sorted(
        m
        for m in top
        if (m == prefix or m.startswith(prefix + "."))
        and {"rxmatch.matcher", ROOT} & (top[m] | func[m])
    )
    assert not bad, f"{bad} import the Matcher (or the package root that holds it)"


def reached(top: Mapping[str, set[str]], func: Mapping[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others, at import time or
    inside a function."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        m = todo.pop()
        for n in top.get(m, set()) | func.get(m, set()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def test_persistence_never_imports_the_matcher_nor_the_package_root():
    """Persistence saves and loads a FittedIndex: neither it nor anything it imports
    (even inside a function) imports the Matcher or the package root that holds it."""
    top, func = import_graph()
    bad = {"rxmatch.matcher", ROOT} & reached(top, func, "rxmatch.persistence")
    assert not bad, f"rxmatch.persistence reaches {sorted(bad)}"


@pytest.mark.parametrize(
    "body",
    [
        "def load():\n    import rxmatch\n",
        "def load():\n    from . import __version__\n",
        "def load():\n    from .matcher import Matcher\n",
        "from .index import build\n",  # index reaches the Matcher inside a function
    ],
)
def test_the_persistence_check_fails_on_a_hidden_import(tmp_path, body):
    pkg = tmp_path / ROOT
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .matcher import Matcher\n__version__ = '0'\n")
    (pkg / "matcher.py").write_text("class Matcher: ...\n")
    (pkg / "index.py").write_text("def build():\n    from .matcher import Matcher\n")
    (pkg / "persistence.py").write_text(body)
    top, func = import_graph(tmp_path)
    assert {"rxmatch.matcher", ROOT} & reached(top, func, "rxmatch.persistence")
