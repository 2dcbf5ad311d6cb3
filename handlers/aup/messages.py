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
