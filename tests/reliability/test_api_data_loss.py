"""No data loss through rxmatch's own API (issue 13, part 1).

- ``save`` only ever replaces an absent path or an existing rxmatch index; onto a plain
  file, a symlink or a folder that is not an index it raises IndexPathError and touches
  nothing.
- Id-list parameters refuse a bare ``str``/``bytes`` (``remove("10")`` removed "1" and "0").
- A loaded index checks its lazily read table against the manifest taken at load.
- Manifest paths are confined to the index folder, every file read is listed with a
  checksum, malformed manifest/config/report structures and broken array invariants are
  IndexFormatError (never a raw TypeError/KeyError, never silently served).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rxmatch
from rxmatch import IndexFormatError, InvalidParameterError, Matcher
from rxmatch.exceptions import IndexPathError


def _load(path: Path) -> Matcher:
    return Matcher.load(path, embedder=rxmatch.HashingEmbedder())


def _tree(root: Path) -> list[tuple[str, bytes | str]]:
    """Every entry under ``root`` (and ``root``'s siblings), with file bytes / link targets."""
    out: list[tuple[str, bytes | str]] = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out.append((rel, "-> " + str(p.readlink())))
        elif p.is_file():
            out.append((rel, p.read_bytes()))
        else:
            out.append((rel, "dir"))
    return out


@pytest.fixture(scope="module")
def saved(hashing_matcher, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("saved") / "index"
    hashing_matcher.save(path)
    return path


@pytest.fixture()
def small_matcher(demo_records) -> Matcher:
    """A fresh, small matcher that a test may change (``remove`` works in place)."""
    return Matcher(rxmatch.HashingEmbedder()).fit(
        rxmatch.Directory.from_frame(pd.DataFrame(demo_records[:12]))
    )


# ---- save onto what it did not write -------------------------------------------------------
def test_index_path_error_is_an_index_format_error_and_exported():
    assert issubclass(IndexPathError, IndexFormatError)
    assert rxmatch.IndexPathError is IndexPathError
    assert "IndexPathError" in rxmatch.exceptions.__all__


def test_save_refuses_an_existing_folder_that_is_not_an_index(hashing_matcher, tmp_path):
    target = tmp_path / "my-documents"
    (target / "sub").mkdir(parents=True)
    (target / "thesis.docx").write_bytes(b"years of work")
    (target / "sub" / "notes.txt").write_text("more", "utf-8")
    before = _tree(tmp_path)
    with pytest.raises(IndexPathError, match="not an rxmatch index"):
        hashing_matcher.save(target)
    assert _tree(tmp_path) == before  # nothing deleted, renamed, or left behind


def test_save_refuses_an_empty_existing_folder(hashing_matcher, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexPathError):
        hashing_matcher.save(tmp_path / "empty")
    assert _tree(tmp_path) == [("empty", "dir")]


def test_save_refuses_a_plain_file(hashing_matcher, tmp_path):
    target = tmp_path / "index"
    target.write_bytes(b"not an index")
    with pytest.raises(IndexPathError, match="existing file"):
        hashing_matcher.save(target)
    assert _tree(tmp_path) == [("index", b"not an index")]  # no hidden .old-<hex> copy


@pytest.mark.parametrize("kind", ["to-index", "to-folder", "to-file", "dangling"])
def test_save_refuses_a_symlink(hashing_matcher, saved, tmp_path, kind):
    real = tmp_path / "real"
    if kind == "to-index":
        shutil.copytree(saved, real)
    elif kind == "to-folder":
        real.mkdir()
        (real / "keep.txt").write_text("keep", "utf-8")
    elif kind == "to-file":
        real.write_text("keep", "utf-8")
    link = tmp_path / "link"
    link.symlink_to(real)
    before = _tree(tmp_path)
    with pytest.raises(IndexPathError, match="symbolic link"):
        hashing_matcher.save(link)
    assert link.is_symlink() and link.readlink() == real
    assert _tree(tmp_path) == before


def test_save_refuses_an_index_holding_files_it_did_not_write(hashing_matcher, saved, tmp_path):
    target = shutil.copytree(saved, tmp_path / "index")
    (target / "my-notes.txt").write_text("mine", "utf-8")
    before = _tree(tmp_path)
    with pytest.raises(IndexPathError, match="not part of the index"):
        hashing_matcher.save(target)
    assert _tree(tmp_path) == before


def test_save_still_replaces_an_existing_index(small_matcher, saved, tmp_path):
    target = shutil.copytree(saved, tmp_path / "index")
    small_matcher.save(target)
    assert len(_load(target).directory_) == 12
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


# ---- id lists ------------------------------------------------------------------------------
@pytest.mark.parametrize("ids", ["10", b"10", "r1", bytearray(b"10")])
def test_remove_refuses_a_bare_string(small_matcher, ids):
    before = list(small_matcher.directory_.ids)
    with pytest.raises(InvalidParameterError, match="remove: ids"):
        small_matcher.remove(ids)
    assert list(small_matcher.directory_.ids) == before


@pytest.mark.parametrize("ids", [5, None, {"a": 1}, [1.5], [None]])
def test_remove_refuses_what_is_not_a_list_of_ids(small_matcher, ids):
    with pytest.raises(InvalidParameterError, match="remove: ids"):
        small_matcher.remove(ids)


def test_remove_still_takes_a_list_tuple_set_or_generator(small_matcher):
    ids = small_matcher.directory_.ids
    small_matcher.remove([ids[0]])
    small_matcher.remove((ids[1],))
    small_matcher.remove({ids[2]})
    small_matcher.remove(i for i in [ids[3]])
    assert len(small_matcher.directory_) == 8


@pytest.mark.parametrize("method", ["add", "update"])
@pytest.mark.parametrize("records", ["r1", b"r1"])
def test_add_and_update_refuse_a_string(small_matcher, method, records):
    with pytest.raises(InvalidParameterError, match=method):
        getattr(small_matcher, method)(records)


def test_to_hsds_refuses_a_bare_string(demo_directory):
    from rxmatch.io.hsds_out import to_hsds

    with pytest.raises(InvalidParameterError, match="ids"):
        to_hsds(demo_directory, demo_directory.ids[0])


# ---- a loaded index is the index it was at load -----------------------------------------
def test_loaded_index_refuses_a_table_re_saved_by_another_process(
    hashing_matcher, small_matcher, tmp_path
):
    path = tmp_path / "index"
    hashing_matcher.save(path)
    served = _load(path)
    small_matcher.save(path)  # another process re-saves the folder
    with pytest.raises(IndexFormatError, match="changed since"):
        _ = served.directory_
    record = hashing_matcher.directory_.to_frame().head(1).assign(id="brand-new")
    with pytest.raises(IndexFormatError):
        served.add(record)


def test_loaded_index_refuses_a_table_changed_in_place(saved, tmp_path):
    path = shutil.copytree(saved, tmp_path / "index")
    served = _load(path)
    name = json.loads((path / "manifest.json").read_text("utf-8"))["table"]["file"]
    data = bytearray((path / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (path / name).write_bytes(bytes(data))
    with pytest.raises(IndexFormatError):
        _ = served.directory_


# ---- manifest, config and report -----------------------------------------------------------
def _edit(saved: Path, tmp_path: Path, change) -> Path:
    """A copy of the index with ``change(folder, manifest)`` applied; the manifest's
    checksums are recomputed for every listed file that still exists (so that only the
    structure is at fault, not a checksum)."""
    d = shutil.copytree(saved, tmp_path / "edited")
    mpath = d / "manifest.json"
    manifest = json.loads(mpath.read_text("utf-8"))
    change(d, manifest)
    if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict):
        for name, meta in manifest["files"].items():
            p = d / name
            if isinstance(meta, dict) and "sha256" in meta and p.is_file() and name[:1] not in "/.":
                meta["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
                meta["bytes"] = p.stat().st_size
    mpath.write_text(json.dumps(manifest), "utf-8")
    return d


def _table_outside(d: Path, m: dict) -> None:
    name = m["table"]["file"]
    outside = d.parent / f"outside{Path(name).suffix}"
    shutil.copy(d / name, outside)
    m["table"]["file"] = f"../{outside.name}"


def _table_absolute(d: Path, m: dict) -> None:
    name = m["table"]["file"]
    outside = d.parent / f"abs{Path(name).suffix}"
    shutil.copy(d / name, outside)
    m["table"]["file"] = str(outside)


def _table_unlisted(d: Path, m: dict) -> None:
    name = m["table"]["file"]
    shutil.copy(d / name, d / f"copy{Path(name).suffix}")
    m["table"]["file"] = f"copy{Path(name).suffix}"


def _files_escape(d: Path, m: dict) -> None:
    (d.parent / "secret.npy").write_bytes(b"x")
    m["files"]["../secret.npy"] = {"sha256": "0" * 64, "bytes": 1}


def _files_absolute(d: Path, m: dict) -> None:
    m["files"]["/etc/hostname"] = {"sha256": "0" * 64, "bytes": 1}


def _symlinked_file(d: Path, m: dict) -> None:
    real = d.parent / "real-config.json"
    shutil.move(d / "config.json", real)
    (d / "config.json").symlink_to(real)


def _no_checksum(d: Path, m: dict) -> None:
    del m["files"]["config.json"]["sha256"]


@pytest.mark.parametrize(
    "change",
    [
        _table_outside,
        _table_absolute,
        _table_unlisted,
        _files_escape,
        _files_absolute,
        _symlinked_file,
        _no_checksum,
    ],
)
def test_manifest_paths_are_confined_and_checksummed(saved, tmp_path, change):
    d = _edit(saved, tmp_path, change)
    with pytest.raises(IndexFormatError):
        _ = _load(d).directory_  # the table is read lazily: ask for it too


def _set(key, value):
    def change(d: Path, m: dict) -> None:
        m[key] = value

    change.__name__ = f"manifest[{key!r}]={value!r}"
    return change


def _set_table(key, value):
    def change(d: Path, m: dict) -> None:
        m["table"][key] = value

    return change


def _write(name, obj):
    def change(d: Path, m: dict) -> None:
        (d / name).write_text(json.dumps(obj), "utf-8")

    return change


def _patch_json(name, key, value):
    def change(d: Path, m: dict) -> None:
        obj = json.loads((d / name).read_text("utf-8"))
        obj[key] = value
        (d / name).write_text(json.dumps(obj), "utf-8")

    return change


MALFORMED = {
    "files-list": _set("files", ["config.json"]),
    "files-meta-str": _set("files", {"config.json": "abc"}),
    "model-str": _set("model", "hashing"),
    "model-no-dim": _set("model", {"name": "x"}),
    "n-str": _set("n_resources", "many"),
    "n-negative": _set("n_resources", -1),
    "table-str": _set("table", "resources.parquet"),
    "table-file-int": _set_table("file", 3),
    "table-columns-str": _set_table("columns", "id"),
    "table-encodings-list": _set_table("encodings", []),
    "version-bool": _set("format_version", True),
    "categories-str": _set("categories", "art"),
    "report-list": _write("report.json", []),
    "report-missing-key": _write("report.json", {"source": "x"}),
    "report-bad-problem": _patch_json("report.json", "skipped", [[1]]),
    "report-count-str": _patch_json("report.json", "n_input", "ten"),
    "config-list": _write("config.json", [1, 2]),
    "config-weights-int": _patch_json("config.json", "weights", 5),
    "config-weights-unknown": _patch_json("config.json", "weights", {"nope": 1}),
    "config-date-int": _patch_json("config.json", "fitted_reference_date", 3),
    "config-date-missing": _patch_json("config.json", "fitted_reference_date", None),
    "config-param-dict": _patch_json("config.json", "n", {"a": 1}),
    "config-param-bad": _patch_json("config.json", "n", -3),
    "meta-list": _write("index_meta.json", []),
    "meta-geo-str": _patch_json("index_meta.json", "geo", "grid"),
    "vocab-dict": _write("fuzzy_vocab.json", {"a": 1}),
    "vocab-ints": _write("fuzzy_vocab.json", [1, 2, 3]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_structures_are_index_format_errors(saved, tmp_path, case):
    d = _edit(saved, tmp_path, MALFORMED[case])
    with pytest.raises(IndexFormatError):
        _ = _load(d).directory_


# ---- array invariants ----------------------------------------------------------------------
def _array(name, fn):
    def change(d: Path, m: dict) -> None:
        p = d / "arrays" / f"{name}.npy"
        arr = np.load(p, allow_pickle=False)
        np.save(p, fn(arr.copy()), allow_pickle=False)

    return change


def _swap_middle(a):
    i = len(a) // 2
    a[i] = a[i + 1] + 5  # one step that goes down
    return a


def _first_geo_nan(d: Path, m: dict) -> None:
    rows = np.load(d / "arrays" / "table.geo_rows.npy")
    for key in ("table.lat", "table.lon"):
        p = d / "arrays" / f"{key}.npy"
        a = np.load(p)
        a[rows[0]] = np.nan if key == "table.lat" else np.inf
        np.save(p, a)


def _first_geo_off_earth(d: Path, m: dict) -> None:
    rows = np.load(d / "arrays" / "table.geo_rows.npy")
    p = d / "arrays" / "table.lat.npy"
    a = np.load(p)
    a[rows[0]] = 123.0
    np.save(p, a)


def _set_last(v):
    def fn(a):
        a[-1] = v
        return a

    return fn


def _set_first(v):
    def fn(a):
        a[0] = v
        return a

    return fn


BROKEN = {
    "names-offsets-decrease": _array("text.names.offsets", _swap_middle),
    "descriptions-offsets-decrease": _array("text.descriptions.offsets", _swap_middle),
    "names-offsets-negative-start": _array("text.names.offsets", _set_first(-4)),
    "fuzzy-index-out-of-range": _array("fuzzy.indices", _set_last(10**6)),
    "fuzzy-index-negative": _array("fuzzy.indices", _set_first(-1)),
    "fuzzy-indptr-decrease": _array("fuzzy.indptr", _swap_middle),
    "fuzzy-data-nan": _array("fuzzy.data", lambda a: a.astype(np.float64) * np.nan),
    "geo-order-out-of-range": _array("geo.order", _set_last(10**6)),
    "geo-starts-decrease": _array("geo.starts", _swap_middle),
    "category-out-of-range": _array("derived.category_index", _set_first(99)),
    "category-negative": _array("derived.category_index", _set_first(-5)),
    "geo-coordinates-not-finite": _first_geo_nan,
    "geo-coordinates-off-earth": _first_geo_off_earth,
    "online-embeddings-nan": _array("online.embeddings", lambda a: a * np.nan),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_array_invariants_are_index_format_errors(saved, tmp_path, case):
    d = _edit(saved, tmp_path, BROKEN[case])
    with pytest.raises(IndexFormatError):
        _load(d)
