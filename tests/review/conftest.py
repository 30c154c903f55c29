"""The known store (tests/review/known.py), reviewed once per session with a fixed salt."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from review import output
from review.build import build
from review.endpoints import store_config
from review.figures import Names, Window
from review.privacy import SenderHasher
from review.store import Store
from tests.review import known

SALT = "test-salt"


@pytest.fixture(scope="session")
def names() -> Names:
    return Names.from_facts()


@pytest.fixture(scope="session")
def known_endpoints(tmp_path_factory) -> Path:
    return known.build(tmp_path_factory.mktemp("known"))


@pytest.fixture(scope="session")
def window() -> Window:
    return Window(known.SINCE, known.UNTIL, ZoneInfo("UTC"))


@pytest.fixture(scope="session")
def reviewed(known_endpoints, window, names) -> dict:
    with Store(store_config(known_endpoints)) as store:
        return build(store, window, SenderHasher(SALT), names)


@pytest.fixture(scope="session")
def written(reviewed, tmp_path_factory) -> dict:
    return output.write(reviewed, tmp_path_factory.mktemp("out"))
