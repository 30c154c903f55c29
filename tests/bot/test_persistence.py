"""Conversations live in the SQLite tracker store: a new server process sees them and carries on."""
import uuid

from .conftest import ARTIFACTS, Bot, start_rasa_server, stop


def test_conversation_survives_a_server_restart(bot):
    sender = f"persist-{uuid.uuid4().hex[:8]}"
    assert "1 800 197 503" in bot.text("Microsoft 365 phone number in Australia", sender)
    url, proc = start_rasa_server(bot.model, bot.tmp / "endpoints.yml", ARTIFACTS / "rasa_server_restarted.log")
    try:
        again = Bot(url, bot.tmp, bot.model)
        events = again.tracker(sender)["events"]
        assert [e["text"] for e in events if e.get("event") == "user"] == ["Microsoft 365 phone number in Australia"]
        assert again.tracker(sender)["slots"]["product"] == "m365"
        follow_up = again.text("and the billing hours?", sender)         # the stored context is used
        assert "9 AM-6 PM" in follow_up
    finally:
        stop(proc)
