"""The fitted index: everything ``Matcher.fit`` computes from a Directory, in one object.

:class:`FittedIndex` holds the resource table, the vector sets (the primary encoder's and,
optionally, the multilingual one's: a mapping ``name -> TextSpace``), the lexical, geo,
eligibility and schedule indexes, the per-resource flags read at ranking time, the
contact details of a loaded index, the Directory (or how to decode it) and a generation
number (+1 for every index built from another one). It is made by :func:`build_index`
(from a Directory and its vectors) or :func:`assemble_index` (from stored parts, by
:mod:`rxmatch.persistence`), and never changed afterwards: an update builds a new one.

Data flows one way: this module knows nothing of the Matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ._arrays import max_row_norm, offsets_problem
from ._ids import id_list, refuse_text
from .directory import Directory, LoadReport
from .exceptions import IndexFormatError, InvalidParameterError
from .features._bulk import phrase_flags
from .features.audience import AudienceFacts, audience_facts
from .features.eligibility import EligibilityIndex
from .features.facets import CROWD_WORDS, STRENUOUS_WORDS
from .features.fuzzy import FieldTokens, FuzzyIndex
from .features.geo import GeoIndex
from .features.kind import care_share, resource_kinds
from .features.passages import PassageOptions, PassageSet
from .features.text import Embedder, EmbeddingCache
from .rank import columns as rcol
from .rank.table import ResourceTable
from .records import CONTACT_FIELDS
from .taxonomy import CATEGORIES, CATEGORY_KEYS, TAXONOMY_VOCABULARY

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FittedIndex",
    "TextSpace",
    "DirectorySource",
    "PRIMARY",
    "MULTILINGUAL",
    "E5",
    "resource_text",
    "embed_directory",
    "build_index",
    "assemble_index",
    "reembed",
    "embed_passages",
    "reembed_passages",
    "PASSAGE_SETS",
    "directory_with",
    "directory_without",
]

#: the names of the vector sets the Matcher reads (another encoder adds another name)
PRIMARY = "primary"
MULTILINGUAL = "multilingual"
#: multilingual-E5's vectors (``Matcher(e5=...)``): answers in languages USEM3 lacks
E5 = "e5"
#: the vector sets whose encoders embed passages too (``Matcher(passages=...)``)
PASSAGE_SETS = (PRIMARY, MULTILINGUAL)


def resource_text(name: str, description: str, tags: Sequence[str]) -> str:
    """The text embedded for a resource: name, description and tags."""
    text = f"{name}. {description}"
    if tags:
        text += " Tags: " + ", ".join(tags) + "."
    return text


@dataclass(frozen=True, eq=False)
class TextSpace:
    """A set of directory vectors made by one encoder: the resources' ``embeddings`` and
    the category ``prototypes`` in its space."""

    embedder: Embedder
    embeddings: np.ndarray
    prototypes: np.ndarray

    @property
    def category_temperature(self) -> float:
        return float(getattr(self.embedder, "category_temperature", 0.05))


class DirectorySource:
    """The Directory an index was built from: in memory (after ``fit``), or decoded on
    first access by ``loader`` (a loaded index; two threads may both decode it, either
    result is the same)."""

    __slots__ = ("directory", "loader")

    def __init__(self, directory: Directory | None, loader: Callable[[], Directory] | None = None):
        if directory is None and loader is None:
            raise ValueError("a DirectorySource needs a directory or a loader")
        self.directory, self.loader = directory, loader

    def get(self) -> Directory:
        d = self.directory
        if d is None:
            d = self.directory = self.loader()  # type: ignore[misc]
        return d

    @property
    def report(self) -> LoadReport | None:
        """The load report when it is at hand without decoding a saved table."""
        d = self.directory
        return d.report if d is not None else getattr(self.loader, "report", None)


@dataclass(frozen=True, eq=False)
class FittedIndex:
    """Everything fitting computes; read-only once built (see the module docstring)."""

    table: ResourceTable
    eligibility: EligibilityIndex
    #: ``name -> TextSpace``; ``PRIMARY`` always, ``MULTILINGUAL`` when there is one
    vector_sets: Mapping[str, TextSpace]
    category_index: np.ndarray  # intp, index into CATEGORY_KEYS
    has_sessions: np.ndarray  # bool
    strenuous: np.ndarray  # bool
    crowded: np.ndarray  # bool
    adult_only: np.ndarray  # bool
    verified_ordinal: np.ndarray  # float64, NaN when never verified
    kinds: np.ndarray  # float32 (n, n_kinds)
    care_share: np.ndarray  # float
    #: contiguous copy of the online resources' vectors (a few % of rows): ranks them
    #: without gathering from the (possibly memory-mapped) matrix on every query
    online_embeddings: np.ndarray
    source: DirectorySource
    #: the contact columns of a loaded index (serve ``Match.resource`` until the
    #: Directory is decoded); ``None`` after ``fit`` or for an index saved before them
    contacts: Mapping[str, Sequence[str | None]] | None = None
    generation: int = 0
    #: passage vectors of the descriptions (``Matcher(passages=...)``), or ``None``
    passages: PassageSet | None = None
    #: the audience each record states in its own words (ages in its name, an ancestry):
    #: :mod:`rxmatch.features.audience`; ``None`` in an index saved before them (no
    #: candidate is flagged: it ranks as it did)
    audience: AudienceFacts | None = None
    #: bounded caches of directory text (never the person's words)
    _tokens: dict[int, dict[str, FieldTokens]] = field(default_factory=dict, repr=False)
    _contact_columns: dict[str, Any] = field(default_factory=dict, repr=False)
    #: a row's facts as plain JSON values (``Match.resource``), per directory in memory
    _facts: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def primary(self) -> TextSpace:
        return self.vector_sets[PRIMARY]

    @property
    def embedder(self) -> Embedder:
        return self.primary.embedder

    @property
    def prototypes(self) -> np.ndarray:
        return self.primary.prototypes

    @property
    def multilingual(self) -> TextSpace | None:
        return self.vector_sets.get(MULTILINGUAL)

    @property
    def e5(self) -> TextSpace | None:
        return self.vector_sets.get(E5)

    @property
    def directory(self) -> Directory:
        return self.source.get()

    @cached_property
    def online_norm(self) -> float:
        """The largest norm of an online resource's vector (0.0 with none), computed once:
        it bounds the rounding of the online pool's products
        (:func:`~rxmatch.rank.reach.closest_online`)."""
        return max_row_norm(self.online_embeddings)

    def __len__(self) -> int:
        return len(self.table)

    def with_vector_set(self, name: str, space: TextSpace | None) -> FittedIndex:
        """This index with the vector set ``name`` added or replaced (``None``: removed),
        e.g. another encoder's vectors of the same resources."""
        if space is not None and space.embeddings.shape[0] != len(self.table):
            raise InvalidParameterError(
                f"vector set {name!r} has {space.embeddings.shape[0]} rows, not {len(self.table)}"
            )
        sets = {k: v for k, v in self.vector_sets.items() if k != name}
        if space is not None:
            sets[name] = space
        if PRIMARY not in sets:
            raise InvalidParameterError("the primary vector set cannot be removed")
        # the passage vectors of a replaced encoder no longer match its queries
        ps = self.passages
        if ps is not None and name in ps.vectors:
            ps = ps.without(name)
        return replace(self, vector_sets=sets, passages=ps)

    def with_passages(self, passages: PassageSet | None) -> FittedIndex:
        """This index with the passage set ``passages`` (``None``: none)."""
        if passages is not None and passages.n_records != len(self.table):
            raise InvalidParameterError(
                f"the passage set has {passages.n_records} records, not {len(self.table)}"
            )
        return replace(self, passages=passages)

    def field_tokens(self, r: int) -> dict[str, FieldTokens]:
        """The content words of resource ``r``'s name, tags and description, cached."""
        cache = self._tokens
        got = cache.get(r)
        if got is None:
            t = self.table
            got = t.fuzzy.field_tokens(
                {"name": t.names[r], "tags": " ".join(t.tags[r]), "description": t.descriptions[r]}
            )
            if len(cache) >= 8192:
                cache.clear()
            cache[r] = got
        return got

    # ---- as plain arrays (what a saved index holds) ---------------------------------------
    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Everything fitting computed beyond the vector sets, as named one-dimensional
        arrays (``table.*``, ``text.*``, ``derived.*``, ``online.*``, ``eligibility.*``,
        ``fuzzy.*``, ``geo.*``, ``contact.*``, ``audience.*``) plus a little JSON (``terms``: the
        lexical index's vocabulary; ``eligibility_vocabularies``; ``geo``: the grid's cell
        size; ``audience_vocabulary``: the identity words of stated audiences).
        :meth:`from_arrays` makes the index back, without refitting."""
        t = self.table
        out: dict[str, np.ndarray] = {f"table.{k}": np.asarray(getattr(t, k)) for k in _NUMERIC}
        out["table.free"] = rcol.bool_codes(list(t.free))
        out["table.last_verified"] = rcol.date_ordinals(list(t.last_verified))
        for name, (enc, _) in _STRINGS.items():
            values = [v if (enc is None or v is None) else enc(v) for v in getattr(t, name)]
            for part, arr in rcol.pack_strings(values).items():
                out[f"text.{name}.{part}"] = arr
        for k in ("has_sessions", "strenuous", "crowded"):
            out[f"derived.{k}"] = np.asarray(getattr(self, k), dtype=bool)
        out["derived.category_index"] = np.asarray(self.category_index, dtype=np.int8)
        out["derived.kinds"] = np.asarray(self.kinds, dtype=np.float32)
        # the online resources' vectors side by side: loading reads them without touching
        # the pages of the whole embedding matrix
        out["online.embeddings"] = np.asarray(self.online_embeddings, dtype=np.float32)
        elig, vocabularies = self.eligibility.arrays()
        for k in _ELIGIBILITY_MASKS:
            out[f"eligibility.{k}"] = elig[k]
        m = t.fuzzy.matrix_
        out["fuzzy.indptr"], out["fuzzy.indices"], out["fuzzy.data"] = m.indptr, m.indices, m.data
        geo_arrays, geo_meta = t.geo.state()
        out.update({f"geo.{k}": v for k, v in geo_arrays.items()})
        saved = self.contacts
        if self.source.directory is None and saved:  # a loaded index: its table not decoded
            columns = {col: list(saved[col]) for col in CONTACT_FIELDS if col in saved}
        else:
            frame = self.directory._frame
            columns = {
                col: [None if rcol.missing(v) else str(v) for v in frame[col].tolist()]
                for col in CONTACT_FIELDS
                if col in frame
            }
        for col, values in columns.items():
            for part, arr in rcol.pack_strings(values).items():
                out[f"contact.{col}.{part}"] = arr
        meta: dict[str, Any] = {
            "terms": list(t.fuzzy.terms_),
            "eligibility_vocabularies": vocabularies,
            "geo": geo_meta,
        }
        if self.audience is not None:
            aud, meta["audience_vocabulary"] = self.audience.to_arrays()
            out.update({f"audience.{k}": v for k, v in aud.items()})
        return out, meta

    @classmethod
    def from_arrays(
        cls,
        arrays: Mapping[str, np.ndarray],
        meta: Mapping[str, Any],
        vector_sets: Mapping[str, TextSpace],
        source: DirectorySource,
    ) -> FittedIndex:
        """The index :meth:`to_arrays` gave ``arrays`` and ``meta`` for, on the vector
        sets ``vector_sets`` (the arrays may be memory maps: nothing is copied, tokenized
        or rebuilt). The invariants a ranking relies on are checked first; a violation is
        an :class:`~rxmatch.exceptions.IndexFormatError` (a crafted or damaged index)."""
        a = arrays
        vecs = vector_sets[PRIMARY].embeddings
        n = int(vecs.shape[0])
        terms = meta["terms"]
        _check_arrays(a, n, len(terms))
        try:
            texts = {}
            for name, (_, dec) in _STRINGS.items():
                base = rcol.StringColumn(
                    a[f"text.{name}.offsets"], a[f"text.{name}.data"], a.get(f"text.{name}.nulls")
                )
                texts[name] = base if dec is None else rcol.DecodedColumn(base, dec)
            numeric = {k: a[f"table.{k}"] for k in _NUMERIC}
            category_index = np.asarray(a["derived.category_index"], dtype=np.intp)
            free = a["table.free"]
            verified = a["table.last_verified"]
            fuzzy = FuzzyIndex.from_arrays(  # the CSC arrays as they are: no scipy to load
                a["fuzzy.data"],
                a["fuzzy.indices"],
                a["fuzzy.indptr"],
                terms,
                n,
                extra_vocabulary=TAXONOMY_VOCABULARY,
            )
            geo_rows = numeric["geo_rows"]
            lat, lon = numeric["lat"], numeric["lon"]
            geo = GeoIndex.from_state(
                lat[geo_rows],
                lon[geo_rows],
                {k: a[f"geo.{k}"] for k in ("order", "cells", "starts")},
                meta["geo"],
            )
            table = ResourceTable(
                categories=rcol.DecodedColumn(category_index, CATEGORY_KEYS.__getitem__),
                free=rcol.DecodedColumn(free, rcol.decode_bool),
                last_verified=rcol.DecodedColumn(verified, rcol.decode_date),
                embeddings=vecs,
                geo=geo,
                fuzzy=fuzzy,
                **texts,
                **numeric,
            )
            elig = EligibilityIndex.from_arrays(
                {
                    "min_age": numeric["min_age"],
                    "max_age": numeric["max_age"],
                    "free": free,
                    **{k: a[f"eligibility.{k}"] for k in _ELIGIBILITY_MASKS},
                },
                meta["eligibility_vocabularies"],
                online=numeric["online"],
                has_place=numeric["has_place"],
                category_index=category_index,
            )
            contact = {
                col: rcol.StringColumn(
                    a[f"contact.{col}.offsets"],
                    a[f"contact.{col}.data"],
                    a.get(f"contact.{col}.nulls"),
                )
                for col in CONTACT_FIELDS
                if f"contact.{col}.offsets" in a  # absent from indexes saved before them
            }
            ordinals = np.where(verified == rcol.NO_DATE, np.nan, verified.astype(np.float64))
            audience = (  # absent from indexes saved before them
                AudienceFacts.from_arrays(
                    {k: a[f"audience.{k}"] for k in ("min_age", "max_age", "offsets", "codes")},
                    meta["audience_vocabulary"],
                    n,
                )
                if "audience.offsets" in a
                else None
            )
            online_vecs = a["online.embeddings"]
            if online_vecs.shape != (len(numeric["online_rows"]), vecs.shape[1]):
                raise ValueError("online.embeddings does not fit the online resources")
            derived = {
                "category_index": category_index,
                "verified_ordinal": ordinals,
                "online_embeddings": online_vecs,
                "kinds": a.get("derived.kinds"),  # None in indexes saved before kinds
                **{k: a[f"derived.{k}"] for k in ("has_sessions", "strenuous", "crowded")},
            }
        except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
            raise IndexFormatError(
                f"the arrays of the index are incomplete or inconsistent: {exc}"
            ) from None
        positions = ("table.geo_rows", "table.online_rows", "table.outreach_rows")
        bad = [
            k
            for k, v in a.items()
            if k.startswith(("table.", "derived.")) and k not in positions and len(v) != n
        ]
        bad += [
            k for k in positions if len(a[k]) and not 0 <= int(a[k].min()) <= int(a[k].max()) < n
        ]
        bad += [k for k, v in texts.items() if len(v) != n]
        bad += [f"contact.{k}" for k, v in contact.items() if len(v) != n]
        if bad:
            raise IndexFormatError(f"arrays {sorted(bad)} of the index do not have {n} rows")
        # the contact details give Match.to_dict() its address, phone and url while the
        # Directory is not decoded
        return assemble_index(
            table, elig, derived, vector_sets, source, contacts=contact, audience=audience
        )


# ---- the index as arrays -------------------------------------------------------------------
_NUMERIC = (
    "lat",
    "lon",
    "online",
    "has_place",
    "service_radius_km",
    "min_age",
    "max_age",
    "category_inferred",
    "geo_rows",
    "online_rows",
    "outreach_rows",
)
# per-row texts: name -> (encode one item to text, decode the text back)
_STRINGS: dict[str, Any] = {
    "ids": (str, None),
    "names": (str, None),
    "descriptions": (str, None),
    "cost": (None, None),
    "tags": (rcol.encode_list, rcol.decode_list),
    "languages": (rcol.encode_list, rcol.decode_list),
    "accessibility": (rcol.encode_list, rcol.decode_list),
    "sessions": (rcol.encode_sessions, rcol.decode_sessions),
}
_ELIGIBILITY_MASKS = ("lang_mask", "has_lang", "access_mask", "has_access")


def _check_arrays(a: Mapping[str, np.ndarray], n: int, n_terms: int) -> None:
    """The invariants a ranking relies on, checked before the index is assembled: string
    offsets start at 0 and never decrease, sparse and grid indices are in range, row
    positions are in range, and the coordinates of the placed resources are finite and on
    Earth. A violation is an :class:`IndexFormatError` (a crafted or damaged index)."""
    problems: list[str] = []

    def get(k: str) -> np.ndarray | None:
        v = a.get(k)
        if v is None:
            problems.append(f"{k} is missing")
        elif v.ndim != 1:
            problems.append(f"{k} is not one-dimensional")
            return None
        return v

    def integer(k: str, v: np.ndarray) -> bool:
        if v.dtype.kind not in "iu":
            problems.append(f"{k} is not an integer array")
            return False
        return True

    def offsets(k: str, v: np.ndarray | None, total: int, length: int) -> None:
        problem = None if v is None else offsets_problem(v, total=total, length=length)
        if problem:
            problems.append(f"{k}: the offsets {problem}")

    def in_range(k: str, v: np.ndarray | None, hi: int) -> None:
        if v is None or not integer(k, v) or not len(v):
            return
        if int(v.min()) < 0 or int(v.max()) >= hi:
            problems.append(f"{k} holds positions out of range [0, {hi})")

    for name in _STRINGS:
        data = get(f"text.{name}.data")
        if data is not None:
            offsets(f"text.{name}.offsets", get(f"text.{name}.offsets"), len(data), n + 1)
    idx, dat = get("fuzzy.indices"), get("fuzzy.data")
    if idx is not None and dat is not None:
        if len(idx) != len(dat):
            problems.append("fuzzy.indices and fuzzy.data differ in length")
        in_range("fuzzy.indices", idx, n)
        if dat.dtype.kind == "f" and not np.isfinite(dat).all():
            problems.append("fuzzy.data holds values that are not finite")
        offsets("fuzzy.indptr", get("fuzzy.indptr"), len(idx), n_terms + 1)
    for k in ("table.geo_rows", "table.online_rows", "table.outreach_rows"):
        in_range(k, get(k), n)
    geo_rows = a.get("table.geo_rows")
    lat, lon = get("table.lat"), get("table.lon")
    if geo_rows is not None and lat is not None and lon is not None and not problems:
        if len(lat) != n or len(lon) != n:
            problems.append(f"table.lat and table.lon must have {n} rows")
        else:
            la, lo = lat[geo_rows], lon[geo_rows]
            if not (np.isfinite(la).all() and np.isfinite(lo).all()):
                problems.append("the coordinates of placed resources are not finite")
            elif len(la) and (np.abs(la).max() > 90 or np.abs(lo).max() > 180):
                problems.append("the coordinates of placed resources are out of range")
        order, starts = get("geo.order"), get("geo.starts")
        in_range("geo.order", order, len(geo_rows))
        if starts is not None and order is not None:
            offsets("geo.starts", starts, len(order), len(starts))
    cat = a.get("derived.category_index")
    if (
        cat is not None
        and len(cat)
        and cat.dtype.kind in "iu"
        and (int(cat.min()) < 0 or int(cat.max()) >= len(CATEGORIES))
    ):
        problems.append("derived.category_index holds categories out of range")
    online = a.get("online.embeddings")
    if online is not None and online.dtype.kind == "f" and not np.isfinite(online).all():
        problems.append("online.embeddings holds values that are not finite")
    if problems:
        raise IndexFormatError(
            "the arrays of the index are inconsistent: " + "; ".join(problems[:5])
        )


def given_vectors(vectors: np.ndarray, n: int, what: str) -> np.ndarray:
    """Precomputed ``(n, dim)`` vectors as float32, L2-normalised (a memory map is kept
    as it is when already normalised)."""
    vecs = vectors if isinstance(vectors, np.memmap) else np.asarray(vectors)
    if vecs.dtype != np.float32:
        vecs = vecs.astype(np.float32)
    if vecs.ndim != 2 or vecs.shape[0] != n:
        raise InvalidParameterError(f"{what} must have shape ({n}, dim), not {vecs.shape}")
    # row norms a block at a time (each row's norm as one call over all rows gives it,
    # without a temporary the size of the matrix)
    norms = np.empty((len(vecs), 1), dtype=vecs.dtype)
    for lo in range(0, len(vecs), 65536):
        norms[lo : lo + 65536] = np.linalg.norm(vecs[lo : lo + 65536], axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)):
        raise InvalidParameterError(f"{what} hold non-finite values")
    if not np.allclose(norms, 1.0, atol=1e-4):
        norms[norms == 0] = 1.0
        vecs = vecs / norms
    return vecs


def embed_directory(
    directory: Directory,
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    multilingual: Embedder | None = None,
    embeddings: np.ndarray | None = None,
    multilingual_embeddings: np.ndarray | None = None,
    e5: Embedder | None = None,
    batch_size: int = 64,
    show_progress_bar: bool | None = None,
) -> dict[str, TextSpace]:
    """The vector sets of a Directory: its resource texts (:func:`resource_text`) and the
    category prototypes embedded by ``embedder`` and, when given, by ``multilingual``
    (with ``embeddings`` given and ``multilingual_embeddings`` not, no multilingual set
    is built) and by ``e5`` (the vector set ``"e5"``: texts and prototypes as E5
    passages, through ``cache``, always built when ``e5`` is given). Given vectors are
    L2-normalised, not recomputed."""
    df = directory._frame  # read only (``frame`` is a copy)
    texts = (  # what is embedded (nothing when the vectors are given and E5 is not asked)
        [resource_text(n, d, t) for n, d, t in zip(df["name"], df["description"], df["tags"])]
        if embeddings is None or e5 is not None
        else []
    )
    show = show_progress_bar if show_progress_bar is not None else len(df) > 2000
    if embeddings is None:
        vecs = cache.encode(embedder, texts, batch_size=batch_size, show_progress_bar=show)
    else:
        vecs = given_vectors(embeddings, len(df), "embeddings")
    protos = cache.encode(embedder, [c.prototype for c in CATEGORIES], batch_size=batch_size)
    if protos.shape[1] != vecs.shape[1]:
        raise InvalidParameterError(
            f"embeddings have {vecs.shape[1]} dimensions but the embedder makes {protos.shape[1]}"
        )
    out = {PRIMARY: TextSpace(embedder, vecs, protos)}
    if multilingual is not None and (embeddings is None or multilingual_embeddings is not None):
        if multilingual_embeddings is None:
            mvecs = cache.encode(multilingual, texts, batch_size=batch_size, show_progress_bar=show)
        else:
            mvecs = given_vectors(multilingual_embeddings, len(df), "multilingual_embeddings")
        mprotos = cache.encode(multilingual, [c.prototype for c in CATEGORIES])
        if mprotos.shape[1] != mvecs.shape[1]:
            raise InvalidParameterError(
                "multilingual_embeddings do not have the multilingual encoder's dimensions"
            )
        out[MULTILINGUAL] = TextSpace(multilingual, mvecs, mprotos)
    if e5 is not None:  # ``encode`` embeds E5 passages (the person's words: queries)
        evecs = cache.encode(e5, texts, batch_size=batch_size, show_progress_bar=show)
        eprotos = cache.encode(e5, [c.prototype for c in CATEGORIES], batch_size=batch_size)
        out[E5] = TextSpace(e5, evecs, eprotos)
    return out


def _objects(col: pd.Series, convert: Any) -> list[Any]:
    """``[None if pd.isna(v) else convert(v) for v in col]`` with the missing values found
    in one vectorised call (``convert=None`` keeps the values)."""
    missing = col.isna().to_numpy()
    if convert is None:
        return [None if m else v for v, m in zip(col, missing)]
    return [None if m else convert(v) for v, m in zip(col, missing)]


def build_index(
    directory: Directory,
    vector_sets: Mapping[str, TextSpace],
    *,
    generation: int = 0,
    passages: PassageSet | None = None,
) -> FittedIndex:
    """Index a Directory whose vector sets are made (:func:`embed_directory`; its passage
    vectors, when any: :func:`embed_passages`): infer the missing categories, build the
    table, the lexical, geo and eligibility indexes and the per-resource flags."""
    vecs, protos = vector_sets[PRIMARY].embeddings, vector_sets[PRIMARY].prototypes
    df = directory._frame  # read only (``frame`` is a copy)
    cats = _objects(df["category"], str)
    inferred = np.array([c is None for c in cats], dtype=bool)
    if inferred.any():
        best = np.asarray(vecs[inferred] @ protos.T).argmax(axis=1)
        it = iter(best)
        cats = [CATEGORY_KEYS[next(it)] if c is None else c for c in cats]
    category_index = np.array([CATEGORY_KEYS.index(c) for c in cats], dtype=np.intp)

    lat = df["lat"].to_numpy(np.float64)
    lon = df["lon"].to_numpy(np.float64)
    has_place = ~np.isnan(lat)
    online = df["online"].to_numpy(bool)
    srad = df["service_radius_km"].to_numpy(np.float64)
    geo_rows = np.flatnonzero(has_place)
    fuzzy = FuzzyIndex().fit(
        {
            "name": list(df["name"]),
            "tags": [" ".join(t) for t in df["tags"]],
            "description": list(df["description"]),
        },
        extra_vocabulary=TAXONOMY_VOCABULARY,
    )
    free = _objects(df["free"], bool)
    table = ResourceTable(
        ids=df["id"].to_numpy(object),
        names=list(df["name"]),
        descriptions=list(df["description"]),
        tags=list(df["tags"]),
        categories=cats,
        category_inferred=inferred,
        lat=lat,
        lon=lon,
        online=online,
        has_place=has_place,
        service_radius_km=srad,
        min_age=df["min_age"].to_numpy(np.float64),
        max_age=df["max_age"].to_numpy(np.float64),
        free=free,
        cost=_objects(df["cost"], str),
        languages=list(df["languages"]),
        accessibility=list(df["accessibility"]),
        sessions=list(df["sessions"]),
        last_verified=_objects(df["last_verified"], None),
        embeddings=vecs,
        geo=GeoIndex(lat[geo_rows], lon[geo_rows]),
        geo_rows=geo_rows,
        online_rows=np.flatnonzero(online),
        outreach_rows=np.flatnonzero(has_place & ~np.isnan(srad) & (srad > 0)),
        fuzzy=fuzzy,
    )
    eligibility = EligibilityIndex(
        min_age=table.min_age,
        max_age=table.max_age,
        languages=table.languages,
        accessibility=table.accessibility,
        free=free,
        online=online,
        has_place=has_place,
        category_index=category_index,
    )
    # whole words of the lists in f"{name} {description} {tags}".lower()
    strenuous, crowded = phrase_flags(
        (STRENUOUS_WORDS, CROWD_WORDS),
        (table.names, table.descriptions, [" ".join(tg) for tg in table.tags]),
    )
    derived = {
        "category_index": category_index,
        "has_sessions": np.array([len(x) > 0 for x in table.sessions], dtype=bool),
        "strenuous": strenuous,
        "crowded": crowded,
        "verified_ordinal": np.array(
            [np.nan if d is None else d.toordinal() for d in table.last_verified],
            dtype=np.float64,
        ),
        "kinds": resource_kinds(table.names, table.tags, table.descriptions).astype(np.float32),
    }
    return assemble_index(
        table,
        eligibility,
        derived,
        vector_sets,
        DirectorySource(directory),
        generation=generation,
        passages=passages,
        audience=audience_facts(table.names, table.descriptions, table.min_age, table.max_age),
    )


def assemble_index(
    table: ResourceTable,
    eligibility: EligibilityIndex,
    derived: Mapping[str, np.ndarray | None],
    vector_sets: Mapping[str, TextSpace],
    source: DirectorySource,
    *,
    contacts: Mapping[str, Sequence[str | None]] | None = None,
    generation: int = 0,
    passages: PassageSet | None = None,
    audience: AudienceFacts | None = None,
) -> FittedIndex:
    """A FittedIndex from its parts: ``derived`` holds ``category_index``,
    ``has_sessions``, ``strenuous``, ``crowded``, ``verified_ordinal`` and optionally
    ``kinds`` (recomputed when absent, as in indexes saved before them) and
    ``online_embeddings`` (gathered from the table's vectors when absent); ``audience``:
    the audiences the records state (:func:`~rxmatch.features.audience.audience_facts`;
    ``None``: none read, as in indexes saved before them)."""
    online_vecs = derived.get("online_embeddings")
    kinds = derived.get("kinds")
    if kinds is None:
        kinds = resource_kinds(table.names, table.tags, table.descriptions)
    kinds = np.asarray(kinds, dtype=np.float32)
    return FittedIndex(
        table=table,
        eligibility=eligibility,
        vector_sets=dict(vector_sets),
        category_index=np.asarray(derived["category_index"], dtype=np.intp),
        has_sessions=np.asarray(derived["has_sessions"], dtype=bool),
        strenuous=np.asarray(derived["strenuous"], dtype=bool),
        crowded=np.asarray(derived["crowded"], dtype=bool),
        adult_only=np.nan_to_num(table.min_age, nan=0.0) >= 16,
        verified_ordinal=np.asarray(derived["verified_ordinal"], dtype=np.float64),
        kinds=kinds,
        care_share=care_share(kinds),
        online_embeddings=(
            np.ascontiguousarray(table.embeddings[table.online_rows])
            if online_vecs is None
            else online_vecs
        ),
        source=source,
        contacts=contacts,
        generation=generation,
        passages=passages,
        audience=audience,
    )


# ---- incremental updates -------------------------------------------------------------------
def reembed(
    index: FittedIndex, directory: Directory, cache: EmbeddingCache, *, batch_size: int = 64
) -> tuple[dict[str, TextSpace], int]:
    """The vector sets of ``directory`` reusing ``index``'s vectors of every resource with
    the same id and text; only new or changed texts are embedded. Returns the sets and how
    many texts were embedded."""
    t = index.table
    old_text = {
        rid: resource_text(n, d, tg)
        for rid, n, d, tg in zip(t.ids, t.names, t.descriptions, t.tags)
    }
    old_pos = {rid: i for i, rid in enumerate(t.ids)}
    df = directory.frame
    texts = [resource_text(n, d, tg) for n, d, tg in zip(df["name"], df["description"], df["tags"])]
    # which rows keep their vectors (same id, same text) and from where: found once,
    # used for every vector set of the index
    kept, kept_from, todo = [], [], []
    for i, (rid, text) in enumerate(zip(df["id"], texts)):
        if old_text.get(rid) == text:
            kept.append(i)
            kept_from.append(old_pos[rid])
        else:
            todo.append(i)

    def reuse(space: TextSpace) -> TextSpace:
        old = space.embeddings
        out = np.empty((len(df), old.shape[1]), dtype=np.float32)
        out[kept] = old[kept_from]
        if todo:
            out[todo] = cache.encode(
                space.embedder, [texts[i] for i in todo], batch_size=batch_size
            )
        return TextSpace(space.embedder, out, space.prototypes)

    return {name: reuse(space) for name, space in index.vector_sets.items()}, len(todo)


# ---- passages ------------------------------------------------------------------------------
def _names_descriptions(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    def text(v: Any) -> str:
        return v if isinstance(v, str) else ""

    return [text(v) for v in frame["name"]], [text(v) for v in frame["description"]]


def embed_passages(
    directory: Directory,
    vector_sets: Mapping[str, TextSpace],
    cache: EmbeddingCache,
    options: PassageOptions,
    *,
    batch_size: int = 64,
    show_progress_bar: bool | None = None,
) -> PassageSet:
    """The passage vectors of a Directory: its descriptions cut into passages
    (:meth:`PassageOptions.split`, directory texts only) and embedded, through ``cache``,
    by the encoder of each vector set of :data:`PASSAGE_SETS` that ``vector_sets`` holds."""
    names, descriptions = _names_descriptions(directory._frame)
    split = options.split(descriptions, names)
    texts = list(split.texts)
    show = show_progress_bar if show_progress_bar is not None else len(texts) > 2000
    vectors = {}
    for name in PASSAGE_SETS:
        space = vector_sets.get(name)
        if space is None:
            continue
        vectors[name] = _passage_vectors(space, texts, cache, options, batch_size, show)
    return PassageSet(options, split.offsets, vectors)


def _passage_vectors(
    space: TextSpace,
    texts: list[str],
    cache: EmbeddingCache,
    options: PassageOptions,
    batch_size: int,
    show: bool = False,
) -> np.ndarray:
    if not texts:
        return np.zeros((0, space.embeddings.shape[1]), dtype=options.dtype)
    vecs = cache.encode(space.embedder, texts, batch_size=batch_size, show_progress_bar=show)
    return np.asarray(vecs, dtype=np.float32).astype(options.dtype, copy=False)


def reembed_passages(
    index: FittedIndex,
    directory: Directory,
    vector_sets: Mapping[str, TextSpace],
    cache: EmbeddingCache,
    *,
    batch_size: int = 64,
) -> tuple[PassageSet | None, int]:
    """The passage set of ``directory`` reusing ``index``'s passage vectors of every
    resource with the same id, name and description (its passages are the same); only the
    passages of new or changed resources are embedded. ``None`` when ``index`` has no
    passages. Returns the set and how many passages were embedded."""
    old = index.passages
    if old is None:
        return None, 0
    opts = old.options
    t = index.table
    old_pos = {rid: i for i, rid in enumerate(t.ids)}
    frame = directory._frame
    names, descriptions = _names_descriptions(frame)
    split = opts.split(descriptions, names)
    new_off, old_off = split.offsets, old.offsets
    # the old position of each new passage (-1: to embed)
    src = np.full(len(split), -1, dtype=np.int64)
    for i, (rid, n, d) in enumerate(zip(frame["id"], names, descriptions)):
        j = old_pos.get(rid)
        if j is None or t.names[j] != n or t.descriptions[j] != d:
            continue
        lo, hi, olo, ohi = new_off[i], new_off[i + 1], old_off[j], old_off[j + 1]
        if hi - lo == ohi - olo:
            src[lo:hi] = np.arange(olo, ohi)
    kept = np.flatnonzero(src >= 0)
    todo = np.flatnonzero(src < 0)
    texts = list(split.texts)
    vectors = {}
    embedded = 0
    for name in PASSAGE_SETS:
        space = vector_sets.get(name)
        if space is None:
            continue
        prev = old.vectors.get(name)
        if prev is None or prev.shape[1] != space.embeddings.shape[1]:
            vectors[name] = _passage_vectors(space, texts, cache, opts, batch_size)
            embedded += len(texts)
            continue
        out = np.empty((len(split), prev.shape[1]), dtype=opts.dtype)
        out[kept] = prev[src[kept]]
        if len(todo):
            out[todo] = _passage_vectors(space, [texts[i] for i in todo], cache, opts, batch_size)
            embedded += len(todo)
        vectors[name] = out
    return PassageSet(opts, new_off, vectors), embedded


def directory_with(
    old: Directory, records: pd.DataFrame | Directory | list[dict[str, Any]], *, replace: bool
) -> Directory:
    """``old`` with ``records`` added (``replace=False``: their ids must be new) or
    replacing the resources of the same ids (``replace=True``: the ids must exist)."""
    import pandas as pd

    refuse_text(records, "update" if replace else "add", "a DataFrame, a Directory or a list")
    new = (
        records
        if isinstance(records, Directory)
        else Directory.from_frame(
            pd.DataFrame(records) if not isinstance(records, pd.DataFrame) else records,
            source="update",
        )
    )
    old_f = old.frame
    new_f = new.frame
    clash = set(new_f["id"]) & set(old_f["id"])
    if replace:
        missing = set(new_f["id"]) - set(old_f["id"])
        if missing:
            raise InvalidParameterError(
                f"update: no resource with id(s) {sorted(missing)[:5]}; use add()"
            )
    elif clash:
        raise InvalidParameterError(
            f"add: id(s) {sorted(clash)[:5]} already in the index; use update()"
        )
    keep = ~old_f["id"].isin(new_f["id"])
    frame = pd.concat([old_f[keep.to_numpy()], new_f], ignore_index=True)
    report = LoadReport(
        old.report.source,
        old.report.n_input + new.report.n_input,
        len(frame),
        old.report.skipped + new.report.skipped,
        old.report.issues + new.report.issues,
    )
    return Directory(frame, report)


def directory_without(old: Directory, ids: Iterable[str]) -> Directory:
    """``old`` without the resources ``ids`` (unknown ids, or removing every resource,
    raise :class:`~rxmatch.exceptions.InvalidParameterError`)."""
    drop = set(id_list(ids, "remove: ids"))
    old_f = old.frame
    unknown = drop - set(old_f["id"])
    if unknown:
        raise InvalidParameterError(f"remove: no resource with id(s) {sorted(unknown)[:5]}")
    frame = old_f[~old_f["id"].isin(drop).to_numpy()].reset_index(drop=True)
    if frame.empty:
        raise InvalidParameterError("remove: that would leave the index empty")
    rep = old.report
    return Directory(
        frame, LoadReport(rep.source, rep.n_input, len(frame), rep.skipped, rep.issues)
    )
