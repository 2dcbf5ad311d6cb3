"""The words staff read in the off-site records flow, in one place for the DSL and DPO to review.

Direct messages name a declaration by number, its categories and dates only ("Off-site #12 ·
SEND records · due back Wed 25 Nov"): lock screens and chat history must never show more.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from handlers.offsite.rules import Declared, DueStatus
from handlers.settings import RECORD_CATEGORIES
from storage.models import OffsiteDeclaration

PEOPLE_BANDS: dict[str, str] = {
    "1": "1 person",
    "2-10": "2 to 10 people",
    "class": "A class",
    "year_group": "A year group",
    "whole_school": "The whole school",
}

PURPOSES: dict[str, str] = {
    "marking": "Marking or assessment",
    "planning": "Planning or report writing",
    "meeting": "A meeting (e.g. a review or conference)",
    "trip": "A school trip or visit",
    "admin": "Admin or finance work",
    "other": "Something else",
}

DESTINATIONS: dict[str, str] = {
    "home": "Home",
    "another_school": "Another school or setting",
    "venue": "A meeting or training venue",
    "trip": "A trip or visit",
    "other": "Somewhere else",
}

ATTESTATIONS: dict[str, str] = {
    # The same promise fits every destination: records go to venues and trips, not only home.
    "kept_secure": "I'll keep them with me or locked away, out of sight and not shared",
    "never_in_car": "I'll never leave them in a car, not even for a minute",
    "report_loss": "If anything is lost or stolen, I'll report it at once with /breach",
}

DECLINE_REASONS: dict[str, str] = {
    "take_less": "Please take less (fewer categories or fewer people)",
    "use_remote": "Please use remote access instead",
    "not_needed": "This doesn't need to leave school",
    "talk_first": "Let's talk first",
    "other": "Another reason",
}

# --- the declaration dialog ---------------------------------------------------------------------

WHAT_TITLE = "Records off site"
WHAT_INTRO = (
    "Thanks for declaring this: it takes a minute and it protects you and the children. "
    "First, what's going and how."
)
DETAILS_TITLE = "Records off site: details"
OTHER_REQUIRED = "You ticked Other: say what kind of record it is (not what's in it)."
OTHER_HINT = "Only if you ticked Other."
ASSET_TAG_HINT = "Only for a school laptop or USB stick."
ENCRYPTION_HINT = "Only for a laptop, USB stick or personal device."
ASSET_TAG_REQUIRED = "Add the asset tag from the sticker on the laptop or USB stick."
DEVICE_ENCRYPTION = "This is a device: tell us whether it's encrypted."
PAST_DATE = "That date has passed. Choose today or a later day."
ATTEST_ALL = "Please tick all three. If you can't promise one of them, keep the records in school."


def beyond_max(max_days: int, latest: date) -> str:
    return (
        f"That's too far away: records can be out for up to {max_days} school days, "
        f"so the latest is {day_label(latest)}. For longer, ask your DPO."
    )


def return_help(max_days: int, latest: date) -> str:
    return f"Usually the next school day. At most {max_days} school days ({day_label(latest)})."


def permission_note(basis: str, answer_by: str, asked_later: str = "") -> str:
    """What happens on submit; ``answer_by`` is when an approver's answer is due (by_end_of)."""
    if basis == "none":
        return "These don't need permission: they'll be recorded as soon as you submit."
    if basis == "role":
        return "Your role covers these, so they'll be recorded as soon as you submit."
    return (
        "These include sensitive records, so an approver will be asked. "
        f"{asked_later + ' ' if asked_later else ''}Please don't take them until you hear back ({answer_by})."
    )


def by_end_of(day: date, today: date) -> str:
    """'by the end of today' or 'by the end of Mon 30 Nov': when a request is answered or lapses."""
    return "by the end of today" if day == today else f"by the end of {day_label(day)}"


REFUSALS = {
    "personal_device": (
        "Sorry, these records can't go on a personal device. School policy keeps anything "
        "beyond planning and marking on encrypted school equipment, because a personal device "
        "can't be wiped or checked if it's lost.\n"
        "Instead: use remote access to school systems, or borrow an encrypted school laptop "
        "from the IT lead. Then declare again with /offsite."
    ),
    "unencrypted": (
        "Sorry, these records can't go on an unencrypted device. If an unencrypted laptop or "
        "USB stick is lost, the school has to treat it as a data breach.\n"
        "Instead: use an encrypted school laptop or USB stick (the IT lead can help), or remote "
        "access to school systems. Then declare again with /offsite."
    ),
    "encryption_unknown": (
        "Sorry, we can only record these on a device you know is encrypted. The IT lead can "
        "check it for you in a couple of minutes.\n"
        "Instead: ask the IT lead to confirm it's encrypted, or use remote access to school "
        "systems. Then declare again with /offsite."
    ),
}

