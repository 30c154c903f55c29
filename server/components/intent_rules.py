"""Intents that what a message names or asks decides, after the classifier has spoken.

The classifier learns intents from words, and a short follow-up or correction has few of them: "and for
Office 365 operated by 21V?", "no wait, it's for our Vienna site", "不对，我们公司在马德里" fell back or
read as a plain "no"; a problem told before a question ("网页打不开怎么办，有电话吗") read as a problem to
triage. What such a message names is certain (the alias vocabulary found it), and so is a question clause
that asks for a number, hours, a portal or a response time (the topic registry's cue words), so:

- a message that names something the router uses (product, cloud, country, support type, severity, plan)
  is about this domain. Under a fallback, the classifier's best guess counts from a lower confidence when
  it stands clear of the next one; else a routing part its words ask for ("what's the support number for
  us?") is the question; else it gives that value: `inform`, which the form applies to the question in
  hand (or asks what the user wants to know). So does a plain "no" with a value. A value the user rules
  out ("no, not the UK") does not count, and a fallback the classifier leaned to read as out of scope
  stays one;
- a message that asks for the reply's language and was not understood otherwise is a language switch;
- a problem description whose question clause asks for a routing part asks that part (the form answers
  it in the context of the problem); how severe the problem is stays with the triage;
- asking for a person ("i want a human", "转人工") asks for the hotline, whether it was read as a question
  about the bot, a problem, a question about languages, a bare value or nothing.
- a question for one routing part read as another, whose words ask only for other parts ("is it one number
  for presales and tech?" read as hours), asks the part its words ask for ("contact" asks for either);
- a problem that names a support language asks about languages; one whose question a note answers
  clearly ("will 21Vianet troubleshoot our office network?") asks that note's question;
- a question how to file whose words ask for another part and not for the portal ("what number if the online
  request won't submit?") asks that part;
- with nothing named, words that ask a notes question ("I'm not an admin") ask it, and asking for more
  ("能举个例子吗") asks the question in hand again; so does a message that only asks for more ("more
  details", the button under a short answer), whatever the classifier read.

Runs after the FallbackClassifier; the original reading stays in the ranking.
"""
from __future__ import annotations

import re

from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from core.routing.model import DIMS
from core.routing.vocab import is_negated, normalize
from core.dialogue import (asks_for_more, closer_notes_topic, is_value_follow_up, note_topic_asked,
                           only_asks_for_more)
from core.routing.triage import triage
from core.topics import (BY_INTENT, BY_NAME, asked_parts, asks_for_person, asks_question, asks_where_to_file,
                            note_topic_cued, parts_asked_plainly, question_clauses)
from server.components.alias_extractor import NEGATED
from core.language import REPLY_LANGUAGE, asks_more_than_language

FALLBACK = "nlu_fallback"
DENY = "deny"
PROBLEM = "describe_problem"
BOT_CHALLENGE = "bot_challenge"
OUT_OF_SCOPE = "out_of_scope"
LANGUAGES = "ask_languages"
ASKABLE_WITH_A_PROBLEM = ("phone", "portal", "hours", "response")     # not severity: that is the triage's
QUESTIONS = frozenset(BY_INTENT) | {PROBLEM}
# What a request for a person is misread as: "are you a bot?", a problem, a question about languages
# ("can I speak to someone?"), a bare value, or nothing.
PERSON_MISREAD = (BOT_CHALLENGE, PROBLEM, "ask_languages", "inform", FALLBACK)
# Words of a question about support languages that name no language ("which languages", "用什么语言").
_LANGUAGE_WORDS = re.compile(r"\blanguages?\b|\bspeak|\bspoken\b|语言|语种|说.{0,2}话|讲.{0,2}话", re.IGNORECASE)
# A message that names a routing value is about this domain, so under a fallback the classifier's best guess
# counts from a lower confidence, when it stands clear of the next one.
IN_DOMAIN_CONFIDENCE = 0.25
IN_DOMAIN_MARGIN = 0.1


def _notes_questions(*intents: Optional[str]) -> bool:
    """Whether intents all ask notes questions."""
    return all(i in BY_INTENT and BY_INTENT[i].answer == "notes" for i in intents)


