"""A faster query encoder: the bundled all-MiniLM-L6-v2 run by onnxruntime.

:class:`OnnxEmbedder` computes what :class:`~rxmatch.features.text.SentenceTransformerEmbedder`
computes (word-piece tokens truncated to 256, the 6-layer BERT, mean pooling over the
attention mask, L2 normalization) with onnxruntime and numpy instead of torch and
sentence-transformers. The ONNX graph is exported from the bundled weights, offline:

* by default in memory, on first use (torch's TorchScript exporter, a few seconds; the graph
  bytes go straight into an ``onnxruntime.InferenceSession``, nothing is written to disk);
* or once, to a file, with :func:`export_onnx` / :meth:`OnnxEmbedder.export`; then
  ``OnnxEmbedder(path=...)`` loads it with onnxruntime alone (no torch, no
  sentence-transformers). The file carries its tokenizer and settings in its metadata.

onnxruntime, tokenizers and onnx (which torch's exporter and onnxruntime's quantizer need)
are core dependencies of rxmatch. A saved index built with the bundled model holds the fp32
export (``query_encoder.onnx``) and ``Matcher.load`` uses it by default (no torch); see
``docs/guide/speed.md``. Nothing here is imported at ``import rxmatch``.
Measurements (latency, agreement with the reference model, ranking quality):
``docs/fast_encoding.md``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import InvalidParameterError, ModelUnavailableError, OptionalDependencyError
from .text import _ProcessLocal, default_model_path, each_distinct_once, resolve_threads

__all__ = [
    "OnnxEmbedder",
    "export_onnx",
    "int8_embedder",
    "FAST_EXTRA",
    "REFERENCE_NAME",
    "INT8_NAME",
    "onnxruntime_available",
    "export_available",
    "is_reference_model",
    "reference_onnx_bytes",
    "cached_reference_onnx",
    "onnx_cache_path",
]

#: The pip extra that installs the onnxruntime backend.
FAST_EXTRA = "rxmatch[fast]"
#: Name of the fp32 export: the same as the reference model's, because its vectors agree
#: with it to ~1e-6 (a drop-in query encoder for caches and indexes built with it).
REFERENCE_NAME = "all-MiniLM-L6-v2"
#: Name of the dynamically int8-quantized export (different vectors: a different model).
INT8_NAME = "all-MiniLM-L6-v2-onnx-int8"

_DIM = 384
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_META_PREFIX = "rxmatch."


def _require(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{what} needs the package '{module}': pip install '{FAST_EXTRA}'"
        ) from exc


def _model_settings(folder: Path) -> dict[str, Any]:
    """What sentence-transformers does with the bundled folder, read from its config files,
    and checked to be what this module reproduces (Transformer -> mean Pooling -> Normalize)."""
    modules = json.loads((folder / "modules.json").read_text("utf-8"))
    types = [m["type"].rsplit(".", 1)[-1] for m in sorted(modules, key=lambda m: m["idx"])]
    if types != ["Transformer", "Pooling", "Normalize"]:
        raise ModelUnavailableError(
            f"the ONNX backend reproduces Transformer -> Pooling -> Normalize; "
            f"the model folder has {types}"
        )
    pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = json.loads((folder / pooling_dir / "config.json").read_text("utf-8"))
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise ModelUnavailableError(f"the ONNX backend does mean pooling only; got {modes}")
    st = json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
    if st.get("do_lower_case"):
        raise ModelUnavailableError("do_lower_case=True in sentence_bert_config is not supported")
    return {
        "max_seq_length": int(st["max_seq_length"]),
        "dim": int(pooling["word_embedding_dimension"]),
    }


def _export_bytes(folder: Path, *, opset: int = 17) -> bytes:
    """Export the bundled BERT (last hidden state) to ONNX, in memory, with torch."""
    torch = _require("torch", "exporting the ONNX graph from the bundled weights")
    _require("onnx", "torch's ONNX exporter")
    try:
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - a dependency of sentence-transformers
        raise OptionalDependencyError(
            "exporting the ONNX graph needs 'transformers' (installed with rxmatch)"
        ) from exc
    from .text import _quiet_transformers

    _quiet_transformers()
    try:
        bert = AutoModel.from_pretrained(
            str(folder), local_files_only=True, attn_implementation="eager"
        )
    except Exception as exc:  # noqa: BLE001 - re-raised with context
        raise ModelUnavailableError(f"cannot load the bundled weights for export: {exc}") from exc

    class _LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # eval() on the wrapper too: the exporter restores the wrapper's mode afterwards, and a
    # wrapper left in training mode would switch dropout on in the wrapped model.
    wrapper = _LastHidden(bert).eval()
    # a dummy batch with padding in one row (token ids carry no text)
    ids = torch.tensor([[101, 2000, 2001, 2002, 2003, 102], [101, 2004, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {"batch": 0, "sequence": 1}
    dynamic = {n: {v: k for k, v in axes.items()} for n in (*_INPUTS, "last_hidden_state")}
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # TracerWarnings from transformers' shape checks, and the exporter's notice that the
        # TorchScript path is legacy (the dynamo path needs onnxscript; see the docs)
        warnings.simplefilter("ignore")
        with torch.no_grad():
            torch.onnx.export(
                wrapper,
                (ids, mask, types),
                buf,
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=opset,
                do_constant_folding=True,
                dynamo=False,
            )
    return buf.getvalue()


def _quantize_bytes(model_bytes: bytes) -> bytes:
    """Dynamic int8 quantization of the MatMul weights, per output channel
    (onnxruntime.quantization; activations are quantized at run time).

    Per-channel weights keep the cosine with the reference >= 0.98 on every text measured;
    per-tensor weights drop it to ~0.89, and also quantizing the word-embedding Gather (a
    smaller file) to ~0.977. See ``docs/fast_encoding.md``.

    onnxruntime's quantizer works on files: it runs in a temporary directory that is removed
    afterwards (model weights only; no text is involved)."""
    _require("onnx", "int8 quantization")
    _require("onnxruntime", "int8 quantization")
    import logging
    import tempfile

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load_from_string(model_bytes)
    with tempfile.TemporaryDirectory(prefix="rxmatch-onnx-") as tmp:
        src = Path(tmp) / "model.onnx"
        dst = Path(tmp) / "model.int8.onnx"
        onnx.save_model(model, str(src))
        logger = logging.getLogger()
        level = logger.level
        logger.setLevel(logging.ERROR)  # "consider pre-processing" advice on the root logger
        try:
            quantize_dynamic(
                str(src),
                str(dst),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                per_channel=True,
            )
        finally:
            logger.setLevel(level)
        return dst.read_bytes()


def _with_metadata(model_bytes: bytes, meta: dict[str, str]) -> bytes:
    import onnx

    model = onnx.load_from_string(model_bytes)
    keep = [p for p in model.metadata_props if not p.key.startswith(_META_PREFIX)]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key = _META_PREFIX + k
        entry.value = v
    return model.SerializeToString()


_BUILT: dict[bool, tuple[bytes, dict[str, str]]] = {}
_BUILD_LOCK = threading.Lock()


def _build(quantize: bool) -> tuple[bytes, dict[str, str]]:
    """The bundled model's ONNX bytes and metadata, exported once per process (a second
    export, e.g. for a second saved index, reuses the first one's bytes)."""
    with _BUILD_LOCK:
        got = _BUILT.get(quantize)
        if got is None:
            got = _BUILT[quantize] = _build_uncached(quantize)
        return got


