"""A persistent embedding cache for evaluations (directory texts only, never a person's
words), so the synthetic directory is embedded once per machine, not on every run.

The file is ``$RXMATCH_CACHE_DIR/embeddings.npz`` (default ``~/.cache/rxmatch``). Creating
it is announced once per process on standard error; ``RXMATCH_NO_CACHE=1`` turns it off
(every evaluation then embeds the directory again).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..directory import Directory
from ..features.text import Embedder, EmbeddingCache
from .shared import SharedIndex

__all__ = ["default_cache_path", "load_cache", "save_cache", "cached_index", "cached_vectors"]


def default_cache_path() -> Path:
    """``$RXMATCH_CACHE_DIR/embeddings.npz``, else ``~/.cache/rxmatch/embeddings.npz``."""
    base = os.environ.get("RXMATCH_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "rxmatch"
    return root / "embeddings.npz"


def load_cache(path: str | Path | None = None) -> EmbeddingCache:
    """The cache saved at ``path`` (default :func:`default_cache_path`), or an empty one
    when there is none or it cannot be read."""
    from ..features.warm import cache_enabled

    if path is None and not cache_enabled():
        return EmbeddingCache()
    p = Path(path) if path is not None else default_cache_path()
    if p.is_file():
        try:
            return EmbeddingCache.load(p)
        except (OSError, ValueError, KeyError):
            return EmbeddingCache()
    return EmbeddingCache()


def save_cache(cache: EmbeddingCache, path: str | Path | None = None) -> Path | None:
    """Save ``cache`` (directory texts only) to ``path``; returns the path, or ``None`` when
    the location is not writable (evaluation then simply re-embeds next time)."""
    from ..features.warm import announce, cache_enabled

    if path is None and not cache_enabled():
        return None
    p = Path(path) if path is not None else default_cache_path()
    created = not p.exists()
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.stem + ".tmp.npz")
        cache.save(tmp)
        tmp.replace(p)
    except OSError:
        return None
    if created:
        announce(p, "directory embeddings for evaluations")
    return p


def cached_index(
    directory: Directory,
    embedder: Embedder | None = None,
    *,
    path: str | Path | None = None,
    **matcher_kwargs: Any,
) -> SharedIndex:
    """A :class:`SharedIndex` whose directory embeddings come from (and go to) the
    persistent cache at ``path`` (default :func:`default_cache_path`)."""
    cache = load_cache(path)
    shared = SharedIndex.from_directory(directory, embedder, cache=cache, **matcher_kwargs)
    if cache.misses:
        save_cache(cache, path)
    return shared


def cached_vectors(
    embedder: Embedder, texts: list[str], *, path: str | Path | None = None
) -> np.ndarray:
    """``embedder``'s vectors of directory ``texts`` through the persistent cache at
    ``path`` (default :func:`default_cache_path`), saved back when any were new."""
    cache = load_cache(path)
    vectors = cache.encode(embedder, texts)
    if cache.misses:
        save_cache(cache, path)
    return vectors
