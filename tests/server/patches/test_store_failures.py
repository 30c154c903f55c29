"""A tracker store that fails is tried again and then fails the turn (StoreUnavailable); Rasa's own
FailSafeTrackerStore returns no tracker and saves to process memory instead. PostgreSQL connections are
checked before use."""
import asyncio

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server.patches import store_failures as patch
from server.stores import StoreUnavailable


class FlakyStore(InMemoryTrackerStore):
    """An in-memory store whose next `failures` calls raise, as a dropped database connection does."""

    def __init__(self, failures: int):
        super().__init__(Domain.empty())
        self.failures, self.calls = failures, 0

    def _maybe_fail(self):
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")

    async def retrieve(self, sender_id):
        self._maybe_fail()
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id):
        self._maybe_fail()
        return await super().retrieve_full_tracker(sender_id)

    async def save(self, tracker):
        self._maybe_fail()
        await super().save(tracker)


def conversation(sender="s-1"):
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered("UK number for Microsoft 365"))
    return tracker


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(patch, "BACKOFF_S", (0.0,))
    newly = patch.install()
    yield
    if newly:
        patch.PATCH.uninstall()


@pytest.fixture
def rasa_own():
    was = patch.PATCH.installed()
    patch.PATCH.uninstall()
    yield
    if was:
        patch.install()


def stored(failures, sender="s-1"):
    store = FlakyStore(0)
    asyncio.run(store.save(conversation(sender)))
    store.failures = failures
    return store


@pytest.mark.parametrize("method", ["retrieve", "retrieve_full_tracker"])
@pytest.mark.parametrize("failures", [1, patch.ATTEMPTS - 1])
def test_a_read_that_fails_briefly_is_tried_again_and_gets_the_whole_conversation(installed, method, failures):
    store = stored(failures)
    tracker = asyncio.run(getattr(FailSafeTrackerStore(store), method)("s-1"))
    assert tracker is not None and [e.text for e in tracker.events] == ["UK number for Microsoft 365"]
    assert store.calls == 1 + failures + 1                      # the save above, the failures, the success


@pytest.mark.parametrize("method", ["retrieve", "retrieve_full_tracker"])
def test_a_read_that_keeps_failing_fails_the_turn_instead_of_starting_afresh(installed, method):
    store = stored(patch.ATTEMPTS)
    wrapper = FailSafeTrackerStore(store)
    with pytest.raises(StoreUnavailable) as raised:
        asyncio.run(getattr(wrapper, method)("s-1"))
    assert isinstance(raised.value.__cause__, ConnectionError) and store.calls == 1 + patch.ATTEMPTS


@pytest.mark.parametrize("failures, lands", [(1, True), (patch.ATTEMPTS, False)])
def test_a_save_is_tried_again_and_never_lands_in_process_memory(installed, failures, lands):
    store = FlakyStore(failures)
    wrapper = FailSafeTrackerStore(store)
    if lands:
        asyncio.run(wrapper.save(conversation()))
    else:
        with pytest.raises(StoreUnavailable):
            asyncio.run(wrapper.save(conversation()))
    assert ("s-1" in store.store) is lands
    assert wrapper._fallback_tracker_store is None               # no in-memory fallback was made


def test_rasas_own_wrapper_forgets_the_conversation_and_keeps_the_save_in_memory(rasa_own):
    """What the patch replaces, so that the tests above compare with it."""
    store = stored(1)
    wrapper = FailSafeTrackerStore(store)
    assert asyncio.run(wrapper.retrieve("s-1")) is None
    store.failures = 1
    asyncio.run(wrapper.save(conversation("s-2")))
    assert "s-2" not in store.store and "s-2" in wrapper.fallback_tracker_store.store


@pytest.mark.parametrize("url, pre_ping", [
    ("postgresql://rasa@127.0.0.1:5432/rasa", True), ("postgresql+psycopg2://h/db", True), ("sqlite:///rasa.db", None)])
def test_postgresql_connections_are_checked_before_use(installed, url, pre_ping):
    import rasa.core.tracker_store as stores
    assert stores.create_engine_kwargs(url).get("pool_pre_ping") is pre_ping
    assert patch._original_engine_kwargs(url).get("pool_pre_ping") is None    # Rasa's own does not
