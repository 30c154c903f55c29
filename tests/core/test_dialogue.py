"""Dialogue logic on plain values: topics, corrections, what to ask next."""
import pytest

from core.dialogue import also_asked, merge_dims, query_of, to_ask, topic_for
from core.routing import route


def test_topics():
    assert topic_for("ask_phone", None) == "phone"
    assert topic_for("inform", "hours") == "hours"                 # a follow-up keeps the question
    assert topic_for("describe_problem", "phone") == "triage"
    assert topic_for("describe_problem", "handoff") == "handoff"   # describing the issue while filing it
    assert topic_for("greet", None) is None


@pytest.mark.parametrize("text,current,expected", [
    ("那世纪互联版的B/C级呢", "hours", "hours"),             # values only, after the hours: the hours again
    ("and for Sev A?", "response", "response"),
    ("那世纪互联版的B/C级是什么意思", "hours", "severity"),   # words that ask: the classifier's question
    ("Sev B?", None, "severity"),                          # no question in hand: the classifier's
])
def test_values_only_after_a_routing_answer_ask_that_question_again(text, current, expected):
    from tests.server.components.test_intent_rules import entities
    found = entities(text)
    assert topic_for("ask_severity_definition", current, text, {e["entity"]: e["value"] for e in found},
                     found) == expected


def ents(*dims):
    return [{"entity": d, "value": "x"} for d in dims]


def test_a_new_country_forgets_the_old_cloud_and_vice_versa():
    slots = {"product": "m365", "cloud": "china_21v", "country": "de"}
    assert merge_dims(slots, ents("country"), "inform")["cloud"] is None
    assert merge_dims(slots, ents("cloud"), "inform")["country"] is None
    both = merge_dims(slots, ents("cloud", "country"), "inform")
    assert both["cloud"] == "china_21v" and both["country"] == "de"


def test_a_new_question_naming_a_product_drops_details_a_follow_up_keeps_them():
    slots = {"product": "m365", "country": "us", "support_type": "billing", "severity": "b", "plan": "premier"}
    fresh = merge_dims(slots, ents("product", "cloud"), "ask_phone")
    assert fresh["support_type"] is None and fresh["severity"] is None and fresh["plan"] is None
    follow = merge_dims(slots, ents("support_type"), "ask_hours")
    assert follow["severity"] == "b" and follow["support_type"] == "billing"


def test_what_to_ask():
    dims = {"product": None}
    assert to_ask("phone", route(), dims) == ["product"]
    assert to_ask("phone", route(product="m365"), {"product": "m365"}) == ["country"]
    assert to_ask("phone", route(product="m365", country="uk"), {"product": "m365", "country": "uk"}) == []
    assert to_ask("who_can_open", route(), {}) == ["product"]
    assert to_ask("handoff", route(product="m365", cloud="china_21v"),
                  {"product": "m365", "cloud": "china_21v"}) == ["severity"]
    assert to_ask("handoff", route(product="m365", cloud="china_21v"), {"product": "m365"}, has_problem=True) == []
    assert to_ask("languages", route(), {}) == []
    # Business Central's requests are opened with the partner: the hand-off needs no severity
    assert to_ask("handoff", route(product="d365_bc"), {"product": "d365_bc"}) == []


def test_query_of_skips_empty_values():
    assert query_of({"product": "m365", "cloud": None, "country": ""}).as_dict() == {"product": "m365"}


