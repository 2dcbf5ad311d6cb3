"""Case-by-case permission for sensitive records: approve, decline with a reason, or lapse.

Each approver gets their own approval row and DM; the first answer decides and closes the
others. A request nobody answers lapses at the end of the school day, or of the next one if it
came with less than an hour to go (the chaser sweep does that on time; a button pressed after
that moment lapses it on the spot), and both sides are told once, under ledger keys.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers import forms, numbered_records
from handlers.access import id_from, record_at_school, refuse, require
from handlers.context import Context
from handlers.flow import Answers, FlowForm, State
from handlers.forms import Form
from handlers.offsite import messages as msg
from handlers.offsite.declare import due_day
from handlers.replies import Ask, Button, Notice, Reply, Say
from storage.models import OffsiteApproval, OffsiteDeclaration, Person
from storage.outbox import LedgerKey

DECLINE_FORM = "offsite.decline_reason"


def find_approval(ctx: Context, value: str) -> OffsiteApproval:
    """The approval a button or form names, read after locking its declaration."""
    approval_id = id_from(value)
    declaration_id = ctx.session.scalar(
        select(OffsiteApproval.declaration_id).where(OffsiteApproval.id == approval_id)
    )
    record_at_school(ctx, OffsiteDeclaration, declaration_id, msg.UNKNOWN_REQUEST)
    decl = lock_declaration(ctx, declaration_id or 0)
    return next(a for a in decl.approvals if a.id == approval_id)


def lock_declaration(ctx: Context, declaration_id: int) -> OffsiteDeclaration:
    """The declaration and its approvals, freshly read under a row lock (PostgreSQL).

    Two approvers answering at once, or an approver and the lapsing sweep, are decided one after
    the other: the second waits here and then sees the first answer. SQLite serialises writers.

    The school row is locked first: every audit append locks it too, so taking it before the
    declaration keeps one order (school, then declaration) in every transaction. Otherwise the
    sweep (declaration X, school, declaration Y) and an approver (Y, then school for the audit)
    would deadlock.
    """
    numbered_records.lock_school(ctx)
    return ctx.session.scalars(
        select(OffsiteDeclaration)
        .where(OffsiteDeclaration.id == declaration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def answerable(ctx: Context, approval: OffsiteApproval) -> Say | None:
    """Why this person can't answer this request now, or None if they can."""
    require(ctx, "offsite.approve", f"offsite:{approval.declaration_id}")
    if approval.approver_id != ctx.person.id:
        refuse(ctx, f"offsite:{approval.declaration_id}", "offsite.approve", msg.NOT_YOURS)
    if approval.decision == "pending" and approval.expires_at <= ctx.now:
        expire(ctx, approval.declaration)
    if approval.decision != "pending":
        return Say(msg.already_decided(approval.decision))
    return None


def approve(ctx: Context, value: str) -> Reply:
    approval = find_approval(ctx, value)
    blocked = answerable(ctx, approval)
    if blocked is not None:
        return blocked
    decl = approval.declaration
    _decide(ctx, approval, "approved")
    decl.status = "out"
    decl.permission_basis = "case_by_case"
    ctx.audit("offsite.approved", f"offsite:{decl.id}", approval_id=approval.id)
    ctx.notify(
        [_holder(ctx, decl)],
        Notice(
            msg.approved_notice(decl, due_day(ctx, decl)),
            (Button("Mark returned", "offsite.return", str(decl.id)),),
        ),
        key=LedgerKey(f"offsite:{decl.id}", "approval_outcome"),
    )
    return Say(msg.APPROVED_REPLY, done=True)


def decline(ctx: Context, value: str) -> Reply:
    """The Decline button: ask for a reason first (nothing changes until it is given)."""
    approval = find_approval(ctx, value)
    blocked = answerable(ctx, approval)
    if blocked is not None:
        return blocked
    return Ask(decline_form(ctx, {"approval_id": approval.id}))


def decline_form(ctx: Context, state: State) -> Form:
    approval = find_approval(ctx, str(state.get("approval_id") or ""))
    intro = msg.reference(approval.declaration)
    return Form(
        id=DECLINE_FORM,
        title=msg.DECLINE_TITLE,
        intro=intro,
        submit="Decline",
        state={"approval_id": state.get("approval_id")},
        fields=(
            forms.single("reason", "Why not?", msg.DECLINE_REASONS),
            forms.text(
                "note",
                msg.DECLINE_NOTE_LABEL,
                required=False,
                max_length=200,
                help=forms.NAMES_WARNING,
            ),
        ),
    )


def submit_decline(ctx: Context, answers: Answers, state: State) -> Reply:
    approval = find_approval(ctx, str(state.get("approval_id", "")))
    blocked = answerable(ctx, approval)
    if blocked is not None:
        return blocked
    decl = approval.declaration
    reason_label = msg.DECLINE_REASONS[answers["reason"]]
    note = answers.get("note")
    _decide(ctx, approval, "declined", reason_label + (f": {note}" if note else ""))
    decl.status = "declined"
    for item in decl.items:
        item.status = "not_taken"
    ctx.audit(
        "offsite.declined",
        f"offsite:{decl.id}",
        approval_id=approval.id,
        reason=answers["reason"],
        has_note=bool(note),
    )
    ctx.notify(
        [_holder(ctx, decl)],
        Notice(msg.declined_notice(decl, reason_label)),
        key=LedgerKey(f"offsite:{decl.id}", "approval_outcome"),
    )
    return Say(msg.DECLINED_REPLY, done=True)


def expire(ctx: Context, decl: OffsiteDeclaration) -> int:
    """Lapse an unanswered request and tell both sides once; returns messages queued."""
    decl = lock_declaration(ctx, decl.id)
    pending = [a for a in decl.approvals if a.decision == "pending"]
    if decl.status != "pending" or not pending:
        return 0
    for approval in pending:
        approval.decision = "expired"
        approval.decided_at = ctx.now
    decl.status = "expired"
    for item in decl.items:
        item.status = "not_taken"
    ctx.audit("offsite.approval_expired", f"offsite:{decl.id}", approvals=len(pending))
    queued = 0
    holder = _holder(ctx, decl)
    if ctx.notify(
        [holder],
        Notice(msg.expired_notice(decl)),
        key=LedgerKey(f"offsite:{decl.id}", "approval_outcome"),
    ):
        queued += 1
    approvers = [ctx.session.get_one(Person, a.approver_id) for a in pending]
    if ctx.notify(
        approvers,
        Notice(msg.expired_approver_notice(decl)),
        key=LedgerKey(f"offsite:{decl.id}", "approval_expired_approvers"),
    ):
        queued += len(approvers)
    return queued


def _decide(
    ctx: Context, approval: OffsiteApproval, decision: str, reason: str | None = None
) -> None:
    """Record this answer and close the other approvers' copies of the request."""
    approval.decision = decision
    approval.decided_at = ctx.now
    approval.decided_by_id = ctx.person.id
    approval.reason = reason
    for other in approval.declaration.approvals:
        if other is not approval and other.decision == "pending":
            other.decision = "superseded"
            other.decided_at = ctx.now


def _holder(ctx: Context, decl: OffsiteDeclaration) -> Person:
    return ctx.session.get_one(Person, decl.person_id)


ACTIONS = {"offsite.approve": approve, "offsite.decline": decline}
FORMS = {
    DECLINE_FORM: FlowForm(build=decline_form, submit=submit_decline, permission="offsite.approve")
}
