"""The words and pick-lists of the breach flow, in one place for the DPO and DSL to review.

Choice values are the codes stored on the incident and in the breach log; labels are what staff
read. Direct messages built here carry a reference, categories, flags and deadlines only.
"""

from __future__ import annotations

from handlers.settings import RECORD_CATEGORIES

# --- the command and the staff's own list ------------------------------------------------------

USAGE = (
    "Use `/breach` to report a lost device or a suspected data breach, or `/breach list` to "
    "see your reports. The DPO, Headteacher and DSL can also use `/breach open`, "
    "`/breach details N` and `/breach triage N`."
)
NO_REPORTS = "You haven't reported any breaches. Use `/breach` to report one, at any hour."
NO_OPEN = "There are no open breach reports."

# --- the staff report -------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "lost": "Lost",
    "stolen": "Stolen",
    "wrong_recipient": "Sent to the wrong person",
    "seen_unauthorised": "Seen by someone who shouldn't have",
    "unauthorised_access": "Accessed without permission",
    "deleted_damaged": "Deleted or damaged",
    "cyber": "Cyber incident (hacking, phishing, ransomware)",
    "other": "Something else",
}
# Short forms for direct messages ("Breach #7 · lost device · ...").
KIND_SHORT: dict[str, str] = {
    "lost": "lost",
    "stolen": "stolen",
    "wrong_recipient": "sent to wrong recipient",
    "seen_unauthorised": "seen without authority",
    "unauthorised_access": "unauthorised access",
    "deleted_damaged": "deleted or damaged",
    "cyber": "cyber incident",
    "other": "other incident",
}
# Confidentiality, integrity, availability: the ICO's breach types, proposed from the kind.
KIND_CIA: dict[str, list[str]] = {
    "lost": ["confidentiality", "availability"],
    "stolen": ["confidentiality", "availability"],
    "wrong_recipient": ["confidentiality"],
    "seen_unauthorised": ["confidentiality"],
    "unauthorised_access": ["confidentiality"],
    "deleted_damaged": ["integrity", "availability"],
    "cyber": ["confidentiality"],
    "other": [],
}
MEDIA: dict[str, str] = {
    "device": "A device (laptop, tablet, phone, USB stick)",
    "paper": "Paper records",
    "both": "Both a device and paper",
    "online": "Neither: an email, online system or account",
}
MEDIA_SHORT = {"device": "device", "paper": "paper", "both": "device and paper", "online": ""}
ENCRYPTED: dict[str, str] = {
    "yes": "Yes, encrypted or password-locked",
    "no": "No",
    "unknown": "Don't know",
    "not_applicable": "Not applicable (paper)",
}
YES_NO_UNSURE: dict[str, str] = {"yes": "Yes", "no": "No", "unsure": "Not sure"}
CATEGORIES: dict[str, str] = {
    **{k: v for k, v in RECORD_CATEGORIES.items() if k != "other"},
    "medical": "Medical or health information",
    "other": RECORD_CATEGORIES["other"],
}
PEOPLE_BANDS: dict[str, str] = {
    "1": "One person",
    "2-10": "2 to 10 people",
    "class": "A class",
    "year_group": "A year group",
    "whole_school": "The whole school",
    "unknown": "Not known yet",
}
SUBJECT_TYPES: dict[str, str] = {
    "pupils": "Pupils",
    "parents": "Parents or carers",
    "staff": "Staff",
    "governors_volunteers": "Governors or volunteers",
}
LOCATIONS: dict[str, str] = {
    "home": "At home",
    "vehicle": "In a vehicle",
    "transport": "On public transport",
    "public": "In a public place",
    "school": "In school",
    "online": "Online or by email",
    "unknown": "Not known",
}

SPECIAL_DATA_HELP = (
    "Leave it blank if you ticked safeguarding, SEND or medical records above: that already "
    "means yes."
)
SPECIAL_DATA_NEEDED = (
    "Please answer this: the records you ticked may hold safeguarding, SEND or medical "
    "information, and only you can say. 'Not sure' is fine."
)

TIME_IN_FUTURE = "This time is in the future."
AFTER_DISCOVERY = "This is after it was discovered."


def special_data_contradicts(ticked: list[str]) -> str:
    """The words at the question when the records ticked say yes and the answer says no."""
    names = ticked[0] if len(ticked) == 1 else ", ".join(ticked[:-1]) + " and " + ticked[-1]
    verb = "is" if len(ticked) == 1 else "are"
    return (
        f"You ticked {names}, which {verb} safeguarding, SEND or medical information, so the "
        "answer can't be No. Choose Yes or leave it blank; if a record type was ticked by "
        "mistake, untick it instead."
    )


NO_NAMES = "Don't include pupil, parent or staff names or the personal data itself."

