"""Spacing calls to a rate-limited platform method, so the limit is kept rather than hit.

A ``Pacer`` hands out one slot per ``60 / per_minute`` seconds for each key (a Slack workspace:
its limits are per method, per workspace, per app; or a conversation, for posts), after a first
``burst`` of slots at once where the platform allows short bursts over its rate (the generic cell
rate algorithm: over any stretch of time a key gets at most ``burst`` plus the rate's share). A
caller whose slot is near waits for it; one whose slot is further off than ``longest_wait`` is
not given a slot and is told how long to come back after (``NotYet``), so an attempt never sits
on its outbox lease waiting. Slots are counted on the monotonic clock: this measures intervals,
it never dates anything.

The pacing is per process. Every process that delivers (``web`` and each ``worker``) paces on its
own, so a deployment whose reads must stay under one limit together sets the rate to its share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.delivery.sender import NotYet

TIDY_AT = 4096  # keys kept before the ones with nothing to wait for are forgotten


class Pacer:
    def __init__(
        self,
        per_minute: float,
        longest_wait: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reason: str = "pacing reads to the platform's rate limit",
        burst: int = 1,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a pacer needs a positive rate and burst")
        self.interval = 60.0 / per_minute
        self.burst = burst
        self.longest_wait = longest_wait
        self.monotonic = monotonic
        self.sleep = sleep
        self.reason = reason
        self._next: dict[str, float] = {}
        self._tidy_at = TIDY_AT

    def reserve(self, key: str, longest_wait: float | None = None) -> float:
        """Take the next slot for ``key``; returns the seconds until it. Raises ``NotYet`` (and
        takes nothing) when that is longer than ``longest_wait`` (by default the pacer's)."""
        now = self.monotonic()
        due = max(now, self._next.get(key, now))  # when the key's next paced slot falls
        slot = max(now, due - (self.burst - 1) * self.interval)
        wait = slot - now
        if wait > (self.longest_wait if longest_wait is None else longest_wait):
            raise NotYet(self.reason, after_seconds=wait)
        self._next[key] = due + self.interval
        if len(self._next) >= self._tidy_at:
            # Forget keys whose next slot has passed (they wait for nothing), so pacing every
            # conversation of a trust does not grow without end.
            self._next = {k: at for k, at in self._next.items() if at > now}
            self._tidy_at = max(TIDY_AT, 2 * len(self._next))
        return wait

    async def wait(self, key: str, longest_wait: float | None = None) -> None:
        """Wait for the next slot for ``key`` (or raise ``NotYet`` if it is too far off)."""
        wait = self.reserve(key, longest_wait)
        if wait > 0:
            await self.sleep(wait)
