"""The words staff read in the AUP flow that are not built from the policy itself."""

from __future__ import annotations

from datetime import date

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
