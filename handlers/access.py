"""Who may do what: every privileged action is checked here, and refusals are audited."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from handlers.context import Context
from handlers.errors import Refused, UserError
from handlers.replies import listed
from storage.models import Person, RoleAssignment

PERMISSIONS: dict[str, frozenset[str]] = {
    "breach.acknowledge": frozenset({"dpo", "headteacher", "it_lead", "dsl", "deputy_dsl"}),
    "breach.details": frozenset({"dpo", "headteacher", "dsl"}),
    "breach.triage": frozenset({"dpo", "headteacher", "dsl"}),
    "offsite.approve": frozenset({"headteacher", "approver"}),
    "offsite.register": frozenset({"headteacher", "dpo", "dsl", "business_manager", "admin"}),
    "aup.status": frozenset({"headteacher", "online_safety_lead", "dsl", "dpo", "admin"}),
    "aup.publish": frozenset({"headteacher", "online_safety_lead", "admin"}),
    # exempting someone, recording a signature given on paper or by email
    "aup.manage": frozenset({"headteacher", "online_safety_lead", "admin"}),
    "aup.answer": frozenset({"online_safety_lead", "headteacher"}),
    "export": frozenset({"headteacher", "dpo", "admin"}),
    "roles.manage": frozenset({"headteacher", "admin"}),
    "settings.manage": frozenset({"headteacher", "admin"}),
    # Online-safety concerns: each concern narrows this to the roles it reached
    # (handlers/concern/routing.py), and never the Headteacher for one about the Headteacher.
    "concern.handle": frozenset(
        {
            "dsl",
            "deputy_dsl",
            "headteacher",
            "online_safety_lead",
            "it_lead",
            "dpo",
            "chair_of_governors",
        }
    ),
    "concern.log": frozenset({"headteacher", "dsl", "online_safety_lead"}),
    "report.view": frozenset(
        {"headteacher", "online_safety_lead", "dsl", "dpo", "safeguarding_governor"}
    ),
    "policy.review": frozenset({"headteacher", "online_safety_lead", "dsl", "dpo", "admin"}),
    "demo.clock": frozenset({"admin"}),  # the console demo's /clock
}

ROLE_LABELS: dict[str, str] = {
    "headteacher": "Headteacher (SIRO)",
    "dsl": "Designated Safeguarding Lead",
    "deputy_dsl": "Deputy DSL",
    "dpo": "Data Protection Officer",
    "it_lead": "IT lead",
    "online_safety_lead": "Online Safety lead",
    "senco": "SENCo",
    "business_manager": "School business manager",
    "admin": "Safekeep admin",
    "approver": "Off-site approver",
    "chair_of_governors": "Chair of governors",
    "safeguarding_governor": "Safeguarding Governor",
}


def allowed(person: Person | None, permission: str) -> bool:
    if person is None:  # the scheduler and shell commands run as the system
        return True
    return bool(person.role_names & PERMISSIONS[permission])


def require(ctx: Context, permission: str, subject: str = "") -> None:
    """Raise Refused (after auditing the attempt) unless the actor holds a role for this."""
    if allowed(ctx.actor, permission):
        return
    ctx.audit("access.refused", subject, permission=permission)
    roles = sorted(ROLE_LABELS[r] for r in PERMISSIONS[permission])
    raise Refused(
        f"Sorry, only the {listed(roles, 'or')} can do that. "
        "The attempt has been recorded. If you need access, ask your Headteacher."
    )


def require_role_in(
    ctx: Context,
    permission: str,
    roles: Iterable[str],
    subject: str,
    *,
    excluded: Iterable[str] = (),
) -> None:
    """``require`` for one subject that only some of the permission's roles may act on: the
    actor needs one of ``roles`` (within the permission) and none of ``excluded``. Refusals
    are audited the same way."""
    person = ctx.actor
    if person is None:
        return
    held = person.role_names
    fitting = PERMISSIONS[permission] & set(roles)
    barred = held & set(excluded)
    if held & fitting and not barred:
        return
    ctx.audit("access.refused", subject, permission=permission, excluded=bool(barred))
    if barred:
        raise Refused(NOT_FOR_YOU)
    labels = sorted(ROLE_LABELS[r] for r in fitting)
    raise Refused(
        f"Sorry, only the {listed(labels, 'or')} can do that. "
        "The attempt has been recorded. If you need access, ask your Headteacher."
    )


NOT_FOR_YOU = "Sorry, this is handled by someone else. The attempt has been recorded."


class SchoolRow(Protocol):
    school_id: Any  # an int column on a mapped class


Row = TypeVar("Row", bound=SchoolRow)
# Ids are 32-bit integer columns: a bigger number in a button names nothing (and must not reach
# PostgreSQL, which would fail the whole request on it).
MAX_ID = 2**31 - 1


def id_from(value: object) -> int | None:
    """A record id from a button's value or a form's state, or None if it can't be one."""
    text = str(value if value is not None else "").strip()
    row_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
    return row_id if 0 < row_id <= MAX_ID else None


def record_at_school(ctx: Context, model: type[Row], value: object, not_found: str) -> Row:
    """The row of ``model`` that a button or a form's state names by id, if it belongs to the
    actor's school: the one place a record id from outside meets the database.

    An id that names nothing is ``not_found``. An id of another school's row is refused the
    same way (the person learns nothing of that school, not even that the row exists) and
    the attempt is audited on the actor's own school."""
    row_id = id_from(value)
    row = ctx.session.get(model, row_id) if row_id else None
    if row is None:
        raise UserError(not_found)
    if row.school_id != ctx.school.id:
        table = getattr(model, "__tablename__", model.__name__)
        ctx.audit("access.refused", f"{table}:{row_id}", permission="own_school")
        raise Refused(not_found)
    return row


def refuse(ctx: Context, subject: str, permission: str, message: str) -> None:
    """Audit and refuse an attempt on one subject that the person's roles don't settle (a
    request sent to someone else, another person's declaration)."""
    ctx.audit("access.refused", subject, permission=permission)
    raise Refused(message)


def people_with_roles(ctx: Context, roles: Iterable[str]) -> list[Person]:
    """Active people holding any of these roles, in a stable order."""
    return people_with_roles_by_school([ctx], roles).get(ctx.school.id, [])


def people_with_roles_by_school(
    schools: Sequence[Context], roles: Iterable[str]
) -> dict[int, list[Person]]:
    """For each of these schools (sharing a session), its active people holding any of these
    roles, in a stable order: one query however many schools."""
    found: dict[int, list[Person]] = defaultdict(list)
    if not schools:
        return found
    holders = select(RoleAssignment.person_id).where(RoleAssignment.role.in_(list(roles)))
    query = (
        select(Person)
        .where(
            Person.school_id.in_([ctx.school.id for ctx in schools]),
            Person.active.is_(True),
            Person.id.in_(holders),
        )
        # Their roles and identities in the same statement (both are read: roles to choose,
        # identities to send), rather than one more query for each.
        .options(joinedload(Person.roles), joinedload(Person.identities))
        .order_by(Person.id)
    )
    for person in schools[0].session.scalars(query).unique():
        found[person.school_id].append(person)
    return found
