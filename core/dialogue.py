"""Dialogue logic between the tracker and the policy module, on plain values (no Rasa import), so it is
unit-testable: which question is being answered, what the user has told us so far, what to ask next.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from core.language import language_mentions
from core.routing import Query, Route, default_router
from core.routing.model import DIM_KIND, DIMS, Hours, Note, Phone, Portal, ResponseTime
from core.routing.note_search import Hit, note_index, strong
from core.routing.router import row_fact
from core.routing.vocab import normalize
from core.topics import (NOTE_TOPICS, PART_TOPICS, TOPIC_OF_NOTE, TOPICS, asked_parts, asking_sentences, asks_at,
                         asks_definition, asks_for_help, asks_part_in, asks_question, clause_at, note_topic_cued,
                         names_whom, question_clauses, without_contact, without_part_cues, without_whom)

# The question (topic) each intent asks. describe_problem is handled by action_triage.
INTENT_TOPIC = {t.intent: t.name for t in TOPICS}
# Intents that interrupt a clarifying question; the form steps aside and the rules answer them.
INTERRUPTIONS = {"greet", "goodbye", "thank", "bot_challenge", "help", "out_of_scope", "nlu_fallback",
                 "switch_language", "restart", "deny", "affirm"}
ROUTE_PART = {name: name for name in PART_TOPICS}
MAX_CLARIFY = 2          # unanswered clarifying questions before answering with what we have


# The words around the values of a follow-up or a correction that asks the same question again: "what if we
# had ProDirect instead?", "and for Office 365 operated by 21V?", "不对，我想问的是A级", "那客户互动应用的售前呢".
_FOLLOW_UP_WORDS = re.compile(
    r"'(?:re|s|m|ll|ve|d)\b|\b(?:what|how)\s+about\b|\bwhat\s+if\b|\b(?:and|or|also|then|instead|rather|no|nope|sorry|actually|wait|oh|ok|okay"
    r"|i|we|we're|were|are|am|is|it|it's|its|meant|mean|mean't|had|have|has|use|using|on|in|for|with|at|of|the|a|an|our|my"
    r"|one|ones|plan|plans|version|tenant|domain|domains|ends|ending|office|site|case|instance|please|pls|same|question|about|if|there|that|this"
    r"|because|moved|again|operated|run|hosted|by|hmm|um|uh|well|so|just|not|company|firm|org|organi[sz]ation|team"
    r"|based|located|from|here|now|deployment|environment|setup|instance|would|could|be|been|to"
    # a change of the value in hand: "what if we upgrade to ProDirect?", "要是升级到 Premier 呢"
    r"|upgrade|upgraded|upgrading|downgrade|downgraded|switch|switched|switching|move|moving|change|changed"
    r"|went|go|going|get|got|getting|buy|buying|pick|picked|choose|chose|wrong|mistake|typo|thing|things|stuff)\b|\bwhat(?=\s+(would|could|will|does)\b)"
    r"|升级到|升级成|升级|降级到|降级|换到|换用|改用|转到|买了|那么|那|的话|还有|和|跟|与|如果|要是|换成|改成|不对|不是|搞错了|说错了|打错了|错了|我想问的是|我想问|我问的是|我说的是|应该是|其实是|其实|是|的"
    r"|我们|我|买的|用的|计划|版本|版|那个|这个|个|呢|吧|啊|呀|哦|嗯|再问|问下|一下|公司|在|位于|[\W_\d]",
    re.IGNORECASE)


# A message that opens by correcting itself ("sorry, correction - ...", "说错了，是 B 级，业务还能凑合跑")
# changes the values of the question in hand, whatever reason or description follows.
_CORRECTION = re.compile(r"^\W*(?:(?:sorry|oops|no)\W+)?(?:correction|i meant|i mean|meant to say|my mistake|my bad)\b"
                         r"|^\W*(?:说错了|搞错了|写错了|打错了|更正一下|更正|纠正一下|我说错了|不好意思说错了)",
                         re.IGNORECASE)


def is_value_follow_up(text: Optional[str], entities: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a message only gives new values for the question in hand: once the values it names are taken
    out, nothing but follow-up words is left (no new question), or it opens by correcting itself and asks
    for no other routing part. Entity offsets are those of the normalised text, as the extractor gives them."""
    if not text:
        return False
    text = normalize(text[:300])
    spans = sorted((e.get("start", 0), e.get("end", 0)) for e in entities
                   if e.get("entity") in DIMS and e.get("end", 0) > e.get("start", 0))
    if not spans:
        return False
    if _CORRECTION.search(text) and not asked_parts(text, questions_only=True):
        return True
    rest, cursor = [], 0
    for start, end in spans:
        rest.append(text[cursor:start])
        cursor = max(cursor, end)
    rest.append(text[cursor:])
    left = _FOLLOW_UP_WORDS.sub("", " ".join(rest)).strip().casefold()
    # nothing left, or only a product family the extractor folded into its app ("Dynamics 365 客户互动应用")
    return not left or left in _family_names()


