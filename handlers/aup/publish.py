"""`/aup publish`: the Online Safety lead (or an admin) publishes a new AUP version from chat.

The dialog asks what the shell's `python -m bot aup publish` takes; both go through
``versions.publish``, so the checks, the audit and the one notice to the people it applies to
are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from handlers import forms
from handlers.access import require
from handlers.aup import messages as msg
from handlers.aup.roster import GROUP_LABELS
from handlers.aup.versions import MAX_BACKDATE_DAYS, publish
from handlers.context import Context
from handlers.flow import FlowForm
from handlers.forms import Form
from handlers.replies import Ask, Reply, Say, listed
from storage.models import AupVersion

FORM_ID = "aup.publish"


def start(ctx: Context) -> Reply:
    """Open the dialog (leads and admins only)."""
    require(ctx, "aup.publish", "aup")
    return Ask(publish_form(ctx, {}))


def publish_form(ctx: Context, state: Mapping[str, Any]) -> Form:
    latest = ctx.session.scalar(
        select(AupVersion)
        .where(AupVersion.school_id == ctx.school.id)
        .order_by(AupVersion.published_at.desc(), AupVersion.id.desc())
        .limit(1)
    )
    earliest = ctx.today - timedelta(days=MAX_BACKDATE_DAYS)

    def recent_enough(day: date) -> str | None:
        if day < earliest:
            return msg.effective_too_early(
                MAX_BACKDATE_DAYS, f"{earliest:%a} {earliest.day} {earliest:%b %Y}"
            )
        return None

    def web_address(url: str) -> str | None:
        return None if url.lower().startswith(("https://", "http://")) else msg.URL_INVALID

    # The policy's own wording is published to every member of staff: it is not screened for
    # personal data (it names no one), unlike the free text people write about themselves.
    return Form(
        id=FORM_ID,
        title=msg.PUBLISH_TITLE,
        intro=msg.PUBLISH_INTRO,
        fields=(
            forms.text(
                "title",
                msg.TITLE_LABEL,
                screen=False,
                max_length=200,
                initial=latest.title if latest else "Staff Acceptable Use Policy",
            ),
            forms.text(
                "version", msg.VERSION_LABEL, screen=False, max_length=32, help=msg.VERSION_HELP
            ),
            forms.long_text(
                "text",
                msg.TEXT_LABEL,
                screen=False,
                required=False,
                max_length=3000,
                help=msg.TEXT_HELP,
            ),
            forms.text(
                "url",
                msg.URL_LABEL,
                screen=False,
                required=False,
                max_length=500,
                validators=(web_address,),
            ),
            forms.date_field(
                "effective", msg.EFFECTIVE_LABEL, initial=ctx.today, validators=(recent_enough,)
            ),
            forms.multi(
                "groups",
                msg.GROUPS_LABEL,
                GROUP_LABELS,
                initial=list(latest.groups) if latest else [],
                missing=msg.GROUPS_MISSING,
            ),
        ),
        submit=msg.PUBLISH_SUBMIT,
    )


def submit(ctx: Context, answers: dict[str, Any], state: dict[str, Any]) -> Reply:
    done = publish(
        ctx,
        answers["version"],
        answers["title"],
        answers.get("text") or "",
        answers.get("url"),
        answers["effective"],
        answers["groups"],
    )
    version = done.version
    if not done.new:
        return Say(msg.already_published(version.title, version.version))
    effective = version.effective_date
    return Say(
        msg.published(
            version.title,
            version.version,
            listed(GROUP_LABELS[g].lower() for g in version.groups),
            f"{effective:%a} {effective.day} {effective:%b %Y}",
            done.told,
        ),
        done=True,
    )


FORMS = {FORM_ID: FlowForm(build=publish_form, submit=submit, permission="aup.publish")}
