"""The tracker store the server uses, read from the same endpoints file (`make run ENDPOINTS=...`).

`${VAR}` values are expanded the way Rasa expands them (rasa/shared/utils/io.py: an implicit YAML resolver
on plain scalars, `os.path.expandvars`, an error naming what is unset), but only in the `tracker_store`
section, so the review needs only the database's variables. The database URL is built the way
`SQLTrackerStore.get_db_url` builds it (and `POSTGRESQL_SCHEMA` is honoured), so the review and the purge read
exactly the database the server writes. SQL stores only: SQLite (the default) and PostgreSQL (scale-out).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import quote, urlsplit

import yaml
from sqlalchemy.engine.url import URL, make_url

DIALECTS = ("sqlite", "postgresql")


class StoreError(Exception):
    """Something the operator can fix (a missing file, an unset variable, an unreachable database): the
    command line prints the message and exits with 2, without a traceback."""


_ENV_VAR = re.compile(r"^(.*)\$\{(.*)\}(.*)$")        # Rasa's pattern


class _EnvLoader(yaml.SafeLoader):
    """A SafeLoader of its own: Rasa adds its resolver to PyYAML's global one, this leaves that alone."""


class _Env(str):
    """A plain scalar that names `${VAR}`s, expanded only when its section is used: the review needs the
    tracker store's variables, not the action server's or Redis's."""


_EnvLoader.add_implicit_resolver("!env_var", _ENV_VAR, None)
_EnvLoader.add_constructor("!env_var", lambda loader, node: _Env(loader.construct_scalar(node)))


def expand(value: Any) -> Any:
    """`${VAR}`s replaced from the environment (Rasa's rule: os.path.expandvars, an error for what is unset)."""
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, _Env):
        expanded = os.path.expandvars(value)
        missing = [w for w in expanded.split() if w.startswith("$") and w in value]
        if missing:
            raise StoreError(f"the environment variable(s) {', '.join(missing)} in '{value}' are not set")
        return expanded
    return value


@dataclass(frozen=True)
class StoreConfig:
    """Where the events are: an SQLAlchemy URL, and the connection arguments Rasa would pass."""
    url: URL
    connect_args: Dict[str, Any] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> Optional[Path]:
        return Path(self.url.database).resolve() if self.dialect == "sqlite" and self.url.database else None

    def describe(self) -> str:
        """For messages and the report: never the password."""
        if self.sqlite_path:
            return f"sqlite:{self.url.database}"
        return self.url.render_as_string(hide_password=True)


def read_endpoints(path: Path) -> Dict[str, Any]:
    """The endpoints file, its `${VAR}` values not yet expanded (see `expand`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"endpoints file not found: {path}") from None
    except OSError as e:
        raise StoreError(f"cannot read the endpoints file {path}: {e.strerror}") from None
    try:
        content = yaml.load(text, Loader=_EnvLoader) or {}           # a SafeLoader subclass
    except yaml.YAMLError as e:
        raise StoreError(f"{path} is not valid YAML: {e}") from None
    if not isinstance(content, dict):
        raise StoreError(f"{path} is not an endpoints file (a mapping of endpoint names)")
    return content


def store_config(path: Path) -> StoreConfig:
    """The `tracker_store` of an endpoints file as a database location."""
    section = read_endpoints(path).get("tracker_store")
    try:
        section = expand(section)
    except StoreError as e:
        raise StoreError(f"{path}: tracker_store: {e}") from None
    if not isinstance(section, dict):
        raise StoreError(f"{path} configures no tracker_store: Rasa then keeps conversations in memory only, "
                         "and there is nothing stored to review or purge")
    kind = str(section.get("type") or "")
    if kind.lower() != "sql" and not kind.rsplit(".", 1)[-1].endswith("SQLTrackerStore"):
        raise StoreError(f"{path}: tracker_store type '{kind or 'in memory'}' is not an SQL store; the review "
                         "and the purge read SQL tracker stores (SQLite or PostgreSQL)")
    return config_from_section(section)


def config_from_section(section: Dict[str, Any]) -> StoreConfig:
    """SQLTrackerStore.get_db_url: `url` is the host (or a whole database URL), `db` the database or file."""
    dialect = str(section.get("dialect") or "sqlite")
    host = section.get("url")
    if host and "://" in str(host):
        url = make_url(str(host))
    else:
        port = section.get("port")
        if host:
            parsed = urlsplit(f"scheme://{host}")
            port, host = parsed.port or port, parsed.hostname or host
        try:
            port = int(port) if port not in (None, "") else None
        except (TypeError, ValueError):
            raise StoreError(f"tracker_store port '{port}' is not a number") from None
        url = URL.create(dialect, username=section.get("username") or None,
                         password=section.get("password") or None, host=host or None, port=port,
                         database=str(section.get("db") or "rasa.db"), query=section.get("query") or {})
    if url.get_backend_name() not in DIALECTS:
        raise StoreError(f"tracker_store dialect '{url.get_backend_name()}' is not supported: "
                         f"use one of {', '.join(DIALECTS)}")
    connect_args: Dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10
        schema = os.environ.get("POSTGRESQL_SCHEMA")             # Rasa's variable for a non-default schema
        if schema:
            connect_args["options"] = f"-csearch_path={schema}"
    return StoreConfig(url, connect_args)


def sqlite_uri(path: Path, mode: str) -> str:
    """An SQLAlchemy URL opening an existing SQLite file in `mode` (ro / rw): never creates a new, empty
    database where the operator mistyped a path."""
    return f"sqlite:///file:{quote(str(path))}?mode={mode}&uri=true"
