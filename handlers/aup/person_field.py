"""The "who" of the leads' AUP dialogs: a person named by email, found on the staff list.

By email rather than a chat user picker, because governors and volunteers from the staff-list
CSV are not in chat. An email that names nobody who can be recorded is a message at the field.
"""

from __future__ import annotations

from handlers import forms
from handlers.aup import messages as msg
from handlers.context import Context
from handlers.forms import FormErrors
from handlers.people import find_by_email
from handlers.staff_csv import EMAIL
from storage.models import Person

FIELD = "email"


def _an_email(value: object) -> str | None:
    return None if EMAIL.match(str(value)) else msg.NOT_AN_EMAIL


def email_field() -> forms.Field:
    """The person's email; not screened (an email address is exactly what it must hold). Who
    it names is checked on submit (listed_person): a form's own checks may outlive the request
    that built it, so they never read the database."""
    return forms.text(
        FIELD,
        msg.PERSON_LABEL,
        screen=False,
        help=msg.PERSON_HELP,
        max_length=254,
        validators=(_an_email,),
    )


def listed_person(ctx: Context, answers: dict[str, object]) -> Person:
    """The active person the email answer names; FormErrors at the field otherwise."""
    person = find_by_email(ctx.session, ctx.school.id, str(answers[FIELD]))
    if person is None:
        raise FormErrors({FIELD: msg.NOT_LISTED})
    if not person.active:
        raise FormErrors({FIELD: msg.LEFT.format(name=person.display_name)})
    return person
