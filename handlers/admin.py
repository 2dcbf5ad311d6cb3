"""Roles, school settings and the /safekeep command for leads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import governors_report, people, policy_reviews
from handlers.access import ROLE_LABELS, allowed, require
from handlers.aup import campaign as aup_campaign
from handlers.aup import versions as aup
from handlers.context import Context
from handlers.errors import UserError
from handlers.flow import Command
from handlers.people import create_school as create_school
from handlers.registers import REGISTERS
from handlers.replies import Reply, Say
from handlers.retention import messages as retention_messages
from storage.models import Person, RoleAssignment
from storage.models.school import ROLES

if TYPE_CHECKING:
    from handlers.school_config import SchoolConfig

HELP = """*Safekeep* keeps the school's data-protection and online-safety promises in a few clicks.
• `/offsite` tell us about records you're taking off site · `/offsite list` · `/offsite return`
• `/breach` report a lost device or a suspected data breach, at any hour · `/breach list`
• `/concern` report an online-safety concern about a pupil, a filtering failure or misuse
• `/aup` read and agree to the Acceptable Use Policy
• `/safekeep` this help"""

LEAD_HELP = """
For leads:
• `/safekeep roles` who holds each role
• `/safekeep roles grant ROLE EMAIL` · `/safekeep roles revoke ROLE EMAIL`
• `/aup status` who has and hasn't signed · `/offsite register` records off site now
• `/breach open` open breach reports · `/breach details N` · `/breach triage N`
• `/concern log` the Online Safety incident log · `/concern open N`
• `/safekeep report [TERM]` the termly report for governors (PDF and CSV by DM)
• `/safekeep policy` policies and their review dates · `/safekeep policy reviewed NAME`
• `/safekeep export` the registers
• `/safekeep settings` the school's policy settings"""


def apply_school_config(ctx: Context, config: SchoolConfig) -> None:
    """Make the school match its school.toml: name, settings, staff, roles and the AUP."""
    school = ctx.school
    changed = school.name != config.name or school.settings != config.settings.to_json()
    school.name = config.name
    school.timezone = config.settings.timezone
    school.settings = config.settings.to_json()
    ctx.__dict__.pop("settings", None)  # the cached settings are stale now
    added = 0
    for entry in config.staff:
        _, created = people.upsert_person(
            ctx.session, school, entry.email, entry.name, ctx.now, entry.role_group
        )
        added += created
    for role, emails in config.roles.items():
        for email in emails:
            person = people.find_by_email(ctx.session, school.id, email)
            if person is None:
                person, created = people.upsert_person(ctx.session, school, email, "", ctx.now)
                added += created
            grant_role(ctx, person, role)
    if changed or added:
        ctx.audit("school.configured", f"school:{school.id}", staff_added=added)
    for document in config.aup_documents:
        aup.publish_version(
            ctx,
            document.version,
            document.title,
            document.text,
            document.url,
            document.effective,
            document.groups,
        )


def grant_role(ctx: Context, person: Person, role: str) -> bool:
    """Give a role; False if the person already had it."""
    if role not in ROLES:
        raise UserError(f"'{role}' is not a role. Roles: {', '.join(ROLES)}.")
    if role in person.role_names:
        return False
    person.roles.append(RoleAssignment(school_id=person.school_id, role=role, granted_at=ctx.now))
    ctx.session.flush()
    ctx.audit("role.granted", f"person:{person.id}", role=role)
    return True


def revoke_role(ctx: Context, person: Person, role: str) -> bool:
    if role not in ROLES:
        raise UserError(f"'{role}' is not a role. Roles: {', '.join(ROLES)}.")
    for assignment in list(person.roles):
        if assignment.role == role:
            person.roles.remove(assignment)
            ctx.session.flush()
            ctx.audit("role.revoked", f"person:{person.id}", role=role)
            return True
    return False


def role_holders(session: Session, school_id: int) -> dict[str, list[Person]]:
    holders: dict[str, list[Person]] = {role: [] for role in ROLES}
    rows = session.execute(
        select(RoleAssignment.role, Person)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.school_id == school_id)
        .order_by(Person.display_name)
    )
    for role, person in rows:
        holders[role].append(person)
    return holders


def command(ctx: Context, text: str) -> Reply:
    """`/safekeep [roles ...]`."""
    words = text.split()
    if not words or words[0] in ("help", "?"):
        return Say(_help(ctx))
    if words[0] == "roles":
        return _roles_command(ctx, words[1:])
    if words[0] == "report":
        return governors_report.on_demand(ctx, " ".join(words[1:]))
    if words[0] == "policy":
        return policy_reviews.command(ctx, words[1:])
    if words[0] == "export":
        return _export_help(ctx)
    if words[0] == "settings":
        return _settings_view(ctx)
    return Say(f"I don't know `/safekeep {words[0]}`.\n\n" + _help(ctx))


def _help(ctx: Context) -> str:
    """The help, with the leads' commands for anyone who holds a lead's role."""
    lead = any(
        allowed(ctx.actor, permission)
        for permission in ("roles.manage", "aup.status", "breach.triage", "offsite.register")
    )
    return HELP + (LEAD_HELP if lead else "")


