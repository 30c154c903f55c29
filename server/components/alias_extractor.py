"""Entity extraction from the policy's vocabulary: every alias in facts.yml maps to its canonical id.

One home for aliases: the same dictionary drives the router, so "21V", "世纪互联" and "operated by 21Vianet"
all become `cloud: china_21v`, in mixed text and with full-width characters. Language names become a
`language` entity; a request to answer in a language ("请用中文回答", "in English please") a
`reply_language` entity, which sets the reply language whatever else the message asks.
"""
from __future__ import annotations

import hashlib
import re
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import core.routing.vocab as vocab_module
import core.language as language_module
from core.routing import default_router
from core.routing.vocab import is_negated, normalize
from core.language import REPLY_LANGUAGE, language_name_pattern, reply_request


def _language_pattern() -> tuple:
    pattern, codes = language_name_pattern()
    return pattern, list(codes)




# Words that only look like a term in these contexts: "business-critical", "Premier League", "a global admin".
_BUSINESS_BEFORE = re.compile(r"(business|mission)[- ]?$|业务$", re.IGNORECASE)
_LEAGUE_AFTER = re.compile(r"\s*league", re.IGNORECASE)
_ROLE_AFTER = re.compile(r"\s*(admins?|administrators?|readers?|address)\b", re.IGNORECASE)
_BARE_CLOUD_WORDS = {"global", "international", "intl"}     # worldwide, unless they name a role
NEGATED = "negated"
# Dimensions where a value ruled out alone ("the global one, not the 21Vianet one") is no value at all.
RULED_OUT_ALONE = ("cloud", "country")
# A message that is only a level, as a follow-up: "B?", "那 B 呢", "and C?", "what about Sev A".
_BARE_LEVEL = re.compile(r"^\W*(?:(?:and|what about|how about|same for|then|那么?|如果是|换成)\s*)?"
                         r"(?:sev(?:erity)?\s*)?"
                         r"([ABCabc])\s*(?:呢|的呢|级呢|级|then)?\W*$", re.IGNORECASE)


# "Sev A and B", "严重级别B和C", "severity A/B/C": the levels listed after a named one are named too.
# A lower-case letter counts only where it cannot be the article ("Sev A and a phone number").
# "关键和非关键" / "关键/非关键": "关键" alone is an ordinary word ("key"), but paired with 非关键 it is the level
_CRITICAL_PAIRED = re.compile(r"(?<!非)关键(?=\s*(?:和|与|跟|及|以及|或|或者|还是|/|、|vs\.?)\s*非关键)", re.IGNORECASE)
_LEVEL_AFTER = re.compile(r"\s*(?i:and|or|vs\.?|versus|to|和|与|跟|及|或|或者|还有|/|,|，|、|&)\s*"
                          r"([ABC](?![A-Za-z0-9])|[abc](?=\s*(?:级|$|[?？,，.。;；!！)）])))(?:\s*级)?")


# "B/C级", "A、B 级": capital letters listed before a named level ("C级") are levels too.
_LEVEL_BEFORE = re.compile(r"(?<![A-Za-z0-9])([ABC])\s*(?:/|、|和|与|或|跟|及|,|，)\s*$")


def _listed_levels(text: str, severities) -> List[Dict[str, Any]]:
    found = []
    for m in severities:
        if not re.search(r"[ABCabc]\W*$", text[m.start:m.end]) and not text[m.start:m.end].endswith("级"):
            continue
        end = m.end
        while True:
            nxt = _LEVEL_AFTER.match(text, end)
            if not nxt:
                break
            found.append({"entity": "severity", "value": nxt.group(1).lower(), "start": nxt.start(1),
                          "end": nxt.end(1), "confidence_entity": 1.0})
            end = nxt.end()
        start = m.start
        while text[m.start:m.end].endswith("级") and (before := _LEVEL_BEFORE.search(text, 0, start)):
            found.append({"entity": "severity", "value": before.group(1).lower(), "start": before.start(1),
                          "end": before.end(1), "confidence_entity": 1.0})
            start = before.start(1)
    return [e for e in found if not any(m.start < e["end"] and e["start"] < m.end for m in severities)]


def _vetoed(text: str, dim: str, start: int, end: int) -> bool:
    if dim == "severity":
        return bool(_BUSINESS_BEFORE.search(text[max(0, start - 10):start]))
    if dim == "plan":
        return bool(_LEAGUE_AFTER.match(text[end:end + 10]))
    if dim == "cloud" and text[start:end].casefold() in _BARE_CLOUD_WORDS:
        return bool(_ROLE_AFTER.match(text[end:end + 16]))
    return False


