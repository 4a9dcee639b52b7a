"""Length buckets of the ONNX encoder's batches (no model needed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rxmatch.features.onnx import _length_buckets


def test_a_referral_s_answer_is_not_padded_with_its_wishes() -> None:
    lengths = [60, 18, 15, 12]  # the whole answer, then three wishes
    order = np.arange(4)
    assert [b.tolist() for b in _length_buckets(lengths, order, 64)] == [[0], [1, 2, 3]]


@given(
    st.lists(st.integers(1, 256), min_size=1, max_size=80).map(lambda x: sorted(x, reverse=True)),
    st.integers(1, 16),
)
def test_buckets_cover_every_text_once_in_order(lengths: list[int], batch_size: int) -> None:
    order = np.arange(len(lengths)) + 100  # positions are carried, not recomputed
    buckets = _length_buckets(lengths, order, batch_size)
    assert np.concatenate(buckets).tolist() == order.tolist()
    for b in buckets:
        first = int(b[0]) - 100
        assert 1 <= len(b) <= batch_size
        # no text in a bucket is under half the bucket's longest
        assert all(2 * lengths[int(i) - 100] >= lengths[first] for i in b)