@pytest.mark.parametrize("text,topic,others", [
    ("UK hotline for M365? also is it staffed on sundays", "phone", ["hours"]),
    # "contact" asks for the number or the portal alike: beside one of them it asks nothing more
    ("where can I contact D365 support online?", "portal", []),
    ("how do I contact them - is there a phone line, or a website?", "phone", ["portal"]),
    ("two qs: UK phone no. for M365, and what are the billing hours?", "phone", ["hours"]),   # "no." ends nothing
    ("UK number for Microsoft 365. Billing hours too.", "phone", ["hours"]),     # a fragment still asks
    ("世纪互联 O365 全公司开不了会，算几级？初始响应多久", "severity", ["response"]),  # 多久 asks without ？
    # a part named in a statement beside the question is context: "I can't sign in to the portal"
    ("Is there a Dynamics 365 phone number? I can't sign in to the portal to raise a ticket", "phone", []),
    ("Dynamics 365 国际版有没有电话可以打？登录不了支持门户", "phone", []),
    ("where do I log the case online, and which number can I ring instead?", "portal", ["phone"]),
    ("F&O 21V 在线提交网址？响应要多久？", "portal", ["response"]),
    ("这个问题算什么级别，拨打哪个号码", "severity", ["phone"]),
    ("Sev A response time for ProDirect", "response", []),                # "Sev A" qualifies the question
    ("when does phone support close in Canada?", "hours", []),            # "phone support" qualifies it
    ("电话支持几点下班", "hours", []),
    ("初始响应时间是多少", "response", []),                               # 响应时间 is no question about hours
    ("which number do I call to open a ticket", "phone", []),             # opening a ticket is no hours question
    ("21Vianet O365: what counts as Sev A, and how quickly will they respond?", "response", ["severity"]),
    ("what's the number and the hours", "handoff", []),                   # the hand-off has its own parts
    # asking how to get help at all: where to open a request comes with the answer
    ("F&O on 21Vianet is down. Fastest way to get help, and how soon will someone respond?", "response", ["portal"]),
    ("服务运行状况里没列出来，怎么找支持？", "outage", ["portal"]),
    ("where do I file it? what should we do?", "portal", []),
    # ... but not beside who may open one: its answer says where a non-admin gets help
    ("not a global admin here - how do I get help with Office 365?", "who_can_open", []),
])
def test_a_second_question_in_one_message_is_found(text, topic, others):
    assert also_asked(text, topic) == others


@pytest.mark.parametrize("text, expected", [
    # values named only in a statement beside the question are context: the question's value is asked
    ("Is there a support number for India? The page only shows US, Canada, UK and Australia.", ("country", ["in"])),
    ("新加坡有支持电话吗？页面上好像只列了美国和英国", ("country", ["sg"])),
    ("Numbers for US, UK?", ("country", ["us", "uk"])),
    ("US and UK numbers please", ("country", ["us", "uk"])),           # no question at all: every value
])
def test_values_named_in_a_statement_are_not_asked(text, expected):
    from core.dialogue import values_named_twice

    names = {"India": "in", "US": "us", "Canada": "ca", "UK": "uk", "Australia": "au", "新加坡": "sg",
             "美国": "us", "英国": "uk"}
    ents = [{"entity": "country", "value": v, "start": text.index(k), "end": text.index(k) + len(k)}
            for k, v in names.items() if k in text]
    assert values_named_twice(ents, text) == expected


@pytest.mark.parametrize("entities,expected", [
    ([("country", "us"), ("product", "m365"), ("country", "uk")], ("country", ["us", "uk"])),
    ([("severity", "a"), ("severity", "c"), ("severity", "a")], ("severity", ["a", "c"])),
    ([("country", "au"), ("country", "uk", "negated")], (None, [])),          # "Australia, not the UK"
    ([("product", "m365"), ("language", "en"), ("language", "zh")], (None, [])),  # not a routing dimension
    ([], (None, [])),
    # a group beside one of its members names the member ("统一支持 Unified Performance")
    ([("plan", "unified"), ("plan", "unified_performance")], (None, [])),
    ([("product", "d365"), ("product", "d365_fo"), ("product", "d365_ce")], ("product", ["d365_fo", "d365_ce"])),
    ([("plan", "unified_core"), ("plan", "unified_performance")], ("plan", ["unified_core", "unified_performance"])),
])
def test_values_named_twice(entities, expected):
    from core.dialogue import values_named_twice

    ents = [{"entity": e[0], "value": e[1], **({"role": e[2]} if len(e) > 2 else {})} for e in entities]
    assert values_named_twice(ents) == expected