def _family_names() -> frozenset:
    """Product family aliases as they are left after the follow-up words are taken out ("Dynamics 365" ->
    "dynamics"), read once: a dictionary lookup instead of matching the whole vocabulary again."""
    global _FAMILY_NAMES
    if _FAMILY_NAMES is None:
        router = default_router()
        names = {_FOLLOW_UP_WORDS.sub("", alias).strip().casefold()
                 for gid, term in router.facts.vocab["products"].items() if term.is_group
                 for alias in router.vocab.aliases("product", gid)}
        _FAMILY_NAMES = frozenset(n for n in names if len(n) >= 2)
    return _FAMILY_NAMES


_FAMILY_NAMES: Optional[frozenset] = None


def topic_for(intent: Optional[str], current: Optional[str], text: Optional[str] = None,
              named: Union[Iterable[str], Mapping[str, Any]] = (),
              entities: Iterable[Mapping[str, Any]] = ()) -> Optional[str]:
    """The topic after this user turn: a new question sets it, anything else keeps the current one; with no
    question yet, the words of the message may ask one ("the o365 support # for our toronto office"), and a
    severity it names (`named`: the dimensions of its entities, or them with their values) asks about that
    level ("账单问题能开 A 级吗"), and else a note its words match may ask one. A message of values only
    after a routing answer asks that question again for them ("那世纪互联版的B/C级呢" after the hours),
    whatever part the classifier read into the values (`entities`: the message's, with offsets).
    Describing the problem while preparing a hand-off stays in the hand-off."""
    if intent in INTENT_TOPIC:
        if current in ROUTE_PART and INTENT_TOPIC[intent] in ROUTE_PART and INTENT_TOPIC[intent] != current \
                and entities and is_value_follow_up(text, entities) and not asked_parts(text):
            return current
        return INTENT_TOPIC[intent]
    if intent == "describe_problem" and current != "handoff":
        return "triage"
    if current is None and intent not in INTERRUPTIONS:
        parts = asked_parts(text)
        values = named if isinstance(named, Mapping) else {}
        return parts[0] if parts else "severity" if "severity" in named else note_topic_asked(text, values)
    return current


def note_topic_asked(text: Optional[str], values: Mapping[str, Any] = {}) -> Optional[str]:
    """The question a message asks in words the classifier did not take for one ("I'm not an admin on our
    tenant, where can I get help?"): the question of the note its words match clearly, besides the words
    that only ask for a routing part, among the notes for the values it names, if it asks at all."""
    if not asks_question(text):
        return None
    cued = note_topic_cued(text)
    if cued:
        return cued
    for hit in strong(_note_hits(text, values), **ASKED_NOTE):
        for note_topic in hit.note.topics:
            if note_topic in TOPIC_OF_NOTE:
                return TOPIC_OF_NOTE[note_topic]
    return None


def closer_notes_topic(text: Optional[str], values: Mapping[str, Any], topics: Sequence[str]) -> Optional[str]:
    """Of some notes questions, the one whose notes (for the values named) best match the message's words;
    None when no note of theirs matches at all."""
    for hit in _note_hits(text, values):
        for note_topic in hit.note.topics:
            if TOPIC_OF_NOTE.get(note_topic) in topics:
                return TOPIC_OF_NOTE[note_topic]
    return None


def _note_hits(text: Optional[str], values: Mapping[str, Any]) -> List[Hit]:
    """The notes for the values a message names, best match of its words first (the words that only ask
    for a routing part left out)."""
    router = default_router()
    notes = router.route(query_of({d: v for d, v in values.items() if d in DIMS and v})).notes
    return note_index(router.facts).search(without_part_cues(text or ""), notes)


