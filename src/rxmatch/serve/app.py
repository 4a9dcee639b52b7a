"""The FastAPI application of ``rxmatch serve``: the JSON API and the link-worker console.

Build it with :func:`create_app` (an index folder, or a fitted matcher) and run it with
any ASGI server; :func:`run` is what ``rxmatch serve`` calls (uvicorn, without uvicorn's
access log: this app logs method, route template, status and time only).

Privacy: the person's words travel only in request bodies and are never logged. The
access log shows the route template (``/resources/{resource_id}``), never the raw path or
query string; request validation errors leave out the ``input`` pydantic would echo back;
an unexpected error is logged as its type and place only, never its message.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..exceptions import RxMatchError
from ..records import RESOURCE_FIELDS, plain
from . import schemas as s
from .errors import SERVICE_CODES, error_body, exception_body, validation_errors
from .state import IndexHolder, LoadedIndex, ReloadInProgress

__all__ = ["create_app", "run", "STATIC_DIR"]

log = logging.getLogger("rxmatch.serve")
access_log = logging.getLogger("rxmatch.serve.access")

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: the largest request body accepted (a batch of 100 long answers fits)
MAX_BODY_BYTES = 4_000_000

#: answers holding the person's matches are not to be cached by browsers or proxies
NO_STORE = {"Cache-Control": "no-store"}

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": s.ErrorOut, "description": "invalid_request, invalid_referral, ..."},
    503: {"model": s.ErrorOut, "description": "not_ready: no index loaded yet"},
}


class ServiceError(Exception):
    """An error the service raises itself, with a code from ``SERVICE_CODES``."""

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.status = SERVICE_CODES[code]
        self.field = field


def _json(body: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **headers})


def _where(exc: BaseException) -> str:
    """The innermost frame of a traceback (file:line in function): never the message."""
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return "?"
    f = tb[-1]
    return f"{Path(f.filename).name}:{f.lineno} in {f.name}"


class _AccessLogAndErrors:
    """ASGI middleware: one access-log line per request (method, route template, status,
    milliseconds), and a JSON 500 for any unexpected error, logged without its message."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status: list[int] = []
        length = dict(scope.get("headers") or ()).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            body = error_body(
                "payload_too_large",
                413,
                f"the request body is over {MAX_BODY_BYTES // 1_000_000} MB",
            )
            await _json(body, 413)(scope, receive, send)
            access_log.info("%s %s 413 -", scope.get("method", "?"), _route_of(scope))
            return

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:  # noqa: BLE001 - answered and logged without its text
            log.error("internal error: %s at %s", type(exc).__name__, _where(exc))
            if not status:
                body = error_body("internal_error", 500, "internal error")
                await _json(body, 500)(scope, receive, send_status)
        finally:
            access_log.info(
                "%s %s %s %.1f ms",
                scope.get("method", "?"),
                _route_of(scope),
                status[0] if status else "-",
                1000 * (time.perf_counter() - t0),
            )