def test_a_new_country_keeps_a_cloud_that_serves_it():
    """"no wait, it's for our Vienna site" after Office 365 Germany: the EEA number is still that cloud's."""
    from core.routing import default_router

    serves = default_router().cloud_serves
    germany = {"cloud": "germany", "country": "at"}
    assert merge_dims(germany, [{"entity": "country", "value": "at"}], "inform", serves)["cloud"] == "germany"
    china = {"cloud": "china_21v", "country": "de"}
    assert merge_dims(china, [{"entity": "country", "value": "de"}], "inform", serves)["cloud"] is None


@pytest.mark.parametrize("intent,current,text,topic", [
    ("inform", None, "hey whats the o365 support # for our toronto office", "phone"),
    ("inform", None, "21V o365 - what hrs do they work Sev B tickets?", "hours"),
    ("inform", None, "世纪互联的 Office 365 客服专线是几号", "phone"),
    ("inform", None, "Office 365 in Canada", None),                # nothing asked: the bot asks what
    ("greet", None, "hi! phone number?", None),                    # an interruption starts no question
    ("inform", "hours", "and the number?", "hours"),               # a follow-up keeps the question
    ("inform", None, "世紀互聯的 Office 365 客服專線是幾號", "phone"),    # Traditional cue words
    # a person: the hotline
    ("inform", None, "I need to talk to a real person. We're on 21Vianet Office 365", "phone"),
    ("inform", None, "get me a live agent - Dynamics 365 F&O, China", "phone"),
])
def test_with_no_question_yet_the_words_of_the_message_may_ask_one(intent, current, text, topic):
    assert topic_for(intent, current, text) == topic


def test_with_no_question_yet_a_named_severity_asks_about_that_level():
    assert topic_for("inform", None, "世纪互联 O365 账单问题能开 A 级吗？", {"product", "severity"}) == "severity"
    assert topic_for("inform", None, "Sev A response time?", {"severity"}) == "response"   # a cue asks first
    assert topic_for("inform", "phone", "Sev A", {"severity"}) == "phone"                 # a follow-up


def test_a_value_ruled_out_is_dropped_when_it_is_the_one_in_hand():
    """"no, not the 21Vianet one" after a 21Vianet answer: the cloud is open again; the country stays."""
    slots = {"product": "m365", "cloud": "china_21v", "country": "cn"}
    ruled_out = [{"entity": "cloud", "value": "china_21v", "role": "negated"}]
    dims = merge_dims(slots, ruled_out, "inform")
    assert dims["cloud"] is None and dims["country"] == "cn" and dims["product"] == "m365"
    other = merge_dims(slots, [{"entity": "cloud", "value": "germany", "role": "negated"}], "inform")
    assert other["cloud"] == "china_21v"                       # ruling out another value changes nothing


# ------------------------------------------------------------------ follow-ups that only give new values
def _values(text):
    from core.routing import default_router
    from core.routing.vocab import normalize
    return [{"entity": m.dim, "value": m.value, "start": m.start, "end": m.end}
            for m in default_router().vocab.find(normalize(text))]


@pytest.mark.parametrize("text,follow_up", [
    ("and if we were on Premier instead?", True),
    ("那 Business Central 呢", True),
    ("不对，我问的是 C 级", True),
    ("and for the one run by 21Vianet?", True),
    ("oh sorry, we're on Office 365 Germany", True),
    ("搞错了，我们用的是 Unified 计划", True),
    ("那 Dynamics 365 现场服务的帐单呢", True),                 # the family name folded into the app
    ("hmm well actually we're on the 21Vianet one", True),
    ("what's the Premier portal address?", False),          # a new question about the value
    ("and the billing phone number in Canada?", False),      # asks for a part
    ("how do I link Premier in LCS", False),
    ("thanks", False),                                        # no value at all
    ("not the 21Vianet one - we're a US company", True),
    ("我们公司在多伦多", True),
    # a correction first: whatever reason or description follows
    ("说错了，是 B 级，业务还能凑合跑", True),
    ("sorry, correction - we bought Premier last month, so what is it for Premier?", True),
    ("correction: Premier. and what's the portal?", False),            # asks for another part
    ("what would it be if we had Premier instead", True),
    ("what is Premier?", False),                               # what the plan is, not the same question for it
    # a hypothetical change of the value in hand
    ("what if we upgrade to Professional Direct?", True),
    ("要是升级到 Premier 呢", True),
    ("how do we upgrade to Premier?", False),                  # how to upgrade: a question of its own
    ("can we switch to Premier online?", False),
    ("ok and the same thing for Sev C?", True),
])
def test_a_message_that_only_gives_new_values_is_a_follow_up(text, follow_up):
    from core.dialogue import is_value_follow_up
    assert is_value_follow_up(text, _values(text)) is follow_up


