"""Griffe extension (``extensions:`` in mkdocs.yml): Sphinx roles in docstrings become links.

The docstrings in ``src/rxmatch`` cross-reference with Sphinx roles (``:class:`~rxmatch.Matcher```,
``:meth:`why_not```), which ``help()`` reads well but mkdocstrings prints literally. When griffe
has loaded the package, this extension rewrites each role in the loaded docstrings (never the
source files) the way Sphinx shows it:

* ``:class:`~a.b.C``` -> ``[`C`][id]`` (``~`` keeps the last name); ``:class:`a.b.C``` shows
  ``a.b.C``; ``:meth:`` and ``:func:`` add ``()``; ``:meth:`Title <a.b.C.m>``` shows ``Title``.
* A relative name (``:meth:`why_not```, ``:class:`EncodedQuery```) is looked up in the scope of
  the object that carries the docstring: its class, its module (imports included), then the
  parent modules, as Sphinx does.
* ``id`` is the heading the reference renders for the target (the ``:::`` directives of the
  docs pages and the handler options of mkdocs.yml, filtered the way mkdocstrings-python
  filters members), so autorefs resolves every link. A target the site does not render (a
  private helper, an undocumented or external object, ``:func:`!name```) becomes plain code
  `` `C` ``: ``mkdocs build --strict`` fails on a link autorefs cannot resolve.

Everything is read from the checkout (mkdocs.yml and docs/ beside this file); no network.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import griffe
import yaml

#: a Sphinx cross-reference role of the Python domain: ``:class:`~a.b.C``` (``:py:class:`` too)
ROLE = re.compile(r":(?:py:)?(class|meth|func|attr|data|mod|exc|obj):`([^`]+)`")
#: ``Title <target>`` inside a role
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)
#: a ``::: identifier`` directive with its indented YAML options
_DIRECTIVE = re.compile(r"^::: *(\S+) *\n((?:[ \t]+\S.*\n?|[ \t]*\n)*)", re.MULTILINE)
_CALLABLE_ROLES = {"meth", "func"}
_KINDS = ("attribute", "type alias", "class", "function")
_LOOKUP_ERRORS = (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError)

_DOCS = Path(__file__).resolve().parents[1]


class _Loader(yaml.SafeLoader):
    """A YAML loader that reads mkdocs.yml's custom tags (``!!python/name:``...) as None."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


@dataclass
class Site:
    """What the documentation site renders: the heading id of each rendered object.

    Attributes
    ----------
    ids : dict
        Canonical path of each rendered object -> the id of its heading (the shortest one
        when the site renders the object twice).
    """

    ids: dict[str, str] = field(default_factory=dict)

    def add(self, obj: griffe.Object | griffe.Alias, heading: str) -> None:
        """Record that ``obj`` is rendered under the heading ``heading``."""
        canonical = _canonical(obj)
        if canonical is None:
            return
        known = self.ids.get(canonical)
        if known is None or (len(heading), heading) < (len(known), known):
            self.ids[canonical] = heading

    def heading(self, obj: griffe.Object | griffe.Alias) -> str | None:
        """The heading id the site renders ``obj`` under, or None when it does not render it."""
        canonical = _canonical(obj)
        return None if canonical is None else self.ids.get(canonical)


def _canonical(obj: griffe.Object | griffe.Alias) -> str | None:
    try:
        return obj.final_target.path if isinstance(obj, griffe.Alias) else obj.path
    except _LOOKUP_ERRORS:
        return None


def handler_options(mkdocs_yml: Path) -> dict[str, Any]:
    """The python handler's global options in ``mkdocs.yml`` (empty when there are none)."""
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_Loader) or {}  # noqa: S506
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            handlers = (plugin["mkdocstrings"] or {}).get("handlers") or {}
            return dict((handlers.get("python") or {}).get("options") or {})
    return {}