def also_asked(text: Optional[str], topic: Optional[str]) -> List[str]:
    """The other routing parts one message asks for besides its topic, in the order it asks them. Only a
    message that asks a question of its own counts (the hand-off and triage answer several parts already)."""
    if topic not in ROUTE_PART and topic not in NOTE_TOPICS and topic != "languages":
        return []
    # a part named only in a statement ("I can't sign in to the portal") is context, not a question
    asking = asking_sentences(text or "")
    if topic in ("phone", "portal"):            # "where can we contact support online?" asks one of them
        asking = without_contact(asking)
    parts = [name for name in asked_parts(asking) if name != topic]
    hours_asked = [c for c in question_clauses(asking) or [asking] if "hours" in asked_parts(c)] \
        if topic == "languages" else []
    if hours_asked and all(next(iter(language_mentions(c)), None) for c in hours_asked):
        # "when is Italian support available?": that language's row says when (its region's business hours,
        # which the support hours of Severity A, round the clock, would contradict); "business hours in Japan,
        # and is Japanese support 24/7?" asks the hours in a question of their own
        parts = [name for name in parts if name != "hours"]
    if topic not in ("portal", "who_can_open") and "portal" not in parts and asks_for_help(text):
        # "down in prod: fastest way to get help, and how soon?"; who may open one says where a non-admin goes
        parts.append("portal")
    return parts


def asked_only_as_whom(text: Optional[str], topic: Optional[str]) -> List[str]:
    """The other parts `also_asked` finds only in words that ask whom to turn to ("buying Premier: who do I talk
    to?", "售前怎么联系？"): a notes answer that names whom ("contact your account team") answers them."""
    if topic not in NOTE_TOPICS:
        return []
    plain = asking_sentences(without_whom(text or ""))
    kept = set(asked_parts(plain)) | ({"portal"} if asks_for_help(plain) else set())
    return [part for part in also_asked(text, topic) if part not in kept]


def whom_answered(route: Route, text: Optional[str], note_ids: Sequence[str]) -> bool:
    """Whether a notes answer told whom to turn to (see `asked_only_as_whom`): one of its notes says whom, and
    the question's words clearly ask for it (a weaker match may be the wrong note)."""
    if not text:
        return False
    hits = note_index(route.facts).search(text, route.notes)
    bar = max(WHOM_NOTE["min_score"], WHOM_NOTE["ratio"] * hits[0].score) if hits else float("inf")
    clear = {h.note.id for h in hits if h.score >= bar}
    for note_id in note_ids:
        note = route.facts.notes.get(note_id)
        texts = [note.text] + ([note.short] if note.short else []) if note else []
        if note_id in clear and any(names_whom(t.en) or names_whom(t.zh) for t in texts):
            return True
    return False


def asks_languages_apart(text: Optional[str], entities: Iterable[Mapping[str, Any]], topic: Optional[str]) -> bool:
    """Whether a message asks about a support language in a question of its own besides its topic ("D365 hours
    in Paris? can they speak French?"), not as a detail of the topic's question ("Japanese support hours")
    nor as the language to reply in."""
    if topic not in ROUTE_PART or not text:
        return False
    text = normalize(text[:300])
    replies = [(e.get("start", 0), e.get("end", 0)) for e in entities if e.get("entity") == "reply_language"]
    for e in entities:
        start = e.get("start", 0)
        if e.get("entity") == "language" and not e.get("role") and not any(a <= start < b for a, b in replies):
            clause = clause_at(text, start)
            if asks_question(clause) and not asks_part_in(clause, topic):
                return True
    return False


def _plain_values(entities: Iterable[Mapping[str, Any]]) -> Dict[str, List[str]]:
    """The values each routing dimension is named with, in order, without those the user rules out, and
    without a group named beside one of its members ("统一支持 Unified Performance" names one plan)."""
    named: Dict[str, List[str]] = {}
    for e in entities:
        dim, value = e.get("entity"), e.get("value")
        if dim in DIMS and value and not e.get("role") and value not in named.setdefault(dim, []):
            named[dim].append(value)
    vocab = default_router().facts.vocab
    for dim, values in named.items():
        terms = vocab.get(DIM_KIND[dim], {})
        named[dim] = [v for v in values if not (v in terms and terms[v].is_group and
                                                set(terms[v].members) & set(values))]
    return named


