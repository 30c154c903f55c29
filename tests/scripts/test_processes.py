"""The one home of the server start commands (scripts/processes.py): every launcher starts the servers the
same way, and the Rasa HTTP API is never open by accident."""
import re
from pathlib import Path

import pytest

from scripts.processes import action_server_command, rasa_server_command

ROOT = Path(__file__).resolve().parents[2]


def test_the_rasa_server_runs_through_the_project_entry_point_with_the_given_files():
    cmd = rasa_server_command(5005, "models/m.tar.gz", "endpoints.yml", "credentials.yml")
    assert cmd[1:4] == ["-m", "server", "run"]
    args = dict(zip(cmd[4::2], cmd[5::2], strict=False))
    assert args == {"--port": "5005", "--model": "models/m.tar.gz", "--endpoints": "endpoints.yml",
                    "--credentials": "credentials.yml"}


@pytest.mark.parametrize("token,open_api,expected", [
    (None, False, []), ("s3cret", False, ["--enable-api", "--auth-token", "s3cret"]),
    (None, True, ["--enable-api"]), ("s3cret", True, ["--enable-api", "--auth-token", "s3cret"]),
])
def test_the_http_api_is_on_only_behind_a_token_or_when_asked_for_openly(token, open_api, expected):
    cmd = rasa_server_command(1, "m", "e", "c", api_token=token, open_api=open_api)
    assert cmd[cmd.index("--credentials") + 2:] == expected


def test_the_action_server_command():
    assert action_server_command(5055)[1:] == ["run", "actions", "--port", "5055"]


def test_no_launcher_writes_its_own_server_command():
    """make run, make scaleout, the tests and the bench all go through the helpers (the stock bot of the
    bench excepted: it is started with stock Rasa's commands on purpose)."""
    for path in ["scripts/run.py", "scripts/cluster.py", "tests/bot/conftest.py", "Makefile"]:
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r'"components\.server",\s*"run"|"run",\s*"actions"', text), path


def test_the_containers_entrypoint_starts_what_make_run_starts():
    """`python scripts/processes.py rasa|actions ...` (the image's entrypoint) gives the launchers' commands."""
    from scripts.processes import action_server_command, rasa_server_command, server_command

    assert server_command(["actions", "--port", "5055"]) == action_server_command(5055)
    assert server_command(["rasa", "--port", "5005", "--model", "models", "--endpoints", "/config/e.yml"], {}) == \
        rasa_server_command(5005, "models", "/config/e.yml", "credentials.yml")
    with_token = server_command(["rasa"], {"RASA_API_TOKEN": "t0ken"})
    assert with_token == rasa_server_command(5005, "models", "endpoints.yml", "credentials.yml", api_token="t0ken")
    assert "--enable-api" not in server_command(["rasa"], {})             # no token, no API
