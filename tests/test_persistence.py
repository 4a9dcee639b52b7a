"""Saved indexes: round trip, integrity checks, model identity, atomic replacement, no pickle."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch import persistence
from rxmatch.persistence import FORMAT_VERSION, read_manifest, save_matcher

REFERRALS = [
    rxmatch.Referral("I used to paint and miss being creative", postal_code="94401"),
    rxmatch.Referral("gardening outdoors with other people", lat=37.56, lon=-122.32, max_km=8),
    rxmatch.Referral(
        "lonely, want to meet people",
        postal_code="94063",
        age=72,
        availability=["weekday mornings"],
        languages=["spanish"],
    ),
]


@pytest.fixture(scope="module")
def hashing_matcher(demo_directory):
    return rxmatch.Matcher(
        rxmatch.HashingEmbedder(384),
        reference_date=date(2026, 1, 1),
        diversity=0.2,
        n=7,
        weights=rxmatch.Weights(semantic=0.6, lexical=0.1, distance=0.3),
    ).fit(demo_directory)


@pytest.fixture()
def saved(tmp_path, hashing_matcher) -> Path:
    return save_matcher(hashing_matcher, tmp_path / "index")


def _same_value(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _assert_same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        bad = [(x, y) for x, y in zip(a[col], b[col]) if not _same_value(x, y)]
        assert not bad, f"column {col!r} differs after the round trip: {bad[:3]}"


def _recs(m: rxmatch.Matcher) -> list[pd.DataFrame]:
    return [m.recommend(r, k=8).to_frame() for r in REFERRALS]


def test_round_trip_same_recommendations_and_table(saved, hashing_matcher, demo_directory):
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    _assert_same_frame(demo_directory.frame, loaded.directory_.frame)
    assert loaded.directory_.report == demo_directory.report
    # fit re-normalizes the stored unit vectors, which may move the last bit
    np.testing.assert_allclose(
        np.asarray(loaded.table_.embeddings),
        np.asarray(hashing_matcher.table_.embeddings),
        rtol=0,
        atol=1e-6,
    )
    for a, b in zip(_recs(hashing_matcher), _recs(loaded)):
        assert len(a) > 0
        pd.testing.assert_frame_equal(a, b)
    # configuration survives, including the date freshness is computed against
    params = persistence._config_params(rxmatch.Matcher)
    assert {"n", "diversity", "decay_kind"} <= set(params)
    for p in params:
        assert getattr(loaded, p) == getattr(hashing_matcher, p), p
    assert loaded.n == 7 and loaded.diversity == 0.2
    assert loaded.weights == hashing_matcher.weights
    assert loaded.reference_date_ == date(2026, 1, 1)


def test_round_trip_real_model(tmp_path, demo_matcher, st_embedder):
    path = save_matcher(demo_matcher, tmp_path / "st")
    loaded = rxmatch.Matcher.load(path, embedder=st_embedder)
    for a, b in zip(_recs(demo_matcher), _recs(loaded)):
        pd.testing.assert_frame_equal(a, b)
    assert read_manifest(path)["model"] == {"name": "all-MiniLM-L6-v2", "dim": 384}


def test_embeddings_file_is_memory_mappable(saved):
    arr = np.load(saved / "embeddings.npy", mmap_mode="r", allow_pickle=False)
    assert isinstance(arr, np.memmap)
    assert arr.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(arr, axis=1), 1.0, atol=1e-5)


def test_loaded_matcher_keeps_the_memory_map(saved):
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384), mmap=True)
    assert isinstance(loaded.table_.embeddings, np.memmap)


def test_csv_table_when_pyarrow_is_missing(tmp_path, hashing_matcher, demo_directory, monkeypatch):
    monkeypatch.setattr(persistence, "has_pyarrow", lambda: False)
    path = save_matcher(hashing_matcher, tmp_path / "csv")
    assert (path / "resources.csv").is_file()
    assert not (path / "resources.parquet").exists()
    loaded = rxmatch.Matcher.load(path, embedder=rxmatch.HashingEmbedder(384), mmap=False)
    _assert_same_frame(demo_directory.frame, loaded.directory_.frame)
    pd.testing.assert_frame_equal(
        hashing_matcher.recommend(REFERRALS[0], k=5).to_frame(),
        loaded.recommend(REFERRALS[0], k=5).to_frame(),
    )


def test_manifest_records_checksums_of_every_file(saved):
    manifest = read_manifest(saved)
    on_disk = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json"}
    assert any(name.startswith("arrays/") for name in manifest["files"])
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["rxmatch_version"] == rxmatch.__version__
    assert manifest["model"] == {"name": "hashing-384-0", "dim": 384}


def test_no_pickle_anywhere(saved):
    for p in (p for p in saved.rglob("*") if p.is_file()):
        head = p.read_bytes()[:8]
        assert not head.startswith(b"\x80"), f"{p.name} looks like a pickle"
        assert p.suffix in {".npy", ".npz", ".json", ".parquet", ".csv"}, p.name
    for name in ("embeddings.npy", "prototypes.npy"):
        np.load(saved / name, allow_pickle=False)
    assert np.load(saved / "arrays" / "fuzzy.data.npy", allow_pickle=False).size > 0


def test_corrupted_file_is_named(saved):
    p = saved / "resources.parquet"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    p.write_bytes(bytes(data))
    with pytest.raises(rxmatch.IndexFormatError, match=r"resources\.parquet.*corrupted"):
        rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))


def test_truncated_embeddings_are_named(saved):
    p = saved / "embeddings.npy"
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(rxmatch.IndexFormatError, match=r"embeddings\.npy.*truncated"):
        rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))


def test_missing_file_is_named(saved):
    (saved / "config.json").unlink()
    with pytest.raises(rxmatch.IndexFormatError, match=r"config\.json.*missing"):
        rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))


def test_different_model_is_refused(saved):
    with pytest.raises(rxmatch.IndexFormatError, match="saved with model 'hashing-384-0'.*loading"):
        rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384, seed=1))
    with pytest.raises(rxmatch.IndexFormatError, match="dim 384.*dim 256"):
        rxmatch.Matcher.load(
            saved, embedder=_Renamed(rxmatch.HashingEmbedder(256), "hashing-384-0")
        )


class _Renamed:
    """An embedder that claims another model's name (to test the dim check alone)."""

    def __init__(self, inner, name):
        self.inner, self.name = inner, name

    @property
    def dim(self):
        return self.inner.dim

    def encode(self, texts, **kw):
        return self.inner.encode(texts, **kw)


