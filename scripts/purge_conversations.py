"""Retention control (PIPL / GDPR): delete conversations whose last event is older than N days.

    make purge-conversations DAYS=90 [DRY_RUN=1] [ENDPOINTS=endpoints.scaleout.yml]
    python scripts/purge_conversations.py --days 90 [--dry-run] [--endpoints FILE] [--batch 500]

Deletes, from the tracker store named by the endpoints file (SQLite or PostgreSQL), every conversation (one
session of one sender) whose last event is older than N days, with all its events; recent conversations stay
whole. Safe while the assistant runs: one transaction per batch of senders. Straight from the database, never
through the assistant's API. --dry-run deletes nothing and prints what it would delete.
Exit codes: 0 done; 2 bad arguments or a store that cannot be used (a message, no traceback); 130 interrupted
(the batch in progress is rolled back).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # run as a script from anywhere
from review.endpoints import StoreError, store_config
from review.progress import Progress
from review.purge import purge
from review.store import Store


def positive(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days <= 0:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number of days")
    return days


def when(timestamp: Optional[float]) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if timestamp else "-"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="purge_conversations.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=positive, required=True, help="delete conversations idle longer than this")
    ap.add_argument("--dry-run", action="store_true", help="print what would be deleted; delete nothing")
    ap.add_argument("--endpoints", type=Path, default=Path("endpoints.yml"), help="default endpoints.yml")
    ap.add_argument("--batch", type=positive, default=500, help="senders per transaction (default 500)")
    args = ap.parse_args(argv)
    try:
        with Store(store_config(args.endpoints), write=not args.dry_run) as store:
            result = purge(store, args.days, dry_run=args.dry_run, batch=args.batch,
                           progress=lambda total: Progress("senders checked", total))
            where = store.config.describe()
    except StoreError as e:
        print(f"purge: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\npurge: interrupted; the batch in progress was rolled back, the ones before it stay deleted",
              file=sys.stderr)
        return 130
    verb = "would delete" if result.dry_run else "deleted"
    print(f"{where}: conversations with no event since {when(result.cutoff)} ({args.days} days)")
    print(f"{verb} {result.conversations} conversations ({result.events} events) of {len(result.senders)} senders")
    if result.conversations:
        low, high = result.last_activity
        print(f"their last events: {when(low)} to {when(high)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
