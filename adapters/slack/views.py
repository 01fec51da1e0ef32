"""The App Home tab, the log-an-email modal and the file-upload form, built from the core's
replies and registry."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.render import Block, mrkdwn, reply_blocks, sections
from bot.commands.arguments import Argument
from bot.commands.registry import Command
from bot.replies import Reply
from bot.uploads import upload_limit

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
UPLOAD_VIEW = "upload_file"
FILE_BLOCK = "file"
FILE_ACTION = "file"
TITLE_LIMIT = 24
"""The longest modal title Slack shows."""


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


def _title(text: str) -> dict[str, Any]:
    return _plain(text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…")


def upload_modal(command: Command, argument: Argument) -> dict[str, Any]:
    """A form with one file field for ``command``'s file argument: the types it takes, one
    file, and the command's path in ``private_metadata`` for the submission."""
    types = ", ".join(argument.upload)
    about = f"*/{command.path}*: {command.description}."
    if command.details:
        about += f" {command.details}"
    return {
        "type": "modal",
        "callback_id": UPLOAD_VIEW,
        "private_metadata": json.dumps({"path": command.path}),
        "title": _title(f"/{command.path}"),
        "submit": _plain("Import"),
        "close": _plain("Cancel"),
        "blocks": [
            *sections(about),
            {
                "type": "input",
                "block_id": FILE_BLOCK,
                "label": _plain("File"),
                "hint": _plain(f"{types}; UTF-8 text, up to {upload_limit(argument) // 1000} KB"),
                "element": {
                    "type": "file_input",
                    "action_id": FILE_ACTION,
                    "filetypes": list(argument.upload),
                    "max_files": 1,
                },
            },
        ],
    }


def upload_path(view: dict[str, Any]) -> str:
    """The command an upload form was opened for."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return ""
    return str(metadata.get("path", "")) if isinstance(metadata, dict) else ""


def submitted_file(view: dict[str, Any]) -> str | None:
    """The id of the file chosen in an upload form, if one was."""
    state = view.get("state", {}).get("values", {})
    files = state.get(FILE_BLOCK, {}).get(FILE_ACTION, {}).get("files") or []
    first = files[0] if files and isinstance(files[0], dict) else {}
    return str(first["id"]) if first.get("id") else None


def result_modal(title: str, reply: Reply) -> dict[str, Any]:
    """What replaces a form once its work is done (or under way): the reply's words."""
    return {
        "type": "modal",
        "callback_id": "upload_result",
        "title": _title(title),
        "close": _plain("Done"),
        "blocks": sections(mrkdwn(reply.text, reply)),
    }
