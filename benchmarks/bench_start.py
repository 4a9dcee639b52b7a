"""Cold start: a fresh process that loads a saved index and answers its first referral,
and ``rxmatch recommend --index`` from the shell, on the ONNX path and on the torch path.

    python benchmarks/bench_start.py --n 100000 --runs 7 --json benchmarks/results/start.json

Setup (not timed): a synthetic directory of ``--n`` resources (``synth.py``, seeded) with
random unit embeddings for both vector sets (384-d main, 512-d multilingual, as the default
matcher builds) is fitted and saved (``Matcher.save``: with the ONNX export of the bundled
model, ``query_encoder.onnx``); the bundled demo directory is fitted with the real model
and saved too, for the command-line runs. Since #11 the default build of the demo index
holds an E5 vector set (``Matcher(e5="auto")``): it is loaded (checksummed, memory-mapped,
~0.1 MB) but the E5 encoder is never built, as the timed answer is English. The large
index is fitted from given vectors, so it has no E5 set (as before). The cold-start caches (language identifier,
multilingual encoder: ``rxmatch.features.warm``) live in a fresh folder
(``RXMATCH_CACHE_DIR``); the first run of each kind fills them and is reported apart
("first run ever"); the timed runs follow.

Measured, alternating the two paths run by run so that drift on a shared machine hits both:

* **cold start** (library): wall time from spawning ``python`` to its exit, for a script
  that imports rxmatch, ``Matcher.load(index, backend=...)`` and ``recommend`` one
  referral (real words, encoded by the real model), plus the child's own split (import,
  load, first recommend, second recommend) and whether torch was imported;
* **CLI**: ``rxmatch recommend --index demo-index --what-matters ... --backend ...``,
  hyperfine-style: ``--warmup`` untimed runs, then ``--runs`` runs; mean, sd, min, median.

Ratios are torch time / ONNX time in the same run. No text is written anywhere but the
indexes' directory texts (synthetic or the bundled demo).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WORDS = "I used to love painting and I feel lonely since I retired"

CHILD = r"""
import sys, time, json
t0 = time.perf_counter()
import rxmatch
t1 = time.perf_counter()
m = rxmatch.Matcher.load(sys.argv[1], backend=sys.argv[2])
t2 = time.perf_counter()
ref = rxmatch.Referral(sys.argv[3], lat=float(sys.argv[4]), lon=float(sys.argv[5]), max_km=15)
recs = m.recommend(ref, k=10)
t3 = time.perf_counter()
recs2 = m.recommend(ref, k=10)
t4 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0, "load_s": t2 - t1, "first_recommend_s": t3 - t2,
    "second_recommend_s": t4 - t3, "torch_imported": "torch" in sys.modules,
    "embedder": type(m.embedder_).__name__, "top10": [r.resource_id for r in recs],
}))
"""


def _stats(xs: list[float]) -> dict[str, float]:
    return {
        "mean_s": statistics.fmean(xs),
        "sd_s": statistics.stdev(xs) if len(xs) > 1 else 0.0,
        "min_s": min(xs),
        "median_s": statistics.median(xs),
        "max_s": max(xs),
        "runs": len(xs),
    }


_CPU: list[float] = []


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time of one child process (spawn to exit) and its stdout; the child's CPU time
    (user + system, less sensitive than wall time to other load on a shared machine) is
    appended to ``_CPU``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        raise SystemExit(f"command failed ({out.returncode}): {out.stderr[-2000:]}")
    return wall, out.stdout


def build(n: int, folder: Path) -> tuple[Path, Path, tuple[float, float]]:
    import numpy as np
    from synth import synth_directory, synth_embeddings, synth_queries

    import rxmatch

    t = time.perf_counter()
    directory = synth_directory(n, seed=0)
    emb = synth_embeddings(n, seed=0)
    ml = synth_embeddings(n, dim=512, seed=1)
    m = rxmatch.Matcher(reference_date=date(2026, 1, 1)).fit(
        directory, embeddings=emb, multilingual_embeddings=ml
    )
    big = folder / f"synth-{n}"
    m.save(big)
    print(f"built and saved the {n:,} index in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    q = synth_queries(1, seed=0)[0]
    del m, emb, ml, directory
    t = time.perf_counter()
    demo = folder / "demo"
    rxmatch.Matcher().fit(rxmatch.datasets.load_demo_directory()).save(demo)
    print(f"built and saved the demo index in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    _ = np  # seeded inputs only
    return big, demo, (float(q.lat), float(q.lon))


def folder_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="resources in the synthetic index")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per path")
    ap.add_argument("--warmup", type=int, default=1, help="untimed CLI runs per path")
    ap.add_argument("--json", type=Path, default=None, help="write the summary here")
    ap.add_argument("--keep", type=Path, default=None, help="build the indexes here and keep them")
    ap.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse the indexes built there before"
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="rxmatch-start-")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    cache = tmp / "cache"
    env = {**os.environ, "RXMATCH_CACHE_DIR": str(cache)}
    env.pop("RXMATCH_THREADS", None)
    if args.reuse and (tmp / f"synth-{args.n}").is_dir() and (tmp / "demo").is_dir():
        from synth import synth_queries

        q = synth_queries(1, seed=0)[0]
        big, demo, (lat, lon) = tmp / f"synth-{args.n}", tmp / "demo", (q.lat, q.lon)
    else:
        big, demo, (lat, lon) = build(args.n, tmp)
    py = sys.executable
    rx = str(Path(py).with_name("rxmatch"))
    backends = ("auto", "torch")

    def child(backend: str) -> dict:
        wall, out = _run([py, "-c", CHILD, str(big), backend, WORDS, str(lat), str(lon)], env)
        got = json.loads(out.strip().splitlines()[-1])
        got["wall_s"] = wall
        got["cpu_s"] = _CPU[-1]
        return got

    cli_cpu: dict[str, list[float]] = {b: [] for b in backends}

    def cli(backend: str) -> float:
        cmd = [rx, "recommend", "--index", str(demo), "--what-matters", WORDS]
        wall = _run([*cmd, "--postal-code", "94401", "--backend", backend], env)[0]
        cli_cpu[backend].append(_CPU[-1])
        return wall

    first = {b: child(b) for b in backends}  # fills the caches (first run ever)
    runs: dict[str, list[dict]] = {b: [] for b in backends}
    for _ in range(args.runs):
        for b in backends:
            runs[b].append(child(b))
    tops = {b: {tuple(r["top10"]) for r in runs[b]} for b in backends}
    same = len(tops["auto"] | tops["torch"]) == 1

    for b in backends:
        for _ in range(args.warmup):
            cli(b)
    cli_times: dict[str, list[float]] = {b: [] for b in backends}
    for b in backends:
        cli_cpu[b].clear()  # the warm-up runs' CPU time is not reported
    for _ in range(args.runs):
        for b in backends:
            cli_times[b].append(cli(b))

    lib = {}
    for b in backends:
        rs = runs[b]
        lib[b] = {
            "wall": _stats([r["wall_s"] for r in rs]),
            "cpu_median_s": statistics.median(r["cpu_s"] for r in rs),
            **{
                k: statistics.median(r[k] for r in rs)
                for k in ("import_s", "load_s", "first_recommend_s", "second_recommend_s")
            },
            "torch_imported": sorted({r["torch_imported"] for r in rs}),
            "embedder": rs[0]["embedder"],
            "first_run_ever_wall_s": first[b]["wall_s"],
        }
    summary = {
        "date": date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_start,
            "python": platform.python_version(),
            "load_average_at_end": os.getloadavg(),
        },
        "n": args.n,
        "index_mb": {"synthetic": folder_mb(big), "demo": folder_mb(demo)},
        "cold_start": lib,
        "cold_start_speedup_median": lib["torch"]["wall"]["median_s"]
        / lib["auto"]["wall"]["median_s"],
        "same_top10": same,
        "cli": {
            b: {**_stats(cli_times[b]), "cpu_median_s": statistics.median(cli_cpu[b])}
            for b in backends
        },
        "cli_speedup_median": statistics.median(cli_times["torch"])
        / statistics.median(cli_times["auto"]),
    }
    print(json.dumps(summary, indent=2))
    print(
        "\n| path | cold start median s (min) | CPU s | import s | load s | 1st recommend s | torch |"
        "\n|---|---|---|---|---|---|---|"
    )
    for b, name in (("auto", "ONNX (default)"), ("torch", "torch")):
        x = lib[b]
        print(
            f"| {name} | {x['wall']['median_s']:.2f} ({x['wall']['min_s']:.2f}) | "
            f"{x['cpu_median_s']:.2f} | "
            f"{x['import_s']:.2f} | {x['load_s']:.2f} | {x['first_recommend_s']:.2f} | "
            f"{x['torch_imported']} |"
        )
    print(
        "\n| CLI recommend --index (demo) | mean s ± sd | min s | median s | CPU s |"
        "\n|---|---|---|---|---|"
    )
    for b, name in (("auto", "ONNX (default)"), ("torch", "--backend torch")):
        x = summary["cli"][b]
        print(
            f"| {name} | {x['mean_s']:.2f} ± {x['sd_s']:.2f} | {x['min_s']:.2f} | "
            f"{x['median_s']:.2f} | {x['cpu_median_s']:.2f} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
