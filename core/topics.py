"""The questions the assistant answers, in one table: which intent asks each, how it is answered, which
response carries it. The dialogue logic, the actions and the renderer read it; `data/rules.yml` and
`domain.yml` must list the same intents and responses, and tests hold them to it. No Rasa import."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from core.routing.vocab import normalize, one_edit


@dataclass(frozen=True)
class Topic:
    name: str
    intent: str                          # the NLU intent that asks it
    answer: str                          # part (a routing answer part) | notes | languages | handoff
    note_topics: Tuple[str, ...] = ()    # for notes answers: the note topics (facts.yml) that answer it
    menu: bool = False                   # offered as a button when the user has not said what they want
    lead: Optional[str] = None           # for notes answers: a routing part said before the notes

    @property
    def response(self) -> str:
        return f"utter_answer_{self.name}"


TOPICS: Tuple[Topic, ...] = (
    Topic("phone", "ask_phone", "part", menu=True),
    Topic("hours", "ask_hours", "part", menu=True),
    Topic("portal", "ask_portal", "part", menu=True),
    Topic("response", "ask_response_time", "part", menu=True),
    Topic("severity", "ask_severity_definition", "part", menu=True),
    Topic("handoff", "open_request", "handoff"),
    Topic("languages", "ask_languages", "languages"),
    Topic("who_can_open", "ask_who_can_open", "notes", ("who_can_open",)),
    Topic("plans", "ask_plans", "notes", ("plans", "premier")),
    Topic("outage", "ask_outage", "notes", ("outage",)),
    Topic("coverage", "ask_coverage", "notes", ("coverage", "break_fix")),
    Topic("preview", "ask_preview", "notes", ("preview",)),
    Topic("rca", "ask_rca", "notes", ("rca",)),
    Topic("plan_lifecycle", "ask_plan_lifecycle", "notes", ("plan_lifecycle",)),
    Topic("responsibilities", "ask_responsibilities", "notes", ("responsibilities",)),
    Topic("resources", "ask_resources", "notes", ("resources",)),
    # "how do I file one, step by step?": the portal and its steps first, then what the documents add
    Topic("how_to_file", "ask_how_to_file", "notes", ("how_to_file",), lead="portal"),
)
BY_NAME: Dict[str, Topic] = {t.name: t for t in TOPICS}

# Words that ask for a routing part, for a message that asks two things at once ("the number, and is it
# open on Saturdays?"): the intent gives the first question, these find the others. They skip the words
# that only qualify another question: "phone support hours" asks for hours, "open a ticket" for no hours.
# Asking for a person means the hotline: "i want a human", "get me a live agent", "转人工".
PERSON_CUE = (r"\b(talk|speak|chat)\s+(to|with)\s+(an?\s+)?(real\s+|live\s+|actual\s+)?"
              r"(person|human|agent|someone|somebody|representative)\b"
              r"|\b(want|need|get me|connect me to|give me|rather have)\s+(an?\s+)?(real\s+|live\s+)?"
              r"(human|person|agent|representative)\b"
              r"|人工(?!智能)|真人|跟人说话|和人说话")
# Asking for an address to write to support ("support email?", "can we just email them?", "有没有邮箱"), not
# a problem with mail ("can't send email", "收发邮件") or a step that names the user's address: the documents
# list no such address; a request starts online or by phone, so the portal answers it.
EMAIL_CUE = (r"\b(support|helpdesk|help\s*desk|contact|21\s*vianet|microsoft|their)('s)?\s+e-?mail(\s+address)?\b"
             r"|\b(is\s+there|are\s+there|any|got|have\s+they)\s+(an?\s+)?e-?mail\b"
             r"(?!\s+(address\s+)?(is\s+)?(registered|on\s+file))"
             r"|\be-?mail\s+(address\s+)?(for|of|to)\s+(the\s+)?([\w&+.-]+\s+){0,4}?"
             r"(support|helpdesk|help\s*desk|21\s*vianet|microsoft|them)\b"
             r"|\b(can|could|may|do)\s+(i|we)\s+(just\s+|also\s+)?(e-?mail|write\s+to)\s+(them|support|microsoft|21\s*vianet)\b"
             r"|\b(send|write)\s+(an?\s+)?e-?mail\s+to\s+(the\s+)?(support|them|microsoft|21\s*vianet)\b|\be-?mail\s+support\b"
             r"|(支持|客服|服务台|联系|世纪互联|微软).{0,6}(邮箱|邮件地址)|有没有.{0,4}邮箱|邮件支持|邮箱(地址)?(是)?多少"
             r"|(?<!收)发(个|封|一封)?(电子)?邮件(给|到|过去|联系|报障|报修|提交|提单|求助)")
PART_CUES: Dict[str, str] = {
    "phone": r"\b(numbers?|hotlines?|call|ring|dial|tel)\b|\b(tele)?phone\b(?!\s+(support|help|hours?|line support))"
             r"|\b(support|phone|help|contact|presales|pre-sales|sales|billing|tech|technical)\s*lines?\b|\bhelpdesk\b"
             r"|\bcontact\b(?!\s+(form|us)\b)|\btoll[\s-]?free\b"
             r"|\bwho\s+(handles|deals with|takes care of|do\s+(i|we)\s+(call|contact|ring)"
             r"|should\s+(i|we)\s+(call|contact|ring))\b"
             r"|\bwho\s+(do|should|can)\s+(i|we)\s+(talk|speak)\s+to\b|\bwho\s+(can|could)\s+help\b"
             r"|(?<![\w#])#(?![\w#])|热线|专线|号码|几号|致电|拨打|(?<!不想打)(?<!不打)(?<!除了)(?<!不用打)电话"
             r"(?!支持.{0,8}(时间|几点|小时|时段|营业|上班|开放|多久|响应|语言|中文|英文))"
             r"|(怎么|如何)联系|联系方式|联系谁|找谁"
             r"|(一个|同一个|同个|一样的)号|号(码)?(一样|相同|是一个|是同一个)|" + PERSON_CUE,
    "hours": r"\b(hours|hrs|opening(?!\s+(?:a|an|the|my|our|this|new|another|one)\b)"
             r"(?!\s+(?:ticket|case|request|incident|sr)s?\b)"
             r"|open\s+(now|today|tonight|tomorrow|on|at|until|till|from|during)|closing time"
             r"|24/7|24x7|7x24|weekends?|saturdays?|sundays?|holidays?|what time|around the clock|round the clock)\b"
             r"|\bwhen\s+(is|are|can|do|does)\b.{0,40}\b(available|open|reachable|staffed|clos(e|es|ed|ing))\b"
             # closing as opening hours ("closed on Sundays?", "does it close at 5"), not a month-end close
             r"|\b(is|are)\s+(it|they|support|the line)\s+closed\b"
             r"|\bclos(e|es|ed|ing)\s+(at|on|now|today|tonight|for|during|over)\b"
             r"|\bwhen\s+(can|could|should)\s+(i|we)\s+(call|ring|phone|reach|contact)\b"
             r"|\bright now\b|\bstays?\s+open\b"
             r"|\b(new year|christmas|easter|thanksgiving)\b|放假|假期|春节|国庆|过年|有人接"
             r"|\b(call|ring|phone|reach)\b.{0,20}\b(now|tonight|today)\b"
             r"|\b(too late|how early|how late|this late|in the morning)\b"
             r"|现在.{0,8}(能|可以|有人|开)|这会儿|这么晚|这个点|开着|还能打"
             r"|\b(overnight|at night|nights)\b|夜里|夜间|通宵|半夜|凌晨"
             # a clock time to reach them at ("reachable at 3am?"), not when something happened
             r"|\b(reachable|available|open|staffed|there|anyone|someone|somebody|answer\w*|call|ring|phone"
             r"|reach|contact)\b[^.?!\n]{0,40}\bat\s+\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)(?![a-z])"
             r"|\btime\s*zones?\b|时区"
             r"|\b24\s*(hours|hrs|h)\b|24\s*小时|全天候|几点|几时|什么时候(能|可以|有人|开|上班)|营业|上班|下班|周末|周六|周日|星期[六日天]|节假日|开放|(?<![应长响])时间",
    # a site the user's problem is about ("SharePoint 网站挂了") is not a question about the portal
    "portal": EMAIL_CUE + r"|\b(portal|website|url)\b|\b(which|what)\s+(web\s*)?site\b"
              r"|(?<!exchange )(?<!sharepoint )(?<!business )(?<!project )\bonline\b"
              r"|门户|(哪个|什么|哪里的?|支持|提交的?)网站|网站(是|在|地址)|网址|在线|线上"
              r"|(登录|登陆|访问|打开|开工单|提工单).{0,4}(哪个|什么)(地址|网站)"
              r"|\b(where|how)\s+(do|can|should|would|to)\s+(i\s+|we\s+|you\s+)?(actually\s+|even\s+|best\s+)?"
              r"(log|file|raise|open|submit|create|lodge|report|start|make|put\s+in)\b"
              r"|哪里提交|在哪提交|渠道.{0,4}提交|(在哪|哪里|怎么|如何|通过什么).{0,6}(提交|提单|报修)"
              r"|(怎么|如何|去哪|在哪|哪里)(上)?报(?!价)|(在哪|哪里|去哪|往哪)(儿)?提(?!供|到|前|醒|示)"
              r"|(在哪|哪里|去哪|怎么|如何).{0,6}(开|提|建)(个|一个)?(支持)?(请求|工单|单子|case|ticket|sr)",
    "response": r"\b(initial\s+response\s+times?|(initial|first)\s+(response|reply)"
                r"|response|respond|reply|replies|get back|hear back|how (fast|quickly|soon)|sla)\b"
                # "who picks up?" asks how soon; "do they pick up calls on Saturdays?" asks when they answer
                r"|\bpicks?\s+up\b(?!(?:\s+[\w-]+){0,4}\s+(?:phones?|calls?)\b)"
                r"|\bhow (many hours|long) (before|until|till|for)\b|多久|首响|多快|多长时间|响应|回复|回应",
    "severity": r"\bhow (severe|serious|bad|urgent)\b|\bis\s+(this|it|that)\s+(serious|severe|critical|urgent)\b"
                r"|严重吗|有多严重|多严重|严不严重|算(啥|什么|哪个|哪一?)(级别|级)"
                r"|\b(what|which) (sev|severity|level)\b|\bclassif(y|ied|ication)\b"
                r"|\b(sev|severity)(\s*level)?\s*[?？]"
                r"|\b(highest|max(imum)?|top)\s+(sev|severity|level)\b"
                r"|\bwhat('s|\s+is|\s+counts\s+as)\s+(an?\s+)?sev(erity)?\b|\bsev(erity)?\s*[abc123]?\s+(mean|means|definition)\b"
                r"|\b(open|file|raise|log|submit|mark|set|classify|flag)\b.{0,30}\bas\s+(an?\s+)?(sev(erity)?\s*[abc123]|[abc]\s+(level|severity)|critical)\b"
                r"|(开|提|报|算|定|设)(成|为)?\s*[ABCabc]\s*级|能.{0,3}[ABCabc]\s*级吗"
                r"|几级|(什么|哪个|哪一个?|哪种|哪一)(严重)?(级别|等级|程度)|哪一级|(严重级别|严重性|级别).{0,6}(是什么|什么意思|含义|定义)"
                r"|(级|级别|等级).{0,4}(指啥|指什么|指的是|啥意思|是啥)",
}
# Words that ask a notes question whatever the classifier says: someone who is no admin asks who may open a
# request ("I'm not an admin, how do I get support?", "我是个人用户").
NOTE_CUES: Dict[str, str] = {
    "who_can_open": r"\b(not|non)[\s-]?(an?\s+)?(admin|administrator)s?\b|\bend[\s-]?users?\b|\bhome users?\b"
                    r"|不是管理员|非管理员|个人用户|家庭用户|普通用户"
                    # who may use a level ("who is entitled to open Sev A cases?", "谁有资格开 A 级")
                    r"|\bwho\s+(is|are)\s+(entitled|eligible|allowed|permitted)\s+to\s+(open|file|raise|submit|log|use)\b"
                    r"|\b(entitled|eligible)\s+(to|for)\s+(open\w*\s+)?(an?\s+)?(sev(erity)?\s*a|critical)\b"
                    # "can anyone open a Sev A?", "谁都能开 A 级吗"
                    r"|\b(can|could|may)\s+(anyone|anybody|everyone|any\s+(user|customer|admin|tenant))\s+"
                    r"(open|file|raise|submit|log|use)\b|(谁都|任何人都?|所有(客户|用户|人)都?)(能|可以)(开|提|用)"
                    r"|谁(能|可以|有资格|有权).{0,3}(开|提|用).{0,4}(a\s*级|sev\s*a|严重级别\s*a)"
                    # "what kind of customer may open a Sev A?", "什么样的客户才能开 A 级"
                    r"|\bwhat\s+(kind|sort|type)\s+of\s+(customers?|users?|tenants?|admins?)\s+(can|could|may|is|are)\b"
                    r"|(什么样|哪种|哪类|哪些)的?(客户|用户|租户|人).{0,3}(才)?(能|可以|有资格)(开|提|用)",
    # putting a Premier contract to use where requests are filed ("how do I link our Premier contract in PPAC?")
    "plans": r"\b(link|hook|connect|associat|attach|add|register|enter|apply|use)\w*\b.{0,40}\b(premier|unified)\b"
             r".{0,20}\b(contract|agreement)s?\b"
             r"|\b(premier|unified)\s+(support\s+)?(contract|agreement)s?\b.{0,40}\b(link|hook|connect|associat|attach|add|register|apply)\w*\b"
             r"|(关联|绑定|挂上|用上|添加|录入|接入).{0,12}(premier|顾问支持|统一支持).{0,4}合同"
             r"|(premier|顾问支持|统一支持)\s*合同.{0,20}(关联|绑定|用上|添加|录入|接入)"
             # where the contract's identifiers go ("where do I put our Premier access ID?", "Premier 访问 ID 填在哪")
             r"|\b(premier|unified)\b.{0,12}\b(access|contract)\s+id\b|(premier|顾问支持).{0,6}(访问|合同)\s*id",
    # whether support takes on a problem at all ("suspect our own firewall - does 21V handle that?")
    "coverage": r"\b(will|would|do(es)?)\s+(they|21\s?v(ianet)?|microsoft|support)"
                r"\s+(handle|fix|troubleshoot|look at|deal with)\s+(that|this|it)\b"
                r"|\bis\s+(that|this|it)\s+(covered|in scope|supported)\b"
                r"|\bdo(es)?\s+(they|support|21\s?v(ianet)?)\s+(cover|handle)\b"
                r"|管吗|管不管|归谁管|负责吗|负不负责|会处理吗|帮忙处理吗|管这个吗|在支持范围"
                # which service a tenant is on, and so whose support covers it ("how can I tell if we're on
                # Office 365 Germany?")
                r"|\bhow\s+(can|do|would|could)\s+(i|we)\s+(tell|know|check|find out|confirm)\b.{0,40}"
                r"\b(tenant|cloud|version|edition|instance|we'?re on|we are on)\b"
                r"|(怎么|如何|咋)(知道|判断|确认|看出|区分).{0,15}(租户|版本|云|德国版|世纪互联|国际版|全球版)",
}
_NOTE_CUES = {name: re.compile(rx, re.IGNORECASE) for name, rx in NOTE_CUES.items()}


def _says(rx: "re.Pattern", text: Optional[str]) -> bool:
    """Whether a message (normalised, its first 2000 characters) holds words of `rx`."""
    return bool(text) and bool(rx.search(normalize(text[:2000])))


def note_topic_cued(text: Optional[str]) -> Optional[str]:
    """The notes question a message asks by its cue words (NOTE_CUES), if any."""
    return next((name for name, rx in _NOTE_CUES.items() if _says(rx, text)), None)


# Asking how to get help at all ("fastest way to get help?", "what should we do?", "怎么找支持"): beside
# another question, where a request is opened is part of the answer.
HELP_CUE = (r"\b(how|where)\s+(do|can|should)\s+(i|we)\s+get\s+(help|support)\b|\bfastest way\b"
            r"|\bwhat\s+(do|should|can)\s+(i|we)\s+do\b|(怎么|如何|去哪|在哪|哪里)(找|获得|获取|寻求)(技术)?支持"
            r"|\bwhat now\b|\bnext steps?\b|怎么办|咋办|怎么处理|报哪|该找谁")
_HELP = re.compile(HELP_CUE, re.IGNORECASE)
# Asking what a term means ("what does 'initial response time' measure?", "初始响应时间是怎么定义的").
DEFINITION_CUE = (r"\bwhat\s+(does|do|is)\b.{0,60}\b(mean|means|measure|measures|refer to|stand for)\b"
                  r"|\bdefin(e|ed|es|ition)\b|\bmeaning of\b"
                  r"|怎么定义|如何定义|定义是|的定义|是什么意思|啥意思|指的是什么|是指什么|含义")
_DEFINITION = re.compile(DEFINITION_CUE, re.IGNORECASE)
_CUES = {name: re.compile(rx, re.IGNORECASE) for name, rx in PART_CUES.items()}
_PERSON = re.compile(PERSON_CUE, re.IGNORECASE)


def without_part_cues(text: str) -> str:
    """The message without the words that ask for a routing part ("number", "hours", "portal", ...): what is
    left says what else it is about ("is calling faster than filing online?" -> "is faster than filing")."""
    text = normalize(text[:2000])
    for rx in _CUES.values():
        text = rx.sub(" ", text)
    return text


def asks_for_person(text: Optional[str]) -> bool:
    """Whether a message asks to talk to a person (which the hotline answers)."""
    return _says(_PERSON, text)
# The cue words a near miss is read as ("numbr", "sevirity", "webiste"): a word of five letters or more one
# typo away, with the same first letter.
_CUE_WORDS = ("number", "numbers", "phone", "hotline", "hours", "opening", "portal", "website", "response",
              "respond", "severity", "weekend", "weekends", "saturday", "sunday", "holiday", "holidays")
_CUE_TYPO = re.compile(r"\b[A-Za-z]{5,}\b")


def _cue_word(m: "re.Match") -> str:
    word = m.group(0)
    low = word.casefold()
    if low in _CUE_WORDS:
        return word
    return next((c for c in _CUE_WORDS if c[0] == low[0] and one_edit(low, c)), word)


# A clause that asks something: the question mark, or a question word of either language.
_QUESTION = re.compile(r"[?？]|\b(how|what|what's|whats|which|where|when|who"
                       r"|is there|are there|any|can i|can we|could you"
                       r"|give me|tell me|send me|show me|i need|we need)\b|告诉我|给我|发我|我需要"
                       r"|吗|呢|什么|啥|咋|哪|几|多少|多久|多长|多快|怎么|如何|是否|有没有|谁|干嘛|怎么办"
                       # 管不管, 能不能, 是不是
                       r"|(?P<either>(?!不)[\u4e00-\u9fff])不(?P=either)", re.IGNORECASE)
_CLAUSE = re.compile(r"[^,，。.!！;；\n]+[?？]?")
_QUESTION_CLAUSE = re.compile(r"[^,，。.!！;；\n?？]+[?？]?")


# Words of a part that do not ask for it: the "online" of a purchase ("bought ProDirect online", "在线购买"), and
# the portal or online form that fails, told as the reason for the question ("what number if the online request
# won't submit?", "在线提交不了 电话是?"), which asks for the other way in.
_NOT_ASKING = re.compile(
    r"\b(?:bought|buys?|buying|purchased?|purchasing|paid|pays?|paying|ordered|signed\s+up)"
    r"(?:\s+[\w+&/-]+){0,5}\s+(?P<bought>online)\b"
    r"|(?P<bought_zh>在线|线上|网上)(?=购买|买|订购|支付|付款|付费)"
    r"|\b(?P<fails>online|portal|website|site)\b(?=(?:\s+[\w-]+){0,3}\s+(?:won'?t|doesn'?t|does\s+not|can'?t|cannot"
    r"|isn'?t|is\s+not|keeps?\s+failing|fails?|failed|failing|errors?|erroring|is\s+down|not\s+working|broken)\b)"
    r"|(?P<fails_zh>在线|线上|门户|网站)(?=.{0,6}?(?:不了|打不开|登不进|进不去|报错|失败|挂了|用不了|不能用|无法))",
    re.IGNORECASE)


def _not_asking_masked(text: str) -> str:
    """`text` with the part words that do not ask for it blanked (same length, so offsets hold)."""
    def blank(m: "re.Match") -> str:
        name = next(g for g in ("bought", "bought_zh", "fails", "fails_zh") if m.group(g))
        a, b = m.start(name) - m.start(), m.end(name) - m.start()
        return m.group(0)[:a] + " " * (b - a) + m.group(0)[b:]
    return _NOT_ASKING.sub(blank, text)


def asked_parts(text: Optional[str], questions_only: bool = False) -> List[str]:
    """The routing parts a message asks for, in the order it asks them; with `questions_only`, only in its
    clauses that ask something ("网页打不开怎么办，有电话吗" asks for the number, "Teams calls keep dropping"
    asks nothing)."""
    if not text:
        return []
    text = _CUE_TYPO.sub(_cue_word, normalize(text[:2000]))     # 專線 asks like 专线, "numbr" like "number"
    text = _not_asking_masked(text)
    spans = [m.span() for m in _CLAUSE.finditer(text) if _QUESTION.search(m.group(0))] if questions_only \
        else [(0, len(text))]
    found = {}
    for name, rx in _CUES.items():
        for start, end in spans:
            m = rx.search(text, start, end)
            if m:
                found[name] = min(found.get(name, m.start()), m.start())
                break
    return sorted(found, key=found.get)


_CONTACT = re.compile(r"\bcontact(ing)?\b|联系", re.IGNORECASE)
# Asking whom to turn to ("who do I talk to?", "该找谁"): beside a notes question (buying a plan) its note names
# whom, so it asks for neither the number nor the portal.
_WHOM = re.compile(_CONTACT.pattern +
                   r"|\bwho\s+(do|should|can|could|would)\s+(i|we)\s+(talk|speak|reach out|go)\s+to\b"
                   r"|\bwho\s+to\s+(talk|speak)\s+to\b|联系|(应该|应|该)?找谁|跟谁(说|谈|联系)|找哪个部门",
                   re.IGNORECASE)


def parts_asked_plainly(text: Optional[str]) -> List[str]:
    """The parts a message's questions ask for in words that name one part: "contact" asks for the number
    or the portal alike, so it does not count."""
    return asked_parts(without_contact(text or ""), questions_only=True)


def without_contact(text: str) -> str:
    """The message without "contact" / "联系", which asks for the number or the portal alike."""
    return _CONTACT.sub(" ", text)


# Asking where a support request is filed, request and all ("where should we submit a support request?",
# "工单在哪里提交"): the portal, whatever else the message is about.
_WHERE_TO_FILE = re.compile(
    r"\b(where|which\s+(site|portal|page))\b.{0,40}\b(submit|file|raise|open|log|lodge|create)\b.{0,30}"
    r"\b(support\s+)?(request|ticket|case|incident|sr)s?\b"
    r"|\bwhere\b.{0,20}\b(support\s+)?(requests?|tickets?|cases?|incidents?|srs?)\b.{0,12}"
    r"\b((get|are|is|should\s+be|do\s+(i|we))\s+)?(submitted|filed|raised|opened|logged|lodged|created)\b"
    r"|(在哪|哪里|去哪|怎么|如何).{0,8}(提交|提|开|建).{0,6}(请求|工单|单子|case|ticket)"
    r"|(请求|工单|单子|case|ticket).{0,6}(在哪|哪里|去哪).{0,4}(提交|提|开|建)", re.IGNORECASE)


_EMAIL = re.compile(EMAIL_CUE, re.IGNORECASE)


def asks_for_email(text: Optional[str]) -> bool:
    """Whether a message asks for an address to write to support (see EMAIL_CUE)."""
    return _says(_EMAIL, text)


def asks_where_to_file(text: Optional[str]) -> bool:
    """Whether a message asks where a support request is filed (see _WHERE_TO_FILE)."""
    return _says(_WHERE_TO_FILE, text)


# Asking for business hours ("what are business hours in Japan?", "营业时间几点结束") and not also for the hours
# outside them ("24/7 or business hours only?", "周末有人吗").
_BUSINESS_HOURS = re.compile(r"\b(business|office|working|local)\s+hours\b|营业时间|工作时间|上班时间|办公时间",
                             re.IGNORECASE)
_ROUND_THE_CLOCK = re.compile(r"24\s*/\s*7|24\s*x\s*7|\b(round|around)\s+the\s+clock\b|\ball day\b|\bovernight\b"
                              r"|\bnights?\b|\bweekends?\b|全天候|24\s*小时|夜里|夜间|周末", re.IGNORECASE)


def asks_business_hours_only(text: Optional[str]) -> bool:
    """Whether a message asks for business hours and not for the hours outside them (see _BUSINESS_HOURS)."""
    return _says(_BUSINESS_HOURS, text) and not _says(_ROUND_THE_CLOCK, text)


# Asking for the highest level a request may have ("what's the highest severity for billing?", "帐单问题最高能开几级")
_HIGHEST_LEVEL = re.compile(r"\b(highest|max(imum)?|top)\s+(sev|severity|level|priority)\b"
                            r"|\b(sev|severity|level)\b.{0,20}\b(at\s+most|max(imum)?)\b"
                            r"|最高.{0,4}(级别|严重|级|等级)|最多.{0,4}(开|提|定|算).{0,3}(几|什么|哪)", re.IGNORECASE)


def asks_highest_level(text: Optional[str]) -> bool:
    """Whether a message asks for the highest level a request may have (see _HIGHEST_LEVEL)."""
    return _says(_HIGHEST_LEVEL, text)


def without_whom(text: str) -> str:
    """The message without the words that ask whom to turn to (see _WHOM)."""
    return _WHOM.sub(" ", text)


def names_whom(text: str) -> bool:
    """Whether a text tells whom to turn to ("contact your reseller", "请联系客户经理")."""
    return bool(_WHOM.search(text))


def asks_for_help(text: Optional[str]) -> bool:
    """Whether a message asks how to get help at all (see HELP_CUE)."""
    return _says(_HELP, text)


def clause_at(text: str, position: int) -> str:
    """The clause (or question) of a normalised message that holds `position`."""
    for m in _QUESTION_CLAUSE.finditer(text):
        if m.start() <= position < m.end():
            return m.group(0)
    return ""


# Where a sentence ends: a full stop only before a capital, a Chinese character or the end ("UK phone no. for
# M365" is one sentence), every other end mark always.
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s+[A-Z\u4e00-\u9fff]|\s*$)")
# a yes/no question without its question mark ("also is it staffed on sundays")
_YES_NO = re.compile(r"^\W*(?:(?:also|and|so|ok|okay|but|then)\W+)?(?:is|are|do|does|did|can|could|will|would"
                     r"|should|has|have|may)\b", re.IGNORECASE)
# An English sentence that states something starts with its subject ("I can't sign in to the portal", "The
# page only shows US and UK"); a fragment without one still asks ("UK number. Billing hours too.").
# Chinese drops the subject: there a sentence asks only with a question word or mark.
_EN_STATEMENT = re.compile(r"^\W*(?:i|i'm|i've|we|we're|we've|our|my|it|it's|this|that|they|there"
                           r"|the (?:page|site|portal|website|number|line))\b", re.IGNORECASE)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _sentences(text: str) -> List[Tuple[int, int]]:
    """The spans of a message's sentences, each with its end mark."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start:m.start()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _asks(sentence: str) -> bool:
    """Whether one sentence asks: a question word or mark, a yes/no opening, or an English fragment."""
    return bool(_QUESTION.search(sentence) or _YES_NO.search(sentence)) or \
        not (_HAN.search(sentence) or _EN_STATEMENT.search(sentence))


