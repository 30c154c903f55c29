"""Every change this project makes to Rasa's and Sanic's own code, in one layer.

Each module here is one patch: a docstring saying what Rasa does and what changes, a `PATCH`
(server.patches.patch.Patch) naming the package release it was read from, and `install()`. Nothing is
installed by importing a module. `install_all()` installs them; the server bootstrap (server/bootstrap.py)
calls it once, in the main process before Sanic forks its workers, whatever the model, endpoints and
channels are. Each patch has a test that compares it with Rasa's own behaviour (tests/server/patches/ and,
on the trained model, tests/bot/test_patches_on_the_model.py).

`RASA_PATCHES` chooses what is installed, so that each patch's effect can be measured:
- unset, `all` or `on`: every patch;
- `off` or `none`: none;
- names, comma-separated (`graph_runner,event_types`): only those;
- names with a leading `-` (`-graph_runner,-diet_predict`): all but those.
"""
from __future__ import annotations

import importlib
import logging
import os
from importlib.metadata import version
from typing import Iterable, List, Optional

logger = logging.getLogger(__name__)

# install order: the start-up and signal patches first, they act before any request
NAMES = ("sanic_worker_signals", "lifecycle", "store_failures", "graph_runner", "diet_predict", "rule_states",
         "event_types", "action_sessions", "action_payload", "action_response_schema", "action_failure_apology")
SWITCH = "RASA_PATCHES"


class PatchError(RuntimeError):
    """The patches cannot be installed as asked: a wrong release underneath, or an unknown name."""


def selected(switch: Optional[str]) -> List[str]:
    """The patch names a `RASA_PATCHES` value asks for, in install order."""
    words = [w.strip() for w in (switch or "").split(",") if w.strip()]
    if not words or words in (["all"], ["on"]):
        return list(NAMES)
    if words in (["off"], ["none"]):
        return []
    unknown = [w.lstrip("-") for w in words if w.lstrip("-") not in NAMES]
    if unknown:
        raise PatchError(f"{SWITCH}: unknown patch {', '.join(unknown)}; known: {', '.join(NAMES)} "
                         "(or all / off)")
    excluded = {w[1:] for w in words if w.startswith("-")}
    included = {w for w in words if not w.startswith("-")}
    if excluded and included:
        raise PatchError(f"{SWITCH}: either names to install or names with '-' to leave out, not both")
    return [n for n in NAMES if (n in included if included else n not in excluded)]


def module(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def check_versions(names: Iterable[str]) -> None:
    """Refuse to patch a release the patches were not read from: private code may have changed."""
    for name in names:
        patch = module(name).PATCH
        found = version(patch.package)
        if found != patch.version:
            raise PatchError(
                f"patch {name} was written for {patch.package} {patch.version}, but {found} is installed. "
                f"Check server/patches/{name}.py against the new release before changing its version, "
                f"or start with {SWITCH}=off (or {SWITCH}=-{name}) to run without it.")


def install_all(switch: Optional[str] = None) -> List[str]:
    """Install the patches `switch` (default: the `RASA_PATCHES` environment variable) asks for, after
    checking the releases; safe to call again. Returns the names now installed."""
    names = selected(os.environ.get(SWITCH) if switch is None else switch)
    check_versions(names)
    newly = [name for name in names if module(name).install()]
    off = [n for n in NAMES if n not in names]
    if newly:
        logger.info("Rasa patches installed: %s%s", ", ".join(newly), f"; off: {', '.join(off)}" if off else "")
    return names


def installed() -> List[str]:
    """The names of the patches in place now (imports every patch module)."""
    return [n for n in NAMES if module(n).PATCH.installed()]