def _build_uncached(quantize: bool) -> tuple[bytes, dict[str, str]]:
    folder = Path(default_model_path())
    settings = _model_settings(folder)
    raw = _export_bytes(folder)
    if quantize:
        raw = _quantize_bytes(raw)
    meta = {
        "name": INT8_NAME if quantize else REFERENCE_NAME,
        "quantized": "int8-dynamic" if quantize else "none",
        "max_seq_length": str(settings["max_seq_length"]),
        "dim": str(settings["dim"]),
        "pooling": "mean",
        "normalize": "l2",
        "source_weights_sha256": hashlib.sha256(
            (folder / "model.safetensors").read_bytes()
        ).hexdigest(),
        "tokenizer_json": (folder / "tokenizer.json").read_text("utf-8"),
    }
    return _with_metadata(raw, meta), meta


def export_onnx(path: str | Path, *, quantize: bool = False) -> Path:
    """Export the bundled all-MiniLM-L6-v2 to an ONNX file at ``path`` (needs torch and onnx).

    The file holds the graph and weights (~90 MB fp32, ~59 MB int8), the tokenizer and
    the settings (name, maximum length, pooling), so that ``OnnxEmbedder(path=path)`` loads
    it with onnxruntime alone.

    Parameters
    ----------
    path : str | Path
        where to write the ``.onnx`` file (parent folders are created).
    quantize : bool
        dynamic int8 quantization of the weights (smaller, faster, slightly
        different vectors: named ``"all-MiniLM-L6-v2-onnx-int8"``).

    Returns
    -------
    Path
        The path written.
    """
    out = Path(path)
    data, _ = _build(bool(quantize))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def onnxruntime_available() -> bool:
    """Whether the ONNX query path can run here (onnxruntime and tokenizers importable)."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


def export_available() -> bool:
    """Whether the bundled weights can be exported to ONNX here (torch, onnx, transformers
    and onnxruntime importable)."""
    return onnxruntime_available() and all(
        importlib.util.find_spec(m) is not None for m in ("torch", "onnx", "transformers")
    )


def is_reference_model(embedder: Any) -> bool:
    """Whether ``embedder`` computes the bundled all-MiniLM-L6-v2's fp32 vectors, so that
    the ONNX export can stand in for it as a query encoder: the default
    :class:`~rxmatch.features.text.SentenceTransformerEmbedder` (bundled weights), or an
    fp32 :class:`OnnxEmbedder` of the bundled weights. Does not load a model."""
    from .text import SentenceTransformerEmbedder

    if isinstance(embedder, SentenceTransformerEmbedder):
        return embedder.model is None and embedder.name == REFERENCE_NAME
    if isinstance(embedder, OnnxEmbedder):
        return embedder.path is None and not embedder.quantize and embedder.name == REFERENCE_NAME
    return False


def reference_onnx_bytes() -> bytes:
    """The fp32 ONNX export of the bundled all-MiniLM-L6-v2 with its metadata (what
    :func:`export_onnx` writes), exported once per process. Needs torch and onnx."""
    return _build(False)[0]


#: Environment variable naming rxmatch's cache folder (default ``~/.cache/rxmatch``).
CACHE_ENV = "RXMATCH_CACHE_DIR"
_ANNOUNCED: set[str] = set()


def onnx_cache_path() -> Path:
    """Where the fp32 export of the bundled model is cached for indexes that do not hold
    one: ``$RXMATCH_CACHE_DIR/onnx/`` (default ``~/.cache/rxmatch/onnx/``), one file per
    installed copy of the weights (keyed by the weights file's path, size and mtime)."""
    base = os.environ.get(CACHE_ENV)
    root = Path(base) if base else Path.home() / ".cache" / "rxmatch"
    weights = Path(default_model_path()) / "model.safetensors"
    try:
        st = weights.stat()
        key = f"{weights.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        key = str(weights)
    tag = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return root / "onnx" / f"{REFERENCE_NAME}-fp32-{tag}.onnx"


def cached_reference_onnx(*, create: bool = True) -> Path | None:
    """The cached fp32 export of the bundled model (:func:`onnx_cache_path`), or ``None``.

    When it is absent and ``create`` is true and the export is possible here
    (:func:`export_available`), it is exported (torch, a few seconds) and written there
    once, and the write is announced on standard error (model weights only, never text).
    Returns ``None`` when there is no cached file and none can be written.
    """
    path = onnx_cache_path()
    if path.is_file():
        return path
    if not create or not export_available():
        return None
    data = reference_onnx_bytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        return None
    if str(path) not in _ANNOUNCED:
        _ANNOUNCED.add(str(path))
        print(
            f"rxmatch: exported the bundled all-MiniLM-L6-v2 to ONNX once and cached it at "
            f"{path} ({len(data) / 1e6:.0f} MB; set {CACHE_ENV} to move it, delete it to "
            "free the space); later loads use it without torch",
            file=sys.stderr,
            flush=True,
        )
    return path


# -- the packed graph: several texts in one row, no padding ----------------------------------
#: bump when the rewrite below changes (cache entries of another version are not used)
_PACK_VERSION = "1"
#: the packed graph's inputs: token ids, token types, each token's position in its own
#: text, and the additive attention bias (0 within a text, -inf-like across texts)
_PACKED_INPUTS = ("input_ids", "token_type_ids", "position_ids", "attention_bias")
#: a packed row holds texts up to this many tokens (a longer text gets a row of its own):
#: a row's attention spans all its positions, so long rows of many short texts cost more
_ROW_TOKENS = 64
#: texts of at most this many tokens in all (a referral's answer and wishes) share one row:
#: one row of 80 beats two of 64 padded to their longest
_ONE_ROW_TOKENS = 128
#: token positions (rows x width) per ``session.run``: ~256-512 run fastest on one core
_RUN_TOKENS = 256
_NEG = np.finfo(np.float32).min
#: texts whose vectors must agree between the padded and the packed graph (no person's words)
_PACK_PROBES = (
    "I used to love painting and I feel lonely since my wife died",
    "walking",
    "Me gustaría caminar en el parque con otras personas los domingos",
    "a choir, a garden, a book club",
    "x",
)
_PACKED_BUILT: dict[bool, bytes | None] = {}


def _packed_model_bytes(model: Any) -> bytes | None:
    """Rewrite an exported BERT (``onnx.ModelProto``) so that one row can hold several
    texts: the position ids and the attention mask become inputs (``position_ids``, each
    token's position within its own text; ``attention_bias``, ``(batch, 1, seq, seq)``,
    0 where two tokens are of the same text and the float32 minimum elsewhere) in place of
    the ``attention_mask`` input. Each token then sees exactly what it sees when its text is
    run alone, so the vectors are the same up to float rounding, with no padding and one
    ``session.run`` for a whole referral. ``None`` when the graph is not the expected one
    (the caller then keeps the padded graph)."""
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    # the scores of every attention layer: Softmax(Add(scaled scores, mask)); the mask
    # is the one tensor that all of these Adds share
    adds = [producer.get(n.input[0]) for n in g.node if n.op_type == "Softmax"]
    if not adds or any(a is None or a.op_type != "Add" for a in adds):
        return None
    shared = set(adds[0].input).intersection(*(set(a.input) for a in adds[1:]))
    if len(shared) != 1:
        return None
    mask = shared.pop()
    pos = [
        n
        for n in g.node
        if n.op_type == "Gather" and n.input and "position_embeddings" in n.input[0]
    ]
    if len(pos) != 1:
        return None
    for a in adds:
        a.input[list(a.input).index(mask)] = "attention_bias"
    pos[0].input[1] = "position_ids"
    # drop what no longer leads to the output (the mask and position computations)
    need = {o.name for o in g.output}
    keep = []
    for n in reversed(list(g.node)):
        if any(o in need for o in n.output):
            keep.append(n)
            need.update(i for i in n.input if i)
    if "attention_mask" in need or not {"input_ids", "token_type_ids"} <= need:
        return None
    keep.reverse()
    del g.node[:]
    g.node.extend(keep)
    for i in reversed(range(len(g.initializer))):
        if g.initializer[i].name not in need:
            del g.initializer[i]
    from onnx import TensorProto, helper

    old = {i.name: i for i in g.input}
    inputs = [
        old["input_ids"],
        old["token_type_ids"],
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "sequence"]),
        helper.make_tensor_value_info(
            "attention_bias", TensorProto.FLOAT, ["batch", 1, "sequence", "sequence"]
        ),
    ]
    del g.input[:]
    g.input.extend(inputs)
    return model.SerializeToString()


