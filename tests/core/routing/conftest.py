from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.routing import Router, load_facts


@pytest.fixture(scope="session")
def facts():
    return load_facts()


@pytest.fixture(scope="session")
def router(facts):
    return Router(facts)


def at(text: str, tz: str = "Asia/Shanghai") -> datetime:
    """A fixed clock: at("2026-10-01 09:00", "Europe/Berlin")."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
