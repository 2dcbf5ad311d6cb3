"""Settings from an env file: SAFEKEEP_ENV_FILE, else `.env` in the working folder; the real
environment always wins over the file."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, environment, load_settings
from tests.drivers.program import program_env, run_bot


def test_dot_env_in_the_working_folder_is_read_without_exporting_anything(tmp_path):
    (tmp_path / ".env").write_text(
        "# Safekeep settings\nDATABASE_URL=sqlite:///from-the-file.db\nexport PORT='3001'\n"
    )
    env = program_env()
    del env["SAFEKEEP_ENV_FILE"]  # as on a technician's machine: no variable, just the file
    done = run_bot("migrate", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-the-file.db").exists()


def test_safekeep_env_file_names_a_file_elsewhere(tmp_path):
    settings_file = tmp_path / "etc" / "safekeep.env"
    settings_file.parent.mkdir()
    settings_file.write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'named.db'}\n")
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///not-this-one.db\n")
    done = run_bot("migrate", cwd=tmp_path, env=program_env(SAFEKEEP_ENV_FILE=str(settings_file)))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "named.db").exists() and not (tmp_path / "not-this-one.db").exists()


def test_the_real_environment_wins_over_the_file(tmp_path):
    env_file = tmp_path / "safekeep.env"
    env_file.write_text("PORT=3001\nTZ_SCHOOL=Europe/Dublin\n")
    merged = environment({"SAFEKEEP_ENV_FILE": str(env_file), "PORT": "8080"})
    settings = load_settings(merged)
    assert (settings.port, settings.timezone) == (8080, "Europe/Dublin")


def test_a_missing_env_file_is_named(tmp_path):
    missing = tmp_path / "nope.env"
    with pytest.raises(ConfigError, match=f"SAFEKEEP_ENV_FILE points to {missing}"):
        environment({"SAFEKEEP_ENV_FILE": str(missing)})
    done = run_bot("migrate", cwd=tmp_path, env=program_env(SAFEKEEP_ENV_FILE=str(missing)))
    assert done.returncode == 2
    assert (
        done.stderr == f"safekeep: SAFEKEEP_ENV_FILE points to {missing}, which does not exist.\n"
    )


def test_a_bad_value_in_the_file_is_named_like_any_setting(tmp_path):
    (tmp_path / ".env").write_text("PORT=eighty\n")
    env = program_env()
    del env["SAFEKEEP_ENV_FILE"]
    done = run_bot("audit", "verify", cwd=tmp_path, env=env)
    assert (done.returncode, done.stderr) == (
        2,
        "safekeep: PORT must be a port number (1-65535), not 'eighty'.\n",
    )


def test_a_developers_own_env_file_never_reaches_the_tests(tmp_path, monkeypatch):
    """tests/drivers/program.py and tests/conftest.py point SAFEKEEP_ENV_FILE at nothing."""
    (tmp_path / ".env").write_text("PORT=eighty\nSLACK_BOT_TOKEN=xoxb-developer\n")
    monkeypatch.chdir(tmp_path)
    assert environment().get("SLACK_BOT_TOKEN") is None
    done = run_bot("audit", "verify", cwd=tmp_path, env=program_env())
    assert "PORT" not in done.stderr
