"""Field encryption at rest: AES-GCM with key ids, so keys can rotate.

Keys come from ``SAFEKEEP_DATA_KEYS`` as ``id:base64key`` pairs, newest first. New values are
always sealed with the newest key; any listed key still opens older values. A stored value looks
like ``sk1:<key id>:<base64 nonce+ciphertext>`` and never contains the plaintext.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "sk1"


class KeyConfigError(Exception):
    """Raised when the configured keys are unusable; the message says how to fix it."""


class MissingKeyError(KeyConfigError):
    """A stored value was sealed with a key that is not configured any more."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes


class KeyRing:
    """The configured data keys, newest first."""

    def __init__(self, keys: list[DataKey]) -> None:
        if not keys:
            raise KeyConfigError("No data keys are configured (SAFEKEEP_DATA_KEYS is empty).")
        ids = [k.key_id for k in keys]
        if len(set(ids)) != len(ids):
            raise KeyConfigError("SAFEKEEP_DATA_KEYS lists the same key id twice.")
        self.keys = keys
        self._by_id = {k.key_id: AESGCM(k.secret) for k in keys}

    @property
    def newest_id(self) -> str:
        return self.keys[0].key_id

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse ``id:base64key,id:base64key`` (newest first)."""
        keys = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            key_id, sep, encoded = part.partition(":")
            if not sep or not key_id or not key_id.isalnum():
                raise KeyConfigError(
                    "SAFEKEEP_DATA_KEYS must be comma-separated 'id:base64key' pairs "
                    "with a letters-and-digits id, e.g. 'k2:...,k1:...'."
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
        return cls(keys)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._by_id[self.newest_id].encrypt(nonce, plaintext.encode(), None)
        return f"{PREFIX}:{self.newest_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        prefix, _, rest = stored.partition(":")
        key_id, _, payload = rest.partition(":")
        if prefix != PREFIX or not payload:
            raise KeyConfigError("A stored value is not in Safekeep's encrypted format.")
        cipher = self._by_id.get(key_id)
        if cipher is None:
            raise MissingKeyError(
                f"A stored value was encrypted with key '{key_id}', which is not in "
                "SAFEKEEP_DATA_KEYS. Add the old key back (after the new one)."
            )
        raw = base64.b64decode(payload)
        return cipher.decrypt(raw[:12], raw[12:], None).decode()

    @staticmethod
    def key_id_of(stored: str) -> str:
        return stored.split(":", 2)[1]


def new_key_spec(key_id: str = "k1") -> str:
    """A fresh ``id:base64key`` pair for SAFEKEEP_DATA_KEYS."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


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
