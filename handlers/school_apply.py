"""Applying a changed school.toml to a school already running: what changed, in words an IT
technician can check, and one audit event that keeps it.

school.toml is the source of the settings, of its staff and AUP documents, and of the holders of
every role it names: a role it lists is held by exactly those people afterwards (roles it does
not name are left as they were given in chat). Nothing is deleted: staff it no longer lists stay
(leavers come from the staff sync), and AUP versions stay as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import select

from handlers import admin
from handlers.context import Context
from handlers.errors import UserError
from handlers.school_config import SchoolConfig
from handlers.settings import SchoolSettings, Term
from storage.models import AupVersion, Person

# Settings as school.toml names them (the rest are shown by their own names).
TOML_NAMES = {
    "timezone": "school.timezone",
    "closures": "calendar.closures",
    "morning_hour": "reminders.morning",
    "afternoon_hour": "reminders.afternoon",
    "afternoon_end_hour": "reminders.afternoon_end",
    "max_offsite_school_days": "offsite.max_school_days",
    "escalate_overdue_after_school_days": "offsite.escalate_after_school_days",
    "escalate_sensitive_overdue_after_school_days": "offsite.escalate_sensitive_after_school_days",
    "permission_tier": "offsite.permission_tier",
    "personal_device_max_tier": "offsite.personal_device_max_tier",
    "unencrypted_max_tier": "offsite.unencrypted_max_tier",
    "approval_expiry_hour": "offsite.approval_expiry",
    "tiers": "offsite.tiers",
    "standing_permissions": "offsite.standing_permissions",
    "alert_ack_minutes": "breach.ack_minutes",
    "ico_reminder_hours": "breach.ico_reminder_hours",
    "aup_campaign_term": "aup.campaign_term",
    "aup_opens_on": "aup.campaign_opens",
    "aup_due_on": "aup.campaign_due",
    "aup_new_version_school_days": "aup.new_version_school_days",
    "aup_new_starter_school_days": "aup.new_starter_school_days",
    "retention_offsite_years": "retention.offsite_years",
    "retention_breach_years": "retention.breach_years",
    "retention_concern_years": "retention.concern_years",
    "retention_leaver_aup_years": "retention.leaver_aup_years",
    "retention_message_days": "retention.message_days",
    "retention_answered_question_days": "retention.answered_question_days",
}


@dataclass
class SchoolChanges:
    """What applying a school.toml changed; empty lists mean nothing of that kind."""

    name: tuple[str, str] | None = None
    settings: list[str] = field(default_factory=list)
    staff_added: list[str] = field(default_factory=list)
    roles_granted: list[str] = field(default_factory=list)
    roles_removed: list[str] = field(default_factory=list)
    versions_published: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (
            self.name
            or self.settings
            or self.staff_added
            or self.roles_granted
            or self.roles_removed
            or self.versions_published
        )

    def lines(self) -> list[str]:
        """The changes as the shell prints them."""
        if self.nothing:
            return ["Nothing changed: the school already matches its school.toml."]
        found = []
        if self.name:
            found.append(f"Name: {self.name[0]} → {self.name[1]}")
        for heading, items in (
            ("Settings", self.settings),
            ("Staff added", self.staff_added),
            ("Roles granted", self.roles_granted),
            ("Roles removed", self.roles_removed),
            ("AUP versions published", self.versions_published),
        ):
            if items:
                found.append(f"{heading}:")
                found += [f"  {item}" for item in items]
        return found


def apply_changed_config(ctx: Context, config: SchoolConfig) -> SchoolChanges:
    """Make the school match ``config`` and say what changed (audited when anything did)."""
    school = ctx.school
    old_name, old_settings = school.name, SchoolSettings.from_json(school.settings)
    old_holders = _holders(ctx)
    old_people = set(ctx.session.scalars(select(Person.email).where(Person.school_id == school.id)))
    old_versions = set(
        ctx.session.scalars(select(AupVersion.id).where(AupVersion.school_id == school.id))
    )
    try:
        admin.apply_school_config(ctx, config)
    except ValueError as exc:  # an AUP version number reused for different wording
        raise UserError(str(exc)) from exc
    for role, emails in config.roles.items():
        for person in admin.role_holders(ctx.session, school.id)[role]:
            if person.email not in emails:
                admin.revoke_role(ctx, person, role)
    new_holders = _holders(ctx)
    changes = SchoolChanges(
        name=(old_name, school.name) if old_name != school.name else None,
        settings=settings_diff(old_settings, config.settings),
        staff_added=sorted(
            set(ctx.session.scalars(select(Person.email).where(Person.school_id == school.id)))
            - old_people
        ),
        roles_granted=[f"{role}: {email}" for role, email in sorted(new_holders - old_holders)],
        roles_removed=[f"{role}: {email}" for role, email in sorted(old_holders - new_holders)],
        versions_published=[
            f"{v.version} · {v.title} · for {', '.join(v.groups)} · effective "
            f"{v.effective_date:%-d %b %Y}"
            for v in ctx.session.scalars(
                select(AupVersion)
                .where(AupVersion.school_id == school.id, AupVersion.id.not_in(old_versions))
                .order_by(AupVersion.id)
            )
        ],
    )
    if not changes.nothing:
        ctx.audit(
            "school.applied",
            f"school:{school.id}",
            renamed=changes.name is not None,
            settings=[line.split(":")[0] for line in changes.settings],
            staff_added=len(changes.staff_added),
            roles_granted=changes.roles_granted,
            roles_removed=changes.roles_removed,
            versions=[line.split(" · ")[0] for line in changes.versions_published],
        )
    return changes


def _holders(ctx: Context) -> set[tuple[str, str]]:
    return {
        (role, person.email)
        for role, people in admin.role_holders(ctx.session, ctx.school.id).items()
        for person in people
    }


def settings_diff(old: SchoolSettings, new: SchoolSettings) -> list[str]:
    """Each changed setting as "name: before → after", terms one by one."""
    before, after = old.to_json(), new.to_json()
    found = []
    for key in after:
        if key == "terms":
            gone = [t for t in old.terms if t not in new.terms]
            came = [t for t in new.terms if t not in old.terms]
            found += [f"terms: removed {_term(t)}" for t in gone]
            found += [f"terms: added {_term(t)}" for t in came]
        elif before.get(key) != after[key]:
            name = TOML_NAMES.get(key, key)
            found.append(f"{name}: {_shown(getattr(old, key))} → {_shown(getattr(new, key))}")
    return found


def _term(term: Term) -> str:
    text = f"{term.name} {term.start:%-d %b %Y} to {term.end:%-d %b %Y}"
    if term.half_term_start and term.half_term_end:
        text += f" (half-term {term.half_term_start:%-d %b} to {term.half_term_end:%-d %b})"
    return text


def _shown(value: Any) -> str:
    if value is None:
        return "(default)"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, tuple | list):
        return ", ".join(_shown(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_shown(v)}" for k, v in sorted(value.items())) or "(none)"
    return str(value)
