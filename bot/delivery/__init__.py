"""The outbox dispatcher (dispatcher.py) and the Sender protocol each platform implements
(sender.py)."""

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
]
