"""What a message names decides a fallback or a bare "no" (server/components/intent_rules.py), on real extraction."""
import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from core.routing import default_router
from server.components.alias_extractor import _language_pattern, extract
from server.components.intent_rules import IntentRules, repaired_intent

LANG = _language_pattern()


def entities(text):
    return extract(text, default_router().vocab, *LANG)


@pytest.mark.parametrize("intent,text,expected", [
    ("nlu_fallback", "and for Office 365 operated by 21V?", "inform"),
    ("deny", "no wait, wrong office - it's for our Vienna site", "inform"),
    ("deny", "不对，我们公司在马德里", "inform"),
    ("deny", "不是 F&O，是 Business Central", "inform"),
    ("nlu_fallback", "can u say that again in english pls", "switch_language"),
    ("deny", "no", None),                                   # a plain no stays a no
    ("deny", "no, not the UK", None),                       # a value ruled out is no value
    ("nlu_fallback", "asdfgh qwerty", None),                # nothing named: still not understood
    ("nlu_fallback", "我想打电话找支持", "ask_phone"),        # nothing named, but it asks for a part
    ("ask_phone", "UK number for Microsoft 365", None),     # a question keeps its intent
    ("greet", "hi there, Office 365 here", None),
    ("ask_languages", "can engineers speak Chinese?", None),
    ("bot_challenge", "i want a human", "ask_phone"),
    ("bot_challenge", "转人工", "ask_phone"),
    ("bot_challenge", "are you a real person?", None),
    ("bot_challenge", "是机器人吗", None),
    ("describe_problem", "网页打不开怎么办，有电话吗", "ask_phone"),
    ("describe_problem", "we're a 40-person firm and I'm the only IT person, mail is slow for everyone since "
                         "Monday - which number do I call in Australia?", "ask_phone"),
    ("describe_problem", "nobody can sign in, when does support open today?", "ask_hours"),
    ("describe_problem", "Teams calls keep dropping for three users", None),         # "calls" is not asked
    ("describe_problem", "our phone system integration fails, how severe is this?", None),   # the triage's
    # asking for a person, whatever the classifier took it for
    ("describe_problem", "我要人工客服，加拿大 Microsoft 365", "ask_phone"),
    ("ask_languages", "could I speak to someone? Office 365 Germany, Cologne", "ask_phone"),
    ("inform", "Dynamics 365 F&O, I'd rather talk to a person", "ask_phone"),
    ("ask_languages", "can I speak to someone in Japanese?", None),        # which languages: asked

    ("describe_problem", "门户网站打不开，全公司都受影响，这算哪个级别", None),   # a site is no portal question
    # a problem the severity table knows, with "which level is it?": the triage
    ("ask_plans", "nobody in the whole company can send email on Office 365 since 8am, how would you classify that?",
     "describe_problem"),
    ("ask_severity_definition", "整个公司的 SharePoint 网站都打不开了，这算哪个严重级别", "describe_problem"),
    ("ask_severity_definition", "what do the severity levels mean for Dynamics 365?", None),
    # a languages question that asks no language question
    ("ask_languages", "全球版的 Business Central 在哪里提交请求？不是中国区的", "ask_portal"),
    ("ask_languages", "世纪互联的 Office 365 支持有哪些语言？", None),
    # a request for the reply language is no question about support languages
    ("nlu_fallback", "中文再说一遍", "switch_language"),
    ("ask_languages", "我英文不太好，中文说一下", "switch_language"),
    ("ask_languages", "ok back to English now - and Canada?", "inform"),      # the switch, and a follow-up
    ("ask_languages", "do engineers speak English or Chinese?", None),
    # the reply's language, and another one asked about: a languages question
    ("ask_resources", "中文回答吧，技术支持有德语吗", "ask_languages"),
    ("ask_phone", "answer in English please: is there Japanese support?", "ask_languages"),
    ("ask_phone", "请用英文回答：美国的 M365 电话", None),
    ("describe_problem", "not the 21Vianet one - we're a US company", "inform"),       # only values: no problem
    # the cue words decide when the classifier's part is not asked at all
    ("ask_hours", "世纪互联 O365 售前和技术支持是一个号吗", "ask_phone"),
    ("ask_hours", "billing problem with 21Vianet O365 is super urgent, can I open it as Sev A?",
     "ask_severity_definition"),
    ("ask_hours", "UK admin here. numbr for billing support, and what hours are they open?", None),  # both asked
    ("ask_response_time",
     "D365 CE: minor glitch, business still runs. subscription plan - which sev and response time?",
     None),                                                 # as a problem that asks a part: that part first
    ("describe_problem", "Our office network keeps dropping - will the 21Vianet O365 team troubleshoot that for us?",
     "ask_responsibilities"),                               # a question a note answers
    ("nlu_fallback", "I'm not an admin, I just use Office at home. how do I get support?", "ask_who_can_open"),
    ("nlu_fallback", "我是个人用户，家里的 Office 出问题怎么找支持", "ask_who_can_open"),
    ("ask_hours", "世纪互联，所有用户都没法发 Skype for Business 即时消息，严重吗", "describe_problem"),
    ("ask_portal", "how do I contact support for Office 365 operated by 21Vianet?", None),   # contact: either
    ("ask_portal", "怎么联系 Dynamics 365 Marketing 的支持团队", None),
    # a bare request names its part: the classifier leaned to the severity it names
    ("ask_severity_definition", "世纪互联 Office 365 严重级别 B 和 C 的技术支持工作时间", "ask_hours"),
    ("nlu_fallback", "our tenant domain ends in onmicrosoft.de", "inform"),     # a value, in an answer's words
    # a problem, and whether support takes it on at all: what support covers
    ("describe_problem", "分公司访问世纪互联 O365 很慢，怀疑是我们自己的防火墙，21V 管吗", "ask_coverage"),
    ("describe_problem", "our proxy might be blocking 21Vianet Office 365 - will they troubleshoot that?",
     "ask_coverage"),
    ("ask_outage", "How can I tell whether our tenant is Office 365 Germany and not the worldwide service?",
     "ask_coverage"),
    ("nlu_fallback", "how can I tell if our tenant is Office 365 Germany and not the worldwide one?", "ask_coverage"),
    ("ask_phone", "How do I link our Premier contract in PPAC? and where is it done in LCS?", "ask_plans"),
    ("ask_portal", "我们有 Premier 合同，在 PPAC 里开工单怎么用上它", "ask_plans"),
    ("ask_response_time", "Premier customer: Sev A response time for D365, and how do I hook my Premier contract up?",
     None),                                                 # asked by its words: answered, the note beside it
    ("nlu_fallback", "cant change a setting in the admin center but it works in PowerShell. 21V tenant. sev level?",
     "describe_problem"),                                   # a problem asking its level, in two words
    ("ask_outage", "Exchange is down for all our users, we are on 21Vianet Office 365", "describe_problem"),
    ("ask_outage", "Exchange is down for all our users - what should we check first?", None),   # asked
    ("nlu_fallback", "能举个例子吗", "inform"), ("nlu_fallback", "can you give an example?", "inform"),
    ("nlu_fallback", "世纪互联 O365 我就想问怎么设置用户密码永不过期，开工单算啥级别", "describe_problem"),
    ("ask_coverage", "世纪互联 O365 我就想问怎么设置用户密码永不过期，开工单算啥级别", "describe_problem"),
])
def test_a_named_value_decides_only_a_fallback_or_a_plain_no(intent, text, expected):
    assert repaired_intent(intent, entities(text), text) == expected


