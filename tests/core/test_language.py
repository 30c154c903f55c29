"""Reply language: metadata, explicit switch, script of the message, earlier messages."""
import pytest

from core.language import (asks_more_than_language, effective_language, normalise_code, reply_request,
                                 script_language)


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
    assert script_language("Unified Performance 呢") == "zh"             # names are no English words
    assert script_language("D365 CE 售前 phone number?") == "en"


@pytest.mark.parametrize("text,lang,more", [
    ("请用英文回复", "en", False), ("麻烦用中文再讲一遍", "zh", False), ("英文呢", "en", False),
    ("换成中文吧", "zh", False), ("could you say that again in Chinese", "zh", False),
    ("reply in English please", "en", False), ("translate that into English", "en", False),
    ("Mandarin please", "zh", False), ("请用英文回复：德国的技术支持电话", "en", True),
    ("reply in Chinese - what are the Sev A hours in Canada?", "zh", True),
    ("我们在英国，麻烦用英文", "en", True),
    # a reason for the request asks nothing more
    ("could you say that in Chinese, our director doesn't read English", "zh", False),
    ("用中文说一遍，同事看不懂英文", "zh", False),
    ("can you give me that in Chinese? the boss can't read English", "zh", False),
    # without 用 or "switch": the language and a verb of saying it again, or "back to"
    ("中文再说一遍", "zh", False), ("我英文不太好，中文说一下", "zh", False), ("英文回复就行", "en", False),
    ("ok back to English now - and Canada?", "en", True),
    ("用中文：美国 M365 支持电话", "zh", True), ("In English: 世纪互联的电话", "en", True),
    ("english please, my colleague can't read chinese", "en", False), ("能不能说中文？", "zh", False),
    ("你能讲英文吗", "en", False),
    # settling on a language, with a word of giving up the other one
    ("算了，还是用中文吧", "zh", False), ("还是中文吧", "zh", False), ("说英文就行", "en", False),
    ("actually forget it, English is fine.", "en", False),
    ("never mind, English is fine. What's the Sev B response on D365?", "en", True),
])
def test_a_request_for_the_reply_language_is_found_with_what_else_the_message_asks(text, lang, more):
    code, start, end = reply_request(text)
    assert code == lang
    assert asks_more_than_language(text, start, end) is more


@pytest.mark.parametrize("text", [
    "Do the engineers speak Chinese?", "Is Exchange support offered in English only?", "工程师会说中文吗",
    "技术支持可以用中文沟通吗", "Which languages can a Sev A case be handled in?", "有没有英文的支持",
    "有中文说明吗", "中文回复的支持几点有", "帮我把这句翻成英文：明天下午开会",     # a text to translate: a task
    "支持人员能说中文吗", "工程师能不能说中文", "能说中文的支持几点有",
    "Is English fine for a Sev A call?", "is Chinese ok with the 21Vianet engineers?", "中文支持还是英文支持好",
])
def test_a_question_about_support_languages_is_not_a_request_for_the_reply_language(text):
    assert reply_request(text) is None


def test_a_reply_request_before_a_question_masks_to_nothing_and_alone_to_one_token():
    from server.components.alias_extractor import mention_spans
    from core.language import REPLY_LANGUAGE
    assert mention_spans("请用英文回复：德国的电话")[0][2] == REPLY_LANGUAGE      # covers the language name in it
    assert [d for _, _, d in mention_spans("请用英文回复")] == [REPLY_LANGUAGE]
