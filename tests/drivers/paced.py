"""A monotonic clock for a pacer under test (bot/delivery/pacing.py): it stands still, and the
sleeps the pacer asks for are recorded, so nothing really waits."""

from __future__ import annotations


class Paced:
    """The pacer's clock, standing still, and its sleeps, recorded (so nothing really waits)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
