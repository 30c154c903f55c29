"""The stores the Rasa server keeps its state in: conversations, locks, channel state, sender budgets."""


class StoreUnavailable(RuntimeError):
    """A store could not be read or written after its retries: the turn fails with a clear "try again"
    (REST: 503) instead of going on without the conversation (server/patches/store_failures.py)."""
