"""What every command of `python -m bot` is: its signature and options, and how it fails."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot.settings import Settings
from handlers.clock import Clock

Command = Callable[[argparse.Namespace, Settings, Clock], int]
Options = Callable[[argparse.ArgumentParser], None]


def no_options(parser: argparse.ArgumentParser) -> None:
    """For a command that takes no options."""


def fail(message: str, code: int = 2) -> int:
    print(f"safekeep: {message}", file=sys.stderr)
    return code
