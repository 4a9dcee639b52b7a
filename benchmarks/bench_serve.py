"""``rxmatch serve`` under bounded load: the real server (uvicorn in a subprocess on
127.0.0.1) on an index of the bundled demo directory, driven by 32 concurrent clients for
30 s; every answer is checked against the server's own answer to the same referral.

Reported: start-up (process start to ``/readyz`` 200), the baseline measured in the same
run (one client, requests one after another), then p50/p90/p99/max latency, throughput
and the error count under load, and the ratios load/baseline.

    python benchmarks/bench_serve.py --clients 32 --seconds 30 --json benchmarks/results/serve.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from rxmatch.datasets import DEMO_PEOPLE, data_path
from rxmatch.serve.load import drive, expected_ids

BODIES = [{**p, "k": 10} for p in DEMO_PEOPLE] + [
    {"what_matters": "I would like to garden and be outdoors", "postal_code": "94403", "k": 10},
    {"what_matters": "help with food and bills", "lat": 37.49, "lon": -122.23, "k": 10},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_index(out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rxmatch.cli", "index", "build"]
        + ["--directory", str(data_path("san_mateo_demo.csv")), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", help="a saved index (default: build one of the demo directory)")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--baseline", type=int, default=60, help="sequential requests (baseline)")
    ap.add_argument("--max-concurrency", type=int, default=None)
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    load_before = os.getloadavg()
    tmp = tempfile.TemporaryDirectory()
    index = Path(args.index) if args.index else Path(tmp.name) / "idx"
    build_s = None if args.index else build_index(index)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "rxmatch.cli", "serve", "--index", str(index)]
    cmd += ["--port", str(port), "--log-level", "warning"]
    if args.max_concurrency:
        cmd += ["--max-concurrency", str(args.max_concurrency)]
    log = open(Path(tmp.name) / "server.log", "wb")  # noqa: SIM115
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {(Path(tmp.name) / 'server.log').read_text()}")
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        startup_s = time.perf_counter() - t0

        with httpx.Client(base_url=url, timeout=60) as http:
            want = [expected_ids(http.post("/recommend", json=b).json()) for b in BODIES]
            seq = []
            for i in range(args.baseline):
                t = time.perf_counter()
                r = http.post("/recommend", json=BODIES[i % len(BODIES)])
                seq.append(1000 * (time.perf_counter() - t))
                assert r.status_code == 200 and expected_ids(r.json()) == want[i % len(BODIES)]
        base = {
            "requests": len(seq),
            "p50_ms": round(float(np.percentile(seq, 50)), 1),
            "p99_ms": round(float(np.percentile(seq, 99)), 1),
            "throughput_rps": round(len(seq) / (sum(seq) / 1000), 2),
        }
        result = drive(
            url,
            BODIES,
            clients=args.clients,
            seconds=args.seconds,
            check=lambda i, a: expected_ids(a) == want[i],
        )
        load = result.summary()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()

    out = {
        "benchmark": "serve",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # the machine is shared: its 1-minute load average before and after the run
            "loadavg_1min_before": round(load_before[0], 2),
            "loadavg_1min_after": round(os.getloadavg()[0], 2),
        },
        "index": "bundled San Mateo demo (82 resources)" if not args.index else str(index),
        "k": 10,
        "index_build_s": None if build_s is None else round(build_s, 1),
        "startup_to_ready_s": round(startup_s, 2),
        "baseline_one_client": base,
        "load": load,
        "ratios": {
            "p50_load_over_one_client": round(load["p50_ms"] / base["p50_ms"], 2),
            "p99_load_over_one_client": round(load["p99_ms"] / base["p99_ms"], 2),
            "throughput_load_over_one_client": round(
                load["throughput_rps"] / base["throughput_rps"], 2
            ),
        },
    }
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", "utf-8")
    tmp.cleanup()
    return 0 if load["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
