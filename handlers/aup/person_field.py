"""The "who" of the leads' AUP dialogs: a person named by email, found on the staff list.

By email rather than a chat user picker, because governors and volunteers from the staff-list
CSV are not in chat. An email that names nobody who can be recorded is a message at the field.
"""

from __future__ import annotations

from handlers import forms
from handlers.aup import messages as msg
from handlers.context import Context
from handlers.people import find_by_email
from handlers.staff_csv import EMAIL
from storage.models import Person

FIELD = "email"


def email_field(ctx: Context) -> forms.Field:
    """The person's email, checked against the staff list; not screened (an email address is
    exactly what it must hold)."""

    def listed(value: object) -> str | None:
        if not EMAIL.match(str(value)):
            return msg.NOT_AN_EMAIL
        person = find_by_email(ctx.session, ctx.school.id, str(value))
        if person is None:
            return msg.NOT_LISTED
        if not person.active:
            return msg.LEFT.format(name=person.display_name)
        return None

    return forms.text(
        FIELD,
        msg.PERSON_LABEL,
        screen=False,
        help=msg.PERSON_HELP,
        max_length=254,
        validators=(listed,),
    )


def listed_person(ctx: Context, answers: dict[str, object]) -> Person:
    """The active person the (checked) email answer names."""
    person = find_by_email(ctx.session, ctx.school.id, str(answers[FIELD]))
    assert person is not None and person.active  # email_field checked it
    return person