def extract(text: str, vocab, language_re, language_codes) -> List[Dict[str, Any]]:
    """Entities for one text: vocabulary mentions and language names.

    A product family is dropped when one of its apps is named too. A mention negated while another of the
    same kind is named plainly ("Australia, not the UK") keeps role "negated", which slot mappings ignore;
    so does a cloud or country ruled out alone ("not the 21Vianet one", "不是世纪互联"). A message that is
    only a level ("那 B 呢", "and C?") names that severity."""
    text = normalize(text)
    mentions = [m for m in vocab.find(text) if not _vetoed(text, m.dim, m.start, m.end)]
    negated = {id(m) for m in mentions if is_negated(text, m.start)}
    plain_dims = {m.dim for m in mentions if id(m) not in negated}
    alone = {id(m) for m in mentions if m.dim in RULED_OUT_ALONE and is_negated(text, m.start, strict=True)}
    named = {m.value for m in mentions}
    groups = {tid: set(t.members) for tid, t in vocab.facts.vocab["products"].items() if t.is_group}
    entities = []
    for m in mentions:
        if m.dim == "product" and m.value in groups and groups[m.value] & named:
            continue                                  # "Dynamics 365 客户互动应用": the app, not the family
        entity = {"entity": m.dim, "value": m.value, "start": m.start, "end": m.end, "confidence_entity": 1.0}
        if id(m) in negated and m.dim in plain_dims or id(m) in alone:
            entity["role"] = NEGATED
        entities.append(entity)
    # a product the documents do not cover ("Azure"): its own entity, which no slot takes; a routing question
    # about it gets "I don't know" (actions), a question about its documents the resources note
    entities += [{"entity": OTHER_PRODUCT, "value": text[start:end], "start": start, "end": end,
                  "confidence_entity": 1.0}
                 for start, end in vocab.not_covered(text)
                 if not any(m.start < end and start < m.end for m in mentions)]
    # a number the user quotes names its line's cloud and product, where the words name none
    named_dims = {m.dim for m in mentions}
    entities += [{"entity": m.dim, "value": m.value, "start": m.start, "end": m.end, "confidence_entity": 1.0}
                 for m in vocab.quoted_lines(text) if m.dim not in named_dims]
    entities += _listed_levels(text, [m for m in mentions if m.dim == "severity"])
    entities += [{"entity": "severity", "value": "critical", "start": m.start(), "end": m.end(),
                  "confidence_entity": 1.0}
                 for m in _CRITICAL_PAIRED.finditer(text)
                 if not any(e["start"] < m.end() and m.start() < e["end"] for e in entities)]
    level = _BARE_LEVEL.match(text) if not any(m.dim == "severity" for m in mentions) else None
    if level:
        entities.append({"entity": "severity", "value": level.group(1).lower(), "start": level.start(1),
                         "end": level.end(1), "confidence_entity": 1.0})
    request = reply_request(text)
    if request:
        code, start, end = request
        entities.append({"entity": REPLY_LANGUAGE, "value": code, "start": start, "end": end, "confidence_entity": 1.0})
    for match in language_re.finditer(text):
        entities.append({"entity": "language", "value": language_codes[match.lastindex - 1], "start": match.start(),
                         "end": match.end(), "confidence_entity": 1.0})
    return entities


def without_countries_in_language_names(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The entities without a country inside a language's name ("葡萄牙语" names Portuguese, not Portugal). The
    tokenizer's masking keeps reading both (`mention_spans`): the trained features stay as they were."""
    languages = [(e["start"], e["end"]) for e in entities if e.get("entity") == "language"]
    return [e for e in entities if not (e.get("entity") == "country" and any(
        a <= e["start"] and e["end"] <= b and (a, b) != (e["start"], e["end"]) for a, b in languages))]


_LANGUAGE = None
OTHER_PRODUCT = "other_product"


_recent: "OrderedDict[tuple, List[Dict[str, Any]]]" = OrderedDict()


def extract_once(text: str, vocab, language_re, language_codes) -> List[Dict[str, Any]]:
    """`extract`, remembered for the last few texts: the tokenizer (masking) and the extractor both need the
    mentions of the same message, and matching is the costly part. Copies, so callers may change them."""
    key = (id(vocab), text)
    found = _recent.get(key)
    if found is None:
        found = _recent[key] = extract(text, vocab, language_re, language_codes)
        while len(_recent) > 256:
            _recent.popitem(last=False)
    return [dict(e) for e in found]


def mention_spans(text: str) -> List[tuple]:
    """(start, end, dim) of every vocabulary mention and language name, in order, non-overlapping."""
    global _LANGUAGE
    if _LANGUAGE is None:
        _LANGUAGE = _language_pattern()
    spans = [(e["start"], e["end"], e["entity"]) for e in extract_once(text, default_router().vocab, *_LANGUAGE)]
    spans.sort(key=lambda s: (s[0], s[2] != REPLY_LANGUAGE, s[1]))   # a reply request covers its language name
    out, last = [], -1
    for s, e, d in spans:
        if s >= last:
            out.append((s, e, d))
            last = e
    return out


def matching_signature() -> str:
    """A digest of what masking and extraction depend on besides a component's own class source (all that
    Rasa's training cache keys on): the fact base's vocabulary and the matching code (this module, the
    vocabulary module, the language names). Returned as `fingerprint_addon`, so a changed alias retrains
    the tokenizer instead of restoring its output, made with the old vocabulary, from the cache."""
    digest = hashlib.sha256(default_router().vocab.signature().encode())
    for module in (sys.modules[__name__], vocab_module, language_module):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AliasEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        return matching_signature()

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._vocab = default_router().vocab
        self._language_re, self._language_codes = _language_pattern()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "AliasEntityExtractor":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(
                without_countries_in_language_names(
                    extract_once(text, self._vocab, self._language_re, self._language_codes)))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
