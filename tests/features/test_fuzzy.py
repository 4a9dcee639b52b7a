import numpy as np

from rxmatch.features.fuzzy import FuzzyIndex, content_words, stem


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
