"""The staff part of a breach report: two short steps, stored and alerted at the first.

Step one ("what happened") holds everything the alerts need, so submitting it stores the
incident, starts the ICO clock (T0) and queues the urgent alerts in one transaction: a
report abandoned half-way is never lost, and the people who must know are told at once. Step
two adds when, where and what was done; its header shows the 999 / children's social care
guidance straight away when a child may be at risk, in every adapter.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from handlers import forms
from handlers.access import record_at_school, refuse
from handlers.breach import alerts, incidents
from handlers.breach import messages as msg
from handlers.context import Context
from handlers.errors import Refused, UserError
from handlers.flow import Answers, FlowForm, State
from handlers.forms import Form, FormErrors
from handlers.replies import Ask, Reply, Say
from storage.models import Incident, OffsiteDeclaration

STEP_WHAT = "breach.report"
STEP_DETAILS = "breach.details_step"
# A discovery time a few minutes ahead is a clock difference, not a mistake.
FUTURE_SLACK_MINUTES = 5


# --- step one: what happened ------------------------------------------------------------------


def start_report(ctx: Context, declaration: OffsiteDeclaration | None = None) -> Reply:
    """The first step of the report, pre-filled from an off-site declaration when given.

    The off-site return flow calls this when not everything came back.
    """
    state: State = {"token": secrets.token_hex(16)}
    if declaration is not None:
        if declaration.school_id != ctx.school.id:
            raise UserError(msg.NOT_FOUND)
        state["declaration_id"] = declaration.id
    form = what_form(ctx, state)
    if declaration is not None:
        form = form.prefilled(prefill_from(declaration))
    return Ask(form)


def what_form(ctx: Context, state: State) -> Form:
    """Step one: the kind of incident, what was involved and who may be affected."""
    fields: list[forms.Field] = [
        forms.single("kind", "What happened?", msg.KINDS),
        forms.single("media", "What was involved?", msg.MEDIA),
        forms.text(
            "asset_tag",
            "Device asset tag, if it was a school device (or 'personal')",
            required=False,
            screen="reference",
            max_length=64,
        ),
    ]
    declarations = open_declarations(ctx, state.get("declaration_id"))
    if declarations:
        fields.append(
            forms.single(
                "declaration_id",
                "Is it from records you declared off site?",
                {str(d.id): declaration_label(ctx, d) for d in declarations},
                required=False,
            )
        )
    fields += [
        forms.single("encrypted", "Was the device encrypted or password-locked?", msg.ENCRYPTED),
        forms.multi("categories", "What kinds of records were involved?", msg.CATEGORIES),
        # Asked unless the categories already say yes; a modal shows it anyway, so a No that
        # the categories contradict is refused there.
        forms.single(
            "special_data",
            "Any safeguarding, SEND, medical or child-protection information?",
            msg.YES_NO_UNSURE,
            when=forms.WhenAnswers(_special_data_asked, msg.SPECIAL_DATA_HELP),
            required=_special_data_unsettled,
            missing=msg.SPECIAL_DATA_NEEDED,
            conflicts=(_special_data_contradicted,),
        ),
        forms.single("people_band", "How many people's information?", msg.PEOPLE_BANDS),
        forms.multi("subject_types", "Whose information?", msg.SUBJECT_TYPES),
        forms.single(
            "child_at_risk",
            "Could a child be at immediate risk because of this?",
            msg.YES_NO_UNSURE,
            help=msg.CHILD_RISK_HELP,
        ),
    ]
    return Form(
        id=STEP_WHAT,
        title="Report a breach (1 of 2)",
        intro=msg.REPORT_INTRO,
        fields=tuple(fields),
        submit="Report now",
        state=dict(state),
    )


def report_what(ctx: Context, answers: Answers, state: State) -> Reply:
    """Store the incident (T0), put it on the timeline and alert the people who must know.

    A second submission of the same form (a double click, a retried request) finds the
    incident the first one stored instead of reporting the breach twice.
    """
    token = str(state.get("token") or "") or None
    if token is not None:
        earlier = ctx.session.scalar(
            select(Incident).where(
                Incident.school_id == ctx.school.id, Incident.report_token == token
            )
        )
        if earlier is not None and earlier.reporter_id == ctx.person.id:
            return Ask(details_form(ctx, earlier))
    declaration_id = _chosen_declaration(ctx, answers, state)
    incident = Incident(
        school_id=ctx.school.id,
        number=incidents.next_number(ctx),
        reporter_id=ctx.person.id,
        reported_at=ctx.now,
        report_token=token,
        status="open",
        kind=answers["kind"],
        media=answers["media"],
        asset_tag=answers.get("asset_tag"),
        declaration_id=declaration_id,
        encrypted=answers["encrypted"],
        categories=answers["categories"],
        special_data=incidents.derive_special_data(
            answers["categories"], answers.get("special_data")
        ),
        people_band=answers["people_band"],
        subject_types=answers["subject_types"],
        child_at_risk=answers["child_at_risk"],
        cia=list(msg.KIND_CIA.get(answers["kind"], [])),
        other_bodies=[],
    )
    ctx.session.add(incident)
    ctx.session.flush()
    incidents.record_event(
        ctx,
        incident,
        "reported",
        kind=incident.kind,
        media=incident.media,
        special_data=incident.special_data,
        child_at_risk=incident.child_at_risk,
        declaration_id=declaration_id,
    )
    alerted = alerts.send_alerts(ctx, incident)
    return Ask(details_form(ctx, incident, alerted))


def _special_data_asked(answers: Mapping[str, Any]) -> bool:
    """The categories ticked don't already say safeguarding, SEND or medical data is involved.

    Routine records are asked about too: lesson plans with a pupil's needs written in them are
    the reporter's to flag, and a "yes" must reach the DSL."""
    categories = answers.get("categories") or []
    return bool(categories) and incidents.special_data_from_categories(categories) != "yes"