def directives(docs_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each ``::: identifier`` of the docs pages with its own options, page by page."""
    for page in sorted(docs_dir.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in _DIRECTIVE.finditer(text):
            block = yaml.load(match.group(2), Loader=_Loader) if match.group(2).strip() else None  # noqa: S506
            options = (block or {}).get("options") or {} if isinstance(block, dict) else {}
            yield match.group(1), dict(options)


def _keep(name: str, filters: list[str]) -> bool:
    """mkdocstrings-python's name filters: ``"!^_"`` rejects a match, ``"^x"`` keeps one."""
    keep, rules = None, set()
    for pattern in filters:
        exclude = pattern.startswith("!")
        rules.add(exclude)
        if re.search(pattern[1:] if exclude else pattern, name):
            keep = not exclude
    return rules != {False} if keep is None else keep


def _children(obj: griffe.Object | griffe.Alias, options: Mapping[str, Any], members: Any) -> list:
    """The members mkdocstrings-python renders under ``obj`` (children.html.jinja, by category)."""
    try:
        every = list(obj.all_members.values())
    except _LOOKUP_ERRORS:
        return []
    inherited = options.get("inherited_members", False)
    named = not isinstance(inherited, bool)
    if inherited is False:
        every = [m for m in every if not m.inherited]
    elif named:
        every = [m for m in every if not m.inherited or m.name in set(inherited)]
    kinds = _KINDS + (("module",) if options.get("show_submodules", False) else ())
    out = []
    for member in every:
        try:
            kind = member.kind.value
            if kind not in kinds or not _shown(obj, member, kind, options, members, named):
                continue
        except _LOOKUP_ERRORS:
            continue
        out.append(member)
    return out


def _shown(
    obj: Any, member: Any, kind: str, options: Mapping[str, Any], members: Any, named: bool
) -> bool:
    """Whether mkdocstrings-python renders ``member`` (``do_filter_objects`` + the template)."""
    rescued = named and member.inherited
    init = kind == "function" and obj.is_class and member.name == "__init__"
    if init and options.get("merge_init_into_class", False):
        return False
    if members is True:
        return True
    if members is False or members == []:
        return bool(member.inherited)
    if members is not None:  # an explicit list: no filter, docstring or public check
        return member.name in set(members) or rescued
    filters = options.get("filters", ["!^_[^_]"])  # mkdocstrings-python's default
    if filters == "public":
        if not member.is_public:
            return False
    elif not (_keep(member.name, filters or []) or rescued):
        return False
    if not options.get("show_if_no_docstring", False) and not (member.has_docstrings or rescued):
        return False
    if kind == "module":
        return not member.is_alias or member.is_public
    return not member.is_imported or member.is_public


def _render(site: Site, obj: Any, options: Mapping[str, Any], root: bool, seen: set) -> None:
    if not root or options.get("show_root_heading", False):
        site.add(obj, obj.path)
    if obj.path in seen:
        return
    seen.add(obj.path)
    try:
        if not (obj.is_module or obj.is_class):
            return
    except _LOOKUP_ERRORS:
        return
    members = options.get("members") if root else None
    for child in _children(obj, options, members):
        _render(site, child, options, False, seen)


def rendered(
    collection: griffe.ModulesCollection, docs_dir: Path = _DOCS, mkdocs_yml: Path | None = None
) -> Site:
    """The objects the site renders, read from its ``:::`` directives and its options."""
    base = handler_options(mkdocs_yml or docs_dir.parent / "mkdocs.yml")
    site = Site()
    for identifier, own in directives(docs_dir):
        try:
            obj = collection[identifier]
        except _LOOKUP_ERRORS:
            continue
        _render(site, obj, {**base, **own}, True, set())
    return site


def _lookup(collection: griffe.ModulesCollection, context: Any, name: str) -> Any:
    """The object ``name`` points to from the docstring of ``context`` (None when unknown)."""
    first = name.split(".", 1)[0]
    if "." in name and first in collection.members:
        try:
            return collection[name]
        except _LOOKUP_ERRORS:
            pass
    scope = context
    while scope is not None:
        try:
            if scope.is_module or scope.is_class:
                return scope[name]
        except _LOOKUP_ERRORS:
            pass
        scope = scope.parent
    try:
        return collection[name]
    except _LOOKUP_ERRORS:
        pass
    # a lazy export (PEP 562 ``__getattr__``, which griffe cannot follow): ``rxmatch.outcomes.
    # OutcomeStore`` is the one ``OutcomeStore`` defined in a module under ``rxmatch.outcomes``
    # (a relative name: the one definition in the nearest package that has one)
    parts = name.split(".")
    for cut in range(len(parts) - 1, -1, -1):
        try:
            scopes = [collection[".".join(parts[:cut])]] if cut else _packages_of(context)
        except _LOOKUP_ERRORS:
            continue
        found: dict[str, Any] = {}
        for package in scopes:
            if package.is_module:
                found = {obj.path: obj for obj in _definitions(package) if obj.name == parts[cut]}
            if found:
                break
        if len(found) != 1:
            continue
        obj = next(iter(found.values()))
        try:
            return obj[".".join(parts[cut + 1 :])] if cut + 1 < len(parts) else obj
        except _LOOKUP_ERRORS:
            return None
    return None


def _packages_of(obj: Any) -> list[Any]:
    """The modules holding ``obj``, innermost first: the scopes of a relative lazy export."""
    out = []
    while obj is not None:
        if obj.is_module:
            out.append(obj)
        obj = obj.parent
    return out


def _definitions(module: Any) -> Iterator[Any]:
    """The objects defined (not imported) at the top of ``module`` and of its submodules."""
    for member in module.members.values():
        if member.is_alias:
            continue
        if member.is_module:
            yield from _definitions(member)
        else:
            yield member


@dataclass
class Conversion:
    """A docstring with its roles rewritten, and how many became links and how many code."""

    text: str
    links: int = 0
    code: int = 0


def convert(
    text: str, context: Any, collection: griffe.ModulesCollection, site: Site
) -> Conversion:
    """Rewrite every Sphinx role of ``text`` (a docstring of ``context``) as Markdown.

    Parameters
    ----------
    text : str
        The docstring.
    context : griffe.Object
        The object the docstring belongs to: relative names are looked up from it.
    collection : griffe.ModulesCollection
        The loaded modules (absolute names).
    site : Site
        What the site renders: a target outside it becomes plain code.

    Returns
    -------
    Conversion
        The rewritten text and the counts of links and of plain code spans.
    """
    out = Conversion(text)

    def one(match: re.Match[str]) -> str:
        role, content = match.group(1), match.group(2).strip()
        explicit = _EXPLICIT.match(content)
        if explicit and explicit.group(1):
            shown, target = explicit.group(1), explicit.group(2).strip()
        else:
            target = content
            nolink = target.startswith("!")
            target = target.lstrip("!")
            short = target.startswith("~")
            target = target.lstrip("~.")
            shown = target.rsplit(".", 1)[-1] if short else target
            if role in _CALLABLE_ROLES and not shown.endswith(")"):
                shown += "()"
            if nolink:
                out.code += 1
                return f"`{shown}`"
        target = target.lstrip("~.!")
        obj = _lookup(collection, context, target)
        heading = None if obj is None else site.heading(obj)
        if heading is None:
            out.code += 1
            return f"`{shown}`"
        out.links += 1
        return f"[`{shown}`][{heading}]"

    out.text = ROLE.sub(one, text)
    return out


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of a loaded package's docstrings as mkdocstrings references.

    Parameters
    ----------
    docs_dir : str or None
        The docs folder whose ``:::`` directives say what the site renders (default: the
        folder above this file; mkdocs.yml is read beside it).
    """

    def __init__(self, docs_dir: str | None = None) -> None:
        super().__init__()
        self.docs_dir = Path(docs_dir) if docs_dir else _DOCS
        #: ``links`` and ``code``: how many roles became each, over every loaded package
        self.counts: Counter[str] = Counter()

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg`` once griffe has loaded all of it."""
        collection = loader.modules_collection
        site = rendered(collection, self.docs_dir)
        for obj in _objects(pkg):
            if obj.docstring is None or ":" not in obj.docstring.value:
                continue
            done = convert(obj.docstring.value, obj, collection, site)
            obj.docstring.value = done.text
            self.counts.update(links=done.links, code=done.code)
