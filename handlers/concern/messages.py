"""The words and pick-lists of the online-safety concern flow, in one place for the DSL to review.

Choice values are the codes stored on the concern and in the incident log; labels are what
staff read. Direct messages built here carry a reference, the kind and flags only: never a
name, never what happened.
"""

from __future__ import annotations

USAGE = (
    "Use `/concern` to report an online-safety concern about a pupil, a filtering or "
    "monitoring failure, or suspected misuse of school systems, or `/concern list` to see your "
    "reports. The Headteacher, DSL and Online Safety lead can also use `/concern log`, "
    "`/concern open` and `/concern open N`."
)
NOT_FOUND = "That concern was not found."
START_AGAIN = "Sorry, that report can't go on: please start again with `/concern`."
NO_REPORTS = "You haven't reported any online-safety concerns. Use `/concern` to report one."
NO_CONCERNS = "The online-safety incident log is empty: no concerns have been reported."
NO_OPEN = "There are no open online-safety concerns."

# --- the report -------------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "pupil": "A concern about a pupil online",
    "filtering": "A filtering or monitoring failure",
    "adult": "Suspected misuse of school systems or devices by an adult",
    "device": "Misuse of school devices or accounts by a pupil",
}
# Short forms for direct messages and the log ("Concern #3 · about a pupil online · ...").
KIND_SHORT: dict[str, str] = {
    "pupil": "about a pupil online",
    "filtering": "filtering or monitoring failure",
    "adult": "suspected misuse by an adult",
    "device": "pupil misuse of school devices or accounts",
}
PUPIL_KINDS: dict[str, str] = {
    "contact": "Contact from an adult or a stranger",
    "grooming": "Grooming",
    "cyberbullying": "Cyber-bullying",
    "nudes": "Sharing of nude or semi-nude images",
    "radicalisation": "Radicalisation or extremism",
    "harmful_content": "Harmful content seen",
    "other": "Something else",
}
FILTERING_KINDS: dict[str, str] = {
    "not_blocked": "Something was not blocked that should have been",
    "over_blocking": "Over-blocking that stops teaching",
    "monitoring": "Monitoring did not flag something it should have",
}
SUB_KINDS: dict[str, str] = {**PUPIL_KINDS, **FILTERING_KINDS}
YES_NO_UNSURE: dict[str, str] = {"yes": "Yes", "no": "No", "unsure": "Not sure"}
YES_NO: dict[str, str] = {"yes": "Yes", "no": "No"}

KIND_QUESTION = "What kind of concern is it?"
REPORT_INTRO = (
    "This tells the right lead at once. Don't write names or what happened here: the detail "
    "goes in the school's safeguarding record."
)
DETAILS_TITLE = "Report a concern (2 of 2)"
PUPIL_QUESTION = "What is the concern about?"
FILTERING_QUESTION = "What went wrong?"
ILLEGAL_QUESTION = (
    "Could it be illegal material (e.g. sexual images of children, terrorist content)?"
)
ABOUT_HEAD_QUESTION = "Is it about the Headteacher?"
CHILD_AFFECTED_QUESTION = "Could a child be affected?"
HARM_QUESTION = (
    "Could it mean an adult who works with children has harmed a child, or may pose a risk to "
    "children?"
)
NOTE_LABEL = "Briefly, what should the lead know?"
NOTE_HELP = (
    "A web address or the kind of misuse, not names: use initials or 'a Y5 pupil'. "
    "Don't copy or describe images."
)
NOTE_ONLY_IF_SAFE = "Only when it is not possible illegal material."
NOTE_ONLY_IF_NOT_ALLEGATION = "Only when it is not a possible allegation about an adult."

# Shown at once on the second step and again on the thanks.
CHILD_IN_DANGER = "*If a child is in immediate danger, call 999.*"
ILLEGAL_WARNING = (
    "*Do not screenshot, copy or forward it*, not even to report it: that can be an offence. "
    "Leave the device as it is and tell the DSL in person too."
)

# --- after the report -------------------------------------------------------------------------

THANKS = "Concern #{number} is recorded (reported {reported}). {told}."
OUT_OF_HOURS = (
    "It is outside school hours, so the {lead} may not see this until the next school day "
    "({day}). Meanwhile: if a child is in immediate danger, call 999; if a child is at risk of "
    "harm, call {social_care}."
)
SOCIAL_CARE_NUMBER = "the local children's social care team on {phone}"
SOCIAL_CARE_NO_NUMBER = (
    "the local children's social care team (the number is in the safeguarding policy)"
)
RECORD_WITH_LINK = "Now record what you saw and did in {system}: {url}"
RECORD_NO_LINK = (
    "Now record what you saw and did in {system}, as the safeguarding policy says: Safekeep "
    "keeps only that a concern was raised."
)
SCHOOL_RECORD = "the school's safeguarding record"
ALLEGATION_NOTE = (
    "This may be an allegation about an adult who works with children. It belongs in the "
    "school's allegations procedure: Safekeep keeps no details, and the {lead} will consult the "
    "LADO (the local authority's designated officer) within one working day. Don't discuss it "
    "with the person concerned."
)
NOBODY_TOLD = (
    "Nobody holds the roles that should hear about it in Safekeep, so please tell the DSL or "
    "the Headteacher in person now"
)
TOLD = "{roles} {verb} been told"
TOLD_NEXT_DAY = "{roles} will be told on the next school day ({day})"
ROLE_WORDS: dict[str, str] = {
    "dsl": "the DSL",
    "deputy_dsl": "the deputy DSLs",
    "headteacher": "the Headteacher",
    "dpo": "the DPO",
    "it_lead": "the IT lead",
    "online_safety_lead": "the Online Safety lead",
    "chair_of_governors": "the chair of governors",
}
PLURAL_ROLES = frozenset({"deputy_dsl"})
LEAD_WORDS = {"pupil": "DSL", "filtering": "Online Safety lead", "device": "Online Safety lead"}

