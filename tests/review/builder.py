"""Conversations stored the way the assistant stores them: rows of Rasa's `events` table whose JSON has the
shapes of a real store (rasa_tracker.db: user events with parse_data, input_channel and message_id; bot events
with metadata.utter_action, template and the language `condition`; slot, action, active_loop and session
events in the order the server writes them). Used by the review tests and scripts/bench_review.py.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

MODEL_ID = "338ec50f61204929baae3f2c35a8633c"
ASSISTANT_ID = "support-routing-assistant"
ZH = [{"type": "slot", "name": "language", "value": "zh"}]
SCHEMA = ("CREATE TABLE events (id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
          "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT, "
          "PRIMARY KEY (id))",
          "CREATE INDEX ix_events_sender_id ON events (sender_id)")
QUESTIONS = {"product": ("Which product is it about?", "是哪个产品？"),
             "country": ("Which country or region are you in?", "你在哪个国家或地区？"),
             "cloud": ("Is your service the worldwide one, or the one operated by 21Vianet in China?",
                       "你的服务是全球版，还是由世纪互联在中国运营的版本？"),
             "severity": ("What is the severity?", "问题的严重级别是？")}
RETRY = ("Sorry, I didn't recognise that. ", "抱歉，我没认出来。")
TEXTS = {"utter_default": ("Sorry, I didn't understand that.", "抱歉，我没听懂。"),
         "utter_greet": ("Hi! What do you need?", "你好！请问需要什么帮助？"),
         "utter_thanks": ("You're welcome!", "不客气！"),
         "utter_out_of_scope": ("Sorry, that's outside what I can help with.", "抱歉，这超出了我的范围。"),
         "utter_no_fact": ("My sources don't give that, and I won't guess one.", "我的资料中没有，我不会猜测。")}
Row = Tuple[str, str, float, Optional[str], Optional[str], str]      # sender, type, time, intent, action, data
OTHER_INTENTS = ("greet", "ask_plans", "affirm", "help", "ask_coverage", "ask_resources", "goodbye", "open_request",
                 "ask_plan_lifecycle")
# an answer as the store holds one (text, and the variables it was filled from): sizes like the real ones
LINES = ("\n• 1 800 865 9408\n  technical support: in English, 24 hours a day, 7 days a week; open now (24×7)\n"
         "  billing and subscription management support: in English, 9 AM-5 PM, Monday-Friday (the page gives no "
         "time zone; I read it as local time); local time (I don't know your time zone, so I can't tell whether "
         "it's open right now)")
NOTES = ("\nNote: Admins, have your account details ready when you call.\nNote: If you call from a number that "
         "isn't registered with your organization profile, the representative sends a verification code to the "
         "registered email or phone; you must give that code to continue.")
SOURCE = 'Source: "Ways to contact support for business products - Admin Help" (2020-07-28), Phone support'


def tokens_of(text: str) -> List[List[int]]:
    spans, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isspace():
            if start is not None:
                spans.append([start, i])
            start = None
        elif start is None:
            start = i
    return spans


class Conversation:
    """One sender's stored conversation, built turn by turn (each turn `gap` seconds after the previous)."""

    def __init__(self, sender: str, start: float, channel: str = "rest", language: str = "en",
                 gap: float = 20.0) -> None:
        self.sender, self.t, self.channel, self.language, self.gap = sender, start, channel, language, gap
        self.rows: List[Row] = []
        self.slots: Dict[str, Any] = {}
        self.session()

    # ------------------------------------------------------------------------------------------ raw events
    def _tick(self) -> float:
        self.t += 0.001
        return self.t

    def _meta(self) -> Dict[str, Any]:
        return {"model_id": MODEL_ID, "assistant_id": ASSISTANT_ID}

    def _row(self, type_name: str, data: Dict[str, Any], intent: Optional[str] = None,
             action: Optional[str] = None) -> None:
        self.rows.append((self.sender, type_name, data["timestamp"], intent, action, json.dumps(data)))

    def action(self, name: str, policy: Optional[str] = "RulePolicy") -> None:
        self._row("action", {"event": "action", "timestamp": self._tick(), "metadata": self._meta(), "name": name,
                             "policy": policy, "confidence": 1.0 if policy else None, "action_text": None,
                             "hide_rule_turn": bool(policy)}, action=name)

    def slot(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self._row("slot", {"event": "slot", "timestamp": self._tick(), "metadata": self._meta(), "name": name,
                           "value": value}, action=name)

    def loop(self, name: Optional[str]) -> None:
        self._row("active_loop", {"event": "active_loop", "timestamp": self._tick(), "metadata": self._meta(),
                                  "name": name}, action=name)

    def session(self, gap: float = 0.0) -> "Conversation":
        self.t += gap
        self.action("action_session_start", policy=None)
        self._row("session_started", {"event": "session_started", "timestamp": self._tick(), "metadata": self._meta()})
        for name, value in list(self.slots.items()):          # carry_over_slots_to_new_session
            self.slot(name, value)
        self.action("action_listen", policy=None)
        return self

    def user(self, text: str, intent: str, entities: Sequence[Tuple[str, str]] = (), confidence: float = 0.98,
             negated: Sequence[Tuple[str, str]] = (), language: Optional[str] = None) -> None:
        self.t += self.gap
        mid = uuid.uuid4().hex
        ents = []
        for (entity, value), role in [(e, None) for e in entities] + [(e, "negated") for e in negated]:
            at = max(0, text.lower().find(value.lower()))
            ent = {"entity": entity, "value": value, "start": at, "end": at + len(value), "confidence_entity": 1.0,
                   "extractor": "AliasEntityExtractor"}
            if role:
                ent["role"] = role
            ents.append(ent)
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": other, "confidence": (1 - confidence) / (i + 2)} for i, other in enumerate(OTHER_INTENTS)]
        self._row("user", {
            "event": "user", "timestamp": self._tick(), "metadata": self._meta(), "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": ents, "text": text,
                           "message_id": mid, "metadata": {"language": language} if language else {},
                           "text_tokens": tokens_of(text), "intent_ranking": ranking},
            "input_channel": self.channel, "message_id": mid}, intent=intent)
        for entity, value in entities:
            if entity != "other_product":
                self.slot(entity, value)
        self._row("user_featurization", {"event": "user_featurization", "timestamp": self._tick(),
                                         "metadata": self._meta(), "use_text_for_featurization": False})

    def bot(self, response: Optional[str], text: str, language: Optional[str] = None, template: bool = True,
            buttons: Optional[List[Dict[str, str]]] = None, **variables: Any) -> None:
        language = language or self.language
        metadata: Dict[str, Any] = {"condition": ZH} if language == "zh" else {}
        if response:
            metadata["utter_action"] = response
            if template:
                metadata["template"] = response
        metadata.update(variables)
        metadata.update(self._meta())
        self._row("bot", {"event": "bot", "timestamp": self._tick(), "metadata": metadata, "text": text,
                          "data": {"elements": None, "quick_replies": None, "buttons": buttons, "attachment": None,
                                   "image": None, "custom": None}})

    def _text(self, pair: Tuple[str, str], language: Optional[str] = None) -> str:
        return pair[1] if (language or self.language) == "zh" else pair[0]

    # ------------------------------------------------------------------------------------------ turns
    def answered(self, text: str, intent: str, topic: str, entities: Sequence[Tuple[str, str]] = (),
                 language: Optional[str] = None, negated: Sequence[Tuple[str, str]] = ()) -> "Conversation":
        """A question answered outright by the form."""
        self.user(text, intent, entities, negated=negated)
        self.action("route_form")
        self.loop("route_form")
        self.bot(f"utter_answer_{topic}", f"Support for Microsoft 365 ({topic}):{LINES}{NOTES}\n{SOURCE}", language,
                 subject="Microsoft 365 / Office 365 for business (United States)", lines=LINES, notes=NOTES,
                 source=SOURCE, numbers=["1 800 865 9408"])
        self.slot("topic", topic)
        self.slot("language", language or self.language)
        self.slot("clarify_attempts", 0.0)
        self.slot("requested_slot", None)
        self.loop(None)
        self.action("action_listen")
        return self

    def ask(self, text: str, intent: str, slot: str, entities: Sequence[Tuple[str, str]] = (),
            topic: str = "phone") -> "Conversation":
        """A question that needs a value: the form asks for it."""
        self.user(text, intent, entities)
        self.action("route_form")
        self.loop("route_form")
        self.slot("topic", topic)
        self.slot("clarify_attempts", 0.0)
        self.slot("requested_slot", slot)
        self.bot(f"utter_ask_{slot}", self._text(QUESTIONS[slot]),
                 buttons=[{"title": "Microsoft 365", "payload": '/inform{"product": "m365"}'}])
        self.action("action_listen")
        return self

    def reply(self, text: str, slot: str, value: str, topic: str = "phone") -> "Conversation":
        """The value asked for: the form answers."""
        self.user(text, "inform", [(slot, value)])
        self.action("route_form")
        self.bot(f"utter_answer_{topic}", f"Answer about {topic} for {value}")
        self.slot("clarify_attempts", 0.0)
        self.slot("requested_slot", None)
        self.loop(None)
        self.action("action_listen")
        return self

    def unrecognised(self, text: str, slot: str) -> "Conversation":
        """A reply that gives no value: the form asks again (one unanswered question)."""
        self.user(text, "inform")
        self.action("route_form")
        self.slot("clarify_attempts", 1.0)
        self.slot("requested_slot", slot)
        self.bot(f"utter_ask_{slot}", self._text(RETRY) + self._text(QUESTIONS[slot]), retry=self._text(RETRY))
        self.action("action_listen")
        return self

    def gives_up(self, text: str, topic: str = "phone") -> "Conversation":
        """A second reply without the value: the form stops asking and answers with what it has."""
        self.user(text, "inform")
        self.action("route_form")
        self.bot(f"utter_answer_{topic}", f"Answer about {topic} for every product")
        self.slot("language", self.language)
        self.slot("clarify_attempts", 0.0)
        self.slot("requested_slot", None)
        self.loop(None)
        self.action("action_listen")
        return self

    def fallback(self, text: str) -> "Conversation":
        self.user(text, "nlu_fallback", confidence=0.45)
        self.action("utter_default")
        self.bot("utter_default", self._text(TEXTS["utter_default"]), template=False)
        self.action("action_listen")
        return self

    def utter(self, text: str, intent: str, response: str,
              entities: Sequence[Tuple[str, str]] = ()) -> "Conversation":
        """A turn answered by one response (small talk, out of scope, a triage proposal, ...)."""
        self.user(text, intent, entities)
        self.action(response)
        self.bot(response, self._text(TEXTS.get(response, (response, response))), template=False)
        self.action("action_listen")
        return self

    def handoff(self, text: str, product: str, where: str, severity: str, impact: str) -> "Conversation":
        self.user(text, "affirm")
        self.action("route_form")
        self.bot("utter_answer_handoff", f"Here is a summary you can paste into the request:\nImpact: {impact}",
                 product=product, where=where, severity=severity, impact=impact,
                 contact="give accurate contact details (name, phone, email) and stay reachable")
        self.slot("clarify_attempts", 0.0)
        self.slot("requested_slot", None)
        self.action("action_listen")
        return self

    def apology(self, text: str, intent: str = "ask_phone") -> "Conversation":
        """The action server failed: the patch's apology, which names no response."""
        self.user(text, intent)
        self.action("route_form")
        self.bot(None, self._text(("Sorry, something went wrong on my side.", "抱歉，我这边出了点问题。")))
        self.action("action_listen")
        return self


