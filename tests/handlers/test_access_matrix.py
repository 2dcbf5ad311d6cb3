"""Every privileged action against every role, and against another school on the same database.

Each row of ENTRIES is one real way in (a command, a button or a form submission, through
handlers.routes.run as an adapter calls it) to an action needing one permission of
handlers/access.PERMISSIONS. Each is tried by one person per role (holding that role alone)
and by a plain teacher: it goes ahead exactly for the roles that should have it, and
everywhere else it is refused with the refusal's words and an ``access.refused`` audit record
for that person. Then the leads of a second school press buttons and submit forms carrying the
first school's ids: refused, audited on their own school, and shown nothing of the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo import demo_config
from handlers import admin, people, routes
from handlers.access import PERMISSIONS
from handlers.aup import questions
from handlers.aup.roster import version_for
from handlers.clock import FrozenClock
from handlers.context import Context
from handlers.demo_clock import move_to
from handlers.replies import Reply, Say
from storage.database import transaction
from storage.models import (
    AuditEvent,
    AupQuestion,
    Concern,
    Incident,
    OffsiteApproval,
    OffsiteDeclaration,
    Person,
    School,
)
from storage.models.school import ROLES
from tests.conftest import DEMO_MADE
from tests.handlers.breach_steps import LOST_LAPTOP, NOT_REPORTABLE
from tests.handlers.breach_steps import report as report_breach
from tests.handlers.test_offsite_steps import SEND_ON_PAPER, details

TEACHER = "teacher@example.org"
REFUSED = "The attempt has been recorded"
PEOPLE = (*ROLES, "teacher")
Call = Callable[[Context], Reply]


def only(role: str) -> str:
    return TEACHER if role == "teacher" else f"only-{role}@example.org"


def act(factory: sessionmaker[Session], clock: FrozenClock, school_id: int, email: str, call: Call):
    def locate(session: Session) -> tuple[School, Person | None]:
        row = session.get_one(School, school_id)
        return row, people.require_staff(row, people.find_by_email(session, school_id, email))

    return routes.run(factory, clock, "console", locate, call)


def refusals(factory: sessionmaker[Session], school_id: int, email: str | None = None) -> int:
    with factory() as session:
        query = select(func.count(AuditEvent.id)).where(
            AuditEvent.school_id == school_id, AuditEvent.action == "access.refused"
        )
        if email is not None:
            person = people.find_by_email(session, school_id, email)
            assert person is not None
            query = query.where(AuditEvent.actor_id == person.id)
        return session.scalar(query) or 0


# --- what each way in needs -------------------------------------------------------------------


@dataclass
class World:
    """The first school's records every entry can name."""

    incident: int
    concern: int
    question: int
    declaration: int
    approvals: dict[str, int]  # approver's email -> their approval's id

    def approval_for(self, email: str) -> int:
        return self.approvals.get(email) or next(iter(self.approvals.values()))


def make_world(factory: sessionmaker[Session], clock: FrozenClock, school_id: int) -> World:
    def as_teacher(call: Call) -> Reply:
        return act(factory, clock, school_id, TEACHER, call)

    with factory() as session:
        school = session.get_one(School, school_id)
    report_breach(factory, clock, school, TEACHER, LOST_LAPTOP)
    as_teacher(routes.submit("concern.details_step", {"sub_kind": "contact"}, {"kind": "pupil"}))
    as_teacher(
        routes.submit("offsite.details", details(date(2026, 11, 25)), {"what": SEND_ON_PAPER})
    )

    def ask(ctx: Context) -> Reply:
        version = version_for(ctx, ctx.person)
        assert version is not None
        return questions.ask(ctx, version, "Does this cover my own phone?")

    as_teacher(ask)
    with factory() as session:

        def one(model: Any) -> int:
            return session.scalars(select(model.id).where(model.school_id == school_id)).one()

        declaration = one(OffsiteDeclaration)
        approvals = {
            email: approval_id
            for email, approval_id in session.execute(
                select(Person.email, OffsiteApproval.id)
                .join(Person, Person.id == OffsiteApproval.approver_id)
                .join(OffsiteDeclaration, OffsiteDeclaration.id == OffsiteApproval.declaration_id)
                .where(OffsiteDeclaration.school_id == school_id)
            )
        }
        return World(one(Incident), one(Concern), one(AupQuestion), declaration, approvals)


