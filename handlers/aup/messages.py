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
USAGE = (
    "Use `/aup` to read and agree to the policy, `/aup history` for what you have signed, "
    "or `/aup status` and `/aup publish` (leads)."
)


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
RECORD_METHODS = {"paper": "On paper", "email": "By email"}
METHOD_LABEL = "How they signed"
SIGNED_ON_LABEL = "Date they signed"
SIGNED_IN_FUTURE = "The date they signed can't be in the future."
SIGNED_BEFORE_VERSION = "Version {version} took effect on {effective}: a signature from before then is of an earlier version."
EVIDENCE_LABEL = "Evidence reference"
EVIDENCE_HELP = "Where the signed copy is kept, e.g. 'Office file GOV-2026, page 3'."


def person_already_signed(name: str, version: str, when: str) -> str:
    return f"{name} has already signed version {version} in this round ({when})."


def recorded(name: str, title: str, version: str, method: str, signed_on: str) -> str:
    return (
        f"Recorded: {name} signed *{title}* (version {version}) {RECORD_METHODS[method].lower()} on "
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


# --- agreeing, or asking a question first -------------------------------------------------

RESPONSE_LABEL = "Your response"
AGREE_CHOICE = "I have read, understood and agree"
QUESTION_CHOICE = "I have a question"
RESPONSE_MISSING = f'Choose "{AGREE_CHOICE}" or "{QUESTION_CHOICE}".'
SEND_BUTTON = "Send"
QUESTION_LABEL = "Your question for the Online Safety lead"
QUESTION_HINT = f'Only if you chose "{QUESTION_CHOICE}".'
QUESTION_WITH_AGREEMENT = (
    f'To send this question, choose "{QUESTION_CHOICE}" (you can agree once it is answered), '
    "or clear it to agree now."
)
TRAINING_LABEL = "When did you complete this year's online-safety training?"
TRAINING_HINT = f'Only if you chose "{AGREE_CHOICE}".'
TRAINING_FUTURE = "The training date can't be in the future: enter the day you completed it."


def training_too_early(year_start: str) -> str:
    return (
        f"That is before this school year (it began {year_start}): "
        "enter the date of this year's training."
    )


def agreed(title: str, version: str, at: str) -> str:
    return f"Thank you. Your agreement to *{title}* (version {version}) was recorded on {at}."


def already_signed(title: str, version: str, at: str, training: str | None) -> str:
    line = f"You agreed to *{title}* (version {version}) on {at}. Nothing more to do."
    if training:
        line += f"\nYou recorded completing this year's online-safety training on {training}."
    return line + "\nYour signatures over the years: `/aup history`."


def question_sent(number: int) -> str:
    return (
        f"Your question #{number} was sent to the Online Safety lead. You'll get a message "
        "when it is answered. You still need to agree to the policy: use `/aup` when you are "
        "ready."
    )


def question_notice(number: int, version: str) -> str:
    """The lead's DM: the question's number and version only, never its words."""
    return f"AUP question #{number} · version {version} · waiting for your answer"


ANSWER_BUTTON = "Answer"
ANSWER_TITLE = "Answer an AUP question"
ANSWER_LABEL = "Your answer"
ANSWER_SUBMIT = "Send answer"


def answer_intro(number: int, title: str, version: str, asked: str, question: str) -> str:
    return f"*Question #{number}* about {title} (version {version}), asked {asked}:\n\n{question}"


def answer_sent(number: int) -> str:
    return f"Your answer to question #{number} was sent. They still need to agree to the policy."


def already_answered(number: int, at: str) -> str:
    return f"Question #{number} was already answered on {at}."


def answered_notice(number: int) -> str:
    """The asker's DM: that their question was answered, never the question or the answer."""
    return f"Your AUP question #{number} was answered: open it"


OPEN_ANSWER_BUTTON = "Open the answer"
NOT_YOUR_QUESTION = "That question isn't yours, so its answer can't be shown to you."
NO_SUCH_QUESTION = "That question can no longer be found."


def answer_shown(number: int, question: str, answer: str, at: str) -> str:
    return (
        f"*Your question #{number}*\n{question}\n\n"
        f"*The Online Safety lead's answer* ({at})\n{answer}\n\n"
        "When you are ready, read the policy again and agree to it."
    )


# --- history ----------------------------------------------------------------------------

HISTORY_TITLE = "*Your Acceptable Use Policy signatures*"
HISTORY_EMPTY = "You haven't signed an Acceptable Use Policy in Safekeep yet."
METHODS = {"chat": "in Safekeep", "paper": "on paper", "email": "by email"}


def history_line(title: str, version: str, at: str, method: str, cycle: str) -> str:
    line = f"• {title}, version {version} · {at} · {METHODS.get(method, method)}"
    return line + (f" · {cycle} round" if cycle else "")


# --- publishing ---------------------------------------------------------------------------

PUBLISH_TITLE = "Publish an AUP version"
PUBLISH_SUBMIT = "Publish"
PUBLISH_INTRO = (
    "Publish a new wording of the Acceptable Use Policy. Everyone in the groups you choose "
    "is asked to agree to it from its effective date; earlier signatures are kept as evidence."
)
TITLE_LABEL = "Title"
VERSION_LABEL = "Version number"
VERSION_HELP = "e.g. 2026.1. A new wording always needs a new number."
TEXT_LABEL = "The policy's wording"
TEXT_HELP = "Exactly what people agree to (or a summary, with the full text at the link below)."
URL_LABEL = "Link to the full policy (optional)"
EFFECTIVE_LABEL = "Effective from"
GROUPS_LABEL = "Who it applies to"
GROUPS_MISSING = "Choose at least one group this version applies to."


def unknown_group(name: str, known: tuple[str, ...]) -> str:
    return f"'{name}' is not a group; the groups are {', '.join(known)}."


URL_INVALID = "Enter a web address starting with https:// (or leave it empty)."
TEXT_OR_URL = "Give the policy's wording, or a link to it."


def version_used(number: str) -> str:
    return (
        f"Version {number} is already published with different wording or groups: give this "
        "wording a new version number."
    )


def effective_too_early(days: int, earliest: str) -> str:
    return (
        f"The effective date can be at most {days} days in the past (from {earliest}): "
        "people can't have agreed to it before it was published."
    )


def published(title: str, version: str, groups: str, effective: str, told: int) -> str:
    line = f"Published *{title}* version {version} for {groups}, effective {effective}."
    if told:
        return line + f" {told} people were asked to agree to it."
    return line + " People are asked to agree from its effective date."


def already_published(title: str, version: str) -> str:
    return f"*{title}* version {version} is already published with this wording. Nothing changed."


def new_version_notice(version: str, effective: str) -> str:
    """Everyone's DM when a version that applies to them is published: no names, no text."""
    return (
        f"A new Acceptable Use Policy (version {version}, effective {effective}) needs your "
        "agreement"
    )
