"""``POST /outcomes`` and ``POST /outcomes/forget`` for ``rxmatch serve`` (FastAPI).

Added by :func:`rxmatch.serve.create_app` when it is given an outcome store
(``create_app(..., outcomes="outcomes.sqlite")``, ``rxmatch serve --outcomes URL``). The
bodies hold ids, enums, numbers and times only; an invalid event is a 422
``invalid_outcome`` naming the field, never the value; nothing is stored unless every
event of the request is valid.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .events import DECLINE_REASONS, EVENT_TYPES

__all__ = ["OutcomeIn", "OutcomesIn", "OutcomesOut", "ForgetIn", "ForgetOut", "add_outcome_routes"]

#: the most events in one ``POST /outcomes``
MAX_EVENTS = 1000

EventName = Literal["shown", "chosen", "contacted", "attended", "attending_12w", "declined"]
Reason = Literal[
    "too_far", "wrong_time", "cost", "not_interested", "full", "closed", "not_as_described"
]
assert set(EventName.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]
assert set(Reason.__args__) == set(DECLINE_REASONS)  # type: ignore[attr-defined]


class OutcomeIn(BaseModel):
    """One outcome event (see :class:`rxmatch.outcomes.OutcomeEvent`)."""

    model_config = ConfigDict(extra="forbid")

    event: EventName
    referral_id: str = Field(min_length=1, max_length=64, description="pseudonymous")
    resource_id: str = Field(min_length=1, max_length=128)
    at: datetime | None = Field(None, description="when it happened (default: now, UTC)")
    rank: int | None = Field(None, ge=1)
    score: float | None = None
    propensity: float | None = Field(None, gt=0, le=1)
    ranker_version: str | None = Field(None, max_length=64)
    components: dict[str, float] | None = None
    reason: Reason | None = None
    category: str | None = Field(None, max_length=32)


class OutcomesIn(BaseModel):
    """``POST /outcomes``: events to append (all or none)."""

    model_config = ConfigDict(extra="forbid")

    events: list[OutcomeIn] = Field(min_length=1, max_length=MAX_EVENTS)


class OutcomesOut(BaseModel):
    schema_: Literal["rxmatch.outcomes-recorded/1"] = Field(alias="schema")
    recorded: int


class ForgetIn(BaseModel):
    """``POST /outcomes/forget``: erase every event of one referral."""

    model_config = ConfigDict(extra="forbid")

    referral_id: str = Field(min_length=1, max_length=64)


class ForgetOut(BaseModel):
    schema_: Literal["rxmatch.outcomes-forgotten/1"] = Field(alias="schema")
    erased: int


def add_outcome_routes(app: Any, store: Any) -> Any:
    """Add the outcome routes to a FastAPI ``app``. ``store``: an
    :class:`~rxmatch.outcomes.OutcomeStore`, or its URL or path (opened here). Returns the
    store (also at ``app.state.outcomes``)."""
    from fastapi.responses import JSONResponse

    from .store import OutcomeStore

    if isinstance(store, (str, os.PathLike)):
        store = OutcomeStore(store)
    app.state.outcomes = store

    @app.post(
        "/outcomes",
        status_code=201,
        response_model=OutcomesOut,
        summary="Record what happened after referrals (ids and numbers only)",
        tags=["outcomes"],
    )
    def post_outcomes(body: OutcomesIn) -> JSONResponse:
        n = store.record_many([e.model_dump(exclude_none=True) for e in body.events])
        return JSONResponse(
            {"schema": "rxmatch.outcomes-recorded/1", "recorded": n},
            status_code=201,
            headers={"Cache-Control": "no-store"},
        )

    @app.post(
        "/outcomes/forget",
        response_model=ForgetOut,
        summary="Erase every outcome event of one referral",
        tags=["outcomes"],
    )
    def post_forget(body: ForgetIn) -> JSONResponse:
        n = store.forget(body.referral_id)
        return JSONResponse(
            {"schema": "rxmatch.outcomes-forgotten/1", "erased": n},
            headers={"Cache-Control": "no-store"},
        )

    return store
