"""Field encryption at rest: AES-GCM with key ids, so keys can rotate.

Keys come from ``SAFEKEEP_DATA_KEYS`` as ``id:base64key`` pairs, newest first. New values are
always sealed with the newest key; any listed key still opens older values. A stored value looks
like ``sk1:<key id>:<base64 nonce+ciphertext>`` and never contains the plaintext. A value that
no configured key opens raises MissingKeyError, naming the key id it needs and where keys come
from, whether that id is absent or a different key was given the same id.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "sk1"
ENV_VAR = "SAFEKEEP_DATA_KEYS"
WHERE_KEYS_COME_FROM = (
    "Keys come from SAFEKEEP_DATA_KEYS, or, for the console and shell tools on SQLite without "
    "that variable, from the key file next to the database (safekeep.key beside safekeep.db)."
)
# Letters, digits, '-' and '_': never ':' or ',' (the stored format and the variable's separators).
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


class KeyConfigError(Exception):
    """Raised when the configured keys are unusable; the message says how to fix it."""


class MissingKeyError(KeyConfigError):
    """Stored data needs a key this process does not have: its id is absent from the key ring,
    or the key under that id is a different one (it cannot open the value)."""

    def __init__(self, key_id: str, message: str) -> None:
        super().__init__(message)
        self.key_id = key_id


def is_key_id(text: str) -> bool:
    return KEY_ID.fullmatch(text) is not None


def new_key_id(prefix: str = "key") -> str:
    """A key id nobody else has: ``prefix-`` and eight random hex digits (``local-3f9a0c1d``)."""
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes


class KeyRing:
    """The configured data keys, newest first."""

    def __init__(self, keys: list[DataKey], source: str = ENV_VAR) -> None:
        if not keys:
            raise KeyConfigError(f"No data keys are configured ({source} is empty).")
        ids = [k.key_id for k in keys]
        if len(set(ids)) != len(ids):
            raise KeyConfigError(f"{source} lists the same key id twice.")
        self.keys = keys
        self.source = source
        self._by_id = {k.key_id: AESGCM(k.secret) for k in keys}

    @property
    def newest_id(self) -> str:
        return self.keys[0].key_id

    @property
    def ids(self) -> list[str]:
        return [k.key_id for k in self.keys]

    @classmethod
    def parse(cls, spec: str, source: str = ENV_VAR) -> KeyRing:
        """Parse ``id:base64key,id:base64key`` (newest first); ``source`` names where it came
        from in every message (the variable, or the key file)."""
        keys = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            key_id, sep, encoded = part.partition(":")
            if not sep or not is_key_id(key_id):
                raise KeyConfigError(
                    f"{source} must be comma-separated 'id:base64key' pairs whose id is "
                    "letters, digits, '-' or '_', e.g. 'k2:...,k1:...'."
                )
            try:
                secret = base64.b64decode(encoded, validate=True)
            except ValueError as exc:
                raise KeyConfigError(f"Data key '{key_id}' is not valid base64.") from exc
            if len(secret) != 32:
                raise KeyConfigError(
                    f"Data key '{key_id}' must be 32 bytes (base64 of 32 random bytes); "
                    "make one with: python -m bot keys new"
                )
            keys.append(DataKey(key_id, secret))
        return cls(keys, source)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._by_id[self.newest_id].encrypt(nonce, plaintext.encode(), None)
        return f"{PREFIX}:{self.newest_id}:{base64.b64encode(nonce + sealed).decode()}"

    def require(self, key_id: str) -> AESGCM:
        """The cipher for ``key_id``; MissingKeyError, naming it, when it is not configured."""
        cipher = self._by_id.get(key_id)
        if cipher is None:
            raise MissingKeyError(
                key_id,
                f"Stored data was encrypted with key '{key_id}', which {self.source} does not "
                f"hold (it holds {', '.join(self.ids)}). Put key '{key_id}' back (after any newer "
                f"key). {WHERE_KEYS_COME_FROM}",
            )
        return cipher

    def open(self, stored: str) -> str:
        prefix, _, rest = stored.partition(":")
        key_id, _, payload = rest.partition(":")
        if prefix != PREFIX or not payload:
            raise KeyConfigError("A stored value is not in Safekeep's encrypted format.")
        cipher = self.require(key_id)
        raw = base64.b64decode(payload)
        try:
            return cipher.decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag as exc:
            raise MissingKeyError(
                key_id,
                f"Stored data was encrypted with key '{key_id}', but the key {self.source} holds "
                f"under that id is a different one (a key made anew, or copied from another "
                f"database). Put the original key '{key_id}' back. {WHERE_KEYS_COME_FROM}",
            ) from exc

    @staticmethod
    def key_id_of(stored: str) -> str:
        return stored.split(":", 2)[1]


def new_key_spec(key_id: str | None = None) -> str:
    """A fresh ``id:base64key`` pair for SAFEKEEP_DATA_KEYS (its id made unique if not given)."""
    return f"{key_id or new_key_id()}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


_active: KeyRing | None = None


def use_keys(ring: KeyRing) -> None:
    """Install the key ring every encrypted column uses in this process."""
    global _active
    _active = ring


def active_keys() -> KeyRing:
    if _active is None:
        raise KeyConfigError("Field encryption keys were not loaded before the database was used.")
    return _active


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; Python code only ever sees the plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_keys().seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_keys().open(value)