def _special_data_unsettled(answers: Mapping[str, Any]) -> bool:
    """Only the reporter can say (records that are neither routine nor sensitive): an answer is
    needed. For routine records a blank answer means no."""
    categories = answers.get("categories") or []
    return incidents.special_data_from_categories(categories) is None


def _special_data_contradicted(answer: str, answers: Mapping[str, Any]) -> str | None:
    """A No beside categories that are safeguarding, SEND or medical information themselves."""
    categories = answers.get("categories") or []
    if answer != "no" or incidents.special_data_from_categories(categories) != "yes":
        return None
    ticked = [
        msg.label(msg.CATEGORIES, c) for c in categories if c in incidents.SAFEGUARDING_CATEGORIES
    ]
    return msg.special_data_contradicts(ticked)


def _chosen_declaration(ctx: Context, answers: Answers, state: State) -> int | None:
    raw = answers.get("declaration_id") or state.get("declaration_id")
    if not raw:
        return None
    try:
        declaration = record_at_school(ctx, OffsiteDeclaration, raw, msg.NOT_FOUND)
    except Refused:
        raise
    except UserError:
        raise FormErrors(
            {"declaration_id": "Choose one of your declarations, or leave it blank."}
        ) from None
    return declaration.id


# --- step two: when, where and what was done --------------------------------------------------


def details_form(ctx: Context, incident: Incident, alerted: str | None = None) -> Form:
    """Step two; its notice shows the 999 guidance at once when a child may be at risk."""
    return Form(
        id=STEP_DETAILS,
        title="Report a breach (2 of 2)",
        intro=msg.DETAILS_INTRO.format(
            number=incident.number, alerted=alerted or alerts.alerted_for(incident)
        ),
        notice=msg.CHILD_RISK_GUIDANCE if incidents.child_may_be_at_risk(incident) else None,
        fields=(
            # Discovered first, so each time is checked at its own question as it is given.
            forms.datetime_field(
                "discovered_at",
                "When was it discovered?",
                initial=ctx.local(ctx.now).replace(second=0, microsecond=0, tzinfo=None),
                validators=(_not_in_future(ctx),),
            ),
            forms.datetime_field(
                "occurred_at",
                "When did it happen? Leave blank if you don't know.",
                required=False,
                checks=(_not_after_discovery,),
            ),
            forms.single("location", "Where did it happen?", msg.LOCATIONS),
            forms.long_text("description", "Briefly, what happened?", max_length=1000),
            forms.long_text(
                "actions_taken",
                "What has been done already (e.g. asked for the email to be deleted)?",
                required=False,
                max_length=1000,
            ),
            forms.text(
                "police_ref",
                "Police crime reference, if reported to the police",
                required=False,
                screen="reference",
                max_length=64,
            ),
        ),
        submit="Send details",
        # If step two fails, the reporter is told step one is safe (handlers/errors.apology).
        state={"incident_id": incident.id, "recorded": msg.recorded(incident.number)},
    )


def _not_in_future(ctx: Context) -> forms.Validator:
    latest = ctx.now + timedelta(minutes=FUTURE_SLACK_MINUTES)
    return lambda discovered: msg.TIME_IN_FUTURE if discovered > latest else None


