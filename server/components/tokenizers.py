"""Tokenizers for mixed English/Chinese text (see docs/nlu.md for the measured comparison).

Rasa's JiebaTokenizer emits a token for every space between English words (RasaHQ/rasa#7910), which
pollutes the features of mixed sentences; FilteredJiebaTokenizer drops them, and MaskingJiebaTokenizer (the
one config.yml uses) also turns each vocabulary mention into one token. The spaCy variant that was compared
lives with the comparison (scripts/compare_tokenizers.py).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from core.routing.vocab import to_simplified
from core.language import REPLY_LANGUAGE, asks_more_than_language


def use_compact_dictionary(min_frequency: int) -> None:
    """Segment with the words of jieba's dictionary seen at least `min_frequency` times (the full dictionary
    of 349k words costs ~90 MB per process; the words of support questions are common ones). Written once
    next to jieba's own cache, named after jieba's version and the threshold."""
    import os
    import tempfile

    import jieba

    source = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    target = os.path.join(tempfile.gettempdir(), f"jieba-{jieba.__version__}-min{min_frequency}.dict.txt")
    if not os.path.exists(target):
        with open(source, encoding="utf-8") as src:
            kept = [line for line in src if int(line.split(" ")[1]) >= min_frequency]
        partial = f"{target}.{os.getpid()}"
        with open(partial, "w", encoding="utf-8") as out:
            out.writelines(kept)
        os.replace(partial, target)                  # atomic: parallel processes never read half a file
    if jieba.dt.dictionary != target:
        jieba.set_dictionary(target)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class FilteredJiebaTokenizer(JiebaTokenizer):
    """jieba segmentation without whitespace tokens."""

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class MaskingJiebaTokenizer(FilteredJiebaTokenizer):
    """FilteredJiebaTokenizer that turns every vocabulary mention (product, cloud, country, support type,
    severity, plan, language name) into one placeholder token such as `__product__`.

    Intents are then learned from the words of the question rather than from which product or country
    happens to be named, which generalises far better with a few hundred examples per intent. Mentions are
    found with the policy's vocabulary, so training and inference mask identically; token offsets stay
    those of the original text, and entities are extracted separately (AliasEntityExtractor).

    A request for the reply's language before a question ("请用中文回答：美国的电话是多少") gives no token, so
    the question is classified on its own words; alone, it is the token `__reply_language__`.
    """

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        from server.components.alias_extractor import matching_signature
        return matching_signature()

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, model_storage, resource)
        from server.components.alias_extractor import mention_spans
        self._spans = mention_spans
        if config.get("min_word_frequency"):
            use_compact_dictionary(int(config["min_word_frequency"]))

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**FilteredJiebaTokenizer.get_default_config(), "min_word_frequency": 0}

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        if attribute != "text":
            return super().tokenize(message, attribute)
        text = message.get(attribute) or ""
        tokens: List[Token] = []
        cursor = 0
        for start, end, dim in self._spans(text):
            tokens += self._plain(text[cursor:start], cursor)
            if dim != REPLY_LANGUAGE or not asks_more_than_language(text, start, end):
                tokens.append(Token(f"__{dim}__", start, end))
            cursor = end
        tokens += self._plain(text[cursor:], cursor)
        return self._apply_token_pattern(tokens)

    @staticmethod
    def _plain(segment: Text, offset: int) -> List[Token]:
        import jieba

        segment = to_simplified(segment)              # same length: offsets stay those of the original text
        return [Token(word, offset + start) for word, start, _ in jieba.tokenize(segment) if word.strip()]