def values_named_twice(message_entities: Iterable[Mapping[str, Any]],
                       text: Optional[str] = None) -> Tuple[Optional[str], List[str]]:
    """The first dimension for which one message names two or more values plainly ("US and UK", "Sev A vs
    Sev C", "技术和帐单"), with the values in the order named; (None, []) when there is none. A value the
    user rules out ("Australia, not the UK") has a role and does not count, nor does one named only in a
    statement beside a question: "where do I raise a ticket for BC? can't find it in PPAC" asks for the one
    value its question names (returned alone)."""
    entities = list(message_entities)
    asking = [e for e in entities if text and isinstance(e.get("start"), int) and asks_at(text, e["start"])]
    named = _plain_values(entities)
    if asking and len(asking) < len(entities):
        asked = _plain_values(asking)
        for dim, values in named.items():
            if len(values) > 1 and len(asked.get(dim, ())) == 1:
                return dim, asked[dim]
        named = asked
    for dim, values in named.items():
        if len(values) > 1:
            return dim, values
    return None, []


_SAME = re.compile(r"\b(same|identical|different|differ|differs|difference)\b|同一|一样|相同|不同|区别|差别|有差异"
                   # a yes/no question about both values ("is it 24/7 for both Germany and worldwide?")
                   r"|^\W*(is|are|do|does|can|will)\b.{0,80}\bboth\b|两个都|两者都|都是.{0,12}吗", re.IGNORECASE)


# Asking for more of the answer in hand ("can you elaborate?", "详细", the "More details" button): the same
# question again, answered in full (notes, every source, every line's hours).
_DETAIL = re.compile(r"\b(more details?|in detail|full details?|elaborate|tell me more"
                     r"|more info(?:rmation)?|the full answer|show more)\b"
                     r"|详细|具体点|具体一点|展开说|展开|更多信息|更多内容|更多|完整", re.IGNORECASE)
# Asking for examples: alone ("能举个例子吗") it asks for the answer in hand in full; in a question of its own
# ("Sev A 举几个例子") it asks that question, whose short answer gives the examples asked for.
_EXAMPLES = re.compile(r"\b(examples?|for instance)\b|举(?:几|一)?个?例子?|例子", re.IGNORECASE)
_MORE = re.compile(f"{_DETAIL.pattern}|{_EXAMPLES.pattern}", re.IGNORECASE)
# What may stand around such a request when it is all the message says ("more details please", "请给我详细信息").
_AROUND_MORE = re.compile(r"\b(please|pls|can|could|would|you|i|we|want|need|like|to|see|get|show|give|tell|me|us"
                          r"|the|some|a|bit|little|more|details?|info|information|on|about|that|this|it|ok|okay"
                          r"|yes|sure|and|an|any|of)\b|请|给我|给|看看|看|说说|一下|些|信息|内容|吗|呢|吧|的|我|要|想|再|能|可以|[\W_]",
                          re.IGNORECASE)


def asks_for_more(text: Optional[str]) -> bool:
    """The message asks for the details of an answer (its notes, sources, every hours line)."""
    return bool(text) and (bool(_DETAIL.search(text)) or normalize(text).strip(" .!?。！？") in ("more", "更多")
                           or only_asks_for_more(text))


def only_asks_for_more(text: Optional[str]) -> bool:
    """All the message says is "more details" or "examples?" (a word of the button or typed): the question in
    hand, in full, whatever the classifier read into so few words."""
    return bool(text) and (bool(_MORE.search(text)) or normalize(text).strip(" .!?。！？") in ("more", "更多")) \
        and not _AROUND_MORE.sub("", _MORE.sub("", normalize(text or ""))).strip()


def asks_if_same(text: Optional[str]) -> bool:
    """Whether a question about two values asks if the answer is the same ("美国和加拿大的电话是同一个吗")."""
    return bool(text and _SAME.search(text))


def fact_compared(route: Route, topic: Optional[str]) -> Optional[frozenset]:
    """What a part's answer says, as data, to tell whether two answers are the same: its numbers, schedules,
    commitments or addresses; None when it answers nothing. Two pages that word the same hours differently
    ("working days" / "Monday through Friday", both 9:00-18:00 Beijing time) give the same fact."""
    rows = route.part(ROUTE_PART[topic]).rows if topic in ROUTE_PART else ()
    keys = set()
    for row in rows:
        fact = row_fact(row)
        if isinstance(fact, Phone):
            keys.add(("phone", re.sub(r"\D", "", fact.number)))
        elif isinstance(fact, Hours):
            keys.add(("hours", fact.schedule))
        elif isinstance(fact, ResponseTime):
            keys.add(("response", fact.duration, fact.clock.split(":")[0]))    # a line's own hours: its kind
        elif isinstance(fact, Portal):
            keys.add(("portal", fact.url or fact.name.en))
        else:
            return None
    return frozenset(keys) or None


