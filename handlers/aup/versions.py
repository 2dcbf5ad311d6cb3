"""Which Acceptable Use Policy version applies, who agreed to it, and publishing a version.

A version is published from school.toml (its [aup] section); its wording is fixed by a hash, so
an agreement is always to exactly the text that was shown.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select

from handlers.context import Context
from storage.models import AupAcknowledgement, AupVersion, Person


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish_version(
    ctx: Context, version: str, title: str, text: str, url: str | None, effective: date
) -> AupVersion:
    """Publish a wording (idempotent by version number; a changed text needs a new number)."""
    existing = ctx.session.scalar(
        select(AupVersion).where(
            AupVersion.school_id == ctx.school.id, AupVersion.version == version
        )
    )
    digest = text_hash(text)
    if existing is not None:
        if existing.text_hash != digest or existing.title != title or existing.url != url:
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
        published_at=ctx.now,
        published_by_id=ctx.actor.id if ctx.actor else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("aup.published", f"aup:{row.id}", version=version, text_hash=digest)
    return row


def current_version(ctx: Context) -> AupVersion | None:
    return ctx.session.scalar(
        select(AupVersion)
        .where(
            AupVersion.school_id == ctx.school.id,
            AupVersion.effective_date <= ctx.today,
        )
        .order_by(AupVersion.effective_date.desc(), AupVersion.id.desc())
        .limit(1)
    )


def acknowledgement(ctx: Context, person: Person, version: AupVersion) -> AupAcknowledgement | None:
    return ctx.session.scalar(
        select(AupAcknowledgement).where(
            AupAcknowledgement.person_id == person.id,
            AupAcknowledgement.aup_version_id == version.id,
        )
    )
