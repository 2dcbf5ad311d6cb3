"""Safekeep's Slack listeners, as named functions: every command, button, shortcut, form and
App Home visit becomes one turn (bot/turn.py) and its reply is shown as Block Kit.

``register`` attaches them to the bolt app with one middleware, which drops events Slack resent
and puts ``who`` (the workspace, user and client, resolved once to a school and a person) in the
context, where bolt hands it to each listener. The listeners know no flow: a new flow in
``handlers.routes.FLOWS`` works unchanged.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.slack import parse, render
from bot.slack.adapter import SlackAdapter, Who, origin_of
from bot.turn import Work
from handlers import routes
from handlers.replies import Ask, Invalid, Say

log = logging.getLogger(__name__)

SHORTCUT_BREACH = "report_breach"
SHORTCUT_ACTION = "breach.start"
SHORTCUT_CONCERN = "report_concern"
# Each global shortcut's callback id and the flow action it starts.
SHORTCUTS = {SHORTCUT_BREACH: SHORTCUT_ACTION, SHORTCUT_CONCERN: "concern.start"}
# A button's action_id is a flow action ("aup.start"), perhaps with a ":N" uniqueness suffix.
ACTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+(:\d+)?$")
COMMAND = re.compile(r"^/.+$")
# Every modal but Safekeep's own waiting and closing views is a flow's form.
FORM = re.compile(r"^(?!safekeep\.).+")


def register(adapter: SlackAdapter) -> None:
    """Attach Safekeep's middleware and listeners to the bolt app."""
    app = adapter.app
    app.middleware(adapter.middleware())
    app.command(COMMAND)(on_command)
    app.action(ACTION_ID)(on_button)
    for callback_id in SHORTCUTS:
        app.shortcut(callback_id)(on_shortcut)
    app.view(FORM)(on_submit)
    app.event("app_home_opened")(on_home)
    app.error(on_error)


def _adapter(who: Who) -> SlackAdapter:
    if who.adapter is None:
        raise RuntimeError("the adapter's middleware did not run")
    return who.adapter


async def on_command(ack: Any, body: dict[str, Any], who: Who) -> None:
    """A slash command: a form opens as a modal, anything else is an ephemeral reply."""
    adapter = _adapter(who)
    work = routes.command(body.get("command", ""), body.get("text") or "")
    task, in_time = await adapter.within(who, adapter.run(who, work), adapter.trigger_budget)
    if not in_time:
        await ack()
        opened = await who.client.views_open(
            trigger_id=body["trigger_id"], view=render.waiting_view()
        )
        await adapter.update_reply(who, opened["view"]["id"], await task)
        return
    reply = task.result()
    if isinstance(reply, Ask):
        await ack()
        await adapter.open_reply(who, body["trigger_id"], reply)
        return
    if isinstance(reply, Invalid):
        reply = Say("\n".join(reply.errors.values()))
    await ack(**render.ephemeral(reply))


async def on_button(ack: Any, body: dict[str, Any], who: Who) -> None:
    """A button in a DM, a modal or the App Home."""
    await ack()
    pressed = body["actions"][0]
    label = str((pressed.get("text") or {}).get("text") or "")
    value = pressed.get("value") or ""
    work = routes.press(render.action_name(pressed["action_id"]), "" if value == "-" else value)
    await show_press(who, body, work, origin_of(body, label))


async def on_shortcut(ack: Any, body: dict[str, Any], who: Who) -> None:
    """A global shortcut: report a lost device, a breach or a concern from anywhere in Slack."""
    await ack()
    action = SHORTCUTS.get(body.get("callback_id", ""), SHORTCUT_ACTION)
    await show_press(who, body, routes.press(action, ""), None)


async def on_submit(ack: Any, body: dict[str, Any], who: Who) -> None:
    """A flow's form submitted: field errors in place, the next step, or the outcome."""
    adapter = _adapter(who)
    view = body["view"]
    form_id, state, origin = render.read_metadata(view.get("private_metadata", ""))
    raw, users = parse.raw_answers((view.get("state") or {}).get("values") or {})
    task, in_time = await adapter.within(
        who, adapter.submit(who, form_id, raw, users, state), adapter.submit_budget
    )
    if not in_time:
        await ack(response_action="update", view=render.waiting_view(render.WORKING))
        reply = await task
        if isinstance(reply, Invalid):
            await who.client.views_update(
                view_id=view["id"], view=render.errors_view(view, reply.errors)
            )
        else:
            await adapter.update_reply(who, view["id"], reply, origin)
        await adapter.mark_done(who, origin, reply)
        return
    reply = task.result()
    if isinstance(reply, Invalid):
        await ack(**errors_response(view, reply))
        return
    await ack(response_action="update", view=adapter.reply_view(reply, origin))
    await adapter.mark_done(who, origin, reply)


async def on_home(event: dict[str, Any], who: Who) -> None:
    """The App Home opened: what is waiting for this person."""
    adapter = _adapter(who)
    if event.get("tab", "home") == "home":
        await adapter.publish_home(who)


async def on_error(error: Exception) -> None:
    """A listener failed after the turn (Slack refused a view, say)."""
    # Never log payloads: they may hold what staff typed.
    log.error("Slack listener failed: %s", type(error).__name__)


async def show_press(
    who: Who,
    body: dict[str, Any],
    work: Work,
    origin: dict[str, Any] | None,
) -> None:
    """Run a button or shortcut and show the result where it was pressed."""
    adapter = _adapter(who)
    trigger_id = body.get("trigger_id", "")
    container = body.get("container") or {}
    in_modal = container.get("type") == "view" and (body.get("view") or {}).get("type") == "modal"
    task, in_time = await adapter.within(who, adapter.run(who, work), adapter.trigger_budget)
    if in_modal:
        await adapter.update_reply(who, body["view"]["id"], await task, origin)
    elif in_time:
        await adapter.open_reply(who, trigger_id, task.result(), origin)
    else:
        opened = await who.client.views_open(trigger_id=trigger_id, view=render.waiting_view())
        await adapter.update_reply(who, opened["view"]["id"], await task, origin)
    await adapter.mark_done(who, origin, task.result())
    if (body.get("view") or {}).get("type") == "home":
        await adapter.publish_home(who)


def errors_response(view: dict[str, Any], invalid: Invalid) -> dict[str, Any]:
    """``response_action: errors`` keyed by the input blocks the form really has."""
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    errors: dict[str, str] = {}
    for name, message in invalid.errors.items():
        target = name if name in inputs else (inputs[0] if inputs else None)
        if target is None:
            continue
        errors[target] = f"{errors[target]} {message}" if target in errors else message
    if not errors:
        return {
            "response_action": "update",
            "view": render.say_view(Say(" ".join(invalid.errors.values()))),
        }
    return {"response_action": "errors", "errors": errors}