@pytest.mark.parametrize("intent", ["ask_languages", "help", "greet", "nlu_fallback", "affirm"])
@pytest.mark.parametrize("text, expected", [
    ("More details", "inform"), ("详细信息", "inform"), ("more details please", "inform"), ("more", "inform"),
    ("请给我详细信息", "inform"), ("show me the full details", "inform"),
])
def test_a_message_that_only_asks_for_more_asks_the_question_in_hand(intent, text, expected):
    """The "More details" button under a short answer sends its title: whatever the classifier reads in so
    few words, it asks the question in hand again, in full."""
    assert repaired_intent(intent, entities(text), text) == expected


def test_asking_more_about_something_else_stays_the_classifiers():
    text = "tell me more about the languages"
    assert repaired_intent("ask_languages", entities(text), text) is None


def test_a_fallback_the_classifier_leaned_to_read_as_out_of_scope_stays_a_fallback():
    text = "help me plan a trip to Beijing"
    assert repaired_intent("nlu_fallback", entities(text), text, [("out_of_scope", 0.3), ("inform", 0.1)]) is None
    assert repaired_intent("nlu_fallback", entities(text), text, [("greet", 0.3), ("inform", 0.25)]) == "inform"


@pytest.mark.parametrize("text,ranking,expected", [
    # in-domain (a value is named): a clear best guess counts from a lower confidence
    ("LCS 是提 F&O 工单的地方吗", [("ask_portal", 0.42), ("ask_outage", 0.22)], "ask_portal"),
    ("will I get a reply the same day for a Sev B on 世纪互联 Office 365?",
     [("ask_response_time", 0.44), ("ask_severity_definition", 0.11)], "ask_response_time"),
    # no clear guess: the routing part its words ask for, else the value it gives
    ("our admins sit in Paris but the tenant is on Office 365 Germany. what's the support number for us?",
     [("ask_phone", 0.3), ("inform", 0.28)], "ask_phone"),
    ("and for Office 365 operated by 21V?", [("ask_phone", 0.3), ("ask_hours", 0.28)], "inform"),
    # a note its words match clearly asks that note's question, before an unsure guess
    ("how do we link our Premier contract in LCS so our Finance and Operations incidents use it?",
     [("ask_phone", 0.4), ("ask_portal", 0.2)], "ask_plans"),
    ("is Severity A only for complete outages or does it cover other stuff too",
     [("ask_preview", 0.24), ("ask_how_to_file", 0.13)], "inform"),
    # only values (one ruled out) and words about who we are: a value, whatever the unsure guess
    ("not the 21Vianet one - we're a US company", [("describe_problem", 0.35), ("ask_plans", 0.19)], "inform"),
    ("我们公司在多伦多", [("ask_hours", 0.3), ("ask_phone", 0.1)], "inform"),
    # torn between two notes questions: the one whose notes match the words better
    ("世纪互联 O365 技术支持管不管我们公司内网的问题", [("ask_coverage", 0.48), ("ask_responsibilities", 0.47)],
     "ask_coverage"),
    # (到期, "expires", is the renewal note's word: what happens then is the plan's lifecycle)
    ("D365 支持计划到期后会怎么样", [("ask_plans", 0.39), ("ask_plan_lifecycle", 0.31)], "ask_plan_lifecycle"),
    # a clear guess is repaired as the classifier's own reading would be: a wish for a language is no problem
    ("Our team in Taipei would prefer Traditional Chinese for Dynamics 365 support, is that possible?",
     [("describe_problem", 0.42), ("switch_language", 0.19)], "ask_languages"),
])
def test_a_fallback_that_names_a_value(text, ranking, expected):
    assert repaired_intent("nlu_fallback", entities(text), text, ranking) == expected


