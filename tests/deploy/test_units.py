"""deploy/: the systemd units verify, the example env file is one both systemd and
`python -m bot` read the same way, and a filled-in copy passes `doctor`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import COMMANDS, main
from storage import crypto
from tests.bot.test_doctor import TEST_KEY_SPEC, fake_slack  # noqa: F401  (fixture)
from tests.conftest import TEST_KEYS
from tests.drivers.program import ROOT, strip_own_settings
from tests.drivers.slack import BOT_TOKEN

DEPLOY = ROOT / "deploy"
UNITS = {"safekeep-web.service": "web", "safekeep-worker.service": "worker"}
VENV_PYTHON = "/opt/safekeep/.venv/bin/python"


def _unit(name: str) -> dict[str, list[str]]:
    """The unit's settings, key -> values (several lines may set one key)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


@pytest.mark.parametrize(("name", "command"), UNITS.items())
def test_each_unit_runs_its_command_as_a_dedicated_user_with_the_env_file(name, command):
    unit = _unit(name)
    assert unit["ExecStart"] == [f"{VENV_PYTHON} -m bot {command}"] and command in COMMANDS
    assert unit["User"] == ["safekeep"] and unit["Group"] == ["safekeep"]
    assert unit["EnvironmentFile"] == ["/etc/safekeep/safekeep.env"]
    assert "SAFEKEEP_ENV_FILE=/etc/safekeep/safekeep.env" in unit["Environment"]
    assert unit["Restart"] == ["on-failure"]
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert hardening in unit, hardening


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_units_pass_systemd_analyze_verify(tmp_path):
    # verify checks that ExecStart's program exists: point it at this Python, change nothing else.
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace(VENV_PYTHON, sys.executable)
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # Unknown or misspelt settings are only warned about: none allowed.
    assert not re.search(r"Unknown|ignoring|Invalid|Failed", done.stderr), done.stderr


def test_the_example_env_file_is_plain_name_value_lines():
    """systemd's EnvironmentFile= and python-dotenv read plain NAME=value lines the same way."""
    for line in (DEPLOY / "safekeep.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s\"'#]*", line), line


def test_the_example_env_file_filled_in_passes_doctor(
    tmp_path,
    monkeypatch,
    capsys,
    database_url,
    school,
    clock,
    fake_slack,  # noqa: F811
):
    _, slack_url = fake_slack
    filled = {
        "DATABASE_URL": database_url,
        "SAFEKEEP_DATA_KEYS": TEST_KEY_SPEC,
        "SAFEKEEP_SCHOOL_CONFIG": str(ROOT / "school.example.toml"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "from-the-app-settings",
    }
    lines = []
    for line in (DEPLOY / "safekeep.env.example").read_text().splitlines():
        name = line.partition("=")[0]
        lines.append(f"{name}={filled[name]}" if name in filled else line)
    assert not [line for line in lines if "=CHANGE-ME" in line or ":CHANGE-ME@" in line]
    env_file = tmp_path / "safekeep.env"
    env_file.write_text("\n".join(lines) + f"\nSLACK_API_URL={slack_url}\n")
    env_file.chmod(0o640)  # as the README says
    strip_own_settings(monkeypatch, SAFEKEEP_ENV_FILE=str(env_file))
    capsys.readouterr()
    try:
        code = main(["doctor"], clock=clock)
    finally:
        crypto.use_keys(TEST_KEYS)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "✓ Slack: the bot token works for 'Demo Primary School'" in out


def test_the_proxy_examples_send_slack_and_health_to_the_local_web_process():
    caddy = (DEPLOY / "Caddyfile").read_text()
    nginx = (DEPLOY / "nginx-safekeep.conf").read_text()
    assert "reverse_proxy 127.0.0.1:3000" in caddy and "/slack/*" in caddy
    assert "proxy_pass http://127.0.0.1:3000;" in nginx and "slack/" in nginx
    env = (DEPLOY / "safekeep.env.example").read_text()
    assert "HOST=127.0.0.1\n" in env and "PORT=3000\n" in env


@pytest.mark.skipif(shutil.which("caddy") is None, reason="no caddy here")
def test_the_caddyfile_is_valid():
    done = subprocess.run(
        ["caddy", "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_nothing_in_deploy_is_left_unchecked():
    checked = {*UNITS, "safekeep.env.example", "Caddyfile", "nginx-safekeep.conf"}
    assert {p.name for p in Path(DEPLOY).iterdir()} == checked


def test_every_command_and_file_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"python -m bot ([a-z]+)", readme))
    assert named and named <= set(COMMANDS), named - set(COMMANDS)
    for path in re.findall(r"\(deploy/([\w.-]+)\)", readme):
        assert (DEPLOY / path).is_file(), path
    for name in UNITS:
        assert f"deploy/{name}" in readme
    # The commands typed by hand run what the units run, with the same settings file.
    assert f"env SAFEKEEP_ENV_FILE=/etc/safekeep/safekeep.env {VENV_PYTHON} -m bot" in readme
