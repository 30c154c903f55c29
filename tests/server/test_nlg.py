"""server/nlg.py: the variation of a response is chosen by the language the NLG works out for the turn,
not by a slot an action sets too late: channel metadata, a chosen language, else the script of the
message."""
import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server.nlg import LanguageAwareNLG

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
NLG = LanguageAwareNLG(domain=DOMAIN)
ZH, EN = (v["text"] for v in DOMAIN.responses["utter_goodbye"])


def said(events):
    tracker = DialogueStateTracker.from_events("t", events, slots=DOMAIN.slots)
    return asyncio.run(NLG.generate("utter_goodbye", tracker, "rest"))["text"]


@pytest.mark.parametrize("events,expected", [
    ([UserUttered("再见")], ZH),
    ([UserUttered("bye")], EN),
    ([UserUttered("bye", metadata={"language": "zh"})], ZH),                # the channel says so
    ([SlotSet("language_pref", "en"), UserUttered("再见")], EN),            # the user chose English
    ([UserUttered("Office 365 的电话")], ZH),                                # mixed: the Chinese wins
])
def test_the_variation_follows_the_turns_language(events, expected):
    assert said(events) == expected


def test_an_explicit_language_argument_wins():
    tracker = DialogueStateTracker.from_events("t", [UserUttered("bye")], slots=DOMAIN.slots)
    assert asyncio.run(NLG.generate("utter_goodbye", tracker, "rest", language="zh"))["text"] == ZH
