"""The tracker store found from an endpoints file as Rasa finds it (review/endpoints.py)."""
from __future__ import annotations

import pytest

from review.endpoints import StoreError, config_from_section, expand, read_endpoints, store_config
from tests.conftest import ROOT

SCALEOUT_ENV = {"DB_HOST": "db.internal", "DB_PORT": "5433", "DB_NAME": "rasa", "DB_USER": "rasa",
                "DB_PASSWORD": "s3cret"}


def test_the_default_endpoints_name_the_sqlite_file():
    config = store_config(ROOT / "endpoints.yml")
    assert config.dialect == "sqlite" and config.url.database == "rasa_tracker.db"
    assert config.describe() == "sqlite:rasa_tracker.db"


def test_the_scaleout_endpoints_read_the_environment(monkeypatch):
    for k, v in SCALEOUT_ENV.items():
        monkeypatch.setenv(k, v)
    config = store_config(ROOT / "endpoints.scaleout.yml")
    assert config.dialect == "postgresql"
    assert (config.url.host, config.url.port, config.url.database, config.url.username, config.url.password) == (
        "db.internal", 5433, "rasa", "rasa", "s3cret")
    assert "s3cret" not in config.describe() and "db.internal:5433/rasa" in config.describe()


def test_an_unset_variable_is_named(monkeypatch):
    for k in SCALEOUT_ENV:
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(StoreError, match=r"tracker_store: .*\$\{DB_HOST\}"):
        store_config(ROOT / "endpoints.scaleout.yml")


def test_only_the_tracker_stores_variables_are_needed(monkeypatch):
    """The action server's and Redis's variables may be unset: the review does not use them."""
    for k, v in SCALEOUT_ENV.items():
        monkeypatch.setenv(k, v)
    for k in ("ACTION_ENDPOINT_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    assert store_config(ROOT / "endpoints.scaleout.yml").url.host == "db.internal"


def test_variables_inside_a_value_and_quoted_values_behave_as_in_rasa(tmp_path, monkeypatch):
    monkeypatch.setenv("STORE_DIR", "/var/lib/bot")
    path = tmp_path / "e.yml"
    path.write_text("a: ${STORE_DIR}/tracker.db\nb: \"${STORE_DIR}\"\n")
    assert expand(read_endpoints(path)) == {"a": "/var/lib/bot/tracker.db", "b": "${STORE_DIR}"}


@pytest.mark.parametrize("section,url", [
    ({"type": "SQL", "dialect": "postgresql", "url": "db:6000", "db": "r", "username": "u"}, "postgresql://u@db:6000/r"),
    ({"type": "SQL", "dialect": "postgresql", "url": "postgresql://x:y@h/d"}, "postgresql://x:***@h/d"),
    ({"type": "SQL", "dialect": "postgresql", "url": "h", "port": "5432", "db": "d"}, "postgresql://h:5432/d"),
])
def test_database_urls_are_built_like_rasa(section, url):
    assert config_from_section(section).describe() == url


def test_the_postgresql_schema_variable_is_passed(monkeypatch):
    monkeypatch.setenv("POSTGRESQL_SCHEMA", "bot")
    config = config_from_section({"dialect": "postgresql", "url": "h", "db": "d"})
    assert config.connect_args["options"] == "-csearch_path=bot"


@pytest.mark.parametrize("content,message", [
    ("action_endpoint: {url: x}\n", "configures no tracker_store"),
    ("tracker_store: {type: redis, url: localhost}\n", "is not an SQL store"),
    ("tracker_store: {type: SQL, dialect: mysql, db: x}\n", "dialect 'mysql' is not supported"),
    ("tracker_store: {type: SQL, dialect: postgresql, url: h, port: abc}\n", "port 'abc' is not a number"),
    ("tracker_store: [1, 2\n", "is not valid YAML"),
    ("- a list\n", "is not an endpoints file"),
])
def test_unusable_endpoints_are_explained(tmp_path, content, message):
    path = tmp_path / "e.yml"
    path.write_text(content)
    with pytest.raises(StoreError, match=message):
        store_config(path)


def test_a_missing_endpoints_file(tmp_path):
    with pytest.raises(StoreError, match="endpoints file not found"):
        store_config(tmp_path / "nope.yml")
