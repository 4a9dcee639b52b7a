"""Fixtures for rxmatch serve: the demo index saved once per session, an in-process app
(fastapi's TestClient) and the real server (uvicorn in a subprocess on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="rxmatch serve needs the 'serve' extra")
httpx = pytest.importorskip("httpx", reason="rxmatch serve's tests need httpx")

#: a phrase no resource text holds: it must never reach a log line or an error body
PHRASE = "Quixotic-Marmalade-7319 my late husband's garden"


@pytest.fixture(scope="session")
def demo_index(demo_matcher, tmp_path_factory) -> Path:
    """The bundled demo directory's index, fitted once (demo_matcher) and saved."""
    path = tmp_path_factory.mktemp("serve") / "demo-idx"
    demo_matcher.save(path)
    return path


@pytest.fixture(scope="session")
def app_client(demo_matcher):
    from fastapi.testclient import TestClient

    from rxmatch.serve import create_app

    with TestClient(create_app(matcher=demo_matcher)) as client:
        yield client


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    proc: subprocess.Popen
    log_path: Path
    index: Path

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")


def start_server(index: Path, log_path: Path, *extra: str, timeout: float = 240.0) -> LiveServer:
    """``rxmatch serve`` in a subprocess on a free loopback port, ready (``/readyz`` 200)."""
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "rxmatch.cli", "serve", "--index", str(index)]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "debug", *extra],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    server = LiveServer(f"http://127.0.0.1:{port}", proc, log_path, index)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"rxmatch serve exited ({proc.returncode}):\n{server.log_text()}")
        try:
            if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"rxmatch serve not ready in {timeout:.0f} s:\n{server.log_text()}")


def stop_server(server: LiveServer) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(demo_index, tmp_path_factory) -> Iterator[LiveServer]:
    """The real server (uvicorn, a subprocess) on the demo index, logging at debug level to
    a file the privacy tests read."""
    server = start_server(demo_index, tmp_path_factory.mktemp("serve-log") / "server.log")
    try:
        yield server
    finally:
        stop_server(server)