def _files_a_request(text: str, values: Dict[str, Any]) -> bool:
    """"We have Software Assurance - where do we submit a support request?", read as a question about the plan:
    the words ask where to file in the message's one question, and match no note clearly (a second question,
    "在哪提？什么人有权限提？", is the notes question)."""
    return asks_where_to_file(text) and len(question_clauses(text)) == 1 and note_topic_asked(text, values) is None


def _problem_asking_its_level(text: str) -> bool:
    """A problem the severity table knows, and "which level is it?" and no other part (with another part it
    is a problem that asks that part, answered with it)."""
    asked = asked_parts(text, questions_only=True)
    return "severity" in asked and not set(asked) & set(ASKABLE_WITH_A_PROBLEM) and triage(text).level is not None


def repaired_intent(intent: Optional[str], entities: List[Dict[str, Any]], text: str,
                    ranking: Sequence[Tuple[str, float]] = ()) -> Optional[str]:
    """The intent this message should have, or None to keep the classifier's. Entity offsets are those of
    the normalised text, as the extractor gives them; `ranking` is the classifier's own, without the
    fallback, best first."""
    text = normalize(text)
    plain = [e for e in entities if e.get("role") != NEGATED and not is_negated(text, e.get("start", 0))]
    named = {e.get("entity") for e in plain}
    values = {e["entity"]: e.get("value") for e in plain if e.get("entity") in DIMS}
    if not named and only_asks_for_more(text):
        return "inform"                             # "more details" (the button): the question in hand, in full
    request = next((e for e in plain if e.get("entity") == REPLY_LANGUAGE), None)
    if request and intent in (FALLBACK, LANGUAGES):
        # "中文再说一遍" is a switch; "ok back to English now - and Canada?" is a switch and the words after it
        # are the question ("switch to English" is no question about support languages)
        if not asks_more_than_language(text, request.get("start", 0), request.get("end", 0)):
            return "switch_language"
        if intent == LANGUAGES and \
                not _LANGUAGE_WORDS.search(text[:request.get("start", 0)] + text[request.get("end", 0):]):
            intent, ranking = FALLBACK, [r for r in ranking if r[0] != LANGUAGES]
    if request and intent not in (LANGUAGES, "switch_language") and any(
            e.get("entity") == "language" and (e.get("end", 0) <= request.get("start", 0) or
                                               e.get("start", 0) >= request.get("end", 0)) for e in plain):
        return LANGUAGES          # "中文回答吧，技术支持有德语吗": another language than the reply's is asked about
    if named & set(DIMS):
        if intent == DENY:
            return "inform"
        if intent in (FALLBACK, PROBLEM) and is_value_follow_up(text, entities):
            return "inform"                             # "not the 21Vianet one - we're a US company"
        if intent == FALLBACK:
            # "how do we link our Premier contract in LCS?": a note answers it (a part asked by its cue words
            # stays the classifier's and the cues' to decide)
            noted = None if asked_parts(text, questions_only=True) else note_topic_asked(text, values)
            if noted:
                return BY_NAME[noted].intent
            (guess, confidence), (second, runner_up) = (list(ranking[:1]) or [(None, 0.0)])[0], \
                (ranking[1] if len(ranking) > 1 else (None, 0.0))
            if guess in QUESTIONS and confidence >= IN_DOMAIN_CONFIDENCE and confidence - runner_up >= IN_DOMAIN_MARGIN:
                return repaired_intent(guess, entities, text) or guess    # the guess, repaired as the classifier's
            if confidence >= IN_DOMAIN_CONFIDENCE and _notes_questions(guess) and _files_a_request(text, values):
                return BY_NAME["portal"].intent
            if confidence >= IN_DOMAIN_CONFIDENCE and _notes_questions(guess, second):
                # torn between two notes questions ("does 21Vianet handle our own network?": what support
                # covers, or whose job it is): the one whose notes match the words better, else the first
                closer = closer_notes_topic(text, values, (BY_INTENT[guess].name, BY_INTENT[second].name))
                return BY_NAME[closer].intent if closer else guess
            if _problem_asking_its_level(text):
                return PROBLEM
            asked = asked_parts(text)
            if asked:
                return BY_NAME[asked[0]].intent
            return None if guess == OUT_OF_SCOPE else "inform"
    if intent == FALLBACK and not named & set(DIMS) and REPLY_LANGUAGE not in named:
        asked = asked_parts(text)
        if asked:                                   # "我想打电话找支持": the part its words ask for
            return BY_NAME[asked[0]].intent
        cued = note_topic_cued(text) if asks_question(text) else None
        if cued:                                    # "I'm not an admin - how do I get support?"
            return BY_NAME[cued].intent
        if asks_for_more(text):
            return "inform"                         # "能举个例子吗": the question in hand, again
    # "i want a human", "我要人工客服，美国 Microsoft 365": the hotline, whatever else the words look like
    if intent in PERSON_MISREAD and asks_for_person(text) and not (intent == "ask_languages" and "language" in named):
        return BY_NAME["phone"].intent
    if intent == PROBLEM:
        asked = [p for p in asked_parts(text, questions_only=True) if p in ASKABLE_WITH_A_PROBLEM]
        if asked:
            return BY_NAME[asked[0]].intent
        if "language" in named and not triage(text).level:
            return LANGUAGES                        # "our Taipei team would prefer Traditional Chinese, possible?"
        # "our office network keeps dropping - will 21Vianet troubleshoot that?": a question a note answers
        noted = note_topic_asked(text, values)
        if noted and BY_NAME[noted].answer == "notes":
            return BY_NAME[noted].intent
    elif intent != FALLBACK and _problem_asking_its_level(text):
        return PROBLEM
    elif BY_INTENT.get(intent) is not None and BY_INTENT[intent].answer == "part":
        # the words ask for other parts only ("is it one number for presales and tech?" read as hours): the
        # cue words are exact where the classifier only leans
        cued_parts = asked_parts(text)
        # a bare request names its part too: "21V O365 严重级别 B 和 C 的技术支持工作时间"
        asked = parts_asked_plainly(text) or ([] if asks_question(text) else cued_parts)
        if asked and BY_INTENT[intent].name not in asked:
            return BY_NAME[asked[0]].intent
        cued = note_topic_cued(text)
        if cued and BY_INTENT[intent].name not in cued_parts:
            return BY_NAME[cued].intent             # "how do I link our Premier contract in PPAC?" read as the phone
    if BY_INTENT.get(intent) is not None and BY_INTENT[intent].answer == "notes":
        cued = note_topic_cued(text)
        if cued and cued != BY_INTENT[intent].name:
            return BY_NAME[cued].intent             # the cue words name the notes question exactly
        if not asks_question(text) and triage(text).level:
            return PROBLEM                          # "Exchange is down for all our users": told, not asked
        if _files_a_request(text, values):
            return BY_NAME["portal"].intent
        lead, plain = BY_INTENT[intent].lead, parts_asked_plainly(text)
        if lead and plain and lead not in plain:
            # "what number if the online request won't submit?" read as how to file: the words ask for the number,
            # not for the portal the answer would lead with
            return BY_NAME[plain[0]].intent
    if intent == "ask_languages" and "language" not in named and not _LANGUAGE_WORDS.search(text):
        asked = asked_parts(text, questions_only=True)
        if asked:                                   # "在哪里提交…？不是中国区的" asks where, not in which language
            return BY_NAME[asked[0]].intent
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentRules(GraphComponent):
    """Applies `repaired_intent` to every parsed message (see the module docstring)."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentRules":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            own = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in ranking if r.get("name") != FALLBACK]
            new = repaired_intent(intent.get("name"), message.get(ENTITIES) or [], message.get(TEXT) or "", own)
            if new is None:
                continue
            message.set(INTENT, {"name": new, "confidence": 1.0}, add_to_output=True)
            ranking = [r for r in ranking if r.get("name") != new]
            message.set(INTENT_RANKING_KEY, [{"name": new, "confidence": 1.0}] + ranking, add_to_output=True)
        return messages
