"""What one patch is: attributes of Rasa (or Sanic) replaced by this project's functions, and put back on
request. Kept as data so that installing twice is a no-op, a test can switch one patch off to compare with
Rasa's own behaviour, and the layer can report what is in place."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, List, Sequence, Tuple

logger = logging.getLogger(__name__)

Replacement = Tuple[Any, str, Callable]          # (class or module, attribute name, new value)
_INHERITED = object()                             # the attribute came from a base class: uninstall deletes ours


@dataclass
class Patch:
    name: str
    package: str                     # the distribution whose code is replaced: "rasa" or "sanic"
    version: str                     # the release it was read from; another one is refused (server.patches)
    replacements: Sequence[Replacement]
    _originals: List[Any] = field(default_factory=list, repr=False)

    def installed(self) -> bool:
        return all(getattr(owner, name) is new for owner, name, new in self.replacements)

    def install(self) -> bool:
        """Put the replacements in place; False (and nothing done) when they already are."""
        if self.installed():
            return False
        self._originals = [owner.__dict__.get(name, _INHERITED) for owner, name, _ in self.replacements]
        for (owner, name, new), original in zip(self.replacements, self._originals, strict=True):
            setattr(owner, name, staticmethod(new) if isinstance(original, staticmethod) else new)
        return True

    def uninstall(self) -> bool:
        """Give Rasa its own code back; False when the patch was not installed."""
        if not self.installed():
            return False
        for (owner, name, _), original in zip(self.replacements, self._originals, strict=False):
            if original is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        return True
