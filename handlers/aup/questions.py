""" "I have a question": a question about the AUP goes to the Online Safety lead, who answers it
from the DM; the answer reaches the person, who stays "to sign" until they agree.

DMs carry the question's number only. The lead opens the question with the DM's "Answer"
button, and the person opens the answer with "Open the answer": the words stay in the database
(encrypted), shown only in the dialog of the person entitled to them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers import forms
from handlers.access import people_with_roles, record_at_school, require
from handlers.aup import messages as msg
from handlers.aup.roster import GROUP_LABELS
from handlers.context import Context
from handlers.flow import ActionHandler, FlowForm
from handlers.forms import Form
from handlers.replies import Ask, Button, Notice, Reply, Say
from storage.models import AupQuestion, AupVersion, Person
from storage.outbox import LedgerKey

FORM_ID = "aup.answer"
# Who answers: the Online Safety lead; the Headteacher when the school has none.
ANSWERERS = ("online_safety_lead",)
ANSWERERS_FALLBACK = ("headteacher",)


def ask(ctx: Context, version: AupVersion, text: str, token: str | None = None) -> Reply:
    """Store the (screened) question and tell the lead it is waiting, by number only; the
    same dialog sent again (``token``) finds the question it asked."""
    if token is not None:
        earlier = ctx.session.scalar(
            select(AupQuestion).where(
                AupQuestion.school_id == ctx.school.id,
                AupQuestion.person_id == ctx.person.id,
                AupQuestion.dialog_token == token,
            )
        )
        if earlier is not None:
            return Say(msg.question_sent(earlier.id), done=True)
    question = AupQuestion(
        dialog_token=token,
        school_id=ctx.school.id,
        person_id=ctx.person.id,
        aup_version_id=version.id,
        asked_at=ctx.now,
        question=text,
    )
    ctx.session.add(question)
    ctx.session.flush()
    ctx.audit("aup.question_asked", f"aup_question:{question.id}", version=version.version)
    leads = people_with_roles(ctx, ANSWERERS) or people_with_roles(ctx, ANSWERERS_FALLBACK)
    ctx.notify(
        leads,
        Notice(
            msg.question_notice(question.id, version.version),
            (Button(msg.ANSWER_BUTTON, "aup.answer", str(question.id), "primary"),),
        ),
        key=LedgerKey(f"aup_question:{question.id}", "aup.question_asked"),
    )
    return Say(msg.question_sent(question.id), done=True)


def _question(ctx: Context, value: Any) -> AupQuestion:
    """The question a button or form names, at the actor's school (else refused)."""
    return record_at_school(ctx, AupQuestion, value, msg.NO_SUCH_QUESTION)


def open_question(ctx: Context, value: str) -> Reply:
    """The lead's "Answer" button: the question and a field for the answer."""
    question = _question(ctx, value)
    require(ctx, "aup.answer", f"aup_question:{question.id}")
    if question.answered_at is not None:
        return Say(msg.already_answered(question.id, ctx.when(question.answered_at)))
    return Ask(answer_form(ctx, {"question_id": question.id}))


def answer_form(ctx: Context, state: dict[str, Any]) -> Form:
    question = _question(ctx, state.get("question_id"))
    version = ctx.session.get_one(AupVersion, question.aup_version_id)
    asker = ctx.session.get_one(Person, question.person_id)
    intro = msg.answer_intro(
        question.id, version.title, version.version, ctx.when(question.asked_at), question.question
    )
    intro += f"\n({GROUP_LABELS.get(asker.role_group, asker.role_group)})"
    return Form(
        id=FORM_ID,
        title=msg.ANSWER_TITLE,
        intro=intro,
        fields=(forms.long_text("answer", msg.ANSWER_LABEL, max_length=1500),),
        submit=msg.ANSWER_SUBMIT,
        state={"question_id": question.id},
    )


def answer(ctx: Context, answers: dict[str, Any], state: dict[str, Any]) -> Reply:
    """Store the (screened) answer and tell the person it is there, by number only."""
    question = _question(ctx, state.get("question_id"))
    require(ctx, "aup.answer", f"aup_question:{question.id}")
    if question.answered_at is not None:
        return Say(msg.already_answered(question.id, ctx.when(question.answered_at)))
    question.answer = str(answers["answer"])
    question.answered_at = ctx.now
    question.answered_by_id = ctx.person.id
    ctx.audit("aup.question_answered", f"aup_question:{question.id}")
    asker = ctx.session.get_one(Person, question.person_id)
    ctx.notify(
        [asker],
        Notice(
            msg.answered_notice(question.id),
            (Button(msg.OPEN_ANSWER_BUTTON, "aup.answer_open", str(question.id), "primary"),),
        ),
        key=LedgerKey(f"aup_question:{question.id}", "aup.question_answered"),
    )
    return Say(msg.answer_sent(question.id), done=True)


def open_answer(ctx: Context, value: str) -> Reply:
    """The person's "Open the answer" button: their question and the lead's answer."""
    question = _question(ctx, value)
    if question.person_id != ctx.person.id:
        ctx.audit("access.refused", f"aup_question:{question.id}", permission="aup.answer_open")
        return Say(msg.NOT_YOUR_QUESTION)
    if question.answer is None or question.answered_at is None:
        return Say(msg.NO_SUCH_QUESTION)
    return Say(
        msg.answer_shown(
            question.id, question.question, question.answer, ctx.when(question.answered_at)
        ),
        (Button(msg.READ_AND_AGREE, "aup.start", style="primary"),),
    )


FORMS = {FORM_ID: FlowForm(build=answer_form, submit=answer, permission="aup.answer")}
ACTIONS: dict[str, ActionHandler] = {"aup.answer": open_question, "aup.answer_open": open_answer}
