"""Passage evidence in the fitted index: built at fit (``Matcher(passages=...)``), used in
ranking, saved and loaded, reused by add/update/remove. Fast: a hashing encoder."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch.exceptions import IndexFormatError, InvalidParameterError
from rxmatch.features.passages import PassageOptions, PassageSet
from rxmatch.features.text import EmbeddingCache, HashingEmbedder
from rxmatch.index import MULTILINGUAL, PRIMARY, TextSpace, embed_directory, embed_passages

FILLER = [
    "The office is open on weekdays from nine to five.",
    "Parking is available behind the main building.",
    "Staff answer the phone in several languages.",
    "Forms can be picked up at the front desk.",
    "Donations of clothing are welcome all year.",
    "The board of directors meets every quarter.",
    "Please call ahead before visiting the office.",
    "Interpreters can be booked in advance.",
    "Eligibility is checked at the first appointment.",
]
#: the score from the semantic component alone (the one passages change)
SEMANTIC_ONLY = rxmatch.Weights(
    semantic=1, lexical=0, distance=0, category_fit=0, schedule=0, preference=0
)


def _rows() -> list[dict]:
    rows = [
        dict(
            id=f"r{i}",
            name=f"Knitting Club {i}",
            description=f"Knitting and crochet for all ages. Bring your own yarn to meeting {i}.",
            lat=37.5,
            lon=-122.3,
            category="social",
        )
        for i in range(10)
    ]
    # the only record that answers "a quilting circle", in its 3rd sentence of 10
    text = FILLER[:2] + ["A quilting circle meets on Tuesdays to sew quilts together."] + FILLER[2:]
    rows.append(
        dict(
            id="x",
            name="Family Services Agency",
            description=" ".join(text),
            lat=37.5,
            lon=-122.3,
            category="social",
        )
    )
    return rows


@pytest.fixture(scope="module")
def directory() -> rxmatch.Directory:
    return rxmatch.Directory.from_frame(pd.DataFrame(_rows()))


REF = rxmatch.Referral(what_matters="a quilting circle", lat=37.5, lon=-122.3)


def _matcher(passages, **kw) -> rxmatch.Matcher:
    kw.setdefault("multilingual", None)
    return rxmatch.Matcher(
        HashingEmbedder(),
        passages=passages,
        reference_date=date(2026, 1, 1),
        **kw,
    )


class CountingEmbedder(HashingEmbedder):
    """A hashing encoder that counts the texts it embeds."""

    def __init__(self, dim: int = 128, name: str | None = None):
        super().__init__(dim)
        if name is not None:
            self.name = name
        self.seen: list[str] = []

    def encode(self, texts, **kw):
        self.seen.extend(texts)
        return super().encode(texts, **kw)


def test_a_record_matching_in_its_third_sentence_ranks_higher_with_passages(directory):
    ranks = {}
    for p in (None, PassageOptions()):
        m = _matcher(p, weights=SEMANTIC_ONLY, care_penalty=0.0).fit(directory)
        ids = [r.resource_id for r in m.recommend(REF, k=11)]
        ranks[p is not None] = ids.index("x")
    assert ranks[False] >= 5  # diluted in the whole record's vector
    assert ranks[True] == 0  # its best passage answers the wish


def test_the_passage_set_holds_each_records_windows(directory):
    m = _matcher(PassageOptions()).fit(directory)
    ps = m.index_.passages
    assert isinstance(ps, PassageSet) and ps.n_records == len(directory)
    counts = np.diff(ps.offsets)
    assert counts[:10].tolist() == [1] * 10  # two sentences: one passage
    assert counts[10] == 9  # ten sentences, windows of two, stride one
    assert set(ps.vectors) == {PRIMARY} and ps.vectors[PRIMARY].dtype == np.float16
    # unit vectors (to float16 precision) of "name. passage"
    want = HashingEmbedder().encode(
        [
            f"Family Services Agency. {FILLER[1]} A quilting circle meets on Tuesdays "
            "to sew quilts together."
        ]
    )[0]
    got = ps.vectors[PRIMARY][ps.offsets[10] + 1].astype(np.float32)
    np.testing.assert_allclose(got, want, atol=2e-3)
    f32 = _matcher(PassageOptions(dtype="float32")).fit(directory).index_.passages
    assert f32.vectors[PRIMARY].dtype == np.float32
    np.testing.assert_allclose(f32.vectors[PRIMARY], ps.vectors[PRIMARY], atol=2e-3)


def test_passages_none_ranks_as_an_index_without_them(directory, demo_directory):
    refs = [
        REF,
        rxmatch.Referral(
            what_matters="knitting with other people; I also like walks", lat=37.5, lon=-122.3
        ),
    ]
    for d in (directory, demo_directory):
        plain = _matcher(None).fit(d)
        assert plain.index_.passages is None
        with_ps = _matcher(PassageOptions()).fit(d)
        off = with_ps.set_params(passages=None)  # kept in the index, not used in ranking
        for ref in refs:
            assert off.recommend(ref).to_json() == plain.recommend(ref).to_json()
            a = plain.score_components(ref)
            b = off.score_components(ref)
            pd.testing.assert_frame_equal(a, b)


def test_auto_builds_for_the_default_model_only(directory):
    # a stand-in named as the bundled default model
    default_like = CountingEmbedder(name="all-MiniLM-L6-v2 (test stand-in)")
    m = rxmatch.Matcher(default_like, multilingual=None).fit(directory)
    assert m.index_.passages is not None and m.index_.passages.options == PassageOptions()
    assert any(t.startswith("Family Services Agency. ") for t in default_like.seen)
    # another encoder: no passages
    assert (
        rxmatch.Matcher(HashingEmbedder(), multilingual=None).fit(directory).index_.passages is None
    )
    # precomputed embeddings: no passages (as no multilingual set)
    given = rxmatch.Matcher(
        CountingEmbedder(name="all-MiniLM-L6-v2 (test stand-in)"), multilingual=None
    )
    given.fit(directory, embeddings=m.index_.table.embeddings)
    assert given.index_.passages is None


def test_auto_stops_above_the_record_limit(directory, monkeypatch):
    import rxmatch.fitting

    monkeypatch.setattr(rxmatch.fitting, "PASSAGES_AUTO_MAX_RECORDS", len(directory) - 1)
    m = rxmatch.Matcher(CountingEmbedder(name="all-MiniLM-L6-v2 (x)"), multilingual=None)
    assert m.fit(directory).index_.passages is None
    # asked for explicitly: built whatever the size
    m.set_params(passages=PassageOptions())
    assert m.fit(directory).index_.passages is not None


def test_parameters_are_checked():
    with pytest.raises(InvalidParameterError, match="passages must be"):
        rxmatch.Matcher(passages="yes").set_params(passages="yes")
    for bad in (dict(window=0), dict(weight=1.5), dict(top=0), dict(dtype="float64")):
        with pytest.raises(InvalidParameterError, match="passages:"):
            PassageOptions(**bad)
    o = PassageOptions(weight=0.25, top=50)
    assert PassageOptions.from_dict({**o.as_dict(), "unknown": 1}) == o


def test_ranking_time_options_change_the_weight_and_depth(directory):
    m = _matcher(PassageOptions(), weights=SEMANTIC_ONLY, care_penalty=0.0).fit(directory)
    on = m.score_components(REF).set_index("resource_id")["semantic"]
    m.set_params(passages=PassageOptions(weight=0.0))
    off = m.score_components(REF).set_index("resource_id")["semantic"]
    assert on["x"] > off["x"]
    m.set_params(passages=PassageOptions(top=1))  # passages only for the closest record
    top1 = m.score_components(REF).set_index("resource_id")["semantic"]
    pd.testing.assert_series_equal(top1, off)  # fewer than two passage scores: unchanged


def test_save_and_load_round_trip(directory, tmp_path):
    m = _matcher(PassageOptions()).fit(directory)
    m.save(tmp_path / "ix")
    manifest = json.loads((tmp_path / "ix" / "manifest.json").read_text())
    entry = manifest["passages"]
    assert entry["options"] == PassageOptions().as_dict()
    assert entry["n_passages"] == len(m.index_.passages)
    assert {"passages_offsets.npy", "passages_primary.npy"} <= set(manifest["files"])
    loaded = rxmatch.Matcher.load(tmp_path / "ix", embedder=HashingEmbedder())
    ps = loaded.index_.passages
    assert loaded.passages == PassageOptions()
    np.testing.assert_array_equal(ps.offsets, m.index_.passages.offsets)
    np.testing.assert_array_equal(ps.vectors[PRIMARY], m.index_.passages.vectors[PRIMARY])
    assert ps.vectors[PRIMARY].dtype == np.float16
    assert loaded.recommend(REF).to_json() == m.recommend(REF).to_json()
    # saved again from the loaded (memory-mapped) index: the same files
    loaded.save(tmp_path / "ix2")
    m2 = json.loads((tmp_path / "ix2" / "manifest.json").read_text())
    for f in ("passages_offsets.npy", "passages_primary.npy"):
        assert m2["files"][f]["sha256"] == manifest["files"][f]["sha256"]


def test_an_index_without_passages_loads_as_before(directory, tmp_path):
    m = _matcher(None).fit(directory)
    m.save(tmp_path / "ix")
    manifest = json.loads((tmp_path / "ix" / "manifest.json").read_text())
    assert manifest["passages"] is None
    assert not any(f.startswith("passages_") for f in manifest["files"])
    # as an index written before passages existed: no key at all
    del manifest["passages"]
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps(manifest))
    loaded = rxmatch.Matcher.load(tmp_path / "ix", embedder=HashingEmbedder())
    assert loaded.index_.passages is None and loaded.passages is None
    assert loaded.recommend(REF).to_json() == m.recommend(REF).to_json()


def test_damaged_passage_entries_are_refused(directory, tmp_path):
    m = _matcher(PassageOptions()).fit(directory)
    m.save(tmp_path / "ix")
    path = tmp_path / "ix" / "manifest.json"
    good = json.loads(path.read_text())
    for change in (
        lambda e: e.update(n_passages=e["n_passages"] + 1),
        lambda e: e.update(options={"window": -1}),
        lambda e: e.update(sets="primary"),
    ):
        entry = json.loads(json.dumps(good))
        change(entry["passages"])
        path.write_text(json.dumps(entry))
        with pytest.raises(IndexFormatError, match="passage"):
            rxmatch.Matcher.load(tmp_path / "ix", embedder=HashingEmbedder())


def test_add_update_remove_reuse_unchanged_passages(directory):
    emb = CountingEmbedder()
    m = _matcher(PassageOptions(), weights=SEMANTIC_ONLY).set_params(embedder=emb)
    m.fit(directory)
    old = m.index_.passages
    emb.seen.clear()
    changed = dict(_rows()[3], description="Knitting for beginners. Needles are lent. Tea after.")
    m.update([changed])
    # only the changed record's text and passages were embedded
    assert m.n_passages_reembedded_ == 2
    assert all("Knitting Club 3" in t for t in emb.seen)
    fresh = _matcher(PassageOptions(), weights=SEMANTIC_ONLY).set_params(
        embedder=CountingEmbedder()
    )
    fresh.fit(m.directory_)
    ps, want = m.index_.passages, fresh.index_.passages
    np.testing.assert_array_equal(ps.offsets, want.offsets)
    np.testing.assert_allclose(
        ps.vectors[PRIMARY].astype(np.float32), want.vectors[PRIMARY].astype(np.float32)
    )
    assert m.recommend(REF).to_json() == fresh.recommend(REF).to_json()
    # the agency's nine passages were copied, not embedded again
    xi = list(m.index_.table.ids).index("x")
    oi = list(directory.ids).index("x")
    np.testing.assert_array_equal(
        ps.vectors[PRIMARY][ps.offsets[xi] : ps.offsets[xi + 1]],
        old.vectors[PRIMARY][old.offsets[oi] : old.offsets[oi + 1]],
    )
    emb.seen.clear()
    m.remove(["r0", "r1"])
    assert emb.seen == [] and m.n_passages_reembedded_ == 0
    assert m.index_.passages.n_records == len(directory) - 2
    m.add([dict(_rows()[0], id="new", name="Knitting Club New")])
    # one passage, "name. description": the record's own text, embedded once (cache)
    assert m.n_passages_reembedded_ == 1
    assert emb.seen == [
        "Knitting Club New. Knitting and crochet for all ages. Bring your own yarn to meeting 0."
    ]


def test_the_multilingual_passages_follow_their_vector_set(directory):
    cache = EmbeddingCache()
    sets = embed_directory(directory, HashingEmbedder(64), cache, multilingual=HashingEmbedder(32))
    ps = embed_passages(directory, sets, cache, PassageOptions())
    assert set(ps.vectors) == {PRIMARY, MULTILINGUAL}
    assert ps.vectors[MULTILINGUAL].shape == (len(ps), 32)
    index = rxmatch.index.build_index(directory, sets, passages=ps)
    other = TextSpace(
        HashingEmbedder(16),
        np.zeros((len(directory), 16), np.float32),
        np.zeros((len(sets[MULTILINGUAL].prototypes), 16), np.float32),
    )
    replaced = index.with_vector_set(MULTILINGUAL, other)
    assert set(replaced.passages.vectors) == {PRIMARY}
    with pytest.raises(InvalidParameterError):
        index.with_passages(PassageSet(PassageOptions(), np.zeros(2, np.int64), {}))


def test_index_info_describes_the_passages(directory, tmp_path):
    from rxmatch.cli import index_info

    _matcher(PassageOptions()).fit(directory).save(tmp_path / "with")
    _matcher(None).fit(directory).save(tmp_path / "without")
    n = len(_matcher(PassageOptions()).fit(directory).index_.passages)
    info = index_info(tmp_path / "with")
    assert info["passages"] == (
        f"{n} passages (windows of 2 sentences, at most 12 per resource; primary; float16)"
    )
    assert index_info(tmp_path / "without")["passages"] is None


def test_the_default_model_builds_passages_and_finds_its_own_passage(demo_matcher):
    """A ``model`` test: the bundled model (``demo_matcher`` fixture, default parameters)."""
    index = demo_matcher.index_
    ps = index.passages
    assert ps is not None and ps.options == PassageOptions()
    assert set(ps.vectors) == {PRIMARY} | ({MULTILINGUAL} if index.multilingual else set())
    # the record with the most passages; one of its passages, embedded as a query
    r = int(np.argmax(np.diff(ps.offsets)))
    t = index.table
    split = PassageOptions().split([t.descriptions[r]], [t.names[r]])
    assert len(split) == ps.offsets[r + 1] - ps.offsets[r] >= 2
    k = len(split) - 1
    v = np.asarray(index.embedder.encode([split.texts[k]]), dtype=np.float32)[0]
    best = ps.similarity(PRIMARY, np.array([r]), v)[0]
    assert best == pytest.approx(1.0, abs=5e-3)  # its own passage, to float16 precision
    assert best > float(t.embeddings[r] @ v) + 0.02  # closer than the whole record
    norms = np.linalg.norm(ps.vectors[PRIMARY].astype(np.float32), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=5e-3)


def test_the_explanation_quotes_the_passage_that_raised_the_match(directory):
    m = _matcher(PassageOptions(), weights=SEMANTIC_ONLY, care_penalty=0.0).fit(directory)
    recs = m.recommend(REF, k=11)
    top = recs[0]
    assert top.resource_id == "x"
    quotes = [r for r in top.reasons if r.startswith("its description says: ")]
    assert len(quotes) == 1 and "A quilting circle meets on Tuesdays" in quotes[0]
    assert "Family Services Agency" not in quotes[0]  # the description's words, no prefix
    # one-passage records are never quoted (their passage is the whole description)
    assert not any(r.startswith("its description says") for m_ in recs[1:] for r in m_.reasons)
    # without passages, no quote
    off = m.set_params(passages=None).recommend(REF, k=11)
    assert not any(r.startswith("its description says") for m_ in off for r in m_.reasons)
