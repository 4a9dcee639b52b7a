"""features._bulk: one regular-expression scan over many texts gives the per-text results;
the lexical index and the resource kinds built with it equal the row-by-row builds."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import sparse

from rxmatch.features import _bulk
from rxmatch.features.fuzzy import FIELDS, FuzzyIndex, content_words
from rxmatch.features.kind import _FIELD_WEIGHT as KIND_WEIGHT
from rxmatch.features.kind import _KIND_RX, KINDS, resource_kinds

TEXTS = [
    "Knitting circle, knitting club and a walking group",
    "",
    "Club de lectura y jardín comunitario; clases de arte",
    "Free yoga & tai chi in the park (boot camp on Sundays)",
    "Knitting circle, knitting club and a walking group",  # a duplicate
    "O’Brien’s choir — singing for everyone",
    "Ήλιος ΟΔΟΣ walking ΣΟΦΟΣ",  # Greek: final sigma when lower-cased
    "太极拳 和 书法 club",
    "hiking\x00club",  # a NUL inside one text: that chunk is read text by text
    "support groups, peer support and self-help for carers",
    "counseling; medical clinic; hospice; nursing home",
    "bootcamp",
    "camp",
]

PATTERNS = [
    re.compile(r"\b(club|clubs|knit\w*)\b"),
    re.compile(r"\bboot camp\b|\bbootcamp\b"),
    re.compile(r"\bsupport groups?\b|\bpeer support\b"),
    *_KIND_RX.values(),
]


@pytest.mark.parametrize("chunk", [1, 3, 5, 1000])
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:20])
def test_count_matches_equals_findall_per_text(pattern, chunk):
    texts = [t.lower() for t in TEXTS]
    got = _bulk.count_matches(pattern, texts, chunk=chunk)
    assert got.tolist() == [len(pattern.findall(t)) for t in texts]


def test_count_matches_sees_no_match_across_texts():
    # "boot" ends one text and "camp" starts the next: joined, they would read "boot camp"
    rx = re.compile(r"\bboot camp\b")
    assert _bulk.count_matches(rx, ["big boot", "camp fire"]).tolist() == [0, 0]
    assert _bulk.count_matches(rx, ["big boot camp fire"]).tolist() == [1]


def test_count_matches_empty():
    assert _bulk.count_matches(re.compile("a"), []).tolist() == []


@pytest.mark.parametrize("chunk", [1, 4, 1000])
def test_token_pairs_equals_findall_per_text(chunk):
    rx = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
    texts = [t.lower() for t in TEXTS]
    vocab: dict[str, int] = {}
    rows, cols = _bulk.token_pairs(rx, texts, lambda w: len(w) > 2, vocab, chunk=chunk)
    terms = {j: t for t, j in vocab.items()}
    got = sorted((int(r), terms[int(c)]) for r, c in zip(rows, cols))
    want = sorted((i, w) for i, t in enumerate(texts) for w in rx.findall(t) if len(w) > 2)
    assert got == want
    assert all(len(t) > 2 for t in vocab)


def _reference_fit(fields: dict[str, list[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """The row-by-row lexical index build of rxmatch 0.x (before features._bulk)."""
    from rxmatch.features.fuzzy import _FIELD_WEIGHT

    n = len(next(iter(fields.values())))
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for name in FIELDS:
        for i, text in enumerate(fields.get(name, [""] * n)):
            for t in set(content_words(text or "")):
                rows.append(i)
                cols.append(vocab.setdefault(t, len(vocab)))
                vals.append(_FIELD_WEIGHT[name])
    m = sparse.coo_matrix((vals, (rows, cols)), shape=(n, len(vocab))).tocsr()
    m.data = np.minimum(m.data, 1.0)
    return m, list(vocab)


def test_fuzzy_fit_equals_row_by_row_build():
    rng = np.random.default_rng(0)
    n = 60
    pick = lambda: [TEXTS[i] for i in rng.integers(0, len(TEXTS), n)]  # noqa: E731
    fields = {"name": pick(), "tags": pick(), "description": pick()}
    fields["name"][3] = None  # a missing name reads as no words
    want, terms = _reference_fit(fields)
    idx = FuzzyIndex().fit(fields)
    assert sorted(idx.terms_) == sorted(terms)
    perm = [idx.vocab_[t] for t in terms]
    got = idx.matrix_.tocsr()[:, perm]
    assert (got != want).nnz == 0
    assert set(np.unique(got.data)) <= {0.7, 1.0}
    # and the scores it gives, for any words and candidate rows
    for words in ("knitting club", "jardin comunitario singing", "hospice nursing"):
        s_all, _ = idx.score(words)
        s_sub, _ = idx.score(words, np.array([0, 5, 17, 40]))
        assert np.array_equal(s_all[[0, 5, 17, 40]], s_sub)
        assert s_all.max() > 0


def _reference_kinds(names, tags, descriptions) -> np.ndarray:
    out = np.zeros((len(names), len(KINDS)))
    for i, (name, tg, desc) in enumerate(zip(names, tags, descriptions)):
        fields = {
            "name": str(name or "").lower(),
            "tags": " ; ".join(str(t) for t in tg).lower(),
            "description": str(desc or "").lower(),
        }
        for j, kind in enumerate(KINDS):
            rx = _KIND_RX[kind]
            out[i, j] = sum(w * len(rx.findall(fields[f])) for f, w in KIND_WEIGHT.items())
    total = out.sum(axis=1, keepdims=True)
    np.divide(out, total, out=out, where=total > 0)
    return out


def test_resource_kinds_equals_row_by_row():
    rng = np.random.default_rng(1)
    n = 50
    names = [TEXTS[i] for i in rng.integers(0, len(TEXTS), n)]
    descriptions = [TEXTS[i] for i in rng.integers(0, len(TEXTS), n)]
    tags = [tuple(TEXTS[i][:20] for i in rng.integers(0, len(TEXTS), 2)) for _ in range(n)]
    names[0] = None
    got = resource_kinds(names, tags, descriptions)
    want = _reference_kinds(names, tags, descriptions)
    assert np.array_equal(got, want)
    assert (got.sum(axis=1) > 0).any()


def test_phrase_flags_equal_a_search_of_the_joined_text():
    from rxmatch.features.facets import CROWD_WORDS, STRENUOUS_WORDS

    names = ["Boot", "Reboot", "Spin", "hiking club", "Big", "", "Large", "choir", "BIG", "ΟΔΟΣ"]
    descs = ["camp for all", "camp", "class tonight", "", "group walks", "spin class"]
    descs += ["groups", "", "Group", "Σ hike"]
    tags = ["", "x", "", "yoga", "", "", "", "boot camp", "", "ΣΟΣ"]
    got = _bulk.phrase_flags((STRENUOUS_WORDS, CROWD_WORDS), (names, descs, tags))
    for words, flags in zip((STRENUOUS_WORDS, CROWD_WORDS), got):
        rx = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
        want = [bool(rx.search(f"{a} {b} {c}".lower())) for a, b, c in zip(names, descs, tags)]
        assert flags.tolist() == want
    # spans a field seam: "boot" + "camp", "spin" + "class", "big" + "group"; not "reboot"
    assert got[0].tolist()[:4] == [True, False, True, True]
    assert got[1].tolist()[4] and got[1].tolist()[8]


def test_bitmasks_equal_a_loop_over_records():
    from rxmatch.features.eligibility import _bitmasks

    values = [("en", "es"), (), ("zh",), ("en", "es"), ("es", "en"), ("tl",), ()]
    vocab: dict[str, int] = {}
    for vs in values:
        for v in vs:
            vocab.setdefault(v, len(vocab))
    want = np.zeros((len(values), 1), dtype=np.uint64)
    for i, vs in enumerate(values):
        for v in vs:
            want[i, 0] |= np.uint64(1) << np.uint64(vocab[v])
    got_vocab, got = _bitmasks(values)
    assert got_vocab == vocab
    assert np.array_equal(got, want)
    assert _bitmasks([])[1].shape == (0, 1)


def test_distinct_texts_keep_order_and_positions():
    which, uniq = _bulk.distinct_texts(["b", "a", "b", ("x", "y"), ("x", "y"), ""])
    assert uniq == ["b", "a", ("x", "y"), ""]
    assert which.tolist() == [0, 1, 0, 2, 2, 3]


def test_distinct_texts_of_tuples_of_one_length():
    which, uniq = _bulk.distinct_texts([("en", "x"), ("es", "y"), ("en", "x")])
    assert uniq == [("en", "x"), ("es", "y")]
    assert which.tolist() == [0, 1, 0]
