"""A bounded load driver for a running ``rxmatch serve``: ``clients`` threads, each with its
own HTTP connection, post referrals back to back for ``seconds``; every answer is checked.

Used by ``benchmarks/bench_serve.py`` (32 clients x 30 s) and by the service's tests (a
short run). Latencies are client-side wall times of whole requests.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["LoadResult", "drive", "expected_ids"]


@dataclass
class LoadResult:
    clients: int
    seconds: float
    n_requests: int
    n_errors: int
    #: error kind ("status 503", "wrong answer", "ReadTimeout", ...) -> count
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    #: requests answered per referral body (by position)
    per_body: list[int] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        if not len(self.latencies_ms):
            return None
        return float(np.percentile(self.latencies_ms, q))

    def summary(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "requests": self.n_requests,
            "errors": self.n_errors,
            "error_kinds": dict(self.errors),
            "throughput_rps": round(self.n_requests / self.seconds, 2) if self.seconds else None,
            "p50_ms": r(self.percentile(50)),
            "p90_ms": r(self.percentile(90)),
            "p99_ms": r(self.percentile(99)),
            "max_ms": r(float(self.latencies_ms.max()) if len(self.latencies_ms) else None),
        }


def expected_ids(answer: dict[str, Any]) -> list[str]:
    return [m["resource_id"] for m in answer["matches"]]


def drive(
    url: str,
    bodies: Sequence[dict[str, Any]],
    *,
    clients: int = 32,
    seconds: float = 30.0,
    path: str = "/recommend",
    check: Callable[[int, dict[str, Any]], bool] | None = None,
    timeout: float = 60.0,
) -> LoadResult:
    """Post ``bodies`` (round robin, each client starting at a different one) to
    ``url + path`` from ``clients`` threads for ``seconds``. An answer counts as an error
    when its status is not 200, it is not JSON, or ``check(body_index, json)`` is false;
    a transport failure counts by its exception type."""
    import httpx

    if not bodies:
        raise ValueError("no request bodies")
    lock = threading.Lock()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    per_body = [0] * len(bodies)
    unanswered = [0]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(c: int) -> None:
        mine: list[float] = []
        bad: Counter[str] = Counter()
        lost = [0]  # requests without an answer (transport errors)
        done = [0] * len(bodies)
        with httpx.Client(base_url=url, timeout=timeout) as http:
            start.wait()
            n = c
            while time.perf_counter() < deadline[0]:
                i = n % len(bodies)
                n += 1
                t0 = time.perf_counter()
                try:
                    resp = http.post(path, json=bodies[i])
                    ms = 1000 * (time.perf_counter() - t0)
                    if resp.status_code != 200:
                        bad[f"status {resp.status_code}"] += 1
                    elif check is not None and not check(i, resp.json()):
                        bad["wrong answer"] += 1
                    else:
                        done[i] += 1
                    mine.append(ms)
                except (httpx.HTTPError, ValueError) as exc:
                    bad[type(exc).__name__] += 1
                    lost[0] += 1
        with lock:
            unanswered[0] += lost[0]
            latencies.extend(mine)
            errors.update(bad)
            for i, d in enumerate(done):
                per_body[i] += d

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    for t in threads:
        t.start()
    t_start = time.perf_counter()
    deadline[0] = t_start + seconds
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_start
    n_err = sum(errors.values())
    return LoadResult(
        clients=clients,
        seconds=elapsed,
        n_requests=len(latencies) + unanswered[0],
        n_errors=n_err,
        errors=dict(errors),
        latencies_ms=np.asarray(latencies, dtype=np.float64),
        per_body=per_body,
    )