def asking_sentences(text: str) -> str:
    """The sentences of a message that ask something; the whole message when none does."""
    text = text[:2000]
    asking = [text[a:b] for a, b in _sentences(text) if _asks(text[a:b])]
    return " ".join(asking) if asking else text


def question_clauses(text: str) -> List[str]:
    """The clauses of a message that ask something ("when are we charged, and do we get money back?")."""
    return [m.group(0) for m in _QUESTION_CLAUSE.finditer(text[:2000]) if _QUESTION.search(m.group(0))]


def asks_at(text: str, position: int) -> bool:
    """Whether the sentence of a message (as sent) that holds `position` asks something."""
    text = text[:2000]
    return any(a <= position < b and _asks(text[a:b]) for a, b in _sentences(text))


def asks_part_in(clause: str, part: str) -> bool:
    """Whether a clause holds the cue words of a routing part."""
    return part in _CUES and bool(_CUES[part].search(clause))


def asks_question(text: Optional[str]) -> bool:
    """Whether a message asks something: a question mark or a question word of either language."""
    return _says(_QUESTION, text)


BY_INTENT: Dict[str, Topic] = {t.intent: t for t in TOPICS}
NOTE_TOPICS: Dict[str, Topic] = {t.name: t for t in TOPICS if t.answer == "notes"}
# The question a note answers, by the note's topic in facts.yml: the first notes question that lists it, or
# the routing part it is attached to (the PIN note answers a question about calling).
TOPIC_OF_NOTE: Dict[str, str] = {"phone": "phone", "contact": "phone", "contact_sev_a": "phone", "portal": "portal",
                                 "response": "response", "severity": "severity", "24x7": "hours"}
for _t in NOTE_TOPICS.values():
    for _nt in _t.note_topics:
        TOPIC_OF_NOTE.setdefault(_nt, _t.name)
PART_TOPICS = tuple(t.name for t in TOPICS if t.answer == "part")
MENU = tuple(t for t in TOPICS if t.menu)
# Note topics the renderer adds to other answers: to a part's rows, the hand-off, or every answer (general);
# "charges" (what a call costs) stays in a short phone answer.
ATTACHED_NOTE_TOPICS = ("phone", "portal", "response", "severity", "24x7", "contact", "contact_sev_a",
                        "handoff", "general", "charges")


def asks_definition(text: Optional[str]) -> bool:
    """Whether a message asks what a term means rather than for its value."""
    return _says(_DEFINITION, text)
