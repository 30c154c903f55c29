"""One review: the conversations of a window read from the store, batch by batch, into the figures."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional

from review.figures import Figures, Names, Window
from review.privacy import SenderHasher
from review.progress import Progress
from review.store import Store
from review.turns import DESCRIPTIONS, MAX_CLARIFY, conversations

MASKING = "phone numbers, e-mail addresses and runs of 6 or more digits replaced by [phone], [email], [number]"


def build(store: Store, window: Window, hasher: Optional[SenderHasher] = None, names: Optional[Names] = None,
          progress: Optional[Callable[[int], Progress]] = None) -> Dict[str, Any]:
    hasher = hasher or SenderHasher.from_env()
    figures = Figures(window, hasher, names or Names.from_facts())
    senders = store.senders_with_messages(window.start, window.end)
    bar = progress(len(senders)) if progress else None
    for sender, events in store.events(senders):
        for conversation in conversations(sender, events):
            figures.add(conversation)
        if bar:
            bar.advance()
    if bar:
        bar.finish()
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "window": {"since": window.since.isoformat(), "until": window.until.isoformat(),
                   "timezone": str(window.tz), "days": len(window.days())},
        "store": store.config.describe(),
        "privacy": {"masking": MASKING, "sender_ids": hasher.describe()},
        "definitions": {"max_clarify": MAX_CLARIFY, "outcomes": DESCRIPTIONS},
        **figures.result(),
    }
