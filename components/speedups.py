"""Performance fixes for Rasa 3.6.21, applied when the Rasa server loads this project's components.

Found by profiling the server under load (py-spy); what each cost and saved is in docs/performance.md.
Each keeps Rasa's behaviour:

1. Action responses: `jsonschema.validate` re-checked the large response schema, built a new validator and
   used the slowest draft (2020-12) on every action call. The same schema
   is now compiled once (Draft 7 covers every keyword it uses), and each event is checked against the
   branch of its own name instead of trying all 23; invalid responses raise the same error.
2. Event classes: `Event.resolve_by_type` walked the whole Event class hierarchy for every event read back
   from the tracker store. The name -> class table is now built once per process (and
   rebuilt if an unknown name appears, e.g. a class defined later).
3. Action-server HTTP: `EndpointConfig.request` opened and closed an aiohttp session, so a new connection,
   per call. Sessions are now kept per endpoint (url, headers, auth) and event loop, with keep-alive, and
   serialise the payload with orjson (same JSON values; json.dumps for what orjson refuses).
4. Action-call payload: every call serialised the conversation's whole event list, growing with the
   conversation. The payload now carries the events of the last RECENT_USER_TURNS
   user turns; slots, latest message, active loop and the other state fields are unchanged. This
   project's actions read events only for the latest turns (form validation since the last listen, the
   language of recent messages), so what they see is the same.
5. RulePolicy states: every prediction computed the dialogue state of every earlier turn (growing with the
   conversation), twice for the first prediction after a message (text and
   intent). A rule can only look at as many turns as the longest rule has, and a longer history changes
   nothing in the matching (`_is_rule_applicable` accepts any turn beyond the rule's length). States are
   now computed for those last turns only (the events are still replayed, so slots and loops are exact),
   once per tracker and event count.
6. DIET inference: each call went through tf.function's argument canonicalisation and trace lookup,
   although the function has a fixed input signature and so one
   graph. Its concrete function is now taken once and called directly: same graph, same outputs.
7. Graph runs: every parse and every prediction ran the model's graph through dask's local scheduler,
   rebuilt the minimal sub-graph and formatted its inputs (the tracker) into a debug message that was
   then dropped. The same nodes now run in one precomputed topological order
   per target set, each with the outputs of the nodes it needs, exactly as dask passed them.
8. Garbage collection: the server holds millions of long-lived objects (TensorFlow, Rasa, the model) and
   every full collection walked all of them, pausing whichever requests were in flight. Once the model is
   loaded, `freeze_startup_objects` moves them to the permanent generation (`gc.freeze`); later garbage
   is collected as before.
"""
from __future__ import annotations

import asyncio
import copy
import gc
import json
from functools import lru_cache
from typing import Any, Dict, Optional, Text, Tuple, Type

import aiohttp
import orjson
import rasa
import tensorflow as tf
from jsonschema import Draft7Validator, ValidationError
from keras.utils import tf_utils
from rasa.core.actions import action as _action
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.utils.common import all_subclasses
from rasa.utils import endpoints as _endpoints
from rasa.utils.tensorflow import models as _models

_original = _action.RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def response_validator() -> Draft7Validator:
    return Draft7Validator(_action.RemoteAction.action_response_format_spec())


@lru_cache(maxsize=1)
def validators_by_event() -> Tuple[Optional[Draft7Validator], Dict[str, Draft7Validator]]:
    """The response schema without its per-event `oneOf`, and one validator per event name. The branches
    of that `oneOf` are told apart by a distinct `event` constant, so "exactly one branch matches" is "the
    branch of the event's name matches": checking that one instead of all of them gives the same verdict.
    (None, {}) when the schema is not of that shape: then only the whole schema is used."""
    spec = copy.deepcopy(_action.RemoteAction.action_response_format_spec())
    try:
        items = spec["properties"]["events"]["items"]
        branches = items.pop("oneOf")
        names = [b["properties"]["event"]["const"] for b in branches]
    except (KeyError, TypeError):
        return None, {}
    if len(set(names)) != len(names):
        return None, {}
    spec["properties"]["events"]["items"] = {}
    return Draft7Validator(spec), {n: Draft7Validator(dict(items, allOf=[b])) for n, b in zip(names, branches)}


def _valid_by_event(result: Any) -> bool:
    outer, by_event = validators_by_event()
    if outer is None or not outer.is_valid(result):
        return False
    for event in result.get("events") or ():
        check = by_event.get(event.get("event")) if isinstance(event, dict) and \
            isinstance(event.get("event"), str) else None
        if check is None or not check.is_valid(event):
            return False
    return True


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    if _valid_by_event(result):
        return True
    try:                                        # invalid, or a shape the fast check does not know: Rasa's error
        response_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (". Failed to validate Action server response from API, make sure your response from the "
                      f"Action endpoint is valid. For more information about the format visit "
                      f"{_action.DOCS_BASE_URL}/custom-actions")
        raise e


_event_types: Dict[str, Type[Event]] = {}
_original_resolve = Event.resolve_by_type


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _event_types.get(type_name)
    if cls is None:
        _event_types.update({c.type_name: c for c in all_subclasses(Event) if getattr(c, "type_name", None)})
        cls = _event_types.get(type_name)
    if cls is not None:
        return cls
    return _original_resolve(type_name, default)        # Rasa's own handling of legacy / unknown names


