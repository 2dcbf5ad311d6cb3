"""Running Safekeep as a program, the way a school's IT technician does: `python -m bot ...`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Settings a developer's shell may carry that would change what the program does.
OWN_SETTINGS = ("SLACK_", "SAFEKEEP_", "CONNECTIONS__", "DATABASE_URL", "TZ_SCHOOL", "PORT")


# Nor may a developer's own env file (`.env` in the repository folder): tests read none unless
# they say so.
NO_ENV_FILE = {"SAFEKEEP_ENV_FILE": os.devnull}


def program_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Safekeep, Slack or Teams setting and with no env
    file, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    env.update(NO_ENV_FILE)
    env.update(extra)
    return env


def strip_own_settings(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """For an in-process test: remove every Safekeep, Slack or Teams setting from this process's
    environment (restored afterwards), then set ``extra``."""
    for name in list(os.environ):
        if name.startswith(OWN_SETTINGS):
            monkeypatch.delenv(name)
    for name, value in {**NO_ENV_FILE, **extra}.items():
        monkeypatch.setenv(name, value)


def run_bot(
    *args: str, cwd: Path, env: dict[str, str], typed: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to completion, typing ``typed`` at its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        input=typed,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
