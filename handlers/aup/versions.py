"""Publishing an Acceptable Use Policy version.

A version is published for some groups; its wording is fixed by a hash, so an agreement is
always to exactly the text that was shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from handlers.context import Context
from storage.models import AupVersion
from storage.models.school import ROLE_GROUPS


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish_version(
    ctx: Context,
    version: str,
    title: str,
    text: str,
    url: str | None,
    effective: date,
    groups: Sequence[str] = ROLE_GROUPS,
) -> AupVersion:
    """Publish a wording for some groups (idempotent by version number; a changed text or
    changed groups need a new number)."""
    existing = ctx.session.scalar(
        select(AupVersion).where(
            AupVersion.school_id == ctx.school.id, AupVersion.version == version
        )
    )
    digest = text_hash(text)
    if existing is not None:
        if (
            existing.text_hash != digest
            or existing.title != title
            or existing.url != url
            or sorted(existing.groups) != sorted(groups)
        ):
            raise ValueError(
                f"AUP version {version} is already published with different wording; "
                "give the new wording a new version number."
            )
        return existing
    row = AupVersion(
        school_id=ctx.school.id,
        version=version,
        title=title,
        url=url,
        text=text,
        text_hash=digest,
        effective_date=effective,
        groups=[g for g in ROLE_GROUPS if g in groups],
        published_at=ctx.now,
        published_by_id=ctx.actor.id if ctx.actor else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(
        "aup.published", f"aup:{row.id}", version=version, text_hash=digest, groups=row.groups
    )
    return row
