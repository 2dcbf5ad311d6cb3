"""The words staff read in the AUP flow that are not built from the policy itself."""

from __future__ import annotations

from datetime import date, time

from handlers.settings import Term

AGREEMENT = "I have read, understood and agree to abide by this Acceptable Use Policy."
AGREE_BUTTON = "I agree"


def consent(title: str, version: str) -> str:
    """The statement a person explicitly agrees to, naming the version."""
    return f"I have read, understood and agree to abide by the {title}, version {version}."


NO_VERSION = (
    "Your school hasn't published an Acceptable Use Policy in Safekeep yet. "
    "Your Online Safety lead can add it to school.toml (the [aup] section)."
)
USAGE = "Use `/aup` to read and agree to the policy, or `/aup status` (leads)."


# --- leads: exemptions and signatures given on paper or by email (/aup exempt, /aup record) ---

PERSON_LABEL = "Their email address (as on the staff list)"
PERSON_HELP = "Governors and volunteers from the staff-list CSV are listed by email too."
NOT_AN_EMAIL = "Enter an email address, like name@example.org."
NOT_LISTED = (
    "Nobody with that email is on the staff list. Check the spelling, or add them with "
    "'python -m bot staff sync' (a CSV for people who are not in chat)."
)
LEFT = "{name} has left (inactive on the staff list), so there is nothing to record."
NOTHING_TO_SIGN_FOR = (
    "No Acceptable Use Policy applies to {group} yet, so {name} has nothing to sign."
)

EXEMPT_TITLE = "Exempt from the AUP"
EXEMPT_INTRO = (
    "Someone who can't sign for a while (for example a long-term absence) is shown as exempt "
    "instead of overdue, and isn't reminded, until the date you give."
)
EXEMPT_SUBMIT = "Exempt"
REASON_LABEL = "Reason"
REASON_HELP = "A few words, e.g. 'long-term absence'. Don't include health details or names."
UNTIL_LABEL = "Exempt until (the last day)"
UNTIL_PAST = "The last day can't be before today."


def exempted(name: str, until: str, replaced: bool) -> str:
    again = " It replaces the exemption they had." if replaced else ""
    return f"{name} is exempt from signing the Acceptable Use Policy until {until}.{again}"


END_TITLE = "End an AUP exemption"
END_INTRO = "They will be asked to sign again from today."
END_SUBMIT = "End exemption"
NOT_EXEMPT = "{name} has no exemption in force."


def exemption_ended(name: str) -> str:
    return f"{name}'s exemption has ended: they are asked to sign the Acceptable Use Policy again."


RECORD_TITLE = "Record a signature"
RECORD_INTRO = (
    "For someone who signed the Acceptable Use Policy on paper or by email (for example a "
    "governor who isn't in chat). It counts for the version that applies to them now."
)
RECORD_SUBMIT = "Record"
METHODS = {"paper": "On paper", "email": "By email"}
METHOD_LABEL = "How they signed"
SIGNED_ON_LABEL = "Date they signed"
SIGNED_IN_FUTURE = "The date they signed can't be in the future."
SIGNED_BEFORE_VERSION = "Version {version} took effect on {effective}: a signature from before then is of an earlier version."
EVIDENCE_LABEL = "Evidence reference"
EVIDENCE_HELP = "Where the signed copy is kept, e.g. 'Office file GOV-2026, page 3'."


def already_signed(name: str, version: str, when: str) -> str:
    return f"{name} has already signed version {version} in this round ({when})."


def recorded(name: str, title: str, version: str, method: str, signed_on: str) -> str:
    return (
        f"Recorded: {name} signed *{title}* (version {version}) {METHODS[method].lower()} on "
        f"{signed_on}. It shows as signed in `/aup status` and in the export."
    )


LEAD_USAGE = (
    "Leads: `/aup status` (who has signed), `/aup exempt` (exempt someone for a while), "
    "`/aup exempt end` (end an exemption early), `/aup record` (a signature on paper or by email)."
)


