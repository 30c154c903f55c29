"""The action server is unreachable: the user gets an apology in their language, not silence, and the next
question is answered once it is back (here: by the session's own server)."""
import uuid

import yaml

from core.render import load_wording, pick_variation
from scripts.processes import free_port

from .conftest import ARTIFACTS, Bot, start_rasa_server, stop


def apology(lang: str) -> str:
    """utter_error in `lang`, as domain.yml words it (the test survives rewording)."""
    return pick_variation(load_wording()[0]["utter_error"], lang)["text"]


def test_an_unreachable_action_server_gets_an_apology_in_the_users_language(bot, tmp_path):
    endpoints = yaml.safe_load((bot.tmp / "endpoints.yml").read_text())
    endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{free_port()}/webhook"}      # nobody listens
    endpoints["tracker_store"]["db"] = str(tmp_path / "tracker.db")
    endpoints["lock_store"]["db"] = str(tmp_path / "state.db")
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    url, proc = start_rasa_server(bot.model, tmp_path / "endpoints.yml", ARTIFACTS / "rasa_server_no_actions.log")
    try:
        down = Bot(url, tmp_path, bot.model)
        sender = f"down-{uuid.uuid4().hex[:6]}"
        english = down.say("UK phone number for Office 365", sender)
        chinese = down.say("世纪互联的 Office 365 电话是多少", f"down-{uuid.uuid4().hex[:6]}")
        assert apology("en") != apology("zh")
        assert [m.get("text") for m in english] == [apology("en")], english          # one apology, in English
        assert [m.get("text") for m in chinese] == [apology("zh")], chinese          # in Chinese
        stored = [e.get("text") for e in down.tracker(sender)["events"] if e["event"] == "bot"]
        assert stored == [apology("en")]                                             # and it is stored
        greeting = down.say("hello", f"down-{uuid.uuid4().hex[:6]}")       # rule answers need no action server
        assert greeting and apology("en") not in [m.get("text") for m in greeting]
    finally:
        stop(proc)
    assert "0800 032 6417" in bot.text("UK phone number for Office 365")                      # with actions: answered
