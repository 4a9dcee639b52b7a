"""rxmatch: the matching engine for social prescribing.

>>> import rxmatch
>>> directory = rxmatch.datasets.load_demo_directory()              # doctest: +SKIP
>>> matcher = rxmatch.Matcher().fit(directory)                      # doctest: +SKIP
>>> person = rxmatch.Referral("I used to paint", postal_code="94401")  # doctest: +SKIP
>>> matcher.recommend(person, k=5).to_frame()                       # doctest: +SKIP

Importing rxmatch is light: torch and sentence-transformers load when a model is first used.
"""

from . import datasets, exceptions
from ._version import __version__
from .directory import Directory
from .exceptions import RxMatchError
from .features.facets import split_facets
from .features.text import Embedder, SentenceTransformerEmbedder
from .matcher import Matcher
from .rank.allocate import allocate
from .rank.scoring import Weights
from .records import Match, Recommendations
from .referral import Referral
from .taxonomy import CATEGORIES

#: The public API: what a link-worker app or a notebook needs. Everything else lives in
#: its home module (``rxmatch.exceptions``, ``rxmatch.features``, ``rxmatch.rank``,
#: ``rxmatch.evaluation``, ``rxmatch.io``, ``rxmatch.outcomes``, ``rxmatch.serve``).
__all__ = [
    "__version__",
    "datasets",
    "exceptions",
    "Directory",
    "Referral",
    "Matcher",
    "Recommendations",
    "Match",
    "Weights",
    "Embedder",
    "SentenceTransformerEmbedder",
    "split_facets",
    "allocate",
    "RxMatchError",
    "CATEGORIES",
]

_LAZY_SUBMODULES = ("evaluation", "io", "persistence", "dedup", "distributed", "outcomes")

#: Names that were top-level before the public API was narrowed (0.2): still importable
#: from ``rxmatch`` so that existing code keeps working, but documented, and best imported,
#: from their home modules. Every error and warning lives in ``rxmatch.exceptions``.
_HOMES = {
    "LoadReport": "directory",
    "RowProblem": "directory",
    "EncodedQuery": "matcher",
    "Facet": "features.facets",
    "Facets": "features.facets",
    "TRAVEL_RADIUS_KM": "referral",
    "Exclusion": "records",
    "COMPONENTS": "records",
    "HashingEmbedder": "features.text",
    "EmbeddingCache": "features.text",
    "USEM3Embedder": "features.multilingual",
    "E5SmallEmbedder": "features.multilingual",
    "OnnxEmbedder": "features.onnx",
    "Allocation": "rank.allocate",
    "CATEGORY_KEYS": "taxonomy",
    "SOCIAL_PRESCRIBING_SECTORS": "taxonomy",
    "match_category": "taxonomy",
}


def __getattr__(name: str):  # PEP 562: heavy or optional subpackages load on first use
    import importlib

    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    home = _HOMES.get(name)
    if home is None and name in exceptions.__all__:
        home = "exceptions"
    if home is not None:
        value = getattr(importlib.import_module(f".{home}", __name__), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'rxmatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(_LAZY_SUBMODULES) | set(_HOMES) | set(exceptions.__all__))