REPORT_INTRO = (
    "Report it now, whatever the time: it takes about two minutes in two short steps. "
    "Pick the closest answers; 'Not sure' is fine. " + NO_NAMES
)
CHILD_RISK_HELP = "If you answer yes or not sure, the DSL and deputies are alerted straight away."
CHILD_RISK_GUIDANCE = (
    "*If a child is in immediate danger, call 999 now.* "
    "If you think a child may be at risk of harm, contact your local children's social care "
    "team as well, and tell the DSL in person if you can."
)
DETAILS_INTRO = (
    "*Breach #{number} is recorded* and {alerted}. "
    "A few more details help the DPO decide what to do (about a minute). " + NO_NAMES
)
THANKS = (
    "Thank you. *Breach #{number}* is recorded (reported {reported}).\n"
    "What happens next: {alerted}. The DPO decides by *{deadline}* whether "
    "the ICO must be told, and may contact you for more detail. Keep any evidence (emails, "
    "receipts, crime reference), don't try to recover the data yourself, and report anything "
    "new with `/breach`."
)
# Who was told, in the reporter's words: built only from roles somebody actually holds.
ALERTED_LABELS: dict[str, str] = {
    "dpo": "the DPO",
    "headteacher": "the Headteacher",
    "it_lead": "the IT lead",
    "dsl": "the DSL",
    "deputy_dsl": "the deputy DSLs",
}
ADMINS_LABEL = "the school's Safekeep admins"
PLURAL_LABELS = frozenset({"the deputy DSLs", ADMINS_LABEL})
NOBODY_HOLDS = " (nobody holds the role of {roles} in Safekeep, so the admins were told instead)"
NOBODY_HOLDS_NO_ADMINS = (
    " (nobody holds the role of {roles} in Safekeep: please also tell the Headteacher in person)"
)
NOBODY_ALERTED = (
    "*nobody could be alerted automatically*, because nobody at the school holds the roles "
    "that receive breach alerts: please tell the Headteacher or the DPO in person now"
)

# --- direct messages (no personal data: a reference, categories, flags, deadline) -------------

ALERT = (
    "Breach #{number} · {what} · safeguarding/SEND/medical data: {special} · "
    "child at risk: {child} · ICO deadline {deadline}"
)
ALERT_NEEDS_ACK = " · please acknowledge"
ALERT_ROLE_GAP = (
    " · nobody holds the role of {roles}, so this alert comes to you as a Safekeep admin: "
    "give the role to someone with `/safekeep roles` and make sure a lead handles this now"
)
ESCALATION = (
    "Escalation: nobody has acknowledged Breach #{number} for {minutes} minutes · {what} · "
    "safeguarding/SEND/medical data: {special} · child at risk: {child} · "
    "ICO deadline {deadline}"
)
ICO_REMINDER = (
    "Breach #{number}: {hours} hours since it was reported and no ICO decision is recorded · "
    "ICO deadline {deadline} ({left} left)"
)
ICO_OVERDUE = (
    "Breach #{number}: the {hours}-hour ICO deadline ({deadline}) has passed with no decision "
    "recorded. Record it now, with the reason for the delay."
)

# --- acknowledgement, details and triage ------------------------------------------------------

ACKNOWLEDGED = (
    "Thank you: you acknowledged Breach #{number} at {at}. Escalation has stopped. "
    "ICO deadline {deadline}."
)
ALREADY_ACKNOWLEDGED = "Breach #{number} was already acknowledged by {who} at {at}."


def recorded(number: int) -> str:
    """What step one of a report stored, as an apology for a failed step two names it."""
    return f"Your report Breach #{number}"


NOT_FOUND = "There is no breach report with that reference at your school."
DETAILS_PURGED = (
    "The details of this closed breach (what happened, the reasoning, the timeline) were removed "
    "on {day} at the end of the school's retention period; the codes and dates above remain."
)
TRIAGED = "Breach #{number} updated:"
TRIAGE_CLOSED = "Breach #{number} is closed."


def triaged(number: int, changed: list[str], closed: bool) -> str:
    """What the triage changed, by the questions' own words (never the stored names)."""
    lines = [TRIAGED.format(number=number), *(f"• {label}" for label in changed)] if changed else []
    if closed:
        lines.append(TRIAGE_CLOSED.format(number=number))
    return "\n".join(lines)


NOTHING_CHANGED = "Nothing changed on Breach #{number}."
CLOSED_ALREADY = (
    "Breach #{number} is closed, so its triage can no longer be changed. You can still read it "
    "with `/breach details {number}`; if something new has come to light, report it with "
    "`/breach` and mention Breach #{number} in the description."
)
TRIAGE_INTRO = (
    "*Breach #{number}* · {what} · safeguarding/SEND/medical data: {special} · "
    "reported {reported} · ICO deadline *{deadline}* "
    "({deadline_state}).\nEvery change is kept on the incident's timeline. " + NO_NAMES
)

