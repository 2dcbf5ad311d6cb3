"""The staff's report of an online-safety concern: the kind first, then a few questions.

Submitting the second step stores the concern and tells the right leads in one transaction
(routing.py decides who). The reporter sees the 999 line at once for a concern that may touch a
child, what happens out of school hours, and where the detail is recorded instead: Safekeep
keeps only that a concern was raised, and no free text at all about a pupil or a possible
allegation about an adult.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from handlers import forms
from handlers.access import people_with_roles
from handlers.concern import messages as msg
from handlers.concern import records, routing
from handlers.context import Context
from handlers.errors import UserError
from handlers.flow import Answers, FlowForm, State
from handlers.forms import Form
from handlers.replies import Ask, Button, Notice, Reply, Say, listed
from storage.models import Concern, Person
from storage.outbox import LedgerKey

STEP_KIND = "concern.report"
STEP_DETAILS = "concern.details_step"


def start_report(ctx: Context) -> Reply:
    return Ask(kind_form({"token": secrets.token_hex(16)}))


def kind_form(state: State) -> Form:
    return Form(
        id=STEP_KIND,
        title="Report a concern (1 of 2)",
        intro=msg.REPORT_INTRO,
        notice=msg.CHILD_IN_DANGER,
        fields=(forms.single("kind", msg.KIND_QUESTION, msg.KINDS),),
        submit="Next",
        state=dict(state),
    )


def choose_kind(ctx: Context, answers: Answers, state: State) -> Reply:
    return Ask(details_form(ctx, {**state, "kind": answers["kind"]}))


def details_form(ctx: Context, state: State) -> Form:
    """The second step for the chosen kind; its notice shows 999 (or the illegal-material
    warning) before anything is submitted."""
    kind = str(state.get("kind"))
    fields: tuple[forms.Field, ...]
    notice: str | None = msg.CHILD_IN_DANGER
    if kind == "pupil":
        fields = (forms.single("sub_kind", msg.PUPIL_QUESTION, msg.PUPIL_KINDS),)
    elif kind == "filtering":
        notice = msg.ILLEGAL_WARNING
        fields = (
            forms.single("sub_kind", msg.FILTERING_QUESTION, msg.FILTERING_KINDS),
            forms.single("illegal_material", msg.ILLEGAL_QUESTION, msg.YES_NO_UNSURE),
            _note(forms.When("illegal_material", ("no",), msg.NOTE_ONLY_IF_SAFE)),
        )
    elif kind == "adult":
        fields = (
            forms.single("about_headteacher", msg.ABOUT_HEAD_QUESTION, msg.YES_NO),
            forms.single("child_affected", msg.CHILD_AFFECTED_QUESTION, msg.YES_NO_UNSURE),
            forms.single("harm_threshold", msg.HARM_QUESTION, msg.YES_NO_UNSURE),
            # A possible allegation keeps no free text: a modal's answer to it is dropped.
            _note(forms.When("harm_threshold", ("no",), msg.NOTE_ONLY_IF_NOT_ALLEGATION)),
        )
    elif kind == "device":
        notice = None
        fields = (_note(None),)
    else:  # a dialog from an older version, or tampered with
        raise UserError(msg.START_AGAIN)
    return Form(
        id=STEP_DETAILS,
        title=msg.DETAILS_TITLE,
        intro=msg.KINDS[kind],
        notice=notice,
        fields=fields,
        submit="Report now",
        state=dict(state),
    )


def _note(when: forms.When | None) -> forms.Field:
    return forms.long_text(
        "note", msg.NOTE_LABEL, required=False, max_length=500, help=msg.NOTE_HELP, when=when
    )


def flags_from(kind: str, answers: Mapping[str, Any]) -> list[str]:
    """The flags the answers raise; "not sure" counts as yes wherever a child may be at stake."""
    maybe = ("yes", "unsure")
    flags = []
    if kind == "filtering" and answers.get("illegal_material") in maybe:
        flags.append("illegal_material")
    if kind == "adult":
        if answers.get("about_headteacher") == "yes":
            flags.append("about_headteacher")
        if answers.get("child_affected") in maybe:
            flags.append("child_affected")
        if answers.get("harm_threshold") in maybe:
            flags.append("harm_threshold")
    return flags


def report(ctx: Context, answers: Answers, state: State) -> Reply:
    """Store the concern, tell the leads and thank the reporter with what to do next.

    The same dialog submitted twice finds the concern the first submission stored.
    """
    token = str(state.get("token") or "") or None
    if token is not None:
        earlier = ctx.session.scalar(
            select(Concern).where(Concern.school_id == ctx.school.id, Concern.report_token == token)
        )
        if earlier is not None and earlier.reporter_id == ctx.person.id:
            return thanks(ctx, earlier)
    kind = str(state.get("kind"))
    in_hours = routing.in_school_hours(ctx.settings, ctx.now)
    flags = flags_from(kind, answers)
    if not in_hours:
        flags.append("out_of_hours")
    concern = Concern(
        school_id=ctx.school.id,
        number=records.next_number(ctx),
        reporter_id=ctx.person.id,
        reported_at=ctx.now,
        report_token=token,
        status="open",
        kind=kind,
        sub_kind=answers.get("sub_kind"),
        flags=flags,
        note=answers.get("note"),
        outcomes=[],
    )
    ctx.session.add(concern)
    ctx.session.flush()
    records.record_event(
        ctx, concern, "reported", kind=kind, sub_kind=concern.sub_kind, flags=list(flags)
    )
    tell_leads(ctx, concern)
    return thanks(ctx, concern)


def recipients(ctx: Context, route: routing.Route, roles: tuple[str, ...]) -> list[Person]:
    """Active holders of these roles, never anyone the route excludes (the Headteacher, for a
    concern about the Headteacher, even when they hold another of the roles)."""
    people = people_with_roles(ctx, roles)
    return [p for p in people if not p.role_names & set(route.excluded)]


def tell_leads(ctx: Context, concern: Concern) -> None:
    """Queue the DMs with Acknowledge and Open: at once, or for the next school morning."""
    route = records.route_of(ctx, concern)
    people = recipients(ctx, route, route.roles)
    held = {r for p in people for r in p.role_names}
    told = [r for r in route.roles if r in held]
    text = alert_text(ctx, concern)
    ctx.notify(
        people,
        Notice(text, buttons(concern)),
        key=LedgerKey(records.subject(concern), "alert"),
        urgent=route.at_once,
        not_before=routing.delivered_from(ctx.settings, route, concern.reported_at),
    )
    records.record_event(
        ctx, concern, "alerted", roles=told, recipients=len(people), at_once=route.at_once
    )


def buttons(concern: Concern) -> tuple[Button, ...]:
    value = str(concern.id)
    return (
        Button(msg.ACKNOWLEDGE, "concern.acknowledge", value, "primary"),
        Button(msg.OPEN, "concern.open", value),
    )


def alert_text(ctx: Context, concern: Concern) -> str:
    return (
        msg.ALERT.format(
            number=concern.number,
            kind=records.kind_words(concern),
            flags=records.flag_words(ctx, concern),
            reported=ctx.when(concern.reported_at),
        )
        + msg.NEEDS_ACK
    )


def told_words(ctx: Context, concern: Concern) -> str:
    """'the DSL and the deputy DSLs have been told', from the roles the alert reached."""
    sent = next((e for e in reversed(concern.events) if e.kind == "alerted"), None)
    roles = list(sent.details.get("roles", [])) if sent else []
    if not roles:
        return msg.NOBODY_TOLD
    words = listed(msg.ROLE_WORDS[r] for r in roles)
    if sent is not None and not sent.details.get("at_once", True):
        route = records.route_of(ctx, concern)
        first = routing.delivered_from(ctx.settings, route, concern.reported_at)
        day = ctx.local(first).strftime("%a %-d %b")
        return msg.TOLD_NEXT_DAY.format(roles=words[0].upper() + words[1:], day=day)
    plural = len(roles) > 1 or roles[0] in msg.PLURAL_ROLES
    text = msg.TOLD.format(roles=words, verb="have" if plural else "has")
    return text[0].upper() + text[1:]


def thanks(ctx: Context, concern: Concern) -> Say:
    """What the reporter reads: 999 first where a child may be at stake, then who was told,
    what happens out of hours, and where to record the detail."""
    route = records.route_of(ctx, concern)
    parts: list[str] = []
    if concern.kind in ("pupil", "adult"):
        parts.append(msg.CHILD_IN_DANGER)
    if "illegal_material" in concern.flags:
        parts.append(msg.ILLEGAL_WARNING)
    parts.append(
        msg.THANKS.format(
            number=concern.number,
            reported=ctx.when(concern.reported_at),
            told=told_words(ctx, concern),
        )
    )
    day = ctx.local(routing.seen_from(ctx.settings, concern.reported_at)).strftime("%a %-d %b")
    if "out_of_hours" in concern.flags and concern.kind in ("pupil", "filtering"):
        phone = ctx.settings.children_social_care_phone
        social_care = (
            msg.SOCIAL_CARE_NUMBER.format(phone=phone) if phone else msg.SOCIAL_CARE_NO_NUMBER
        )
        parts.append(
            msg.OUT_OF_HOURS.format(
                lead=msg.LEAD_WORDS[concern.kind], day=day, social_care=social_care
            )
        )
    if "harm_threshold" in concern.flags:
        lead = "chair of governors" if route.head == "chair_of_governors" else "Headteacher"
        parts.append(msg.ALLEGATION_NOTE.format(lead=lead))
    elif concern.kind in ("pupil", "adult", "device"):
        parts.append(record_words(ctx))
    return Say("\n\n".join(parts), title=f"Concern #{concern.number}", done=True)


def record_words(ctx: Context) -> str:
    """Where the reporter records the detail: a link when the school set one."""
    system = records.system_name(ctx)
    url = ctx.settings.safeguarding_system_url
    if url:
        return msg.RECORD_WITH_LINK.format(system=system, url=url)
    return msg.RECORD_NO_LINK.format(system=system)


FORMS = {
    STEP_KIND: FlowForm(build=lambda ctx, state: kind_form(state), submit=choose_kind),
    STEP_DETAILS: FlowForm(build=details_form, submit=report),
}
