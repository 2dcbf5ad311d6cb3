"""Settings from the environment and school.toml: defaults, parsing, and errors that name the key."""

from __future__ import annotations

import stat
import textwrap
from datetime import date, time
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, load_settings
from handlers.school_config import ConfigError, StaffEntry, load_school_config
from handlers.settings import DEFAULT_TIERS, SchoolSettings, Term
from storage import crypto

ROOT = Path(__file__).resolve().parents[2]


def write_toml(tmp_path: Path, body: str, name: str = "school.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


MINIMAL = """
[school]
name = "Test Primary"
"""


# --- environment -------------------------------------------------------------------------------


def test_with_an_empty_environment_the_defaults_are_the_console_demo_on_sqlite():
    settings = load_settings({})
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///safekeep.db"
    assert settings.port == 3000
    assert settings.timezone == "Europe/London"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.school_config is None
    assert not settings.has_slack and not settings.has_teams
    assert settings.is_sqlite


def test_blank_variables_count_as_unset():
    settings = load_settings({"PORT": " ", "DATABASE_URL": "", "SLACK_BOT_TOKEN": "  "})
    assert settings.port == 3000
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_bot_token is None


def test_port_is_read_from_the_environment():
    assert load_settings({"PORT": "8080"}).port == 8080


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", "80.5"])
def test_a_bad_port_is_refused_naming_port(port):
    with pytest.raises(ConfigError, match=r"^PORT must be a port number.*'" + port):
        load_settings({"PORT": port})


def test_tz_school_sets_the_time_zone_and_is_the_default_for_school_toml(tmp_path):
    path = write_toml(tmp_path, MINIMAL)
    settings = load_settings({"TZ_SCHOOL": "Europe/Dublin", "SAFEKEEP_SCHOOL_CONFIG": str(path)})
    assert settings.timezone == "Europe/Dublin"
    assert settings.school_config is not None
    assert settings.school_config.settings.timezone == "Europe/Dublin"


def test_an_unknown_tz_school_is_refused_naming_the_variable():
    with pytest.raises(ConfigError, match="TZ_SCHOOL is not a known time zone: 'Mars/Olympus'"):
        load_settings({"TZ_SCHOOL": "Mars/Olympus"})


def test_slack_api_url_gets_a_trailing_slash():
    settings = load_settings({"SLACK_API_URL": "http://127.0.0.1:9999/api"})
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


def test_a_slack_api_url_that_is_not_http_is_refused_naming_the_variable():
    with pytest.raises(ConfigError, match="SLACK_API_URL must start with https://"):
        load_settings({"SLACK_API_URL": "slack.com/api"})


@pytest.mark.parametrize(
    ("env", "slack"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, True),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, True),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, True),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, False),  # a token alone cannot verify requests
        ({"SLACK_CLIENT_ID": "1.2"}, False),
    ],
)
def test_slack_counts_as_configured_only_with_a_usable_set_of_credentials(env, slack):
    assert load_settings(env).has_slack is slack


def test_teams_credentials_use_the_agents_sdk_names():
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    settings = load_settings(
        {prefix + "CLIENTID": "app", prefix + "CLIENTSECRET": "s", prefix + "TENANTID": "t"}
    )
    assert settings.has_teams
    assert (settings.teams_client_id, settings.teams_tenant_id) == ("app", "t")


def test_a_missing_school_toml_is_named(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=f"SAFEKEEP_SCHOOL_CONFIG points to {missing}"):
        load_settings({"SAFEKEEP_SCHOOL_CONFIG": str(missing)})


# --- data keys ---------------------------------------------------------------------------------


def test_configured_data_keys_are_used_newest_first():
    spec = f"{crypto.new_key_spec('k2')},{crypto.new_key_spec('k1')}"
    ring = load_settings({"SAFEKEEP_DATA_KEYS": spec}).key_ring(allow_local_key=False)
    assert [k.key_id for k in ring.keys] == ["k2", "k1"]


