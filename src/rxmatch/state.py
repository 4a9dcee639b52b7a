"""A Matcher's fitted state and the fitted attributes read from it.

``fit`` (or ``load``, ``add``, ``update``, ``remove``) ends by installing one
:class:`FittedState`: the :class:`~rxmatch.index.FittedIndex`, the embedding cache of the
fit, "today" and each resource's freshness. It is replaced as a whole, in one attribute
assignment, so a ranking that reads it once never mixes two indexes, and a ranking that
overlaps a replacement raises :class:`~rxmatch.exceptions.IndexChangedError` instead of
returning a mixed result.

:class:`FittedAttributes` is the part of :class:`~rxmatch.Matcher` that holds that state
and shows it as scikit-learn-style fitted attributes (``index_``, ``table_``, ...). It
needs only the two parameters that shape the state (``reference_date``,
``stale_penalty``), and imports nothing above the index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .exceptions import IndexChangedError, InvalidParameterError, NotFittedError
from .index import MULTILINGUAL, FittedIndex, TextSpace
from .rank.scoring import freshness_factor

if TYPE_CHECKING:
    from typing_extensions import Self

    from .directory import Directory
    from .features.eligibility import EligibilityIndex
    from .features.text import Embedder, EmbeddingCache
    from .rank.table import ResourceTable

__all__ = ["FittedState", "FittedAttributes"]


@dataclass(frozen=True, eq=False)
class FittedState:
    """What ``fit`` leaves behind, replaced as a whole: the index, the embedding cache of
    the fit, "today" for freshness and each resource's freshness factor (0-1]."""

    index: FittedIndex
    cache: EmbeddingCache
    reference_date: date
    freshness: np.ndarray

    @classmethod
    def of(
        cls, index: FittedIndex, cache: EmbeddingCache, today: date, stale_penalty: float
    ) -> FittedState:
        """The state of ``index`` on ``today``: a record last verified 5+ years before
        loses ``stale_penalty`` of its confidence (:func:`~rxmatch.rank.freshness_factor`)."""
        age_days = today.toordinal() - index.verified_ordinal
        return cls(
            index, cache, today, freshness_factor(age_days / 365.25, max_penalty=stale_penalty)
        )


class FittedAttributes:
    """The fitted state of a :class:`~rxmatch.Matcher` and its fitted attributes
    (scikit-learn's trailing underscore: set by ``fit``; reading one before raises
    :class:`~rxmatch.exceptions.NotFittedError`)."""

    # the two parameters that shape the state (set by the Matcher's constructor)
    reference_date: date | None
    stale_penalty: float
    _state: FittedState

    def _install(
        self, index: FittedIndex, cache: EmbeddingCache, today: date | None = None
    ) -> Self:
        """Make ``index`` the fitted state (freshness from ``today``, by default
        ``reference_date`` or the date, and ``stale_penalty``), in one assignment: a
        ranking that overlaps it raises :class:`IndexChangedError`."""
        today = today or self.reference_date or date.today()
        self._state = FittedState.of(index, cache, today, self.stale_penalty)
        return self

    def _fitted_state(self) -> FittedState:
        state = getattr(self, "_state", None)
        if state is None:
            raise NotFittedError("this Matcher is not fitted yet: call fit(directory) first")
        return state

    def _check_unchanged(self, state: FittedState) -> None:
        """Raise :class:`IndexChangedError` when the state is no longer ``state`` (a
        ranking read it, then ``add``/``update``/``remove`` replaced it)."""
        if getattr(self, "_state", None) is not state:
            raise IndexChangedError(
                "the index changed while this query ran (add/update/remove in another "
                "thread); no mixed result is returned: retry"
            ) from None

    @property
    def index_(self) -> FittedIndex:
        """The :class:`~rxmatch.index.FittedIndex` built by ``fit``. Setting it (an index
        of the same table with other vector sets, e.g. ``index_.with_vector_set(...)``)
        swaps it in one assignment."""
        return self._fitted_state().index

    @index_.setter
    def index_(self, index: FittedIndex) -> None:
        state = self._fitted_state()
        if index.table is not state.index.table:
            raise InvalidParameterError("index_ takes an index of the same table; refit")
        self._state = replace(state, index=index)

    @property
    def cache_(self) -> EmbeddingCache:
        """The :class:`~rxmatch.features.EmbeddingCache` of the fit."""
        return self._fitted_state().cache

    @property
    def reference_date_(self) -> date:
        """The date freshness is computed against."""
        return self._fitted_state().reference_date

    @property
    def freshness_(self) -> np.ndarray:
        """Each resource's freshness factor (0-1]."""
        return self._fitted_state().freshness

    @property
    def directory_(self) -> Directory:
        """The fitted Directory (decoded on first access)."""
        return self.index_.directory

    @property
    def table_(self) -> ResourceTable:
        """The fitted :class:`~rxmatch.rank.ResourceTable`."""
        return self.index_.table

    @property
    def eligibility_(self) -> EligibilityIndex:
        """The eligibility index."""
        return self.index_.eligibility

    @property
    def embedder_(self) -> Embedder:
        """The encoder the index was built with."""
        return self.index_.embedder

    @property
    def category_index_(self) -> np.ndarray:
        """Each resource's category (index)."""
        return self.index_.category_index

    @property
    def verified_ordinal_(self) -> np.ndarray:
        """last_verified as ordinals."""
        return self.index_.verified_ordinal

    @property
    def categories_(self) -> list[str]:
        """The category of every resource (given, or inferred), in directory order."""
        return list(self.index_.table.categories)

    @property
    def multilingual_(self) -> TextSpace | None:
        """The multilingual vector set, or ``None``. Setting it (another encoder's vectors
        of the same resources) gives this matcher a new index with that vector set."""
        return self.index_.multilingual

    @multilingual_.setter
    def multilingual_(self, space: TextSpace | None) -> None:
        self.index_ = self.index_.with_vector_set(MULTILINGUAL, space)
