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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..exceptions import InvalidParameterError
from .text import Embedder, EmbeddingCache, clean_text

__all__ = [
    "split_sentences",
    "make_passages",
    "PassageIndex",
    "passage_similarity",
    "mix_passage_score",
    "AGGREGATIONS",
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
    q = np.asarray(queries, dtype=np.float32)
    single = q.ndim == 1
    q2 = q[None, :] if single else q
    rows = np.asarray(rows, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    out = np.full((len(rows), q2.shape[0]), np.nan, dtype=np.float64)
    if len(rows):
        starts = offsets[rows]
        counts = offsets[rows + 1] - starts
        has = counts > 0
        if has.any():
            s, c = starts[has], counts[has]
            if aggregate == "first":
                sims = vectors[s] @ q2.T
                out[has] = sims
            else:
                # positions of every candidate passage, candidate after candidate
                seg = np.zeros(len(c), dtype=np.int64)
                np.cumsum(c[:-1], out=seg[1:])
                idx = np.arange(int(c.sum()), dtype=np.int64) + np.repeat(s - seg, c)
                sims = (vectors[idx] @ q2.T).astype(np.float64)
                if aggregate == "max":
                    out[has] = np.maximum.reduceat(sims, seg, axis=0)
                else:
                    out[has] = np.add.reduceat(sims, seg, axis=0) / c[:, None]
    return out[:, 0] if single else out


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