CLASSIFICATIONS: dict[str, str] = {
    "investigating": "Still investigating",
    "confirmed": "Confirmed personal data breach",
    "not_breach": "Not a personal data breach",
    "near_miss": "Near miss",
}
CIA: dict[str, str] = {
    "confidentiality": "Confidentiality (disclosed or accessed)",
    "integrity": "Integrity (altered)",
    "availability": "Availability (lost or destroyed)",
}
RISKS: dict[str, str] = {
    "unlikely": "Unlikely to result in a risk to people",
    "risk": "A risk to people (tell the ICO)",
    "high": "A high risk to people (tell the ICO and the people affected)",
}
COUNT_BANDS: dict[str, str] = {
    "1-10": "1 to 10",
    "11-100": "11 to 100",
    "101-1000": "101 to 1,000",
    "1000+": "More than 1,000",
    "unknown": "Not yet known",
}
ICO_DECISIONS: dict[str, str] = {
    "undecided": "Not decided yet",
    "notify": "Report to the ICO",
    "not_notify": "Don't report to the ICO (keep the reason in the log)",
}
SUBJECT_DECISIONS: dict[str, str] = {
    "undecided": "Not decided yet",
    "tell": "Tell the people affected (for pupils, their parents or carers)",
    "not_tell": "Don't tell them",
}
ART34_EXCEPTIONS: dict[str, str] = {
    "not_high_risk": "Not a high risk, so Article 34 doesn't require it",
    "unintelligible": "Art 34(3)(a): the data was unintelligible (e.g. encrypted)",
    "risk_removed": "Art 34(3)(b): later measures removed the high risk",
    "disproportionate": "Art 34(3)(c): disproportionate effort (a public notice instead)",
}
SUBJECT_METHODS: dict[str, str] = {
    "letter": "Letter",
    "email": "Email",
    "in_person": "In person or by phone",
    "public_notice": "Public notice",
}
OTHER_BODIES: dict[str, str] = {
    "police": "Police",
    "local_authority": "Local authority",
    "lado": "LADO",
    "insurer": "Insurer or RPA",
    "processor": "Data processor or supplier",
    "originating_agency": "The agency the records came from",
}

DELAY_REASON_LABEL = "Reason for any delay beyond {hours} hours"
DELAY_REASON_NEEDED = (
    "The {hours}-hour deadline passed at {deadline}: give the reason for the delay (Art 33(1))."
)
RATIONALE_NEEDED = "Give the reason for this decision: it goes in the breach log."
# Not reporting a breach assessed as a risk goes against the ICO's guidance (Art 33(1): only a
# breach unlikely to result in a risk to people may go unreported), so it takes a second look.
RISK_WORDS: dict[str, str] = {"risk": "a risk to people", "high": "a high risk to people"}
NOT_NOTIFY_CONFIRM_LABEL = "Not reporting a breach assessed as a risk to people?"
NOT_NOTIFY_CONFIRM_HELP = (
    "Only needed when the risk is a risk or a high risk and the decision is not to report: the "
    "ICO expects a breach likely to put people at risk to be reported."
)
# Slack shows at most 75 characters of a choice.
NOT_NOTIFY_CONFIRM_CHOICE = {
    "confirmed": "I confirm not reporting it to the ICO, for the reason given above"
}
NOT_NOTIFY_CONFIRM_NEEDED = (
    "The risk is assessed as {risk}, and the ICO's guidance is that such a breach must be "
    "reported. Confirm here that you are not reporting it, or choose 'Report to the ICO'."
)
NOT_NOTIFY_REASON_NEEDED = (
    "The risk is assessed as {risk}, so not reporting it to the ICO needs a fuller reason: at "
    "least {words} words ({count} now), saying why people are not in fact likely to be harmed. "
    "It goes in the breach log."
)
RISK_REASONING_NEEDED = "Say briefly why you chose this level of risk."
# Where a modal shows every question, the hint says when a conditional one must be answered.
RISK_REASONING_HINT = "Needed once you choose a level of risk."
DECISION_REASON_HINT = "Needed once the decision is made."
DELAY_REASON_HINT = "Needed when the decision comes after the deadline."
TELLING_HINT = "Only if telling them."
EXCEPTION_NEEDED = "The risk is high: choose the Article 34 exception that applies."
METHOD_NEEDED = "Choose how the people affected are (or will be) told."
NOTIFIED_IN_FUTURE = "This time is in the future."
CLOSE_NEEDS = "Before closing, record whether it was a breach and the ICO decision."

# The words for timeline entries in the details view.
EVENT_LABELS: dict[str, str] = {
    "reported": "Reported",
    "details_added": "Details added by the reporter",
    "alerted": "Alert sent",
    "acknowledged": "Alert acknowledged",
    "escalated": "Escalated (not acknowledged in time)",
    "ico_reminder": "ICO deadline reminder sent",
    "ico_overdue": "ICO deadline passed without a decision",
    "details_viewed": "Details viewed",
    "triaged": "Triage updated",
    "ico_decided": "ICO decision recorded",
    "subjects_decided": "Decision on telling the people affected",
    "ico_undecided": "ICO decision withdrawn (not decided yet)",
    "closed": "Closed",
}


def label(choices: dict[str, str], value: str | None) -> str:
    """The label staff read for a stored code (the code itself if the list has changed)."""
    if value is None:
        return ""
    return choices.get(value, value)
