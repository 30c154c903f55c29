"""Which language to answer in. Pure functions, shared by the NLG (Rasa server) and the actions.

Order of precedence for each reply:
  1. `metadata.language` of the latest user message (the web widget's and the shell's en/zh toggle);
  2. an explicit switch the user asked for ("请用中文回答", "answer in English"), kept in `language_pref`;
  3. the script of the latest user message that has letters: mostly Chinese characters -> zh;
  4. the same for earlier messages (a reply of "2" or a button payload keeps the language), within the
     history the actions see (core/history.py), else English.
Mixed messages are weighed in words: a CJK character counts half a word, a Latin run one word, so
"M365 的 billing 电话" is Chinese and "D365 CE 售前 phone number?" is English.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from typing import Iterable, Mapping, Optional, Tuple

from core.history import ACTION_USER_TURNS

LANGUAGES = ("en", "zh")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")          # single letters are codes (Sev A, 21V, O365), not words
ZH_SHARE = 0.4

# Language names users say when asking to switch (or asking which languages are supported).
LANGUAGE_NAMES = {
    "en": ["English", "英语", "英文", "英語"],
    "zh": ["Chinese", "Mandarin", "Simplified Chinese", "中文", "汉语", "漢語", "简体中文", "普通话", "国语", "华语"],
    "ja": ["Japanese", "日语", "日文"],
    "de": ["German", "德语", "德文"],
    "fr": ["French", "法语"],
    "es": ["Spanish", "西班牙语"],
    "it": ["Italian", "意大利语"],
    "pt": ["Portuguese", "葡萄牙语"],
    "zh-Hant": ["Traditional Chinese", "繁体中文", "繁體中文", "繁体"],
}
# Languages the support pages do not list, so that a question about one is answered as such ("support in
# Korean?"). An answer finds them in the words; they are no entity, since the entity extractor's mentions are
# features of the classifier.
UNLISTED_LANGUAGE_NAMES = {
    "ko": ["Korean", "韩语", "韩文", "朝鲜语"],
    "ru": ["Russian", "俄语"],
    "ar": ["Arabic", "阿拉伯语"],
    "nl": ["Dutch", "荷兰语"],
    "hi": ["Hindi", "印地语"],
    "th": ["Thai", "泰语"],
    "vi": ["Vietnamese", "越南语"],
    "tr": ["Turkish", "土耳其语"],
    "id": ["Indonesian", "印尼语", "印度尼西亚语"],
    "pl": ["Polish", "波兰语"],
}
# The codes of the support-language table (facts.yml language_support) that these names stand for.
SUPPORT_CODES = {"zh": "zh-Hans"}


def language_name(code: str, lang: str) -> str:
    """What a language is called in a reply in `lang` ("Korean", "韩语"); a support-table code ("zh-Hans") too."""
    if code == "zh-Hans":
        return "简体中文" if lang == "zh" else "Simplified Chinese"
    names = LANGUAGE_NAMES.get(code) or UNLISTED_LANGUAGE_NAMES.get(code) or [code]
    return next((n for n in names if CJK.search(n)), names[0]) if lang == "zh" else names[0]


@lru_cache(maxsize=2)
def language_name_pattern(unlisted: bool = False) -> Tuple["re.Pattern", Tuple[str, ...]]:
    """One pattern of every language name (a group per name) and the code of each group, in order; with
    `unlisted`, the names of languages the pages do not list too."""
    table = dict(LANGUAGE_NAMES, **UNLISTED_LANGUAGE_NAMES) if unlisted else LANGUAGE_NAMES
    names = sorted(((n, code) for code, ns in table.items() for n in ns), key=lambda x: -len(x[0]))
    parts = [rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])" if n[0].isascii() else re.escape(n) for n, _ in names]
    return re.compile("|".join(f"({p})" for p in parts), re.IGNORECASE), tuple(code for _, code in names)


def language_mentions(text: str) -> Iterable[Tuple[str, int, int]]:
    """(code, start, end) of each language name in `text`, longest name first where two overlap."""
    pattern, codes = language_name_pattern(unlisted=True)
    for match in pattern.finditer(text):
        yield codes[match.lastindex - 1], match.start(), match.end()


def normalise_code(value: object) -> Optional[str]:
    """'zh-CN', 'zh_Hans', 'ZH' -> 'zh'; 'en-GB' -> 'en'; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def script_language(text: Optional[str]) -> Optional[str]:
    """'zh' or 'en' from the characters of a message; None when it has no letters (numbers, emoji, payloads).
    In a mixed message the names of products, clouds, countries and plans do not count as English words:
    "Unified Performance 呢" is Chinese."""
    if not text or text.lstrip().startswith("/"):
        return None
    cjk = len(CJK.findall(text))
    latin = len(LATIN_WORD.findall(text))
    if cjk and latin:
        latin = _latin_words_outside_names(text[:2000])
    if cjk == 0 and latin == 0:
        return None
    return "zh" if (cjk / 2) / (cjk / 2 + latin) >= ZH_SHARE else "en"


