"""The retention control: deletes every conversation whose last event is older than a number of days, with
all its events, from the configured tracker store.

A conversation is one session of one sender (review.turns.split_sessions), so a sender who comes back keeps
the recent conversation and loses the old ones (a WeChat user's sender id never changes; purging by sender
would keep such a history forever). Rasa reads only a sender's latest session, and a new session starts with
its own copy of the slots, so deleting older sessions changes nothing the server sees.

Work goes in batches of senders: one read of their events (ids, types and times only), then one transaction
deleting the id range of each old conversation. Ids only grow, so an event written meanwhile is never in a
range. On SQLite the purge turns on `secure_delete` (the deleted text is overwritten, not left in free pages)
and empties the WAL when it can. What a running server notices is in the README ("Conversation review and
retention").
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from review.progress import Progress
from review.store import Store
from review.turns import split_sessions

DAY = 86400.0


@dataclass
class Result:
    cutoff: float
    dry_run: bool
    conversations: int = 0
    events: int = 0
    senders: set = field(default_factory=set)
    last_activity: Tuple[Optional[float], Optional[float]] = (None, None)

    def note(self, last: float) -> None:
        low, high = self.last_activity
        self.last_activity = (last if low is None else min(low, last), last if high is None else max(high, last))


def old_ranges(store: Store, senders: List[str], cutoff: float) -> List[Tuple[str, int, int, int, float]]:
    """(sender, first id, last id, events, last event time) of each conversation that ended before `cutoff`."""
    ranges = []
    for sender, events in store.outlines(senders):
        for session in split_sessions(events):
            last = max(e.timestamp for e in session)
            if last < cutoff:
                ranges.append((sender, session[0].id, session[-1].id, len(session), last))
    return ranges


def purge(store: Store, days: int, dry_run: bool = False, batch: int = 500, now: Optional[float] = None,
          progress: Optional[Callable[[int], Progress]] = None) -> Result:
    if days <= 0:
        raise ValueError("days must be positive")
    cutoff = (time.time() if now is None else now) - days * DAY
    result = Result(cutoff, dry_run)
    senders = store.senders_older_than(cutoff)
    bar = progress(len(senders)) if progress else None
    for i in range(0, len(senders), batch):
        chunk = senders[i:i + batch]
        ranges = old_ranges(store, chunk, cutoff)
        if ranges and not dry_run:
            result.events += store.delete_ranges((s, first, last) for s, first, last, _, _ in ranges)
        elif dry_run:
            result.events += sum(r[3] for r in ranges)
        for sender, _, _, _, last in ranges:
            result.conversations += 1
            result.senders.add(sender)
            result.note(last)
        if bar:
            bar.advance(len(chunk))
    if bar:
        bar.finish()
    if result.conversations and not dry_run:
        store.checkpoint()
    return result