def test_bad_data_keys_are_a_config_error():
    settings = load_settings({"SAFEKEEP_DATA_KEYS": "k1:short"})
    with pytest.raises(ConfigError, match="SAFEKEEP_DATA_KEYS|k1"):
        settings.key_ring(allow_local_key=True)


def test_without_keys_production_refuses_and_says_how_to_make_one(tmp_path):
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    with pytest.raises(ConfigError, match="SAFEKEEP_DATA_KEYS is not set.*python -m bot keys new"):
        settings.key_ring(allow_local_key=False)
    assert not (tmp_path / "x.key").exists()


def test_postgresql_never_uses_a_local_key_file():
    settings = load_settings({"DATABASE_URL": "postgresql://db.example.org/safekeep"})
    with pytest.raises(ConfigError, match="SAFEKEEP_DATA_KEYS is not set"):
        settings.key_ring(allow_local_key=True)


def test_the_console_demo_makes_a_private_local_key_once_and_keeps_it(tmp_path):
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"})
    first = settings.key_ring(allow_local_key=True)
    key_file = tmp_path / "demo.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = settings.key_ring(allow_local_key=True)
    assert first.keys == second.keys
    assert first.open(second.seal("kept")) == "kept"
    assert first.newest_id.startswith("local-")  # its own id, never a shared "local"
    other = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"})
    assert other.key_ring(allow_local_key=True).newest_id != first.newest_id


def test_a_key_file_from_before_key_ids_were_unique_is_still_read(tmp_path):
    old = crypto.new_key_spec("local")
    (tmp_path / "demo.key").write_text(old + "\n")
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"})
    ring = settings.key_ring(allow_local_key=True)
    assert ring.keys == crypto.KeyRing.parse(old).keys


# --- school.toml: a valid file -----------------------------------------------------------------


def test_the_example_school_toml_in_the_repository_is_valid():
    config = load_school_config(ROOT / "school.example.toml")
    assert config.name == "Example Primary School"
    assert len(config.settings.terms) == 3
    assert config.roles["headteacher"] == ["head@example.org"]
    assert config.aup is not None and config.aup.version == "2026.1"
    assert config.aup.text.strip().startswith("1. I use school devices")


