"""Event names resolve to the classes Rasa's own lookup gives, and unknown names fail the same way."""
import pytest
import rasa.core.test  # noqa: F401 - defines a second class named "user", as the server's imports do
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from server.patches import event_types as patch

NAMES = sorted({c.type_name for c in all_subclasses(Event) if getattr(c, "type_name", None)})


def resolve_all():
    found = {name: Event.resolve_by_type(name) for name in NAMES}
    with pytest.raises(ValueError) as unknown:
        Event.resolve_by_type("no_such_event")
    return found, str(unknown.value), Event.resolve_by_type("no_such_event", default=Event)


def test_same_classes_and_errors_as_rasa():
    rasas = resolve_all()
    patch.install()
    try:
        assert Event.resolve_by_type is patch._resolve_by_type
        ours = resolve_all()
    finally:
        patch.PATCH.uninstall()
    assert len(NAMES) > 20 and ours == rasas
    assert ours[0]["user"].__name__ == "UserUttered"