# ------------------------------------------------------------------ notes found by the question's words
def test_notes_matching_the_question_lead_the_answer_even_from_another_topic():
    from core.dialogue import notes_answering
    rt = route(product="m365", cloud="china_21v")
    ids = [n.id for n in notes_answering(
        rt, "responsibilities", "what happens if we stop answering 21Vianet on a Sev A case, is it downgraded?")]
    assert ids[0] == "o365_21v_severity_lowered"
    assert set(ids) >= {n.id for n in rt.notes_for("responsibilities")}     # the topic's notes still follow


def test_a_question_without_a_product_takes_it_from_the_notes_it_matches():
    from core.dialogue import product_of_notes
    assert product_of_notes(route(), "would phoning support be quicker than submitting online?") in ("d365", "dynamics")
    assert product_of_notes(route(cloud="china_21v"), "我们这边长时间不回复世纪互联的话，A 级工单会被调低吗") == "m365"
    assert product_of_notes(route(), "who can open a support request?") is None     # several products: ask


@pytest.mark.parametrize("intent,text,topic", [
    ("inform", "I'm not an admin on our tenant - where can I get help?", "who_can_open"),
    ("inform", "can Microsoft give us a root cause analysis of the outage in our tenant?", "rca"),
    ("inform", "Office 365 operated by 21Vianet", None),                 # no question: ask what they want
    ("greet", "hi, is calling faster than filing online?", None),       # an interruption starts no question
])
def test_a_question_the_classifier_missed_is_taken_from_the_note_it_matches(intent, text, topic):
    assert topic_for(intent, None, text) == topic


# ------------------------------------------------------------------ answers that do not depend on what is missing
@pytest.mark.parametrize("topic,dims,text,expected", [
    ("portal", dict(product="d365"),
     "would phoning Dynamics 365 support get it solved quicker than submitting it online?",
     {"d365_phone_not_faster", "bc_partners_only"}),                      # Business Central: its general note
    ("phone", dict(country="ca"), "what's the support phone number for Canada", set()),   # the product is asked
    ("hours", dict(product="d365"), "what are the Dynamics 365 support hours?", set()),
    ("portal", dict(), "where do I open a ticket online?", set()),
    ("hours", dict(), "is technical support 24 hours a day?", set()),
    # a term only one product's page defines: its notes, whatever product would be asked
    ("response", dict(), "what does 'initial response time' actually measure?", {"d365_initial_response_definition"}),
    ("response", dict(), "初始响应时间是怎么定义的", {"d365_initial_response_definition"}),
    ("response", dict(), "response time?", set()),                      # a value is asked, not a meaning
    ("severity", dict(), "what does Sev A mean?", set()),                 # levels differ by product: asked
])
def test_a_note_that_holds_for_every_candidate_answers_without_asking(topic, dims, text, expected):
    from core.dialogue import notes_for_every_candidate
    found = {n.id for n in notes_for_every_candidate(route(**dims), topic, text)}
    assert expected <= found and (found or not expected)
    if not expected:
        assert found == set()


def test_a_notes_question_the_documents_do_not_answer_asks_the_part_its_words_ask_for():
    from core.dialogue import topic_with_an_answer
    rt = route(product="m365", cloud="worldwide")
    assert not rt.notes_for("coverage")
    assert topic_with_an_answer(rt, "coverage",
                                "is technical support there 24 hours a day in every country?") == "hours"
    assert topic_with_an_answer(rt, "coverage", "what does support cover?") == "coverage"   # says it has no fact


