"""Find the notes a question is about by their words, whatever topic the classifier chose.

A note answers a question people phrase in many ways ("will they downgrade our Sev A if we go quiet?",
"打电话会不会更快"). The intent gives a topic and the topic a list of notes, but the sought note may sit under a
neighbouring topic or deep in a long list. This index scores every note against the words of the question
(Okapi BM25 over the note's text in both languages, its quotes and the headings of its sections), so the
best-matching notes can lead the answer, notes of another topic can join it when they match well, and a
question that names no product can be answered when what matches belongs to one product family.

Words that name a product, cloud or country are left out of the query: the route already
restricts the notes to them, and they would otherwise favour any note that repeats a name. English words
are reduced to a crude stem; Chinese is read as overlapping character pairs, which needs no dictionary.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .model import Facts, Note
from .vocab import normalize, vocabulary_for

_LATIN = re.compile(r"[a-z0-9][a-z0-9'&+.]*[a-z0-9+]|[a-z0-9]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_STOP_EN = frozenset("""
a about above after again all am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers him his
how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out
over own same she should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with would you your yours
yes hi hello hey please pls thanks thank get got us im i'm it's what's whats dont don't can't cant also
support microsoft need want know tell ask question like one use using still actually really
""".split())
# Chinese words that carry no topic: question words, and the words every support question has.
_STOP_ZH = frozenset("""
我们 你们 他们 请问 一下 想问 是否 是不是 不是 可以 能不能 怎么样 怎么 如何 什么 哪个 哪些 多少 这个 那个 还是 的话 如果
有没有 没有 支持 微软 请求 问题 我想 需要 知道 告诉
""".split())
# Characters that only make grammar ("们", "这", "被"): no pair spans one.
_FUNCTION_ZH = frozenset("的了们吗呢吧啊呀嘛哦我你他她它这那么哪什怎个些被把让给就都也还很得地着过")
# Chinese is read as pairs within the stretches between stop words and function characters.
_ZH_BREAK = re.compile("|".join(sorted(_STOP_ZH, key=len, reverse=True)) + "|[" + "".join(sorted(_FUNCTION_ZH)) + "]")
_K1, _B = 1.2, 0.75
_KIND_NOUN = re.compile(r"\s*(?:support\s+)?(?:plans?|contracts?|subscriptions?)\b|\s*(?:支持)?(?:计划|合同|套餐)",
                        re.IGNORECASE)
# the dimensions the route restricts notes by; a plan or severity word is what a note is about
PLACE_DIMS = ("product", "cloud", "country")
# ... unless the question only names the level or plan its answer is about ("Sev A response time?"): then
# those words say which row it asks for, not which note
VALUE_DIMS = PLACE_DIMS + ("severity", "plan")


# Words that mean the same here, in the note's wording first: a user says "downgrade" where the page says
# "lower", "quicker" for "faster", "ring" for "call". Stems on the English side, whole words on the Chinese.
SYNONYMS_EN = (
    ("lower", "downgrad", "reduc", "decreas", "drop"),
    ("severity", "sev"),
    ("fast", "faster", "quick", "quicker", "sooner", "speed", "spe", "expedit", "prioritiz"),
    ("call", "phon", "ring", "dial", "telephon", "hotlin"),
    ("submit", "fil", "open", "rais", "log", "creat"),
    ("request", "ticket", "case", "incident", "sr"),
    ("respond", "respons", "repl", "answer"),
    ("cancel", "terminat"),
    ("refund", "money", "reimburs", "prorat"),
    ("admin", "administrator"),
    ("partner", "csp", "reseller"),
    ("rca", "root"),
    ("verif", "verification", "pin", "code"),
    ("network", "firewall", "proxy", "isp"),
    ("chang", "switch", "swap"),
    ("charg", "cost", "fee", "pay", "paid", "free"),      # what support costs, or that it costs nothing
    ("renew", "expir"),
    ("buy", "bought", "purchas"),
    ("eligibl", "entitl", "qualify"),
    ("representativ", "engineer"),                                # who works on a request
    ("continu", "continuou", "continuous", "nonstop"),
    ("alternativ", "another", "backup", "besid", "spare", "second"),   # a number besides the first
)
SYNONYMS_ZH = (
    ("降低", "调低", "下调", "降级", "调降", "降下"),
    ("更快", "快一点", "加快", "提速", "加速"),
    ("电话", "致电", "拨打"),
    ("替代", "备用", "别的", "其他的", "另外的", "另一个"),   # another number besides the first
    ("请求", "工单", "事件", "案例", "单子"),
    ("退款", "退钱", "按比例"),
    ("费用", "扣费", "扣款", "扣钱", "收费", "计费", "付费", "免费", "付钱", "花钱", "要钱",
     "话费", "电话费", "通话费"),                    # a call's cost too (the page: 长途话费, 本地话费)
    ("在线", "网上", "线上"),
    ("购买", "买了", "购入", "采购"),
    ("根本原因", "根因", "rca"),
    ("验证码", "pin 码", "pin码", "验证"),
    ("网络", "防火墙", "代理服务器", "代理", "运营商", "宽带", "内网", "内部网"),
    ("更改", "更换", "切换", "换成", "变更"),
    ("续订", "到期", "过期", "续费", "续期", "续约"),
    ("中断", "宕机", "挂了", "挂掉", "瘫痪", "停摆"),
    ("持续", "一直有人", "不间断", "连续不断"),
    ("非管理员", "不是管理员", "普通用户", "普通员工", "最终用户", "终端用户", "不是租户管理员", "非租户管理员",
     "不是租户的管理员", "没有管理员权限", "没有管理权限"),
    # "how-to" (the page's word) is two stop words apart: one term, in both languages
    ("howto", "how-tos", "how-to", "如何操作", "操作方法", "使用方法", "功能怎么用", "怎么用的问题"),
)
# Phrases that mean one thing: someone who is no admin ("a normal user", "not an admin", "non-admins"),
# help from one person to another ("1:1", "one-on-one"), who may have something ("only available to").
PHRASES_EN = (
    ("nonadmin", r"\b(?:not|non)[\s-]?(?:an?\s+)?(?:business\s+)?admin(?:istrator)?s?\b"
                 r"|\b(?:normal|regular|ordinary|plain|end)[\s-]users?\b"),
    ("oneonone", r"(?<!\w)(?:1:1|1-on-1|one[\s-]on[\s-]one)(?!\w)"),
    ("eligibl", r"\bonly available to\b"),           # "who is eligible for Sev A?": "only available to ..."
    ("continu", r"\bkeep\s+(?:going|working|at it|on it)\b|\bnon[\s-]stop\b"),   # work on it continuously
)
_PHRASE_EN = [(re.compile(rx), f" {word} ") for word, rx in PHRASES_EN]
_SYN_EN = {w: group[0] for group in SYNONYMS_EN for w in group}
_SYN_ZH = re.compile("|".join(sorted((re.escape(w) for g in SYNONYMS_ZH for w in g[1:]), key=len, reverse=True)))
_ZH_CANON = {w: g[0] for g in SYNONYMS_ZH for w in g[1:]}


def _stem(word: str) -> str:
    """A crude English stem, good enough to meet "downgrades"/"downgraded"/"downgrade", "calls"/"calling"."""
    for suffix, keep in (("ysis", "ys"), ("yses", "ys"), ("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""),
                         ("es", ""), ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: len(word) - len(suffix)] + keep
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return _SYN_EN.get(word, word)


def terms(text: str) -> List[str]:
    """The scoring terms of a text: English stems and Chinese character pairs."""
    text = _SYN_ZH.sub(lambda m: _ZH_CANON[m.group(0)], normalize(text).lower())
    for rx, word in _PHRASE_EN:
        text = rx.sub(word, text)
    out = [_stem(w.strip("'.")) for w in _LATIN.findall(text) if w not in _STOP_EN]
    for run in _HAN_RUN.findall(_ZH_BREAK.sub(" ", text)):
        out += [run[i:i + 2] for i in range(len(run) - 1)]
    return [t for t in out if t and t not in _STOP_EN]


@dataclass(frozen=True)
class Hit:
    note: Note
    score: float         # BM25
    share: float         # the part of the question's term weight the note matches (0..1)


class NoteIndex:
    """BM25 over the notes; `search` ranks the notes it is given (those the route allows)."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self._vocab = vocabulary_for(facts)
        docs: Dict[str, List[str]] = {}
        for note in facts.notes.values():
            parts = [note.text.en, note.text.zh, note.quote or "", note.quote_zh or ""]
            for source in note.sources:
                parts += [source.section, facts.section_titles_zh.get(source.section, "")]
            if note.link and note.link in facts.links:
                parts += [facts.links[note.link].name.en, facts.links[note.link].name.zh]
            docs[note.id] = terms(" ".join(parts))
        self._tf = {nid: _counts(ts) for nid, ts in docs.items()}
        self._len = {nid: len(ts) for nid, ts in docs.items()}
        self._avg = sum(self._len.values()) / max(1, len(self._len))
        df: Dict[str, int] = {}
        for tf in self._tf.values():
            for t in tf:
                df[t] = df.get(t, 0) + 1
        n = len(docs)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def query_terms(self, text: str, without: Tuple[str, ...] = PLACE_DIMS) -> List[str]:
        """The question's terms, without the names of the values of `without` (products, clouds, countries)."""
        return list(self._query_terms(text[:2000], without))

    # one turn asks several times (topic, product, notes)
    @lru_cache(maxsize=64)  # noqa: B019 - indexes live for the process (note_index): nothing to leak
    def _query_terms(self, text: str, without: Tuple[str, ...]) -> Tuple[str, ...]:
        text = normalize(text)
        if not terms(text):                   # nothing to match: spare the vocabulary pass
            return ()
        for m in sorted(self._vocab.find(text, fuzzy=False), key=lambda m: -m.start):
            if m.dim in without:
                # the noun that names a value's kind goes with it ("the Unified Performance plan")
                kind = _KIND_NOUN.match(text, m.end) if m.dim == "plan" else None
                text = text[:m.start] + " " + text[kind.end() if kind else m.end:]
        return tuple(dict.fromkeys(terms(text)))

    def weight(self, term: str) -> float:
        """How rare a term is among the notes (its IDF; 0 for a term no note has)."""
        return self._idf.get(term, 0.0)

    def search(self, text: str, notes: Optional[Iterable[Note]] = None,
               without: Tuple[str, ...] = PLACE_DIMS) -> List[Hit]:
        """The given notes (all by default) that share words with `text`, best first; the names of the values
        of `without` do not count."""
        query = [t for t in self.query_terms(text, without) if t in self._idf]
        if not query:
            return []
        total = sum(self._idf[t] for t in query)
        hits = []
        for note in (self.facts.notes.values() if notes is None else notes):
            tf, length = self._tf.get(note.id), self._len.get(note.id, 0)
            if not tf:
                continue
            score = matched = 0.0
            for t in query:
                f = tf.get(t, 0)
                if f:
                    idf = self._idf[t]
                    score += idf * f * (_K1 + 1) / (f + _K1 * (1 - _B + _B * length / self._avg))
                    matched += idf
            if score > 0:
                hits.append(Hit(note, score, matched / total))
        return sorted(hits, key=lambda h: -h.score)