@dataclass(frozen=True)
class Entry:
    permission: str
    name: str
    call: Callable[[World, str], Call]  # (the world, the acting email) -> the request
    allowed: frozenset[str] | None = None  # when the subject narrows the permission


PUPIL_CONCERN_HANDLERS = frozenset({"dsl", "deputy_dsl", "headteacher"})

ENTRIES = [
    Entry(
        "breach.acknowledge",
        "button",
        lambda w, e: routes.press("breach.acknowledge", str(w.incident)),
    ),
    Entry("breach.details", "button", lambda w, e: routes.press("breach.details", str(w.incident))),
    Entry(
        "breach.details", "/breach details 1", lambda w, e: routes.command("breach", "details 1")
    ),
    Entry("breach.details", "/breach open", lambda w, e: routes.command("breach", "open")),
    Entry("breach.triage", "button", lambda w, e: routes.press("breach.triage", str(w.incident))),
    Entry("breach.triage", "/breach triage 1", lambda w, e: routes.command("breach", "triage 1")),
    Entry(
        "breach.triage",
        "form",
        lambda w, e: routes.submit("breach.triage", NOT_REPORTABLE, {"incident_id": w.incident}),
    ),
    Entry(
        "offsite.approve",
        "decline button",
        lambda w, e: routes.press("offsite.decline", str(w.approval_for(e))),
    ),
    Entry(
        "offsite.approve",
        "decline form",
        lambda w, e: routes.submit(
            "offsite.decline_reason", {}, {"approval_id": w.approval_for(e)}
        ),
    ),
    Entry(
        "offsite.register", "/offsite register", lambda w, e: routes.command("offsite", "register")
    ),
    Entry("aup.status", "/aup status", lambda w, e: routes.command("aup", "status")),
    Entry("aup.status", "See who button", lambda w, e: routes.press("aup.status", "")),
    Entry("aup.publish", "/aup publish", lambda w, e: routes.command("aup", "publish")),
    Entry("aup.publish", "form", lambda w, e: routes.submit("aup.publish", {}, {})),
    Entry("aup.manage", "/aup exempt", lambda w, e: routes.command("aup", "exempt")),
    Entry("aup.manage", "/aup exempt end", lambda w, e: routes.command("aup", "exempt end")),
    Entry("aup.manage", "/aup record", lambda w, e: routes.command("aup", "record")),
    Entry("aup.manage", "exempt form", lambda w, e: routes.submit("aup.exempt", {}, {})),
    Entry("aup.manage", "exempt end form", lambda w, e: routes.submit("aup.exempt_end", {}, {})),
    Entry("aup.manage", "record form", lambda w, e: routes.submit("aup.record", {}, {})),
    Entry("aup.answer", "button", lambda w, e: routes.press("aup.answer", str(w.question))),
    Entry(
        "aup.answer",
        "form",
        lambda w, e: routes.submit("aup.answer", {}, {"question_id": w.question}),
    ),
    Entry("export", "/safekeep export", lambda w, e: routes.command("safekeep", "export")),
    Entry("roles.manage", "/safekeep roles", lambda w, e: routes.command("safekeep", "roles")),
    Entry(
        "roles.manage",
        "/safekeep roles grant",
        lambda w, e: routes.command("safekeep", f"roles grant admin {e}"),
    ),
    Entry(
        "settings.manage", "/safekeep settings", lambda w, e: routes.command("safekeep", "settings")
    ),
    Entry(
        "concern.handle",
        "acknowledge button",
        lambda w, e: routes.press("concern.acknowledge", str(w.concern)),
        PUPIL_CONCERN_HANDLERS,
    ),
    Entry(
        "concern.handle",
        "open button",
        lambda w, e: routes.press("concern.open", str(w.concern)),
        PUPIL_CONCERN_HANDLERS,
    ),
    Entry(
        "concern.handle",
        "form",
        lambda w, e: routes.submit("concern.handle", {}, {"concern_id": w.concern}),
        PUPIL_CONCERN_HANDLERS,
    ),
    Entry("concern.log", "/concern log", lambda w, e: routes.command("concern", "log")),
    Entry("concern.log", "/concern open", lambda w, e: routes.command("concern", "open")),
    Entry("report.view", "/safekeep report", lambda w, e: routes.command("safekeep", "report")),
    Entry("policy.review", "/safekeep policy", lambda w, e: routes.command("safekeep", "policy")),
    Entry("demo.clock", "console /clock", lambda w, e: lambda ctx: Say(str(move_to(ctx, "+1h")))),
]


