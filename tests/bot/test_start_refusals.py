"""A half-configured start is refused with a clear line: `web` with no chat platform, a partial
set of Teams variables, an unsupported DATABASE_URL. HOST sets where `web` listens; `worker` and
`web` log when they stop; a Slack-only `web` loads only what it serves."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.cli import main
from storage import crypto
from tests.conftest import PG_URL, TEST_KEYS
from tests.drivers.program import ROOT, program_env, strip_own_settings
from tests.drivers.signing import SIGNING_SECRET
from tests.drivers.slack import BOT_TOKEN

TEAMS = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


def _main(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    crypto.use_keys(TEST_KEYS)
    return code, capsys.readouterr().err


def test_web_without_platform_credentials_refuses_unless_told(monkeypatch, capsys, database_url):
    strip_own_settings(monkeypatch, DATABASE_URL=database_url)
    code, err = _main(capsys, "web")
    assert code == 2
    assert err.startswith("safekeep: web has no chat platform to serve: set the Slack")
    assert "--no-platform" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"CLIENTID": "app"}, ("CLIENTSECRET", "TENANTID")),
        ({"CLIENTID": "app", "CLIENTSECRET": "s"}, ("TENANTID",)),
        ({"TENANTID": "t"}, ("CLIENTID", "CLIENTSECRET")),
        ({"ANONYMOUS_ALLOWED": "true"}, ("TENANTID",)),
    ],
)
def test_a_partial_set_of_teams_variables_names_the_missing_ones(
    monkeypatch, capsys, given, missing
):
    strip_own_settings(monkeypatch, **{TEAMS + name: value for name, value in given.items()})
    code, err = _main(capsys, "migrate")
    assert code == 2
    assert err.startswith("safekeep: The Microsoft Teams settings are incomplete: ")
    for name in ("CLIENTID", "CLIENTSECRET", "TENANTID"):
        assert (f"{TEAMS}{name} " in err) == (name in missing), name


@pytest.mark.parametrize(
    "url", ["mysql://safekeep:s3cret@db.example.org/safekeep", "oracle+cx_oracle://x@y/z"]
)
def test_an_unsupported_database_url_is_one_line_naming_what_is_supported(monkeypatch, capsys, url):
    strip_own_settings(monkeypatch, DATABASE_URL=url)
    code, err = _main(capsys, "migrate")
    assert code == 2 and err.count("\n") == 1
    assert "Safekeep does not support" in err and "SQLite and PostgreSQL" in err
    assert "s3cret" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(name: str, tmp_path: Path, migrated_template: str, *args: str, **extra: str):
    env = program_env(SAFEKEEP_DATA_KEYS=crypto.new_key_spec("k1"), PYTHONUNBUFFERED="1", **extra)
    if PG_URL:
        env["DATABASE_URL"] = PG_URL
    else:
        db = tmp_path / "server.db"
        db.write_bytes(Path(migrated_template).read_bytes())
        env["DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.Popen(
        [sys.executable, "-m", "bot", name, *args],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(proc: subprocess.Popen[str], words: str) -> list[str]:
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if words in line:
            return seen
    raise AssertionError(f"never saw {words!r}:\n{''.join(seen)}")


def test_web_with_no_platform_listens_on_host_and_logs_when_it_stops(tmp_path, migrated_template):
    port = _free_port()
    proc = _server(
        "web", tmp_path, migrated_template, "--no-platform", HOST="127.0.0.1", PORT=str(port)
    )
    try:
        _wait_for(proc, f"listening on 127.0.0.1 port {port}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert json.load(answer)["database"] is True
        proc.send_signal(signal.SIGTERM)
        _wait_for(proc, "web stopped")
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# What a Slack-only web process must not load (issue #15: memory and start-up time): the Teams
# stack (Agents SDK, msal and what they bring), Alembic (only migrate needs it) and APScheduler
# (a web process runs no scheduler).
NOT_FOR_A_SLACK_WEB_PROCESS = {
    "microsoft_agents",
    "msal",
    "pydantic",
    "opentelemetry",
    "requests",
    "alembic",
    "mako",
    "apscheduler",
}


def test_a_slack_only_web_process_loads_neither_teams_nor_alembic_nor_the_scheduler(
    tmp_path, migrated_template
):
    port = _free_port()
    proc = _server(
        "web",
        tmp_path,
        migrated_template,
        HOST="127.0.0.1",
        PORT=str(port),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing is sent: no request reaches Slack
        PYTHONPROFILEIMPORTTIME="1",  # Python writes a line to stderr for each module it imports
    )
    try:
        seen = _wait_for(proc, f"listening on 127.0.0.1 port {port}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert json.load(answer)["database"] is True
    finally:
        proc.kill()
        proc.wait()
    imported = {
        line.rpartition("|")[2].strip().partition(".")[0]
        for line in seen
        if line.startswith("import time:")
    }
    assert {"slack_bolt", "sqlalchemy"} <= imported  # the lines were read
    assert imported & NOT_FOR_A_SLACK_WEB_PROCESS == set()


def test_the_worker_logs_when_it_stops(tmp_path, migrated_template):
    proc = _server("worker", tmp_path, migrated_template)
    try:
        _wait_for(proc, "worker started")
        proc.send_signal(signal.SIGTERM)
        _wait_for(proc, "worker stopped")
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
