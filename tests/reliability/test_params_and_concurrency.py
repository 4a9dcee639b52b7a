"""Issue 13 leftovers: parameters refused at fit, NaN query vectors, a misspelt language
explained, and readers that overlap an update get a clear error, never a raw one."""

import threading

import numpy as np
import pytest

import rxmatch
from rxmatch import IndexChangedError, InvalidParameterError


@pytest.fixture(scope="module")
def demo():
    return rxmatch.datasets.load_demo_directory()


@pytest.fixture()
def matcher(demo):
    return rxmatch.Matcher(rxmatch.HashingEmbedder()).fit(demo)


def _ref(**kw):
    return rxmatch.Referral("I would like to paint with other people", postal_code="94401", **kw)


@pytest.mark.parametrize(
    "params",
    [
        dict(decay_kind="evil"),
        dict(decay_scale=float("nan")),
        dict(decay_offset=float("inf")),
        dict(facet_weight=float("nan")),
        dict(barrier_penalty="0.2"),
    ],
)
def test_bad_parameters_are_refused_at_fit(demo, params):
    with pytest.raises(InvalidParameterError):
        rxmatch.Matcher(rxmatch.HashingEmbedder(), **params).fit(demo)


def test_nan_query_vector_is_refused(matcher):
    v = np.full(matcher.table_.embeddings.shape[1], np.nan, dtype=np.float32)
    with pytest.raises(InvalidParameterError, match="query_vector"):
        matcher.recommend(_ref(), query_vector=v)
    with pytest.raises(InvalidParameterError, match="query_vector"):
        matcher.recommend(_ref(), query_vector=np.ones(3))


def test_misspelt_language_is_explained(matcher):
    recs = matcher.recommend(_ref(languages=["Englsh"], online_ok=False))
    assert len(recs) == 0
    assert any("language" in n and "spelling" in n for n in recs.notes)


def test_readers_overlapping_updates_get_a_clear_error(matcher, demo):
    frame = demo.frame
    extra = frame.head(5).assign(id=[f"extra-{i}" for i in range(5)])
    errors: list[BaseException] = []
    ok = [0]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                recs = matcher.recommend(_ref(), k=5)
                assert len(recs) == 5
                ok[0] += 1
            except IndexChangedError:
                pass
            except BaseException as exc:  # noqa: BLE001 - any other error fails the test
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        for _ in range(6):  # each update swaps the index under 8 busy readers
            matcher.add(extra)
            matcher.remove(list(extra["id"]))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, [type(e).__name__ for e in errors]
    assert ok[0] > 0
