"""The API reference's Sphinx roles: docs/_ext/griffe_roles.py turns them into links or code.

The docstrings keep Sphinx roles (``:class:`~rxmatch.Matcher```) for ``help()``; the griffe
extension enabled in mkdocs.yml rewrites them when mkdocstrings loads the package. These
tests load rxmatch with griffe and the extension, as ``mkdocs build`` does (no mkdocs, no
model), and read the docstrings the site renders. CI's ``mkdocs build --strict`` checks that
every link resolves.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

griffe = pytest.importorskip("griffe", reason="griffe comes with the docs extra (mkdocstrings)")
yaml = pytest.importorskip("yaml", reason="PyYAML comes with mkdocs")

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "docs/_ext/griffe_roles.py"
# any Sphinx cross-reference role, written independently of the extension's own pattern
SPHINX_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|mod|exc|obj):`")


def _module():
    name = "_griffe_roles_under_test"
    if name not in sys.modules:  # registered first: its dataclasses look their module up
        spec = importlib.util.spec_from_file_location(name, EXTENSION)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


@pytest.fixture(scope="module")
def loaded():
    """rxmatch as the site's griffe loads it, through the extension named in mkdocs.yml."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    plugin = next(p["mkdocstrings"] for p in config["plugins"] if isinstance(p, dict))
    python = plugin["handlers"]["python"]
    extensions = python["options"].get("extensions", [])
    loader = griffe.GriffeLoader(
        search_paths=[str(ROOT / p) for p in python["paths"]],
        extensions=griffe.load_extensions(*[str(ROOT / e) for e in extensions]),
        docstring_parser=griffe.Parser.numpy,
    )
    loader.load("rxmatch")
    return loader.modules_collection


def _doc(collection, path: str) -> str:
    return collection[path].docstring.value


def test_mkdocs_enables_the_extension():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    plugin = next(p["mkdocstrings"] for p in config["plugins"] if isinstance(p, dict))
    assert "docs/_ext/griffe_roles.py" in plugin["handlers"]["python"]["options"]["extensions"]
    assert (ROOT / "docs/_ext/griffe_roles.py").is_file()
    assert "_ext/" in config["exclude_docs"]  # the extension is not copied into the site


def test_no_docstring_keeps_a_role(loaded):
    module = _module()
    left = []
    for obj in module._objects(loaded["rxmatch"]):
        if obj.docstring is not None and SPHINX_ROLE.search(obj.docstring.value):
            left.append(obj.path)
    assert not left, f"docstrings still showing Sphinx roles: {left[:10]}"


def test_known_roles_become_links_or_code(loaded):
    # a relative method, found in the class that carries the docstring
    recommendations = _doc(loaded, "rxmatch.records.Recommendations")
    assert "[`why_not()`][rxmatch.Recommendations.why_not] answers" in recommendations
    # a ``~`` class: only its last name shows
    index = _doc(loaded, "rxmatch.state.FittedAttributes.index_")
    assert "The [`FittedIndex`][rxmatch.index.FittedIndex] built by" in index
    # an explicit title
    allocate = _doc(loaded, "rxmatch.rank.allocate")
    assert "[`Matcher.recommend_many`][rxmatch.Matcher.recommend_many]" in allocate
    # a lazy export (PEP 562), linked under the heading the site renders it with
    fit = _doc(loaded, "rxmatch.outcomes.learn.OutcomeReranker.fit")
    assert "an [`OutcomeStore`][rxmatch.outcomes.store.OutcomeStore] (or its" in fit
    # a private helper the site does not render, and an outside function: plain code
    onnx = _doc(loaded, "rxmatch.features.onnx.OnnxEmbedder")
    assert "(`_split_groups()`)" in onnx
    assert "_split_groups()`]" not in onnx
    assert "go to `json.dumps()`)" in _doc(loaded, "rxmatch.Recommendations.to_json")


def test_every_link_targets_a_rendered_heading(loaded):
    """Each ``[`x`][id]`` points at an object the docs pages render (``:::`` + options)."""
    module = _module()
    site = module.rendered(loaded)
    headings = set(site.ids.values())
    links = []
    for obj in module._objects(loaded["rxmatch"]):
        if obj.docstring is not None:
            links += re.findall(r"\[`[^`]+`\]\[([\w.]+)\]", obj.docstring.value)
    assert len(links) > 100
    assert set(links) <= headings
    # what the site renders (checked by hand against the built site's objects.inv)
    assert {"rxmatch.Matcher.recommend", "rxmatch.index.FittedIndex"} <= headings
    assert not {h for h in headings if any(part.startswith("_") for part in h.split("."))}


def test_source_docstrings_are_left_alone():
    """``help()`` still reads the Sphinx roles: only the docs build rewrites them."""
    import rxmatch

    assert ":meth:`why_not`" in rxmatch.Recommendations.__doc__
    source = (ROOT / "src/rxmatch/records.py").read_text(encoding="utf-8")
    assert ":meth:`why_not` answers" in source


def test_conversion_rules():
    """Sphinx's display rules: ``~``, ``()`` for callables, ``!`` and unknown targets."""
    module = _module()
    collection = griffe.ModulesCollection()
    site = module.Site()
    pkg = griffe.Module("pkg")
    cls = griffe.Class("Thing", parent=pkg)
    meth = griffe.Function("go", parent=cls)
    pkg.set_member("Thing", cls)
    cls.set_member("go", meth)
    collection.set_member("pkg", pkg)
    site.add(cls, "pkg.Thing")
    site.add(meth, "pkg.Thing.go")

    def convert(text: str, context=cls) -> str:
        return module.convert(text, context, collection, site).text

    assert convert(":class:`~pkg.Thing`") == "[`Thing`][pkg.Thing]"
    assert convert(":class:`pkg.Thing`") == "[`pkg.Thing`][pkg.Thing]"
    assert convert(":meth:`go`", meth) == "[`go()`][pkg.Thing.go]"
    assert convert(":py:meth:`Thing.go`", pkg) == "[`Thing.go()`][pkg.Thing.go]"
    assert convert(":meth:`Go <pkg.Thing.go>`") == "[`Go`][pkg.Thing.go]"
    assert convert(":meth:`!go`") == "`go()`"
    assert convert(":func:`missing`") == "`missing()`"
    done = module.convert(":class:`Thing` and :attr:`~pkg.Thing.size`", cls, collection, site)
    assert (done.text, done.links, done.code) == ("[`Thing`][pkg.Thing] and `size`", 1, 1)
