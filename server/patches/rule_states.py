"""RulePolicy computes the dialogue states of the last turns a rule can look at, once per tracker state.

Rasa's `RulePolicy._prediction_states` computes the state of every earlier turn (growing with the
conversation), twice for the first prediction after a message (text and intent). A rule spans at most as
many turns as the longest rule has, and a longer history changes nothing in the matching
(`_is_rule_applicable` accepts any turn beyond the rule's length). Here the states are computed for those
last turns only (the events are still all replayed, so slots and loops are exact), once per tracker and
event count. Rule trackers and featurizers with a max history go to Rasa's own function.
"""
from __future__ import annotations

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from server.patches.patch import Patch

_original = RulePolicy._prediction_states


def tail_states(tracker: DialogueStateTracker, domain: Domain, last: int) -> list:
    """`domain.states_for_tracker_history(tracker)[-last:]` (no rule-only filtering), computing only those
    states: the applied events are all replayed, the state is read at the last `last` turns."""
    applied = tracker.applied_events()
    skip = sum(1 for e in applied if isinstance(e, ActionExecuted)) + 1 - last
    prior, states, turn = tracker.init_copy(), [], 0
    for event in applied:
        if isinstance(event, ActionExecuted):
            if turn >= skip:
                states.append(domain._clean_state(domain.get_active_state(prior)))
            turn += 1
        prior.update(event)
    states.append(domain._clean_state(domain.get_active_state(prior)))
    return states


def longest_rule(policy: RulePolicy) -> int:
    """How many states the longest rule (or unhappy-path rule) of a trained RulePolicy spans."""
    keys = list(policy.lookup.get(RULES, {})) + list(policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {}))
    return max((len(policy._rule_key_to_state(k)) for k in keys), default=1)


def _prediction_states(self, tracker, domain, use_text_for_last_user_input=False, rule_only_data=None):
    featurizer = self.featurizer
    if (tracker.is_rule_tracker or not isinstance(featurizer, MaxHistoryTrackerFeaturizer)
            or featurizer.max_history is not None):
        return _original(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    key = (len(tracker.events), id(tracker.events[-1]) if tracker.events else None)
    memo = getattr(self, "_tail_memo", None)
    if memo is None or memo[0] is not tracker or memo[1] != key:
        if getattr(self, "_longest_rule", None) is None:
            self._longest_rule = longest_rule(self)
        memo = self._tail_memo = (tracker, key, tail_states(tracker, domain, self._longest_rule))
    # the featurizer edits the user sub-states in place: hand out copies
    states = [{k: (dict(v) if k == "user" else v) for k, v in s.items()} for s in memo[2]]
    featurizer._choose_last_user_input([states], use_text_for_last_user_input)
    return states


PATCH = Patch("rule_states", "rasa", "3.6.21", [(RulePolicy, "_prediction_states", _prediction_states)])
install = PATCH.install
