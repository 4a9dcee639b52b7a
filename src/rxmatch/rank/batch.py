"""What ``Matcher.recommend`` and ``Matcher.recommend_many`` check and gather around the
ranking: the referral (a :class:`~rxmatch.referral.Referral` or a mapping), ``k``, a given
query vector, a table of referrals with its skip report, the online pool of every
referral of a batch from one matrix product, and the long table of a batch's matches.
This module knows nothing of the Matcher: it is given the stages and the fitted index.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidParameterError, ReferralError, RxMatchError
from ..features.query import QueryPlan
from ..referral import Referral

if TYPE_CHECKING:  # pandas loads when a table is first built, not at import
    import pandas as pd

    from ..features.query import EncodedQuery, QueryEncoder
    from ..index import FittedIndex
    from ..records import Recommendations
    from .reach import Reach

__all__ = [
    "as_referral",
    "check_k",
    "check_query_vector",
    "read_referrals",
    "online_pools",
    "encode_and_rank",
    "matches_table",
    "CHUNK",
]

#: Referrals per chunk of a pipelined batch (:func:`encode_and_rank`). Fixed, so that the
#: chunks, and so every referral's vectors, depend only on the batch, never on timing.
CHUNK = 32


def as_referral(referral: Referral | Mapping[str, Any]) -> Referral:
    """A :class:`Referral` as it is, or one made from a mapping of its fields."""
    if isinstance(referral, Referral):
        return referral
    if isinstance(referral, Mapping):
        return Referral.from_mapping(referral)
    raise ReferralError("must be a Referral or a mapping", field="referral")


def check_k(k: Any) -> int:
    """The list length ``k`` as an int (an integer of at least 1)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise InvalidParameterError(f"k must be an integer, not {type(k).__name__}")
    if k < 1:
        raise InvalidParameterError(f"k must be at least 1, not {k}")
    return int(k)


def check_query_vector(vector: Any, dim: int) -> None:
    """A given vector of the whole answer must be ``dim`` finite numbers."""
    v = np.asarray(vector, dtype=np.float32).ravel()
    if v.shape != (dim,) or not np.isfinite(v).all():
        raise InvalidParameterError(f"query_vector must be {dim} finite numbers")


def read_referrals(
    referrals: pd.DataFrame | Iterable[Referral | Mapping[str, Any]], errors: str
) -> tuple[list[Referral], list[dict[str, Any]]]:
    """The referrals of a table (or an iterable of referrals or mappings), each with a
    ``referral_id`` (its position when it has none), and the skip report: with
    ``errors="skip"`` an invalid row is left out and listed as ``{"row", "field",
    "reason"}``; with ``"raise"`` it raises :class:`ReferralError` naming the row."""
    import pandas as pd

    if errors not in ("raise", "skip"):
        raise InvalidParameterError(f"errors must be 'raise' or 'skip', not {errors!r}")
    refs: list[Referral] = []
    skipped: list[dict[str, Any]] = []
    if isinstance(referrals, pd.DataFrame):
        items: Iterable[Any] = (row for _, row in referrals.iterrows())
    else:
        items = referrals
    for i, item in enumerate(items):
        try:
            r = item if isinstance(item, Referral) else Referral.from_mapping(dict(item))
            if r.referral_id is None:
                r = r.replace(referral_id=str(i))
            refs.append(r)
        except RxMatchError as exc:
            if errors == "raise":
                raise ReferralError(f"referral at row {i}: {exc}") from exc
            skipped.append({"row": i, "field": getattr(exc, "field", None), "reason": str(exc)})
    return refs, skipped


def online_pools(
    index: FittedIndex,
    reach: Reach,
    referrals: Sequence[Referral],
    encoded: Sequence[EncodedQuery],
) -> list[Any]:
    """The online pool of every referral of a batch (one matrix product), for the
    ``online_rows`` of the ranking: the rows for an answer matched in the primary space
    that may go online, ``None`` for the others."""
    if not referrals:
        return []
    dim = index.table.embeddings.shape[1]
    primary = [v.space == "primary" for v in encoded]
    vectors = np.stack(
        [
            np.asarray(v.vector, dtype=np.float32) if p else np.zeros(dim, dtype=np.float32)
            for v, p in zip(encoded, primary)
        ]
    )
    wants = [(r.online_ok or r.online_only) and p for r, p in zip(referrals, primary)]
    online = reach.online_subsets(index, vectors, wants)
    return [o if p else None for o, p in zip(online, primary)]


