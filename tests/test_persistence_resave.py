"""Saving a loaded index again writes its table as loaded, without decoding the Directory."""

from __future__ import annotations

from datetime import date

import pytest

import rxmatch
from rxmatch.exceptions import IndexFormatError
from rxmatch.persistence import read_manifest, save_matcher

REFERRALS = [
    rxmatch.Referral("I used to paint and miss being creative", postal_code="94401"),
    rxmatch.Referral("gardening outdoors with other people", lat=37.56, lon=-122.32, max_km=8),
]


@pytest.fixture(scope="module")
def fitted(demo_directory):
    return rxmatch.Matcher(rxmatch.HashingEmbedder(384), reference_date=date(2026, 1, 1)).fit(
        demo_directory
    )


def test_resave_of_loaded_index_copies_the_table(tmp_path, fitted):
    first = save_matcher(fitted, tmp_path / "a")
    loaded = rxmatch.Matcher.load(first, embedder=rxmatch.HashingEmbedder(384))
    assert loaded.index_.source.directory is None
    second = save_matcher(loaded, tmp_path / "b")
    assert loaded.index_.source.directory is None  # not decoded to save it
    m1, m2 = read_manifest(first), read_manifest(second)
    table = m1["table"]["file"]
    assert m2["table"] == m1["table"]
    assert (second / table).read_bytes() == (first / table).read_bytes()
    assert m2["files"][table] == m1["files"][table]
    assert (second / "report.json").read_text() == (first / "report.json").read_text()
    again = rxmatch.Matcher.load(second, embedder=rxmatch.HashingEmbedder(384))
    assert again.directory_.frame.equals(fitted.directory_.frame)
    for r in REFERRALS:
        assert again.recommend(r, 5).ids == fitted.recommend(r, 5).ids


def test_resave_after_decoding_still_encodes(tmp_path, fitted):
    loaded = rxmatch.Matcher.load(
        save_matcher(fitted, tmp_path / "a"), embedder=rxmatch.HashingEmbedder(384)
    )
    _ = loaded.directory_  # decoded: saved from the Directory in memory
    out = save_matcher(loaded, tmp_path / "b")
    again = rxmatch.Matcher.load(out, embedder=rxmatch.HashingEmbedder(384))
    assert again.directory_.frame.equals(fitted.directory_.frame)


def test_resave_refuses_a_table_changed_since_the_load(tmp_path, fitted):
    first = save_matcher(fitted, tmp_path / "a")
    loaded = rxmatch.Matcher.load(first, embedder=rxmatch.HashingEmbedder(384))
    table = first / read_manifest(first)["table"]["file"]
    table.write_bytes(table.read_bytes()[:-1] + b"x")
    with pytest.raises(IndexFormatError):
        save_matcher(loaded, tmp_path / "b")
    assert not (tmp_path / "b").exists()
