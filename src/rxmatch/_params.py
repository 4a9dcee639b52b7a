"""The Matcher's parameters: scikit-learn's parameter convention (:class:`Parameters`:
``get_params``, ``set_params``, the stages made from the parameters of the same names) and
the parameters checked together (:func:`check_params`, at ``fit`` and ``set_params``)."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Mapping
from dataclasses import fields
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from .exceptions import InvalidParameterError
from .features.passages import PassageOptions
from .rank.scoring import Weights

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Parameters", "check_params"]

_S = TypeVar("_S")


@functools.cache
def _stage_fields(cls: type) -> tuple[str, ...]:
    """The field names of a stage class (read once per class: ``fields`` is slow per query)."""
    return tuple(f.name for f in fields(cls))


def check_params(params: Mapping[str, Any]) -> None:
    """Raise :class:`~rxmatch.exceptions.InvalidParameterError` for the first invalid
    Matcher parameter in ``params`` (the constructor parameters by name)."""
    p = SimpleNamespace(**params)
    if not isinstance(p.n, int) or p.n < 1:
        raise InvalidParameterError(f"n must be a positive integer, not {p.n!r}")
    if not 0.0 <= float(p.diversity) < 1.0:
        raise InvalidParameterError("diversity must be in [0, 1)")
    if p.decay_kind not in ("gauss", "exp", "linear"):
        raise InvalidParameterError(
            f"decay_kind must be 'gauss', 'exp' or 'linear', not {p.decay_kind!r}"
        )
    for name in (
        "decay_scale",
        "decay_offset",
        "facet_weight",
        "dislike_penalty",
        "barrier_penalty",
        "audience_penalty",
        "coverage_bonus",
        "lexical_intent_floor",
        "max_widen_factor",
        "online_distance_score",
    ):
        v = getattr(p, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InvalidParameterError(f"{name} must be a finite number, not {v!r}")
    if p.decay_scale <= 0 or p.decay_offset < 0:
        raise InvalidParameterError("decay_scale must be > 0 and decay_offset >= 0")
    if not 0 < p.mobility_reach <= 1:
        raise InvalidParameterError("mobility_reach must be in (0, 1]")
    if not 0 <= p.online_distance_score <= 1:
        raise InvalidParameterError("online_distance_score must be in [0, 1]")
    if not 0 <= p.min_confidence < 1:
        raise InvalidParameterError("min_confidence must be in [0, 1)")
    if not 0 <= p.ensemble_weight <= 1:
        raise InvalidParameterError("ensemble_weight must be in [0, 1]")
    for name in ("e5_ensemble_weight", "sentence_weight"):
        v = getattr(p, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise InvalidParameterError(f"{name} must be a number in [0, 1], not {v!r}")
    if not (
        p.multilingual is None
        or (isinstance(p.multilingual, str) and p.multilingual == "auto")
        or callable(getattr(p.multilingual, "encode", None))
    ):
        raise InvalidParameterError("multilingual must be 'auto', None or an Embedder")
    if not (
        p.e5 is None
        or (isinstance(p.e5, str) and p.e5 == "auto")
        or (
            callable(getattr(p.e5, "encode", None))
            and callable(getattr(p.e5, "encode_queries", None))
        )
    ):
        raise InvalidParameterError(
            "e5 must be None, 'auto' or an Embedder with encode and encode_queries"
        )
    if not (
        p.passages is None
        or (isinstance(p.passages, str) and p.passages == "auto")
        or isinstance(p.passages, PassageOptions)
    ):
        raise InvalidParameterError(
            "passages must be 'auto', None or an rxmatch.features.passages.PassageOptions"
        )
    if not 0 <= p.care_penalty < 1:
        raise InvalidParameterError("care_penalty must be in [0, 1)")
    if not 0 <= p.audience_penalty <= 1:
        raise InvalidParameterError("audience_penalty must be in [0, 1]")
    if not 0 <= p.dislike_penalty <= 1 or not 0 <= p.barrier_penalty <= 1:
        raise InvalidParameterError("dislike_penalty and barrier_penalty must be in [0, 1]")
    if not 0 <= p.unknown_penalty < 1 or not 0 <= p.stale_penalty < 1:
        raise InvalidParameterError("unknown_penalty and stale_penalty must be in [0, 1)")
    if p.candidate_pool is not None and (
        not isinstance(p.candidate_pool, int) or p.candidate_pool < 1
    ):
        raise InvalidParameterError("candidate_pool must be a positive integer or None")
    if p.online_pool is not None and (not isinstance(p.online_pool, int) or p.online_pool < 1):
        raise InvalidParameterError("online_pool must be a positive integer or None")
    if p.category_temperature is not None and not p.category_temperature > 0:
        raise InvalidParameterError("category_temperature must be > 0 or None")
    if p.max_per_category is not None and p.max_per_category < 1:
        raise InvalidParameterError("max_per_category must be >= 1 or None")
    if p.weights is not None and not isinstance(p.weights, Weights):
        raise InvalidParameterError("weights must be an rxmatch.rank.Weights")


class Parameters:
    """scikit-learn's parameter convention: the constructor keeps every parameter as given,
    under its own name, and they are checked together when used (``fit``, ``set_params``)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """The constructor parameters and their current values (``deep`` is accepted for
        scikit-learn compatibility; nested objects are returned as they are)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters (validated together); returns ``self``. Parameters
        that act at ranking time (weights, penalties, diversity, facets, ...) take effect
        on a fitted matcher at once; those that shape the index (the embedders) need a new
        ``fit``."""
        names = set(self._param_names())
        unknown = sorted(set(params) - names)
        if unknown:
            raise InvalidParameterError(
                f"unknown Matcher parameter(s) {unknown}; known: {', '.join(sorted(names))}"
            )
        old = {k: getattr(self, k) for k in params}
        vars(self).update(params)
        try:
            self._validate_params()
        except InvalidParameterError:
            vars(self).update(old)
            raise
        return self

    def _validate_params(self) -> None:
        check_params(self.get_params())

    def _stage(self, cls: type[_S], **given: Any) -> _S:
        """A stage made from the parameters of the same names (``given``: the stages it
        sits on)."""
        names = _stage_fields(cls)
        return cls(**{n: getattr(self, n) for n in names if n not in given}, **given)