NO_APPROVER = (
    "Sorry, there's nobody else in Safekeep who can approve sensitive records yet, so nothing "
    "was recorded. Please ask your Headteacher or DPO to add an approver."
)


def recorded(decl: OffsiteDeclaration, due: date) -> str:
    return (
        f"Thanks, that's recorded: {reference(decl)} · due back {day_label(due)}.\n"
        "Keep them safe, and use /offsite return when they're back in school."
    )


def requested(decl: OffsiteDeclaration, answer_by: str, asked_later: str = "") -> str:
    """``asked_later``: when the approver will be asked, if not now (approvers_asked_at)."""
    asked = (
        f"needs permission. {asked_later}"
        if asked_later
        else ("needs permission, so we've asked an approver.")
    )
    return (
        f"Thanks. {reference(decl)} {asked} "
        f"Please don't take these records until you hear back: you'll get a message {answer_by}. "
        "If nobody answers by then, the request lapses."
    )


def approvers_asked_at(ask_at: datetime, today: date) -> str:
    """Said when a request is made out of school hours: approvers are asked only in them."""
    day = "today" if ask_at.date() == today else f"on {day_label(ask_at.date())}"
    return (
        "Approvers are only asked in school hours, so they'll get your request at "
        f"{ask_at:%H:%M} {day}."
    )


# --- approvals ----------------------------------------------------------------------------------

UNKNOWN_REQUEST = "Sorry, that request isn't in Safekeep any more."


def approval_request(
    decl: OffsiteDeclaration, holder: str, format_label: str, due: date, lapses: date
) -> str:
    return (
        f"Approval needed: {reference(decl)}\n"
        f"Requested by {holder} · {format_label} · {PEOPLE_BANDS.get(decl.people_band, '')} · "
        f"back by {day_label(due)}\n"
        f"Please approve or decline by the end of {day_label(lapses)}; "
        "unanswered requests lapse then."
    )


def approved_notice(decl: OffsiteDeclaration, due: date) -> str:
    return (
        f"Approved: {reference(decl)} · due back {day_label(due)}. "
        "You can take them now. Keep them safe, and use /offsite return when they're back."
    )


def declined_notice(decl: OffsiteDeclaration, reason_label: str) -> str:
    return (
        f"Not approved: {reference(decl)} · {reason_label}. "
        "Please keep these records in school. /offsite list shows any note from the approver."
    )


def expired_notice(decl: OffsiteDeclaration) -> str:
    return (
        f"Request lapsed: {reference(decl)} wasn't answered by the end of the school day, so "
        "it was not approved. If the records are still needed, declare again with /offsite."
    )


def expired_approver_notice(decl: OffsiteDeclaration) -> str:
    return (
        f"Request lapsed: {reference(decl)} wasn't answered by the end of the school day, so "
        "it was not approved. Nothing for you to do: they've been told."
    )


APPROVED_REPLY = "Approved. They've been told they can take the records."
DECLINED_REPLY = "Declined. They've been told, with your reason."
NOT_YOURS = "This request was sent to someone else, so you can't answer it."
DECLINE_TITLE = "Decline off-site request"
DECLINE_NOTE_LABEL = "A short note for them (optional)"


def already_decided(decision: str) -> str:
    words = {
        "approved": "has already been approved",
        "declined": "has already been declined",
        "expired": "lapsed at the end of the school day",
        "superseded": "has already been answered by another approver",
    }
    return f"This request {words.get(decision, 'is closed')}. Nothing more to do."


# --- list, return and register ------------------------------------------------------------------

NOTHING_OUT = "You have no records off site. To declare some, use /offsite."
UNKNOWN_DECLARATION = "Sorry, that declaration isn't in Safekeep any more."
RETURN_PICK_TITLE = "Records back in school"
RETURN_TITLE = "Records back in school"
RETURN_NOT_YOURS = "That declaration is someone else's, so only they can mark it returned."
ALL_BACK_LABEL = "Did everything come back?"
ITEMS_BACK_LABEL = "If not, which did come back? (leave out anything missing)"
COPIES_LABEL = "Have any copies made away from school been destroyed? (Yes if you made none)"
ITEMS_CONTRADICT = "You said not everything came back: leave out what's missing."
ITEMS_BACK_HINT = "Only if not everything came back."


def returned(decl: OffsiteDeclaration) -> str:
    return f"Thank you: {reference(decl)} is marked as back in school. Nothing more to do."


DESTROY_COPIES = (
    "One more thing: please destroy any copies made away from school today (shred paper, "
    "delete files and empty the bin)."
)


