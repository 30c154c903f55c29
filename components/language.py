"""Which language to answer in. Pure functions, shared by the NLG (Rasa server) and the actions.

Order of precedence for each reply:
  1. `metadata.language` of the latest user message (the web widget's and the shell's en/zh toggle);
  2. an explicit switch the user asked for ("请用中文回答", "answer in English"), kept in `language_pref`;
  3. the script of the latest user message that has letters: mostly Chinese characters -> zh;
  4. the same for earlier messages (a reply of "2" or a button payload keeps the language), else English.
Mixed messages are weighed in words: a CJK character counts half a word, a Latin run one word, so
"M365 的 billing 电话" is Chinese and "D365 CE 售前 phone number?" is English.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional

LANGUAGES = ("en", "zh")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")          # single letters are codes (Sev A, 21V, O365), not words
ZH_SHARE = 0.4

# Language names users say when asking to switch (or asking which languages are supported).
LANGUAGE_NAMES = {
    "en": ["English", "英文", "英语", "英語"],
    "zh": ["Chinese", "Mandarin", "Simplified Chinese", "中文", "汉语", "漢語", "简体中文", "普通话", "国语", "华语"],
    "ja": ["Japanese", "日语", "日文"],
    "de": ["German", "德语", "德文"],
    "fr": ["French", "法语"],
    "es": ["Spanish", "西班牙语"],
    "it": ["Italian", "意大利语"],
    "pt": ["Portuguese", "葡萄牙语"],
    "zh-Hant": ["Traditional Chinese", "繁体中文", "繁體中文", "繁体"],
}


def normalise_code(value: object) -> Optional[str]:
    """'zh-CN', 'zh_Hans', 'ZH' -> 'zh'; 'en-GB' -> 'en'; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def script_language(text: Optional[str]) -> Optional[str]:
    """'zh' or 'en' from the characters of a message; None when it has no letters (numbers, emoji, payloads)."""
    if not text or text.lstrip().startswith("/"):
        return None
    cjk = len(CJK.findall(text))
    latin = len(LATIN_WORD.findall(text))
    if cjk == 0 and latin == 0:
        return None
    return "zh" if (cjk / 2) / (cjk / 2 + latin) >= ZH_SHARE else "en"


def effective_language(metadata: Optional[Mapping], preference: Optional[str], user_texts_newest_first: Iterable[str]) -> str:
    lang = normalise_code((metadata or {}).get("language"))
    if lang:
        return lang
    pref = normalise_code(preference)
    if pref:
        return pref
    for text in user_texts_newest_first:
        lang = script_language(text)
        if lang:
            return lang
    return "en"