# A new question that names what it is about starts afresh on these, unless it names them too.
DETAIL_DIMS = ("support_type", "severity", "plan")


def merge_dims(slots: Mapping[str, Any], message_entities: Iterable[Mapping[str, Any]],
               intent: Optional[str] = None,
               cloud_serves: Optional[Callable[[str, str], bool]] = None) -> Dict[str, Optional[str]]:
    """Slot values for the query, with corrections applied: naming a new country forgets a cloud named
    earlier and vice versa ("no, Germany" after "21Vianet"), unless both came in the same message or the
    cloud serves the new country too (`cloud_serves`: Office 365 Germany serves Austria); a value ruled out
    ("not the 21Vianet one") is dropped when it is the one in hand. A new question
    that names a product or place ("21Vianet Office 365 hotline?") drops the support type, severity and
    plan of the previous question; a follow-up ("and billing hours?") keeps the context."""
    dims = {d: slots.get(d) for d in DIMS}
    message_entities = list(message_entities)
    said = {e.get("entity") for e in message_entities if not e.get("role")}
    for e in message_entities:                 # "no, not the 21Vianet one": the value in hand is ruled out
        if e.get("role") and e.get("entity") in dims and dims[e["entity"]] == e.get("value"):
            dims[e["entity"]] = None
    if intent in INTENT_TOPIC and said & {"product", "cloud", "country"}:
        for d in DETAIL_DIMS:
            if d not in said:
                dims[d] = None
    if "country" in said and "cloud" not in said:
        if not (cloud_serves and dims["cloud"] and dims["country"] and cloud_serves(dims["cloud"], dims["country"])):
            dims["cloud"] = None
    if "cloud" in said and "country" not in said:
        dims["country"] = None
    return dims


# How well a note's words must match the question (BM25 score, and the share of the question's words it
# holds): to join a notes answer from another topic, to name the product the question did not, and to make
# a question of a message the classifier read as none. Measured on the training data: docs/nlu.md.
MATCHING_NOTE = {"min_score": 7.0, "min_share": 0.45}
# ... and the note that told whom to turn to: a clear match, nearly the best
WHOM_NOTE = {"min_score": 6.0, "ratio": 0.8}
NAMING_NOTE = {"min_score": 6.0, "min_share": 0.6}
ASKED_NOTE = {"min_score": 6.0, "min_share": 0.6}


def matched_notes(route: Route, text: Optional[str], bar: Mapping[str, float] = MATCHING_NOTE) -> List[Note]:
    """The route's notes whose words clearly match the question, best first."""
    if not text:
        return []
    return [h.note for h in strong(note_index(route.facts).search(text, route.notes), **bar)]


# How a notes answer ranks the notes its words match (BM25 times these): a note of another question must
# match clearly better than the question's own; our reading of a page (a derived note) rarely is what was
# asked; a note for one cloud, or one product of a family, fits a question that names neither less than one for
# them all (NARROWER).
OTHER_TOPIC, DERIVED, NARROWER = 0.8, 0.6, 0.7


def notes_answering(route: Route, topic: str, text: Optional[str]) -> List[Note]:
    """The notes that answer a notes topic, best first: the topic's own and those of other topics that match
    the question's words clearly ("will they downgrade our Sev A if we go quiet?" asked as a duty), ranked by
    how well they match (see OTHER_TOPIC); the topic's notes that match nothing follow in their order."""
    listed = [n for nt in NOTE_TOPICS[topic].note_topics for n in route.notes_for(nt)]
    own = {n.id for n in listed}
    hits = note_index(route.facts).search(text, route.notes) if text else []
    strong_ids = {h.note.id for h in strong(hits, **MATCHING_NOTE)}
    scored: Dict[str, float] = {}
    for h in hits:
        if h.note.id in own or h.note.id in strong_ids:
            scored[h.note.id] = h.score * _prior(route, h.note) * (1.0 if h.note.id in own else OTHER_TOPIC)
    notes = {n.id: n for n in listed}
    notes.update({h.note.id: h.note for h in hits if h.note.id in strong_ids})
    ranked = sorted((n for n in notes.values() if n.id in scored), key=lambda n: -scored[n.id])
    return ranked + sorted((n for n in listed if n.id not in scored), key=lambda n: -_prior(route, n))


