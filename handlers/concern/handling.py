"""The handling lead's part: acknowledge from the DM, open the concern, record what was done.

Only the roles a concern reached may acknowledge or open it (never the Headteacher when it is
about the Headteacher); ``access.require_role_in`` audits every refusal. Opening a concern counts
as acknowledging it, and every opening is on the timeline and in the audit chain. The first to
acknowledge or open it is the lead handling it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers import forms
from handlers.access import require_role_in
from handlers.concern import messages as msg
from handlers.concern import records
from handlers.context import Context
from handlers.flow import Answers, FlowForm, State
from handlers.forms import Form
from handlers.replies import Ask, Button, Reply, Say, listed
from storage.models import Concern, Person

FORM_ID = "concern.handle"


def may_handle(ctx: Context, concern: Concern) -> None:
    """Refuse (audited) anyone the concern did not reach."""
    route = records.route_of(ctx, concern)
    require_role_in(
        ctx, "concern.handle", route.handlers, records.subject(concern), excluded=route.excluded
    )


def acknowledge(ctx: Context, value: str) -> Reply:
    """The DM's Acknowledge: who is handling it and when, which stops the escalation."""
    concern = records.find(ctx, value)
    may_handle(ctx, concern)
    concern = records.lock(ctx, concern)
    if concern.acknowledged_at is not None:
        who = ctx.session.get_one(Person, concern.acknowledged_by_id)
        return Say(
            msg.ALREADY_ACKNOWLEDGED.format(
                who=who.display_name, number=concern.number, at=ctx.when(concern.acknowledged_at)
            )
        )
    record_acknowledgement(ctx, concern, via="button")
    return Say(
        msg.ACKNOWLEDGED.format(number=concern.number, at=ctx.when(ctx.now)),
        (records_button(concern),),
        done=True,
    )


def records_button(concern: Concern) -> Button:
    return Button(msg.OPEN, "concern.open", str(concern.id), "primary")


