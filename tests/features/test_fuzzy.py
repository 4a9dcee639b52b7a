import numpy as np
import pytest

from rxmatch.features.fuzzy import FuzzyIndex, TermColumns, content_words, stem


def _index():
    return FuzzyIndex().fit(
        {
            "name": ["Community Gardening Club", "Animal Shelter Volunteers", "Watercolour Circle"],
            "tags": ["gardening;outdoors", "volunteering;animals", "painting;art"],
            "description": [
                "Grow vegetables together in raised beds.",
                "Walk dogs and help at the shelter.",
                "Relaxed painting group for adults.",
            ],
        }
    )


def test_stem_and_content_words():
    assert stem("painting") == "paint" and stem("gardens") == "garden"
    assert content_words("I really miss my painting") == ["painting"]


def test_typos_still_match():
    idx = _index()
    for text, expected in [("gardning", 0), ("voluntear", 1), ("paintng", 2), ("watercolor", 2)]:
        scores, _ = idx.score(text)
        assert int(np.argmax(scores)) == expected, text
        assert scores[expected] > 0


def test_explain_names_the_words():
    idx = _index()
    _, words = idx.score("I'd love some gardning")
    m = idx.explain(words, {"name": "Community Gardening Club", "tags": "", "description": ""})
    assert m and m[0].query_word == "gardning" and m[0].resource_word == "gardening"
    assert m[0].field == "name"


def test_correct_fixes_typos_only():
    idx = _index()
    assert idx.correct("I love gardning") == "I love gardening"
    assert idx.correct("I love cats") == "I love cats"


# ---- restricted scoring and reloading from the matrix ----------------------------------------
def _demo_index(demo_directory):
    df = demo_directory.frame
    return FuzzyIndex().fit(
        {
            "name": list(df["name"]),
            "tags": [" ".join(t) for t in df["tags"]],
            "description": list(df["description"]),
        }
    )


QUERIES = [
    "I used to paint and I miss gardning with people",
    "food bank, rent help, counselling",
    "clases de baile y musica para mayores",
    "walking hiking outdoors nature volunteers",
]


def test_scores_of_some_rows_equal_the_full_scores(demo_directory):
    idx = _demo_index(demo_directory)
    rng = np.random.default_rng(0)
    for q in QUERIES:
        full, words = idx.score(q)
        assert full.max() > 0
        for rows in (
            np.arange(idx.n_),
            np.sort(rng.choice(idx.n_, 30, replace=False)),
            rng.permutation(idx.n_)[:25],
            np.array([], dtype=np.intp),
        ):
            part, w2 = idx.score(q, rows)
            assert w2 == words
            np.testing.assert_array_equal(part, full[rows])


def test_from_matrix_is_the_same_index(demo_directory):
    idx = _demo_index(demo_directory)
    again = FuzzyIndex.from_matrix(idx.matrix_, idx.terms_)
    np.testing.assert_array_equal(again.idf_, idx.idf_)
    for q in QUERIES:
        np.testing.assert_array_equal(again.score(q)[0], idx.score(q)[0])
        assert again.correct(q) == idx.correct(q)
    with pytest.raises(ValueError):
        FuzzyIndex.from_matrix(idx.matrix_, idx.terms_[:-1])


def test_from_arrays_is_the_same_index_without_scipy_and_sorts_columns(demo_directory):
    idx = _demo_index(demo_directory)
    m = idx.matrix_
    n = m.shape[0]
    again = FuzzyIndex.from_arrays(m.data, m.indices, m.indptr, idx.terms_, n)
    assert isinstance(again.matrix_, TermColumns)
    np.testing.assert_array_equal(again.idf_, idx.idf_)
    # rows reversed inside every column: the index sorts them back, scores are unchanged
    data, indices = m.data.copy(), m.indices.copy()
    for j in range(len(m.indptr) - 1):
        lo, hi = m.indptr[j], m.indptr[j + 1]
        data[lo:hi], indices[lo:hi] = data[lo:hi][::-1], indices[lo:hi][::-1]
    shuffled = FuzzyIndex.from_arrays(data, indices, m.indptr, idx.terms_, n)
    rows = np.arange(0, n, 3)
    for q in QUERIES:
        np.testing.assert_array_equal(again.score(q)[0], idx.score(q)[0])
        np.testing.assert_array_equal(shuffled.score(q)[0], idx.score(q)[0])
        np.testing.assert_array_equal(shuffled.score(q, rows)[0], idx.score(q, rows)[0])
    with pytest.raises(ValueError, match="indptr"):
        FuzzyIndex.from_arrays(m.data, m.indices, m.indptr, idx.terms_[:-1], n)
    with pytest.raises(ValueError, match="row indices"):
        FuzzyIndex.from_arrays(m.data, m.indices, m.indptr, idx.terms_, n - 5)
    with pytest.raises(ValueError, match="entries"):
        FuzzyIndex.from_arrays(m.data[:-1], m.indices, m.indptr, idx.terms_, n)


def test_explain_prefers_the_same_stem_in_the_first_field_then_the_closest_typo():
    idx = FuzzyIndex().fit({"name": ["x"], "tags": ["x"], "description": ["x"]})
    fields = {
        "name": "Garden club",
        "tags": "gardening, painting",
        "description": "We paint murals; gardeners welcome; paintng",
    }
    words = ["gardens", "painting", "muralls", "gardning"]
    got = {m.query_word: m for m in idx.explain(words, fields)}
    assert (got["gardens"].resource_word, got["gardens"].field) == ("garden", "name")
    assert (got["painting"].resource_word, got["painting"].field) == ("painting", "tags")
    assert got["painting"].similarity == 1.0
    assert got["muralls"].resource_word == "murals" and got["muralls"].similarity < 1.0
    # "garden" (name) is a typo match too, but "gardening" (tags) is closer
    assert (got["gardning"].resource_word, got["gardning"].field) == ("gardening", "tags")
    assert idx.explain(["gardens"], tokens=idx.field_tokens(fields)) == idx.explain(
        ["gardens"], fields
    )
    # the stems given once per query (several matches explained) change nothing
    tokens = idx.field_tokens(fields)
    assert idx.explain(words, tokens=tokens, stems=[stem(w) for w in words]) == idx.explain(
        words, fields
    )
    # and are what is matched: a wrong stem finds the typo path instead
    (m,) = idx.explain(["gardens"], tokens=tokens, stems=["zzz"])
    assert m.similarity < 1.0


def test_copied_stop_words_are_scikit_learns():
    """The copied list (so that a query does not import scikit-learn) is still the installed
    scikit-learn's English list, and matching leaves those words out."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from rxmatch.features._stopwords import ENGLISH_STOP_WORDS as copied
    from rxmatch.features.fuzzy import stopwords

    assert copied == ENGLISH_STOP_WORDS
    assert stopwords() >= ENGLISH_STOP_WORDS
    assert content_words("I would like to paint") == ["paint"]