def _file_sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _packed_cache_folder(source_sha: str) -> Path:
    from .warm import cache_root

    return cache_root() / "onnx-packed" / f"{source_sha[:24]}-v{_PACK_VERSION}"


def _pack_rows(lengths: np.ndarray, capacity: int) -> list[list[int]]:
    """Texts (by index) grouped into rows: each row starts with the longest text left and
    is topped up with the next longest, then the shortest, that fit in
    ``max(capacity, its first text)`` tokens. Every text is in exactly one row."""
    order = np.argsort(-lengths, kind="stable").tolist()
    rows: list[list[int]] = []
    i, j = 0, len(order) - 1
    while i <= j:
        first = order[i]
        row, used, cap = [first], int(lengths[first]), max(capacity, int(lengths[first]))
        i += 1
        while i <= j and used + lengths[order[i]] <= cap:
            row.append(order[i])
            used += int(lengths[order[i]])
            i += 1
        while j >= i and used + lengths[order[j]] <= cap:
            row.append(order[j])
            used += int(lengths[order[j]])
            j -= 1
        rows.append(row)
    return rows


def _split_groups(lengths: Sequence[int], k: int) -> list[list[int]]:
    """Texts (by index) split into at most ``k`` groups of about equal token counts, to be
    encoded at the same time on ``k`` threads: the longest text first, each to the group
    with the fewest tokens so far (the lowest-numbered on a tie). Deterministic; every text
    is in exactly one group; no group is empty, so there are ``min(k, len(lengths))``."""
    order = sorted(range(len(lengths)), key=lambda i: -int(lengths[i]))
    k = max(1, min(int(k), len(order)))
    groups: list[list[int]] = [[] for _ in range(k)]
    load = [0] * k
    for i in order:
        g = min(range(k), key=load.__getitem__)
        groups[g].append(i)
        load[g] += int(lengths[i])
    return groups


