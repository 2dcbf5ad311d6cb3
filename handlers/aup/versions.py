"""Publishing an Acceptable Use Policy version.

A version is published for some groups; its wording is fixed by a hash, so an agreement is
always to exactly the text that was shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from handlers.access import require
from handlers.aup import messages as msg
from handlers.aup.roster import OVERDUE, TO_SIGN, roster
from handlers.context import Context
from handlers.forms import FormErrors
from handlers.replies import Button, Notice
from storage.models import AupVersion, Person
from storage.models.school import ROLE_GROUPS
from storage.outbox import LedgerKey


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


# How far back a version's effective date may be: agreeing can't reach far before publishing.
MAX_BACKDATE_DAYS = 31


def find_version(ctx: Context, number: str) -> AupVersion | None:
    return ctx.session.scalar(
        select(AupVersion).where(
            AupVersion.school_id == ctx.school.id, AupVersion.version == number
        )
    )


def publish_problems(
    ctx: Context,
    number: str,
    title: str,
    text: str,
    url: str | None,
    effective: date,
    groups: Sequence[str],
) -> dict[str, str]:
    """What is wrong with a version about to be published, by field (empty: nothing)."""
    problems: dict[str, str] = {}
    existing = find_version(ctx, number)
    if existing is not None and not same_wording(existing, title, text, url, groups):
        problems["version"] = msg.version_used(number)
    unknown = [g for g in groups if g not in ROLE_GROUPS]
    if not groups:
        problems["groups"] = msg.GROUPS_MISSING
    elif unknown:
        problems["groups"] = msg.unknown_group(unknown[0], ROLE_GROUPS)
    earliest = ctx.today - timedelta(days=MAX_BACKDATE_DAYS)
    if effective < earliest:
        problems["effective"] = msg.effective_too_early(
            MAX_BACKDATE_DAYS, f"{earliest:%a} {earliest.day} {earliest:%b %Y}"
        )
    if url and not url.lower().startswith(("https://", "http://")):
        problems["url"] = msg.URL_INVALID
    if not text.strip() and not url:
        problems["text"] = msg.TEXT_OR_URL
    return problems


def same_wording(
    existing: AupVersion, title: str, text: str, url: str | None, groups: Sequence[str]
) -> bool:
    return (
        existing.text_hash == text_hash(text)
        and existing.title == title
        and existing.url == url
        and sorted(existing.groups) == sorted(groups)
    )


@dataclass(frozen=True)
class Published:
    """What publishing did: the version, whether it is new, and how many were told."""

    version: AupVersion
    new: bool
    told: int


def publish(
    ctx: Context,
    number: str,
    title: str,
    text: str,
    url: str | None,
    effective: date,
    groups: Sequence[str],
) -> Published:
    """Publish from chat or the shell: checked (FormErrors by field), recorded and audited,
    and, when it is already in force, everyone it now applies to is told once."""
    require(ctx, "aup.publish", "aup")
    problems = publish_problems(ctx, number, title, text, url, effective, groups)
    if problems:
        raise FormErrors(problems)
    existing = find_version(ctx, number)
    row = publish_version(ctx, number, title, text, url, effective, groups)
    if existing is not None:
        return Published(row, False, 0)
    return Published(row, True, tell_people(ctx, row))


def tell_people(ctx: Context, version: AupVersion) -> int:
    """DM everyone this version now applies to and who must sign it, once (its ledger key); a
    version that is not yet in force is left to the campaign. Returns how many were told."""
    if version.effective_date > ctx.today:
        return 0
    people = ctx.session.scalars(
        select(Person).where(
            Person.school_id == ctx.school.id,
            Person.active.is_(True),
            Person.role_group.in_(version.groups),
        )
    ).all()
    to_tell = [
        one.person
        for one in roster(ctx, people)
        if one.version is not None
        and one.version.id == version.id
        and one.status in (TO_SIGN, OVERDUE)
    ]
    if not to_tell:
        return 0
    effective = version.effective_date
    notice = Notice(
        msg.new_version_notice(version.version, f"{effective:%a} {effective.day} {effective:%b}"),
        (Button(msg.READ_AND_AGREE, "aup.start", style="primary"),),
    )
    sent = ctx.notify(to_tell, notice, key=LedgerKey(f"aup:{version.id}", "aup.new_version"))
    return len(to_tell) if sent else 0
