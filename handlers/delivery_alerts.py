"""Who hears that a direct message is not getting through, and in what words.

The outbox dispatcher calls these when it gives a message up, or when an urgent one has failed
a few times: the school's admins and IT lead are told once per message, never about an alert of
this kind itself (that would loop).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.replies import Notice
from storage import outbox
from storage.models import OutboxMessage, RoleAssignment
from storage.outbox import LedgerKey

TOLD = ("admin", "it_lead")
KIND = "delivery_alert"
NOT_GETTING_THROUGH = (
    "Safekeep alert: a direct message (outbox #{id}) {verb} after {attempts} "
    "attempts. Check Safekeep's connection to your chat platform and its logs."
)


def delivery_failed(session: Session, message: OutboxMessage, now: datetime) -> None:
    """The message was given up."""
    _alert_admins(session, message, now, "delivery_failed", "could not be delivered")


def delivery_delayed(session: Session, message: OutboxMessage, now: datetime) -> None:
    """An urgent message has failed a few times and is still being tried."""
    _alert_admins(session, message, now, "delivery_delayed", "is still not delivered")


def _alert_admins(
    session: Session, message: OutboxMessage, now: datetime, kind: str, verb: str
) -> None:
    """Tell the school's admins and IT lead (once per message) that a DM is not getting through."""
    admins = session.scalars(
        select(RoleAssignment.person_id).where(
            RoleAssignment.school_id == message.school_id,
            RoleAssignment.role.in_(TOLD),
            RoleAssignment.person_id != message.recipient_id,
        )
    ).all()
    if not admins or message.payload.get("kind") == KIND:
        return
    notice = Notice(NOT_GETTING_THROUGH.format(id=message.id, verb=verb, attempts=message.attempts))
    outbox.enqueue(
        session,
        message.school_id,
        admins,
        {**notice.to_json(), "kind": KIND},
        now=now,
        key=LedgerKey(f"outbox:{message.id}", kind),
        urgent=True,
    )
