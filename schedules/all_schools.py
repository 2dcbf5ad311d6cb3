"""Sweeps that read and write for all schools at once, in a few statements for the lot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import update_wrapper

from handlers.context import Context


class AllSchools:
    """A sweep given every school's context at once (all in one session), marked so by
    ``@AllSchools``; it can still be called for one school, as ``sweep(ctx)``."""

    def __init__(self, run: Callable[[Sequence[Context]], int]) -> None:
        self.run = run
        update_wrapper(self, run)

    def __call__(self, *schools: Context) -> int:
        return self.run(schools)
