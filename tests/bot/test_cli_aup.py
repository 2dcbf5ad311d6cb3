"""`python -m bot aup publish`: a version for some groups from the shell, checked as in chat,
printed, audited, and told once to the people it applies to."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.cli import main
from storage import crypto
from storage.models import AuditEvent, AupVersion, OutboxMessage
from tests.conftest import TEST_KEYS
from tests.drivers.program import strip_own_settings

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"
WORDING = "1. I keep my passwords private.\n2. I report a lost device at once.\n"


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch, capsys, database_url, clock):
    """`python -m bot ARGS` in this process, on the test database and the test clock."""
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC)
    active = crypto.active_keys()

    def run(*argv: str) -> Ran:
        capsys.readouterr()
        try:
            code = main(list(argv), clock=clock)
        except SystemExit as exc:  # argparse: usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    crypto.use_keys(active)


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "governors-aup.txt"
    path.write_text(WORDING, encoding="utf-8")
    return path


def publish(cli, policy, *extra: str, version="2026.G1", groups="support,governor"):
    return cli(
        "aup",
        "publish",
        "--file",
        str(policy),
        "--version",
        version,
        "--groups",
        groups,
        "--title",
        "Support staff and governors' AUP",
        *extra,
    )


def test_publishing_prints_the_version_stores_its_hash_audits_it_and_tells_the_groups(
    cli, school, factory, policy
):
    ran = publish(cli, policy, "--effective", "2026-11-24", "--url", "https://example.org/aup")
    assert ran.code == 0, ran.err
    digest = hashlib.sha256(WORDING.encode()).hexdigest()
    assert ran.out.splitlines() == [
        "Published Support staff and governors' AUP, version 2026.G1, "
        "for Support staff, Governors.",
        f"Effective 2026-11-24 · SHA-256 {digest}",
        "5 people were sent a message asking them to agree to it.",
    ]
    with factory() as session:
        version = session.scalars(select(AupVersion).where(AupVersion.version == "2026.G1")).one()
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "aup.published").order_by(AuditEvent.seq)
        ).all()[-1]
        queued = session.scalars(select(OutboxMessage)).all()
    assert (version.text, version.text_hash, version.groups) == (
        WORDING,
        digest,
        ["support", "governor"],
    )
    assert version.url == "https://example.org/aup" and version.published_by_id is None
    assert event.actor_id is None and event.details["groups"] == ["support", "governor"]
    assert len(queued) == 5  # the demo's four support staff and its chair of governors
    sent = json.dumps([q.payload for q in queued])
    assert "version 2026.G1" in sent and "passwords" not in sent

    again = publish(cli, policy, "--effective", "2026-11-24", "--url", "https://example.org/aup")
    assert (again.code, again.out) == (
        0,
        "Version 2026.G1 is already published with this wording: no change.\n",
    )


def test_a_version_effective_later_is_left_to_the_campaign(cli, school, factory, policy):
    ran = publish(cli, policy, "--effective", "2027-01-04")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[-1] == "People are asked to agree to it from its effective date."
    with factory() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_bad_options_are_refused_by_name_and_nothing_is_published(cli, school, factory, policy):
    assert publish(cli, policy, "--effective", "2026-11-24").code == 0
    policy.write_text("Other wording.\n", encoding="utf-8")
    ran = publish(cli, policy, "--effective", "2026-01-02", groups="governor,pupils")
    assert ran.code == 2
    errors = ran.err.splitlines()
    assert errors[0].startswith("safekeep: --version: Version 2026.G1 is already published")
    assert "safekeep: --groups: 'pupils' is not a group; the groups are teaching, support" in (
        ran.err
    )
    assert "safekeep: --effective: The effective date can be at most 31 days in the past" in (
        ran.err
    )
    missing = cli("aup", "publish", "--file", "nowhere.txt", "--version", "9", "--groups", "x")
    assert missing.code == 2 and "--effective" in missing.err
    no_file = publish(cli, policy.parent / "nowhere.txt", "--effective", "2026-11-24")
    assert (no_file.code, no_file.err.startswith("safekeep: --file:")) == (2, True)
    bad_date = publish(cli, policy, "--effective", "24/11/2026", version="2026.G2")
    assert "--effective: '24/11/2026' is not a date like 2026-09-01" in bad_date.err
    with factory() as session:
        versions = session.scalars(select(AupVersion.version)).all()
    assert "2026.G2" not in versions and versions.count("2026.G1") == 1


def test_aup_publish_has_help(cli):
    ran = cli("aup", "--help")
    assert ran.code == 0 and "usage: python -m bot aup" in ran.out and "--groups" in ran.out