# --- direct messages: reference, kind and flags only -------------------------------------------

ALERT = "Concern #{number} · {kind}{flags} · reported {reported}"
NEEDS_ACK = " · please acknowledge"
FLAG_WORDS: dict[str, str] = {
    "illegal_material": "possible illegal material: do not screenshot or forward",
    "about_headteacher": "concerns the Headteacher",
    "child_affected": "a child may be affected",
    "harm_threshold": "may meet the harm threshold: consult the LADO by {lado_day}",
    "out_of_hours": "reported out of school hours",
}
ESCALATION = "Escalation: nobody has acknowledged Concern #{number} ({kind}{flags}) since {since}"
LADO_REMINDER = (
    "Reminder: Concern #{number} may meet the harm threshold: consult the LADO today ({day})"
)
ACKNOWLEDGE = "Acknowledge"
OPEN = "Open"

# --- the lead's record ------------------------------------------------------------------------

ACKNOWLEDGED = "Thank you: you are handling Concern #{number} (acknowledged {at})."
ALREADY_ACKNOWLEDGED = "{who} is already handling Concern #{number} (acknowledged {at})."
CLOSED_ALREADY = "Concern #{number} is closed."
HANDLING_TITLE = "Concern #{number}"
HANDLING_INTRO = (
    "Concern #{number} · {kind}{sub_kind}{flags} · reported {reported} by {reporter}"
    "{handler}. Record what was done; the detail belongs in {system}."
)
HANDLED_BY = " · handled by {who}"
SYSTEM_REF_LABEL = "Reference in {system}"
OUTCOMES_LABEL = "What has been done?"
OUTCOMES: dict[str, str] = {
    "recorded": "Recorded in the safeguarding system",
    "parents_told": "Parents or carers informed",
    "police_told": "Police informed",
    "la_told": "The local authority or children's social care informed",
    "lado_consulted": "LADO consulted",
    "filtering_changed": "Filtering or monitoring changed",
    "sanction": "Sanction under the behaviour policy",
    "no_further_action": "No further action",
}
# The outcomes each kind offers.
KIND_OUTCOMES: dict[str, tuple[str, ...]] = {
    "pupil": ("recorded", "parents_told", "police_told", "la_told", "no_further_action"),
    "filtering": ("recorded", "filtering_changed", "police_told", "no_further_action"),
    "adult": ("recorded", "lado_consulted", "police_told", "no_further_action"),
    "device": ("recorded", "parents_told", "sanction", "filtering_changed", "no_further_action"),
}
PARENTS_TOLD_BY_LABEL = "Who told the parents or carers?"
TELLERS: dict[str, str] = {
    "dsl": "The DSL or a deputy",
    "headteacher": "The Headteacher",
    "class_teacher": "The class teacher",
    "other": "Another member of staff",
}
PARENTS_TOLD_ON_LABEL = "When were they told?"
PARENTS_HINT = "Only when parents or carers were informed."
FILTERING_BY_LABEL = "Who changed the filtering or monitoring?"
CHANGERS: dict[str, str] = {
    "it_lead": "The IT lead",
    "online_safety_lead": "The Online Safety lead",
    "provider": "The filtering or monitoring provider",
    "other": "Someone else",
}
FILTERING_HINT = "Only when the filtering or monitoring was changed."
ACTIONS_LABEL = "Actions taken"
CLOSE_LABEL = "Close the concern now?"
CLOSE_NEEDS = "Record at least one outcome before closing."
REF_NEEDED = "Give the reference in {system}, since it is recorded there."
IN_FUTURE = "This date is in the future."
SAVED = "Concern #{number} updated: {what}."
SAVED_CLOSED = "Concern #{number} is closed: {what}."
NOTHING_CHANGED = "Nothing changed on Concern #{number}."

# --- the log ----------------------------------------------------------------------------------

LOG_HEADING = "*Online-safety incident log*"
OPEN_HEADING = "*Online-safety concerns still open*"
EVENT_LABELS: dict[str, str] = {
    "reported": "reported",
    "alerted": "leads told",
    "acknowledged": "acknowledged",
    "opened": "opened",
    "escalated": "escalated",
    "lado_reminder": "LADO reminder sent",
    "updated": "record updated",
    "closed": "closed",
}
STATUS_WORDS = {"open": "open", "acknowledged": "being handled", "closed": "closed"}

NOTES_PURGED = (
    "The notes and timeline of this closed concern were removed on {day} at the end of the "
    "school's retention period; its kind, flags and outcome remain."
)
