"""`python -m bot staff sync --from entra` against a local fake Entra ID and Graph over HTTPS,
and `--from csv FILE`: joins, leavers and refusals."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from bot.cli import main
from storage import crypto
from storage.models import AuditEvent, Person, School
from tests.conftest import TEST_KEYS
from tests.drivers import fake_entra
from tests.drivers.fake_entra import FakeEntra, local_certificate
from tests.drivers.program import strip_own_settings
from tests.drivers.slack import ServerThread

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"
TEAMS = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


@pytest.fixture
def entra(tmp_path, monkeypatch, database_url):
    """The fake Entra ID and Graph on 127.0.0.1 over TLS, and this process set up to use them."""
    fake = FakeEntra()
    cert_file, context = local_certificate(tmp_path)
    server = ServerThread()
    try:
        fake.authority_url = f"https://127.0.0.1:{server.serve(fake.authority(), context)}"
        fake.graph_url = f"https://127.0.0.1:{server.serve(fake.graph(), context)}"
        strip_own_settings(
            monkeypatch,
            DATABASE_URL=database_url,
            SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC,
            SAFEKEEP_GRAPH_STAFF_GROUP=fake_entra.GROUP,
            SAFEKEEP_ENTRA_AUTHORITY=fake.authority_url,
            SAFEKEEP_GRAPH_URL=fake.graph_url,
            **{
                TEAMS + "CLIENTID": fake_entra.CLIENT_ID,
                TEAMS + "CLIENTSECRET": fake_entra.CLIENT_SECRET,
                TEAMS + "TENANTID": fake_entra.TENANT,
            },
        )
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
        active = crypto.active_keys()
        yield fake
    finally:
        crypto.use_keys(active)
        server.stop()


def staff(factory) -> dict[str, tuple[bool, str | None, str]]:
    with factory() as session:
        return {
            p.email: (p.active, p.identity("teams"), p.display_name)
            for p in session.scalars(select(Person))
        }


def test_entra_sync_reads_every_page_and_marks_a_leaver_between_two_syncs(
    entra, factory, clock, capsys
):
    entra.add_user("oid-1", "Alex Teacher", mail="Alex@school.example", upn="alex@school.example")
    entra.add_user("oid-2", "Blair Support", mail=None, upn="blair@school.example")
    entra.add_user("oid-3", "Casey Leaver", mail="casey@school.example", upn="c@school.example")
    entra.add_user("oid-4", "Dana Disabled", mail="dana@school.example", upn="d@x", enabled=False)
    entra.add_user("oid-5", "Eli Head", mail="eli@school.example", upn="eli@school.example")
    assert main(["staff", "sync", "--from", "entra"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "Staff sync from the Entra ID group: 4 added, 0 already known" in out
    assert "1 skipped" in out
    assert len(entra.graph_requests) == 3  # five users, two a page
    first = entra.graph_requests[0]
    assert first["headers"]["ConsistencyLevel"] == "eventual"
    assert first["query"]["$count"] == "true"
    assert first["query"]["$select"] == "id,displayName,mail,userPrincipalName,accountEnabled"
    assert "https://graph.microsoft.com/.default" in entra.token_requests[0]["scope"].split()
    people = staff(factory)
    assert people["alex@school.example"] == (True, "oid-1", "Alex Teacher")
    assert people["blair@school.example"] == (True, "oid-2", "Blair Support")  # the UPN
    assert "dana@school.example" not in people
    with factory() as session:
        (school,) = session.scalars(select(School)).all()
    assert (school.platform, school.teams_tenant_id) == ("teams", fake_entra.TENANT)

    entra.remove_user("oid-3")
    entra.add_user("oid-6", "Frankie Joiner", mail="frankie@school.example", upn="f@x")
    assert main(["staff", "sync", "--from", "entra"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "1 added, 3 already known, 0 back again, 1 marked as leavers" in out
    people = staff(factory)
    assert people["casey@school.example"][0] is False  # kept, inactive
    assert people["frankie@school.example"] == (True, "oid-6", "Frankie Joiner")
    with factory() as session:
        left = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.left")).all()
    assert [event.details["source"] for event in left] == ["entra"]


def test_entra_refusals_are_one_line_and_change_nothing(entra, monkeypatch, factory, capsys):
    monkeypatch.setenv(TEAMS + "CLIENTSECRET", "wrong")
    assert main(["staff", "sync", "--from", "entra"]) == 2
    err = capsys.readouterr().err
    assert "Entra ID refused Safekeep a Graph token: invalid_client (AADSTS7000215" in err
    assert "Trace ID" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv(TEAMS + "CLIENTSECRET", fake_entra.CLIENT_SECRET)
    monkeypatch.setenv("SAFEKEEP_GRAPH_STAFF_GROUP", "no-such-group")
    assert main(["staff", "sync", "--from", "entra"]) == 2
    assert "found no group no-such-group" in capsys.readouterr().err
    monkeypatch.delenv("SAFEKEEP_GRAPH_STAFF_GROUP")
    assert main(["staff", "sync", "--from", "entra"]) == 2
    assert "needs SAFEKEEP_GRAPH_STAFF_GROUP" in capsys.readouterr().err
    with factory() as session:
        assert session.scalars(select(Person)).all() == []


def test_an_untrusted_certificate_is_refused(entra, monkeypatch, factory, capsys):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert main(["staff", "sync", "--from", "entra"]) == 2
    assert "cannot reach Entra ID" in capsys.readouterr().err


# --- CSV ----------------------------------------------------------------------------------------


@pytest.fixture
def shell(monkeypatch, database_url, school):
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC)
    active = crypto.active_keys()
    yield
    crypto.use_keys(active)


def test_a_csv_adds_governors_and_a_later_csv_without_one_marks_them_a_leaver(
    shell, tmp_path, factory, clock, capsys
):
    csv = tmp_path / "governors.csv"
    csv.write_text(
        "\ufeffEmail,Name,Group\n"
        "gale@example.org,Gale Governor,governor\n"
        "\n"
        "val@example.org,Val Volunteer,volunteers\n"
        "teacher@example.org,Alex Teacher,\n",
        encoding="utf-8",
    )
    assert main(["staff", "sync", "--from", "csv", str(csv)], clock=clock) == 0
    assert "from the CSV file: 2 added, 1 already known" in capsys.readouterr().out
    with factory() as session:
        groups = dict(session.execute(select(Person.email, Person.role_group)).all())
    assert groups["gale@example.org"] == "governor"
    assert groups["val@example.org"] == "volunteer"
    assert groups["teacher@example.org"] == "teaching"  # no group: kept as it was
    csv.write_text("email,name\nval@example.org,Val Volunteer\n", encoding="utf-8")
    assert main(["staff", "sync", "--from", "csv", str(csv)], clock=clock) == 0
    assert "2 marked as leavers" in capsys.readouterr().out
    with factory() as session:
        active = dict(session.execute(select(Person.email, Person.active)).all())
    assert active["gale@example.org"] is False and active["val@example.org"] is True
    # the CSV named the teacher once, and no longer: no other list names them, so they left
    assert active["teacher@example.org"] is False
    assert active["head@example.org"] is True  # on no synced list: never touched


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("name,group\nGale,governor\n", "line 1: the CSV file has no 'email' column"),
        ("email\ngale@example.org\n", "line 1: the CSV file has no 'name' column"),
        ("", "the CSV file is empty"),
        (
            "email,name\ngale@example.org,Gale\nnot-an-email,Val\n",
            "line 3: the email column holds 'not-an-email', not an email address",
        ),
        ("email,name\n,Nobody\n", "line 2: the email column holds nothing"),
        (
            "email,name,group\ngale@example.org,Gale,pupils\n",
            "line 2: 'pupils' is not a group; groups are: teaching, support",
        ),
    ],
)
def test_a_bad_csv_is_refused_in_one_line_naming_the_line_and_changes_nothing(
    shell, tmp_path, factory, capsys, text, error
):
    csv = tmp_path / "staff.csv"
    csv.write_text(text, encoding="utf-8")
    with factory() as session:
        before = len(session.scalars(select(Person)).all())
    assert main(["staff", "sync", "--from", "csv", str(csv)]) == 2
    err = capsys.readouterr().err
    assert f"{csv}: {error}" in err and len(err.strip().splitlines()) == 1
    with factory() as session:
        assert len(session.scalars(select(Person)).all()) == before


def test_a_missing_csv_file_or_a_missing_file_argument_is_one_clear_line(shell, tmp_path, capsys):
    assert main(["staff", "sync", "--from", "csv", str(tmp_path / "nope.csv")]) == 2
    assert f"there is no file {tmp_path / 'nope.csv'}" in capsys.readouterr().err
    assert main(["staff", "sync", "--from", "csv"]) == 2
    assert "usage: python -m bot staff sync --from csv FILE" in capsys.readouterr().err
    assert main(["staff", "sync", "--from", "teams"]) == 2
    assert "'teams' is not a staff list" in capsys.readouterr().err


def test_the_entra_and_graph_addresses_must_be_https_and_lose_a_trailing_slash():
    from bot.settings import ConfigError, load_settings

    settings = load_settings({"SAFEKEEP_GRAPH_URL": "https://graph.example.org/"})
    assert settings.graph_url == "https://graph.example.org"
    assert settings.entra_authority == "https://login.microsoftonline.com"
    with pytest.raises(ConfigError, match="SAFEKEEP_ENTRA_AUTHORITY must start with https://"):
        load_settings({"SAFEKEEP_ENTRA_AUTHORITY": "http://127.0.0.1:8080"})
