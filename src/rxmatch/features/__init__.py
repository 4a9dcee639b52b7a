"""Features: turn text, places, schedules and eligibility into numbers."""

from .eligibility import REASON_CODES, EligibilityIndex, EligibilityResult, exclusion_reason
from .facets import Facet, Facets, split_facets
from .fuzzy import FuzzyIndex, WordMatch, content_words, stem, tokenize
from .geo import GeoIndex, decay, geocode_address, geocode_zip, haversine_km
from .multilingual import E5SmallEmbedder, FastE5Embedder, USEM3Embedder
from .onnx import OnnxEmbedder, export_onnx
from .schedule import Session, parse_availability, parse_schedule, schedule_fit
from .text import (
    Embedder,
    EmbeddingCache,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    clean_text,
    default_model_path,
)

__all__ = [
    "Facet",
    "Facets",
    "split_facets",
    "USEM3Embedder",
    "E5SmallEmbedder",
    "FastE5Embedder",
    "OnnxEmbedder",
    "export_onnx",
    "REASON_CODES",
    "EligibilityResult",
    "EligibilityIndex",
    "exclusion_reason",
    "FuzzyIndex",
    "WordMatch",
    "content_words",
    "stem",
    "tokenize",
    "GeoIndex",
    "decay",
    "geocode_address",
    "geocode_zip",
    "haversine_km",
    "Session",
    "parse_availability",
    "parse_schedule",
    "schedule_fit",
    "EmbeddingCache",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "clean_text",
    "default_model_path",
]
