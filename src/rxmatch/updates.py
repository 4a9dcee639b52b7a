"""Incremental updates of a fitted Matcher: ``add``, ``update`` and ``remove`` resources.

Each makes the new Directory (:func:`~rxmatch.index.directory_with`,
:func:`~rxmatch.index.directory_without`), re-embeds only new or changed texts
(:meth:`~rxmatch.fitting.IndexBuilder.rebuild`, through the fit's embedding cache) and
installs the new index in one assignment (:class:`~rxmatch.state.FittedAttributes`), so a
query running meanwhile never mixes two indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from .directory import Directory
from .fitting import IndexBuilder
from .index import directory_with, directory_without
from .state import FittedAttributes

if TYPE_CHECKING:
    import pandas as pd
    from typing_extensions import Self

__all__ = ["IncrementalUpdates"]

_S = TypeVar("_S")


class IncrementalUpdates(FittedAttributes):
    """``add``, ``update`` and ``remove`` on a fitted (or loaded) index."""

    #: how many resource texts the last ``add``/``update``/``remove`` embedded
    n_reembedded_: int
    #: how many passages the last ``add``/``update``/``remove`` embedded
    n_passages_reembedded_: int

    if TYPE_CHECKING:  # from rxmatch._params.Parameters

        def _stage(self, cls: type[_S], **given: Any) -> _S: ...

    def _refit(self, directory: Directory) -> Self:
        """Refit on ``directory``, embedding only new or changed resource texts."""
        state = self._fitted_state()
        index, self.n_reembedded_, self.n_passages_reembedded_ = self._stage(IndexBuilder).rebuild(
            state.index, directory, state.cache
        )
        return self._install(index, state.cache)

    def add(self, records: pd.DataFrame | Directory | list[dict[str, Any]]) -> Self:
        """Add new resources to a fitted index; only their texts are embedded."""
        return self._refit(directory_with(self.directory_, records, replace=False))

    def update(self, records: pd.DataFrame | Directory | list[dict[str, Any]]) -> Self:
        """Replace existing resources (matched by ``id``); only changed texts are embedded."""
        return self._refit(directory_with(self.directory_, records, replace=True))

    def remove(self, ids: Iterable[str]) -> Self:
        """Remove resources by id (unknown ids raise :class:`InvalidParameterError`)."""
        return self._refit(directory_without(self.directory_, ids))
