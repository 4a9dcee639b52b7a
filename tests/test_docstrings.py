"""The API reference's docstrings parse as numpy style: a type (or nothing) in the Type column.

numpy's ``name : TYPE`` puts whatever follows `` : `` in the Type column of the API pages
(mkdocstrings, ``docstring_style: numpy``); a description written there (``embedder : an
Embedder; default ...``) shows up as the type, beside an empty description. Each entry is
``name`` or ``name : Type`` on its first line and the description indented below it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import rxmatch

griffe = pytest.importorskip("griffe", reason="griffe comes with the docs extra (mkdocstrings)")

SRC = Path(rxmatch.__file__).resolve().parent.parent
MODULES = sorted(
    ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for p in (SRC / "rxmatch").rglob("*.py")
)

#: sections whose entries carry a type (griffe's DocstringSectionKind values)
TYPED_SECTIONS = {"parameters", "other parameters", "attributes", "returns", "yields"}
TYPED_SECTIONS |= {"receives", "raises", "warns"}

_TYPE_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Constant)
_TYPE_NODES += (ast.BinOp, ast.BitOr, ast.Load, ast.Expression, ast.Slice)
_SENTENCE_START = re.compile(r"^(an?|the|default|one|each|every|whether|if|how)\b", re.I)


def sentence_in_type(text: str) -> bool:
    """Whether a Type-column text reads as words rather than a type expression."""
    text = text.strip()
    if _SENTENCE_START.match(text):
        return True
    expr = re.sub(r"\s+or\s+", " | ", text)  # numpy's "int or None"
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return True
    if not all(isinstance(node, _TYPE_NODES) for node in ast.walk(tree)):
        return True
    if any(isinstance(n, ast.BinOp) and not isinstance(n.op, ast.BitOr) for n in ast.walk(tree)):
        return True
    top = tree.body
    return isinstance(top, ast.Constant) and top.value is not None


def test_the_check_tells_a_type_from_a_sentence():
    for typ in ("int", "str | None", "pd.DataFrame", "tuple[str, ...]", "Literal['a', 'b']"):
        assert not sentence_in_type(typ), typ
    assert not sentence_in_type("int or None")
    for words in (
        "an :class:`~rxmatch.features.Embedder`; default the bundled",
        "the index folder.",
        "default number of matches (``k``) per referral.",
        "0 ranks by score; otherwise MMR",
        "eligibility.",
        "``{system: counts}``, a referrals × resources 0/1 matrix",
        "DataFrame, one row per configuration, best first: the six weights, diversity,",
    ):
        assert sentence_in_type(words), words


@pytest.fixture(scope="module")
def package():
    return griffe.load(
        "rxmatch",
        search_paths=[str(SRC)],
        docstring_parser="numpy",
        allow_inspection=False,
        resolve_aliases=True,
    )


def documented(obj, *, inherited: bool = False) -> Iterator:
    """``obj`` and its public members (methods, attributes, nested classes), recursively."""
    yield obj
    if obj.is_module:  # its own objects: submodules are checked one by one
        members = [m for m in obj.members.values() if not (m.is_alias or m.is_module)]
    elif obj.is_class:
        members = list((obj.all_members if inherited else obj.members).values())
    else:
        return
    for member in members:
        if member.name.startswith("_") and member.name != "__init__":
            continue
        member = member.final_target if member.is_alias else member
        yield from documented(member, inherited=inherited)


def problems(obj) -> list[str]:
    """Each docstring entry of ``obj`` whose Type column holds words, or whose description
    is empty, or which names no parameter of the signature or disagrees with it (type,
    default)."""
    if obj.docstring is None:
        return []
    out = []
    signature = {}
    if obj.is_function or obj.is_class:  # a class: its __init__'s (or dataclass fields)
        signature = {p.name: p for p in getattr(obj, "parameters", None) or ()}
    for section in obj.docstring.parse("numpy", warnings=False):
        kind = section.kind.value
        if kind not in TYPED_SECTIONS:
            continue
        for item in section.value:
            label = f"{obj.path} [{kind}] {getattr(item, 'name', '') or '-'}"
            if item.annotation is not None and sentence_in_type(str(item.annotation)):
                out.append(f"{label}: words in the type column ({str(item.annotation)[:40]!r})")
            if kind == "parameters":
                if not item.description.strip():
                    out.append(f"{label}: empty description")
                param = signature.get(item.name.lstrip("*"))
                if signature and param is None:
                    out.append(f"{label}: not a parameter of the signature")
                # ``a, b : T`` gives b the type (and griffe gives it the default) of a
                declared = None if param is None else param.annotation
                if declared is not None and str(item.annotation) != str(declared):
                    out.append(f"{label}: type {item.annotation} but {declared}")
                if param is not None and str(item.value) != str(param.default):
                    out.append(f"{label}: default {item.value} but {param.default}")
    return out


@pytest.mark.parametrize("name", [n for n in rxmatch.__all__ if n != "__version__"])
def test_public_api_docstrings_are_numpy(package, name):
    obj = package[name]
    obj = obj.final_target if obj.is_alias else obj
    found = [p for member in documented(obj, inherited=True) for p in problems(member)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module", MODULES)
def test_module_docstrings_are_numpy(package, module):
    obj = package[module.removeprefix("rxmatch.")] if module != "rxmatch" else package
    found = [p for member in documented(obj) for p in problems(member)]
    assert not found, "\n".join(found)
