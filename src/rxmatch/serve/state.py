"""The index a service answers from, and its hot reload.

A :class:`LoadedIndex` is immutable once built: the fitted :class:`~rxmatch.Matcher`, its
decoded directory (contact details) and an id -> row map. :class:`IndexHolder` keeps the
current one in a single attribute. A request reads that attribute once and uses the same
``LoadedIndex`` to the end, so a reload never mixes two indexes in one answer: the new
index is loaded, decoded and warmed up off the request path, then the attribute is
replaced (one reference assignment, atomic in CPython); requests already running finish
on the old one, which is freed when the last of them ends.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import IndexFormatError, RxMatchError

__all__ = ["LoadedIndex", "IndexHolder", "ReloadInProgress"]

log = logging.getLogger("rxmatch.serve")

#: the texts of the warm-up queries run before an index is swapped in (not a person's words)
WARMUP_TEXTS = (
    "a friendly group to meet people and stay active",
    "me gustaría conocer gente y aprender a cocinar",
)


class ReloadInProgress(RuntimeError):
    """A reload was asked for while another one runs."""


@dataclass(frozen=True)
class LoadedIndex:
    matcher: Any
    path: str
    generation: int
    loaded_at: str
    load_seconds: float
    rows: dict[str, int] = field(repr=False)

    @property
    def n_resources(self) -> int:
        return len(self.rows)

    def info(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "n_resources": self.n_resources,
            "model": getattr(self.matcher.embedder_, "name", None),
            "loaded_at": self.loaded_at,
            "load_seconds": round(self.load_seconds, 3),
            "generation": self.generation,
        }


def prepare(matcher: Any, path: str, generation: int, t0: float) -> LoadedIndex:
    """Make a fitted matcher ready to serve: decode its directory now (contact details in
    every answer, no lazy file read later, which also keeps an index folder replaced on
    disk from mattering), map ids to rows, and answer one warm-up query."""
    from ..referral import Referral

    matcher.directory_  # noqa: B018 - decoded here, off the request path
    rows = {str(rid): i for i, rid in enumerate(matcher.table_.ids)}
    # one English and one Spanish query from a resource's place: every lazy part of the
    # ranking (encoders, the multilingual space, geography, word index) is ready before
    # the first person's answer
    placed = np.flatnonzero(np.asarray(matcher.table_.has_place))
    if len(placed):
        r = int(placed[0])
        home = {"lat": float(matcher.table_.lat[r]), "lon": float(matcher.table_.lon[r])}
    else:
        home = {"online_only": True}
    for text in WARMUP_TEXTS:
        matcher.recommend(Referral(text, **home), k=3)
    return LoadedIndex(
        matcher=matcher,
        path=path,
        generation=generation,
        loaded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        load_seconds=time.perf_counter() - t0,
        rows=rows,
    )


class IndexHolder:
    """The current :class:`LoadedIndex` of a service, loaded from ``path`` (or given as a
    fitted matcher) and reloaded by :meth:`reload`."""

    def __init__(self, path: str | Path | None = None, matcher: Any = None, mmap: bool = False):
        if path is None and matcher is None:
            raise ValueError("give an index path or a fitted matcher")
        self.path = None if path is None else str(path)
        self.current: LoadedIndex | None = None
        self.failed: str | None = None  # why the first load failed
        self.last_reload_error: str | None = None
        self._reload_lock = threading.Lock()
        self._given = matcher
        # read into memory by default: a memory-mapped index file changed in place on disk
        # (not replaced, as ``save`` does) would crash the process with SIGBUS
        self.mmap = bool(mmap)

    @property
    def reloading(self) -> bool:
        return self._reload_lock.locked()

    def load_initial(self) -> None:
        """Load the first index (called once, in a background thread at start-up)."""
        t0 = time.perf_counter()
        try:
            with self._reload_lock:
                if self._given is not None:
                    self.current = prepare(self._given, self.path or "<in memory>", 1, t0)
                    self._given = None
                else:
                    from ..matcher import Matcher

                    assert self.path is not None
                    self.current = prepare(
                        Matcher.load(self.path, mmap=self.mmap), self.path, 1, t0
                    )
        except RxMatchError as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
            log.error("could not load the index: %s", self.failed)
            return
        except Exception as exc:  # noqa: BLE001 - reported by /readyz
            self.failed = type(exc).__name__
            log.error("could not load the index: %s", self.failed)
            return
        c = self.current
        log.info(
            "index ready: %s (%d resources, generation %d, %.1f s)",
            c.path,
            c.n_resources,
            c.generation,
            c.load_seconds,
        )

    def reload(self) -> tuple[LoadedIndex, int | None]:
        """Load the index folder again (a rebuilt index) and swap it in; returns the new
        index and the previous generation. Raises :class:`ReloadInProgress` when a reload
        runs, and the load's :class:`~rxmatch.exceptions.RxMatchError` when the folder
        cannot be loaded (the old index keeps serving)."""
        if self.path is None:
            raise IndexFormatError("this service was given a matcher, not an index folder")
        if not self._reload_lock.acquire(blocking=False):
            raise ReloadInProgress("a reload is already running")
        try:
            t0 = time.perf_counter()
            old = self.current
            try:
                new = prepare(self._load(old), self.path, _next(old), t0)
            except RxMatchError as exc:
                self.last_reload_error = f"{type(exc).__name__}: {exc}"
                log.error("reload failed, the old index keeps serving: %s", self.last_reload_error)
                raise
            self.current = new  # the swap: one reference assignment
            self.failed = None
            self.last_reload_error = None
            log.info(
                "index reloaded: %s (%d resources, generation %d, %.1f s)",
                new.path,
                new.n_resources,
                new.generation,
                new.load_seconds,
            )
            return new, None if old is None else old.generation
        finally:
            self._reload_lock.release()

    def _load(self, old: LoadedIndex | None) -> Any:
        """``Matcher.load`` of the folder, reusing the serving index's encoders when the
        new index was built with the same models (no second copy of a model in memory)."""
        from ..matcher import Matcher

        assert self.path is not None
        if old is not None:
            m = old.matcher
            ml = getattr(m, "multilingual_", None)
            try:
                return Matcher.load(
                    self.path,
                    embedder=m.embedder_,
                    multilingual="auto" if ml is None else ml.embedder,
                    mmap=self.mmap,
                )
            except IndexFormatError as exc:
                if not str(exc).startswith("index saved with model"):
                    raise
                # another model: load it afresh below
        return Matcher.load(self.path, mmap=self.mmap)


def _next(old: LoadedIndex | None) -> int:
    return 1 if old is None else old.generation + 1