def encode_and_rank(
    query: QueryEncoder,
    index: FittedIndex,
    referrals: Sequence[Referral],
    rank: Callable[[Sequence[Referral], list[EncodedQuery]], list[Recommendations]],
    *,
    chunk: int | None = None,
    pipeline: bool | None = None,
) -> list[Recommendations]:
    """``rank(c, encoded c)`` for the chunks ``c`` of ``chunk`` referrals (default
    :data:`CHUNK`), in order, with two threads each embedding or ranking: a worker thread
    embeds the chunks in order, this thread ranks each chunk once it is embedded and,
    while the one it needs is not ready, embeds the next chunk no thread has taken
    (onnxruntime releases the GIL; the ranking is Python). The texts of the whole batch
    are planned first (:meth:`QueryEncoder.plan`) and each distinct text is embedded once,
    with the chunk where it first appears: the chunks are fixed by the batch, so the
    output does not depend on timing.

    ``pipeline`` (default: when every encoder the batch uses is an
    :class:`~rxmatch.features.onnx.OnnxEmbedder` on one thread, whose session may run on
    two threads at once) chooses this; otherwise, and for a batch of one chunk, the whole
    batch is embedded, then ranked, here (an encoder on two threads or more already uses
    the cores while it embeds: overlapping the ranking cost ~10 % more CPU than it saved,
    measured). On one core the same chunks run one after the other. An encoder's error
    is raised here (after the worker stopped)."""
    if not referrals:
        return []
    chunk = CHUNK if chunk is None else chunk
    plan = query.plan(index, referrals)
    n = len(referrals)
    if pipeline is None:
        pipeline = _concurrent(index, plan)
    if n <= chunk or not pipeline:
        return rank(referrals, query.assemble(plan.steps, *query.embed(index, plan)))
    starts = list(range(0, n, chunk))
    lists = (plan.texts, plan.ml_texts, plan.e5_texts)
    # each distinct text of each encoder: the chunk where it first appears, its row there
    first: list[dict[str, tuple[int, int]]] = [{}, {}, {}]
    new: list[list[list[str]]] = [[[], [], []] for _ in starts]
    for c, lo in enumerate(starts):
        hi = min(lo + chunk, n)
        for j, texts in enumerate(lists):
            for t in texts[plan.bounds[lo][j] : plan.bounds[hi][j]]:
                if t not in first[j]:
                    first[j][t] = (c, len(new[c][j]))
                    new[c][j].append(t)
    vectors: list[Any] = [None] * len(starts)

    def encode(c: int) -> None:
        texts, ml_texts, e5_texts = new[c]
        vectors[c] = query.embed(index, QueryPlan(texts, ml_texts, e5_texts, [], []))

    full: list[Any] = [None, None, None]

    def rank_chunk(c: int) -> list[Recommendations]:
        lo, hi = starts[c], min(starts[c] + chunk, n)
        for j, texts in enumerate(lists):
            a, b = plan.bounds[lo][j], plan.bounds[hi][j]
            if a == b:
                continue
            rows = [first[j][t] for t in texts[a:b]]
            block = np.stack([vectors[cc][j][i] for cc, i in rows])
            if full[j] is None:
                full[j] = np.zeros((len(texts), block.shape[1]), dtype=block.dtype)
            full[j][a:b] = block
        return rank(referrals[lo:hi], query.assemble(plan.steps[lo:hi], *full))

    if (os.cpu_count() or 1) < 2:  # one core: the same chunks, one after the other
        return [m for c in range(len(starts)) for m in (encode(c), rank_chunk(c))[1]]
    return _pipeline(len(starts), encode, rank_chunk, share=True)