def _prior(route: Route, note: Note) -> float:
    """How likely a note is what was asked, before its words are read (see OTHER_TOPIC): a note for one cloud
    or one product of a family fits a question that names neither less than one for them all."""
    prior = DERIVED if note.derived else 1.0
    clouds = note.applies.get("cloud")
    if clouds and not route.query.cloud and len(clouds) < len(route.facts.vocab["clouds"]):
        prior *= NARROWER
    family = route.facts.vocab["products"].get(route.query.product) if route.query.product else None
    products = note.applies.get("product")
    if family is not None and family.is_group and products and not set(family.members) <= set(products):
        prior *= NARROWER
    return prior


def notes_for_every_candidate(route: Route, topic: str, text: Optional[str]) -> List[Note]:
    """Notes that answer a routing question whatever the value it would ask for next: "is calling Dynamics 365
    support faster than filing online?" needs no product, a note answers it for every Dynamics product. A
    candidate a matching note does not cover is covered by its general note (Business Central: partners
    only), or nothing is answered ([]): the question is asked."""
    missing = route.part(ROUTE_PART[topic]).missing if topic in ROUTE_PART else None
    if missing is None:
        return []
    if topic != "severity" and asks_definition(text):
        # a term one product's page defines ("what does initial response time measure?"): its notes, labelled
        # with that product, rather than asking which product (severity levels differ by product: asked)
        defined = matched_notes(route, text, NAMING_NOTE)
        if defined:
            return defined
    # a note must match what the message says besides asking for the part ("number", "hours")
    matched = matched_notes(route, without_part_cues(text), NAMING_NOTE) if text else []
    uncovered = set(missing.candidates)
    for note in matched:
        uncovered -= set(note.applies.get(missing.dim) or missing.candidates)
    general = [n for n in route.notes_for("general")
               if set(n.applies.get(missing.dim) or missing.candidates) & uncovered]
    for note in general:
        uncovered -= set(note.applies.get(missing.dim) or missing.candidates)
    return matched + general if matched and not uncovered else []


def topic_with_an_answer(route: Route, topic: Optional[str], text: Optional[str]) -> Optional[str]:
    """A notes question the documents say nothing about for this product, whose words ask for a routing part
    ("m365 国际版的技术支持是不是 24 小时都有"), asks that part."""
    if topic in NOTE_TOPICS and route.query.product and not notes_answering(route, topic, text):
        parts = asked_parts(text, questions_only=True)
        if parts:
            return parts[0]
    return topic


def product_of_notes(route: Route, text: Optional[str]) -> Optional[str]:
    """The product (or product family) a question that names none is about, when the notes its words match
    all belong to it: "is calling faster than filing online?" is answered by a Dynamics 365 note only."""
    products = set()
    for note in matched_notes(route, text, NAMING_NOTE):
        products |= set(note.applies.get("product") or ())
    if len(products) == 1:
        return next(iter(products))
    groups = [(len(t.members), tid) for tid, t in route.facts.vocab["products"].items()
              if t.is_group and products and products <= set(t.members)]
    return min(groups)[1] if groups else None


def query_of(dims: Mapping[str, Optional[str]]) -> Query:
    return Query(**{d: v for d, v in dims.items() if d in DIMS and v})


def to_ask(topic: Optional[str], route: Route, dims: Mapping[str, Optional[str]],
           has_problem: bool = False) -> List[str]:
    """The slots still to ask for this topic (the first is asked next); [] means answer now."""
    if topic in ROUTE_PART:
        missing = route.part(ROUTE_PART[topic]).missing
        return [missing.dim] if missing else []
    if topic in NOTE_TOPICS:                    # Office 365 Germany is Microsoft 365: the route says so
        return ["product"] if not (dims.get("product") or route.query.product) else []
    if topic == "handoff":
        if not dims.get("product"):
            return ["product"]
        for part in ("portal", "phone"):
            missing = route.part(part).missing
            if missing:
                return [missing.dim]
        if not dims.get("severity") and not has_problem and not answered_by_general_notes(route):
            return ["severity"]
        return []
    return []


def answered_by_general_notes(route: Route) -> bool:
    """Whether one product's general notes answer every question about it (Business Central: partners only,
    so its hand-off needs no severity); a family that merely includes it does not count."""
    product = route.query.product
    return bool(product and not route.facts.vocab["products"][product].is_group and route.notes_for("general"))
