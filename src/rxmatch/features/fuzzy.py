"""Typo-tolerant lexical matching of a person's words against resource names, tags and
descriptions (rapidfuzz), with IDF weighting, and the word pairs that explain a match."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._arrays import offsets_problem

__all__ = [
    "tokenize",
    "stem",
    "content_words",
    "FuzzyIndex",
    "WordMatch",
    "stopwords",
]

_SPANISH_STOP = [
    "a",
    "al",
    "algo",
    "algunas",
    "algunos",
    "ante",
    "antes",
    "como",
    "con",
    "contra",
    "cual",
    "cuando",
    "de",
    "del",
    "desde",
    "donde",
    "durante",
    "e",
    "el",
    "ella",
    "ellas",
    "ellos",
    "en",
    "entre",
    "era",
    "eras",
    "es",
    "esa",
    "esas",
    "ese",
    "eso",
    "esos",
    "esta",
    "estaba",
    "estas",
    "este",
    "esto",
    "estos",
    "estoy",
    "fue",
    "fui",
    "ha",
    "hace",
    "hay",
    "la",
    "las",
    "le",
    "les",
    "lo",
    "los",
    "mas",
    "me",
    "mi",
    "mis",
    "mucho",
    "muy",
    "más",
    "mí",
    "nada",
    "ni",
    "no",
    "nos",
    "nosotros",
    "o",
    "os",
    "otra",
    "otro",
    "para",
    "pero",
    "poco",
    "por",
    "porque",
    "que",
    "quiero",
    "quien",
    "se",
    "ser",
    "si",
    "sin",
    "sobre",
    "son",
    "soy",
    "su",
    "sus",
    "también",
    "tan",
    "te",
    "tengo",
    "tiene",
    "todo",
    "tu",
    "tus",
    "un",
    "una",
    "uno",
    "unos",
    "y",
    "ya",
    "yo",
    "él",
    "está",
    "están",
]
_FILLER = [
    "like",
    "want",
    "wanted",
    "really",
    "would",
    "could",
    "get",
    "got",
    "love",
    "loved",
    "miss",
    "missed",
    "used",
    "use",
    "feel",
    "feeling",
    "felt",
    "know",
    "think",
    "bit",
    "lot",
    "things",
    "thing",
    "something",
    "anything",
    "go",
    "going",
    "went",
    "doctor",
    "says",
    "said",
    "maybe",
    "just",
    "also",
    "still",
    "much",
    "many",
    "lots",
    "day",
    "days",
    "week",
    "weeks",
    "time",
    "times",
    "year",
    "years",
    "make",
    "made",
    "good",
    "nice",
    "well",
    "kind",
    "sort",
    "way",
    "since",
    "ago",
    "back",
    "around",
    "able",
    "want'd",
    "i'd",
    "i'm",
    "i've",
    "don't",
    "can't",
    "dont",
    "cant",
    "im",
    "ive",
    "id",
    "wife",
    "husband",
    "kids",
    "son",
    "daughter",
    "mum",
    "mom",
    "dad",
]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English (scikit-learn's list, copied in ``_stopwords``: importing scikit-learn would
    cost a cold start ~0.5-1 s), Spanish and filler words left out of matching."""
    from ._stopwords import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(_SPANISH_STOP) | frozenset(_FILLER)


def __getattr__(name: str) -> frozenset[str]:  # PEP 562: ``STOPWORDS`` stays importable
    if name == "STOPWORDS":
        return stopwords()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (letters only, any script)."""
    return [w.replace("’", "'") for w in _WORD.findall(str(text).lower())]


_SUFFIXES = ("ings", "ing", "ers", "er", "ies", "es", "ed", "s")


def stem(word: str) -> str:
    """A light English suffix stripper: painting→paint, gardens→garden, volunteers→volunteer."""
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            base = word[: -len(suf)]
            if suf == "ies":
                base += "y"
            return base
    return word


#: :func:`stem` cached, for the directory's words only (never the person's words)
_directory_stem = lru_cache(maxsize=1 << 16)(stem)


_SPANISH_MARKERS = frozenset(
    """que de la el los las y en para con por mi me se una muy pero no es estoy tengo quiero
    gustaría gustaria desde porque mis sola solo casa hijo hija esposo esposa""".split()
)


def looks_spanish(text: str) -> bool:
    """A cheap guess: at least 20% of the words (and two or more) are common Spanish words."""
    words = tokenize(text)
    hits = sum(w in _SPANISH_MARKERS for w in words)
    return hits >= 2 and hits >= 0.2 * len(words)


def content_words(text: str) -> list[str]:
    """Tokens of ``text`` without stopwords and one-letter words, in order, unique."""
    stop = stopwords()
    seen: dict[str, None] = {}
    for w in tokenize(text):
        if len(w) > 2 and w not in stop:
            seen.setdefault(w, None)
    return list(seen)


@dataclass(frozen=True)
class WordMatch:
    """One of the person's words matched to a word of a resource."""

    query_word: str
    resource_word: str
    field: str
    similarity: float  # 0..1; 1.0 means the same stem


