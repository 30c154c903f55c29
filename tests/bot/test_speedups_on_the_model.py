"""The speed fixes that touch the trained model give Rasa's own results on it: DIET through its concrete
function returns the same intent rankings, to the last bit, as Rasa's tf.function call."""
import asyncio

from rasa.core.agent import load_agent
from rasa.utils.tensorflow import models

import components.speedups as speedups

TEXTS = ["UK phone number for Office 365", "英国的 O365 电话是多少", "support hours for Dynamics 365 in China?",
         "sev b response time for premier", "hello", "谢谢", "where do I open a ticket for business central",
         "是否24小时支持", "Sev A", "no, Germany", "世纪互联 Teams 打不开，全公司都受影响", "asdfgh"]


def test_diet_through_the_concrete_function_matches_rasas_call(model):
    async def rankings():
        return [(p["intent"], p["intent_ranking"]) for p in [await agent.parse_message(t) for t in TEXTS]]

    async def scenario():
        ours = await rankings()
        models.RasaModel._rasa_predict = speedups._original_rasa_predict
        try:
            rasas = await rankings()
        finally:
            models.RasaModel._rasa_predict = speedups._rasa_predict
        return ours, rasas

    agent = asyncio.run(load_agent(model_path=str(model)))
    assert models.RasaModel._rasa_predict is speedups._rasa_predict
    ours, rasas = asyncio.run(scenario())
    assert ours == rasas and len({o[0]["name"] for o in ours}) >= 5
    asyncio.run(speedups.warm_up(agent))                 # the start-up warm-up stores no conversation
    assert asyncio.run(agent.tracker_store.retrieve("warm-up")) is None


def test_graph_runs_without_dask_give_dasks_results(model):
    """Parsing and predicting through the sequential runner give what Rasa's dask runner gives, for every
    turn of a real conversation (the processor's own calls, so both graphs of the model are covered)."""
    from rasa.engine.runner.dask import DaskGraphRunner

    async def conversation(sender):
        parses, predictions = [], []
        for text in TEXTS:
            parses.append(await agent.parse_message(text))
            await agent.handle_text(text, sender_id=sender)
            prediction = agent.processor.predict_next_with_tracker(await agent.processor.get_tracker(sender))
            predictions.append((prediction["scores"], prediction["policy"], prediction["confidence"]))
        return parses, predictions

    agent = asyncio.run(load_agent(model_path=str(model)))
    assert DaskGraphRunner.run is speedups._graph_run
    ours = asyncio.run(conversation("sequential"))
    DaskGraphRunner.run = speedups._original_graph_run
    try:
        rasas = asyncio.run(conversation("dask"))
    finally:
        DaskGraphRunner.run = speedups._graph_run
    assert ours == rasas
    assert len({p["intent"]["name"] for p in ours[0]}) >= 5