def _counts(items: Sequence[str]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


_INDEX: Dict[int, NoteIndex] = {}


def note_index(facts: Facts) -> NoteIndex:
    """One index per fact base (building it takes a few milliseconds, but every reply may search)."""
    index = _INDEX.get(id(facts))
    if index is None or index.facts is not facts:
        index = _INDEX[id(facts)] = NoteIndex(facts)
    return index


# How far above the runner-up (and above the score bar) a hit stands to count with less of the question's words.
STANDOUT = 3.0


def strong(hits: Sequence[Hit], min_score: float, min_share: float, ratio: float = 0.6, limit: int = 3) -> List[Hit]:
    """The clear matches: the best hit that holds enough of the question's words, when it scores high enough
    and not far below the best of all, and the hits of that kind close behind it. A hit that stands far
    above every other (a long message around one note's rare words: "they want to send me a verification
    code, why?") needs a little less of the question's words."""
    standout = bool(hits) and hits[0].score >= min_score and \
        (len(hits) == 1 or hits[0].score >= STANDOUT * hits[1].score)
    holding = [h for h in hits if h.share >= min_share or (standout and h is hits[0] and h.share >= 0.75 * min_share)]
    if not holding or holding[0].score < max(min_score, ratio * hits[0].score):
        return []
    best = holding[0].score
    return [h for h in holding[:limit] if h.score >= ratio * best]
