"""Regular expressions over many texts at once, for building an index.

A regular expression run over each of a million short texts spends most of its time in the
Python loop around the call, not in the matching. Here the texts are joined, a chunk at a
time, with a NUL separator and scanned in one call; the position of each separator tells
which text a match or a token came from. The results are the ones the per-text loop gives,
as long as the expression cannot match a NUL character (the expressions used here match
words, spaces and punctuation only). Texts that hold a NUL themselves (a cleaned directory
never does) are handled one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["count_matches", "distinct_texts", "phrase_flags", "token_pairs"]

_SEP = "\x00"
#: texts joined per call: bounds the memory of the joined string and of its tokens
CHUNK = 50_000


def _chunks(texts: Sequence[str], chunk: int) -> list[tuple[int, list[str], bool]]:
    out = []
    for lo in range(0, len(texts), chunk):
        part = list(texts[lo : lo + chunk])
        out.append((lo, part, any(_SEP in t for t in part)))
    return out


def count_matches(
    pattern: re.Pattern[str],
    texts: Sequence[str],
    *,
    chunk: int = CHUNK,
    distinct: bool = False,
) -> np.ndarray:
    """``len(pattern.findall(t))`` for every text ``t`` (an int64 array); each distinct
    text is scanned once (``distinct=True``: the texts are known to be distinct).

    ``pattern`` must not be able to match a NUL character."""
    if not distinct:
        which, uniq = distinct_texts(texts)
        if len(uniq) < len(texts):
            return _count(pattern, uniq, chunk)[which]
    return _count(pattern, texts, chunk)


def distinct_texts(texts: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """``(which, distinct)``: the distinct values in order of first appearance and, for
    every text, the position of its value among them (``distinct[which[i]] == texts[i]``).
    Pass strings or tuples: missing values (None, NaN) would be taken for one another."""
    import pandas as pd

    values = np.empty(len(texts), dtype=object)
    values[:] = list(texts)  # tuples stay whole (np.asarray would make a 2-D array of them)
    which, uniq = pd.factorize(values, use_na_sentinel=False)
    return which, list(uniq)


def phrase_flags(
    phrase_lists: Sequence[Sequence[str]], fields: Sequence[Sequence[str]]
) -> list[np.ndarray]:
    """For every list of phrases and every record, whether
    ``re.search(r"\b(p1|p2|...)\b", " ".join(its fields).lower())`` finds one of them
    (phrases escaped; each starts and ends with a word character), without joining,
    lower-casing and scanning each record's text.

    A match inside one field is the same match in the joined text (a space stands where
    the field ends, as the end of the field does, and lower-casing does not look across a
    space), so each field's distinct texts are lower-cased and searched once; a phrase
    with a space could also span two fields (the name ends with "boot", the description
    starts with "camp"): records where that is possible are searched in their joined text.
    """
    n = len(fields[0])
    parts = []
    for texts in fields:
        which, uniq = distinct_texts([str(t) for t in texts])
        parts.append((which, [t.lower() for t in uniq]))
    out = []
    for phrases in phrase_lists:
        rx = re.compile(r"\b(" + "|".join(map(re.escape, phrases)) + r")\b")
        hit = np.zeros(n, dtype=bool)
        for which, low in parts:
            hit |= (count_matches(rx, low, distinct=True) > 0)[which]
        splits = [(p[:i], p[i + 1 :]) for p in phrases for i, c in enumerate(p) if c == " "]
        maybe = np.zeros(n, dtype=bool)
        for (wl, left), (wr, right) in zip(parts[:-1], parts[1:]):
            for head, tail in splits:
                ends = np.array([t.endswith(head) for t in left], dtype=bool)[wl]
                starts = np.array([t.startswith(tail) for t in right], dtype=bool)[wr]
                maybe |= ends & starts
        for i in np.flatnonzero(maybe & ~hit):
            joined = " ".join(low[which[i]] for which, low in parts)
            hit[i] = rx.search(joined) is not None
        out.append(hit)
    return out


def _count(pattern: re.Pattern[str], texts: Sequence[str], chunk: int) -> np.ndarray:
    counts = np.zeros(len(texts), dtype=np.int64)
    for lo, part, has_sep in _chunks(texts, chunk):
        if has_sep:
            counts[lo : lo + len(part)] = [len(pattern.findall(t)) for t in part]
            continue
        lengths = np.fromiter((len(t) + 1 for t in part), dtype=np.int64, count=len(part))
        starts = np.cumsum(lengths) - lengths  # where each text starts in the joined string
        pos = np.fromiter((m.start() for m in pattern.finditer(_SEP.join(part))), dtype=np.int64)
        if len(pos):
            doc = np.searchsorted(starts, pos, side="right") - 1
            counts[lo : lo + len(part)] = np.bincount(doc, minlength=len(part))
    return counts


def token_pairs(
    pattern: re.Pattern[str],
    texts: Sequence[str],
    keep: Callable[[str], bool],
    vocab: dict[str, int],
    *,
    chunk: int = CHUNK,
) -> tuple[np.ndarray, np.ndarray]:
    """The (text, term) pairs of ``pattern.findall(t)`` over the texts, for the tokens that
    ``keep`` accepts, with the term ids taken from ``vocab`` (new terms are added to it in
    order of first appearance). Pairs may repeat (a word used twice in one text).

    ``pattern`` must not be able to match a NUL character and must have no groups."""
    import pandas as pd

    sep_rx = re.compile(f"{pattern.pattern}|{_SEP}", pattern.flags)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for lo, part, has_sep in _chunks(texts, chunk):
        if has_sep:  # one text at a time (a NUL inside a text would look like a separator)
            toks: list[str] = []
            for t in part:
                toks.extend(pattern.findall(t))
                toks.append(_SEP)
        else:
            toks = sep_rx.findall(_SEP.join(part) + _SEP)
        if not toks:
            continue
        codes, uniques = pd.factorize(np.asarray(toks, dtype=object))
        is_sep = np.zeros(len(uniques), dtype=bool)
        term_id = np.full(len(uniques), -1, dtype=np.int64)
        for u, tok in enumerate(uniques):
            if tok == _SEP:
                is_sep[u] = True
            elif keep(tok):
                term_id[u] = vocab.setdefault(tok, len(vocab))
        sep_at = is_sep[codes]
        doc = np.cumsum(sep_at) - sep_at  # separators before each token
        ids = term_id[codes]
        ok = ids >= 0
        rows.append(lo + doc[ok])
        cols.append(ids[ok])
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)