def _route_of(scope: dict[str, Any]) -> str:
    """The route template a request matched; never the raw path (it could hold anything
    a client put there, the person's words included)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    raw = str(scope.get("path", ""))
    if raw.startswith("/static/"):
        return "/static/{file}"
    return "<unmatched>"


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    # behind a reverse proxy every client looks local: a proxied request is never admin
    proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    return loopback and not proxied


def _csp(tiles: str | None) -> str:
    img = "'self' data:"
    if tiles:
        parts = urlsplit(tiles)
        host = parts.netloc.replace("{s}", "*")
        if parts.scheme in ("http", "https") and host and "{" not in host:
            img += f" {parts.scheme}://{host}"
        elif parts.scheme in ("http", "https"):
            img += f" {parts.scheme}:"
    return (
        "default-src 'self'; "
        f"img-src {img}; "
        "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def create_app(
    index: str | Path | None = None,
    *,
    matcher: Any = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    max_concurrency: int | None = None,
    sighup_reload: bool = False,
    mmap: bool = False,
    outcomes: Any = None,
) -> FastAPI:
    """The service as a FastAPI app.

    Parameters
    ----------
    index : str | Path | None
        a saved index folder (``rxmatch index build``); loaded in a background thread
        at start-up (``/readyz`` answers 503 ``loading`` until it is ready) and loaded
        again by ``POST /admin/reload`` (or SIGHUP with ``sighup_reload``).
    matcher
        a fitted :class:`~rxmatch.Matcher` to serve instead (ready at once; no
        reload).
    tiles : str | None
        a Leaflet tile URL template for the console's map (``None``: no tiles; the map
        still shows home and the matches on a blank background).
    max_concurrency : int | None
        rankings run at once (default: the number of CPUs); more requests
        wait their turn instead of oversubscribing the cores.
    sighup_reload : bool
        reload the index on SIGHUP (when the server runs in the main thread).
    mmap : bool
        memory-map the index's arrays instead of reading them into memory (less memory
        for a big index; the folder must then only ever be replaced, as ``rxmatch index
        build`` and ``Matcher.save`` do, never changed in place).
    outcomes
        an :class:`~rxmatch.outcomes.OutcomeStore` or its URL/path: adds
        ``POST /outcomes`` and ``POST /outcomes/forget`` (``rxmatch.outcomes.http``).
    """
    if (index is None) == (matcher is None):
        raise ValueError("give exactly one of index (a folder) and matcher (fitted)")
    holder = IndexHolder(path=index, matcher=matcher, mmap=mmap)
    if matcher is not None:
        holder.load_initial()
    limit = threading.BoundedSemaphore(max(1, int(max_concurrency or os.cpu_count() or 2)))
    csp = _csp(tiles)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if holder.current is None and holder.failed is None:
            threading.Thread(target=holder.load_initial, name="rxmatch-load", daemon=True).start()
        if sighup_reload:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _reload_in_thread)
        yield

    def _reload_in_thread() -> None:
        def work() -> None:
            with contextlib.suppress(ReloadInProgress, RxMatchError):
                holder.reload()  # success and failure are both logged

        log.info("SIGHUP: reloading the index")
        threading.Thread(target=work, name="rxmatch-reload", daemon=True).start()

    app = FastAPI(
        title="rxmatch",
        summary="Social prescribing: a person's own words and place, matched to local "
        "community resources, scored and explained.",
        version=_version(),
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.holder = holder
    if outcomes is not None:  # POST /outcomes, /outcomes/forget (issue 16)
        from ..outcomes.http import add_outcome_routes

        add_outcome_routes(app, outcomes)
    app.add_middleware(_AccessLogAndErrors)

    # ---- errors ----------------------------------------------------------------------------
    @app.exception_handler(RxMatchError)
    async def _rx(request: Request, exc: RxMatchError) -> JSONResponse:
        body = exception_body(exc)
        return _json(body, body["status"])

    @app.exception_handler(ServiceError)
    async def _svc(request: Request, exc: ServiceError) -> JSONResponse:
        return _json(error_body(exc.code, exc.status, str(exc), field=exc.field), exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        fields = sorted({e["field"] for e in errors if e["field"]})
        msg = "the request body does not fit the schema" + (
            f" (field {', '.join(fields)})" if fields else ""
        )
        body = error_body(
            "invalid_request",
            422,
            msg,
            field=fields[0] if len(fields) == 1 else None,
            errors=errors,
        )
        return _json(body, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {404: "no such endpoint", 405: "method not allowed on this endpoint"}.get(
            exc.status_code, "HTTP error"
        )
        return _json(error_body(code, exc.status_code, message), exc.status_code)

    # ---- helpers ---------------------------------------------------------------------------
    def ready() -> LoadedIndex:
        idx = holder.current
        if idx is None:
            raise ServiceError(
                "not_ready",
                "the index is still loading" if holder.failed is None else "no index loaded",
            )
        return idx

    def referral(body: s.ReferralIn) -> Any:
        from ..referral import Referral

        return Referral(**body.referral_kwargs())

    def recommend(idx: LoadedIndex, ref: Any, k: int) -> Any:
        with limit:
            return idx.matcher.recommend(ref, k=k)

    # ---- the API ---------------------------------------------------------------------------
    @app.post(
        "/recommend",
        response_model=s.RecommendationsOut,
        summary="Ranked, explained matches for one referral",
        tags=["recommend"],
    )
    def post_recommend(body: s.RecommendIn) -> JSONResponse:
        idx = ready()
        recs = recommend(idx, referral(body), body.k)
        return _json(recs.to_dict())

    @app.post(
        "/recommend/batch",
        response_model=s.BatchOut,
        summary="Matches for several referrals (a bad one gets an error entry)",
        tags=["recommend"],
    )
    def post_batch(body: s.BatchIn) -> JSONResponse:
        idx = ready()
        results: list[dict[str, Any] | None] = [None] * len(body.referrals)
        refs: list[tuple[int, Any]] = []
        for i, item in enumerate(body.referrals):
            try:
                refs.append((i, referral(item)))
            except RxMatchError as exc:
                results[i] = {"index": i, "result": None, "error": exception_body(exc)}
        if refs:
            with limit:
                encoded = idx.matcher.encode_many([r for _, r in refs])
                for (i, ref), q in zip(refs, encoded):
                    try:
                        recs = idx.matcher.recommend(ref, k=body.k, query_vector=q)
                        results[i] = {"index": i, "result": recs.to_dict(), "error": None}
                    except RxMatchError as exc:
                        results[i] = {"index": i, "result": None, "error": exception_body(exc)}
        n_err = sum(1 for r in results if r is not None and r["error"] is not None)
        return _json(
            {
                "schema": "rxmatch.recommendations-batch/1",
                "n_ok": len(results) - n_err,
                "n_errors": n_err,
                "results": results,
            }
        )

    @app.post(
        "/recommend/why-not",
        response_model=s.WhyNotOut,
        summary="Why a resource is not among a referral's matches",
        tags=["recommend"],
    )
    def post_why_not(body: s.WhyNotIn) -> JSONResponse:
        idx = ready()
        recs = recommend(idx, referral(body), body.k)
        rid = body.resource_id
        m = recs.get(rid)
        row = idx.rows.get(rid)
        return _json(
            {
                "schema": "rxmatch.why-not/1",
                "referral_id": recs.referral_id,
                "resource_id": rid,
                "name": None if row is None else plain(idx.matcher.table_.names[row]),
                "recommended": m is not None,
                "rank": None if m is None else m.rank,
                "reason": recs.why_not(rid),
            }
        )

    @app.get(
        "/resources",
        response_model=s.ResourceListOut,
        summary="Every resource of the index: id, name, category",
        tags=["resources"],
    )
    def get_resources() -> JSONResponse:
        idx = ready()
        t = idx.matcher.table_
        brief = [
            {
                "resource_id": rid,
                "name": plain(t.names[r]),
                "category": plain(t.categories[r]),
                "lat": plain(float(t.lat[r])) if t.has_place[r] else None,
                "lon": plain(float(t.lon[r])) if t.has_place[r] else None,
                "online": bool(t.online[r]),
            }
            for rid, r in idx.rows.items()
        ]
        return _json(
            {"schema": "rxmatch.resources/1", "n_resources": len(brief), "resources": brief}
        )

    @app.get(
        "/resources/{resource_id:path}",
        response_model=s.ResourceOut,
        summary="One resource: contact details, place, schedule, cost, languages",
        tags=["resources"],
        responses={404: {"model": s.ErrorOut, "description": "resource_not_found"}},
    )
    def get_resource(resource_id: str) -> JSONResponse:
        idx = ready()
        r = idx.rows.get(resource_id)
        if r is None:
            raise ServiceError(
                "resource_not_found", "no resource with this id in the index", field="resource_id"
            )
        from ..rank.results import resource_facts

        m = idx.matcher
        facts = resource_facts(m.index_, r)
        return _json(
            {
                "schema": "rxmatch.resource/1",
                "resource_id": resource_id,
                "name": plain(m.table_.names[r]),
                "category": plain(m.table_.categories[r]),
                "description": plain(m.table_.descriptions[r]) or None,
                "resource": {key: plain(facts.get(key)) for key in RESOURCE_FIELDS},
            }
        )

    @app.post(
        "/geocode",
        response_model=s.PlaceOut,
        summary="A US ZIP code's centroid, offline (the console's map uses it)",
        tags=["resources"],
    )
    def post_geocode(body: s.GeocodeIn) -> JSONResponse:
        from ..exceptions import GeocodingError, ReferralError
        from ..features.geo import geocode_zip

        try:
            lat, lon = geocode_zip(body.postal_code)
        except GeocodingError as exc:
            raise ReferralError(str(exc), field="postal_code") from None
        return _json({"schema": "rxmatch.place/1", "lat": lat, "lon": lon})

    # the probes run on the event loop, not in the thread pool: they answer at once even
    # when every worker thread waits for a ranking
    @app.get("/healthz", response_model=s.HealthOut, summary="The process answers", tags=["ops"])
    async def healthz() -> JSONResponse:
        return _json({"schema": "rxmatch.health/1", "status": "ok"})

    @app.get(
        "/readyz",
        response_model=s.ReadyOut,
        summary="An index is loaded (503 while loading or after a failed first load)",
        tags=["ops"],
    )
    async def readyz() -> JSONResponse:
        idx = holder.current
        status = "ready" if idx is not None else ("failed" if holder.failed else "loading")
        return _json(
            {
                "schema": "rxmatch.ready/1",
                "status": status,
                "index": None if idx is None else idx.info(),
                "reloading": holder.reloading and idx is not None,
                "last_reload_error": holder.last_reload_error or holder.failed,
            },
            200 if idx is not None else 503,
        )

    @app.post(
        "/admin/reload",
        response_model=s.ReloadOut,
        summary="Load the rebuilt index folder and swap it in (loopback clients only)",
        tags=["ops"],
        responses={
            403: {"model": s.ErrorOut, "description": "forbidden: not a loopback client"},
            409: {"model": s.ErrorOut, "description": "reload_in_progress"},
            500: {"model": s.ErrorOut, "description": "index_format: the old index serves on"},
        },
    )
    def admin_reload(request: Request) -> JSONResponse:
        if not _is_loopback(request):
            raise ServiceError("forbidden", "reload is allowed from the loopback address only")
        try:
            new, previous = holder.reload()
        except ReloadInProgress:
            raise ServiceError("reload_in_progress", "a reload is already running") from None
        return _json(
            {
                "schema": "rxmatch.reload/1",
                "status": "reloaded",
                "previous_generation": previous,
                "index": new.info(),
            }
        )

    # ---- the console page ------------------------------------------------------------------
    page_headers = {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }

    @app.get("/", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=page_headers)

    @app.get("/console/config", include_in_schema=False)
    async def console_config() -> JSONResponse:
        return _json(
            {
                "schema": "rxmatch.console-config/1",
                "tiles": tiles,
                "tiles_attribution": tiles_attribution or "",
                "max_k": s.MAX_K,
            }
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _version() -> str:
    from .. import __version__

    return __version__


def run(
    index: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    max_concurrency: int | None = None,
    log_level: str = "info",
    mmap: bool = False,
    outcomes: str | Path | None = None,
) -> None:
    """Serve ``index`` with uvicorn (what ``rxmatch serve`` runs); SIGHUP reloads it.

    numpy's BLAS runs on ``$RXMATCH_THREADS`` (default 1) thread(s) in the server: each
    request's products are small, requests run side by side, and a multi-threaded BLAS
    waits for busy cores (at 100k resources under load, ranking p50 15.8 ms with one BLAS
    thread against 65.7 ms with two; ``benchmarks/README.md``)."""
    import uvicorn
    from threadpoolctl import threadpool_limits

    from ..features.text import default_threads

    threadpool_limits(limits=default_threads(), user_api="blas")

    if not logging.getLogger("rxmatch").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("rxmatch").addHandler(handler)
        logging.getLogger("rxmatch").setLevel(log_level.upper())
    app = create_app(
        index,
        tiles=tiles,
        tiles_attribution=tiles_attribution,
        max_concurrency=max_concurrency,
        sighup_reload=True,
        mmap=mmap,
        outcomes=outcomes,
    )
    # uvicorn's own access log would print the raw request line (path and query string);
    # this app logs the route template instead
    uvicorn.run(app, host=host, port=port, access_log=False, log_level=log_level)