class _KeptSession:
    """`async with` over a long-lived session: entering returns it, leaving keeps it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


_sessions: Dict[Tuple, aiohttp.ClientSession] = {}


def _session(self: _endpoints.EndpointConfig) -> _KeptSession:
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    key = (self.url, tuple(sorted((self.headers or {}).items())), auth, id(asyncio.get_running_loop()))
    session = _sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(headers=self.headers, auth=auth, json_serialize=json_dumps,
                                        timeout=aiohttp.ClientTimeout(total=_endpoints.DEFAULT_REQUEST_TIMEOUT),
                                        connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30))
        _sessions[key] = session
    return _KeptSession(session)


def json_dumps(obj: Any) -> str:
    """The action-call payload as JSON, with orjson (faster than json.dumps on large event lists); whatever
    orjson refuses (an integer beyond 64 bits) goes through json.dumps as before. One difference: a float
    that is not finite (no tracker holds one) is written as null, as standard JSON has no Infinity."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(obj)


RECENT_USER_TURNS = 8


def recent_events(events: list, user_turns: int = RECENT_USER_TURNS) -> list:
    """The events from the `user_turns`-th last user message on (all of them if there are fewer turns)."""
    seen = 0
    for i in range(len(events) - 1, -1, -1):
        if isinstance(events[i], UserUttered):
            seen += 1
            if seen == user_turns:
                return events[i:]
    return events


def _action_call_format(self, tracker, domain) -> Dict[Text, Any]:
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [e.as_dict() for e in recent_events(list(tracker.events))]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state, "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


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


_original_prediction_states = RulePolicy._prediction_states


def _rule_prediction_states(self, tracker, domain, use_text_for_last_user_input=False, rule_only_data=None):
    featurizer = self.featurizer
    if (tracker.is_rule_tracker or not isinstance(featurizer, MaxHistoryTrackerFeaturizer)
            or featurizer.max_history is not None):
        return _original_prediction_states(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
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


_original_rasa_predict = _models.RasaModel._rasa_predict


def _rasa_predict(self, batch_in):
    """RasaModel._rasa_predict calling the traced graph's concrete function (see 6 above)."""
    if self._run_eagerly:
        return _original_rasa_predict(self, batch_in)
    self._training = False
    if not self.prepared_for_prediction:
        self.prepare_for_predict()
        self.prepared_for_prediction = True
    if self._tf_predict_step is None:
        self._tf_predict_step = tf.function(self.predict_step, input_signature=self._dynamic_signature(batch_in))
    concrete = getattr(self, "_concrete_predict", None)
    if concrete is None or getattr(self, "_concrete_of", None) is not self._tf_predict_step:
        concrete = self._concrete_predict = self._tf_predict_step.get_concrete_function()
        self._concrete_of = self._tf_predict_step
    outputs = tf_utils.sync_to_numpy_or_python_type(concrete(list(batch_in)))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


async def warm_up(agent: Any) -> None:
    """One parse and one prediction on a throwaway tracker once the model is loaded: TensorFlow's first call
    (graph setup, ~0.4 s) then happens at start-up instead of in the first user's message on each worker.
    Nothing is stored."""
    if agent is None or agent.processor is None:
        return
    await agent.parse_message("hello")
    tracker = DialogueStateTracker("warm-up", agent.domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    agent.processor.predict_next_with_tracker(tracker)


def freeze_startup_objects() -> int:
    """gc.freeze() after a collection (see 8 above); returns how many objects are now left out of GC."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


_original_graph_run = DaskGraphRunner.run


def graph_plan(runner: DaskGraphRunner, targets: Tuple[Text, ...]) -> list:
    """[(node name, GraphNode, names of the nodes it needs)] for the targets, each after what it needs."""
    schema = runner._graph_schema.minimal_graph_schema(list(targets))
    order, placed = [], set()

    def place(name: Text) -> None:
        if name in placed or name not in schema.nodes:      # inputs are not nodes: they are given
            return
        placed.add(name)
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            place(need)
        order.append((name, runner._instantiated_nodes[name], needs))

    for target in targets:
        place(target)
    return order


def _graph_run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[list] = None) -> Dict[Text, Any]:
    """DaskGraphRunner.run without dask (see 7 above); results and errors as dask gave them."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plans = self.__dict__.setdefault("_plans", {})
    plan = plans.get(run_targets)
    if plan is None:
        plan = plans[run_targets] = graph_plan(self, run_targets)
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in self._graph_schema.nodes:
            return _original_graph_run(self, inputs, targets)  # let Rasa raise its clash error
        results[name] = (name, value)
    try:
        for name, node, needs in plan:
            results[name] = node(*[results[need] for need in needs])
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(results[target] for target in run_targets)


def install() -> None:
    _action.RemoteAction._validate_action_result = _validate_action_result
    _action.RemoteAction._action_call_format = _action_call_format
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    _endpoints.EndpointConfig.session = _session
    RulePolicy._prediction_states = _rule_prediction_states
    _models.RasaModel._rasa_predict = _rasa_predict
    DaskGraphRunner.run = _graph_run


install()

