"""The DPO's, SIRO's (Headteacher's) and DSL's triage of a report: the decisions and closing.

Triage is for those three roles only; ``access.require`` audits every refusal. Opening or saving
the triage of an unacknowledged report acknowledges it too: a lead working on it has plainly
seen the alert, so escalation must stop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import Any

from handlers import forms
from handlers.access import require
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.breach.acknowledge import record_acknowledgement
from handlers.context import Context
from handlers.flow import Answers, FlowForm, State
from handlers.forms import Form, FormErrors
from handlers.replies import Ask, Button, Reply, Say
from storage.models import Incident

FORM_ID = "breach.triage"
# The fewest words a reason for not reporting a breach assessed as a risk may have.
MIN_NOT_NOTIFY_WORDS = 8
RISKY = frozenset(msg.RISK_WORDS)
WORD = re.compile(r"\w+(?:['’-]\w+)*")

# Triage answers stored as they are (the form's field name is the incident's column name).
PLAIN_FIELDS = (
    "classification",
    "cia",
    "risk",
    "risk_reasoning",
    "record_count",
    "subject_count",
    "ico_rationale",
    "ico_notified_at",
    "ico_case_ref",
    "delay_reason",
    "subjects_rationale",
    "art34_exception",
    "subjects_method",
    "subjects_told_at",
    "other_bodies",
    "containment",
    "lessons_learned",
)


def _acknowledge_by_triage(ctx: Context, incident: Incident) -> None:
    if incident.acknowledged_at is None:
        record_acknowledgement(ctx, incident, via="triage")


def open_triage(ctx: Context, value: str) -> Reply:
    incident = incidents.find(ctx, value)
    return triage_for(ctx, incident)


def triage_for(ctx: Context, incident: Incident) -> Reply:
    """The triage form; opening it acknowledges the alert if nobody has yet."""
    require(ctx, "breach.triage", incidents.subject(incident))
    incident = incidents.lock(ctx, incident)
    if incident.status == "closed":
        return Say(msg.CLOSED_ALREADY.format(number=incident.number))
    _acknowledge_by_triage(ctx, incident)
    incidents.record_event(ctx, incident, "details_viewed", via="triage")
    return Ask(triage_form(ctx, incident))


def triage_form(ctx: Context, incident: Incident) -> Form:
    """The DPO/SIRO/DSL decisions, pre-filled with what is already recorded."""
    deadline = incidents.ico_deadline(incident, ctx.settings)
    state = "passed" if ctx.now > deadline else f"{_hours(deadline - ctx.now)} left"
    decided = ("notify", "not_notify")
    fields = (
        forms.single("classification", "Is it a personal data breach?", msg.CLASSIFICATIONS),
        forms.multi("cia", "Type of breach", msg.CIA, required=False),
        forms.single("risk", "Risk to the people affected", msg.RISKS, required=False),
        forms.long_text(
            "risk_reasoning",
            "Why this level of risk?",
            when=forms.When("risk", tuple(msg.RISKS), msg.RISK_REASONING_HINT),
            missing=msg.RISK_REASONING_NEEDED,
        ),
        forms.single("record_count", "About how many records?", msg.COUNT_BANDS, required=False),
        forms.single(
            "subject_count",
            "About how many people (data subjects)?",
            msg.COUNT_BANDS,
            required=False,
        ),
        forms.single("ico_decision", "Report to the ICO?", msg.ICO_DECISIONS),
        forms.long_text(
            "ico_rationale",
            "Reason for the ICO decision",
            when=forms.When("ico_decision", decided, msg.DECISION_REASON_HINT),
            missing=_rationale_missing,
            checks=(_fuller_reason,),
        ),
        forms.multi(
            "confirm_not_notify",
            msg.NOT_NOTIFY_CONFIRM_LABEL,
            msg.NOT_NOTIFY_CONFIRM_CHOICE,
            when=forms.WhenAnswers(_not_notifying_a_risk, msg.NOT_NOTIFY_CONFIRM_HELP),
            missing=_confirmation_missing,
        ),
        forms.datetime_field(
            "ico_notified_at",
            "When was the ICO told?",
            required=False,
            validators=(lambda told: msg.NOTIFIED_IN_FUTURE if told > ctx.now else None,),
        ),
        forms.text(
            "ico_case_ref", "ICO case reference", required=False, screen="reference", max_length=64
        ),
        forms.long_text(
            "delay_reason",
            msg.DELAY_REASON_LABEL.format(hours=ctx.settings.ico_deadline_hours),
            when=forms.WhenAnswers(_late(ctx, incident), msg.DELAY_REASON_HINT),
            missing=msg.DELAY_REASON_NEEDED.format(
                hours=ctx.settings.ico_deadline_hours, deadline=ctx.when(deadline)
            ),
            help=msg.NO_NAMES,
        ),
        forms.single("subjects_decision", "Tell the people affected?", msg.SUBJECT_DECISIONS),
        forms.single(
            "art34_exception",
            "If not telling them: which exception applies?",
            msg.ART34_EXCEPTIONS,
            required=False,
        ),
        forms.long_text(
            "subjects_rationale",
            "Reason for that decision",
            when=forms.When("subjects_decision", ("tell", "not_tell"), msg.DECISION_REASON_HINT),
            missing=msg.RATIONALE_NEEDED,
        ),
        forms.single(
            "subjects_method",
            "How are they told?",
            msg.SUBJECT_METHODS,
            when=forms.When("subjects_decision", ("tell",), msg.TELLING_HINT),
            missing=msg.METHOD_NEEDED,
        ),
        forms.date_field(
            "subjects_told_at",
            "When were they told?",
            required=False,
            when=forms.When("subjects_decision", ("tell",), msg.TELLING_HINT),
            validators=(lambda day: msg.NOTIFIED_IN_FUTURE if day > ctx.today else None,),
        ),
        forms.multi("other_bodies", "Who else has been told?", msg.OTHER_BODIES, required=False),
        forms.long_text("containment", "Containment and recovery actions", required=False),
        forms.long_text("lessons_learned", "Lessons learned", required=False),
        forms.yes_no("close", "Close the incident now?", initial=False),
    )
    form = Form(
        id=FORM_ID,
        title=f"Triage Breach #{incident.number}",
        intro=msg.TRIAGE_INTRO.format(
            number=incident.number,
            what=incidents.what(incident),
            special=incidents.yes_no(incidents.special_data(incident)),
            reported=ctx.when(incident.reported_at),
            deadline=ctx.when(deadline),
            deadline_state=state,
        ),
        fields=fields,
        submit="Save",
        state={"incident_id": incident.id},
    )
    return form.prefilled(_current_values(ctx, incident))


def _current_values(ctx: Context, incident: Incident) -> dict[str, Any]:
    values: dict[str, Any] = {
        "classification": incident.classification or "investigating",
        "ico_decision": incident.ico_decision or "undecided",
        "subjects_decision": incident.subjects_decision or "undecided",
    }
    for name in PLAIN_FIELDS:
        value = getattr(incident, name)
        if value in (None, []):
            continue
        if name == "subjects_told_at":
            value = ctx.local(value).date()
        elif isinstance(value, datetime):
            value = ctx.local(value).replace(tzinfo=None)
        values[name] = value
    if _confirmed_not_notifying_a_risk(incident):
        values["confirm_not_notify"] = ["confirmed"]
    return values


def _confirmed_not_notifying_a_risk(incident: Incident) -> bool:
    """The standing decision is not to report a risk, and it was confirmed when it was made:
    saving other changes later needs no second confirmation."""
    return (
        incident.ico_decision == "not_notify"
        and incident.risk in RISKY
        and any(e.kind == "ico_decided" and e.details.get("against_risk") for e in incident.events)
    )


def triage_form_for(ctx: Context, state: State) -> Form:
    incident = incidents.find(ctx, state.get("incident_id", ""))
    require(ctx, "breach.triage", incidents.subject(incident))
    return triage_form(ctx, incident)


def save_triage(ctx: Context, answers: Answers, state: State) -> Reply:
    """Check the decisions hang together, store them and put each change on the timeline."""
    incident = incidents.find(ctx, state.get("incident_id", ""))
    require(ctx, "breach.triage", incidents.subject(incident))
    incident = incidents.lock(ctx, incident)
    if incident.status == "closed":
        return Say(msg.CLOSED_ALREADY.format(number=incident.number))
    _check(ctx, incident, answers)
    _acknowledge_by_triage(ctx, incident)
    changed = []
    for name in PLAIN_FIELDS:
        value = answers.get(name)
        if isinstance(value, list) and not value:
            value = []
        if name == "subjects_told_at" and value is not None:
            # A day is enough here; stored as noon London time on that day.
            value = datetime.combine(answers[name], time(12, 0), tzinfo=ctx.tz)
        if getattr(incident, name) != value:
            setattr(incident, name, value)
            changed.append(name)
    _decide(ctx, incident, answers, changed)
    if changed:
        incidents.record_event(
            ctx,
            incident,
            "triaged",
            fields=sorted(changed),
            classification=incident.classification,
            risk=incident.risk,
        )
    if answers.get("close"):
        incident.status = "closed"
        incident.closed_at = ctx.now
        incident.closed_by_id = ctx.person.id
        changed.append("status")
        incidents.record_event(ctx, incident, "closed", classification=incident.classification)
    if not changed:
        return Say(msg.NOTHING_CHANGED.format(number=incident.number))
    form = triage_form(ctx, incident)
    labels = [form.field(name).label for name in changed if name != "status"]
    return Say(
        msg.triaged(incident.number, labels, closed="status" in changed),
        (Button("Open details", "breach.details", str(incident.id)),),
        done=True,
    )


def _decide(ctx: Context, incident: Incident, answers: Answers, changed: list[str]) -> None:
    """Record the ICO and data-subject decisions, each as its own timeline event.

    Setting the ICO decision back to "not decided yet" withdraws it completely: the decision
    time goes too, so the clock's reminders resume and the log shows no decision.
    """
    deadline = incidents.ico_deadline(incident, ctx.settings)
    decision = answers["ico_decision"]
    stored = None if decision == "undecided" else decision
    if stored != incident.ico_decision:
        withdrawn = incident.ico_decision
        incident.ico_decision = stored
        changed.append("ico_decision")
        if stored is None:
            incident.ico_decided_at = None
            incidents.record_event(ctx, incident, "ico_undecided", withdrawn=withdrawn)
        else:
            first = incident.ico_decided_at is None
            if first:
                incident.ico_decided_at = ctx.now
            incidents.record_event(
                ctx,
                incident,
                "ico_decided",
                decision=stored,
                against_risk=_not_notifying_a_risk(answers),
                first=first,
                late=ctx.now > deadline,
                hours_after_report=round(
                    (ctx.now - incident.reported_at).total_seconds() / 3600, 1
                ),
            )
    subjects = answers["subjects_decision"]
    stored = None if subjects == "undecided" else subjects
    if stored != incident.subjects_decision:
        incident.subjects_decision = stored
        changed.append("subjects_decision")
        if stored is not None:
            incidents.record_event(
                ctx,
                incident,
                "subjects_decided",
                decision=stored,
                exception=incident.art34_exception,
            )


def _check(ctx: Context, incident: Incident, answers: Answers) -> None:
    """What the fields can't check on their own: an exception for not telling people about a
    high risk, and closing only once the breach and the ICO decision are recorded."""
    errors: dict[str, str] = {}
    if (
        answers["subjects_decision"] == "not_tell"
        and answers.get("risk") == "high"
        and not answers.get("art34_exception")
    ):
        errors["art34_exception"] = msg.EXCEPTION_NEEDED
    deciding = answers["ico_decision"] != "undecided"
    if answers.get("close") and (answers["classification"] == "investigating" or not deciding):
        errors["close"] = msg.CLOSE_NEEDS
    if errors:
        raise FormErrors(errors)


def _not_notifying_a_risk(answers: Mapping[str, Any]) -> bool:
    return answers.get("ico_decision") == "not_notify" and answers.get("risk") in RISKY


def _late(ctx: Context, incident: Incident) -> Callable[[Mapping[str, Any]], bool]:
    """Whether the ICO decision (or telling the ICO) comes after the deadline, given the answers:
    then the reason for the delay is needed (Art 33(1))."""
    deadline = incidents.ico_deadline(incident, ctx.settings)

    def late(answers: Mapping[str, Any]) -> bool:
        deciding = answers.get("ico_decision") in ("notify", "not_notify")
        decided_at = (incident.ico_decided_at or ctx.now) if deciding else None
        notified = answers.get("ico_notified_at")
        return (decided_at is not None and decided_at > deadline) or (
            notified is not None and notified > deadline
        )

    return late


def _rationale_missing(answers: Mapping[str, Any]) -> str:
    if _not_notifying_a_risk(answers):
        return _fuller_reason("", answers) or msg.RATIONALE_NEEDED
    return msg.RATIONALE_NEEDED


def _fuller_reason(reason: str, answers: Mapping[str, Any]) -> str | None:
    """Not reporting a breach assessed as a risk needs a reason of more than a few words."""
    if not _not_notifying_a_risk(answers):
        return None
    count = len(WORD.findall(reason or ""))
    if count >= MIN_NOT_NOTIFY_WORDS:
        return None
    return msg.NOT_NOTIFY_REASON_NEEDED.format(
        risk=msg.RISK_WORDS[answers["risk"]], words=MIN_NOT_NOTIFY_WORDS, count=count
    )


def _confirmation_missing(answers: Mapping[str, Any]) -> str:
    """Not reporting a breach assessed as a risk: an explicit confirmation at its own field."""
    return msg.NOT_NOTIFY_CONFIRM_NEEDED.format(
        risk=msg.RISK_WORDS.get(str(answers.get("risk")), "")
    )


def _hours(delta: Any) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


FORMS = {FORM_ID: FlowForm(build=triage_form_for, submit=save_triage)}