def test_the_component_sets_intent_and_ranking_and_keeps_the_original_reading():
    text = "no wait, it's for our Vienna site"
    message = Message(data={TEXT: text, INTENT: {"name": "deny", "confidence": 0.8},
                            INTENT_RANKING_KEY: [{"name": "deny", "confidence": 0.8},
                                                 {"name": "inform", "confidence": 0.1}],
                            ENTITIES: entities(text)})
    IntentRules().process([message])
    assert message.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["inform", "deny"]
    untouched = Message(data={TEXT: "no", INTENT: {"name": "deny", "confidence": 0.9}, ENTITIES: []})
    IntentRules().process([untouched])
    assert untouched.get(INTENT) == {"name": "deny", "confidence": 0.9}


SA_WHERE = ("Good morning, and apologies if this is a basic question. We run Dynamics on-premises and have Software "
            "Assurance through our volume agreement. Could you tell me where we should submit a support request?")


@pytest.mark.parametrize("intent, ranking, text, expected", [
    # read as a question about the plan, or torn between two notes questions: where to file it
    ("ask_coverage", (), SA_WHERE, "ask_portal"),
    ("nlu_fallback", [("ask_coverage", 0.40), ("ask_plan_lifecycle", 0.34)], SA_WHERE, "ask_portal"),
    # a note answers where Premier customers file: the notes question stays
    ("ask_plans", (), "我们有 Premier 合同，工单在哪里提交？", None),
    ("ask_plans", (), "how do we buy ProDirect? where do we submit the order", None),
])
def test_a_notes_question_that_asks_where_to_file_a_request_asks_for_the_portal(intent, ranking, text, expected):
    assert repaired_intent(intent, entities(text), text, ranking) == expected


def test_where_to_file_beside_a_second_question_leaves_the_notes_question():
    text = "D365 Sales 的工单在哪提？什么人有权限提？"
    assert repaired_intent("ask_who_can_open", entities(text), text) is None


@pytest.mark.parametrize("text, expected", [
    ("21Vianet Office 365: which number do we ring when the online form won't submit?", "ask_phone"),
    ("世纪互联 O365 门户一直报错，热线是多少？", "ask_phone"),
    ("how do I file a request online, step by step?", None),             # the portal it leads with
])
def test_how_to_file_read_for_a_question_asking_another_part_asks_that_part(text, expected):
    assert repaired_intent("ask_how_to_file", entities(text), text) == expected
