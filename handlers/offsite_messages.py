"""The words staff read in the off-site records flow, in one place for the DSL and DPO to review.

Direct messages name a declaration by number, its categories and dates only ("Off-site #12 ·
SEND records · due back Wed 25 Nov"): lock screens and chat history must never show more.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

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
    "secure_at_home": "I'll keep them secure at home, out of sight and not shared",
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
OTHER_NOT_NEEDED = "Only fill this in if you ticked Other."
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


PERMISSION_NOTE = {
    "none": "These don't need permission: they'll be recorded as soon as you submit.",
    "role": "Your role covers these, so they'll be recorded as soon as you submit.",
    "case_by_case": (
        "These include sensitive records, so an approver will be asked. "
        "Please don't take them until you hear back (today)."
    ),
}

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


def recorded(decl: OffsiteDeclaration) -> str:
    return (
        f"Thanks, that's recorded: {reference(decl)} · due back "
        f"{day_label(decl.expected_return)}.\n"
        "Keep them safe, and use /offsite return when they're back in school."
    )


def requested(decl: OffsiteDeclaration) -> str:
    return (
        f"Thanks. {reference(decl)} needs permission, so we've asked an approver. "
        "Please don't take these records until you hear back: you'll get a message today. "
        "If nobody answers by the end of the school day, the request lapses."
    )


# --- approvals ----------------------------------------------------------------------------------


def approval_request(decl: OffsiteDeclaration, holder: str, format_label: str) -> str:
    return (
        f"Approval needed: {reference(decl)}\n"
        f"Requested by {holder} · {format_label} · {PEOPLE_BANDS.get(decl.people_band, '')} · "
        f"back by {day_label(decl.expected_return)}\n"
        "Please approve or decline today; unanswered requests lapse at the end of the school day."
    )


def approved_notice(decl: OffsiteDeclaration) -> str:
    return (
        f"Approved: {reference(decl)} · due back {day_label(decl.expected_return)}. "
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
RETURN_PICK_TITLE = "Records back in school"
RETURN_TITLE = "Records back in school"
RETURN_NOT_YOURS = "That declaration is someone else's, so only they can mark it returned."
ALL_BACK_LABEL = "Did everything come back?"
ITEMS_BACK_LABEL = "If not, which did come back? (leave out anything missing)"
COPIES_LABEL = "Have any copies made away from school been destroyed? (Yes if you made none)"
ITEMS_CONTRADICT = "You said not everything came back: leave out what's missing."


def returned(decl: OffsiteDeclaration) -> str:
    return f"Thank you: {reference(decl)} is marked as back in school. Nothing more to do."


DESTROY_COPIES = (
    "One more thing: please destroy any copies made away from school today (shred paper, "
    "delete files and empty the bin)."
)


def list_heading(count: int) -> str:
    return "You have 1 declaration open:" if count == 1 else f"You have {count} declarations open:"


def list_line(decl: OffsiteDeclaration, overdue: bool) -> str:
    if decl.status == "pending":
        state = "waiting for approval"
    elif overdue:
        state = f"overdue since {day_label(decl.expected_return)}"
    else:
        state = f"due back {day_label(decl.expected_return)}"
    return f"• {reference(decl)} · {state}"


def declined_line(decl: OffsiteDeclaration, reason: str | None) -> str:
    return f"• {reference(decl)} · not approved" + (f" ({reason})" if reason else "")


def pick_label(decl: OffsiteDeclaration) -> str:
    return f"{reference(decl)} · due back {day_label(decl.expected_return)}"


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
        "The holder is starting a breach report now."
    )


USAGE = (
    "Use `/offsite` to declare records you're taking off site, `/offsite list` to see what you "
    "have out, or `/offsite return` when they're back. Leads: `/offsite register`."
)


def register_heading(count: int) -> str:
    return "1 declaration off site now:" if count == 1 else f"{count} declarations off site now:"


def register_line(
    decl: OffsiteDeclaration, holder: str, format_label: str, due: date, overdue_days: int
) -> str:
    if decl.status == "lost":
        state = "not all returned"
    elif overdue_days:
        state = (
            f"due {day_label(due)}, {overdue_days} school day{'s' * (overdue_days != 1)} overdue"
        )
    else:
        state = f"due {day_label(due)}"
    return f"• {reference(decl)} · {holder} · {format_label} · {state}"


REGISTER_EMPTY = "No records are off site right now."


# --- chasers ------------------------------------------------------------------------------------


def due_digest(lines: list[str]) -> str:
    return (
        "Good morning. These records are due back in school:\n"
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


def reference(decl: OffsiteDeclaration, *, with_categories: bool = True) -> str:
    """'Off-site #12 · SEND records': the only way a declaration is named in a message."""
    if not with_categories:
        return f"Off-site #{decl.id}"
    return f"Off-site #{decl.id} · {categories_label(i.category for i in decl.items)}"
