"""Conversation review: what admins asked and where the assistant failed them (issue 17).

    make review [SINCE=2026-11-30] [UNTIL=2026-12-06] [ENDPOINTS=endpoints.scaleout.yml]
    python scripts/review.py [--since DATE] [--until DATE] [--timezone TZ] [--endpoints FILE] [--out DIR]

Reads the tracker store named by the endpoints file (SQLite or PostgreSQL; `${VAR}` from the environment, as
the server reads it), straight from the database and never through the assistant's API, and writes to DIR
(default results/):
    review.json            every figure (README, "Conversation review and retention")
    review.html            the same as a static page with plots, readable offline
    review_candidates.yml  the unanswered messages, grouped and masked, for a person to label
The window is whole days, both included (default: the last 7 days up to today) in --timezone (default UTC).
Sender ids are hashed with REVIEW_SALT when set, else with a key drawn for this review.
Exit codes: 0 written; 2 bad arguments, a store that cannot be read or an output directory that cannot be
written (a message, no traceback); 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # run as a script from anywhere
from review import output
from review.build import build
from review.endpoints import StoreError, store_config
from review.figures import Window
from review.progress import Progress
from review.store import Store

DEFAULT_DAYS = 7


def a_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date: write YYYY-MM-DD, e.g. 2026-12-06") from None


def a_zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"'{value}' is not an IANA time zone (e.g. UTC, Asia/Shanghai)") from None


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="review.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--since", type=a_date, help="first day (YYYY-MM-DD; default: 6 days before --until)")
    ap.add_argument("--until", type=a_date, help="last day, included (YYYY-MM-DD; default: today)")
    ap.add_argument("--timezone", type=a_zone, default=ZoneInfo("UTC"), help="days are counted in it (default UTC)")
    ap.add_argument("--endpoints", type=Path, default=Path("endpoints.yml"), help="default endpoints.yml")
    ap.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    return ap


def window_of(args: argparse.Namespace, ap: argparse.ArgumentParser) -> Window:
    window = Window.last_days(DEFAULT_DAYS, args.timezone, args.until)
    if args.since:
        window = Window(args.since, window.until, args.timezone)
    if window.since > window.until:
        ap.error(f"--since {window.since} is after --until {window.until}")
    return window


def main(argv: Optional[List[str]] = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    window = window_of(args, ap)
    try:
        with Store(store_config(args.endpoints)) as store:
            review = build(store, window,
                           progress=lambda total: Progress("senders read", total))
        paths = output.write(review, args.out)
    except StoreError as e:
        print(f"review: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"review: error: cannot write to {args.out}: {e.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nreview: interrupted", file=sys.stderr)
        return 130
    t, h = review["totals"], review["headline"]
    print(f"{window.since} - {window.until}: {t['conversations']} conversations, {t['turns']} turns; "
          + ", ".join(f"{k.replace('_', ' ')} {v * 100:.1f} %" for k, v in h.items())
          + f"; {t['unanswered_messages']} unanswered messages in {len(review['unanswered']['groups'])} groups")
    for path in paths.values():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
