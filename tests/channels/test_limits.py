"""Input rules shared by the channels (channels.limits) and the REST channel's replay of recorded answers."""
import pytest

from channels.limits import MAX_MESSAGE_CHARS, check_sender, check_text, clean_metadata, clean_text
from server.stores.sender_budget import SenderBudget
from channels.rest import replies_after


@pytest.mark.parametrize("raw, expected", [
    ("hello\x00 world", "hello world"),
    ("\u200bChina\u200d phone\ufeff", "China phone"),
    ("\u202eenohp\u202c number", "enohp number"),
    ("  电话\t号码 \n", "电话\t号码"),
    ("Ｍ３６５ 电话", "Ｍ３６５ 电话"),                    # full-width letters are ordinary Chinese input: kept
    ("e\u0301", "\u00e9"),                              # NFC
])
def test_clean_text_removes_controls_and_invisible_formatting(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw, status", [(None, 400), (42, 400), (["hi"], 400), ("", 400), ("\u200b\u200b", 400),
                                         ("\x00\x00", 400), ("x" * (MAX_MESSAGE_CHARS + 1), 413)])
def test_check_text_refuses_what_is_not_a_message(raw, status):
    text, problem, code = check_text(raw)
    assert text is None and problem and code == status


def test_check_text_accepts_the_limit_exactly():
    assert check_text("y" * MAX_MESSAGE_CHARS)[0] == "y" * MAX_MESSAGE_CHARS


@pytest.mark.parametrize("sender", [None, 7, "", "a" * 129, "../../etc/passwd", "a b", "x/y", "名字", "a\x00b"])
def test_bad_sender_ids(sender):
    assert check_sender(sender)


@pytest.mark.parametrize("sender", ["user-1", "wechat-oABC_123", "a" * 128, "alice@example.com", "t:1.2"])
def test_good_sender_ids(sender):
    assert check_sender(sender) is None


def test_metadata_keeps_only_what_the_assistant_uses():
    assert clean_metadata({"language": "zh-CN", "timezone": "Asia/Shanghai", "evil": "x"}) == \
        {"language": "zh", "timezone": "Asia/Shanghai"}
    assert clean_metadata({"language": "fr", "timezone": "../../etc"}) == {}
    assert clean_metadata("not a dict") == {} and clean_metadata({"language": "z" * 100}) == {}


def test_sender_budget_allows_a_burst_then_refills():
    budget = SenderBudget(burst=3, per_minute=60)
    assert [budget.allow("a", now=0) for _ in range(4)] == [True, True, True, False]
    assert budget.allow("b", now=0)                     # per sender
    assert budget.allow("a", now=1.0)                   # one token a second
    assert not budget.allow("a", now=1.1)
    assert SenderBudget(burst=0, per_minute=60).allow("a")             # 0 = off


def test_replies_after_returns_the_answers_recorded_for_a_message_id():
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    events = [UserUttered("hi", message_id="m1"),
              BotUttered("Hello", data={"buttons": [{"title": "A", "payload": "/a"}]}),
              ActionExecuted("action_listen"),
              UserUttered("phone", message_id="m2"),
              BotUttered("+86 400", data={})]
    assert replies_after(events, "m1", "u") == [{"recipient_id": "u", "text": "Hello",
                                                 "buttons": [{"title": "A", "payload": "/a"}]}]
    assert replies_after(events, "m2", "u") == [{"recipient_id": "u", "text": "+86 400"}]
    assert replies_after(events, "m3", "u") is None


@pytest.mark.parametrize("raw, expected", [
    ('/inform{"product": "m365"}', '/inform{"product": "m365"}'),      # the widget's buttons
    ("/greet", "/greet"),
    ("/no_such_intent", "no_such_intent"),
    ('/inform{"product": ', 'inform{"product":'),
    ('/inform{"country": ["a", {"b": 1}]}', 'inform{"country": ["a", {"b": 1}]}'),
    ("//", None),
])
def test_only_payloads_we_offer_are_read_as_intents(raw, expected):
    assert check_text(raw)[0] == expected


@pytest.mark.parametrize("several", ["SANIC_WORKERS", "ASSISTANT_SERVERS"],
                         ids=["workers of one server", "servers behind make run's front"])
def test_workers_share_each_senders_budget(tmp_path, monkeypatch, several):
    """Two processes (two budgets on one STATE_DB file) give a sender one budget between them, not one each."""
    from channels.limits import sender_budget
    from server.stores.sender_budget import SenderBudget, SharedSenderBudget

    monkeypatch.setenv("STATE_DB", str(tmp_path / "state.db"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "1")
    monkeypatch.setenv("ASSISTANT_SERVERS", "1")
    assert type(sender_budget()) is SenderBudget
    monkeypatch.setenv(several, "2")
    a, b = sender_budget(), sender_budget()
    assert isinstance(a, SharedSenderBudget)
    a.burst = b.burst = 5
    now = 1_000_000.0
    verdicts = [(a, b)[i % 2].allow("flooder", now) for i in range(8)]
    assert verdicts == [True] * 5 + [False] * 3
    assert a.allow("someone else", now) and b.allow("flooder", now + 60 / 60 * 1.01)   # refills at SENDER_RATE


def test_replicas_share_each_senders_budget_through_redis(redis_url, monkeypatch):
    from channels.limits import sender_budget
    from server.stores.sender_budget import RedisSenderBudget

    monkeypatch.setenv("REDIS_URL", redis_url)
    a, b = sender_budget(), sender_budget()                  # two replicas
    assert isinstance(a, RedisSenderBudget)
    a.burst = b.burst = 5
    assert [(a, b)[i % 2].allow("flooder-r") for i in range(8)] == [True] * 5 + [False] * 3
    assert b.allow("someone else-r")
    assert 0 < a.redis.ttl(a.PREFIX + "flooder-r") <= 5 / a.rate + 1          # a full bucket is forgotten


def test_the_redis_budget_takes_each_token_once_under_concurrency(redis_url):
    import concurrent.futures as cf

    from server.stores.sender_budget import RedisSenderBudget
    replicas = [RedisSenderBudget(redis_url, burst=10, per_minute=1) for _ in range(4)]
    with cf.ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(lambda i: replicas[i % 4].allow("burst-r"), range(40)))
    assert verdicts.count(True) == 10


def test_an_unreachable_redis_budget_counts_locally_and_never_refuses_for_it(caplog):
    from server.stores.sender_budget import RedisSenderBudget
    budget = RedisSenderBudget("redis://127.0.0.1:1/0", burst=2, per_minute=60)     # nothing listens on port 1
    assert [budget.allow("s", now=0) for _ in range(3)] == [True, True, False]       # this process's bucket
    assert "Redis unusable" in caplog.text and caplog.text.count("Redis unusable") == 1  # then a cool-down
