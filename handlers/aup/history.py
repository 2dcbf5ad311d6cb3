"""What a person has signed: `/aup history`, every signature of theirs across versions (old
ones stay as evidence when a new version or a new year asks again)."""

from __future__ import annotations

from sqlalchemy import select

from handlers.aup import messages as msg
from handlers.context import Context
from handlers.replies import Reply, Say
from storage.models import AupAcknowledgement


def my_signatures(ctx: Context) -> list[AupAcknowledgement]:
    """The acting person's signatures, newest first."""
    return list(
        ctx.session.scalars(
            select(AupAcknowledgement)
            .where(AupAcknowledgement.person_id == ctx.person.id)
            .order_by(AupAcknowledgement.acknowledged_at.desc(), AupAcknowledgement.id.desc())
        )
    )


def history(ctx: Context) -> Reply:
    signatures = my_signatures(ctx)
    if not signatures:
        return Say(msg.HISTORY_EMPTY)
    lines = [msg.HISTORY_TITLE]
    for one in signatures:
        lines.append(
            msg.history_line(
                one.aup_version.title,
                one.version,
                ctx.when(one.acknowledged_at),
                one.method,
                one.cycle,
            )
        )
    return Say("\n".join(lines))