def test_every_permission_has_a_way_in_in_the_table():
    assert {e.permission for e in ENTRIES} == set(PERMISSIONS)


@pytest.fixture
def world(factory, clock, school) -> World:
    """The demo school, one person per role holding that role alone, and a record of each kind
    (a breach, a pupil concern, an AUP question and a declaration waiting for approval)."""
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        ctx = Context(session, row, None, clock)
        for role in ROLES:
            person, _ = people.upsert_person(session, row, only(role), f"Only {role}", clock())
            admin.grant_role(ctx, person, role)
    return make_world(factory, clock, school.id)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.permission}:{e.name}")
def test_a_privileged_action_is_allowed_exactly_for_its_roles_and_refused_and_audited_for_the_rest(
    factory, clock, school, world, entry
):
    allowed = entry.allowed if entry.allowed is not None else PERMISSIONS[entry.permission]
    assert allowed <= PERMISSIONS[entry.permission]
    outcome = {}
    for role in PEOPLE:
        email = only(role)
        before = refusals(factory, school.id, email)
        reply = act(factory, clock, school.id, email, entry.call(world, email))
        refused = refusals(factory, school.id, email) - before
        said = reply.text if isinstance(reply, Say) else ""
        assert refused in (0, 1), (role, refused)
        assert bool(refused) == (REFUSED in said or "handled by someone else" in said), (role, said)
        outcome[role] = not refused
    assert {r for r, went_ahead in outcome.items() if went_ahead} == set(allowed)


def test_a_refusal_records_what_was_attempted_and_by_whom(factory, clock, school, world):
    act(factory, clock, school.id, TEACHER, routes.press("breach.triage", str(world.incident)))
    with factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).one()
        teacher = people.find_by_email(session, school.id, TEACHER)
    assert teacher is not None
    assert (event.actor_id, event.subject) == (teacher.id, f"breach:{world.incident}")
    assert event.details == {"permission": "breach.triage"}


# --- another school on the same deployment ----------------------------------------------------


@pytest.fixture
def other_school(factory, clock, world) -> School:
    """A second school in the same database with the same demo staff (the same emails)."""
    with transaction(factory) as session:
        row = admin.create_school(session, "Second Primary School", "console", clock())
        admin.apply_school_config(Context(session, row, None, clock), demo_config(DEMO_MADE))
    return row


# (who at the other school, the request carrying the first school's id)
CROSSING: list[tuple[str, str, Callable[[World], Call]]] = [
    (
        "dpo@example.org",
        "breach acknowledge",
        lambda w: routes.press("breach.acknowledge", str(w.incident)),
    ),
    (
        "dpo@example.org",
        "breach details",
        lambda w: routes.press("breach.details", str(w.incident)),
    ),
    ("dpo@example.org", "breach triage", lambda w: routes.press("breach.triage", str(w.incident))),
    (
        "dpo@example.org",
        "breach triage form",
        lambda w: routes.submit("breach.triage", NOT_REPORTABLE, {"incident_id": w.incident}),
    ),
    (
        TEACHER,
        "breach report step two",
        lambda w: routes.submit("breach.details_step", {}, {"incident_id": w.incident}),
    ),
    (
        TEACHER,
        "breach report linked to a declaration",
        lambda w: routes.submit("breach.report", LOST_LAPTOP, {"declaration_id": w.declaration}),
    ),
    (
        "head@example.org",
        "approve",
        lambda w: routes.press("offsite.approve", str(w.approval_for("head@example.org"))),
    ),
    (
        "head@example.org",
        "decline",
        lambda w: routes.press("offsite.decline", str(w.approval_for("head@example.org"))),
    ),
    (
        "head@example.org",
        "decline form",
        lambda w: routes.submit(
            "offsite.decline_reason",
            {"reason": "not_needed"},
            {"approval_id": w.approval_for("head@example.org")},
        ),
    ),
    (TEACHER, "mark returned", lambda w: routes.press("offsite.return", str(w.declaration))),
    (
        TEACHER,
        "return form",
        lambda w: routes.submit(
            "offsite.return", {"all_back": "yes"}, {"declaration_id": w.declaration}
        ),
    ),
    (
        TEACHER,
        "report missing records",
        lambda w: routes.press("offsite.report_missing", str(w.declaration)),
    ),
    (
        "dsl@example.org",
        "concern acknowledge",
        lambda w: routes.press("concern.acknowledge", str(w.concern)),
    ),
    ("dsl@example.org", "concern open", lambda w: routes.press("concern.open", str(w.concern))),
    (
        "dsl@example.org",
        "concern form",
        lambda w: routes.submit("concern.handle", {}, {"concern_id": w.concern}),
    ),
    (
        "onlinesafety@example.org",
        "AUP answer",
        lambda w: routes.press("aup.answer", str(w.question)),
    ),
    (
        "onlinesafety@example.org",
        "AUP answer form",
        lambda w: routes.submit("aup.answer", {"answer": "Yes."}, {"question_id": w.question}),
    ),
    (TEACHER, "AUP open answer", lambda w: routes.press("aup.answer_open", str(w.question))),
]


