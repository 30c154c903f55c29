"""The model's graph runs in a precomputed order instead of through dask.

For every parse and every prediction Rasa's `DaskGraphRunner.run` runs the graph through dask's local
scheduler, rebuilds the minimal sub-graph and formats its inputs (the tracker) into a debug message that
is then dropped. Here the same nodes run in one topological order computed once per target set, each
with the outputs of the nodes it needs, exactly as dask passes them. Inputs that clash with node names go
to Rasa's own function, which raises its own error.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

from server.patches.patch import Patch

_original = DaskGraphRunner.run


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


def _run(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
         targets: Optional[list] = None) -> Dict[Text, Any]:
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plans = self.__dict__.setdefault("_plans", {})
    plan = plans.get(run_targets)
    if plan is None:
        plan = plans[run_targets] = graph_plan(self, run_targets)
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in self._graph_schema.nodes:
            return _original(self, inputs, targets)
        results[name] = (name, value)
    try:
        for name, node, needs in plan:
            results[name] = node(*[results[need] for need in needs])
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(results[target] for target in run_targets)


PATCH = Patch("graph_runner", "rasa", "3.6.21", [(DaskGraphRunner, "run", _run)])
install = PATCH.install