def _run_packed(
    session: Any, ids: list[list[int]], batch_size: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Mean-pooled, L2-normalized vectors of token-id lists with the packed graph: texts
    packed into rows (:func:`_pack_rows`), rows into runs of at most ``_RUN_TOKENS``
    positions (or one row) and ``batch_size`` texts."""
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    if out is None:
        out = np.zeros((len(ids), _DIM), dtype=np.float32)
    total = int(lengths.sum())
    rows = _pack_rows(lengths, total if total <= _ONE_ROW_TOKENS else _ROW_TOKENS)
    used = [int(lengths[r].sum()) for r in rows]
    order = np.argsort(-np.asarray(used), kind="stable")
    k = 0
    while k < len(order):
        width = used[order[k]]
        batch = [rows[order[k]]]
        n_texts = len(batch[0])
        k += 1
        while (
            k < len(order)
            and (len(batch) + 1) * width <= _RUN_TOKENS
            and n_texts + len(rows[order[k]]) <= batch_size
        ):
            batch.append(rows[order[k]])
            n_texts += len(rows[order[k]])
            k += 1
        tok = np.zeros((len(batch), width), dtype=np.int64)
        pos = np.zeros((len(batch), width), dtype=np.int64)
        seg = np.tile(np.arange(-1, -width - 1, -1, dtype=np.int64), (len(batch), 1))
        spans = []
        for b, row in enumerate(batch):
            t = 0
            for s, i in enumerate(row):
                n = int(lengths[i])
                tok[b, t : t + n] = ids[i]
                pos[b, t : t + n] = np.arange(n)
                seg[b, t : t + n] = s  # padding: a segment of its own per position
                spans.append((i, b, t, n))
                t += n
        bias = np.where(seg[:, :, None] == seg[:, None, :], np.float32(0), _NEG)
        feeds = {
            "input_ids": tok,
            "token_type_ids": np.zeros_like(tok),
            "position_ids": pos,
            "attention_bias": bias[:, None].astype(np.float32, copy=False),
        }
        hidden = session.run(None, feeds)[0]
        for i, b, t, n in spans:
            out[i] = hidden[b, t : t + n].mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.clip(norms, 1e-12, None)


class OnnxEmbedder(_ProcessLocal):
    """The bundled all-MiniLM-L6-v2 run by onnxruntime: same vectors, lower latency.

    Tokenization uses the bundled fast tokenizer (``tokenizer.json``, word-piece,
    lowercasing, the same settings as sentence-transformers) truncated to the model's
    ``max_seq_length`` (256 tokens); pooling is the mean of the token vectors over the
    attention mask, then L2 normalization, in numpy, as the bundled ``modules.json``
    prescribes. Texts are packed several to a row, each attending only to its own tokens
    (``pack``), or, with ``pack=False``, sorted by length and padded to the longest of their
    batch like sentence-transformers; either way a text's vector does not depend on its
    batch (up to float rounding, ~2e-7).

    Naming. ``name`` keys rxmatch's :class:`~rxmatch.features.text.EmbeddingCache` and is
    checked by ``Matcher.load``; two encoders with the same name must be interchangeable.

    * fp32 (default): ``name = "all-MiniLM-L6-v2"``, the reference model's name, because its
      vectors agree with the reference to ~2e-7 per component (cosine > 0.9999999 on
      every text measured). It is a drop-in query encoder for caches and saved indexes
      built with the default model: ``Matcher.load(path, embedder=OnnxEmbedder())``.
    * int8 (``quantize=True``): ``name = "all-MiniLM-L6-v2-onnx-int8"``. Its vectors differ
      from the reference by about 1% of cosine (mean ~0.992, min ~0.98 on the evaluation
      texts; see the docs), which is a different model as far as a cache is concerned:
      sharing the reference's name would let a cache mix the two silently. An index built
      with the reference then does not load with it; rebuild the index with this encoder,
      or pass ``name="all-MiniLM-L6-v2"`` explicitly if you accept int8 queries against
      fp32 directory vectors (measured in the docs).
    * ``OnnxEmbedder(path=...)`` takes the name stored in the file's metadata (reading
      ``name`` then loads the file); ``name=`` overrides any of these.

    Parameters
    ----------
    path : str | Path | None
        a file written by :func:`export_onnx` / :meth:`export`. ``None`` (default)
        exports the bundled weights in memory on first use (needs torch; a few seconds;
        nothing is written to disk). With a path, the file decides whether the model is
        quantized and gives the name and tokenizer; only onnxruntime is needed.
    quantize : bool
        dynamic int8 quantization of the in-memory export (``path=None`` only).
    threads : int | str | None
        the cores one ``encode`` call may use. Default ``"auto"``: ``$RXMATCH_THREADS``
        when set, else 1 (a single query is latency-bound and one thread leaves the other
        cores to a server's other requests; the benchmark compares it with torch on one
        thread). How two or more are used is ``parallel``. ``None`` lets onnxruntime choose
        its intra-op threads (one per physical core).
    parallel : str
        how ``threads`` of 2 or more work on one call. ``"texts"`` (default): the
        call's texts (a referral's answer and its wishes, or a batch) are split into
        ``threads`` groups of about equal token counts (:func:`_split_groups`), encoded at
        the same time on as many Python threads (``session.run`` releases the GIL), each
        with one onnxruntime thread: a text's vector is computed as in one run (the same
        to ~2e-7; a single text is not split). ``"ops"``: onnxruntime's intra-op threads
        share each run's operators (they synchronise at every one of the graph's ~100
        small operators, and spin while they wait: ~1.4x on two idle cores, slower than
        one thread on a busy machine). See ``docs/fast_encoding.md``.
    name : str | None
        identifier for caches and saved indexes; default from the model (see Naming).
    pack : bool
        run several texts in one row of the graph, without padding (default ``True``):
        the fp32 graph is rewritten once so that the position ids and the attention mask
        are inputs, and a referral's whole answer and its wishes go through one
        ``session.run`` with each token attending to its own text only: the same vectors
        up to float rounding (~2e-7), ~20 % less CPU per referral (see
        ``docs/fast_encoding.md``). The rewritten graph is checked against the padded one
        on probe texts and cached in ``$RXMATCH_CACHE_DIR/onnx-packed/`` (keyed by the
        source file's SHA-256; in memory with ``RXMATCH_NO_CACHE=1`` or for the in-memory
        export). ``False``, an int8 model, or a graph that cannot be rewritten: texts
        padded to the longest of their length bucket, as before.

    Raises
    ------
    OptionalDependencyError
        onnxruntime (or, for an export, torch / onnx) is not installed; the message names
        ``pip install 'rxmatch[fast]'``.
    ModelUnavailableError
        The ONNX file cannot be read or does not fit this encoder.

    Examples
    --------
    >>> emb = OnnxEmbedder()                                    # doctest: +SKIP
    >>> emb.encode(["I miss painting"]).shape                   # doctest: +SKIP
    (1, 384)
    >>> OnnxEmbedder.export("minilm.onnx")                      # doctest: +SKIP
    >>> fast = OnnxEmbedder(path="minilm.onnx")                 # no torch needed  # doctest: +SKIP
    """

    _model_attr = "_session"

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        quantize: bool = False,
        threads: int | str | None = "auto",
        name: str | None = None,
        pack: bool = True,
        parallel: str = "texts",
    ):
        if threads != "auto":
            resolve_threads(threads, "OnnxEmbedder")
        if parallel not in ("texts", "ops"):
            raise InvalidParameterError(
                f"The 'parallel' parameter of OnnxEmbedder must be 'texts' or 'ops'. "
                f"Got {parallel!r} instead."
            )
        if path is not None and quantize:
            raise InvalidParameterError(
                "The 'quantize' parameter of OnnxEmbedder applies to the in-memory export "
                "(path=None); a saved file keeps the setting it was exported with"
            )
        self.path = None if path is None else str(path)
        self.quantize = bool(quantize)
        self.threads = threads
        self._name = name
        self.pack = bool(pack)
        self.parallel = parallel
        self._packed = False  # whether the loaded session is the packed graph
        self._workers = 1  # texts split over this many threads per call (parallel="texts")
        self._pool: Any = None  # the threads that encode the other groups
        self._session: Any = None
        self._tokenizer: Any = None
        self._meta: dict[str, str] | None = None
        self._preload_error: Exception | None = None
        self._lock = threading.Lock()

    # -- pickling: drop the session and the tokenizer, keep the settings -------------------
    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_tokenizer"] = None
        state["_meta"] = None
        state["_preload_error"] = None
        state["_packed"] = False
        state["_workers"] = 1
        state["_pool"] = None
        return state

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> Any:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    error, self._preload_error = self._preload_error, None
                    if error is not None:  # the background load failed: say so here
                        raise error
                    self._load_locked()
        return self._session

    def preload(self) -> None:
        """Build the model file's onnxruntime session in a background thread (onnxruntime
        releases the GIL while it reads and builds, a few tenths of a second), so that the
        caller goes on meanwhile, e.g. loading the rest of an index. An unreadable file is
        an error now; the first use of the encoder waits for the session, and an error of
        the background load is raised there. Without ``path`` (the bundled model, exported
        on first use) this does nothing."""
        if self.path is None or self._session is not None:
            return
        self._readable_path()
        self._lock.acquire()  # released by the thread: every use waits for it

        def build() -> None:
            try:
                if self._session is None:
                    self._load_locked()
            except Exception as exc:  # noqa: BLE001 - raised again by the first use
                self._preload_error = exc
            finally:
                self._lock.release()

        try:
            threading.Thread(target=build, name="rxmatch-onnx-load", daemon=True).start()
        except BaseException:
            self._lock.release()
            raise

    def _readable_path(self) -> str:
        try:
            with open(self.path, "rb"):  # type: ignore[arg-type]
                pass
        except OSError as exc:
            raise ModelUnavailableError(
                f"cannot read the ONNX file given as 'path' ({exc.strerror})"
            ) from exc
        return str(self.path)

    def _load_locked(self) -> None:
        ort = _require("onnxruntime", "OnnxEmbedder")
        data: bytes | str
        if self.path is None:
            data, meta = _build(self.quantize)
        else:
            # onnxruntime reads the file itself: no copy of its ~90 MB held in Python
            # (about a third less time and 120 MB less memory than passing the bytes)
            data = self._readable_path()
            meta = None
        opts = ort.SessionOptions()
        threads = resolve_threads(self.threads, "OnnxEmbedder")
        # getattr: an embedder pickled before 'parallel' existed splits as the default does
        split = getattr(self, "parallel", "texts") == "texts" and threads is not None
        workers = threads if split and threads > 1 else 1  # type: ignore[operator]
        if threads is not None:
            opts.intra_op_num_threads = 1 if split else threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        packed = None
        cache: Path | None = None
        if self.pack and not self.quantize:
            if self.path is None:
                pbytes = _PACKED_BUILT.get(False)
                if pbytes is not None:  # rewritten and checked once in this process
                    packed = _session_of(ort, opts, pbytes)
            else:
                cache = _packed_cache_for(data)
                if cache is not None and (cache / "model.onnx").is_file():
                    try:
                        packed = _session_of(ort, opts, str(cache / "model.onnx"))
                    except ModelUnavailableError:  # a damaged entry: made again below
                        packed = None
            if packed is not None and sorted(i.name for i in packed.get_inputs()) != sorted(
                _PACKED_INPUTS
            ):
                packed = None
        session = packed if packed is not None else _session_of(ort, opts, data)
        if meta is None:
            custom = session.get_modelmeta().custom_metadata_map
            meta = {
                k[len(_META_PREFIX) :]: v for k, v in custom.items() if k.startswith(_META_PREFIX)
            }
        names = [i.name for i in session.get_inputs()]
        expected = _PACKED_INPUTS if packed is not None else _INPUTS
        if sorted(names) != sorted(expected) or session.get_outputs()[0].shape[-1] != _DIM:
            raise ModelUnavailableError(
                f"the ONNX model has inputs {names} and output shape "
                f"{session.get_outputs()[0].shape}; expected {list(_INPUTS)} -> (batch, "
                f"sequence, {_DIM}) as written by rxmatch.features.onnx.export_onnx"
            )
        tokenizer = self._make_tokenizer(meta)
        if (
            packed is None
            and self.pack
            and meta.get("quantized", "none") == "none"
            and not (self.path is None and False in _PACKED_BUILT)  # tried, did not fit
        ):
            packed = _packed_from(ort, opts, data, session, tokenizer, cache, self.path is None)
            if packed is not None:
                session = packed
        self._tokenizer = tokenizer
        self._meta = meta
        self._packed = packed is not None
        if workers > 1 and getattr(self, "_pool", None) is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(workers - 1, thread_name_prefix="rxmatch-onnx")
        self._workers = workers
        self._session = session

    def _make_tokenizer(self, meta: dict[str, str]) -> Any:
        tokenizers = _require("tokenizers", "OnnxEmbedder")
        # a file written by export_onnx carries its tokenizer and settings: the bundled
        # model's package (and its torch dependency) is then not needed at all
        tok_json = meta.get("tokenizer_json")
        if tok_json is not None:
            tok = tokenizers.Tokenizer.from_str(tok_json)
        else:  # a file without rxmatch metadata: assume the bundled tokenizer
            folder = Path(default_model_path())
            tok = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        max_len = meta.get("max_seq_length")
        if not max_len:
            max_len = _model_settings(Path(default_model_path()))["max_seq_length"]
        max_len = int(max_len)
        # tokenizer.json ships with truncation at 128 and fixed padding to 128;
        # sentence-transformers truncates at max_seq_length (256) and pads per batch.
        tok.enable_truncation(max_length=max_len, strategy="longest_first")
        tok.no_padding()
        return tok

    @property
    def name(self) -> str:
        """Identifier for caches and saved indexes (see the class docstring)."""
        if self._name is not None:
            return self._name
        if self.path is None:
            return INT8_NAME if self.quantize else REFERENCE_NAME
        self._load()
        assert self._meta is not None
        return self._meta.get("name") or f"onnx:{Path(self.path).name}"

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def dim(self) -> int:
        """Embedding dimension (384)."""
        return _DIM

    @property
    def quantized(self) -> bool:
        """Whether the loaded model is the int8 export (loads the model)."""
        self._load()
        assert self._meta is not None
        return self._meta.get("quantized", "none") != "none"

    def export(self, path: str | Path) -> Path:
        """Write this encoder's model (fp32, or int8 with ``quantize=True``) to ``path``
        (see :func:`export_onnx`); a loaded file is copied as it is."""
        if self.path is not None:
            out = Path(path)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(Path(self.path).read_bytes())
            return out
        return export_onnx(path, quantize=self.quantize)

    # -- encoding ----------------------------------------------------------------------------
    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Embed ``texts`` as an ``(n, 384)`` float32 array of L2-normalized rows.

        Thread-safe (onnxruntime sessions may run concurrently). ``show_progress_bar`` is
        accepted for the interface.
        """
        if isinstance(texts, str):
            raise TypeError("encode expects a sequence of texts, not a single string")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidParameterError(
                f"The 'batch_size' parameter of OnnxEmbedder.encode must be a positive "
                f"integer. Got {batch_size!r} instead."
            )
        items = ["" if t is None else str(t).strip() for t in texts]
        out = np.zeros((len(items), _DIM), dtype=np.float32)
        if not items:
            return out
        session = self._load()
        run = _run_packed if self._packed else _run_padded

        def encode_all(unique: list[str]) -> np.ndarray:
            ids = [e.ids for e in self._tokenizer.encode_batch(unique, add_special_tokens=True)]
            if self._workers > 1 and len(ids) > 1:
                return _run_split(run, session, ids, batch_size, self._workers, self._pool)
            return run(session, ids, batch_size)

        return each_distinct_once(items, encode_all)  # a batch of referrals repeats wishes

    def __repr__(self) -> str:
        src = "bundled, int8" if self.quantize else "bundled"
        where = f"path={self.path!r}" if self.path is not None else src
        par = "" if getattr(self, "parallel", "texts") == "texts" else ", parallel='ops'"
        return f"OnnxEmbedder({where}, threads={self.threads}{par})"


