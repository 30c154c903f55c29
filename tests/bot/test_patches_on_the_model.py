"""The patches that touch the trained model give Rasa's own results on it: DIET through its concrete
function returns the same intent rankings, to the last bit, as Rasa's tf.function call, and the graph run
without dask gives dask's parses and predictions for every turn of a conversation."""
import asyncio

from rasa.core.agent import load_agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.utils.tensorflow import models

from server.patches import diet_predict, graph_runner, lifecycle

TEXTS = ["UK phone number for Office 365", "英国的 O365 电话是多少", "support hours for Dynamics 365 in China?",
         "sev b response time for premier", "hello", "谢谢", "where do I open a ticket for business central",
         "是否24小时支持", "Sev A", "no, Germany", "世纪互联 Teams 打不开，全公司都受影响", "asdfgh"]


def test_diet_through_the_concrete_function_matches_rasas_call(model):
    async def rankings():
        return [(p["intent"], p["intent_ranking"]) for p in [await agent.parse_message(t) for t in TEXTS]]

    agent = asyncio.run(load_agent(model_path=str(model)))
    rasas = asyncio.run(rankings())
    diet_predict.install()
    try:
        assert models.RasaModel._rasa_predict is diet_predict._rasa_predict
        ours = asyncio.run(rankings())
        diets = [m for m in _models(agent) if isinstance(m._tf_predict_step, diet_predict.ConcretePredict)]
        assert diets, "no model predicted through its concrete function"
    finally:
        diet_predict.PATCH.uninstall()
    assert ours == rasas and len({o[0]["name"] for o in ours}) >= 5
    assert asyncio.run(rankings()) == rasas                # switched off again: Rasa's own call


def _models(agent):
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    components = [getattr(n, "_component", None) for n in nodes]
    return [c.model for c in components if getattr(c, "model", None) is not None
            and isinstance(c.model, models.RasaModel)]


def test_the_warm_up_stores_no_conversation(model):
    agent = asyncio.run(load_agent(model_path=str(model)))
    asyncio.run(lifecycle.warm_up(agent))
    assert asyncio.run(agent.tracker_store.retrieve("warm-up")) is None


def test_graph_runs_without_dask_give_dasks_results(model):
    """Parsing and predicting through the sequential runner give what Rasa's dask runner gives, for every
    turn of a real conversation (the processor's own calls, so both graphs of the model are covered)."""
    async def conversation(sender):
        parses, predictions = [], []
        for text in TEXTS:
            parses.append(await agent.parse_message(text))
            await agent.handle_text(text, sender_id=sender)
            prediction = agent.processor.predict_next_with_tracker(await agent.processor.get_tracker(sender))
            predictions.append((prediction["scores"], prediction["policy"], prediction["confidence"]))
        return parses, predictions

    agent = asyncio.run(load_agent(model_path=str(model)))
    rasas = asyncio.run(conversation("dask"))
    graph_runner.install()
    try:
        assert DaskGraphRunner.run is graph_runner._run
        ours = asyncio.run(conversation("sequential"))
    finally:
        graph_runner.PATCH.uninstall()
    assert ours == rasas
    assert len({p["intent"]["name"] for p in ours[0]}) >= 5