def _not_after_discovery(occurred: datetime, answers: Mapping[str, Any]) -> str | None:
    discovered = answers.get("discovered_at")
    if discovered is not None and occurred > discovered:
        return msg.AFTER_DISCOVERY
    return None


def details_form_for(ctx: Context, state: State) -> Form:
    return details_form(ctx, _own_incident(ctx, state))


def report_details(ctx: Context, answers: Answers, state: State) -> Reply:
    """Add the second step's answers; the reporter is thanked with what happens next."""
    incident = _own_incident(ctx, state, for_update=True)
    discovered, occurred = answers["discovered_at"], answers.get("occurred_at")
    first_time = incident.discovered_at is None
    incident.occurred_at = occurred
    incident.discovered_at = discovered
    incident.location = answers["location"]
    incident.description = answers["description"]
    incident.actions_taken = answers.get("actions_taken")
    incident.police_ref = answers.get("police_ref")
    incidents.record_event(
        ctx,
        incident,
        "details_added",
        location=incident.location,
        occurred_known=occurred is not None,
        police_ref=bool(incident.police_ref),
        again=not first_time,
    )
    return thanks(ctx, incident)


def thanks(ctx: Context, incident: Incident) -> Say:
    text = msg.THANKS.format(
        number=incident.number,
        reported=ctx.when(incident.reported_at),
        alerted=alerts.alerted_for(incident),
        deadline=ctx.when(incidents.ico_deadline(incident, ctx.settings)),
    )
    if incidents.child_may_be_at_risk(incident):
        text = msg.CHILD_RISK_GUIDANCE + "\n\n" + text
    return Say(text, title=f"Breach #{incident.number}", done=True)


def _own_incident(ctx: Context, state: State, *, for_update: bool = False) -> Incident:
    incident = incidents.find(ctx, state.get("incident_id", ""))
    if incident.reporter_id != ctx.person.id:
        refuse(ctx, incidents.subject(incident), "breach.own_report", msg.NOT_FOUND)
    return incidents.lock(ctx, incident) if for_update else incident


# --- links to off-site declarations -----------------------------------------------------------


def open_declarations(ctx: Context, include_id: Any = None) -> list[OffsiteDeclaration]:
    """The reporter's records still off site (and the one the report came from)."""
    query = select(OffsiteDeclaration).where(
        OffsiteDeclaration.school_id == ctx.school.id,
        OffsiteDeclaration.person_id == ctx.person.id,
        OffsiteDeclaration.status.in_(["out", "lost"]),
    )
    found = {d.id: d for d in ctx.session.scalars(query.order_by(OffsiteDeclaration.id))}
    if include_id and str(include_id) not in {str(i) for i in found}:
        extra = record_at_school(ctx, OffsiteDeclaration, include_id, msg.NOT_FOUND)
        found[extra.id] = extra
    return list(found.values())


def declaration_label(ctx: Context, declaration: OffsiteDeclaration) -> str:
    kinds = ", ".join(msg.label(msg.CATEGORIES, i.category) for i in declaration.items)
    return f"Taken {ctx.when(declaration.taken_at)}: {kinds or 'records'}"


def prefill_from(declaration: OffsiteDeclaration) -> dict[str, Any]:
    """Step-one answers a declaration already gives: media, tag, encryption, records, people."""
    fmt = (declaration.format or "").lower()
    if "paper" in fmt:
        media = "paper"
    elif "remote" in fmt or "cloud" in fmt:
        media = "online"
    else:
        media = "device"
    encrypted = {"yes": "yes", "no": "no"}.get(declaration.encryption_confirmed, "unknown")
    values: dict[str, Any] = {
        "declaration_id": str(declaration.id),
        "media": media,
        "encrypted": "not_applicable" if media in ("paper", "online") else encrypted,
        "categories": [i.category for i in declaration.items if i.category in msg.CATEGORIES],
    }
    if declaration.asset_tag:
        values["asset_tag"] = declaration.asset_tag
    elif "personal" in fmt:
        values["asset_tag"] = "personal"
    band = _band(declaration.people_band)
    if band:
        values["people_band"] = band
    return values


def _band(value: str | None) -> str | None:
    """The breach band for an off-site people band ("2–10", "year group" and the like)."""
    text = (value or "").strip().lower().replace("–", "-").replace(" ", "_").replace("_to_", "-")
    aliases = {"one": "1", "2_10": "2-10", "year": "year_group", "school": "whole_school"}
    text = aliases.get(text, text)
    return text if text in msg.PEOPLE_BANDS else None


FORMS = {
    STEP_WHAT: FlowForm(build=what_form, submit=report_what),
    STEP_DETAILS: FlowForm(build=details_form_for, submit=report_details),
}
