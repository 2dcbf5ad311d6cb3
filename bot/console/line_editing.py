"""Line editing and command history for the console, through the standard ``readline`` module
where the platform has it (not on plain Windows Python: the console then reads lines as is)."""

from __future__ import annotations

from types import ModuleType


class LineHistory:
    """The session's history (never written to a file): commands only, so Up recalls commands
    and no answer to a question (which may hold personal data) is kept."""

    def __init__(self, readline: ModuleType) -> None:
        self.readline = readline

    def forget_last(self) -> None:
        length = self.readline.get_current_history_length()
        if length > 0:
            self.readline.remove_history_item(length - 1)


def line_editing() -> LineHistory | None:
    """Turn on line editing for ``input()``; None where ``readline`` is missing."""
    try:
        import readline
    except ImportError:
        return None
    return LineHistory(readline)