def test_format_version_mismatch(saved):
    mpath = saved / "manifest.json"
    manifest = json.loads(mpath.read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    mpath.write_text(json.dumps(manifest))
    with pytest.raises(
        rxmatch.IndexFormatError, match=f"format version {FORMAT_VERSION + 1} .* not supported"
    ):
        rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))


def test_not_an_index(tmp_path):
    with pytest.raises(rxmatch.IndexFormatError, match="no saved index"):
        rxmatch.Matcher.load(tmp_path / "nothing", embedder=rxmatch.HashingEmbedder(384))
    (tmp_path / "empty").mkdir()
    with pytest.raises(rxmatch.IndexFormatError, match="manifest.json is missing"):
        rxmatch.Matcher.load(tmp_path / "empty", embedder=rxmatch.HashingEmbedder(384))


def _other_matcher(demo_directory) -> rxmatch.Matcher:
    frame = demo_directory.frame.iloc[:20]
    small = rxmatch.Directory(frame, rxmatch.LoadReport("first-20", 20, 20))
    return rxmatch.Matcher(rxmatch.HashingEmbedder(384)).fit(small)


def test_crash_before_swap_keeps_old_index(saved, demo_directory, monkeypatch):
    def crash(path):
        raise KeyboardInterrupt("simulated crash after writing the files")

    monkeypatch.setattr(persistence, "_fsync_dir", crash)
    with pytest.raises(KeyboardInterrupt):
        save_matcher(_other_matcher(demo_directory), saved)
    monkeypatch.undo()
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    assert len(loaded.directory_) == len(demo_directory)
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # temp folder removed


def test_crash_during_swap_restores_old_index(saved, demo_directory, monkeypatch):
    real_replace = persistence.os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old index moved aside; the new one fails to move in
            raise OSError("simulated failure while renaming")
        return real_replace(src, dst)

    monkeypatch.setattr(persistence.os, "replace", flaky_replace)
    with pytest.raises(OSError, match="simulated"):
        save_matcher(_other_matcher(demo_directory), saved)
    monkeypatch.undo()
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    assert len(loaded.directory_) == len(demo_directory)


def test_save_replaces_existing_index(saved, demo_directory):
    save_matcher(_other_matcher(demo_directory), saved)
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    assert len(loaded.directory_) == 20
    assert loaded.directory_.report.source == "first-20"
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_unfitted_matcher_cannot_be_saved(tmp_path):
    with pytest.raises(rxmatch.NotFittedError):
        save_matcher(rxmatch.Matcher(rxmatch.HashingEmbedder(384)), tmp_path / "x")


# ---- format 2: the fitted index as arrays ---------------------------------------------------
MANY = [
    *REFERRALS,
    rxmatch.Referral("walking group, my knees are bad", postal_code="94403", age=80),
    rxmatch.Referral(
        "volunteer with animals", postal_code="94401", availability=["Sat 10:00-14:00"]
    ),
    rxmatch.Referral("clases de cocina", postal_code="94063", languages=["spanish"], age=30),
    rxmatch.Referral(
        "food bank", postal_code="94401", free_only=True, accessibility_needs=["wheelchair"]
    ),
    rxmatch.Referral(
        "choir", postal_code="94401", availability=["weekday mornings"], availability_required=True
    ),
]


def _frames_and_exclusions(m, refs):
    out = []
    for r in refs:
        recs = m.recommend(r, k=8)
        frame = recs.to_frame().astype(object)
        rows = frame.where(frame.notna(), None).to_dict("records")  # NaN != NaN
        out.append((rows, recs.excluded, recs.notes))
    return out


