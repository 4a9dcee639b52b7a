"""Saved indexes are safe (no pickle, nothing executed on load) and whole (a truncated or
corrupted file is an IndexFormatError; a crash mid-save leaves the previous index).

Skipped while ``Matcher.save``/``Matcher.load`` (``rxmatch.persistence``) do not exist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rxmatch
from rxmatch import IndexFormatError, Matcher, Referral

HOME = {"lat": 37.5630, "lon": -122.3255}


@pytest.fixture(scope="module")
def persistence():
    if not hasattr(Matcher, "save") or not hasattr(Matcher, "load"):
        pytest.skip("Matcher.save/Matcher.load are not implemented yet")
    return pytest.importorskip("rxmatch.persistence", reason="rxmatch.persistence not written")


@pytest.fixture(scope="module")
def saved(persistence, hashing_matcher, tmp_path_factory):
    path = tmp_path_factory.mktemp("idx") / "index"
    hashing_matcher.save(path)
    return path


def _load(path: Path) -> Matcher:
    return Matcher.load(path, embedder=rxmatch.HashingEmbedder())


def test_saved_index_has_no_pickle_and_arrays_load_without_it(saved, hashing_matcher):
    files = [p for p in saved.rglob("*") if p.is_file()]
    assert files
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".joblib", ".pt")]
    for p in files:
        assert not p.read_bytes().startswith(b"\x80"), f"{p.name} looks like a pickle"
    npys = [p for p in files if p.suffix == ".npy"]
    assert npys
    for p in npys:
        arr = np.load(p, allow_pickle=False)
        assert arr.dtype != object
    for p in (p for p in files if p.suffix == ".npz"):
        with np.load(p, allow_pickle=False) as z:
            assert all(z[k].dtype != object for k in z.files)
    ref = Referral("painting with friends", **HOME)
    assert _load(saved).recommend(ref, k=5) == hashing_matcher.recommend(ref, k=5)


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("mode", ["truncate", "flip", "delete", "empty"])
def test_damaged_file_is_an_index_format_error(saved, tmp_path, mode):
    files = sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file())
    failures = []
    for name in files:
        d = _copy(saved, tmp_path / f"{mode}-{name.replace('/', '-')}")
        p = d / name
        data = p.read_bytes()
        if mode == "truncate":
            p.write_bytes(data[: len(data) // 2])
        elif mode == "flip":
            i = len(data) // 2
            p.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :])
        elif mode == "delete":
            p.unlink()
        else:
            p.write_bytes(b"")
        try:
            _load(d)
            failures.append((name, "loaded"))
        except IndexFormatError:
            pass
        except Exception as exc:  # noqa: BLE001 - any other error is a finding
            failures.append((name, type(exc).__name__))
    assert not failures, failures


def test_missing_folder_is_an_index_format_error(persistence, tmp_path):
    with pytest.raises((IndexFormatError, FileNotFoundError)):
        _load(tmp_path / "nothing-here")


def test_crash_mid_save_keeps_the_previous_index(
    persistence, hashing_matcher, tmp_path, monkeypatch
):
    path = tmp_path / "index"
    hashing_matcher.save(path)
    before = sorted((p.relative_to(path), p.read_bytes()) for p in path.rglob("*") if p.is_file())
    other = Matcher(rxmatch.HashingEmbedder()).fit(
        rxmatch.Directory.from_frame(hashing_matcher.directory_.to_frame().head(5))
    )

    def boom(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np, "save", boom)
    with pytest.raises(OSError, match="simulated"):
        other.save(path)
    monkeypatch.undo()
    after = sorted((p.relative_to(path), p.read_bytes()) for p in path.rglob("*") if p.is_file())
    assert after == before
    assert len(_load(path).directory_) == len(hashing_matcher.directory_)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "index"]
    assert leftovers == [], leftovers
