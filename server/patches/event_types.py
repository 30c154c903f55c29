"""Event names resolve to their classes through a table built once per process.

Rasa's `Event.resolve_by_type` walks the whole Event class hierarchy for every event read back from the
tracker store. Here the name -> class table is built on first use and rebuilt when an unknown name
appears (a class defined later). Where two classes share a name (Rasa's test module defines a second
"user" event), the first in Rasa's walk wins, as in Rasa's own lookup. A name still unknown goes to
Rasa's own function, which handles legacy names and raises Rasa's own error.
"""
from __future__ import annotations

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from server.patches.patch import Patch

_original = Event.resolve_by_type
_event_types: Dict[str, Type[Event]] = {}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _event_types.get(type_name)
    if cls is None:
        _event_types.clear()
        for c in all_subclasses(Event):            # the first class of a name wins, as in Rasa's own walk
            if getattr(c, "type_name", None):
                _event_types.setdefault(c.type_name, c)
        cls = _event_types.get(type_name)
    return cls if cls is not None else _original(type_name, default)


PATCH = Patch("event_types", "rasa", "3.6.21", [(Event, "resolve_by_type", _resolve_by_type)])
install = PATCH.install
