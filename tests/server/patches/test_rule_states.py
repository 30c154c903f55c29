"""RulePolicy's states of the last turns, as patched, select the same rules as Rasa's full history."""
from server.patches import rule_states as patch


def random_conversation(rng, domain):
    """Events as a live conversation could hold them: listens, messages with intents and entities, slot
    events, the form's activation and happy-path runs, rejections, reverts, restarts and new sessions."""
    from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop,
                                         BotUttered, LoopInterrupted, Restarted, SessionStarted, SlotSet,
                                         UserUttered, UserUtteranceReverted)
    intents = ["ask_phone", "ask_hours", "greet", "inform", "deny", "affirm", "out_of_scope", "nlu_fallback"]
    slots = ["product", "country", "cloud", "requested_slot", "topic", "language"]
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for _ in range(rng.randint(1, 40)):
        intent = rng.choice(intents)
        entities = [{"entity": "product", "value": "m365", "start": 0, "end": 3}] if rng.random() < 0.4 else []
        events.append(UserUttered(f"text {rng.random()}", {"name": intent, "confidence": 0.9}, entities))
        for _ in range(rng.randint(0, 6)):
            kind = rng.random()
            if kind < 0.25:
                events.append(SlotSet(rng.choice(slots), rng.choice([None, "m365", "uk", "phone", "product"])))
            elif kind < 0.45:
                events.append(ActionExecuted("route_form"))
                if rng.random() < 0.5:
                    events.append(ActiveLoop(rng.choice(["route_form", None])))
            elif kind < 0.55:
                events.append(ActionExecutionRejected("route_form"))
            elif kind < 0.7:
                events += [ActionExecuted(rng.choice(["action_answer", "utter_greet", "action_ask_product"])),
                           BotUttered("reply")]
            elif kind < 0.75:
                events.append(LoopInterrupted(True))
            elif kind < 0.8:
                events.append(rng.choice([UserUtteranceReverted(), ActionReverted()]))
            elif kind < 0.82:
                events.append(rng.choice([Restarted(), SessionStarted()]))
        events.append(ActionExecuted("action_listen"))
    return events


def test_rule_states_of_the_last_turns_match_rasa_and_select_the_same_rules(tmp_path):
    """tail_states equals the tail of Rasa's own states for 300 random conversations (and all their
    prefixes ending in an action), and the patched RulePolicy finds the same applicable rules as Rasa's for
    rules of up to 4 turns built from those very conversations."""
    import random
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from tests.conftest import ROOT

    domain = Domain.load(str(ROOT / "domain.yml"))
    rng = random.Random(7)
    conversations = [random_conversation(rng, domain) for _ in range(300)]
    rule_keys = {}
    policy = RulePolicy.create(RulePolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("rules"),
                               ExecutionContext(GraphSchema({}), "test"))
    checked = 0
    for events in conversations:
        tracker = DialogueStateTracker.from_events("s", events, domain.slots)
        full = domain.states_for_tracker_history(tracker)
        for last in (1, 2, 4, 7):
            assert patch.tail_states(tracker, domain, last) == full[-last:]
        for length in range(1, 5):                      # rules shaped like real ones: slices of real states
            if len(full) >= length:
                start = rng.randrange(len(full) - length + 1)
                rule_keys[policy._create_feature_key(full[start:start + length])] = "some_action"
        checked += 1
    policy.lookup = {RULES: rule_keys, RULES_FOR_LOOP_UNHAPPY_PATH: {}}
    matched = 0
    patch.install()
    try:
        matched = compare(conversations, policy, domain, rule_keys)
    finally:
        patch.PATCH.uninstall()
    assert checked == 300 and matched > 50                # the comparison covered rules that apply


def compare(conversations, policy, domain, rule_keys):
    from rasa.shared.core.trackers import DialogueStateTracker

    matched = 0
    for events in conversations:
        tracker = DialogueStateTracker.from_events("s", events, domain.slots)
        for use_text in (True, False):
            ours = policy._prediction_states(tracker, domain, use_text)
            rasas = patch._original(policy, tracker, domain, use_text)
            assert ours == rasas[-len(ours):] and len(ours) <= patch.longest_rule(policy) <= 4
            keys = policy._get_possible_keys(rule_keys, ours)
            assert keys == policy._get_possible_keys(rule_keys, rasas)
            matched += bool(keys)
    return matched
