"""A loaded index gives the resource's contact details in ``to_dict()`` (issue 14): the
address, city, postal code, phone and url are stored as string arrays beside the table,
so they round-trip without decoding the saved Directory."""

from __future__ import annotations

import json
import shutil

import pytest

import rxmatch
from rxmatch.persistence import read_manifest
from rxmatch.rank.results import resource_facts
from rxmatch.records import CONTACT_FIELDS as CONTACT_COLUMNS

REFS = [
    rxmatch.Referral("painting class", postal_code="94401"),
    rxmatch.Referral("food help and rent advice", postal_code="94403"),
    rxmatch.Referral("online support group", online_only=True),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    m = rxmatch.Matcher(rxmatch.HashingEmbedder(), multilingual=None).fit(
        rxmatch.datasets.load_demo_directory()
    )
    path = tmp_path_factory.mktemp("contacts") / "idx"
    m.save(path)
    return m, path


def test_contact_details_round_trip_through_a_saved_index(saved):
    fitted, path = saved
    loaded = rxmatch.Matcher.load(path, embedder=rxmatch.HashingEmbedder())
    assert loaded.index_.source.directory is None  # not decoded: the contacts come from the arrays
    seen = 0
    for ref in REFS:
        want = fitted.recommend(ref, k=10).to_dict()
        got = loaded.recommend(ref, k=10).to_dict()
        assert loaded.index_.source.directory is None
        for a, b in zip(got["matches"], want["matches"]):
            assert {k: a["resource"][k] for k in CONTACT_COLUMNS} == {
                k: b["resource"][k] for k in CONTACT_COLUMNS
            }
            seen += sum(a["resource"][k] is not None for k in ("address", "phone", "url"))
        assert json.loads(loaded.recommend(ref, k=10).to_json()) == got
    assert seen > 0  # the demo directory has contact details: they are not all None


def test_the_contact_values_are_the_directorys(saved):
    fitted, path = saved
    loaded = rxmatch.Matcher.load(path, embedder=rxmatch.HashingEmbedder())
    frame = fitted.directory_.frame
    for r in range(len(frame)):
        facts = resource_facts(loaded.index_, r)
        for col in CONTACT_COLUMNS:
            v = frame[col].iloc[r]
            assert facts[col] == (None if v is None or v != v else str(v))


def test_an_index_saved_before_the_contact_arrays_still_loads(saved, tmp_path):
    """Without the arrays (an older index) the contacts are None until the Directory is
    decoded, as before."""
    _, path = saved
    old = tmp_path / "old"
    shutil.copytree(path, old)
    manifest = read_manifest(old)
    for name in [f for f in manifest["files"] if f.startswith("arrays/contact.")]:
        (old / name).unlink()
        del manifest["files"][name]
    (old / "manifest.json").write_text(json.dumps(manifest))
    loaded = rxmatch.Matcher.load(old, embedder=rxmatch.HashingEmbedder())
    assert all(resource_facts(loaded.index_, 0)[c] is None for c in CONTACT_COLUMNS)
    assert len(loaded.directory_) == len(saved[0].directory_)  # decoded: contacts are back
    assert (
        resource_facts(loaded.index_, 0)["phone"]
        == resource_facts(rxmatch.Matcher.load(path, embedder=rxmatch.HashingEmbedder()).index_, 0)[
            "phone"
        ]
    )


def test_a_resaved_loaded_index_keeps_the_contacts(saved, tmp_path):
    fitted, path = saved
    loaded = rxmatch.Matcher.load(path, embedder=rxmatch.HashingEmbedder())
    loaded.save(tmp_path / "again")
    again = rxmatch.Matcher.load(tmp_path / "again", embedder=rxmatch.HashingEmbedder())
    for r in (0, 5, len(fitted.directory_) - 1):
        assert resource_facts(again.index_, r) == resource_facts(fitted.index_, r)
