"""Entity extraction from the policy's vocabulary: every alias in facts.yml maps to its canonical id.

One home for aliases: the same dictionary drives the router, so "21V", "世纪互联" and "operated by 21Vianet"
all become `cloud: china_21v`, in mixed text and with full-width characters. Language names become a
`language` entity (used by the explicit "answer in English" switch).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.policy import default_router
from actions.policy.vocab import normalize
from components.language import LANGUAGE_NAMES


def _language_pattern() -> re.Pattern:
    names = sorted(((n, code) for code, ns in LANGUAGE_NAMES.items() for n in ns), key=lambda x: -len(x[0]))
    parts = [rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])" if n[0].isascii() else re.escape(n) for n, _ in names]
    return re.compile("|".join(f"({p})" for p in parts), re.IGNORECASE), [code for _, code in names]


def extract(text: str, vocab, language_re, language_codes) -> List[Dict[str, Any]]:
    """Entities for one text: vocabulary mentions (groups dropped when a member is named) and languages."""
    mentions = vocab.find(text)
    named = {m.value for m in mentions}
    groups = {tid: set(t.members) for tid, t in vocab.facts.vocab["products"].items() if t.is_group}
    entities, seen = [], set()
    for m in mentions:
        if m.dim == "product" and m.value in groups and groups[m.value] & named:
            continue                                  # "Dynamics 365 客户互动应用": the app, not the family
        if (m.dim, m.value) in seen:
            continue
        seen.add((m.dim, m.value))
        entities.append({"entity": m.dim, "value": m.value, "start": m.start, "end": m.end,
                         "confidence_entity": 1.0})
    for match in language_re.finditer(normalize(text)):
        code = language_codes[match.lastindex - 1]
        if ("language", code) not in seen:
            seen.add(("language", code))
            entities.append({"entity": "language", "value": code, "start": match.start(), "end": match.end(),
                             "confidence_entity": 1.0})
    return entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AliasEntityExtractor(GraphComponent, EntityExtractorMixin):
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
            found = self.add_extractor_name(extract(text, self._vocab, self._language_re, self._language_codes))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