def _run_split(
    run: Any, session: Any, ids: list[list[int]], batch_size: int, workers: int, pool: Any
) -> np.ndarray:
    """``run(session, ids, batch_size)`` with the texts split into ``workers`` groups of
    about equal token counts (:func:`_split_groups`), the first group encoded on the
    calling thread and the others at the same time on ``pool`` (``session.run`` releases
    the GIL; one session may run on several threads). A text's vector is computed as in
    one run: only the texts beside it in its row differ, which changes float rounding at
    most (~2e-7). A group that the pool has not started when the calling thread is done
    (the pool busy with other calls' groups) is taken back and run on the calling thread."""
    groups = _split_groups([len(x) for x in ids], workers)
    out = np.zeros((len(ids), _DIM), dtype=np.float32)
    args = [(session, [ids[i] for i in g], batch_size) for g in groups]
    futures = [pool.submit(run, *a) for a in args[1:]]
    try:
        out[groups[0]] = run(*args[0])
    except BaseException:
        for f in futures:  # return only when no group of this call is running
            if not f.cancel():
                f.exception()
        raise
    # a group the pool has not started yet runs here instead of waiting for the pool
    done = [run(*a) if f.cancel() else f.result() for f, a in zip(futures, args[1:])]
    for g, vecs in zip(groups[1:], done):
        out[g] = vecs
    return out