@lru_cache(maxsize=1024)
def _latin_words_outside_names(text: str) -> int:
    from core.routing import default_router
    from core.routing.vocab import normalize

    text = normalize(text)
    for m in reversed(default_router().vocab.find(text)):
        text = text[:m.start] + " " + text[m.end:]
    return len(LATIN_WORD.findall(text))


def effective_language(metadata: Optional[Mapping], preference: Optional[str],
                       user_texts_newest_first: Iterable[str]) -> str:
    lang = normalise_code((metadata or {}).get("language"))
    if lang:
        return lang
    pref = normalise_code(preference)
    if pref:
        return pref
    for text in islice(user_texts_newest_first, ACTION_USER_TURNS):     # what the actions see: core/history.py
        lang = script_language(text)
        if lang:
            return lang
    return "en"


# ------------------------------------------------------------------------------------ reply requests
# A request for the reply's language, alone ("english pls", "用中文再说一遍") or before a question
# ("请用中文回答：美国的电话是多少"). Deterministic, so "请用中文回答" never reads as a question about which
# languages support speaks, and the question after it is classified on its own words. Only a clause that
# asks *the assistant* to use a language counts: "do engineers speak Chinese?" and "支持人员能用中文沟通吗"
# are questions about support languages.
REPLY_LANGUAGE = "reply_language"        # the entity that carries such a request


def _names(code: str) -> str:
    return "|".join(re.escape(n) for n in sorted(LANGUAGE_NAMES[code], key=len, reverse=True))


_LANG = rf"(?:{_names('zh')}|{_names('en')})"
_LANG_NAME = re.compile(_LANG, re.IGNORECASE)
_EN_VERB = (r"(?:answer|reply|respond|write|talk|chat|continue|go on|explain(?: (?:that|it|this))?"
            r"|say (?:that|it|this)(?: again)?|repeat (?:that|it|this|the answer)|tell me(?: that| again)?"
            r"|(?:put|give|show|send|write) (?:me )?(?:that|it|this|the answer))")