EXPORT_HELP = """*Registers* ({school})
Registers hold personal data, so they are exported on the Safekeep server, not into chat
(chat platforms keep copies). Ask your IT lead to run, for example:
`python -m bot export breaches --format csv --out breaches.csv`
{registers}"""

REGISTER_NOTES = {
    "aup": "who has and hasn't agreed to the current Acceptable Use Policy",
    "audit": "the audit trail of every change (for the DPO and auditors)",
    "breaches": "the breach log with the ICO report form's fields",
    "breach-summary": "counts per term for governors",
    "concerns": "the Online Safety incident log: every concern, its lead and outcome",
    "offsite": "records off site now, with holders and due dates",
}


def _export_help(ctx: Context) -> Reply:
    require(ctx, "export", "export")
    lines = [f"• `{name}`: {REGISTER_NOTES.get(name, name)}" for name in sorted(REGISTERS)]
    return Say(EXPORT_HELP.format(school=ctx.school.name, registers="\n".join(lines)))


def _settings_view(ctx: Context) -> Reply:
    """The school's policy settings as staff read them, and where to change them."""
    require(ctx, "settings.manage", "settings")
    s = ctx.settings
    terms = [
        f"  – {t.name}: {t.start:%-d %b %Y} to {t.end:%-d %b %Y}"
        + (
            f" (half-term {t.half_term_start:%-d %b} to {t.half_term_end:%-d %b})"
            if t.half_term_start and t.half_term_end
            else ""
        )
        for t in sorted(s.terms, key=lambda t: t.start)
    ]
    lines = [
        f"*Settings for {ctx.school.name}*",
        f"• Time zone {s.timezone}; reminders on school days only, from "
        f"{s.morning_hour:%H:%M} for half an hour, or between {s.afternoon_hour:%H:%M} and "
        f"{s.afternoon_end_hour:%H:%M} (breach alerts go at any hour)",
        "• Terms:" if terms else "• Terms: none set, so every weekday except bank holidays counts",
        *terms,
        f"• Off-site: at most {s.max_offsite_school_days} school days; tier {s.permission_tier} "
        f"and above needs permission; requests lapse at {s.approval_expiry_hour:%H:%M}; "
        f"overdue records go to the Headteacher after {s.escalate_overdue_after_school_days} "
        f"school days ({s.escalate_sensitive_overdue_after_school_days} if sensitive)",
        f"• Breaches: unacknowledged alerts escalate after {s.alert_ack_minutes} minutes; ICO "
        f"reminders at {', '.join(str(h) for h in s.ico_reminder_hours)} hours; deadline "
        f"{s.ico_deadline_hours} hours",
        *aup_campaign.settings_lines(ctx),
        f"• Online-safety concerns: school hours {s.school_hours_start:%H:%M} to "
        f"{s.school_hours_end:%H:%M}; a concern about a pupil goes to the DSL and deputies at "
        f"once and escalates after {s.concern_ack_minutes} minutes in school hours; "
        f"safeguarding record: {s.safeguarding_system or 'not set'}"
        + (f" ({s.safeguarding_system_url})" if s.safeguarding_system_url else "")
        + "; children's social care: "
        + (s.children_social_care_phone or "not set"),
        retention_messages.settings_line(s),
        "",
        "To change these, edit the school's school.toml (SAFEKEEP_SCHOOL_CONFIG) and run "
        "`python -m bot school apply` on the Safekeep server (the console applies it at every "
        "start); every change is audited.",
    ]
    return Say("\n".join(lines), title="Settings")


def _roles_command(ctx: Context, words: list[str]) -> Reply:
    require(ctx, "roles.manage", "roles")
    if not words or words[0] == "list":
        lines = []
        for role, holders in role_holders(ctx.session, ctx.school.id).items():
            names = ", ".join(p.display_name for p in holders) or "_nobody yet_"
            lines.append(f"• {ROLE_LABELS[role]} (`{role}`): {names}")
        return Say("*Roles at " + ctx.school.name + "*\n" + "\n".join(lines))
    if words[0] in ("grant", "revoke") and len(words) == 3:
        role, email = words[1], words[2].strip("<>").removeprefix("mailto:").split("|")[0]
        person = people.find_by_email(ctx.session, ctx.school.id, email)
        if person is None:
            raise UserError(f"Nobody with the email {email} is on the staff list.")
        if words[0] == "grant":
            done = grant_role(ctx, person, role)
            return Say(
                f"{person.display_name} is now {ROLE_LABELS[role]}."
                if done
                else f"{person.display_name} already has that role."
            )
        done = revoke_role(ctx, person, role)
        return Say(
            f"{person.display_name} is no longer {ROLE_LABELS[role]}."
            if done
            else f"{person.display_name} did not have that role."
        )
    return Say(
        "Use `/safekeep roles`, `/safekeep roles grant ROLE EMAIL` or "
        "`/safekeep roles revoke ROLE EMAIL`."
    )


COMMANDS = (
    Command(
        "safekeep",
        "Safekeep help; for leads: roles, report, policy, export, settings",
        "[roles|report|policy|export|settings]",
        command,
    ),
)
