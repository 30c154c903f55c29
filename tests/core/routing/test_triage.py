"""Triage classifies every example of the documents' severity tables (English and Chinese wording) into the
level the documents give it, and handles realistic unseen descriptions."""
import pytest

from core.routing import triage
from core.routing.triage import SIGNALS, decide, default_lexicon


def _examples(facts):
    scheme = facts.schemes["o365_21v"]
    return [(lang, text, lv.id) for lv in scheme.levels for lang in ("en", "zh") for text in lv.examples[lang]]


def test_the_documents_examples_are_all_there(facts):
    assert len(_examples(facts)) == 14


@pytest.mark.parametrize("index", range(14))
def test_document_examples_classify_to_their_level(facts, index):
    lang, text, level = _examples(facts)[index]
    t = triage(text)
    assert t.level == level, (text, t.rule, [(s.name, s.evidence) for s in t.signals])


UNSEEN = [
    ("nobody can send mail", "a"),
    ("Our SharePoint site is down for everyone", "a"),
    ("Exchange Online outage, the whole company is affected", "a"),
    ("our whole company can't log in, production stopped", "a"),
    ("我们公司所有人都收发不了邮件", "a"),
    ("Exchange 宕机了", "a"),
    ("全公司都无法登录 Teams，业务已经停摆", "a"),
    ("Outlook 发送按钮乱码", "b"),
    ("Teams 会议时好时坏", "b"),
    ("one user can't sign in to Teams", "b"),
    ("Outlook is really slow for a couple of people", "b"),
    ("我无法在管理中心修改共享邮箱的权限", "b"),
    ("a setting can't be changed in the EAC but works fine thru PowerShell", "b"),      # the passive form
    ("我想知道怎么设置邮件转发", "c"),
    ("How do I configure a shared mailbox?", "c"),
    ("一个同事打不开 OneDrive，但网页版可以用", "c"),
    ("The calendar shows wrong times for one user but works fine in OWA", "c"),
    ("a user cannot change their profile photo", "c"),
]


@pytest.mark.parametrize("text,level", UNSEEN)
def test_unseen_descriptions(text, level):
    assert triage(text).level == level


def test_how_severe_is_not_a_how_to_question():
    t = triage("Mail is down for all users. How severe is that?")
    assert t.level == "a" and not t.has("question")


def test_core_failure_with_unknown_scope_asks_who_is_affected():
    t = triage("we can't send email")
    assert t.level == "b" and t.needs == ("scope",) and t.alternative == "a"


def test_nothing_recognisable_asks_for_impact():
    t = triage("hello there")
    assert t.level is None and set(t.needs) == {"impact", "scope"}


def test_signals_can_be_given_directly_and_are_validated():
    assert triage(signals=["outage", "scope_many"]).level == "a"
    assert triage(signals=["impaired", "scope_one", "workaround"]).level == "c"
    with pytest.raises(ValueError):
        triage(signals=["nonsense"])


def test_evidence_and_bilingual_labels_explain_the_reasoning():
    t = triage("所有用户都无法发送邮件")
    names = {s.name: s for s in t.signals}
    assert names["scope_many"].evidence == "所有用户" and names["scope_many"].label.zh
    assert all(s.label.en and s.label.zh for s in t.signals)


def test_scheme_mapping():
    t = triage("SharePoint site down.")
    assert (t.level_in("o365_21v"), t.level_in("d365"), t.level_in("d365_21v")) == ("a", "a", "critical")
    t = triage("Send button in Outlook is garbled.")
    assert t.level_in("d365_21v") == "non_critical"


def test_every_signal_has_patterns_in_both_languages():
    lex = default_lexicon()
    for name in SIGNALS:
        assert lex.patterns[name], name
    assert decide([]).level is None


@pytest.mark.parametrize("text", [
    "D365 有个小问题，不影响大家干活，就是有点不方便",
    "minor issue, doesn't block anyone",
])
def test_a_stated_low_impact_is_severity_c_even_when_everyone_is_mentioned(text):
    t = triage(text)
    assert t.level == "c" and t.rule == "low_impact"


def test_configuration_requests_are_how_to():
    assert triage("user on our tenant wants their password to never expire").level == "c"
    assert triage("我们想把共享邮箱设置成自动回复").level == "c"