FIELDS = ("name", "tags", "description")
#: one field's words for :meth:`FuzzyIndex.explain`: first word per stem, words by first letter
FieldTokens = tuple[dict[str, str], dict[str, list[str]]]
_FIELD_WEIGHT = {"name": 1.0, "tags": 1.0, "description": 0.7}


@dataclass(frozen=True)
class TermColumns:
    """A term matrix held as its CSC arrays, read column by column by
    :meth:`FuzzyIndex.score` (column ``j``'s rows are ``indices[indptr[j]:indptr[j + 1]]``,
    ascending, with weights ``data[...]``). What a loaded index keeps instead of a scipy
    matrix; the arrays may be memory-mapped."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]
    format = "csc"
    has_sorted_indices = True

    @classmethod
    def checked(
        cls, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]
    ) -> TermColumns:
        """The arrays, checked (``ValueError`` naming what is wrong), with each column's rows
        sorted if they were not."""
        n, n_cols = shape
        data, indices, indptr = np.asarray(data), np.asarray(indices), np.asarray(indptr)
        problem = offsets_problem(indptr, length=n_cols + 1)  # one column per term
        if problem:
            raise ValueError(f"the column offsets (indptr) {problem}")
        nnz = int(indptr[-1])
        if len(indices) != nnz or len(data) != nnz:
            raise ValueError(f"indices and data must have {nnz} entries (indptr[-1])")
        if nnz and (int(indices.min()) < 0 or int(indices.max()) >= n):
            raise ValueError(f"row indices must be in [0, {n})")
        cols = np.repeat(np.arange(n_cols), np.diff(indptr))
        step = np.diff(indices.astype(np.int64))
        if np.any((step <= 0) & (cols[1:] == cols[:-1])):  # rare: sort within columns
            order = np.lexsort((indices, cols))
            data, indices = data[order], indices[order]
        return cls(data, indices, indptr, (n, n_cols))


class FuzzyIndex:
    """A stem-level inverted index over resource fields with fuzzy query-term expansion.

    ``score(query)`` gives each resource a lexical score in [0, 1]: the IDF-weighted share of
    the person's content words found (exactly or with a typo, rapidfuzz ``ratio`` ≥
    ``cutoff``) in the resource's name, tags or description.
    """

    def __init__(self, cutoff: float = 84.0, min_fuzzy_len: int = 4):
        self.cutoff = cutoff
        self.min_fuzzy_len = min_fuzzy_len

    def fit(
        self, fields: dict[str, Sequence[str]], extra_vocabulary: Sequence[str] = ()
    ) -> FuzzyIndex:
        """Index the fields (``name``, ``tags``, ``description``: one text per resource).
        ``extra_vocabulary`` adds words that :meth:`correct` may correct towards."""
        from scipy import sparse

        from ._bulk import distinct_texts, token_pairs

        n = len(next(iter(fields.values())))
        stop = stopwords()
        vocab: dict[str, int] = {}
        pairs = []
        for name in FIELDS:
            # the tokens of content_words(text) for every distinct text, in one scan per
            # chunk of texts (features._bulk): the (resource, word) pairs of a loop over rows
            which, distinct = distinct_texts([str(t or "") for t in fields.get(name, [""] * n)])
            texts = [t.lower().replace("’", "'") for t in distinct]
            rows, cols = token_pairs(_WORD, texts, lambda w: len(w) > 2 and w not in stop, vocab)
            pairs.append((_FIELD_WEIGHT[name], which, len(texts), rows, cols))
        m = None
        for w, which, n_distinct, rows, cols in pairs:
            one = sparse.csr_matrix(
                (np.ones(len(rows)), (rows, cols)), shape=(n_distinct, len(vocab))
            )  # a word used twice in a field is summed: a field counts once
            one.data[:] = w
            one = one[which]  # back to one row per resource
            m = one if m is None else m + one
        # a word in several fields was summed; keep at most 1
        m.data = np.minimum(m.data, 1.0)
        return self._index(m.tocsc(), list(vocab), extra_vocabulary)

    @classmethod
    def from_arrays(
        cls,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        terms: Sequence[str],
        n_rows: int,
        extra_vocabulary: Sequence[str] = (),
        *,
        cutoff: float = 84.0,
        min_fuzzy_len: int = 4,
    ) -> FuzzyIndex:
        """An index from the three CSC arrays of a term matrix made by :meth:`fit` (as
        :meth:`from_matrix`, without scipy: loading a saved index does not import it)."""
        m = TermColumns.checked(data, indices, indptr, (int(n_rows), len(terms)))
        return cls(cutoff=cutoff, min_fuzzy_len=min_fuzzy_len)._index(
            m, list(terms), extra_vocabulary
        )

    @classmethod
    def from_matrix(
        cls,
        matrix: object,
        terms: Sequence[str],
        extra_vocabulary: Sequence[str] = (),
        *,
        cutoff: float = 84.0,
        min_fuzzy_len: int = 4,
    ) -> FuzzyIndex:
        """An index from a term matrix made by :meth:`fit` (``(n, len(terms))``, CSC, one
        column per term, weights in (0, 1]) without tokenizing the texts again: a saved
        index reloads its lexical index this way. The matrix's arrays may be memory-mapped.
        """
        from scipy import sparse

        if not sparse.issparse(matrix) or matrix.shape[1] != len(terms):
            raise ValueError("matrix must be a sparse (n, len(terms)) term matrix")
        m = matrix if matrix.format == "csc" else matrix.tocsc()
        return cls(cutoff=cutoff, min_fuzzy_len=min_fuzzy_len)._index(
            m, list(terms), extra_vocabulary
        )

    def _index(self, m: object, terms: list[str], extra_vocabulary: Sequence[str]) -> FuzzyIndex:
        n = m.shape[0]
        vocab = {t: j for j, t in enumerate(terms)}
        if not m.has_sorted_indices:  # score() looks rows up by binary search per column
            m = m.sorted_indices()
        self.matrix_ = m
        self.vocab_ = vocab
        self.terms_ = terms
        self.stems_: dict[str, list[int]] = {}
        self.buckets_: dict[str, tuple[list[str], list[int]]] = {}
        for t, j in vocab.items():
            self.stems_.setdefault(stem(t), []).append(j)
            terms, cols = self.buckets_.setdefault(t[0], ([], []))
            terms.append(t)
            cols.append(j)
        self.known_ = frozenset(vocab) | frozenset(w.lower() for w in extra_vocabulary)
        self.known_buckets_: dict[str, list[str]] = {}
        for t in sorted(self.known_):
            self.known_buckets_.setdefault(t[0], []).append(t)
        # every stored weight is > 0, so a column's stored entries are its document frequency
        df = np.diff(np.asarray(self.matrix_.indptr)).astype(np.float64)
        self.idf_ = np.log((1 + n) / (1 + df)) + 1.0
        self.default_idf_ = float(np.log(1 + n) + 1.0)
        self.n_ = n
        return self

    def expand(self, word: str) -> list[tuple[int, float]]:
        """Vocabulary columns that match one query word, with similarities in (0, 1]:
        the same word or stem (1.0), or a typo (rapidfuzz ``ratio`` ≥ ``cutoff``)."""
        from rapidfuzz import fuzz, process

        out: dict[int, float] = {}
        for j in self.stems_.get(stem(word), ()):
            out[j] = 1.0
        if len(word) >= self.min_fuzzy_len and word[0] in self.buckets_:
            terms, cols = self.buckets_[word[0]]
            for term, score, k in process.extract(
                word, terms, scorer=fuzz.ratio, score_cutoff=self.cutoff, limit=10
            ):
                if abs(len(term) - len(word)) <= 3:
                    out[cols[k]] = max(out.get(cols[k], 0.0), score / 100.0)
        # No cache here on purpose: these are the person's words.
        return sorted(out.items())

    def score(self, text: str, rows: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
        """Lexical scores for every resource (or only ``rows``) and the content words used."""
        words = content_words(text)
        n = self.n_ if rows is None else len(rows)
        if not words or n == 0:
            return np.zeros(n), words
        sub = None if rows is None else np.asarray(rows, dtype=np.int64)
        # candidate rows in increasing order (as ranking gives them): a column shorter than
        # them is looked up in them instead (the same hits, fewer comparisons)
        ascending = sub is not None and bool((sub[1:] > sub[:-1]).all())
        total = np.zeros(n)
        weight_sum = 0.0
        m = self.matrix_  # CSC: each word's column holds only the resources that use it
        indptr, indices, data = m.indptr, m.indices, m.data
        for w in words:
            cols = self.expand(w)
            idf = max((self.idf_[j] for j, _ in cols), default=self.default_idf_)
            weight_sum += idf
            if not cols:
                continue
            best = np.zeros(n)
            for j, sim in cols:
                lo, hi = int(indptr[j]), int(indptr[j + 1])
                if hi == lo:
                    continue
                r = indices[lo:hi]
                if sub is None:
                    np.maximum.at(best, r, data[lo:hi] * sim)
                elif ascending and hi - lo < n:
                    at = np.minimum(np.searchsorted(sub, r), n - 1)
                    hit = sub[at] == r
                    at = at[hit]
                    best[at] = np.maximum(best[at], data[lo:hi][hit] * sim)
                else:
                    # look the candidate rows up in the column (its row indices are sorted):
                    # the cost follows the candidates, not the directory's size
                    pos = np.minimum(np.searchsorted(r, sub), hi - lo - 1)
                    hit = r[pos] == sub
                    np.maximum(best, np.where(hit, data[lo:hi][pos] * sim, 0.0), out=best)
            total += idf * best
        return (total / weight_sum if weight_sum else total), words

    def correct(self, text: str, cutoff: float = 86.0) -> str:
        """Replace likely typos in ``text`` by the closest word of the directory's (and the
        ``extra_vocabulary``'s) vocabulary with the same first letter, so that the embedding
        sees "gardening", not "gardning". Known words, short words and stopwords are kept,
        and text that reads as Spanish is left alone (its words are not typos of English)."""
        from rapidfuzz import fuzz, process

        if looks_spanish(text):
            return text

        stop = stopwords()

        def fix(m: re.Match[str]) -> str:
            w = m.group(0)
            lw = w.lower()
            if len(lw) < 5 or lw in self.known_ or lw in stop or stem(lw) in self.stems_:
                return w
            bucket = self.known_buckets_.get(lw[0])
            if not bucket:
                return w
            best = process.extractOne(lw, bucket, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best is None or abs(len(best[0]) - len(lw)) > 2:
                return w
            return best[0]

        return _WORD.sub(fix, text)

    @staticmethod
    def field_tokens(fields: dict[str, str]) -> dict[str, FieldTokens]:
        """A resource's content words per field, keyed for :meth:`explain`: the first word
        of each stem, and the words by first letter (directory text only, so that a caller
        may cache them)."""
        out: dict[str, FieldTokens] = {}
        for fname in FIELDS:
            by_stem: dict[str, str] = {}
            by_first: dict[str, list[str]] = {}
            for t in content_words(fields.get(fname) or ""):
                by_stem.setdefault(_directory_stem(t), t)
                by_first.setdefault(t[0], []).append(t)
            out[fname] = (by_stem, by_first)
        return out

    def explain(
        self,
        words: Sequence[str],
        fields: dict[str, str] | None = None,
        *,
        tokens: dict[str, FieldTokens] | None = None,
        stems: Sequence[str] | None = None,
    ) -> list[WordMatch]:
        """Which of the person's words matched which word of which field of one resource
        (``fields`` as texts, or their :meth:`field_tokens`): the first field, in the order
        name, tags, description, with a word of the same stem; else the closest typo
        (rapidfuzz ``ratio`` >= ``cutoff``, same first letter), the first one on ties.
        ``stems``: the words' :func:`stem`, when the caller explains several resources."""
        from rapidfuzz import fuzz

        found: list[WordMatch] = []
        if tokens is None:
            tokens = self.field_tokens(fields or {})
        if stems is None:
            stems = [stem(w) for w in words]
        for w, sw in zip(words, stems):
            best: WordMatch | None = None
            for fname in FIELDS:
                t = tokens[fname][0].get(sw)
                if t is not None:
                    best = WordMatch(w, t, fname, 1.0)
                    break
            if best is None and len(w) >= self.min_fuzzy_len:
                for fname in FIELDS:
                    for t in tokens[fname][1].get(w[0], ()):
                        if abs(len(t) - len(w)) > 3:
                            continue
                        sim = fuzz.ratio(w, t) / 100.0
                        if sim * 100 >= self.cutoff and (best is None or sim > best.similarity):
                            best = WordMatch(w, t, fname, sim)
            if best is not None:
                found.append(best)
        return found
