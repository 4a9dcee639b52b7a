"""``rxmatch outcomes record|report|forget``: the outcome store from the command line.

The store is ``--store`` (a SQLite file path or a ``postgresql://`` URL), or the
``RXMATCH_OUTCOMES`` environment variable. Nothing here reads or prints anyone's words:
events are ids, enums, numbers and times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from .events import DECLINE_REASONS, EVENT_TYPES

__all__ = ["add_outcomes_parser"]

ENV_STORE = "RXMATCH_OUTCOMES"


def _open(args: argparse.Namespace) -> Any:
    from ..exceptions import InvalidParameterError
    from .store import OutcomeStore

    url = args.store or os.environ.get(ENV_STORE)
    if not url:
        raise InvalidParameterError(f"no outcome store: pass --store PATH|URL or set {ENV_STORE}")
    return OutcomeStore(url, retention_days=args.retention_days)


def _cmd_record(args: argparse.Namespace) -> int:
    from datetime import datetime

    fields: dict[str, Any] = {}
    for name in ("rank", "score", "propensity", "reason", "category", "ranker_version"):
        v = getattr(args, name)
        if v is not None:
            fields[name] = v
    if args.at:
        fields["at"] = datetime.fromisoformat(args.at)
    with _open(args) as store:
        if args.csv:
            import pandas as pd

            rows = pd.read_csv(args.csv, dtype={"referral_id": str, "resource_id": str})
            events = [
                {k: v for k, v in r.items() if not (isinstance(v, float) and v != v)}
                for r in rows.to_dict("records")
            ]
            for e in events:
                if "at" in e:
                    e["at"] = datetime.fromisoformat(str(e["at"]))
            n = store.record_many(events)
        else:
            if not (args.event and args.referral_id and args.resource_id):
                from ..exceptions import InvalidParameterError

                raise InvalidParameterError("give EVENT REFERRAL_ID RESOURCE_ID, or --csv FILE")
            store.record(args.event, args.referral_id, args.resource_id, **fields)
            n = 1
    print(f"recorded {n} event{'s' if n != 1 else ''}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .signals import resource_signals, stale_report

    with _open(args) as store:
        frame = store.to_frame()
    counts = {ev: int((frame["event"] == ev).sum()) for ev in EVENT_TYPES}
    signals = resource_signals(frame) if len(frame) else None
    stale = stale_report(frame)
    if args.json:
        out = {
            "events": counts,
            "referrals": int(frame["referral_id"].nunique()),
            "resources": []
            if signals is None
            else json.loads(signals.head(args.top).to_json(orient="records")),
            "stale": json.loads(stale.to_json(orient="records", date_format="iso")),
        }
        print(json.dumps(out, indent=2))
        return 0
    print(f"{len(frame)} events, {frame['referral_id'].nunique()} referrals")
    print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if signals is not None:
        cols = ["resource_id", "category", "offered", "attended", "retained"]
        cols += ["attendance", "attendance_lo", "attendance_hi", "retention"]
        print(f"\nresources (top {args.top} by referrals offered; rates shrunk to the category):")
        print(signals[cols].head(args.top).to_string(index=False, float_format="%.3f"))
    print("\nflagged for the directory team (closed / full / not as described):")
    print("  none" if stale.empty else stale.to_string(index=False))
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    with _open(args) as store:
        n = store.forget(args.referral_id)
    print(f"erased {n} event{'s' if n != 1 else ''} of that referral")
    return 0


def add_outcomes_parser(sub: Any) -> None:
    """Add ``outcomes record|report|forget`` to the ``rxmatch`` parser's subcommands."""
    o = sub.add_parser("outcomes", help="record, report and forget referral outcomes")
    osub = o.add_subparsers(dest="outcomes_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", help=f"SQLite file or postgresql:// URL (default ${ENV_STORE})")
        p.add_argument(
            "--retention-days",
            type=float,
            default=None,
            help="delete events older than this many days when opening",
        )

    r = osub.add_parser("record", help="append one event (or a CSV of events)")
    common(r)
    r.add_argument("event", nargs="?", choices=EVENT_TYPES)
    r.add_argument("referral_id", nargs="?", help="a pseudonymous referral id")
    r.add_argument("resource_id", nargs="?")
    r.add_argument("--reason", choices=DECLINE_REASONS, help="for declined")
    r.add_argument("--rank", type=int)
    r.add_argument("--score", type=float)
    r.add_argument("--propensity", type=float)
    r.add_argument("--category")
    r.add_argument("--ranker-version", dest="ranker_version")
    r.add_argument("--at", help="ISO time (default now, UTC)")
    r.add_argument("--csv", help="a CSV with columns event, referral_id, resource_id, ...")
    r.set_defaults(func=_cmd_record)

    rep = osub.add_parser("report", help="event counts, per-resource signals, stale records")
    common(rep)
    rep.add_argument("--top", type=int, default=20)
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(func=_cmd_report)

    f = osub.add_parser("forget", help="erase every event of one referral")
    common(f)
    f.add_argument("referral_id")
    f.set_defaults(func=_cmd_forget)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: rxmatch outcomes ...")
