"""Reply language: metadata, explicit switch, script of the message, earlier messages."""
import pytest

from components.language import effective_language, normalise_code, script_language


@pytest.mark.parametrize("text,lang", [
    ("What is the UK number?", "en"), ("世纪互联的热线是多少", "zh"), ("M365 的 billing 电话", "zh"),
    ("D365 CE 售前 phone number?", "en"), ("Dynamics 365 客户互动应用在中国的售前电话", "zh"),
    ("Ｏｆｆｉｃｅ３６５ 世纪互联版", "zh"), ("2", None), ("👍", None), ('/inform{"country": "us"}', None), ("", None),
])
def test_script_language(text, lang):
    assert script_language(text) == lang


def test_precedence_metadata_then_preference_then_script_then_history():
    assert effective_language({"language": "zh-CN"}, "en", ["hello"]) == "zh"
    assert effective_language({}, "en", ["你好"]) == "en"
    assert effective_language(None, None, ["你好"]) == "zh"
    assert effective_language(None, None, ["2", "/affirm", "你好"]) == "zh"      # a bare number keeps the language
    assert effective_language({"language": "klingon"}, None, ["hello"]) == "en"   # invalid metadata ignored
    assert effective_language(None, None, []) == "en"


@pytest.mark.parametrize("value,code", [("zh_Hans", "zh"), ("EN-gb", "en"), ("fr", None), (None, None), (5, None)])
def test_normalise_code(value, code):
    assert normalise_code(value) == code


def test_single_letter_codes_do_not_count_as_english_words():
    assert script_language("21V O365 的 Sev A 定义是啥") == "zh"
    assert script_language("Sev A?") == "en"
