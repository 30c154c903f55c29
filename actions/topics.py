"""The questions the assistant answers, in one table: which intent asks each, how it is answered, which
response carries it. The dialogue logic, the actions and the renderer read it; `data/rules.yml` and
`domain.yml` must list the same intents and responses, and tests hold them to it. No Rasa import."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Topic:
    name: str
    intent: str                          # the NLU intent that asks it
    answer: str                          # part (a routing answer part) | notes | languages | handoff
    note_topics: Tuple[str, ...] = ()    # for notes answers: the note topics (facts.yml) that answer it
    menu: bool = False                   # offered as a button when the user has not said what they want

    @property
    def response(self) -> str:
        return f"utter_answer_{self.name}"


TOPICS: Tuple[Topic, ...] = (
    Topic("phone", "ask_phone", "part", menu=True),
    Topic("hours", "ask_hours", "part", menu=True),
    Topic("portal", "ask_portal", "part", menu=True),
    Topic("response", "ask_response_time", "part", menu=True),
    Topic("severity", "ask_severity_definition", "part", menu=True),
    Topic("handoff", "open_request", "handoff"),
    Topic("languages", "ask_languages", "languages"),
    Topic("who_can_open", "ask_who_can_open", "notes", ("who_can_open",)),
    Topic("plans", "ask_plans", "notes", ("plans", "premier")),
    Topic("outage", "ask_outage", "notes", ("outage",)),
    Topic("coverage", "ask_coverage", "notes", ("coverage", "break_fix")),
    Topic("preview", "ask_preview", "notes", ("preview",)),
    Topic("rca", "ask_rca", "notes", ("rca",)),
    Topic("plan_lifecycle", "ask_plan_lifecycle", "notes", ("plan_lifecycle",)),
    Topic("responsibilities", "ask_responsibilities", "notes", ("responsibilities",)),
    Topic("resources", "ask_resources", "notes", ("resources",)),
    Topic("how_to_file", "ask_how_to_file", "notes", ("how_to_file",)),
)
BY_NAME: Dict[str, Topic] = {t.name: t for t in TOPICS}
BY_INTENT: Dict[str, Topic] = {t.intent: t for t in TOPICS}
NOTE_TOPICS: Dict[str, Topic] = {t.name: t for t in TOPICS if t.answer == "notes"}
PART_TOPICS = tuple(t.name for t in TOPICS if t.answer == "part")
MENU = tuple(t for t in TOPICS if t.menu)
# Note topics the renderer adds to other answers: to a part's rows, the hand-off, or every answer (general).
ATTACHED_NOTE_TOPICS = ("phone", "portal", "response", "severity", "24x7", "contact", "contact_sev_a",
                        "handoff", "general")
