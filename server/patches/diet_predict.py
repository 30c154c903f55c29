"""DIET's prediction calls its traced graph's concrete function directly.

Each `RasaModel._rasa_predict` call goes through tf.function's argument canonicalisation and trace lookup,
although the function has a fixed input signature and so one graph. Here, once Rasa has made its
tf.function (the first prediction), it is replaced on the model by a stand-in that calls the concrete
function of that one graph: same graph, same outputs. Rasa's own function does everything else.
"""
from __future__ import annotations

from typing import Any

from rasa.utils.tensorflow import models

from server.patches.patch import Patch

_original = models.RasaModel._rasa_predict


class ConcretePredict:
    """Stands in for the model's tf.function; calls the tf.function itself when the patch is off again."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.concrete = function.get_concrete_function()

    def __call__(self, batch_in: Any) -> Any:
        if not PATCH.installed():
            return self.function(batch_in)
        return self.concrete(list(batch_in))


def _rasa_predict(self: models.RasaModel, batch_in: Any) -> Any:
    step = self._tf_predict_step
    if step is not None and not self._run_eagerly and not isinstance(step, ConcretePredict):
        self._tf_predict_step = ConcretePredict(step)
    return _original(self, batch_in)


PATCH = Patch("diet_predict", "rasa", "3.6.21", [(models.RasaModel, "_rasa_predict", _rasa_predict)])
install = PATCH.install
