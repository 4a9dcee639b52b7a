"""The fitted state of a Matcher (``rxmatch.state``): the fitted attributes, freshness,
the one-assignment replacement and what a ranking that overlaps it sees."""

from __future__ import annotations

import inspect
from datetime import date

import numpy as np
import pytest

import rxmatch
from rxmatch.exceptions import IndexChangedError, InvalidParameterError, NotFittedError
from rxmatch.rank.scoring import freshness_factor
from rxmatch.state import FittedAttributes, FittedState

ATTRIBUTES = [
    name
    for name, obj in inspect.getmembers(FittedAttributes)
    if isinstance(obj, property) and name.endswith("_")
]


@pytest.fixture(scope="module")
def demo():
    return rxmatch.datasets.load_demo_directory()


def test_the_fitted_attributes_are_documented_properties():
    assert {"index_", "table_", "directory_", "cache_", "freshness_", "categories_"} <= set(
        ATTRIBUTES
    )
    for name in ATTRIBUTES:
        assert inspect.getdoc(getattr(FittedAttributes, name)), name


@pytest.mark.parametrize("name", ATTRIBUTES)
def test_every_fitted_attribute_needs_a_fit(name):
    with pytest.raises(NotFittedError):
        getattr(rxmatch.Matcher(rxmatch.HashingEmbedder()), name)


def test_freshness_follows_today_and_the_stale_penalty(demo):
    m = rxmatch.Matcher(
        rxmatch.HashingEmbedder(), reference_date=date(2026, 1, 1), stale_penalty=0.2
    )
    m.fit(demo)
    index = m.index_
    assert m.reference_date_ == date(2026, 1, 1)
    later = FittedState.of(index, m.cache_, date(2031, 1, 1), 0.2)
    age = (date(2031, 1, 1).toordinal() - index.verified_ordinal) / 365.25
    np.testing.assert_allclose(later.freshness, freshness_factor(age, max_penalty=0.2))
    known = ~np.isnan(index.verified_ordinal)
    assert known.any() and (later.freshness[known] <= m.freshness_[known]).all()
    assert (later.freshness[known] >= 0.8 - 1e-12).all()  # never below 1 - stale_penalty


def test_a_ranking_that_overlaps_a_replacement_raises(demo):
    m = rxmatch.Matcher(rxmatch.HashingEmbedder()).fit(demo)
    state = m._fitted_state()
    m._check_unchanged(state)  # nothing replaced: no error
    m.remove([m.table_.ids[0]])
    with pytest.raises(IndexChangedError):
        m._check_unchanged(state)
    assert len(m.table_) == len(state.index.table) - 1 and m.n_reembedded_ == 0


def test_index_takes_only_an_index_of_the_same_table(demo):
    m = rxmatch.Matcher(rxmatch.HashingEmbedder()).fit(demo)
    other = rxmatch.Matcher(rxmatch.HashingEmbedder()).fit(demo)
    with pytest.raises(InvalidParameterError):
        m.index_ = other.index_
    before = m._fitted_state()
    m.index_ = m.index_.with_vector_set("multilingual", None)
    assert m._fitted_state() is not before and m.table_ is before.index.table