def test_a_full_school_toml_is_read_into_settings_roles_staff_and_the_aup(tmp_path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "aup.txt").write_text("1. Be careful.\n", encoding="utf-8")
    path = write_toml(
        tmp_path,
        """
        [school]
        name = "St Example's CE Primary"
        timezone = "Europe/London"

        [[terms]]
        name = "Autumn 2026"
        start = 2026-09-02
        end = 2026-12-18
        half_term = [2026-10-26, 2026-10-30]

        [[terms]]
        name = "Spring 2027"
        start = "2027-01-05"
        end = "2027-03-26"

        [calendar]
        closures = [2026-11-05, "2026-11-06"]

        [reminders]
        morning = "08:15"
        afternoon = "16:00"

        [roles]
        headteacher = "Head@Example.org"
        deputy_dsl = ["deputy1@example.org", "deputy2@example.org"]

        [[staff]]
        email = "Teacher@Example.org"
        name = "Alex Teacher"

        [[staff]]
        email = "gov@example.org"
        name = "Pat Governor"
        role_group = "governor"

        [aup]
        version = "3"
        title = "Staff AUP"
        file = "policies/aup.txt"
        url = "https://www.example.org/aup"
        effective = 2026-09-01
        campaign_term = "autumn"

        [offsite]
        max_school_days = 5
        escalate_after_school_days = 3
        escalate_sensitive_after_school_days = 2
        permission_tier = 2

        [offsite.tiers]
        marking = 2

        [offsite.standing_permissions]
        dsl = ["safeguarding"]

        [breach]
        ack_minutes = 30
        ico_reminder_hours = [48, 24]
        """,
    )
    config = load_school_config(path)
    s = config.settings
    assert config.name == "St Example's CE Primary"
    assert s.terms == (
        Term(
            "Autumn 2026",
            date(2026, 9, 2),
            date(2026, 12, 18),
            date(2026, 10, 26),
            date(2026, 10, 30),
        ),
        Term("Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
    )
    assert s.closures == (date(2026, 11, 5), date(2026, 11, 6))
    assert (s.morning_hour, s.afternoon_hour) == (time(8, 15), time(16, 0))
    assert config.roles == {
        "headteacher": ["head@example.org"],
        "deputy_dsl": ["deputy1@example.org", "deputy2@example.org"],
    }
    assert config.staff == (
        StaffEntry("teacher@example.org", "Alex Teacher", "teaching"),
        StaffEntry("gov@example.org", "Pat Governor", "governor"),
    )
    assert config.aup is not None
    assert (config.aup.version, config.aup.title, config.aup.url) == (
        "3",
        "Staff AUP",
        "https://www.example.org/aup",
    )
    assert config.aup.text == "1. Be careful.\n"
    assert config.aup.effective == date(2026, 9, 1)
    assert s.aup_campaign_term == "autumn"
    assert s.max_offsite_school_days == 5
    assert s.escalate_overdue_after_school_days == 3
    assert s.escalate_sensitive_overdue_after_school_days == 2
    assert s.permission_tier == 2
    assert s.tiers == {**DEFAULT_TIERS, "marking": 2}
    assert s.standing_permissions == {"dsl": ["safeguarding"]}
    assert s.alert_ack_minutes == 30
    assert s.ico_reminder_hours == (24, 48)
    # What is stored on the school row reads back the same.
    assert SchoolSettings.from_json(s.to_json()) == s


def test_a_minimal_school_toml_keeps_every_default(tmp_path):
    config = load_school_config(write_toml(tmp_path, MINIMAL))
    assert config.name == "Test Primary"
    assert config.settings == SchoolSettings()
    assert (config.roles, config.staff, config.aup) == ({}, (), None)


def test_an_aup_can_be_a_link_only(tmp_path):
    path = write_toml(
        tmp_path,
        MINIMAL + '[aup]\nversion = "1"\ntitle = "AUP"\nurl = "https://www.example.org/aup"\n',
    )
    config = load_school_config(path)
    assert config.aup is not None
    assert (config.aup.text, config.aup.url) == ("", "https://www.example.org/aup")


def test_aup_text_is_kept_as_written(tmp_path):
    path = write_toml(
        tmp_path, MINIMAL + '[aup]\nversion = "1"\ntitle = "AUP"\ntext = "Keep it safe."\n'
    )
    config = load_school_config(path)
    assert config.aup is not None and config.aup.text == "Keep it safe."


# --- school.toml: every mistake names the file and the key -------------------------------------

BAD_FILES = [
    ('[school]\nname = "X"\n[playground]\nswings = 2\n', "playground", "is not a known section"),
    ('[school]\nname = "X"\ncolour = "blue"\n', "school.colour", "is not a known setting"),
    ('[school]\ntimezone = "Europe/London"\n', "school.name", "is required"),
    ('[school]\nname = "  "\n', "school.name", "must be a non-empty string"),
    ('school = "X"\n', "school", "must be a table"),
    ('[school]\nname = "X"\n[reminders]\nevening = "19:00"\n', "reminders.evening", "not a known"),
    ('[school]\nname = "X"\n[reminders]\nmorning = "8am"\n', "reminders.morning", "a time like"),
    ('[school]\nname = "X"\n[calendar]\nclosures = ["someday"]\n', "calendar.closures[0]", "date"),
    ('[school]\nname = "X"\n[calendar]\nclosures = "2026-11-05"\n', "calendar.closures", "list"),
    ('terms = "autumn"\n[school]\nname = "X"\n', "terms", "must be a list"),
    (
        '[school]\nname = "X"\n[[terms]]\nstart = 2026-09-02\nend = 2026-12-18\n',
        "terms[0].name",
        "is required",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = "2026-13-01"\nend = 2026-12-18\n',
        "terms[0].start",
        "must be a date",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = 2026-09-02\n',
        "terms[0].end",
        "must be a date",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = 2026-09-02\nend = 2026-08-01\n',
        "terms[0].end",
        "before the term's start",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = 2026-09-02\nend = 2026-12-18\n'
        "half_term = [2026-10-26]\n",
        "terms[0].half_term",
        "[first day, last day]",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = 2026-09-02\nend = 2026-12-18\n'
        "half_term = [2026-10-30, 2026-10-26]\n",
        "terms[0].half_term",
        "inside the term",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = 2026-09-02\nend = 2026-12-18\n'
        "half_term = [2026-12-21, 2026-12-23]\n",
        "terms[0].half_term",
        "inside the term",
    ),
    (
        '[school]\nname = "X"\n[[terms]]\nname = "A"\nstart = 2026-09-02\nend = 2026-12-18\n'
        "inset = [2026-09-02]\n",
        "terms[0].inset",
        "is not a term setting",
    ),
    ('[school]\nname = "X"\n[roles]\nwizard = "w@example.org"\n', "roles.wizard", "not a known"),
    ('[school]\nname = "X"\n[roles]\ndsl = "the dsl"\n', "roles.dsl", "an email address"),
    ('[school]\nname = "X"\n[roles]\ndsl = [1, 2]\n', "roles.dsl", "an email address"),
    ('[school]\nname = "X"\n[[staff]]\nname = "A"\n', "staff[0].email", "is required"),
    ('[school]\nname = "X"\n[[staff]]\nemail = "nobody"\nname = "A"\n', "staff[0].email", "email"),
    ('[school]\nname = "X"\n[[staff]]\nemail = "a@example.org"\n', "staff[0].name", "required"),
    (
        '[school]\nname = "X"\n[[staff]]\nemail = "a@example.org"\nname = "A"\nrole_group = "pupil"\n',
        "staff[0].role_group",
        "must be one of teaching",
    ),
    (
        '[school]\nname = "X"\n[[staff]]\nemail = "a@example.org"\nname = "A"\nphone = "x"\n',
        "staff[0].phone",
        "is not a staff setting",
    ),
    ('staff = ["a@example.org"]\n[school]\nname = "X"\n', "staff[0]", "must be a table"),
    ('[school]\nname = "X"\n[aup]\nversion = "1"\ntext = "t"\n', "aup.title", "is required"),
    ('[school]\nname = "X"\n[aup]\ntitle = "AUP"\ntext = "t"\n', "aup.version", "is required"),
    (
        '[school]\nname = "X"\n[aup]\nversion = "1"\ntitle = "AUP"\n',
        "aup",
        "needs text, file or url",
    ),
    (
        '[school]\nname = "X"\n[aup]\nversion = "1"\ntitle = "AUP"\ntext = "t"\nfile = "a.txt"\n',
        "aup.file",
        "together with aup.text",
    ),
    (
        '[school]\nname = "X"\n[aup]\nversion = "1"\ntitle = "AUP"\nfile = "missing.txt"\n',
        "aup.file",
        "which does not exist",
    ),
    (
        '[school]\nname = "X"\n[aup]\nversion = "1"\ntitle = "AUP"\ntext = "t"\neffective = "soon"\n',
        "aup.effective",
        "must be a date",
    ),
    ('[school]\nname = "X"\n[aup]\ncampaign_term = "winter"\n', "aup.campaign_term", "spring"),
    (
        '[school]\nname = "X"\n[offsite]\nmax_school_days = 0\n',
        "offsite.max_school_days",
        "1 to 60",
    ),
    (
        '[school]\nname = "X"\n[offsite]\npermission_tier = true\n',
        "offsite.permission_tier",
        "whole",
    ),
    ('[school]\nname = "X"\n[offsite]\ntiers = 3\n', "offsite.tiers", "must be a table"),
    (
        '[school]\nname = "X"\n[offsite.tiers]\nlunch = 1\n',
        "offsite.tiers.lunch",
        "record category",
    ),
    ('[school]\nname = "X"\n[offsite.tiers]\nsend = 4\n', "offsite.tiers.send", "from 1 to 3"),
    (
        '[school]\nname = "X"\n[offsite.standing_permissions]\ncaretaker = ["planning"]\n',
        "offsite.standing_permissions.caretaker",
        "is not a role",
    ),
    (
        '[school]\nname = "X"\n[offsite.standing_permissions]\ndsl = ["everything"]\n',
        "offsite.standing_permissions.dsl",
        "list of record categories",
    ),
    ('[school]\nname = "X"\n[breach]\nack_minutes = 2\n', "breach.ack_minutes", "from 5 to 1440"),
    (
        '[school]\nname = "X"\n[breach]\nico_reminder_hours = [24, 80]\n',
        "breach.ico_reminder_hours",
        "between 1 and 71",
    ),
    (
        '[school]\nname = "X"\n[concern]\nchildren_social_care_phone = "ring the council"\n',
        "concern.children_social_care_phone",
        "must be a phone number",
    ),
    (
        '[school]\nname = "X"\n[concern]\nschool_hours = ["17:00", "08:00"]\n',
        "concern.school_hours",
        "must end later than it starts",
    ),
    (
        '[school]\nname = "X"\n[concern]\nsafeguarding_system_url = "cpoms.example.net"\n',
        "concern.safeguarding_system_url",
        "must start with https://",
    ),
]


@pytest.mark.parametrize(("body", "key", "problem"), BAD_FILES, ids=[b[1] for b in BAD_FILES])
def test_every_mistake_in_school_toml_names_the_file_and_the_key(tmp_path, body, key, problem):
    path = write_toml(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_school_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: '{key}' "), message
    assert problem in message


def test_an_unknown_school_time_zone_names_the_file_and_the_key(tmp_path):
    path = write_toml(tmp_path, '[school]\nname = "X"\ntimezone = "Atlantis/Capital"\n')
    with pytest.raises(ConfigError, match=f"{path}: school.timezone is not a known time zone"):
        load_school_config(path)


def test_toml_that_does_not_parse_names_the_file_and_the_line(tmp_path):
    path = write_toml(tmp_path, '[school]\nname = "unterminated\n')
    with pytest.raises(ConfigError, match=rf"{path} is not valid TOML: .*line 2"):
        load_school_config(path)


def test_the_concern_settings_and_the_chair_of_governors_can_be_set(tmp_path):
    body = MINIMAL + textwrap.dedent(
        """
        [roles]
        chair_of_governors = "chair@example.org"

        [concern]
        ack_minutes = 20
        school_hours = ["07:45", "16:30"]
        children_social_care_phone = "020 7946 0999"
        safeguarding_system = "MyConcern"
        safeguarding_system_url = "https://myconcern.example.org/"
        """
    )
    config = load_school_config(write_toml(tmp_path, body))
    s = config.settings
    assert config.roles["chair_of_governors"] == ["chair@example.org"]
    assert (s.concern_ack_minutes, s.school_hours_start, s.school_hours_end) == (
        20,
        time(7, 45),
        time(16, 30),
    )
    assert (s.children_social_care_phone, s.safeguarding_system) == ("020 7946 0999", "MyConcern")
    assert type(s).from_json(s.to_json()) == s


def test_the_offsite_device_limits_and_approval_expiry_can_be_set(tmp_path):
    body = MINIMAL + textwrap.dedent(
        """
        [offsite]
        personal_device_max_tier = 0
        unencrypted_max_tier = 2
        approval_expiry = "16:45"
        """
    )
    settings = load_school_config(write_toml(tmp_path, body)).settings
    assert settings.personal_device_max_tier == 0
    assert settings.unencrypted_max_tier == 2
    assert settings.approval_expiry_hour == time(16, 45)


def test_a_bad_approval_expiry_time_is_refused_naming_the_key(tmp_path):
    body = MINIMAL + '\n[offsite]\napproval_expiry = "half five"\n'
    with pytest.raises(ConfigError, match="'offsite.approval_expiry' must be a time"):
        load_school_config(write_toml(tmp_path, body))
