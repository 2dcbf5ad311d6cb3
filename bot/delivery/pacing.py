"""Spacing calls to a rate-limited platform method, so the limit is kept rather than hit.

A ``Pacer`` hands out one slot per ``60 / per_minute`` seconds for each key (a Slack workspace:
its limits are per method, per workspace, per app). A caller whose slot is near waits for it; one
whose slot is further off than ``longest_wait`` is not given a slot and is told how long to come
back after (``NotYet``), so an attempt never sits on its outbox lease waiting. Slots are counted
on the monotonic clock: this measures intervals, it never dates anything.

The pacing is per process. Every process that delivers (``web`` and each ``worker``) paces on its
own, so a deployment whose reads must stay under one limit together sets the rate to its share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.delivery.sender import NotYet


class Pacer:
    def __init__(
        self,
        per_minute: float,
        longest_wait: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("a pacer needs a positive rate")
        self.interval = 60.0 / per_minute
        self.longest_wait = longest_wait
        self.monotonic = monotonic
        self.sleep = sleep
        self._next: dict[str, float] = {}

    def reserve(self, key: str, longest_wait: float | None = None) -> float:
        """Take the next slot for ``key``; returns the seconds until it. Raises ``NotYet`` (and
        takes nothing) when that is longer than ``longest_wait`` (by default the pacer's)."""
        now = self.monotonic()
        slot = max(now, self._next.get(key, now))
        wait = slot - now
        if wait > (self.longest_wait if longest_wait is None else longest_wait):
            raise NotYet("pacing reads to the platform's rate limit", after_seconds=wait)
        self._next[key] = slot + self.interval
        return wait

    async def wait(self, key: str, longest_wait: float | None = None) -> None:
        """Wait for the next slot for ``key`` (or raise ``NotYet`` if it is too far off)."""
        wait = self.reserve(key, longest_wait)
        if wait > 0:
            await self.sleep(wait)
