"""One request, for every adapter: identify the school and the person, run the handler in its
transaction, send what it queued, and answer an unexpected error with the apology.

A turn's messages (a breach alert, say) are claimed in the handler's own transaction and sent
the moment it commits, by this process (``Dispatcher.handover``, ``send_now``); the console, which
prints in place, wakes its dispatcher instead.

Slack awaits ``take_turn`` (the handler runs in a thread, off the event loop); the console,
which has no event loop of its own, calls ``take_turn_sync``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import Delivery, Dispatcher
from handlers import routes
from handlers.clock import Clock
from handlers.context import Context
from handlers.errors import SORRY, NotSaved
from handlers.replies import Reply, Say

log = logging.getLogger(__name__)

Work = Callable[[Context], Reply]


async def take_turn(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    identify: Callable[[], Awaitable[routes.Locate]],
    work: Work,
    dispatcher: Dispatcher,
    interaction_id: str | None = None,
) -> Reply:
    """``identify`` finds the school and person (it may ask the platform); the handler runs in
    a thread. Any unexpected failure, in either, is logged and answered with the apology.
    ``interaction_id`` is the platform's own id for this request (ctx.interaction_id)."""
    claimed: list[Delivery] = []
    left: list[int] = []  # rows queued but not claimed here (held until later): a round's

    def handover(session: Session, rows: list[dict[str, Any]]) -> Callable[[], None]:
        claims = dispatcher.handover(session, rows)

        def committed() -> None:
            claimed.extend(claims)
            left.append(len(rows) - len(claims))

        return committed

    try:
        locate = await identify()
        reply = await asyncio.to_thread(
            routes.run, factory, clock, platform, locate, work, interaction_id, handover
        )
    except Exception as exc:
        log.exception("a %s request failed", platform)
        return Say(exc.message if isinstance(exc, NotSaved) else SORRY)
    if claimed:
        dispatcher.send_now(claimed)
    if any(left):
        dispatcher.wake()
    return reply


def take_turn_sync(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    locate: routes.Locate,
    work: Work,
    wake: Callable[[], None],
    interaction_id: str | None = None,
) -> Reply:
    """The same turn for an adapter without an event loop (the console)."""
    try:
        reply = routes.run(factory, clock, platform, locate, work, interaction_id)
    except Exception as exc:
        log.exception("a %s request failed", platform)
        return Say(exc.message if isinstance(exc, NotSaved) else SORRY)
    wake()
    return reply
