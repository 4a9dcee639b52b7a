"""One check for every parameter that takes a list of resource ids (or of records).

A ``str`` is itself an iterable (of characters), so ``remove("10")`` would otherwise remove
ids ``"1"`` and ``"0"``. Every id-list parameter goes through :func:`id_list`, which
refuses a bare ``str``/``bytes`` (and other non-list values) with a clear
:class:`~rxmatch.InvalidParameterError` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Integral
from typing import Any

from .exceptions import InvalidParameterError

__all__ = ["id_list", "refuse_text"]


def refuse_text(value: Any, param: str, what: str = "a list of ids") -> None:
    """Raise if ``value`` is a bare ``str``/``bytes`` where ``what`` is expected."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        raise InvalidParameterError(
            f"{param} must be {what}, not a single {type(value).__name__} "
            f"(wrap one id in a list: [id])"
        )


def id_list(value: Any, param: str) -> list[str]:
    """``value`` as a list of id strings; refuses a bare ``str``/``bytes``, a mapping, a
    non-iterable and items that are not ``str``/``int`` (the ids of a directory are text)."""
    refuse_text(value, param)
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise InvalidParameterError(f"{param} must be a list of ids, not a {type(value).__name__}")
    out: list[str] = []
    for pos, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (str, Integral)):
            raise InvalidParameterError(
                f"{param}: item {pos} is a {type(item).__name__}, not an id (str)"
            )
        out.append(str(item))
    return out