def record_acknowledgement(ctx: Context, concern: Concern, **how: Any) -> None:
    """The actor becomes the lead handling it; the concern must be locked."""
    concern.acknowledged_at = ctx.now
    concern.acknowledged_by_id = ctx.person.id
    if concern.status == "open":
        concern.status = "acknowledged"
    minutes = int((ctx.now - concern.reported_at).total_seconds() // 60)
    records.record_event(ctx, concern, "acknowledged", minutes_after_report=minutes, **how)


def open_concern(ctx: Context, value: str) -> Reply:
    """The DM's Open (and `/concern open N`): the handling form; opening acknowledges it."""
    return open_found(ctx, records.find(ctx, value))


def open_found(ctx: Context, concern: Concern) -> Reply:
    may_handle(ctx, concern)
    concern = records.lock(ctx, concern)
    if concern.acknowledged_at is None:
        record_acknowledgement(ctx, concern, via="open")
    records.record_event(ctx, concern, "opened")
    if concern.status == "closed":
        return Say(intro(ctx, concern) + "\n\n" + msg.CLOSED_ALREADY.format(number=concern.number))
    return Ask(handling_form(ctx, concern))


def intro(ctx: Context, concern: Concern) -> str:
    reporter = ctx.session.get_one(Person, concern.reporter_id)
    handler = ""
    if concern.acknowledged_by_id:
        who = ctx.session.get_one(Person, concern.acknowledged_by_id)
        handler = msg.HANDLED_BY.format(who=who.display_name)
    sub_kind = f" ({msg.SUB_KINDS[concern.sub_kind].lower()})" if concern.sub_kind else ""
    text = msg.HANDLING_INTRO.format(
        number=concern.number,
        kind=records.kind_words(concern),
        sub_kind=sub_kind,
        flags=records.flag_words(ctx, concern),
        reported=ctx.when(concern.reported_at),
        reporter=reporter.display_name,
        handler=handler,
        system=records.system_name(ctx),
    )
    if concern.note:
        text += f"\nNote from the reporter: {concern.note}"
    if concern.details_purged_at:
        day = ctx.local(concern.details_purged_at).strftime("%-d %b %Y")
        text += "\n" + msg.NOTES_PURGED.format(day=day)
    return text + "\n" + timeline(ctx, concern)


def timeline(ctx: Context, concern: Concern) -> str:
    """What happened to the concern and who did it (openings are in the audit chain only)."""
    lines = ["Timeline:"]
    for event in concern.events:
        if event.kind == "opened":
            continue
        actor = ctx.session.get(Person, event.actor_id) if event.actor_id else None
        lines.append(
            f"• {ctx.when(event.at)} {msg.EVENT_LABELS.get(event.kind, event.kind)}"
            + (f" ({actor.display_name})" if actor else "")
        )
    return "\n".join(lines)


def keeps_free_text(concern: Concern) -> bool:
    """A possible allegation about an adult keeps no free text at all."""
    return "harm_threshold" not in concern.flags


def handling_form(ctx: Context, concern: Concern) -> Form:
    """The outcome, pre-filled with what is recorded already."""
    system = records.system_name(ctx)
    outcomes = {k: msg.OUTCOMES[k] for k in msg.KIND_OUTCOMES[concern.kind]}
    fields: list[forms.Field] = [
        forms.multi("outcomes", msg.OUTCOMES_LABEL, outcomes, required=False),
        forms.text(
            "system_ref",
            msg.SYSTEM_REF_LABEL.format(system=system),
            required=_recorded,
            missing=msg.REF_NEEDED.format(system=system),
            screen="reference",
            max_length=64,
        ),
    ]
    if "parents_told" in outcomes:
        parents = forms.When("outcomes", ("parents_told",), msg.PARENTS_HINT)
        fields += [
            forms.single("parents_told_by", msg.PARENTS_TOLD_BY_LABEL, msg.TELLERS, when=parents),
            forms.date_field(
                "parents_told_on",
                msg.PARENTS_TOLD_ON_LABEL,
                when=parents,
                validators=(lambda day: msg.IN_FUTURE if day > ctx.today else None,),
            ),
        ]
    if "filtering_changed" in outcomes:
        changed = forms.When("outcomes", ("filtering_changed",), msg.FILTERING_HINT)
        fields.append(
            forms.single("filtering_changed_by", msg.FILTERING_BY_LABEL, msg.CHANGERS, when=changed)
        )
    if keeps_free_text(concern):
        fields.append(
            forms.long_text("actions", msg.ACTIONS_LABEL, required=False, max_length=1000)
        )
    fields.append(forms.yes_no("close", msg.CLOSE_LABEL, initial=False, checks=(_closing_needs,)))
    form = Form(
        id=FORM_ID,
        title=msg.HANDLING_TITLE.format(number=concern.number),
        intro=intro(ctx, concern),
        fields=tuple(fields),
        submit="Save",
        state={"concern_id": concern.id},
    )
    return form.prefilled(_current(concern))


def _recorded(answers: Mapping[str, Any]) -> bool:
    """Recorded in the safeguarding system: then its reference is needed."""
    return "recorded" in (answers.get("outcomes") or [])


def _closing_needs(close: bool, answers: Mapping[str, Any]) -> str | None:
    """A concern is closed with at least one outcome recorded."""
    if close and not answers.get("outcomes"):
        return msg.CLOSE_NEEDS
    return None


def _current(concern: Concern) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(concern, name)
        if value not in (None, []):
            values[name] = value
    return values


# What the form records, by the concern's column names.
FIELDS = (
    "outcomes",
    "system_ref",
    "parents_told_by",
    "parents_told_on",
    "filtering_changed_by",
    "actions",
)


def handling_form_for(ctx: Context, state: State) -> Form:
    concern = records.find(ctx, state.get("concern_id", ""))
    may_handle(ctx, concern)
    return handling_form(ctx, concern)


def save(ctx: Context, answers: Answers, state: State) -> Reply:
    """Store what was done, on the timeline (which fields, which outcomes: never the text)."""
    concern = records.find(ctx, state.get("concern_id", ""))
    may_handle(ctx, concern)
    concern = records.lock(ctx, concern)
    if concern.status == "closed":
        return Say(msg.CLOSED_ALREADY.format(number=concern.number))
    if concern.acknowledged_at is None:
        record_acknowledgement(ctx, concern, via="record")
    form = handling_form(ctx, concern)
    changed: list[str] = []
    for name in FIELDS:
        if name not in answers:  # a field this concern's form doesn't have
            continue
        value = answers[name]
        if getattr(concern, name) != value:
            setattr(concern, name, value)
            changed.append(name)
    if changed:
        records.record_event(
            ctx, concern, "updated", fields=sorted(changed), outcomes=list(concern.outcomes)
        )
    closing = bool(answers.get("close"))
    if closing:
        concern.status = "closed"
        concern.closed_at = ctx.now
        concern.closed_by_id = ctx.person.id
        records.record_event(ctx, concern, "closed", outcomes=list(concern.outcomes))
    if not changed and not closing:
        return Say(msg.NOTHING_CHANGED.format(number=concern.number))
    what = listed(form.field(name).label.rstrip("?").lower() for name in changed) or "no changes"
    if concern.outcomes:
        what = listed(msg.OUTCOMES[o].lower() for o in concern.outcomes)
    template = msg.SAVED_CLOSED if closing else msg.SAVED
    return Say(template.format(number=concern.number, what=what), done=True)


FORMS = {FORM_ID: FlowForm(build=handling_form_for, submit=save)}