_REPLY_REQUEST = re.compile(
    "|".join([
        # English: "answer in English", "can you repeat that in Chinese?", "switch to Mandarin"
        rf"(?:(?:please|pls|plz|(?:can|could|would) (?:you|u)|can we|could we|let's|let us)\s+)?"
        rf"{_EN_VERB}(?:\s+(?:to me|again|please))?\s+(?:in|into)\s+{_LANG}",
        rf"(?:(?:please|pls|(?:can|could) (?:you|u))\s+)?"
        rf"(?:switch|change|go back|back|translate(?: (?:that|it|this))?)(?: the language)?(?: back)?"
        rf"\s+(?:to|into)\s+{_LANG}",
        rf"(?:^|(?<=please )|(?<=can you )|(?<=could you ))(?:speak|use)\s+{_LANG}",
        # "english please, my colleague can't read chinese": the language first, then please
        rf"^\W*{_LANG}\s+(?:please|pls|plz)\b",
        # Chinese: "请用中文回答", "用中文再说一遍", "能用中文说吗", "可以翻译成中文吗", "换成英文"
        rf"(?:请你?|麻烦你?|可以|可不可以|能不能|能否|你能|能)?(?:用|以){_LANG}(?:来)?"
        r"(?:再说一遍|再说一次|说一遍|再讲一遍|重复一遍|重复一下|回答|回复|答复|回我|跟我说|和我说|说|讲|解释|写)"
        r"(?:一下)?(?:吧|吗|好吗|可以吗|呢)?",
        # without 用: "中文再说一遍", "英文回复一下" (a verb of saying again, so "中文说明" is not one)
        rf"{_LANG}(?:再说一遍|再说一次|再讲一遍|说一遍|讲一遍|重复一遍|重复一下|说一下|讲一下|回答|回复|答复|解释一下)(?!的)",
        # not "把这句翻成英文" (translate a text of the user's: a task, not the reply's language)
        rf"(?<!把)(?<!把这句)(?<!把這句)(?<!把这段)(?<!把它)(?:请|麻烦|可以|能不能|能否)?(?:换成|换|改成|改用|切换到|切换成|切换为|翻译成|翻成|转成){_LANG}(?:吧|吗|好吗|可以吗)?",
        # "说中文吧", "能不能说中文？", "你能讲英文吗": asked of the assistant (no one else is the subject)
        rf"(?:^\W*|(?<=请)|(?<=麻烦)|(?<=你))(?:能不能|可不可以|可以|能否|能)?(?:说|讲){_LANG}(?:吧|好吗|吗|嘛)?(?!的|支持|服务)",
        # the language alone, or "in English please": "english pls", "中文呢？", "用中文", "Chinese please"
        rf"^\W*(?:请|麻烦)?(?:用|in\s+)?{_LANG}\s*(?:please|pls|plz|呢|吧|回复|回答|版)?\W*$",
        rf"\bin\s+{_LANG}\s*(?:please|pls|plz)\b",
        rf"(?:请|麻烦)(?:用|以){_LANG}(?=\s*(?:[,，。.:：;；!！?？]|$))",
        # settling on a language: "算了，还是用中文吧", "就说英文就行", "actually, English is fine."
        rf"(?:还是|就|那就|改回|换回)(?:用|说|讲)?{_LANG}(?:吧|就行|就好|好了|就可以)",
        rf"(?:用|说|讲){_LANG}(?:就行|就好|就可以)",
        rf"(?<!\bis )(?<!\bare )\b{_LANG}\s+(?:is|'s|would be)\s+(?:fine|ok|okay|good|better)\b"
        r"(?!\s+(?:for|with|to)\b)",
        # a leading "用中文：…" / "In English: …" before the question
        rf"^\W*(?:用|以|in\s+){_LANG}(?=\s*[,，:：;；\-–—])",
    ]),
    re.IGNORECASE,
)
_CODE_OF_NAME = {n.lower(): code for code in LANGUAGES for n in LANGUAGE_NAMES[code]}
# Words that leave a message a bare request when they are all that is left of it.
_FILLER = re.compile(r"from now on|以后都|以后|后面都|后面|please|pls|plz|thanks?|thank you|now|instead|from now on|"
                     r"谢谢|吧|呢|吗|好吗|[\W_]", re.IGNORECASE)


def reply_request(text: Optional[str]) -> Optional[Tuple[str, int, int]]:
    """(language, start, end) of a request to answer in English or Chinese, or None."""
    if not text:
        return None
    match = _REPLY_REQUEST.search(text)
    if not match:
        return None
    name = _LANG_NAME.search(match.group(0))
    code = _CODE_OF_NAME.get(name.group(0).lower()) if name else None
    return (code, match.start(), match.end()) if code else None


_ASKS = re.compile(r"\b(how|what|whats|which|where|when|who|why)\b"
                   r"|吗|呢|什么|哪|几|多少|怎么|如何|是否|有没有", re.IGNORECASE)


def asks_more_than_language(text: str, start: int, end: int) -> bool:
    """Whether the message holds more than the reply request: "请用中文回答：美国的电话是多少" does, and so does
    a value ("我们在英国，麻烦用英文"); a reason for the request ("my manager doesn't read English") does not."""
    rest = _FILLER.sub(" ", text[:start] + " " + text[end:]).strip()
    if not rest:
        return False
    from core.routing import default_router
    from core.topics import asked_parts

    return bool(_ASKS.search(rest) or asked_parts(rest) or default_router().vocab.find(rest))
