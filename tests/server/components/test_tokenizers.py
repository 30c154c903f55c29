"""server/components/tokenizers.py: every vocabulary mention is one placeholder token, no whitespace tokens, and
every token's offsets are those of the original text (Traditional characters included)."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from core.routing.vocab import to_simplified
from server.components.tokenizers import MaskingJiebaTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return MaskingJiebaTokenizer(MaskingJiebaTokenizer.get_default_config(), None, None)


@pytest.mark.parametrize("text,placeholders", [
    ("what's the Office 365 number in the UK?", ["__product__", "__country__"]),
    ("世纪互联的 Office 365 支持电话是多少", ["__cloud__", "__product__"]),
    ("澳洲 M365 帳單支持幾點上班", ["__country__", "__product__", "__support_type__"]),   # Traditional
    ("请用中文回答：美国的电话是多少", ["__country__"]),     # the reply language before a question: no token
])
def test_mentions_become_placeholders_and_offsets_point_into_the_original_text(tokenizer, text, placeholders):
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in tokens if t.text.startswith("__")] == placeholders
    for t in tokens:
        assert t.text.strip() and t.end > t.start
        if not t.text.startswith("__"):                    # a word: the original's, simplified
            assert to_simplified(text[t.start:t.end]) == t.text
    starts = [t.start for t in tokens]
    assert starts == sorted(starts)
