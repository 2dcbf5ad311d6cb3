"""What a person has off site, and marking it back in school.

"Not everything came back" marks the missing items, sets the declaration to lost and goes
straight into the breach report, pre-filled from the declaration. A report abandoned there is
followed up by the chaser sweep, whose reminder's "Report the breach now" button comes back here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers import forms
from handlers.access import people_with_roles, record_at_school, refuse
from handlers.breach.report import start_report
from handlers.context import Context
from handlers.flow import Answers, FlowForm, State
from handlers.forms import Form, FormErrors
from handlers.offsite import messages as msg
from handlers.offsite import rules
from handlers.replies import Ask, Button, Notice, Reply, Say
from handlers.school_calendar import SchoolCalendar
from handlers.settings import RECORD_CATEGORIES
from storage.models import Incident, OffsiteDeclaration, OffsiteItem, Person
from storage.outbox import LedgerKey

PICK_FORM = "offsite.return_pick"
RETURN_FORM = "offsite.return"
# Declined requests stay in /offsite list for a few days so the note can be read.
SHOW_DECLINED_FOR = timedelta(days=7)


def open_declarations(ctx: Context, person: Person) -> list[OffsiteDeclaration]:
    """A person's declarations waiting for approval or out of school, oldest first."""
    return list(
        ctx.session.scalars(
            select(OffsiteDeclaration)
            .where(
                OffsiteDeclaration.school_id == ctx.school.id,
                OffsiteDeclaration.person_id == person.id,
                OffsiteDeclaration.status.in_(("pending", "out")),
            )
            .order_by(OffsiteDeclaration.expected_return, OffsiteDeclaration.id)
        )
    )


def records_out(ctx: Context, person: Person) -> list[OffsiteDeclaration]:
    """A person's declarations currently out of school (for lists, App Home and reminders)."""
    return [d for d in open_declarations(ctx, person) if d.status == "out"]


def return_button(decl: rules.Declared) -> Button:
    return Button(f"Mark #{decl.id} returned", "offsite.return", str(decl.id), "primary")


def list_records(ctx: Context) -> Reply:
    """`/offsite list`: what the person has out or waiting, and any recent refusal's reason."""
    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    declared = open_declarations(ctx, ctx.person)
    declined = list(
        ctx.session.scalars(
            select(OffsiteDeclaration)
            .where(
                OffsiteDeclaration.school_id == ctx.school.id,
                OffsiteDeclaration.person_id == ctx.person.id,
                OffsiteDeclaration.status == "declined",
                OffsiteDeclaration.created_at >= ctx.now - SHOW_DECLINED_FOR,
            )
            .order_by(OffsiteDeclaration.id)
        )
    )
    if not declared and not declined:
        return Say(msg.NOTHING_OUT)
    lines = []
    if declared:
        lines.append(msg.list_heading(len(declared)))
        for decl in declared:
            lines.append(msg.list_line(decl, rules.due_status(calendar, decl, today)))
    if declined:
        # Not open, so not counted above: a heading of their own.
        lines.append(msg.declined_heading(SHOW_DECLINED_FOR.days))
    for decl in declined:
        reason = next((a.reason for a in decl.approvals if a.decision == "declined"), None)
        lines.append(msg.declined_line(decl, reason))
    buttons = tuple(return_button(d) for d in declared if d.status == "out")
    return Say("\n".join(lines), buttons)


def start_return(ctx: Context) -> Reply:
    """`/offsite return`: straight to the one declaration out, or ask which."""
    out = records_out(ctx, ctx.person)
    if not out:
        return Say(msg.NOTHING_OUT)
    if len(out) == 1:
        return Ask(return_form(ctx, {"declaration_id": out[0].id}))
    return Ask(pick_form(ctx, {}))


def return_pressed(ctx: Context, value: str) -> Reply:
    """The "Mark returned" button in a reminder, a list or App Home."""
    decl = _own_declaration(ctx, value)
    if decl.status != "out":
        return Say(msg.not_out(decl))
    return Ask(return_form(ctx, {"declaration_id": decl.id}))


def pick_form(ctx: Context, state: State) -> Form:
    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    choices = {
        str(d.id): msg.pick_label(d, rules.due_status(calendar, d, today))
        for d in records_out(ctx, ctx.person)
    }
    return Form(
        id=PICK_FORM,
        title=msg.RETURN_PICK_TITLE,
        submit="Next",
        fields=(forms.single("declaration", "Which records are back?", choices),),
    )


def submit_pick(ctx: Context, answers: Answers, state: State) -> Reply:
    return return_pressed(ctx, answers["declaration"])


