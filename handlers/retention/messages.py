"""The words of a purge, as the shell prints them: kinds, ids and counts, never a value."""

from __future__ import annotations

from handlers.retention.rules import Plan

# Each kind, and what its ids are.
LABELS: dict[str, str] = {
    "breach_details": "Closed breaches' details: free text, timeline, who handled them "
    "(the counts stay) [breach ids]",
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
        return [head, "  Nothing has passed its retention period."]
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
