"""Save a fitted :class:`~rxmatch.Matcher` to a folder and load it back, fast and safely.

A saved index (format version 2) is a folder::

    manifest.json     format name and version, rxmatch version, model identity (name, dim),
                      number of resources, SHA-256 and size of every other file
    config.json       the Matcher's constructor parameters, Weights, reference date
    embeddings.npy    (n, dim) float32, L2-normalized; memory-mappable
    prototypes.npy    (n_categories, dim) float32 category prototype vectors
    fuzzy_vocab.json  the lexical index's terms, in column order
    index_meta.json   the eligibility vocabularies and the geo grid's cell size
    arrays/*.npy      the fitted index as plain arrays, all memory-mappable: per-resource
                      facts (places, ages, codes, derived flags), strings as UTF-8 bytes
                      with offsets, the lexical index's CSC matrix, the eligibility bit
                      masks and the geo grid
    resources.parquet the validated directory table (``resources.csv`` without pyarrow);
                      lists as ``;``-joined text (JSON when an item contains ``;``),
                      sessions as ``day,start,end`` triples
    report.json       the directory's LoadReport (skipped rows and field issues)

Nothing is pickled: arrays are read with ``allow_pickle=False`` and everything else is
JSON, CSV or Parquet. Saving is atomic: the index is written to a temporary sibling
folder, fsynced, then renamed over the target, so a crash leaves the previous index intact.
Loading checks the manifest, the format version, every checksum (in parallel threads) and
the model identity (:class:`~rxmatch.IndexFormatError` otherwise), then memory-maps the
arrays: nothing is tokenized, validated or rebuilt, and per-resource texts are decoded
when a ranking reads them. The Directory (``matcher.directory_``) is decoded from the
stored table on first access. Version 1 indexes (no ``arrays/``) still load, by refitting
from the stored table.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import shutil
import uuid
import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .directory import Directory, LoadReport, RowProblem
from .exceptions import IndexFormatError, RxMatchWarning
from .features.eligibility import EligibilityIndex
from .features.fuzzy import FuzzyIndex
from .features.geo import GeoIndex
from .features.schedule import Session
from .features.text import Embedder, EmbeddingCache, SentenceTransformerEmbedder
from .rank import columns as rcol
from .rank.scoring import Weights
from .rank.table import ResourceTable
from .taxonomy import CATEGORIES, CATEGORY_KEYS, TAXONOMY_VOCABULARY

if TYPE_CHECKING:
    from .matcher import Matcher

__all__ = ["save_matcher", "load_matcher", "FORMAT_NAME", "FORMAT_VERSION", "has_pyarrow"]

FORMAT_NAME = "rxmatch-index"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
ARRAYS = "arrays"
_LIST_COLUMNS = ("tags", "languages", "accessibility")
_FLOAT_COLUMNS = ("lat", "lon", "min_age", "max_age", "service_radius_km", "capacity")
_BOOL_COLUMNS = ("online", "free")
# Constructor parameters not stored as plain config (objects, or handled apart).
_NOT_CONFIG = ("self", "embedder", "cache", "weights", "reference_date")


def _config_params(matcher_cls: type) -> list[str]:
    """The Matcher's constructor parameters that config.json stores (all plain values)."""
    sig = inspect.signature(matcher_cls.__init__)
    return [
        name
        for name, p in sig.parameters.items()
        if name not in _NOT_CONFIG and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def has_pyarrow() -> bool:
    """Whether pyarrow is importable (then the table is stored as Parquet, else CSV)."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sha256_many(paths: list[Path]) -> list[str]:
    """SHA-256 of several files, in parallel threads (hashlib releases the GIL), biggest
    first, so that one large file and the many small ones overlap."""
    from concurrent.futures import ThreadPoolExecutor

    if len(paths) <= 1:
        return [_sha256(p) for p in paths]
    order = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        got = dict(zip(order, pool.map(_sha256, [paths[i] for i in order])))
    return [got[i] for i in range(len(paths))]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False), "utf-8")


# ---- table encoding ------------------------------------------------------------------------
def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _encode_lists(values: list[tuple[str, ...]]) -> tuple[list[str], str]:
    """``;``-joined text, or JSON when an item contains ``;`` or is empty."""
    if all(";" not in x and x for v in values for x in v):
        return [";".join(v) for v in values], "semicolon"
    return [json.dumps(list(v), ensure_ascii=False) for v in values], "json"


def _decode_lists(values: Any, encoding: str) -> list[tuple[str, ...]]:
    # lists repeat a lot (languages, accessibility): decode each distinct text once
    cache: dict[str, tuple[str, ...]] = {"": ()}
    out: list[tuple[str, ...]] = []
    for v in values:
        if not isinstance(v, str):
            out.append(())
            continue
        got = cache.get(v)
        if got is None:
            got = cache[v] = tuple(v.split(";") if encoding == "semicolon" else json.loads(v))
        out.append(got)
    return out


def _encode_sessions(values: list[tuple[Session, ...]]) -> list[str]:
    return [rcol.encode_sessions(v) for v in values]


def _decode_sessions(values: Any) -> list[tuple[Session, ...]]:
    # sessions repeat a lot: decode each distinct text once
    by_text: dict[str, tuple[Session, ...]] = {}
    out: list[tuple[Session, ...]] = []
    for v in values:
        if not isinstance(v, str) or not v:
            out.append(())
            continue
        got = by_text.get(v)
        if got is None:
            got = by_text[v] = rcol.decode_sessions(v)
        out.append(got)
    return out


def _encode_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    df = pd.DataFrame(index=range(len(frame)))
    encodings: dict[str, str] = {}
    for col in frame.columns:
        values = frame[col].tolist()
        if col in _LIST_COLUMNS:
            df[col], encodings[col] = _encode_lists(values)
            df[col] = df[col].astype(object)
        elif col == "sessions":
            df[col] = pd.Series(_encode_sessions(values), dtype=object)
            encodings[col] = "sessions"
        elif col in _FLOAT_COLUMNS:
            df[col] = frame[col].to_numpy(np.float64)
            encodings[col] = "float"
        elif col in _BOOL_COLUMNS:
            df[col] = pd.Series(
                [None if _missing(v) else ("true" if v else "false") for v in values], dtype=object
            )
            encodings[col] = "bool"
        elif col == "last_verified":
            df[col] = pd.Series(
                [None if _missing(v) else v.isoformat() for v in values], dtype=object
            )
            encodings[col] = "date"
        else:
            bad = next((v for v in values if not _missing(v) and not isinstance(v, str)), None)
            if bad is not None:
                raise IndexFormatError(
                    f"cannot save column {col!r}: values of type {type(bad).__name__}"
                )
            df[col] = pd.Series([None if _missing(v) else v for v in values], dtype=object)
            encodings[col] = "str"
    return df, encodings


def _decode_frame(df: pd.DataFrame, columns: list[str], encodings: dict[str, str]) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for col in columns:
        enc = encodings.get(col, "")
        if col not in df.columns:
            raise IndexFormatError(f"the saved resource table has no column {col!r}")
        raw = df[col].tolist() if enc != "str" else None
        if enc in ("semicolon", "json"):
            vals: Any = _decode_lists(raw, enc)
        elif enc == "sessions":
            vals = _decode_sessions(raw)
        elif enc == "float":
            out[col] = pd.Series(pd.to_numeric(df[col]).to_numpy(np.float64), dtype="float64")
            continue
        elif enc == "bool":
            vals = [(v == "true") if isinstance(v, str) else None for v in raw]
        elif enc == "date":
            cache: dict[str, date] = {}
            vals = []
            for v in raw:
                if not isinstance(v, str):
                    vals.append(None)
                else:
                    d = cache.get(v)
                    if d is None:
                        d = cache[v] = date.fromisoformat(v)
                    vals.append(d)
        elif enc == "str":
            vals = df[col].to_numpy(dtype=object, na_value=None)
        else:
            raise IndexFormatError(f"unknown encoding {enc!r} of column {col!r}")
        out[col] = pd.Series(vals, dtype=object)
    return pd.DataFrame(out)


def _report_to_json(report: LoadReport) -> dict[str, Any]:
    def probs(ps: tuple[RowProblem, ...]) -> list[list[Any]]:
        return [[p.row, p.record_id, p.field, p.reason] for p in ps]

    return {
        "source": report.source,
        "n_input": report.n_input,
        "n_loaded": report.n_loaded,
        "skipped": probs(report.skipped),
        "issues": probs(report.issues),
    }


def _report_from_json(obj: dict[str, Any]) -> LoadReport:
    return LoadReport(
        source=str(obj["source"]),
        n_input=int(obj["n_input"]),
        n_loaded=int(obj["n_loaded"]),
        skipped=tuple(RowProblem(*p) for p in obj["skipped"]),
        issues=tuple(RowProblem(*p) for p in obj["issues"]),
    )


# ---- the fitted index as arrays (format 2) ------------------------------------------------
_NUMERIC = (
    "lat",
    "lon",
    "online",
    "has_place",
    "service_radius_km",
    "min_age",
    "max_age",
    "category_inferred",
    "geo_rows",
    "online_rows",
    "outreach_rows",
)
# per-row texts: name -> (encode one item to text, decode the text back)
_STRINGS: dict[str, Any] = {
    "ids": (str, None),
    "names": (str, None),
    "descriptions": (str, None),
    "cost": (None, None),
    "tags": (rcol.encode_list, rcol.decode_list),
    "languages": (rcol.encode_list, rcol.decode_list),
    "accessibility": (rcol.encode_list, rcol.decode_list),
    "sessions": (rcol.encode_sessions, rcol.decode_sessions),
}


_ELIGIBILITY_MASKS = ("lang_mask", "has_lang", "access_mask", "has_access")


def _index_arrays(matcher: Matcher) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Everything ``Matcher.fit`` computed, as named arrays plus a little JSON."""
    t = matcher.table_
    out: dict[str, np.ndarray] = {f"table.{k}": np.asarray(getattr(t, k)) for k in _NUMERIC}
    out["table.free"] = rcol.bool_codes(list(t.free))
    out["table.last_verified"] = rcol.date_ordinals(list(t.last_verified))
    for name, (enc, _) in _STRINGS.items():
        values = [v if (enc is None or v is None) else enc(v) for v in getattr(t, name)]
        for part, arr in rcol.pack_strings(values).items():
            out[f"text.{name}.{part}"] = arr
    for k in ("has_sessions", "strenuous", "crowded"):
        out[f"derived.{k}"] = np.asarray(getattr(matcher, f"{k}_"), dtype=bool)
    out["derived.category_index"] = np.asarray(matcher.category_index_, dtype=np.int8)
    # the online resources' vectors side by side: loading reads them without touching the
    # pages of the whole embedding matrix
    out["online.embeddings"] = np.asarray(matcher.online_embeddings_, dtype=np.float32)
    elig, vocabularies = matcher.eligibility_.arrays()
    for k in _ELIGIBILITY_MASKS:
        out[f"eligibility.{k}"] = elig[k]
    m = t.fuzzy.matrix_
    out["fuzzy.indptr"], out["fuzzy.indices"], out["fuzzy.data"] = m.indptr, m.indices, m.data
    geo_arrays, geo_meta = t.geo.state()
    out.update({f"geo.{k}": v for k, v in geo_arrays.items()})
    meta: dict[str, Any] = {"eligibility_vocabularies": vocabularies, "geo": geo_meta}
    return out, meta


def _load_arrays(folder: Path, manifest: dict[str, Any], mmap: bool) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    prefix = f"{ARRAYS}/"
    for name in manifest["files"]:
        if name.startswith(prefix) and name.endswith(".npy"):
            try:
                arr = np.load(folder / name, mmap_mode="r" if mmap else None, allow_pickle=False)
            except ValueError as exc:
                raise IndexFormatError(f"cannot read file {name!r} of the index: {exc}") from None
            # a plain read-only view of the map: np.memmap's per-item indexing is Python code
            out[name[len(prefix) : -4]] = arr.view(np.ndarray) if mmap else arr
    return out


def _restore(
    matcher: Matcher,
    folder: Path,
    manifest: dict[str, Any],
    vecs: np.ndarray,
    protos: np.ndarray,
    emb: Embedder,
    mmap: bool,
    cache: EmbeddingCache,
    directory_loader: Any,
) -> None:
    """Install a format-2 index into ``matcher`` without refitting."""
    from scipy import sparse

    a = _load_arrays(folder, manifest, mmap)
    n = int(manifest["n_resources"])
    try:
        meta = json.loads((folder / "index_meta.json").read_text("utf-8"))
        terms = json.loads((folder / "fuzzy_vocab.json").read_text("utf-8"))
        texts = {}
        for name, (_, dec) in _STRINGS.items():
            base = rcol.StringColumn(
                a[f"text.{name}.offsets"], a[f"text.{name}.data"], a.get(f"text.{name}.nulls")
            )
            texts[name] = base if dec is None else rcol.DecodedColumn(base, dec)
        numeric = {k: a[f"table.{k}"] for k in _NUMERIC}
        category_index = np.asarray(a["derived.category_index"], dtype=np.intp)
        free = a["table.free"]
        verified = a["table.last_verified"]
        fuzzy = FuzzyIndex.from_matrix(
            sparse.csc_matrix(
                (a["fuzzy.data"], a["fuzzy.indices"], a["fuzzy.indptr"]), shape=(n, len(terms))
            ),
            terms,
            extra_vocabulary=TAXONOMY_VOCABULARY,
        )
        geo_rows = numeric["geo_rows"]
        lat, lon = numeric["lat"], numeric["lon"]
        geo = GeoIndex.from_state(
            lat[geo_rows],
            lon[geo_rows],
            {k: a[f"geo.{k}"] for k in ("order", "cells", "starts")},
            meta["geo"],
        )
        table = ResourceTable(
            categories=rcol.DecodedColumn(category_index, CATEGORY_KEYS.__getitem__),
            free=rcol.DecodedColumn(free, rcol.decode_bool),
            last_verified=rcol.DecodedColumn(verified, rcol.decode_date),
            embeddings=vecs,
            geo=geo,
            fuzzy=fuzzy,
            **texts,
            **numeric,
        )
        elig = EligibilityIndex.from_arrays(
            {
                "min_age": numeric["min_age"],
                "max_age": numeric["max_age"],
                "free": free,
                **{k: a[f"eligibility.{k}"] for k in _ELIGIBILITY_MASKS},
            },
            meta["eligibility_vocabularies"],
            online=numeric["online"],
            has_place=numeric["has_place"],
            category_index=category_index,
        )
        ordinals = np.where(verified == rcol.NO_DATE, np.nan, verified.astype(np.float64))
        online_vecs = a["online.embeddings"]
        if online_vecs.shape != (len(numeric["online_rows"]), vecs.shape[1]):
            raise ValueError("online.embeddings does not fit the online resources")
        derived = {
            "category_index": category_index,
            "verified_ordinal": ordinals,
            "online_embeddings": online_vecs,
            **{k: a[f"derived.{k}"] for k in ("has_sessions", "strenuous", "crowded")},
        }
    except (KeyError, ValueError, TypeError) as exc:
        raise IndexFormatError(
            f"the arrays of the index at {str(folder)!r} are incomplete or inconsistent: {exc}"
        ) from None
    positions = ("table.geo_rows", "table.online_rows", "table.outreach_rows")
    bad = [
        k
        for k, v in a.items()
        if k.startswith(("table.", "derived.")) and k not in positions and len(v) != n
    ]
    bad += [k for k in positions if len(a[k]) and not 0 <= int(a[k].min()) <= int(a[k].max()) < n]
    bad += [k for k, v in texts.items() if len(v) != n]
    if bad:
        raise IndexFormatError(f"arrays {sorted(bad)} of the index do not have {n} rows")
    matcher._install(table, elig, derived, protos, emb, cache, None, directory_loader)


class _DirectoryReader:
    """Decodes a saved index's Directory on first access (a plain, picklable callable, so a
    loaded Matcher can be shipped to worker processes)."""

    def __init__(self, folder: Path, table: dict[str, Any], n: int, report: LoadReport):
        self.folder, self.table, self.n, self.report = folder, table, n, report

    def __call__(self) -> Directory:
        table = self.table
        tpath = self.folder / table["file"]
        try:
            if table["file"].endswith(".parquet"):
                raw = pd.read_parquet(tpath)
            else:
                raw = pd.read_csv(
                    tpath, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8"
                )
        except Exception as exc:  # noqa: BLE001 - any reader failure means a bad file
            raise IndexFormatError(
                f"cannot read file {table['file']!r} of the index: {exc}"
            ) from None
        frame = _decode_frame(raw, table["columns"], table["encodings"])
        if len(frame) != self.n:
            raise IndexFormatError(
                f"file {table['file']!r} has {len(frame)} rows, expected {self.n}"
            )
        return Directory(frame, self.report)


# ---- save ----------------------------------------------------------------------------------
def _config(matcher: Matcher) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for p in _config_params(type(matcher)):
        v = getattr(matcher, p)
        if isinstance(v, (np.generic,)):
            v = v.item()
        if not (v is None or isinstance(v, (bool, int, float, str))):
            raise IndexFormatError(
                f"cannot save Matcher parameter {p!r}: a {type(v).__name__} is not a plain value"
            )
        cfg[p] = v
    cfg["weights"] = None if matcher.weights is None else matcher.weights.as_dict()
    cfg["reference_date"] = (
        None if matcher.reference_date is None else matcher.reference_date.isoformat()
    )
    cfg["fitted_reference_date"] = matcher.reference_date_.isoformat()
    return cfg


def save_matcher(matcher: Matcher, path: str | Path) -> Path:
    """Save a fitted Matcher to the folder ``path`` (replaced atomically if it exists).

    Parameters
    ----------
    matcher : a fitted :class:`~rxmatch.Matcher`.
    path : target folder. Its parent must exist. An existing index there stays in place
        until the new one is complete.

    Returns
    -------
    Path
        The folder written.

    Notes
    -----
    Saved: the validated directory table and its LoadReport, the embeddings and category
    prototypes, the constructor parameters and the model identity. The person's words are
    never part of an index. The embedding cache is not saved (see
    :meth:`~rxmatch.EmbeddingCache.save`).
    """
    from . import __version__

    matcher._check_fitted()
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"the parent folder of {str(target)!r} does not exist")
    tmp = parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        files: list[str] = []
        emb = np.ascontiguousarray(matcher.table_.embeddings, dtype=np.float32)
        np.save(tmp / "embeddings.npy", emb, allow_pickle=False)
        np.save(
            tmp / "prototypes.npy",
            np.ascontiguousarray(matcher.prototypes_, dtype=np.float32),
            allow_pickle=False,
        )
        files += ["embeddings.npy", "prototypes.npy"]
        _write_json(tmp / "fuzzy_vocab.json", list(matcher.table_.fuzzy.terms_))
        files.append("fuzzy_vocab.json")
        arrays, meta = _index_arrays(matcher)
        (tmp / ARRAYS).mkdir()
        for name, arr in arrays.items():
            np.save(tmp / ARRAYS / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
            files.append(f"{ARRAYS}/{name}.npy")
        _write_json(tmp / "index_meta.json", meta)
        files.append("index_meta.json")
        table, encodings = _encode_frame(matcher.directory_._frame)
        if has_pyarrow():
            table_file = "resources.parquet"
            table.to_parquet(tmp / table_file, index=False)
        else:
            table_file = "resources.csv"
            table.to_csv(tmp / table_file, index=False, encoding="utf-8")
        files.append(table_file)
        _write_json(tmp / "report.json", _report_to_json(matcher.directory_.report))
        _write_json(tmp / "config.json", _config(matcher))
        files += ["report.json", "config.json"]
        emb_ = matcher.embedder_
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "rxmatch_version": __version__,
            "model": {"name": emb_.name, "dim": int(emb.shape[1])},
            "n_resources": int(emb.shape[0]),
            "table": {"file": table_file, "columns": list(table.columns), "encodings": encodings},
            "categories": [c.key for c in CATEGORIES],
            "files": {
                f: {"sha256": h, "bytes": (tmp / f).stat().st_size}
                for f, h in zip(files, _sha256_many([tmp / f for f in files]))
            },
        }
        _write_json(tmp / MANIFEST, manifest)
        for f in [*files, MANIFEST]:
            _fsync_file(tmp / f)
        _fsync_dir(tmp / ARRAYS)
        _fsync_dir(tmp)
        if target.exists():
            # keep the old index until the new one is complete, then swap
            old = parent / f".{target.name}.old-{uuid.uuid4().hex[:12]}"
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


