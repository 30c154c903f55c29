"""The start-up and stop work is registered whatever channels are configured, through Rasa's own parameter."""
import inspect

import rasa.core.run
from rasa.shared.utils.common import minimal_kwargs

from server.patches import lifecycle as patch


def test_the_listener_is_added_to_rasas_server_listeners(monkeypatch):
    calls = []
    monkeypatch.setattr(patch, "_original", lambda *args, **kwargs: calls.append(kwargs))
    mine = (print, "before_server_stop")
    patch._serve_application(model_path="m", credentials=None, server_listeners=[mine])
    patch._serve_application(model_path="m")
    ours = [(patch.warm_and_freeze, "after_server_start"), (patch.close_sessions, "after_server_stop")]
    assert calls[0]["server_listeners"] == [mine] + ours
    assert calls[1]["server_listeners"] == ours
    assert calls[0]["model_path"] == "m"


def test_rasas_command_line_still_passes_every_argument():
    """rasa.api.run filters its arguments by the signature of serve_application: the wrapper keeps it."""
    patch.install()
    try:
        wrapped = rasa.core.run.serve_application
        assert wrapped is patch._serve_application
        assert inspect.signature(wrapped) == inspect.signature(patch._original)
        kept = minimal_kwargs({"model_path": "m", "port": 1, "endpoints": None, "not_an_argument": 2}, wrapped)
        assert kept == {"model_path": "m", "port": 1, "endpoints": None}
    finally:
        patch.PATCH.uninstall()
    assert rasa.core.run.serve_application is patch._original


def test_freeze_leaves_startup_objects_out_of_collections():
    import gc
    try:
        assert patch.freeze_startup_objects() > 1000 and gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