def return_form(ctx: Context, state: State) -> Form:
    decl = _own_declaration(ctx, str(state.get("declaration_id", "")))
    out = {i.category: RECORD_CATEGORIES.get(i.category, i.category) for i in _out_items(decl)}
    fields = [forms.yes_no("all_back", msg.ALL_BACK_LABEL)]
    if len(out) > 1:
        fields.append(
            forms.multi(
                "items_back",
                msg.ITEMS_BACK_LABEL,
                out,
                required=False,
                when=forms.When("all_back", ("no",), msg.ITEMS_BACK_HINT),
                validators=(lambda back: msg.ITEMS_CONTRADICT if set(back) >= set(out) else None,),
            )
        )
    fields.append(forms.yes_no("copies_destroyed", msg.COPIES_LABEL))
    return Form(
        id=RETURN_FORM,
        title=msg.RETURN_TITLE,
        intro=msg.reference(decl),
        submit="Done",
        state={"declaration_id": decl.id},
        fields=tuple(fields),
    )


def submit_return(ctx: Context, answers: Answers, state: State) -> Reply:
    decl = _own_declaration(ctx, str(state.get("declaration_id", "")))
    if decl.status != "out":
        return Say(msg.not_out(decl))
    items = _out_items(decl)
    if answers["all_back"]:
        back = {i.category for i in items}
    else:
        back = set(answers.get("items_back") or [])
        if back >= {i.category for i in items}:
            raise FormErrors({"items_back": msg.ITEMS_CONTRADICT})
    for item in items:
        if item.category in back:
            item.status, item.returned_at = "returned", ctx.now
        else:
            item.status = "missing"
    decl.returned_at = ctx.now
    decl.copies_destroyed = answers["copies_destroyed"]
    missing = [i.category for i in items if i.status == "missing"]
    if not missing:
        decl.status = "returned"
        ctx.audit(
            "offsite.returned",
            f"offsite:{decl.id}",
            copies_destroyed=decl.copies_destroyed,
        )
        text = msg.returned(decl)
        return Say(text if decl.copies_destroyed else text + "\n" + msg.DESTROY_COPIES, done=True)
    return _items_missing(ctx, decl, missing)


def _items_missing(ctx: Context, decl: OffsiteDeclaration, missing: list[str]) -> Reply:
    """Mark the declaration lost, alert the SIRO and DPO, and open the breach report.

    A possible breach ignores quiet hours, so the alert is urgent. If the holder abandons the
    report, the chaser sweep reminds them (and tells the DPO) half an hour later.
    """
    decl.status = "lost"
    ctx.audit(
        "offsite.items_missing",
        f"offsite:{decl.id}",
        missing=missing,
        copies_destroyed=decl.copies_destroyed,
    )
    ctx.notify(
        people_with_roles(ctx, ("headteacher", "dpo")),
        Notice(msg.missing_notice(decl, missing)),
        key=LedgerKey(f"offsite:{decl.id}", "items_missing"),
        urgent=True,
    )
    return start_report(ctx, declaration=decl)


def report_missing_pressed(ctx: Context, value: str) -> Reply:
    """The "Report the breach now" button in the reminder after records went missing: the
    breach report pre-filled from the declaration, for its holder only."""
    decl = _own_declaration(ctx, value)
    if decl.status != "lost":
        return Say(msg.not_out(decl))
    number = ctx.session.scalar(
        select(Incident.number)
        .where(Incident.school_id == ctx.school.id, Incident.declaration_id == decl.id)
        .limit(1)
    )
    if number is not None:
        return Say(msg.already_reported(decl, number))
    return start_report(ctx, declaration=decl)


def report_missing_button(decl: OffsiteDeclaration) -> Button:
    return Button(msg.REPORT_MISSING, "offsite.report_missing", str(decl.id), "danger")


def _own_declaration(ctx: Context, value: str) -> OffsiteDeclaration:
    """The declaration a button or form names, if it is the actor's own (a refusal of someone
    else's is audited)."""
    decl = record_at_school(ctx, OffsiteDeclaration, value, msg.UNKNOWN_DECLARATION)
    if decl.person_id != ctx.person.id:
        refuse(ctx, f"offsite:{decl.id}", "offsite.own", msg.RETURN_NOT_YOURS)
    return decl


def _out_items(decl: OffsiteDeclaration) -> list[OffsiteItem]:
    return [i for i in decl.items if i.status == "out"]


ACTIONS = {"offsite.return": return_pressed, "offsite.report_missing": report_missing_pressed}
FORMS = {
    PICK_FORM: FlowForm(build=pick_form, submit=submit_pick),
    RETURN_FORM: FlowForm(build=return_form, submit=submit_return),
}