def day(on: date) -> str:
    """A date as leads read it: 'Fri 12 Feb 2027'."""
    return f"{on:%a} {on.day} {on:%b %Y}"


NOT_IN_CHAT = "not in chat"
STATUS_FOOTER = (
    "Exempt someone with `/aup exempt`; record a signature on paper or by email with "
    "`/aup record`. Every signature of every version: `python -m bot export aup`."
)


# --- the yearly campaign and a new version's round (handlers/aup/campaign.py) ------------------
# DMs name the round, the date and the button only: no names, nothing personal.

READ_AND_AGREE = "Read and agree"
SEE_WHO = "See who"


def _day(day: date) -> str:
    return f"{day:%a %-d %b}"


def round_label(cycle: str, kind: str, version: str) -> str:
    """How a round is named in a DM: "the 2026/27 Spring round" or "new version 2027.1"."""
    return f"new version {version}" if kind == "new_version" else f"the {cycle} round"


def reminder(kind: str, label: str, due_on: date, next_school_day: bool, new_starter: bool) -> str:
    """A reminder to someone still to sign (kinds from campaign.py: asked, reminder, due_next,
    overdue)."""
    head = f"Acceptable Use Policy · {label}"
    if kind == "overdue":
        return f"{head} · overdue since {_day(due_on)}. Please read and agree to it now."
    if kind == "due_next":
        when = "the next school day" if next_school_day else "soon"
        return f"{head} · due {_day(due_on)}, {when}. Please read and agree to it."
    if kind == "asked" and new_starter:
        return f"Welcome. {head} · please read and agree to it by {_day(due_on)}."
    if kind == "asked":
        return f"{head} is open · please read and agree to it by {_day(due_on)}."
    return f"Reminder · {head} · please read and agree to it by {_day(due_on)}."


def overdue_digest(label: str, counts: list[tuple[str, int]]) -> str:
    """The leads' digest: counts by group only (names are in /aup status, behind the button)."""
    total = sum(n for _, n in counts)
    lines = [
        f"Acceptable Use Policy · {label} · {total} "
        f"{'person' if total == 1 else 'people'} overdue by two school weeks or more:"
    ]
    lines += [f"• {group}: {n}" for group, n in counts]
    lines.append(f"Tap {SEE_WHO} for the names (/aup status).")
    return "\n".join(lines)


def settings_round(cycle: str, opens_on: date, due_on: date, term: Term | None) -> str:
    """One year's round in `/safekeep settings`, and where its dates come from."""
    where = (
        f" (the first school day of {term.name}, and the last school day before its "
        f"{'half-term' if term.half_term_start else 'end'})"
        if term is not None
        else " (the dates set in school.toml)"
    )
    return (
        f"• AUP: the {cycle} round opens {opens_on:%a %-d %b %Y} and is due "
        f"{due_on:%a %-d %b %Y}{where}"
    )


def settings_no_round(cycle: str, term: str) -> str:
    return (
        f"• AUP: no {cycle} round: school.toml has no {term} term for that year (add the terms, "
        "or [aup] campaign_opens and campaign_due)"
    )


def settings_rules(
    after: tuple[int, ...],
    digest_after: int,
    new_version_days: int,
    new_starter_days: int,
    morning: time,
    afternoon: time,
) -> str:
    return (
        f"• AUP reminders: everyone still to sign is asked when the round opens, reminded "
        f"{' and '.join(str(n) for n in after)} school days later and on the school day before "
        f"it is due, then weekly while overdue, in the reminder window ({morning:%H:%M} or "
        f"{afternoon:%H:%M}) on school days only. After {digest_after} school days overdue, and "
        "weekly after that, the Online Safety lead and the Headteacher get the numbers overdue by "
        "group (names in `/aup status`). A version that takes effect during the year opens its "
        f"own round, due {new_version_days} school days later. New starters are asked on their "
        f"first school day on the roster, due {new_starter_days} school days later (or with the "
        "round, if that is later). People only on the CSV list get no messages: record their "
        "signatures on paper."
    )
