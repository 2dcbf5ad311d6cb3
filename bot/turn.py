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
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
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
    handover = _Handover(dispatcher)
    try:
        locate = await identify()
        reply = await asyncio.to_thread(
            routes.run, factory, clock, platform, locate, work, interaction_id, handover
        )
    except Exception as exc:
        log.exception("a %s request failed", platform)
        return Say(exc.message if isinstance(exc, NotSaved) else SORRY)
    if handover.claimed:
        dispatcher.send_now(handover.claimed)
    if handover.left:  # rows queued but not claimed here (held until later): a round's
        dispatcher.wake()
    return reply


class _Handover:
    """What a turn hands its dispatcher (``routes.Handover``): rows are leased to this process
    as they are written, claimed just before the commit, and sent once it has succeeded."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.claimed: list[Delivery] = []
        self.left = 0

    def lease(self, session: Session, row: Mapping[str, Any]) -> datetime | None:
        return self.dispatcher.lease(session, row)

    def __call__(self, session: Session, rows: list[dict[str, Any]]) -> Callable[[], None]:
        claims = self.dispatcher.handover(session, rows)

        def committed() -> None:
            self.claimed.extend(claims)
            self.left += len(rows) - len(claims)

        return committed


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
