"""rxmatch: the matching engine for social prescribing.

>>> import rxmatch
>>> directory = rxmatch.datasets.load_demo_directory()              # doctest: +SKIP
>>> matcher = rxmatch.Matcher().fit(directory)                      # doctest: +SKIP
>>> person = rxmatch.Referral("I used to paint", postal_code="94401")  # doctest: +SKIP
>>> matcher.recommend(person, k=5).to_frame()                       # doctest: +SKIP

Importing rxmatch is light: torch and sentence-transformers load when a model is first used.
"""

from . import datasets
from .directory import Directory, LoadReport, RowProblem
from .exceptions import (
    DatasetNotFoundError,
    DirectoryValidationError,
    EmptyDirectoryError,
    GeocodingError,
    IndexChangedError,
    IndexFormatError,
    IndexPathError,
    InvalidParameterError,
    ModelUnavailableError,
    NotFittedError,
    OptionalDependencyError,
    OutcomeStoreError,
    OutcomeValidationError,
    ReferralError,
    RxMatchError,
    RxMatchWarning,
    ScheduleParseError,
    SkippedRowsWarning,
    TestSplitError,
    TextTruncatedWarning,
    UnknownCategoryError,
)
from .features.facets import Facet, Facets, split_facets
from .features.multilingual import E5SmallEmbedder, USEM3Embedder
from .features.onnx import OnnxEmbedder
from .features.text import Embedder, EmbeddingCache, HashingEmbedder, SentenceTransformerEmbedder
from .matcher import EncodedQuery, Matcher
from .rank.allocate import Allocation, allocate
from .rank.scoring import Weights
from .records import COMPONENTS, Exclusion, Match, Recommendations
from .referral import TRAVEL_RADIUS_KM, Referral
from .taxonomy import CATEGORIES, CATEGORY_KEYS, SOCIAL_PRESCRIBING_SECTORS, match_category

__version__ = "0.1.0"

_LAZY_SUBMODULES = ("evaluation", "io", "persistence", "dedup", "distributed", "outcomes")


def __getattr__(name: str):  # PEP 562: heavy or optional subpackages load on first use
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rxmatch' has no attribute {name!r}")


__all__ = [
    "__version__",
    "datasets",
    "Directory",
    "LoadReport",
    "RowProblem",
    "Matcher",
    "EncodedQuery",
    "Facet",
    "Facets",
    "split_facets",
    "Referral",
    "TRAVEL_RADIUS_KM",
    "Match",
    "Exclusion",
    "Recommendations",
    "COMPONENTS",
    "Weights",
    "Embedder",
    "SentenceTransformerEmbedder",
    "HashingEmbedder",
    "USEM3Embedder",
    "E5SmallEmbedder",
    "OnnxEmbedder",
    "allocate",
    "Allocation",
    "EmbeddingCache",
    "CATEGORIES",
    "CATEGORY_KEYS",
    "SOCIAL_PRESCRIBING_SECTORS",
    "match_category",
    "RxMatchError",
    "DirectoryValidationError",
    "EmptyDirectoryError",
    "ReferralError",
    "GeocodingError",
    "ScheduleParseError",
    "NotFittedError",
    "OptionalDependencyError",
    "OutcomeStoreError",
    "OutcomeValidationError",
    "TestSplitError",
    "ModelUnavailableError",
    "IndexFormatError",
    "IndexPathError",
    "IndexChangedError",
    "InvalidParameterError",
    "UnknownCategoryError",
    "DatasetNotFoundError",
    "RxMatchWarning",
    "SkippedRowsWarning",
    "TextTruncatedWarning",
]
