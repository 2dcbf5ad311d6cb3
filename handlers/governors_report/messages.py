"""Every word of the termly report to governors: on the page, in the CSV, in chat and in DMs."""

from __future__ import annotations

TITLE = "Termly report to governors"
SUBTITLE = "{school} · {term} ({dates}) compared with {last}"
NO_LAST_YEAR = "the same term last year (not in the school's calendar)"
COUNTS_ONLY = (
    "Counts only: nothing here names a person. Counts under 3 are shown as 'fewer than 3', "
    "and figures worked out from fewer than 3 cases are not shown, so that no one can be "
    "identified in a small school."
)
MADE_ON = "Made by Safekeep on {day}."

FEWER_THAN_3 = "fewer than 3"
NOT_SHOWN_FEW = "not shown (fewer than 3 {what})"
NOT_KEPT = "not kept for past terms"
NONE_YET = "none yet"

BREACHES = "Data breaches"
LOGGED = "Breaches and suspected breaches logged"
REPORTED_TO_ICO = "Reported to the ICO"
NEAR_MISSES = "Near misses"
MEDIAN_HOURS = "Median hours from report to the ICO decision"
AFTER_DEADLINE = "ICO decisions made after {hours} hours"
DECISIONS = "decisions"

OFFSITE = "Records taken off site"
DECLARED = "Declarations of records taken off site"
LATE = "Came back after their return date"
MISSING = "Records not brought back (missing)"

CONCERNS = "Online-safety concerns"
CONCERNS_ALL = "Concerns reported"
CONCERN_KIND = "{kind}"
MEDIAN_MINUTES_TO_ACK = "Median minutes from report to acknowledgement"
ACKNOWLEDGEMENTS = "acknowledged concerns"
AUP = "Acceptable Use Policy: signed today, by group"
AUP_SIGNED = "{group}: signed"
TO_SIGN = "people to sign"
NO_AUP = "No policy is published in Safekeep yet."

CHART_ALT = "Bar chart, {title}. {parts}."
CHART_ALT_PART = "{label}: {this_term} {this}, {last_term} {last}"
CHART_ALT_PART_ONE = "{label}: {this}"
CHART_NOTE = "Bars are drawn only for counts of 3 or more; '<3' marks a count under 3."

CSV_SECTION, CSV_MEASURE = "section", "measure"
LAST_YEAR_MISSING = "same term last year"

# Chat and DMs: counts only, as every DM (no names).
DM_TEXT = (
    "The termly report to governors for {term} is attached (PDF, with the same figures as "
    "CSV). Counts only; please forward it to the governing board."
)
ON_DEMAND = "{summary}\n\nThe PDF is on its way to you as a direct message."
FILE_LINK = "Download the report ({name}); the link works until {until}."
NO_TERMS = "No terms are set in school.toml, so there is no termly report yet."
NO_TERM_ENDED = "No term has ended yet in the school's calendar, so there is no termly report."
REPORT_USAGE = "Use `/safekeep report` for the term just ended, or `/safekeep report TERM`."