# ---------------------------------------------------------------------------------------------- stores
def rows_in_write_order(conversations: Iterable[Conversation]) -> List[Row]:
    """Every row, in time order: the ids of a real store interleave its senders."""
    return sorted((r for c in conversations for r in c.rows), key=lambda r: r[2])


def write_sqlite(path: Path, conversations: Iterable[Conversation]) -> Path:
    db = sqlite3.connect(path)
    with db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchone():
            for statement in SCHEMA:
                db.execute(statement)
        db.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows_in_write_order(conversations))
    db.close()
    return path


def write_engine(engine: Any, conversations: Iterable[Conversation]) -> None:
    """The same rows through SQLAlchemy (PostgreSQL), into Rasa's table definition (id from `events_seq`)."""
    import sqlalchemy as sa
    meta = sa.MetaData()
    table = sa.Table("events", meta,
                     sa.Column("id", sa.Integer, sa.Sequence("events_seq"), primary_key=True),
                     sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                     sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
                     sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
                     sa.Column("data", sa.Text))
    meta.create_all(engine)
    keys = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
    with engine.begin() as connection:
        rows = [dict(zip(keys, r, strict=True)) for r in rows_in_write_order(conversations)]
        connection.execute(table.insert(), rows)


def endpoints_for_sqlite(directory: Path, db: Path) -> Path:
    path = directory / "endpoints.yml"
    path.write_text("tracker_store:\n  type: server.stores.tracker_store.CachedSQLTrackerStore\n"
                    f"  dialect: \"sqlite\"\n  db: \"{db}\"\n", encoding="utf-8")
    return path