def _session_of(ort: Any, opts: Any, data: bytes | str) -> Any:
    try:
        return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - re-raised with context
        raise ModelUnavailableError(f"onnxruntime cannot load the ONNX model: {exc}") from exc


def _run_padded(session: Any, ids: list[list[int]], batch_size: int) -> np.ndarray:
    """Mean-pooled, L2-normalized vectors with the exported graph: texts sorted by length,
    in batches padded to their longest text (:func:`_length_buckets`)."""
    out = np.zeros((len(ids), _DIM), dtype=np.float32)
    lengths = [len(x) for x in ids]
    order = np.argsort([-n for n in lengths], kind="stable")
    for idx in _length_buckets([lengths[i] for i in order], order, batch_size):
        width = lengths[idx[0]]  # the longest: sorted by length
        tok = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            tok[row, : lengths[i]] = ids[i]
            mask[row, : lengths[i]] = 1
        feeds = {"input_ids": tok, "attention_mask": mask, "token_type_ids": np.zeros_like(tok)}
        hidden = session.run(None, feeds)[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out[idx] = pooled / np.clip(norms, 1e-12, None)
    return out


def _packed_cache_for(path: str) -> Path | None:
    """The cache folder of the packed graph of the file at ``path`` (keyed by its
    SHA-256: every index holding the same export shares one entry), or ``None`` when
    caching is off (``RXMATCH_NO_CACHE=1``)."""
    from .warm import cache_enabled

    if not cache_enabled():
        return None
    try:
        return _packed_cache_folder(_file_sha256(path))
    except OSError:
        return None


def _packed_from(
    ort: Any,
    opts: Any,
    data: bytes | str,
    padded: Any,
    tokenizer: Any,
    cache: Path | None,
    in_memory: bool,
) -> Any:
    """The packed graph's session, made from the exported graph ``data`` (bytes or a
    path) and checked against its padded session on probe texts (within 1e-5 per
    component), then cached (a file in ``cache``, or in this process for the in-memory
    export); ``None`` when the graph cannot be rewritten or does not agree."""
    try:
        import onnx

        model = onnx.load_from_string(data) if isinstance(data, bytes) else onnx.load(data)
        pbytes = _packed_model_bytes(model)
        del model
        session = None if pbytes is None else _session_of(ort, opts, pbytes)
        if session is not None:
            probe = [e.ids for e in tokenizer.encode_batch(list(_PACK_PROBES))]
            want = _run_padded(padded, probe, 64)
            got = _run_packed(session, probe, 64)
            if not np.allclose(got, want, rtol=0, atol=1e-5):
                session = pbytes = None
    except Exception:  # noqa: BLE001 - the padded graph still works
        session = pbytes = None
    if in_memory:
        _PACKED_BUILT[False] = pbytes
    elif pbytes is not None and cache is not None:
        from .warm import announce, write_folder

        data_ = pbytes
        if write_folder(cache, lambda tmp: (tmp / "model.onnx").write_bytes(data_)):
            announce(cache, "the packed query-encoder graph (model weights only)")
    return session


def _length_buckets(lengths: Sequence[int], order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Split texts sorted by decreasing token length into batches of at most
    ``batch_size``, starting a new batch when a text is under half the batch's longest: a
    referral's whole answer (60 tokens) and its wishes (15 each) are not all padded to 60.
    On the CPU the padded positions cost as much as real ones."""
    out: list[np.ndarray] = []
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or i - start >= batch_size or 2 * lengths[i] < lengths[start]:
            out.append(order[start:i])
            start = i
    return out


def int8_embedder(**kwargs: Any) -> OnnxEmbedder:
    """``OnnxEmbedder(quantize=True, **kwargs)``: the int8 encoder (``rxmatch evaluate
    --embedder onnx-int8``)."""
    return OnnxEmbedder(quantize=True, **kwargs)
