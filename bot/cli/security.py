"""The command that looks after the data keys: make one, or re-encrypt under the newest."""

from __future__ import annotations

import argparse

from bot import runtime
from bot.cli.command import fail
from bot.settings import Settings
from handlers.clock import Clock
from storage import crypto, rotation
from storage.database import transaction


def keys_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=["new", "rotate"],
        help="new: print a fresh key; rotate: re-encrypt everything under the newest key",
    )
    p.add_argument(
        "--id", help="the id for a new key: letters, digits, '-' or '_' (default: key-<random>)"
    )


def keys_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """make a data key, or re-encrypt stored data under the newest key"""
    if args.action == "new":
        if args.id is not None and not crypto.is_key_id(args.id):
            return fail("a key id is letters, digits, '-' or '_' (at most 40), e.g. k2")
        print(crypto.new_key_spec(args.id or crypto.new_key_id()))
        return 0
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    ring = crypto.active_keys()
    with transaction(rt.factory) as session:
        count = rotation.rotate(session, ring)
    print(f"Re-encrypted {count} value(s) under key '{ring.newest_id}'.")
    return 0
