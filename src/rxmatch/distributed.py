"""Scale batch matching out on Dask (optional extra: ``dask[dataframe]`` and ``distributed``).

``recommend_many_dask`` splits a table of referrals into partitions and runs
:meth:`Matcher.recommend_many` on each, in parallel. The fitted matcher reaches each
worker **once**: with a ``distributed`` client it is scattered (broadcast) to every worker
before the tasks run, and later calls with the same fitted matcher and client reuse that
copy; given the path of a saved index instead (see
:meth:`Matcher.save`), each worker process loads it once and keeps it
(memory-mapped embeddings, shared by the processes of one machine through the page cache).

When it pays off: each referral costs a few milliseconds, so partitions must hold
hundreds of referrals, and the machine (or cluster) must have idle cores; shipping a
matcher with the real model costs seconds per worker. On 2 shared cores it does not pay
off (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import pickle
import threading
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .exceptions import DaskUnavailableError, InvalidParameterError

if TYPE_CHECKING:
    from .features.text import Embedder
    from .matcher import Matcher

__all__ = ["recommend_many_dask", "DaskUnavailableError"]


def _import_dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise DaskUnavailableError(
            "recommend_many_dask needs Dask: pip install 'dask[dataframe]' distributed "
            "(or rxmatch's 'dask' extra)"
        ) from exc
    return dd


_INDEXES: dict[tuple[str, str | None], Matcher] = {}
_LOCK = threading.Lock()


def _cached_index(path: str, embedder: Embedder | None) -> Matcher:
    """One loaded index per worker process (per path and model name)."""
    from .matcher import Matcher

    key = (path, None if embedder is None else embedder.name)
    with _LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = Matcher.load(path, embedder=embedder)
        return _INDEXES[key]


def _restore_ref(data: bytes, token: str) -> _Ref:
    ref = _Ref.__new__(_Ref)
    ref.obj = pickle.loads(data)  # noqa: S301 - bytes made by this module for Dask transport
    ref.token = token
    return ref


class _Ref:
    """Holds the matcher (or embedder) in the task graph: a stable Dask token without
    hashing the whole object. Dask moves it between processes with pickle (as it does all
    task data; embedders and caches pickle without their locks and loaded models); saved
    indexes never use pickle."""

    def __init__(self, obj: Any):
        self.obj = obj
        self.token = uuid.uuid4().hex

    def __dask_tokenize__(self) -> str:
        return self.token

    def __reduce__(self) -> tuple[Any, tuple[bytes, str]]:
        return _restore_ref, (pickle.dumps(self.obj, protocol=pickle.HIGHEST_PROTOCOL), self.token)


def _run_partition(
    part: pd.DataFrame,
    matcher: Any,
    k: int,
    embedder: Embedder | None,
    columns: list[str],
) -> pd.DataFrame:
    if isinstance(embedder, _Ref):
        embedder = embedder.obj
    if isinstance(matcher, str):
        matcher = _cached_index(matcher, embedder)
    elif isinstance(matcher, _Ref):
        matcher = matcher.obj
    out = matcher.recommend_many(part.reset_index(drop=True), k)
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out.attrs = {}
    return out


# fitted matcher -> (client id, weak reference to its fitted table, future on the workers)
_SCATTERED: weakref.WeakKeyDictionary[Any, tuple[str, weakref.ref[Any], Any]] = (
    weakref.WeakKeyDictionary()
)


def _scatter_once(client: Any, matcher: Matcher, ref: _Ref) -> Any:
    """Broadcast the matcher to every worker, once per (client, fitted state): a later call
    with the same matcher reuses the copy already there; a refit (add/update) ships again."""
    with _LOCK:
        hit = _SCATTERED.get(matcher)
        if hit is not None and hit[0] == client.id and hit[1]() is matcher.table_:
            return hit[2]
    [future] = client.scatter([ref], broadcast=True, hash=False)
    with _LOCK:
        _SCATTERED[matcher] = (client.id, weakref.ref(matcher.table_), future)
    return future


def recommend_many_dask(
    matcher: Matcher | str | Path,
    referrals: Any,
    k: int = 10,
    npartitions: int | None = None,
    client: Any = None,
    *,
    embedder: Embedder | None = None,
    compute: bool = True,
) -> Any:
    """:meth:`Matcher.recommend_many` over a (large) table of referrals, on Dask.

    Parameters
    ----------
    matcher : Matcher | str | Path
        a fitted :class:`~rxmatch.Matcher`, or the folder of a saved index (each
        worker process then loads it once, with ``embedder``).
    referrals
        a pandas or Dask DataFrame with the columns of
        :meth:`Referral.from_mapping` (``what_matters``, ``lat``/``lon`` or
        ``postal_code``, …). Rows without a ``referral_id`` get their global position
        (as ``recommend_many`` does), so results are the same however they are split.
    k : int
        matches per referral.
    npartitions : int | None
        partitions of a pandas input (default: twice the client's worker
        threads, else 2). A Dask input is repartitioned only if given.
    client
        a ``distributed.Client``; default the current one if any, else Dask's local
        threaded scheduler (the matcher is then shared in memory, not copied).
    embedder : Embedder | None
        the query encoder used when ``matcher`` is a path (default the bundled model).
    compute : bool
        return a pandas DataFrame (default) or the lazy Dask DataFrame.

    Returns
    -------
    pandas.DataFrame
        The long table of :meth:`recommend_many`, in input order, with a fresh index.
        Invalid referrals raise :class:`~rxmatch.ReferralError` (``errors="skip"`` is not
        supported here: validate first).
    """
    dd = _import_dask()
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidParameterError(f"k must be a positive integer, not {k!r}")
    if client is None:
        try:
            from distributed import default_client

            client = default_client()
        except (ImportError, ValueError):
            client = None

    if isinstance(matcher, (str, Path)):
        shipped: Any = str(Path(matcher).resolve())
        local = _cached_index(shipped, embedder)
    else:
        matcher.index_  # noqa: B018 - NotFittedError before anything is shipped
        local = matcher
        shipped = _Ref(matcher)

    if isinstance(referrals, pd.DataFrame):
        frame = referrals.reset_index(drop=True)
        if "referral_id" not in frame.columns:
            frame = frame.assign(referral_id=[str(i) for i in range(len(frame))])
        else:
            missing = frame["referral_id"].isna()
            if missing.any():
                ids = frame["referral_id"].astype(object).copy()
                ids[missing] = [str(i) for i in frame.index[missing]]
                frame = frame.assign(referral_id=ids)
        if npartitions is None:
            threads = sum(client.nthreads().values()) if client is not None else 1
            npartitions = max(2, 2 * threads)
        npartitions = max(1, min(int(npartitions), len(frame) or 1))
        ddf = dd.from_pandas(frame, npartitions=npartitions, sort=False)
        sample = frame.head(1)
    else:
        ddf = referrals
        if "referral_id" not in ddf.columns:
            raise InvalidParameterError(
                "a Dask DataFrame of referrals needs a 'referral_id' column "
                "(positions are not global across partitions)"
            )
        if npartitions is not None:
            ddf = ddf.repartition(npartitions=int(npartitions))
        sample = ddf.head(1, npartitions=-1)

    meta = local.recommend_many(sample, k)
    meta = meta.iloc[:0]
    meta.attrs = {}
    columns = list(meta.columns)

    emb_ref: Any = None if embedder is None else _Ref(embedder)
    if client is not None:
        # ship the fitted matcher (or the embedder) to every worker once, not once per task
        if not isinstance(shipped, str):
            shipped = _scatter_once(client, matcher, shipped)  # type: ignore[arg-type]
        if emb_ref is not None:
            [emb_ref] = client.scatter([emb_ref], broadcast=True, hash=False)
    result = ddf.map_partitions(_run_partition, shipped, k, emb_ref, columns, meta=meta)
    if not compute:
        return result
    out = client.compute(result).result() if client is not None else result.compute()
    out = out.reset_index(drop=True)
    out.attrs = {}
    return out
