"""What ``Matcher.recommend`` and ``Matcher.recommend_many`` check and gather around the
ranking: the referral (a :class:`~rxmatch.referral.Referral` or a mapping), ``k``, a given
query vector, a table of referrals with its skip report, the online pool of every
referral of a batch from one matrix product, and the long table of a batch's matches.
This module knows nothing of the Matcher: it is given the stages and the fitted index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InvalidParameterError, ReferralError, RxMatchError
from ..referral import Referral

if TYPE_CHECKING:  # pandas loads when a table is first built, not at import
    import pandas as pd

    from ..features.query import EncodedQuery
    from ..index import FittedIndex
    from ..records import Recommendations
    from .reach import Reach

__all__ = [
    "as_referral",
    "check_k",
    "check_query_vector",
    "read_referrals",
    "online_pools",
    "matches_table",
]


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


def matches_table(
    results: Sequence[Recommendations], skipped: list[dict[str, Any]]
) -> pd.DataFrame:
    """One long DataFrame of a batch's matches, with the skip report in
    ``attrs["skipped"]`` (a list of dicts: a DataFrame in attrs breaks ``pd.concat``) and
    a warning giving its count."""
    import warnings

    import pandas as pd

    frames = [r.to_frame() for r in results]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out.attrs["skipped"] = skipped
    if skipped:  # the warning points at the caller of Matcher.recommend_many
        warnings.warn(
            f"{len(skipped)} referrals skipped; see result.attrs['skipped']", stacklevel=3
        )
    return out