@pytest.mark.parametrize("text,parts", [
    ("F&O in China, where do I log the SR and what's the hotline?", ["portal", "phone"]),
    ("这种问题应该通过什么渠道提交？电话多少", ["portal", "phone"]),
    ("presales contact for Dynamics 365 in China", ["phone"]),
    ("what's the highest severity for a billing case?", ["severity"]),
    ("is technical support there 24 hours a day?", ["hours"]),
    ("SharePoint 网站打不开了", []),                                   # a site, not the portal
    ("what should we check before opening a ticket?", []),            # opening a ticket: no opening hours
    ("what are the opening hours for billing?", ["hours"]),
    ("got a question about an invoice, when is billing support available?", ["hours"]),
    ("the presales line, and how fast is the first response?", ["phone", "response"]),
    ("世纪互联 O365 的 B 级到底指啥？几点到几点处理？", ["severity", "hours"]),
    ("售前怎么联系？", ["phone"]), ("我们网站挂了，该怎么报？", ["portal"]), ("怎么报价", []),
    ("工单在哪提？技术支持几点到几点？", ["portal", "hours"]), ("在哪提供支持", []),
    ("numbr for billing, and what hours are they open?", ["phone", "hours"]),     # a cue word's typo
    ("which sevirity is this?", ["severity"]), ("our hours are 9-5, what about yours?", ["hours"]),
    ("who handles that and when are they open?", ["phone", "hours"]),
    ("售前和技术支持是一个号吗", ["phone"]), ("订阅问题什么时候能找人", ["hours"]),
    ("prod is down. what should we do?", []), ("全球版有个问题，怎么找支持？", []),   # help at all: see also_asked
    ("订阅和账单的问题在哪里开请求", ["portal"]),
    ("super urgent, can I open it as Sev A?", ["severity"]), ("账单问题很急，能开 A 级吗", ["severity"]),
    ("when can we call them?", ["hours", "phone"]),
    ("Is there a toll-free line for Exchange Online support in Canada", ["phone"]),   # Exchange Online: no portal
    ("does the support line stay open over Chinese New Year?", ["phone", "hours"]),
    ("国庆节放假期间还有人接电话吗", ["hours", "phone"]), ("首响时间是多少", ["response"]),
    ("how many hours before support picks up a Sev C ticket", ["response", "hours"]),
    ("sev A: how fast is the first response, and do they keep working on it overnight?", ["response", "hours"]),
    ("who do we talk to about pricing and plans?", ["phone"]),
    ("F&O is down, month-end close blocked. how fast will someone respond?", ["response"]),   # no opening hours
    ("is support closed on Sundays?", ["hours"]), ("does the line close at 5?", ["hours"]),
    ("不想打电话 还有啥办法联系支持", []), ("除了电话还有什么方式联系支持", []),             # the phone ruled out
    ("payroll is blocked. where do we report it and how soon will they reply?", ["portal", "response"]),
    ("我要电话支持", ["phone"]), ("电话支持时间是几点到几点", ["hours"]),        # the line itself, or its hours
])
def test_cue_words_find_what_is_asked(text, parts):
    from core.topics import asked_parts
    assert asked_parts(text) == parts



@pytest.mark.parametrize("text,entities,topic,apart", [
    ("巴黎的团队，D365 支持的营业时间？能说法语吗", [("language", "fr", 21, 23)], "hours", True),
    ("what are the Japanese support hours for D365?", [("language", "ja", 13, 21)], "hours", False),  # a detail
    ("请用英文回复：德国的技术支持电话", [("reply_language", "en", 0, 6), ("language", "en", 2, 4)], "phone", False),
    ("D365 hours in Paris? can they speak French?", [("language", "fr", 36, 42)], "languages", False),
])
def test_a_question_about_a_support_language_beside_another_is_found(text, entities, topic, apart):
    from core.dialogue import asks_languages_apart
    ents = [{"entity": e, "value": v, "start": a, "end": b} for e, v, a, b in entities]
    assert asks_languages_apart(text, ents, topic) is apart


