"""rxmatch.rank.batch: what recommend and recommend_many check and gather around the
ranking."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rxmatch.exceptions import InvalidParameterError, ReferralError
from rxmatch.features.facets import split_facets
from rxmatch.features.query import EncodedQuery
from rxmatch.rank import batch
from rxmatch.referral import Referral


def test_as_referral_takes_a_referral_or_a_mapping():
    r = Referral("I used to paint", postal_code="94401")
    assert batch.as_referral(r) is r
    made = batch.as_referral({"what_matters": "I used to paint", "postal_code": "94401"})
    assert made.what_matters == r.what_matters and made.postal_code == "94401"
    with pytest.raises(ReferralError):
        batch.as_referral("I used to paint")


@pytest.mark.parametrize("k, want", [(1, 1), (12, 12), (np.int64(3), 3)])
def test_check_k_gives_an_int(k, want):
    got = batch.check_k(k)
    assert got == want and type(got) is int


@pytest.mark.parametrize("k", [0, -2, True, 2.0, "3", None])
def test_check_k_refuses_what_is_not_a_positive_integer(k):
    with pytest.raises(InvalidParameterError, match="k must"):
        batch.check_k(k)


def test_check_query_vector_wants_dim_finite_numbers():
    batch.check_query_vector(np.ones(4), 4)
    batch.check_query_vector([[0.5, 0.5, 0.5, 0.5]], 4)  # raveled
    for bad in (np.ones(3), np.array([1.0, np.nan, 0.0, 0.0])):
        with pytest.raises(InvalidParameterError, match="4 finite numbers"):
            batch.check_query_vector(bad, 4)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "what_matters": ["I used to paint", "chess", "walks by the sea"],
            "postal_code": ["94401", "not a zip", "94401"],
        }
    )


def test_read_referrals_numbers_them_and_reports_the_rows_it_skips():
    refs, skipped = batch.read_referrals(_table(), "skip")
    assert [r.referral_id for r in refs] == ["0", "2"]
    assert [r.what_matters for r in refs] == ["I used to paint", "walks by the sea"]
    assert len(skipped) == 1 and skipped[0]["row"] == 1
    assert skipped[0]["field"] == "postal_code"
    given = [Referral("x", postal_code="94401", referral_id="p-7")]
    assert batch.read_referrals(given, "raise")[0][0].referral_id == "p-7"


def test_read_referrals_raises_naming_the_row_or_refuses_the_errors_mode():
    with pytest.raises(ReferralError, match="row 1"):
        batch.read_referrals(_table(), "raise")
    with pytest.raises(InvalidParameterError, match="errors must be"):
        batch.read_referrals(_table(), "ignore")


def test_matches_table_is_empty_with_the_report_and_warns_on_skips():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = batch.matches_table([], [])
    assert empty.empty and empty.attrs["skipped"] == []
    report = [{"row": 1, "field": "postal_code", "reason": "bad"}]
    with pytest.warns(UserWarning, match="1 referrals skipped"):
        out = batch.matches_table([], report)
    assert out.attrs["skipped"] == report


FACETS = split_facets("I used to paint")


class _Reach:
    def __init__(self):
        self.calls = []

    def online_subsets(self, index, vectors, wants):
        self.calls.append((vectors.copy(), list(wants)))
        return [np.array([i]) for i in range(len(wants))]


class _Index:
    class table:  # noqa: N801 - the one attribute read
        embeddings = np.zeros((5, 3), dtype=np.float32)


def test_online_pools_one_product_for_the_batch_none_outside_the_primary_space():
    refs = [
        Referral("a", postal_code="94401", online_ok=True),
        Referral("b", postal_code="94401", online_ok=True),
        Referral("c", postal_code="94401", online_ok=False),
    ]
    vec = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    encoded = [
        EncodedQuery(vector=vec, facets=FACETS, space="primary"),
        EncodedQuery(vector=np.ones(7, dtype=np.float32), facets=FACETS, space="multilingual"),
        EncodedQuery(vector=vec, facets=FACETS, space="primary"),
    ]
    reach = _Reach()
    pools = batch.online_pools(_Index(), reach, refs, encoded)
    assert len(reach.calls) == 1  # one matrix product for the batch
    vectors, wants = reach.calls[0]
    assert vectors.shape == (3, 3) and not vectors[1].any()  # another space: zeros
    assert wants == [True, False, False]
    assert pools[1] is None and pools[0].tolist() == [0] and pools[2].tolist() == [2]
    assert batch.online_pools(_Index(), reach, [], []) == []
