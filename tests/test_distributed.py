"""Batch matching on Dask gives exactly what Matcher.recommend_many gives."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

import rxmatch
from rxmatch.distributed import DaskUnavailableError, recommend_many_dask

pytest.importorskip("dask.dataframe", reason="the optional Dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")

TEXTS = [
    "I used to paint and miss being creative",
    "gardening and being outdoors",
    "lonely since my husband died, want to meet people",
    "gentle exercise for bad knees",
    "help with money and rent",
]
ZIPS = ["94401", "94063", "94010", "94403", "94070"]


@pytest.fixture(scope="module")
def matcher(demo_directory):
    return rxmatch.Matcher(rxmatch.HashingEmbedder(384)).fit(demo_directory)


@pytest.fixture(scope="module")
def referrals() -> pd.DataFrame:
    n = 23  # not a multiple of the partition count
    return pd.DataFrame(
        {
            "what_matters": [TEXTS[i % len(TEXTS)] for i in range(n)],
            "postal_code": [ZIPS[(i * 3) % len(ZIPS)] for i in range(n)],
            "age": [30 + 2 * i for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_equal_to_recommend_many_on_a_cluster(matcher, referrals, client):
    expected = matcher.recommend_many(referrals, k=4)
    got = recommend_many_dask(matcher, referrals, k=4, npartitions=3, client=client)
    assert len(expected) > len(referrals)  # several matches per referral
    pd.testing.assert_frame_equal(got, expected)


def test_matcher_is_scattered_once_not_per_task(demo_directory, referrals, client):
    fresh = rxmatch.Matcher(rxmatch.HashingEmbedder(384)).fit(demo_directory)
    before = set(client.who_has())
    recommend_many_dask(fresh, referrals, k=3, npartitions=5, client=client)
    recommend_many_dask(fresh, referrals, k=3, npartitions=4, client=client)
    after = client.who_has()
    scattered = [key for key in after if key not in before and "_Ref" in str(key)]
    # one object for 9 tasks in two calls, held by both workers (broadcast)
    assert len(scattered) == 1
    assert len(after[scattered[0]]) == 2
    fresh.fit(demo_directory)  # a refit ships the new state
    recommend_many_dask(fresh, referrals, k=3, npartitions=2, client=client)
    again = [key for key in client.who_has() if key not in before and "_Ref" in str(key)]
    assert len(set(again) - set(scattered)) == 1  # (the stale copy is released)


def test_equal_with_local_threads_and_given_ids(matcher, referrals):
    frame = referrals.assign(referral_id=[f"p{i}" for i in range(len(referrals))])
    expected = matcher.recommend_many(frame, k=5)
    got = recommend_many_dask(matcher, frame, k=5, npartitions=4)
    pd.testing.assert_frame_equal(got, expected)
    assert set(got["referral_id"]) == set(frame["referral_id"])


def test_saved_index_path_loaded_once_per_worker(tmp_path, matcher, referrals, client):
    path = matcher.save(tmp_path / "index") or tmp_path / "index"
    expected = matcher.recommend_many(referrals, k=4)
    got = recommend_many_dask(
        path, referrals, k=4, npartitions=4, client=client, embedder=rxmatch.HashingEmbedder(384)
    )
    pd.testing.assert_frame_equal(got, expected)


def test_dask_dataframe_input_needs_ids(matcher, referrals):
    import dask.dataframe as dd

    ddf = dd.from_pandas(referrals, npartitions=2)
    with pytest.raises(rxmatch.InvalidParameterError, match="referral_id"):
        recommend_many_dask(matcher, ddf, k=3)
    with_ids = referrals.assign(referral_id=[str(i) for i in range(len(referrals))])
    got = recommend_many_dask(matcher, dd.from_pandas(with_ids, npartitions=3), k=3)
    pd.testing.assert_frame_equal(got, matcher.recommend_many(with_ids, k=3))


def test_clear_error_without_dask(matcher, referrals, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(DaskUnavailableError, match=r"pip install 'dask\[dataframe\]'"):
        recommend_many_dask(matcher, referrals, k=3)


def test_shipped_matcher_survives_pickling_with_its_locks(matcher, referrals):
    """Dask moves task data between processes with pickle; the matcher's embedding cache
    and the model loader hold threading locks, which the transport must handle."""
    import pickle

    from rxmatch.distributed import _Ref

    copy = pickle.loads(pickle.dumps(_Ref(matcher))).obj
    pd.testing.assert_frame_equal(
        copy.recommend_many(referrals, k=3), matcher.recommend_many(referrals, k=3)
    )
    emb = pickle.loads(pickle.dumps(_Ref(rxmatch.SentenceTransformerEmbedder()))).obj
    assert emb.name == "all-MiniLM-L6-v2"
