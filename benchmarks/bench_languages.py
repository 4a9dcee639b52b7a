"""Per-referral ``recommend`` latency by the answer's language, on the real San Mateo
directory with the default Matcher (as ``rxmatch evaluate --dataset real-sanmateo`` builds
it), split into language detection, each encoder's encoding and the rest (ranking).

    python benchmarks/bench_languages.py [--rounds 5] [--dataset sanmateo] [--saved]
        [--beside] [--no-before] [--json out.json]

Queries are the dev split's referrals (the test split is never read), grouped by their
labelled language: English, Spanish, Chinese and the languages the default matcher sends
to multilingual-E5 (Vietnamese, Tagalog, ...). ``--saved`` answers from the same index
saved and loaded again (``Matcher.save``/``Matcher.load`` in a temporary folder, deleted
after): the default query encoder then runs on onnxruntime (packed MiniLM), as
``rxmatch serve`` and ``rxmatch recommend --index`` answer. Every referral is answered
once to warm up, then ``--rounds`` times, the groups taking turns referral by referral so
that they share the machine's load.

Each answer's time is split by wrapping, for the run only, the language identifier's
``classify``, each encoder's ``encode``/``encode_queries`` and ``QueryEncoder.encode_many``
(the span of all encoding); what is left is ranking (candidate search, scoring,
re-ranking, results). Reported per group: wall p50/p95, thread CPU p50 (the calling
thread's), the CPU of both threads (E5 may run on a second one) and process CPU p50 (it
includes BLAS threads spinning) of ``recommend`` (ms); the mean wall and CPU of each part
(ms); the ratio of the group's p50 to the English group's in the same run.

E5-routed answers run E5 beside the other encoders when a core looks free
(``rxmatch.features.query.core_free``); ``--beside`` makes it so whatever the load. They
are also timed with E5 on the calling thread (group "E5-routed, E5 on the calling
thread"; ``--no-before`` skips it), the two taking turns answer by answer (which goes first
alternates by round), with the paired median ratio of their wall and process CPU. The
load averages before and after are in the output: the machine is usually shared. No text
is printed or written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
import warnings
from collections import defaultdict
from typing import Any

import numpy as np

GROUPS = {"en": "English", "es": "Spanish", "zh": "Chinese"}
ENCODING = "encoding span (QueryEncoder.encode_many)"
DETECT = "language detection"
SEQUENTIAL = "E5-routed, E5 on the calling thread"
DETECT_OUTSIDE = "language detection outside the encoding span"


class Clock:
    """Wall, thread and process CPU time spent in wrapped calls, by part, for one answer."""

    def __init__(self) -> None:
        self.parts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        self.inside: set[str] = set()
        self.caller = threading.get_ident()
        self.beside: set[str] = set()  # parts that ran on another thread than the caller's

    def wrap(self, part: str, fn: Any) -> Any:
        def timed(*a: Any, **kw: Any) -> Any:
            if part in self.inside:  # encode_queries calling encode: counted once
                return fn(*a, **kw)
            self.inside.add(part)
            w, c, p = time.perf_counter(), time.thread_time(), time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                self.inside.discard(part)
                if threading.get_ident() != self.caller:
                    self.beside.add(part)
                spent = (time.perf_counter() - w, time.thread_time() - c, time.process_time() - p)
                names = [part]
                if part == DETECT and ENCODING not in self.inside:
                    names.append(DETECT_OUTSIDE)
                for name in names:
                    acc = self.parts[name]
                    for k in range(3):
                        acc[k] += spent[k]

        return timed

    def reset(self) -> None:
        self.parts.clear()
        self.beside.clear()


def instrument(matcher: Any, clock: Clock) -> list[str]:
    """Wrap the language identifier and each encoder of the fitted index (instance
    attributes: the classes are untouched). Returns the part names."""
    from rxmatch.features import language

    ident = language._get()

    class Timed:
        def __getattr__(self, name: str) -> Any:
            return getattr(ident, name)

    proxy = Timed()
    proxy.classify = clock.wrap(DETECT, ident.classify)  # type: ignore[attr-defined]
    language._identifier = proxy
    from rxmatch.features.query import QueryEncoder

    # the class attribute, for this process only: the span of every encoder's work
    QueryEncoder.encode_many = clock.wrap(ENCODING, QueryEncoder.encode_many)  # type: ignore[method-assign]
    index = matcher.index_
    encoders = {"primary": index.embedder}
    if index.multilingual is not None:
        encoders["multilingual"] = index.multilingual.embedder
    for name, space in index.vector_sets.items():
        if space is not None and name not in ("primary", "multilingual"):
            encoders[name] = space.embedder
    parts = [DETECT]
    seen: set[int] = set()
    for role, emb in encoders.items():
        if id(emb) in seen:
            continue
        seen.add(id(emb))
        part = f"encode {role} ({type(emb).__name__})"
        parts.append(part)
        for meth in ("encode", "encode_queries"):
            fn = getattr(emb, meth, None)
            if fn is not None:
                setattr(emb, meth, clock.wrap(part, fn))
    return parts


def group_of(label: str, matcher: Any) -> str:
    from rxmatch.features.query import routes_to_e5

    if label in GROUPS:
        return GROUPS[label]
    if routes_to_e5(matcher.index_, label):
        return "E5-routed"
    return f"other ({label})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="sanmateo")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--saved", action="store_true", help="answer from a saved index (ONNX)")
    ap.add_argument(
        "--no-before",
        action="store_true",
        help="do not also time the E5-routed answers with E5 on the calling thread",
    )
    ap.add_argument(
        "--beside",
        action="store_true",
        help="run E5 beside the other encoders whatever the load average (the library "
        "does it only when a core looks free: rxmatch.features.query.core_free)",
    )
    ap.add_argument("--json")
    args = ap.parse_args()

    import rxmatch
    from rxmatch.evaluation import cached_index
    from rxmatch.evaluation.harness import referrals_from_frame

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        directory = rxmatch.datasets.load_real_directory(args.dataset)
    frame = rxmatch.datasets.load_real_referrals(args.dataset, "dev")
    matcher = cached_index(directory).matcher  # the default Matcher, E5 set included
    build_s = time.perf_counter() - t0
    tmp = None
    if args.saved:  # the index only (the directory's records): no referral text is written
        import tempfile

        tmp = tempfile.TemporaryDirectory(prefix="rxmatch-bench-")
        matcher.save(os.path.join(tmp.name, "index"))
        matcher = type(matcher).load(os.path.join(tmp.name, "index"))
    refs = referrals_from_frame(frame)
    labels = [str(x) for x in frame["language_of_text"]]
    groups: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for ref, lab in zip(refs, labels):
        groups[group_of(lab, matcher)].append((lab, ref))

    from rxmatch.features import query

    if args.beside:
        query.core_free = lambda: True  # type: ignore[assignment]
    if "E5-routed" in groups and not args.no_before and query.OVERLAP_E5:
        # the same answers with every encoder on the calling thread (before E5 ran beside)
        groups[SEQUENTIAL] = list(groups["E5-routed"])
    clock = Clock()
    parts = instrument(matcher, clock)
    for members in groups.values():  # warm-up: sessions, caches, lazy loads
        for _, ref in members:
            matcher.recommend(ref)

    overlap = query.OVERLAP_E5
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    order = sorted(groups)
    longest = max(len(m) for m in groups.values())
    for rnd in range(args.rounds):
        for i in range(longest):  # the groups take turns, referral by referral
            turn = list(order)
            if rnd % 2 and SEQUENTIAL in turn:  # which of the two goes first alternates
                a, b = turn.index("E5-routed"), turn.index(SEQUENTIAL)
                turn[a], turn[b] = turn[b], turn[a]
            for g in turn:
                if i >= len(groups[g]):
                    continue
                lab, ref = groups[g][i]
                query.OVERLAP_E5 = g != SEQUENTIAL and overlap
                clock.reset()
                w, c, p = time.perf_counter(), time.thread_time(), time.process_time()
                matcher.recommend(ref)
                wall = time.perf_counter() - w
                cpu = time.thread_time() - c
                proc = time.process_time() - p
                split = {k: tuple(v) for k, v in clock.parts.items()}
                beside = set(clock.beside)
                rows[g].append(
                    {
                        "lang": lab,
                        "wall": wall,
                        "cpu": cpu,
                        "proc": proc,
                        "parts": split,
                        "beside": beside,
                        "key": (rnd, i),
                    }
                )
    query.OVERLAP_E5 = overlap
    load_after = os.getloadavg()
    if tmp is not None:
        tmp.cleanup()

    def ms(x: float) -> float:
        return round(1000 * float(x), 2)

    def part(
        rs: list[dict[str, Any]], name: str, k: int, *, beside: bool | None = None
    ) -> np.ndarray:
        return np.array(
            [
                r["parts"].get(name, (0.0, 0.0, 0.0))[k]
                if beside is None or (name in r["beside"]) == beside
                else 0.0
                for r in rs
            ]
        )

    out: dict[str, Any] = {}
    for g in order:
        rs = rows[g]
        wall = np.array([r["wall"] for r in rs])
        cpu = np.array([r["cpu"] for r in rs])
        proc = np.array([r["proc"] for r in rs])
        both = cpu.copy()  # the caller's thread and the parts run on a second thread
        split: dict[str, dict[str, Any]] = {}
        rest_c = cpu.copy()
        for name in parts:
            pw, pc = part(rs, name, 0), part(rs, name, 1)
            rest_c -= part(rs, name, 1, beside=False)
            both += part(rs, name, 1, beside=True)
            if pw.any():
                split[name] = {"wall_mean_ms": ms(pw.mean()), "cpu_mean_ms": ms(pc.mean())}
                if any(name in r["beside"] for r in rs):
                    split[name]["on_a_second_thread"] = True
        # wall: the answer minus the encoding span (QueryEncoder.encode_many, the wait for
        # every encoder) minus the language detection done outside it
        rest_w = wall - part(rs, ENCODING, 0) - part(rs, DETECT_OUTSIDE, 0)
        split["ranking and the rest"] = {
            "wall_mean_ms": ms(rest_w.mean()),
            "cpu_mean_ms": ms(rest_c.mean()),
        }
        out[g] = {
            "languages": sorted({r["lang"] for r in rs}),
            "referrals": len(groups[g]),
            "answers_timed": len(rs),
            "wall_p50_ms": ms(np.percentile(wall, 50)),
            "wall_p95_ms": ms(np.percentile(wall, 95)),
            "thread_cpu_p50_ms": ms(np.percentile(cpu, 50)),
            "cpu_both_threads_p50_ms": ms(np.percentile(both, 50)),
            "process_cpu_p50_ms": ms(np.percentile(proc, 50)),
            "encoding_wall_mean_ms": ms(part(rs, ENCODING, 0).mean()),
            "share_with_e5_beside": round(float(np.mean([bool(r["beside"]) for r in rs])), 3),
            "split": split,
        }
    if SEQUENTIAL in out:  # the same answer, E5 beside vs on the calling thread, in turn
        seq = {r["key"]: r for r in rows[SEQUENTIAL]}
        pairs = [(r, seq[r["key"]]) for r in rows["E5-routed"] if r["key"] in seq]
        out["E5-routed"]["paired_median_ratio_to_calling_thread"] = {
            "wall": round(float(np.median([a["wall"] / b["wall"] for a, b in pairs])), 3),
            "process_cpu": round(float(np.median([a["proc"] / b["proc"] for a, b in pairs])), 3),
            "pairs": len(pairs),
        }
    base = out.get("English")
    if base:
        for row in out.values():
            row["ratio_to_english"] = {
                k: round(row[k] / base[k], 2) if base[k] else None
                for k in (
                    "wall_p50_ms",
                    "thread_cpu_p50_ms",
                    "cpu_both_threads_p50_ms",
                    "process_cpu_p50_ms",
                )
            }
    import torch  # already imported by the default encoder

    result = {
        "dataset": f"real-{args.dataset}",
        "split": "dev",
        "resources": len(directory),
        "rounds": args.rounds,
        "index_build_s": round(build_s, 1),
        "saved_index": bool(args.saved),
        "e5_beside_forced": bool(args.beside),
        "encoders": parts[1:],
        "torch_threads": torch.get_num_threads(),
        "rxmatch_threads": os.environ.get("RXMATCH_THREADS"),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "groups": out,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