def _concurrent(index: FittedIndex, plan: QueryPlan) -> bool:
    """Whether every encoder the plan uses may run on two threads at once and uses one
    core per call (an OnnxEmbedder on one thread)."""
    import sys

    from ..features.text import resolve_threads

    onnx = sys.modules.get("rxmatch.features.onnx")
    if onnx is None:  # not imported: no OnnxEmbedder exists
        return False
    used = []
    if plan.texts:
        used.append(index.embedder)
    if plan.ml_texts:
        used.append(getattr(index.multilingual, "embedder", None))
    if plan.e5_texts:
        used.append(index.vector_sets["e5"].embedder)
    return all(
        isinstance(e, onnx.OnnxEmbedder) and resolve_threads(e.threads, "OnnxEmbedder") == 1
        for e in used
    )


def _pipeline(
    n: int, encode: Callable[[int], None], rank: Callable[[int], list[Any]], *, share: bool
) -> list[Any]:
    """``encode(i)`` for ``i`` in ``range(n)`` on a worker thread (in order), and
    ``rank(i)`` here, in order, each once ``encode(i)`` has returned (and so every
    earlier one). With ``share``, this thread runs ``encode`` of the next chunk not yet
    taken while the one it needs is not ready. After an error the worker stops taking
    chunks and is joined; the error is raised here."""
    done: list[Future[None]] = [Future() for _ in range(n)]
    lock = threading.Lock()
    taken = [0]  # the next chunk no thread has taken
    stop = threading.Event()

    def take() -> int | None:
        with lock:
            i = taken[0]
            if i >= n or stop.is_set():
                return None
            taken[0] = i + 1
            return i

    def run(i: int) -> bool:
        try:
            encode(i)
            done[i].set_result(None)
            return True
        except BaseException as exc:  # handed to the ranking thread, raised there
            done[i].set_exception(exc)
            stop.set()
            return False

    def work() -> None:
        while (i := take()) is not None and run(i):
            pass

    worker = threading.Thread(target=work, name="rxmatch-encode", daemon=True)
    worker.start()
    out: list[Any] = []
    try:
        for i in range(n):
            while share and not done[i].done() and (j := take()) is not None:
                run(j)
            done[i].result()
            out.extend(rank(i))
    finally:
        stop.set()
        worker.join()
    return out


def matches_table(
    results: Sequence[Recommendations], skipped: list[dict[str, Any]]
) -> pd.DataFrame:
    """One long DataFrame of a batch's matches, with the skip report in
    ``attrs["skipped"]`` (a list of dicts: a DataFrame in attrs breaks ``pd.concat``) and
    a warning giving its count."""
    import warnings

    import pandas as pd

    out = _one_frame(results)
    if out is None:  # the per-referral tables, concatenated: their dtypes as pandas joins them
        frames = [r.to_frame() for r in results]
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out.attrs["skipped"] = skipped
    if skipped:  # the warning points at the caller of Matcher.recommend_many
        warnings.warn(
            f"{len(skipped)} referrals skipped; see result.attrs['skipped']", stacklevel=3
        )
    return out


def _one_frame(results: Sequence[Recommendations]) -> pd.DataFrame | None:
    """The long table built at once from every match's row: what concatenating each
    referral's ``to_frame()`` gives, without a DataFrame per referral. ``None`` (build it
    that way) when the two could differ: a referral with no match or no id (its table's
    columns are untyped), or a column all ``None`` in one referral's rows but not in
    another's (that referral's column would be untyped and the joined one too)."""
    import pandas as pd

    from ..records import FRAME_COLUMNS

    if not results or any(not r.matches or r.referral_id is None for r in results):
        return None
    rows: list[dict[str, Any]] = []
    none_in: dict[str, set[bool]] = {c: set() for c in FRAME_COLUMNS}
    for r in results:
        mine = [{"referral_id": r.referral_id, **m._frame_row()} for m in r.matches]
        for c, seen in none_in.items():
            seen.add(all(d[c] is None for d in mine))
        rows.extend(mine)
    if any(len(seen) > 1 for seen in none_in.values()):
        return None
    return pd.DataFrame(rows, columns=["referral_id", *FRAME_COLUMNS])
