"""The App Home tab and the log-an-email modal, built from the core's replies and registry."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import Block, mrkdwn, reply_blocks, sections
from bot.commands.registry import Command
from bot.replies import Reply

LOG_EMAIL_ACTION = "log_email"
LOG_EMAIL_VIEW = "log_email"
VALUE_ACTION = "value"
HOME_HINT = (
    "Log from any channel with `/sent`, `/followup` or `/reply`; `/contacts` shows your "
    "pipeline and `/help` every command. Only you can see this page."
)
MODAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("contact", "Contact (optional)", "Jane Doe"),
    ("org", "Organisation (optional)", "Acme Labs"),
    ("note", "Note (optional)", "Alum, met at a conference"),
)
"""(argument of ``/sent``, label, placeholder) for each input of the modal."""


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def home_view(progress: Reply) -> dict[str, Any]:
    """The member's ``/progress`` reply, with a button that opens the log-an-email modal."""
    head = Reply(progress.text, title=progress.title, mentions=progress.mentions)
    body = Reply("", fields=progress.fields, mentions=progress.mentions)
    blocks: list[Block] = [
        *reply_blocks(head),
        {
            "type": "actions",
            "block_id": "home_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": LOG_EMAIL_ACTION,
                    "text": _plain("Log an email sent"),
                    "style": "primary",
                }
            ],
        },
        {"type": "divider"},
        *reply_blocks(body),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": HOME_HINT}]},
    ]
    return {"type": "home", "callback_id": "home", "blocks": blocks}


def log_email_modal(sent: Command) -> dict[str, Any]:
    """Contact, organisation and note, limited and described as ``/sent`` declares them."""
    blocks: list[Block] = []
    for name, label, placeholder in MODAL_FIELDS:
        argument = sent.argument(name)
        assert argument is not None, f"/sent has no {name} argument"
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": VALUE_ACTION,
            "max_length": argument.max_length,
            "placeholder": _plain(placeholder),
            "multiline": name == "note",
        }
        blocks.append(
            {
                "type": "input",
                "block_id": name,
                "optional": True,
                "label": _plain(label),
                "hint": _plain(argument.description),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": LOG_EMAIL_VIEW,
        "title": _plain("Log an email"),
        "submit": _plain("Log it"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def logged_modal(reply: Reply) -> dict[str, Any]:
    """What replaces the modal once the email is logged: the same words ``/sent`` says."""
    return {
        "type": "modal",
        "callback_id": "logged",
        "title": _plain("Email logged"),
        "close": _plain("Done"),
        "blocks": sections(mrkdwn(reply.text, reply)),
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The modal's non-empty inputs by ``/sent`` argument name."""
    state = view.get("state", {}).get("values", {})
    values: dict[str, str] = {}
    for name, _label, _placeholder in MODAL_FIELDS:
        value = state.get(name, {}).get(VALUE_ACTION, {}).get("value")
        if isinstance(value, str) and value.strip():
            values[name] = value
    return values