def list_heading(count: int) -> str:
    return "You have 1 declaration open:" if count == 1 else f"You have {count} declarations open:"


def list_line(decl: OffsiteDeclaration, status: DueStatus) -> str:
    state = "waiting for approval" if decl.status == "pending" else due_state(status)
    return f"• {reference(decl)} · {state}"


def due_state(status: DueStatus, today: date | None = None) -> str:
    """'overdue since Fri 27 Nov', 'due back today' (when ``today`` is given) or 'due back Mon
    30 Nov': the one way a due day reads to the holder, in lists, App Home and reminders."""
    if status.overdue:
        return f"overdue since {day_label(status.due)}"
    if status.due == today:
        return "due back today"
    return f"due back {day_label(status.due)}"


def declined_heading(days: int) -> str:
    return f"Not approved in the last {days} days:"


def declined_line(decl: OffsiteDeclaration, reason: str | None) -> str:
    return f"• {reference(decl)} · not approved" + (f" ({reason})" if reason else "")


def pick_label(decl: OffsiteDeclaration, status: DueStatus) -> str:
    return f"{reference(decl)} · {due_state(status)}"


def not_out(decl: OffsiteDeclaration) -> str:
    words = {
        "pending": "is still waiting for approval",
        "returned": "is already marked as returned",
        "declined": "was not approved",
        "expired": "lapsed without approval",
        "lost": "has already been marked as not all returned",
    }
    return f"{reference(decl, with_categories=False)} {words.get(decl.status, 'is closed')}."


def missing_notice(decl: OffsiteDeclaration, missing: Iterable[str]) -> str:
    return (
        f"Off-site #{decl.id} · not returned: {categories_label(missing)}. "
        "The holder has been asked to report it as a possible breach now; if no report "
        "follows within 30 minutes they'll be reminded and the DPO told."
    )


REPORT_MISSING = "Report the breach now"


def missing_report_reminder(decl: OffsiteDeclaration) -> str:
    return (
        f"Off-site #{decl.id} · not all returned, and no breach report yet. Please report it "
        "now: the school may have only 72 hours to tell the ICO, and the clock may be running."
    )


def missing_report_dpo(decl: OffsiteDeclaration) -> str:
    return (
        f"Off-site #{decl.id} · not all returned 30 minutes ago, and no breach report yet. "
        "The holder has been reminded; you may want to contact them."
    )


def already_reported(decl: OffsiteDeclaration, number: int) -> str:
    return f"{reference(decl, with_categories=False)} is already reported as Breach #{number}."


USAGE = (
    "Use `/offsite` to declare records you're taking off site, `/offsite list` to see what you "
    "have out, or `/offsite return` when they're back. Leads: `/offsite register`."
)


def register_heading(count: int) -> str:
    return "1 declaration off site now:" if count == 1 else f"{count} declarations off site now:"


def register_line(
    decl: OffsiteDeclaration, holder: str, format_label: str, status: DueStatus
) -> str:
    state = "not all returned" if decl.status == "lost" else lateness(status)
    return f"• {reference(decl)} · {holder} · {format_label} · {state}"


def lateness(status: DueStatus) -> str:
    """'due Fri 27 Nov, 2 school days overdue': how leads read a due day."""
    days = status.school_days_overdue
    if days:
        return f"due {day_label(status.due)}, {days} school day{'s' * (days != 1)} overdue"
    if status.overdue:
        return f"due {day_label(status.due)}, overdue"
    return f"due {day_label(status.due)}"


REGISTER_EMPTY = "No records are off site right now."


# --- chasers ------------------------------------------------------------------------------------


def due_digest(lines: list[str]) -> str:
    return (
        "These records are due back in school:\n"
        + "\n".join(lines)
        + "\nWhen they're back, tap Mark returned. If anything is lost, report it at once "
        "with /breach."
    )


def siro_digest(lines: list[str]) -> str:
    return "Off-site records overdue:\n" + "\n".join(lines)


# --- shared formatting --------------------------------------------------------------------------


def day_label(day: date) -> str:
    """A date as staff read it: 'Wed 25 Nov'."""
    return f"{day:%a} {day.day} {day:%b}"


def categories_label(categories: Iterable[str]) -> str:
    return ", ".join(RECORD_CATEGORIES.get(c, c) for c in categories)


def reference(decl: Declared, *, with_categories: bool = True) -> str:
    """'Off-site #12 · SEND records': the only way a declaration is named in a message."""
    if not with_categories:
        return f"Off-site #{decl.id}"
    return f"Off-site #{decl.id} · {categories_label(i.category for i in decl.items)}"
