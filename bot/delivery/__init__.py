"""The outbox dispatcher (dispatcher.py), how it claims rows (claims.py) and records what became
of them (records.py), and the Sender protocol each platform implements (sender.py)."""

from bot.delivery.claims import claim_new
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sender import (
    Delivery,
    InDoubt,
    MaybeDelivered,
    NotYet,
    Recipient,
    RetryLater,
    Sender,
    Undeliverable,
)

__all__ = [
    "Delivery",
    "Dispatcher",
    "InDoubt",
    "MaybeDelivered",
    "NotYet",
    "Recipient",
    "RetryLater",
    "Sender",
    "Undeliverable",
    "claim_new",
]