# ---- load ----------------------------------------------------------------------------------
def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of a saved index (format, versions, model, checksums), checked."""
    folder = Path(path)
    mpath = folder / MANIFEST
    if not folder.is_dir():
        raise IndexFormatError(f"no saved index at {str(folder)!r} (not a folder)")
    if not mpath.is_file():
        raise IndexFormatError(f"{str(folder)!r} is not an rxmatch index: {MANIFEST} is missing")
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"{MANIFEST} of {str(folder)!r} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexFormatError(f"{MANIFEST} of {str(folder)!r} is not an rxmatch index manifest")
    version = manifest.get("format_version")
    if version not in READABLE_VERSIONS:
        raise IndexFormatError(
            f"index format version {version!r} at {str(folder)!r} is not supported "
            f"(this rxmatch reads versions {', '.join(map(str, READABLE_VERSIONS))}); "
            "rebuild and save the index again"
        )
    for key in ("model", "n_resources", "table", "files"):
        if key not in manifest:
            raise IndexFormatError(f"{MANIFEST} of {str(folder)!r} has no {key!r}")
    return manifest


def _verify_files(folder: Path, manifest: dict[str, Any], verify: bool) -> None:
    names = list(manifest["files"])
    for name in names:
        meta = manifest["files"][name]
        p = folder / name
        if not p.is_file():
            raise IndexFormatError(f"file {name!r} of the index at {str(folder)!r} is missing")
        if p.stat().st_size != meta["bytes"]:
            raise IndexFormatError(
                f"file {name!r} of the index at {str(folder)!r} is truncated or changed "
                f"({p.stat().st_size} bytes, expected {meta['bytes']})"
            )
    if verify:
        got = _sha256_many([folder / name for name in names])
        for name, h in zip(names, got):
            if h != manifest["files"][name]["sha256"]:
                raise IndexFormatError(
                    f"file {name!r} of the index at {str(folder)!r} is corrupted (SHA-256 mismatch)"
                )


def load_matcher(
    path: str | Path,
    *,
    embedder: Embedder | None = None,
    mmap: bool = True,
    verify_checksums: bool = True,
) -> Matcher:
    """Load a Matcher saved with :func:`save_matcher`.

    Parameters
    ----------
    path : the index folder.
    embedder : the text encoder for queries; default the bundled all-MiniLM-L6-v2. Its
        ``name`` and ``dim`` must be those the index was saved with.
    mmap : memory-map the embeddings (read-only) instead of reading them into memory.
    verify_checksums : check the SHA-256 of every file (sizes are always checked).

    Raises
    ------
    IndexFormatError
        Missing or unreadable manifest, unsupported format version, a missing, truncated or
        corrupted file (named), or a different model.
    """
    from .matcher import Matcher

    folder = Path(path)
    manifest = read_manifest(folder)
    _verify_files(folder, manifest, verify_checksums)
    model = manifest["model"]
    emb = embedder if embedder is not None else SentenceTransformerEmbedder()
    if emb.name != model["name"] or int(emb.dim) != int(model["dim"]):
        raise IndexFormatError(
            f"index saved with model {model['name']!r} (dim {model['dim']}), "
            f"loading with {emb.name!r} (dim {emb.dim}); pass the same embedder or rebuild"
        )
    try:
        vecs = np.load(
            folder / "embeddings.npy", mmap_mode="r" if mmap else None, allow_pickle=False
        )
        protos = np.load(folder / "prototypes.npy", allow_pickle=False)
    except ValueError as exc:
        raise IndexFormatError(f"cannot read the arrays of the index: {exc}") from None
    n = int(manifest["n_resources"])
    if vecs.dtype != np.float32 or vecs.shape != (n, int(model["dim"])):
        raise IndexFormatError(
            f"file 'embeddings.npy' has shape {vecs.shape} {vecs.dtype}, expected ({n}, "
            f"{model['dim']}) float32"
        )
    if manifest.get("categories") != [c.key for c in CATEGORIES] or protos.shape != (
        len(CATEGORIES),
        int(model["dim"]),
    ):
        raise IndexFormatError(
            "the index was saved with another category taxonomy; rebuild and save it again"
        )
    table = manifest["table"]
    report = _report_from_json(json.loads((folder / "report.json").read_text("utf-8")))

    read_directory = _DirectoryReader(folder, table, n, report)

    cfg = json.loads((folder / "config.json").read_text("utf-8"))
    weights = None if cfg.get("weights") is None else Weights(**cfg["weights"])
    known = set(_config_params(Matcher))
    unknown = sorted(set(cfg) - known - {"weights", "reference_date", "fitted_reference_date"})
    if unknown:
        warnings.warn(
            f"the index was saved with Matcher parameters this rxmatch does not have "
            f"({', '.join(unknown)}); they are ignored",
            RxMatchWarning,
            stacklevel=2,
        )
    params = {p: cfg[p] for p in known if p in cfg}
    ref = cfg.get("reference_date")
    fitted_ref = date.fromisoformat(cfg["fitted_reference_date"])
    # The prototypes are known: a cache holding them spares encoding them again.
    cache = EmbeddingCache()
    from .features.text import _hash

    for c, v in zip(CATEGORIES, protos):
        cache._store[(emb.name, _hash(c.prototype))] = v
    matcher = Matcher(
        emb,
        weights=weights,
        reference_date=fitted_ref,
        cache=cache,
        **params,
    )
    if manifest["format_version"] == 1:  # no arrays: refit from the stored table
        matcher.fit(read_directory(), embeddings=vecs)
    else:
        matcher._validate_params()
        _restore(matcher, folder, manifest, vecs, protos, emb, mmap, cache, read_directory)
    # restore the configuration as saved (reference_date None means "the date of fit")
    matcher.reference_date = None if ref is None else date.fromisoformat(ref)
    matcher.cache = None
    return matcher
