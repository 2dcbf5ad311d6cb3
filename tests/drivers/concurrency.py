"""Two requests at the same moment: hold the first one's transaction open, start the second,
check it waits, then let the first commit and return what the second answered."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from handlers.context import Context
from handlers.replies import Reply

Handler = Callable[[Context], Reply]


def held_open(handler: Handler, reached: threading.Event, release: threading.Event) -> Handler:
    """The handler, then a pause with its writes done and its transaction not yet committed."""

    def call(ctx: Context) -> Reply:
        reply = handler(ctx)
        reached.set()
        release.wait(timeout=10)
        return reply

    return call


def second_waits_for_first(
    first: Callable[[Handler], Any], handler: Handler, second: Callable[[], Any]
) -> Any:
    """Run ``first(held_open(handler))`` in a thread; once its handler is done (transaction still
    open) run ``second()`` in another, assert it is blocked, release the first, return the
    second's result."""
    reached, release = threading.Event(), threading.Event()
    one = threading.Thread(target=first, args=(held_open(handler, reached, release),))
    one.start()
    assert reached.wait(timeout=10), "the first request never reached its pause"
    answers: list[Any] = []
    two = threading.Thread(target=lambda: answers.append(second()))
    two.start()
    two.join(timeout=0.5)
    assert two.is_alive(), "the second request must wait for the first to be saved"
    release.set()
    one.join(timeout=10)
    two.join(timeout=10)
    (answer,) = answers
    return answer
