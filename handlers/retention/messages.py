"""The words of a purge, as the shell prints them: kinds, ids and counts, never a value."""

from __future__ import annotations

from handlers.retention.rules import Plan
from handlers.settings import SchoolSettings

# Each kind, and what its ids are.
LABELS: dict[str, str] = {
    "breach_details": "Closed breaches' details: free text and timeline (the counts stay) "
    "[breach ids]",
    "concern_details": "Closed online-safety concerns' notes and timeline (the counts stay) "
    "[concern ids]",
    "offsite_declarations": "Off-site declarations past their academic year [declaration ids]",
    "leaver_aup_records": "Leavers' AUP signatures, questions and exemptions [person ids]",
    "answered_aup_questions": "Answered AUP questions [question ids]",
    "leavers_anonymised": "Leavers' names and emails, replaced by 'Former member of staff' "
    "[person ids]",
    "delivered_messages": "Delivered chat messages [message ids]",
    "message_files": "Report files those messages carried [file ids]",
}
# At most this many ids are listed per kind; the count is always whole.
SHOWN_IDS = 50


def lines(school_name: str, school_id: int, found: Plan, *, dry_run: bool) -> list[str]:
    head = f"{school_name} (school {school_id}):"
    if found.empty:
        done = [] if dry_run else ["  The purge is recorded in the audit trail."]
        return [head, "  Nothing has passed its retention period.", *done]
    verb = "Would remove (dry run: nothing was changed)" if dry_run else "Removed"
    out = [f"{head} {verb}:"]
    for expired in found.kinds:
        if not expired.rows:
            continue
        shown = ", ".join(str(i) for i in expired.ids[:SHOWN_IDS])
        more = f" and {len(expired.ids) - SHOWN_IDS} more" if len(expired.ids) > SHOWN_IDS else ""
        out.append(f"  {expired.rows:>5}  {LABELS[expired.kind]}: {shown}{more}")
    if not dry_run:
        out.append("  Recorded in the audit trail (counts only).")
    return out


def settings_line(s: SchoolSettings) -> str:
    """The retention periods, for `/safekeep settings`."""
    return (
        f"• Retention: off-site declarations for their academic year and "
        f"{s.retention_offsite_years} more (as long as a breach they are linked to); closed "
        f"breaches' details {s.retention_breach_years} years and closed concerns' notes "
        f"{s.retention_concern_years} years after closure (the counts stay); a leaver's AUP "
        f"history {s.retention_leaver_aup_years} years after leaving; answered AUP questions "
        f"{s.retention_answered_question_days} days; delivered messages "
        f"{s.retention_message_days} days. Purged weekly at night; `python -m bot purge "
        "--dry-run` on the server lists what would go"
    )
