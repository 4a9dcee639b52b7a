"""The query stage: the text embedded as the whole answer, the facets embedded on their
own, and a bare vector completed into an EncodedQuery."""

from __future__ import annotations

import numpy as np
import pytest

from rxmatch import Referral
from rxmatch.features.facets import split_facets
from rxmatch.features.query import EncodedQuery, QueryEncoder, facet_texts
from rxmatch.features.text import EmbeddingCache, HashingEmbedder
from rxmatch.index import build_index, embed_directory

WORDS = (
    "I'd like to try gardening. I also want to learn painting. I don't like singing. "
    "My knees are bad."
)


@pytest.fixture(scope="module")
def index(demo_directory):
    sets = embed_directory(demo_directory, HashingEmbedder(64), EmbeddingCache())
    return build_index(demo_directory, sets)


def test_main_text_leaves_out_dislikes_and_optionally_barriers():
    f = split_facets(WORDS)
    kept = QueryEncoder().main_text(WORDS, f)
    assert "singing" not in kept and "gardening" in kept and "painting" in kept
    # with nothing to leave out, the words are embedded as they are
    plain = "I'd like to try gardening. My knees are bad."
    fp = split_facets(plain)
    assert QueryEncoder().main_text(plain, fp) == plain
    assert "knees" not in QueryEncoder(query_without_barriers=True).main_text(plain, fp)
    assert QueryEncoder(facets=False).main_text(WORDS, f) == WORDS
    interests, dislikes = facet_texts(f)
    assert len(interests) == 2 and dislikes == ["singing"]


def test_encode_many_embeds_the_whole_answer_and_the_facets(index):
    ref = Referral(what_matters=WORDS, lat=37.5, lon=-122.3)
    enc = QueryEncoder().encode_many(index, [ref])[0]
    emb = index.embedder
    main = QueryEncoder.query_text(index, QueryEncoder().main_text(WORDS, enc.facets))
    np.testing.assert_allclose(enc.vector, emb.encode([main])[0], atol=1e-6)
    assert enc.interest_vectors.shape == (2, 64) and enc.dislike_vectors.shape == (1, 64)
    assert enc.space == "primary" and enc.ensemble_vector is None  # no multilingual set
    assert QueryEncoder().encode_many(index, []) == []


def test_resolve_completes_a_bare_vector_and_drops_facets_when_off(index):
    ref = Referral(what_matters=WORDS, lat=37.5, lon=-122.3)
    v = np.ones(64, dtype=np.float32) / 8.0
    got = QueryEncoder().resolve(index, ref, v)
    assert isinstance(got, EncodedQuery) and got.vector is v
    assert got.interest_vectors is not None and got.named_categories is not None
    off = QueryEncoder(facets=False).resolve(
        index, ref, QueryEncoder().encode_many(index, [ref])[0]
    )
    assert off.facets.all == () or len(off.facets.all) == 0
    assert off.interest_vectors is None and off.dislike_vectors is None