def first_school_state(factory: sessionmaker[Session], school_id: int) -> list[Any]:
    with factory() as session:
        return [
            session.scalars(select(AuditEvent.id).where(AuditEvent.school_id == school_id)).all(),
            [
                (i.status, i.acknowledged_at, i.risk)
                for i in session.scalars(select(Incident).where(Incident.school_id == school_id))
            ],
            [(c.status, c.acknowledged_at) for c in session.scalars(select(Concern))],
            [(d.status, d.returned_at) for d in session.scalars(select(OffsiteDeclaration))],
            [a.decision for a in session.scalars(select(OffsiteApproval))],
            [q.answered_at for q in session.scalars(select(AupQuestion))],
        ]


@pytest.mark.parametrize(("email", "name", "call"), CROSSING, ids=[c[1] for c in CROSSING])
def test_a_lead_of_another_school_pressing_this_schools_ids_is_refused_audited_and_sees_nothing(
    factory, clock, school, world, other_school, email, name, call
):
    before = first_school_state(factory, school.id)
    refused_before = refusals(factory, other_school.id, email)
    reply = act(factory, clock, other_school.id, email, call(world))
    assert isinstance(reply, Say), reply
    assert "Demo Primary" not in reply.text and "#" not in reply.text
    assert any(
        words in reply.text
        for words in (
            "no breach report",
            "not found",
            "isn't in Safekeep",
            "can no longer be found",
        )
    ), reply.text
    assert refusals(factory, other_school.id, email) == refused_before + 1
    assert first_school_state(factory, school.id) == before


# --- refusals that roles alone don't settle ---------------------------------------------------

OWN_ONLY: list[tuple[str, Callable[[World], Call], str]] = [
    ("mark returned", lambda w: routes.press("offsite.return", str(w.declaration)), "offsite:"),
    (
        "return form",
        lambda w: routes.submit(
            "offsite.return", {"all_back": "no"}, {"declaration_id": w.declaration}
        ),
        "offsite:",
    ),
    (
        "report missing",
        lambda w: routes.press("offsite.report_missing", str(w.declaration)),
        "offsite:",
    ),
    (
        "breach report step two",
        lambda w: routes.submit("breach.details_step", {}, {"incident_id": w.incident}),
        "breach:",
    ),
    ("AUP answer", lambda w: routes.press("aup.answer_open", str(w.question)), "aup_question:"),
]


@pytest.mark.parametrize(("name", "call", "subject"), OWN_ONLY, ids=[o[0] for o in OWN_ONLY])
def test_someone_elses_declaration_report_or_question_is_refused_and_audited(
    factory, clock, school, world, name, call, subject
):
    with factory() as session:
        was = [(d.status, d.returned_at) for d in session.scalars(select(OffsiteDeclaration))]
    reply = act(factory, clock, school.id, "dsl@example.org", call(world))
    assert isinstance(reply, Say) and "#" not in reply.text
    with factory() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused"))
        assert [
            (d.status, d.returned_at) for d in session.scalars(select(OffsiteDeclaration))
        ] == was
    assert event.subject.startswith(subject)


def test_an_approval_request_sent_to_someone_else_is_refused_and_audited(
    factory, clock, school, world
):
    head = "head@example.org"
    others = [i for email, i in world.approvals.items() if email != head]
    reply = act(factory, clock, school.id, head, routes.press("offsite.approve", str(others[0])))
    assert isinstance(reply, Say) and "sent to someone else" in reply.text
    assert refusals(factory, school.id, head) == 1
    with factory() as session:
        assert session.scalars(select(OffsiteDeclaration.status)).one() == "pending"