def test_loaded_index_ranks_explains_and_excludes_as_the_fitted_one(saved, hashing_matcher):
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    assert _frames_and_exclusions(loaded, MANY) == _frames_and_exclusions(hashing_matcher, MANY)


def test_load_builds_nothing_and_decodes_the_directory_only_when_asked(saved, monkeypatch):
    calls = []
    real = persistence._decode_frame
    monkeypatch.setattr(
        persistence, "_decode_frame", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    monkeypatch.setattr(
        rxmatch.features.FuzzyIndex, "fit", lambda *a, **k: pytest.fail("re-tokenized on load")
    )
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    assert len(loaded.recommend(REFERRALS[0], k=5)) == 5
    assert calls == []
    assert len(loaded.directory_) == loaded.table_.embeddings.shape[0]
    assert calls == [1]
    assert loaded.directory_ is loaded.directory_
    assert calls == [1]


def test_loaded_index_arrays_are_memory_mapped_and_read_only(saved):
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384), mmap=True)
    stored = np.load(saved / "arrays" / "fuzzy.indices.npy", mmap_mode="r")
    indices = loaded.table_.fuzzy.matrix_.indices
    assert not indices.flags.writeable  # a view of the read-only map, not a copy
    np.testing.assert_array_equal(indices, stored)
    mask = loaded.eligibility_.lang_mask
    assert not mask.flags.writeable and not mask.flags.owndata  # mapped, not read in
    with pytest.raises(ValueError):
        loaded.table_.lat[0] = 0.0


def test_loaded_index_can_be_updated_and_saved_again(saved, tmp_path, hashing_matcher):
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    first = loaded.directory_.frame.iloc[0]["id"]
    loaded.remove([first])
    assert loaded.n_reembedded_ == 0
    assert first not in set(loaded.table_.ids)
    again = rxmatch.Matcher.load(
        save_matcher(loaded, tmp_path / "again"), embedder=loaded.embedder_
    )
    assert _frames_and_exclusions(again, MANY) == _frames_and_exclusions(loaded, MANY)


def test_version_1_index_still_loads(saved, hashing_matcher):
    import shutil

    manifest = read_manifest(saved)
    shutil.rmtree(saved / "arrays")
    (saved / "index_meta.json").unlink()
    manifest["format_version"] = 1
    manifest["files"] = {
        k: v
        for k, v in manifest["files"].items()
        if not k.startswith("arrays/") and k != "index_meta.json"
    }
    (saved / "manifest.json").write_text(json.dumps(manifest))
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    assert _frames_and_exclusions(loaded, MANY) == _frames_and_exclusions(hashing_matcher, MANY)


def test_geo_grid_reloaded_from_its_arrays(saved, hashing_matcher):
    geo = hashing_matcher.table_.geo
    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384)).table_.geo
    np.testing.assert_array_equal(loaded._order, geo._order)
    for lat, lon, r in [(37.56, -122.32, 5.0), (37.45, -122.2, 12.0), (0.0, 0.0, 50.0)]:
        a, da = geo.query_radius(lat, lon, r)
        b, db = loaded.query_radius(lat, lon, r)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(da, db)
    arrays, meta = geo.state()
    with pytest.raises(ValueError):
        rxmatch.features.GeoIndex.from_state(geo.lat[:-1], geo.lon[:-1], arrays, meta)


@pytest.mark.realdata
def test_real_directory_round_trip_through_the_arrays(shared_data, tmp_path):
    import warnings

    from rxmatch.io import load_ohana

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rxmatch.SkippedRowsWarning)
        smc = load_ohana(shared_data / "ohana-smc")
    m = rxmatch.Matcher(rxmatch.HashingEmbedder(256), reference_date=date(2026, 1, 1)).fit(smc)
    loaded = rxmatch.Matcher.load(
        save_matcher(m, tmp_path / "smc"), embedder=rxmatch.HashingEmbedder(256)
    )
    assert len(loaded.table_) == len(smc) > 1600
    refs = [
        rxmatch.Referral("food pantry and help with rent", postal_code="94063"),
        rxmatch.Referral("counseling in Spanish", postal_code="94401", languages=["spanish"]),
        rxmatch.Referral(
            "senior center activities",
            postal_code="94010",
            age=75,
            availability=["weekday mornings"],
        ),
    ]
    assert _frames_and_exclusions(loaded, refs) == _frames_and_exclusions(m, refs)
    assert list(loaded.table_.ids) == list(smc.frame["id"])
    assert list(loaded.table_.sessions) == list(smc.frame["sessions"])


def test_loaded_index_pickles_for_worker_processes(saved, hashing_matcher):
    import pickle

    loaded = rxmatch.Matcher.load(saved, embedder=rxmatch.HashingEmbedder(384))
    copy = pickle.loads(pickle.dumps(loaded))
    assert _frames_and_exclusions(copy, MANY) == _frames_and_exclusions(hashing_matcher, MANY)
    assert len(copy.directory_) == len(hashing_matcher.directory_)