@pytest.mark.parametrize("text,same", [
    ("美国和加拿大的电话是同一个吗", True), ("is the UK number different from the US one?", True),
    ("Is technical support 24/7 for both O365 Germany and worldwide M365?", True),    # yes/no about both
    ("美国和加拿大的电话都是一个吗", True),
    ("give me both numbers", False), ("US and UK numbers please", False),
])
def test_a_question_whether_two_answers_are_the_same(text, same):
    from core.dialogue import asks_if_same
    assert asks_if_same(text) is same


@pytest.mark.parametrize("text,asks", [
    ("世纪互联技术支持管不管", True), ("我第一步该干嘛", True), ("能不能开 A 级", True), ("出问题了怎么办", True),
    ("Exchange is down for all our users, we are on 21Vianet Office 365", False), ("不不不", False),
    ("我们的邮箱全部打不开了", False),
])
def test_a_question_is_told_from_a_statement(text, asks):
    from core.topics import asks_question
    assert asks_question(text) is asks


@pytest.mark.parametrize("text, more, only", [
    ("能举个例子吗", True, True), ("examples?", True, True), ("give me an example", True, True),
    ("more details please", True, True), ("详细", True, True),
    # a question of its own that asks for examples: its short answer gives them, not every detail
    ("世纪互联 O365 的 Sev A 举几个例子", False, False), ("what are examples of sev b issues for 21v?", False, False),
    ("tell me more about the Sev A conditions", True, False),
])
def test_asking_for_examples_alone_asks_for_more_and_in_a_question_asks_that_question(text, more, only):
    from core.dialogue import asks_for_more, only_asks_for_more
    assert asks_for_more(text) is more and only_asks_for_more(text) is only


@pytest.mark.parametrize("text, others", [
    # the language's own row says when: Severity A's round-the-clock hours would contradict it
    ("We're in Milan. When is Italian-language Dynamics 365 support available?", []),
    # the hours asked in a question of their own still come
    ("Japan: what are business hours for Dynamics 365 support, and is Japanese-language support available "
     "round the clock?", ["hours"]),
    ("when is Dynamics 365 support open, and which languages do they speak?", ["hours"]),
])
def test_a_languages_question_asks_the_hours_only_apart_from_the_language(text, others):
    assert also_asked(text, "languages") == others


@pytest.mark.parametrize("text, topic, whom_only", [
    ("purchasing premier for our D365 CE apps in china — who do I talk to?", "plans", ["phone"]),
    ("想买 Dynamics 365 的 Premier 合同，该联系谁", "plans", ["phone"]),
    ("how do we buy Premier? what's the phone number?", "plans", []),          # the number asked by name
    ("who do I talk to about the UK number?", "phone", []),                     # not a notes question
])
def test_asking_whom_to_turn_to_is_told_apart_from_asking_for_the_number(text, topic, whom_only):
    from core.dialogue import asked_only_as_whom
    assert asked_only_as_whom(text, topic) == whom_only


@pytest.mark.parametrize("text, dims, topic, told", [
    ("purchasing premier for our D365 CE apps in china — who do I talk to?",
     dict(product="d365_ce", cloud="21v"), "plans", True),
    ("想买 Dynamics 365 的 Premier 合同，该联系谁", dict(product="d365", cloud="worldwide"), "plans", True),
    # the words ask about pricing (pre-sales), not the Premier note that names an account team: the number
    ("D365 Field Service 中国版想了解价格和许可，联系谁？", dict(product="d365_ce", cloud="21v"), "plans", False),
])
def test_a_notes_answer_tells_whom_only_with_a_note_the_words_clearly_ask_for(text, dims, topic, told):
    from core.dialogue import notes_answering, whom_answered
    q = route(**dims)
    lead = [n.id for n in notes_answering(q, topic, text)[:1]]
    assert whom_answered(q, text, lead) is told
